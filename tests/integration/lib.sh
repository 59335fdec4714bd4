# Shared helpers for the integration tests (POSIX sh). Source it after setting -eu.
# Every test works in its own temp folder ($T), starts its own processes, and stops them on exit.
# REGCRED_BIN (the built binaries) and REGCRED_SRC (the source tree) come from ctest.

: "${REGCRED_BIN:?set by ctest}" "${REGCRED_SRC:?set by ctest}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/regcred-it.XXXXXX)
PIDS=""
FAILS=0
CHECKS=0

# The suite-wide leak check (no_secret_in_outputs_test.sh, run last by ctest) greps what every
# test produced for every test's fixture passwords. A test names its passwords (extended regular
# expressions) with fixture_passwords, and the files under $T whose job is to hold credentials
# (beyond the usual ones below) with credential_files; everything else it leaves in $T is
# output: logs, command outputs, status answers, recorded requests.
TEST_NAME=$(basename "$0" .sh)
OUTPUTS=${REGCRED_OUTPUTS:-}
LEAK_PATTERNS=""
LEAK_DECLARED=0
CREDENTIAL_FILES=""
# fixture_passwords PATTERN... (none: the test handles no credential)
fixture_passwords() {
  LEAK_DECLARED=1
  for p in "$@"; do LEAK_PATTERNS="$LEAK_PATTERNS$p
"; done
}
credential_files() { CREDENTIAL_FILES="$CREDENTIAL_FILES $*"; }
if [ -n "$OUTPUTS" ]; then
  rm -rf "${OUTPUTS:?}/$TEST_NAME"
  mkdir -p "$OUTPUTS/$TEST_NAME/files"
  : >"$OUTPUTS/$TEST_NAME/started"
fi
# Where credentials belong: the secrets a test feeds in, regcredd's state folder, the node files
# it writes (config.json anywhere, kubelet's), registry passwords and keys, tokens.
is_credential_file() { # path relative to $T
  case "$1" in
    ./secrets/* | ./secrets*/* | ./state/* | ./state*/* | */config.json | ./kubelet/* | ./pki/* | \
      *htpasswd* | ./registry-data/* | ./token* | ./server-tokens* | ./sa/* | *.key | *.pem | \
      ./ctrd/* | ./sysroot/* | ./xdg/* | */auth.json) return 0 ;;
  esac
  for c in $CREDENTIAL_FILES; do
    case "$1" in ./$c) return 0 ;; esac
  done
  return 1
}
save_outputs() {
  [ -n "$OUTPUTS" ] || return 0
  d="$OUTPUTS/$TEST_NAME"
  printf '%s' "$LEAK_PATTERNS" >"$d/patterns"
  [ "$LEAK_DECLARED" = 0 ] || : >"$d/declared"
  (cd "$T" && find . -type f -size -4M) | while IFS= read -r f; do
    is_credential_file "$f" && continue
    grep -Iq . "$T/$f" 2>/dev/null || continue # binary or empty
    mkdir -p "$d/files/$(dirname "$f")"
    cp "$T/$f" "$d/files/$f" 2>/dev/null || true
  done
  : >"$d/saved"
}

cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  for p in $PIDS; do wait "$p" 2>/dev/null || true; done
  save_outputs
  if [ "${KEEP_TMP:-0}" = 1 ] || [ "$FAILS" -ne 0 ]; then
    echo "# files kept in $T"
  else
    rm -rf "$T"
  fi
}
trap cleanup EXIT INT TERM

ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "not ok - $*"; }
check() { # check "description" command...
  desc=$1; shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
  echo "# $CHECKS checks, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}

# pycheck NAME ARG...: a named check or reader of checks.py (the module says what each does).
pycheck() { $PY "$REGCRED_SRC/tests/integration/checks.py" "$@"; }

# exits_with CODE OUT command...: runs the command, its stdout and stderr to OUT; its exit code
# is CODE.
exits_with() {
  want=$1 out=$2; shift 2
  rc=0
  "$@" >"$out" 2>&1 || rc=$?
  [ "$rc" = "$want" ] || { echo "# exit $rc, expected $want: $*" >&2; return 1; }
}

# skip REASON: the test cannot run here (ctest counts it as skipped).
skip() { echo "# skip: $*"; exit 77; }
# require_tools TOOL...: skip unless each is on PATH.
require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (make deps installs it)"
  done
}

