#!/bin/sh
# Crash safety: regcredd killed with SIGKILL at random moments (at least 50 times, some during
# start-up) while 1,000 secret changes stream in. After every kill both files parse, the user's
# own entry and key are intact and no temp file is left; after the last restart the files
# converge to the secrets.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'pw-[0-9]' 'my-own-pw'
if $PY "$REGCRED_SRC/tests/integration/crash_kill.py" "$REGCRED_BIN/regcredd" "$T" --kills 50 --changes 1000 >"$T/crash.out" 2>&1; then
  ok "$(grep '^#' "$T/crash.out" | head -1 | cut -c3-): files whole after every kill, converged after the last"
else
  not_ok "crash safety"; cat "$T/crash.out"
fi
check "no fixture password in the log" sh -c "! grep -q -e pw-[0-9] -e my-own-pw '$T/regcredd.log'"
finish
