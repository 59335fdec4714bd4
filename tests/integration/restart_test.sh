#!/bin/sh
# After a stop (SIGTERM) or a crash (SIGKILL), regcredd starts from its state folder: with the
# API server unreachable it answers the helpers (over its socket) with what it served before,
# leaves the files as they are, and reports that it waits; when the API server is back, the
# store is the cluster's again.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'restart-pw'
make_pki
echo "token-r" >"$T/server-tokens"
echo "token-r" >"$T/token"
API="--tls-cert $T/pki/server.crt --tls-key $T/pki/server.key --token-file $T/server-tokens --state $T/api.state"
start_fake_apiserver $API
write_kubeconfig "$T/kubeconfig" "$API_URL" "{tokenFile: token}" "$T/pki/ca.crt"
api_put_secret apps pull registry.example.com alice 'restart-pw-1111'
KUB="$T/kubelet/config.json"
start_regcredd --kubeconfig "$T/kubeconfig" --all-namespaces --kubelet-config "$KUB"
wait_until 10 ready
check "synced: the kubelet file has the entry" auth_is "$KUB" registry.example.com alice:restart-pw-1111
export REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state"
hget() { printf registry.example.com | "$REGCRED_BIN/docker-credential-regcred" get 2>/dev/null | grep -q '"Username":"alice"'; }

for how in TERM KILL; do
  echo "# SIG$how, then the API server goes away"
  kill -"$how" "$D_PID"; wait "$D_PID" 2>/dev/null || true
  stop_pid "$API_PID"
  cp "$KUB" "$T/kubelet-before"
  start_regcredd --kubeconfig "$T/kubeconfig" --all-namespaces --kubelet-config "$KUB" --ready-timeout 60s
  check "[$how] the helper gets the credential from regcredd (API server down)" wait_until 5 hget
  # Answered by the daemon, not by the helper's own state fallback: the socket is up.
  check "[$how] regcredd answers /v1/helper/get itself" sh -c "curl -s --unix-socket '$D_SOCK' -X POST --data '{\"server\":\"registry.example.com\"}' http://x/v1/helper/get | grep -q '\"username\":\"alice\"'"
  check "[$how] it says it waits for the first sync" sh -c "curl -s --unix-socket '$D_SOCK' http://x/v1/status | grep -q '\"synced\":false'"
  check "[$how] the kubelet file is left as it was" cmp -s "$KUB" "$T/kubelet-before"
  check "[$how] the log says it serves the previous credentials" grep -q "serving the previous credentials" "$T/regcredd.log"
  start_fake_apiserver $API --port "$API_PORT"
  check "[$how] when the API server is back: in sync" wait_until 40 ready
done

echo "# what the cluster says wins once it answers"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
api_delete_secret apps pull
start_regcredd --kubeconfig "$T/kubeconfig" --all-namespaces --kubelet-config "$KUB"
wait_until 15 ready
check "a secret deleted while regcredd was down is gone after the sync" wait_until 5 lacks_key "$KUB" registry.example.com
check "and the helper no longer answers for it" sh -c "! printf registry.example.com | '$REGCRED_BIN/docker-credential-regcred' get >/dev/null"
check "no fixture password in the log" sh -c "! grep -q restart-pw '$T/regcredd.log'"
finish