# wait_until SECONDS command...: polls every 50 ms.
wait_until() {
  limit=$1; shift
  end=$(( $(date +%s%N) + limit * 1000000000 ))
  while ! "$@" >/dev/null 2>&1; do
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.05
  done
}

# A docker config.json entry's decoded `auth`, or nothing.
auth_of() { # file key
  $PY - "$1" "$2" <<'PYEOF' 2>/dev/null
import base64, json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(base64.b64decode(d["auths"][sys.argv[2]]["auth"]).decode())
except Exception:
    pass
PYEOF
}
has_key() { [ -n "$(auth_of "$1" "$2")" ]; }
lacks_key() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2] not in d.get("auths",{}) else 1)' "$1" "$2"; }
auth_is() { [ "$(auth_of "$1" "$2")" = "$3" ]; }

# json_get FILE_OR_- PYEXPR: evaluates PYEXPR with `d` = the parsed JSON.
json_get() {
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1]) if sys.argv[1]!="-" else sys.stdin); print(eval(sys.argv[2]))' "$1" "$2"
}

sock_get() { # socket path
  curl -sS --max-time 5 --unix-socket "$1" "http://localhost$2"
}

# A pull secret as JSON for the fake API server (or a manifest file).
secret_json() { # ns name registry user password [labels-json]
  labels=${6:-'{"regcred.io/sync":"true"}'}
  $PY - "$@" "$labels" <<'PYEOF'
import base64, json, sys
ns, name, reg, user, pw, labels = sys.argv[1:7]
auth = base64.b64encode(f"{user}:{pw}".encode()).decode()
cfg = json.dumps({"auths": {reg: {"username": user, "password": pw, "auth": auth}}},
                 separators=(",", ":"))
print(json.dumps({"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": name, "namespace": ns, "labels": json.loads(labels)},
                  "type": "kubernetes.io/dockerconfigjson",
                  "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}))
PYEOF
}

start_fake_apiserver() { # extra args...; sets API_PORT, API_PID, API_URL
  rm -f "$T/api.port"
  $PY "$REGCRED_SRC/tests/fakes/fake_apiserver.py" --port-file "$T/api.port" "$@" \
    >>"$T/apiserver.log" 2>&1 &
  API_PID=$!
  PIDS="$PIDS $API_PID"
  wait_until 10 test -s "$T/api.port" || { echo "fake API server did not start"; return 1; }
  API_PORT=$(cat "$T/api.port")
  case " $* " in
    *" --tls-cert "*) API_URL="https://127.0.0.1:$API_PORT" ;;
    *) API_URL="http://127.0.0.1:$API_PORT" ;;
  esac
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The test's own writes use the first token of $T/server-tokens when there is one.
api_curl() {
  set -- ${T:+--cacert "$T/pki/ca.crt"} "$@"
  [ -f "$T/pki/ca.crt" ] || shift 2
  if [ -s "$T/server-tokens" ]; then
    curl -s -H "Authorization: Bearer $(head -n1 "$T/server-tokens")" "$@"
  else
    curl -s "$@"
  fi
}
api_put_secret() { # ns name registry user password [labels]
  body=$(secret_json "$@")
  code=$(api_curl -o /dev/null -w '%{http_code}' -X PUT --data "$body" \
    "$API_URL/api/v1/namespaces/$1/secrets/$2")
  if [ "$code" = 404 ]; then
    api_curl -o /dev/null -X POST --data "$body" "$API_URL/api/v1/namespaces/$1/secrets"
  fi
}
api_delete_secret() { api_curl -o /dev/null -X DELETE "$API_URL/api/v1/namespaces/$1/secrets/$2"; }
api_control() { api_curl -o /dev/null -X POST --data "${2:-}" "$API_URL/_fake/$1"; }

write_kubeconfig() { # file server [user-yaml] [ca-file]
  cat >"$1" <<KCEOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: $2
    ${4:+certificate-authority: $4}
contexts:
- name: test
  context: {cluster: fake, user: daemon}
current-context: test
users:
- name: daemon
  user: ${3:-"{}"}
KCEOF
}

# make_ca DIR CN, then sign_cert DIR NAME SUBJECT EXTENSIONS: a CA (DIR/ca.crt, ca.key) and a
# certificate it signs (DIR/NAME.crt, NAME.key), valid for two days.
make_ca() {
  mkdir -p "$1"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" -out "$1/ca.crt" -days 2 \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
sign_cert() {
  openssl req -newkey rsa:2048 -nodes -keyout "$1/$2.key" -out "$1/$2.csr" -subj "$3" 2>/dev/null
  printf '%b\n' "$4" >"$1/$2.cnf"
  openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" -CAcreateserial \
    -out "$1/$2.crt" -days 2 -extfile "$1/$2.cnf" 2>/dev/null
}

# A test CA and a server certificate for 127.0.0.1/localhost, in $T/pki.
make_pki() {
  make_ca "$T/pki" regcred-test-ca
  sign_cert "$T/pki" server /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"
  mkdir -p "$T/pki/certs.d" && cp "$T/pki/ca.crt" "$T/pki/certs.d/"
}

start_regcredd() { # args...; sets D_PID, D_SOCK; logs to $T/regcredd.log
  D_SOCK=$T/regcredd.sock
  rm -f "$D_SOCK"  # a crashed daemon's socket file must not pass for the new one's
  "$REGCRED_BIN/regcredd" --config /dev/null --state-dir "$T/state" --socket "$D_SOCK" \
    --log-level debug "$@" >>"$T/regcredd.log" 2>&1 &
  D_PID=$!
  PIDS="$PIDS $D_PID"
  wait_until 15 test -S "$D_SOCK" || { echo "regcredd did not open its socket"; return 1; }
}
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$D_SOCK" http://localhost/readyz)" = 200 ]; }

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The real docker-registry (CNCF distribution) with TLS and htpasswd on 127.0.0.1:$REG_PORT.
# start_registry USER PASSWORD: (re)starts it with that one user; needs make_pki first.
start_registry() {
  [ -n "${REG_PORT:-}" ] || REG_PORT=$(free_port)
  htpasswd -Bbn "$1" "$2" >"$T/htpasswd" 2>/dev/null
  cat >"$T/registry.yml" <<REGEOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/registry-data}}
