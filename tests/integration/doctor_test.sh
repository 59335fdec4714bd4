#!/bin/sh
# regcredctl status and doctor against a real regcredd and the real docker-registry: a node that
# can pull passes every step; a wrong password, a missing secret, a secret for another
# registry, a non-compact secret, an unreachable registry and a stopped regcredd each fail at
# their step with a hint, and the verdict names it.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'doctor-pw'
require_tools docker-registry skopeo htpasswd openssl
C="$REGCRED_BIN/regcredctl"
push_test_image doc 'doctor-pw-1212'
mkdir -p "$T/secrets"
secret_json apps pull "127.0.0.1:$REG_PORT" doc 'doctor-pw-1212' >"$T/secrets/pull.json"
secret_json apps other "other.example.com" doc 'doctor-pw-1212' >"$T/secrets/other.json"
# A secret whose JSON was pretty-printed before it was encoded (still usable: a warning).
$PY - "$T/secrets/pretty.json" "127.0.0.1:$REG_PORT" <<'PYEOF'
import base64, json, sys
cfg = json.dumps({"auths": {sys.argv[2]: {"auth": base64.b64encode(b"doc:doctor-pw-1212").decode()}}}, indent=2)
json.dump({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
           "metadata": {"namespace": "pretty", "name": "pull", "labels": {"regcred.io/sync": "true"}},
           "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}, open(sys.argv[1], "w"))
PYEOF
start_regcredd --secrets-dir "$T/secrets" --pull-test-ca-file "$T/pki/ca.crt"
wait_until 10 ready
export REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state"
# No container runtime here (doctor_runtime_test.sh has one): step 3's runtime pull is skipped.
C_DOCTOR() { "$C" doctor --containerd-socket "$T/no-containerd.sock" "$@"; }
state_of() { pycheck doctor_states "$1"; }

echo "# status"
check "status (table) exits 0" sh -c "'$C' status >'$T/status.txt'"
check "status names the node and the store" grep -q "^STORE .* 3 secrets" "$T/status.txt"
"$C" status -o json >"$T/status.json" || true
check "status -o json is regcredd's status" pycheck status_ready_with_pull_tests "$T/status.json"

echo "# doctor: everything fine"
set +e
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" -n apps --secret pull -o json >"$T/ok.json"; rc=$?
set -e
check "exit 0 when every step passed" [ "$rc" = 0 ]
check "steps 1-5 passed (no runtime here)" [ "$(state_of "$T/ok.json")" = "passed passed passed skipped passed passed" ]
check "the verdict says the node can pull" grep -q '"verdict": "no problem found' "$T/ok.json"
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" -n apps --secret pull >"$T/ok.txt" || true
check "the table marks each step" sh -c "grep -c '^\[ok\]' '$T/ok.txt' | grep -q 5"

echo "# doctor: what goes wrong"
set +e
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" -n apps --secret missing -o json >"$T/missing.json"; rc=$?
set -e
check "a missing secret: exit 1, step 4 failed" [ "$rc $(state_of "$T/missing.json")" = "1 passed passed passed skipped failed skipped" ]
check "  the hint says where the secret must be" grep -q "it must exist in the pod's namespace" "$T/missing.json"
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" -n apps --secret other -o json >"$T/other.json" || true
check "a secret for another registry: step 4 says its keys do not match" grep -q "do not match 127.0.0.1:$REG_PORT/regcred/tiny" "$T/other.json"
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" -n pretty --secret pull -o json >"$T/pretty.json" || true
check "a pretty-printed secret: step 5 warns" [ "$(state_of "$T/pretty.json")" = "passed passed passed skipped passed warning" ]
check "  naming the lint code" grep -q not-compact "$T/pretty.json"
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:nope" -n apps --secret pull -o json >"$T/tag.json" || true
check "a missing tag: step 3 failed, verdict not-found" sh -c "grep -q '\"verdict\": \"not-found' '$T/tag.json'"
C_DOCTOR "127.0.0.1:$(free_port)/regcred/tiny:v1" -o json >"$T/closed.json" || true
check "a closed port: step 2 failed, step 3 skipped" [ "$(state_of "$T/closed.json")" = "passed failed skipped skipped skipped skipped" ]
# The registry's password changes; the secret does not.
stop_pid "$REG_PID"
start_registry doc 'doctor-pw-NEW'
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" -n apps --secret pull >"$T/bad.txt" || true
check "a wrong password: the table's verdict says bad-credentials and what to do" \
  grep -q "^VERDICT  bad-credentials: the registry refused the credential" "$T/bad.txt"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
set +e
C_DOCTOR "127.0.0.1:$REG_PORT/regcred/tiny:v1" --ca-file "$T/pki/ca.crt" -o json >"$T/down.json"; rc=$?
set -e
check "regcredd stopped: step 1 failed, steps 2-3 still run (credentials from the state folder)" \
  [ "$rc $(state_of "$T/down.json" | cut -d' ' -f1-3)" = "1 failed passed failed" ]
check "  and name the state folder" grep -q 'state folder' "$T/down.json"
check "no fixture password in any output" sh -c "! grep -q -e doctor-pw '$T'/*.json '$T'/*.txt '$T/regcredd.log'"
finish
