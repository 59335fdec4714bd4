#!/bin/sh
# docker-credential-regcred speaks the helper protocol byte for byte: the recorded
# credentials.Serve vectors (docker-vectors.json helper_protocol.server_vectors) run against the
# binary, first with no daemon (state folder fallback), then through a running regcredd.
set -eu
. "$(dirname "$0")/lib.sh"
fixture_passwords 'passw0rd1'
H="$REGCRED_BIN/docker-credential-regcred"
V="$REGCRED_SRC/tests/data/docker-vectors.json"

echo "# daemon down: the helper answers from the state folder"
if $PY "$REGCRED_SRC/tests/integration/helper_vectors.py" "$H" "$V" "$T/state" "$T/none.sock" state; then
  ok "vectors with the daemon down"
else
  not_ok "vectors with the daemon down"
fi

echo "# daemon up: the helper asks regcredd over its socket"
mkdir -p "$T/secrets"
start_regcredd --secrets-dir "$T/secrets" --label-selector ""
wait_until 10 ready
if $PY "$REGCRED_SRC/tests/integration/helper_vectors.py" "$H" "$V" "$T/state" "$D_SOCK" daemon; then
  ok "vectors with the daemon up"
else
  not_ok "vectors with the daemon up"
fi
check "the daemon served them (its log shows stores)" grep -q "node-local credential stored" "$T/regcredd.log"
check "no fixture secret in the daemon's log" sh -c "! grep -q -e passw0rd1 -e eyJhbGciOi.identity '$T/regcredd.log'"
finish