http:
  addr: 127.0.0.1:$REG_PORT
  secret: regcred-test-secret
  tls: {certificate: $T/pki/server.crt, key: $T/pki/server.key}
auth:
  htpasswd: {realm: regcred-test, path: $T/htpasswd}
REGEOF
  docker-registry serve "$T/registry.yml" >>"$T/registry.log" 2>&1 &
  REG_PID=$!
  PIDS="$PIDS $REG_PID"
  wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/pki/ca.crt' https://127.0.0.1:$REG_PORT/v2/)\" = 401 ]"
}

# push_test_image USER PASSWORD: PKI, the real registry with that user, and a one-layer image
# pushed to it as $IMAGE (127.0.0.1:$REG_PORT/regcred/tiny:v1; its OCI layout in $T/oci).
push_test_image() {
  make_pki
  start_registry "$1" "$2"
  IMAGE=127.0.0.1:$REG_PORT/regcred/tiny:v1
  sh "$REGCRED_SRC/tests/integration/mkoci.sh" "$T/oci" v1
  skopeo copy --quiet --dest-cert-dir "$T/pki/certs.d" --dest-creds "$1:$2" \
    "oci:$T/oci:v1" "docker://$IMAGE" >"$T/push.log" 2>&1 || { cat "$T/push.log"; return 1; }
}

# serve_registry NAME STORAGE [CERT KEY]: another docker-registry without auth on STORAGE, TLS
# when CERT and KEY are given; its port in $SERVED_PORT. Not in a $(...): its PID must reach
# $PIDS in this shell, or cleanup leaves it running.
serve_registry() {
  SERVED_PORT=$(free_port)
  cat >"$T/$1.yml" <<REGEOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $2}}
http: {addr: 127.0.0.1:$SERVED_PORT, secret: s${3:+, tls: {certificate: $3, key: $4\}}}
REGEOF
  docker-registry serve "$T/$1.yml" >>"$T/$1.log" 2>&1 &
  PIDS="$PIDS $!"
  wait_until 10 sh -c "curl -sk -o /dev/null https://127.0.0.1:$SERVED_PORT/v2/ || curl -s -o /dev/null http://127.0.0.1:$SERVED_PORT/v2/"
}
