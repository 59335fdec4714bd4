#!/bin/sh
# docker's own credential-helper client (github.com/docker/docker-credential-helpers/client)
# as the oracle for docker-credential-regcred: store, get, list and erase as docker login, pull
# and logout run them, with regcredd down (the state folder) and up (the socket).
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords 'oracle-pw-' 'oracle-token-' 'cluster-pw-'

mkdir -p "$T/secrets"
secret_json team-a pull cluster.example.com builder cluster-pw-5353 >"$T/secrets/pull.json"
"$REGCRED_BIN/regcredd" --config /dev/null --once --secrets-dir "$T/secrets" \
  --state-dir "$T/state" >"$T/once.log" 2>&1
H=$REGCRED_BIN/docker-credential-regcred

echo "# regcredd down: the helper answers from the state folder"
REGCRED_SOCKET=$T/absent.sock REGCRED_STATE_DIR=$T/state \
  "$KBIN/helper-oracle" "$H" cluster.example.com builder >"$T/down.txt" 2>&1 && rc=0 || rc=$?
cat "$T/down.txt"
check "docker's client: every step held with regcredd down" [ "$rc" = 0 ]

echo "# regcredd up: the helper asks it over the socket"
start_regcredd --secrets-dir "$T/secrets"
wait_until 10 ready
REGCRED_SOCKET=$D_SOCK REGCRED_STATE_DIR=$T/state \
  "$KBIN/helper-oracle" "$H" cluster.example.com builder >"$T/up.txt" 2>&1 && rc=0 || rc=$?
cat "$T/up.txt"
check "docker's client: every step held with regcredd up" [ "$rc" = 0 ]
finish
