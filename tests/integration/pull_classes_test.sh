#!/bin/sh
# Every pull-test class from a real condition: the real docker-registry (TLS + htpasswd, and
# with token auth behind tests/fakes/token_server.py), certificates that are unknown, for
# another name, or expired, a plain-HTTP registry, a name that does not resolve, a closed port,
# an index without this node's platform; and tests/fakes/registry_standin.py for what
# docker-registry cannot be made to answer (429, 403, 500). Checked through
# `regcredctl pull-test -o json`, in process and through regcredd.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'pull-pw-8181' 'tok-pw-9191' 'tok-pw-9292'
credential_files users.json # the token server's users and passwords
require_tools docker-registry skopeo htpasswd openssl systemd-socket-activate
$PY -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed (make deps installs it)"
C="$REGCRED_BIN/regcredctl"

push_test_image alice 'pull-pw-8181'
docker_config() { # file registry user password
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$2" "$(printf '%s:%s' "$3" "$4" | base64 -w0)" >"$1"
}
docker_config "$T/good.json" "127.0.0.1:$REG_PORT" alice 'pull-pw-8181'
docker_config "$T/wrong.json" "127.0.0.1:$REG_PORT" alice 'not-the-password'

# pt NAME IMAGE [args...]: runs the pull test, keeps its JSON in $T/NAME.json
pt() {
  name=$1; shift
  "$C" pull-test "$@" -o json >"$T/$name.json" 2>"$T/$name.err" || true
}
field() { pycheck field "$T/$1.json" "$2"; }
expect() { # name class phase [status]
  got="$(field "$1" class) $(field "$1" phase)${4:+ $(field "$1" httpStatus)}"
  want="$2 $3${4:+ $4}"
  if [ "$got" = "$want" ]; then ok "$1: $want"; else not_ok "$1: want '$want', got '$got' ($(field "$1" message))"; fi
}

echo "# the real docker-registry, htpasswd (Basic)"
pt ok "$IMAGE" --docker-config "$T/good.json" --ca-file "$T/pki/ca.crt"
expect ok ok done 200
WANT_DIGEST="sha256:$(skopeo inspect --raw --cert-dir "$T/pki/certs.d" --creds 'alice:pull-pw-8181' "docker://$IMAGE" | sha256sum | cut -d' ' -f1)"
check "ok: the digest is the manifest's ($WANT_DIGEST)" [ "$(field ok digest)" = "$WANT_DIGEST" ]
check "ok: a working Basic credential goes with the manifest request, no check of its own" \
  pycheck timing_absent "$T/ok.json" auth
check "ok: the credential used is named, its password is not" sh -c "grep -q '\"key\": \"127.0.0.1:$REG_PORT\"' '$T/ok.json' && ! grep -q pull-pw-8181 '$T/ok.json'"
pt bad "$IMAGE" --docker-config "$T/wrong.json" --ca-file "$T/pki/ca.crt"
expect bad bad-credentials auth 401
pt missing "127.0.0.1:$REG_PORT/regcred/tiny:no-such-tag" --docker-config "$T/good.json" --ca-file "$T/pki/ca.crt"
expect missing not-found manifest 404
check "not-found names the registry's code" grep -q MANIFEST_UNKNOWN "$T/missing.json"
printf '{}' >"$T/empty.json"
pt anonymous "$IMAGE" --docker-config "$T/empty.json" --ca-file "$T/pki/ca.crt"
expect anonymous no-access manifest 401

echo "# TLS"
pt untrusted "$IMAGE" --docker-config "$T/good.json"
expect untrusted tls-untrusted tls
$PY "$REGCRED_SRC/tests/probes/mkcert.py" "$T/pki/ca.crt" "$T/pki/ca.key" "$T/pki/other" --dns other.example
$PY "$REGCRED_SRC/tests/probes/mkcert.py" "$T/pki/ca.crt" "$T/pki/ca.key" "$T/pki/expired" --ip 127.0.0.1 --dns localhost --expired
serve_registry other "$T/registry-data" "$T/pki/other.crt" "$T/pki/other.key"
P_OTHER=$SERVED_PORT
pt hostname "127.0.0.1:$P_OTHER/regcred/tiny:v1" --ca-file "$T/pki/ca.crt" --docker-config "$T/empty.json"
expect hostname tls-hostname tls
serve_registry expired "$T/registry-data" "$T/pki/expired.crt" "$T/pki/expired.key"
P_EXPIRED=$SERVED_PORT
pt expired "127.0.0.1:$P_EXPIRED/regcred/tiny:v1" --ca-file "$T/pki/ca.crt" --docker-config "$T/empty.json"
expect expired tls-expired tls
serve_registry plain "$T/registry-data"
P_PLAIN=$SERVED_PORT
pt plain "127.0.0.1:$P_PLAIN/regcred/tiny:v1" --ca-file "$T/pki/ca.crt" --docker-config "$T/empty.json"
expect plain plain-http tls
# A server that speaks only TLS 1.1 with a SHA-1 signature: the handshake fails inside OpenSSL,
# and the message carries OpenSSL's own reason text (regcred loads the texts of the libraries a
# handshake fails in, not all of them: common/pull/transport.cpp), not a bare reason number.
P_OLD=$(free_port)
openssl s_server -accept "$P_OLD" -cert "$T/pki/server.crt" -key "$T/pki/server.key" -tls1_1 \
  -cipher 'DEFAULT:@SECLEVEL=0' -quiet >"$T/old-tls.log" 2>&1 </dev/null &
PIDS="$PIDS $!"
wait_until 10 sh -c "$PY -c 'import socket; socket.create_connection((\"127.0.0.1\", $P_OLD))' 2>/dev/null"
pt oldtls "127.0.0.1:$P_OLD/regcred/tiny:v1" --ca-file "$T/pki/ca.crt" --docker-config "$T/empty.json"
expect oldtls tls-untrusted tls
check "a TLS failure reads as OpenSSL's text ($(field oldtls message))" \
  sh -c "grep -q 'SSL routines::[a-z]' '$T/oldtls.json' && ! grep -q 'reason(' '$T/oldtls.json'"

echo "# network"
pt dns "no-such-registry.invalid/regcred/tiny:v1" --docker-config "$T/empty.json"
expect dns dns dns
pt connect "127.0.0.1:$(free_port)/regcred/tiny:v1" --docker-config "$T/empty.json"
expect connect connect connect

echo "# an index without this node's platform"
sh "$REGCRED_SRC/tests/integration/mkoci.sh" "$T/arm" v1
$PY - "$T/arm" <<'PYEOF'
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(f"{d}/index.json"))["manifests"][0]
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
         "manifests": [{"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
                        "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
                       {"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
                        "platform": {"architecture": "s390x", "os": "linux"}}]}
data = json.dumps(index).encode()
digest = hashlib.sha256(data).hexdigest()
open(f"{d}/blobs/sha256/{digest}", "wb").write(data)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": index["mediaType"], "digest": "sha256:" + digest,
           "size": len(data), "annotations": {"org.opencontainers.image.ref.name": "multi"}}]},
          open(f"{d}/index.json", "w"))
PYEOF
skopeo copy --quiet --all --dest-cert-dir "$T/pki/certs.d" --dest-creds 'alice:pull-pw-8181' \
  "oci:$T/arm:multi" "docker://127.0.0.1:$REG_PORT/regcred/armonly:v1" >>"$T/push.log" 2>&1
pt platform "127.0.0.1:$REG_PORT/regcred/armonly:v1" --docker-config "$T/good.json" --ca-file "$T/pki/ca.crt"
expect platform wrong-platform platform
check "wrong-platform lists what the index has" grep -q "linux/arm64/v8, linux/s390x" "$T/platform.json"

echo "# token auth (Bearer): docker-registry behind a token server"
cat >"$T/users.json" <<'EOF2'
{"alice": {"password": "tok-pw-9191", "access": {"regcred/tiny": ["pull", "push"]}},
 "bob": {"password": "tok-pw-9292", "access": {}}}
EOF2
$PY "$REGCRED_SRC/tests/fakes/token_server.py" --port-file "$T/token.port" --cert "$T/pki/server.crt" \
  --key "$T/pki/server.key" --signing-out "$T/pki/token" --users "$T/users.json" 2>>"$T/token.log" &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/token.port"
TOK_PORT=$(cat "$T/token.port")
TREG_PORT=$(free_port)
cat >"$T/treg.yml" <<EOF2
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/treg-data}}
http: {addr: 127.0.0.1:$TREG_PORT, secret: s, tls: {certificate: $T/pki/server.crt, key: $T/pki/server.key}}
auth:
  token: {realm: "https://127.0.0.1:$TOK_PORT/token", service: regcred-test, issuer: regcred-test-issuer, rootcertbundle: $T/pki/token.crt}
EOF2
docker-registry serve "$T/treg.yml" >>"$T/treg.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/pki/ca.crt' https://127.0.0.1:$TREG_PORT/v2/)\" = 401 ]"
TIMAGE=127.0.0.1:$TREG_PORT/regcred/tiny:v1
skopeo copy --quiet --dest-cert-dir "$T/pki/certs.d" --dest-creds 'alice:tok-pw-9191' \
  "oci:$T/oci:v1" "docker://$TIMAGE" >>"$T/push.log" 2>&1 || { cat "$T/push.log" "$T/treg.log"; exit 1; }
docker_config "$T/tok-alice.json" "127.0.0.1:$TREG_PORT" alice 'tok-pw-9191'
docker_config "$T/tok-bob.json" "127.0.0.1:$TREG_PORT" bob 'tok-pw-9292'
docker_config "$T/tok-wrong.json" "127.0.0.1:$TREG_PORT" alice 'wrong'
pt token_ok "$TIMAGE" --docker-config "$T/tok-alice.json" --ca-file "$T/pki/ca.crt"
expect token_ok ok done 200
check "token ok: a token was requested" pycheck timing_present "$T/token_ok.json" token
pt no_access "$TIMAGE" --docker-config "$T/tok-bob.json" --ca-file "$T/pki/ca.crt"
expect no_access no-access manifest 401
pt token_bad "$TIMAGE" --docker-config "$T/tok-wrong.json" --ca-file "$T/pki/ca.crt"
expect token_bad bad-credentials token 401
# An OAuth2-only token server: GET /token is 404, the pull test falls back to the POST form.
curl -s --cacert "$T/pki/ca.crt" -X POST --data '{"get": false}' "https://127.0.0.1:$TOK_PORT/_mode" >/dev/null
pt token_post "$TIMAGE" --docker-config "$T/tok-alice.json" --ca-file "$T/pki/ca.crt"
expect token_post ok done 200
check "  the token came from a POST (password grant)" grep -q '"POST /token HTTP/1.1" 200' "$T/token.log"

echo "# answers docker-registry cannot give: the stand-in"
$PY "$REGCRED_SRC/tests/fakes/registry_standin.py" --port-file "$T/standin.port" --cert "$T/pki/server.crt" \
  --key "$T/pki/server.key" 2>>"$T/standin.log" &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/standin.port"
SP=$(cat "$T/standin.port")
pt limited "127.0.0.1:$SP/limited/app:v1" --docker-config "$T/empty.json" --ca-file "$T/pki/ca.crt"
expect limited rate-limited manifest 429
check "rate-limited carries Retry-After" grep -q '"retryAfter": "7"' "$T/limited.json"
pt denied "127.0.0.1:$SP/denied/app:v1" --docker-config "$T/empty.json" --ca-file "$T/pki/ca.crt"
expect denied forbidden manifest 403
pt broken "127.0.0.1:$SP/broken/app:v1" --docker-config "$T/empty.json" --ca-file "$T/pki/ca.crt"
expect broken server-error manifest 500
pt nohead "127.0.0.1:$SP/nohead/app:v1" --docker-config "$T/empty.json" --ca-file "$T/pki/ca.crt"
expect nohead ok done 200
WANT=$($PY -c 'import hashlib,json,sys; print("sha256:"+hashlib.sha256(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + "c" * 64, "size": 2}, "layers": []}).encode()).hexdigest())')
check "  HEAD refused: GET used, the digest computed from the body" [ "$(field nohead digest)" = "$WANT" ]

# With Basic auth: a user the registry knows who may not read one repository.
$PY "$REGCRED_SRC/tests/fakes/registry_standin.py" --port-file "$T/standin2.port" --cert "$T/pki/server.crt" \
  --key "$T/pki/server.key" --basic 'carol:pull-pw-8181' 2>>"$T/standin2.log" &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/standin2.port"
SP2=$(cat "$T/standin2.port")
docker_config "$T/carol.json" "127.0.0.1:$SP2" carol 'pull-pw-8181'
docker_config "$T/carol-wrong.json" "127.0.0.1:$SP2" carol 'not-the-password'
pt basic_ok "127.0.0.1:$SP2/nohead/app:v1" --docker-config "$T/carol.json" --ca-file "$T/pki/ca.crt"
expect basic_ok ok done 200
pt basic_private "127.0.0.1:$SP2/private/app:v1" --docker-config "$T/carol.json" --ca-file "$T/pki/ca.crt"
expect basic_private no-access manifest 401
check "  no-access says the credential itself was accepted" grep -q 'accepts the credential' "$T/basic_private.json"
pt basic_wrong "127.0.0.1:$SP2/private/app:v1" --docker-config "$T/carol-wrong.json" --ca-file "$T/pki/ca.crt"
expect basic_wrong bad-credentials auth 401

echo "# a hostile registry pointing the pull test at a metadata service"
if [ "$(id -u)" = 0 ] && ip addr replace 169.254.169.254/32 dev lo 2>/dev/null; then
  MD_PORT=$(free_port)
  for addr in 169.254.169.254 127.0.0.1; do
    $PY "$REGCRED_SRC/tests/fakes/connection_recorder.py" --addr $addr --port "$MD_PORT" --log "$T/metadata.log" &
    PIDS="$PIDS $!"
  done
  sleep 0.5
  hostile() { # name realm|"" redirect|"" image-path
    $PY "$REGCRED_SRC/tests/fakes/registry_standin.py" --port-file "$T/$1.port" --cert "$T/pki/server.crt" \
      --key "$T/pki/server.key" ${2:+--bearer-realm "$2"} ${3:+--redirect "$3"} 2>>"$T/$1.log" &
    PIDS="$PIDS $!"
    wait_until 10 test -s "$T/$1.port"
    pt "$1" "127.0.0.1:$(cat "$T/$1.port")/$4" --docker-config "$T/carol.json" --ca-file "$T/pki/ca.crt"
  }
  hostile realm_ll "https://169.254.169.254:$MD_PORT/token" "" app:v1
  says() { field "$1" message | grep -q "$2"; }
  refused_connect() { [ "$(field "$1" class)" = connect ] && says "$1" "Couldn.t connect"; }
  nothing_connected() { [ ! -s "$T/metadata.log" ]; }
  check "a link-local token realm is refused ($(field realm_ll message | head -c 150))" says realm_ll 'link-local'
  hostile realm_http "http://127.0.0.1:$MD_PORT/token" "" app:v1
  check "a plain-http token realm is refused" says realm_http 'only https'
  hostile redirect "" "https://169.254.169.254:$MD_PORT/steal" redirect/app:v1
  check "a redirect to a link-local address is not followed ($(field redirect message | head -c 100))" refused_connect redirect
  check "  and nothing connected to the metadata address or the plain-http realm" nothing_connected
  ip addr del 169.254.169.254/32 dev lo 2>/dev/null || true
else
  echo "# skip: adding 169.254.169.254 to lo needs root"
fi

echo "# through regcredd: credentials as the node resolves them"
mkdir -p "$T/secrets"
secret_json ci pull "127.0.0.1:$REG_PORT" alice 'pull-pw-8181' >"$T/secrets/pull.json"
start_regcredd --secrets-dir "$T/secrets" --pull-test-ca-file "$T/pki/ca.crt" --pull-test "$IMAGE" --pull-test-interval 1h
wait_until 10 ready
REGCRED_SOCKET="$D_SOCK" "$C" pull-test "$IMAGE" -o json >"$T/daemon.json"
expect daemon ok done 200
check "regcredd used the cluster secret ci/pull" grep -q '"from": "ci/pull"' "$T/daemon.json"
check "the scheduled test ran too" wait_until 10 sh -c "curl -s --unix-socket '$D_SOCK' http://x/v1/pulltests | grep -q '\"trigger\":\"schedule\"'"
curl -s --unix-socket "$D_SOCK" http://x/metrics >"$T/metrics.txt"
check "/metrics counts pull tests by class" grep -q 'regcred_pull_tests_total{class="ok"} [1-9]' "$T/metrics.txt"
check "/metrics has the image's last result" grep -q "regcred_pull_test_ok{image=\"$IMAGE\",class=\"ok\"} 1" "$T/metrics.txt"

echo "# the tests run in regcred-pull-worker, a child of regcredd's that lives only while a test does"
check "no worker once the tests are done" wait_until 10 sh -c "! pgrep -P $D_PID >/dev/null"
# A registry that takes the connection and never answers: the test waits in the TLS handshake.
# It writes how many connections it took to $T/mute.count.
$PY -c 'import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])
    open(sys.argv[2] + ".tmp", "w").write(str(len(held)))
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])' "$T/mute.port" "$T/mute.count" &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/mute.port"
post_test() { curl -s --unix-socket "$D_SOCK" -X POST --data "{\"image\":\"$1\"}" http://x/v1/pulltests | json_get - 'd["id"]'; }
ID=$(post_test "127.0.0.1:$(cat "$T/mute.port")/app:v1")
check "a test in flight has its worker" wait_until 10 pgrep -P "$D_PID"
# The worker is given its stdin and stdout and nothing else of regcredd's: not the status
# socket (which is not close-on-exec), not a watch connection. Socket and pipe inodes of its
# descriptors from 3 up, against all of regcredd's.
inodes() { # pid min-fd
  for f in /proc/$1/fd/*; do
    [ "${f##*/}" -ge "$2" ] && readlink "$f"
  done | grep -E '^(socket|pipe):' | sort -u
}
W_PID=$(pgrep -P "$D_PID" | head -n1)
inodes "$D_PID" 0 >"$T/daemon-fds"
inodes "$W_PID" 3 >"$T/worker-fds"
check "the worker holds none of regcredd's descriptors" \
  sh -c "[ -s '$T/daemon-fds' ] && [ -z \"\$(comm -12 '$T/daemon-fds' '$T/worker-fds')\" ]"
kill -KILL "$W_PID"
check "a worker killed mid-test: the test answers, and says so" wait_until 10 sh -c \
  "curl -s --unix-socket '$D_SOCK' http://x/v1/pulltests/$ID | grep -q 'the pull test did not run: regcred-pull-worker was killed by SIGKILL'"
check "regcredd lives on" kill -0 "$D_PID"
REGCRED_SOCKET="$D_SOCK" "$C" pull-test "$IMAGE" -o json >"$T/daemon-after.json"
expect daemon-after ok done 200
# regcredd without its worker (a copy in a folder of its own): the test fails and names it.
mkdir -p "$T/lonely/sbin"
cp "$REGCRED_BIN/regcredd" "$T/lonely/sbin/regcredd"
"$T/lonely/sbin/regcredd" --config /dev/null --state-dir "$T/state-lonely" --socket "$T/lonely.sock" \
  --secrets-dir "$T/secrets" --pull-test "$IMAGE" --pull-test-interval 1h >"$T/lonely.log" 2>&1 &
LONELY=$!
PIDS="$PIDS $LONELY"
check "regcredd without a worker: the test says it did not run, and why" wait_until 10 sh -c \
  "curl -s --unix-socket '$T/lonely.sock' http://x/v1/pulltests | grep -q 'the pull test did not run: start $T/lonely/libexec/regcred/regcred-pull-worker: No such file or directory'"
echo "# with pull-worker-socket: the worker a socket starts for each connection (systemd's"
echo "# Accept=yes, here systemd-socket-activate), regcredd sending at most its concurrency"
systemd-socket-activate -l "$T/worker.sock" --accept --inetd \
  "$REGCRED_BIN/regcred-pull-worker" --concurrency 64 >"$T/activate.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 10 test -S "$T/worker.sock"
"$REGCRED_BIN/regcredd" --config /dev/null --state-dir "$T/state-sock" --socket "$T/sock.sock" \
  --secrets-dir "$T/secrets" --pull-test-ca-file "$T/pki/ca.crt" --pull-worker-socket "$T/worker.sock" \
  --pull-test-concurrency 2 >"$T/sock.log" 2>&1 &
S_PID=$!
PIDS="$PIDS $S_PID"
wait_until 15 test -S "$T/sock.sock"
REGCRED_SOCKET="$T/sock.sock" "$C" pull-test "$IMAGE" -o json >"$T/sock.json"
expect sock ok done 200
check "the worker is not regcredd's child" sh -c "! pgrep -P $S_PID >/dev/null"
# The connections it took before, and holds (none when the worker killed above had not yet
# connected).
BASE=$(cat "$T/mute.count" 2>/dev/null || echo 0)
for i in 1 2 3 4 5; do
  curl -s --unix-socket "$T/sock.sock" -X POST --data "{\"image\":\"127.0.0.1:$(cat "$T/mute.port")/app:v$i\"}" http://x/v1/pulltests >/dev/null
done
mute_took() { [ "$(cat "$T/mute.count" 2>/dev/null)" = "$((BASE + $1))" ]; }
check "five tests with pull-test-concurrency 2: two reach the registry" wait_until 10 mute_took 2
sleep 1
check "... and no third while those wait" mute_took 2
"$REGCRED_BIN/regcredd" --config /dev/null --state-dir "$T/state-nosock" --socket "$T/nosock.sock" \
  --secrets-dir "$T/secrets" --pull-worker-socket "$T/none.sock" --pull-test "$IMAGE" \
  --pull-test-interval 1h >"$T/nosock.log" 2>&1 &
PIDS="$PIDS $!"
check "no worker on the socket: the test says it did not run, and why (never a child instead)" \
  wait_until 10 sh -c "curl -s --unix-socket '$T/nosock.sock' http://x/v1/pulltests | grep -q 'the pull test did not run: connect $T/none.sock: No such file or directory'"
# A worker socket that never accepts, its backlog full: the test fails with why, at once (a
# blocking connect would wait there for ever).
$PY -c 'import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
held = []
for _ in range(4):
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try: c.connect(sys.argv[1]); held.append(c)
    except BlockingIOError: break
open(sys.argv[1] + ".full", "w").close(); time.sleep(120)' "$T/stuck.sock" &
PIDS="$PIDS $!"
wait_until 10 test -e "$T/stuck.sock.full"
"$REGCRED_BIN/regcredd" --config /dev/null --state-dir "$T/state-stuck" --socket "$T/stuck-d.sock" \
  --secrets-dir "$T/secrets" --pull-worker-socket "$T/stuck.sock" >"$T/stuck.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 15 test -S "$T/stuck-d.sock"
ID=$(curl -s --unix-socket "$T/stuck-d.sock" -X POST --data "{\"image\":\"$IMAGE\"}" http://x/v1/pulltests | json_get - 'd["id"]')
check "a worker socket that never accepts: the test fails at once and says why" wait_until 3 sh -c \
  "curl -s --unix-socket '$T/stuck-d.sock' http://x/v1/pulltests/$ID | grep -q 'the pull test did not run: connect $T/stuck.sock: Resource temporarily unavailable'"

echo "# regcred-pull-worker --listen as a user of its own (the DaemonSet's pull-worker container)"
if [ "$(id -u)" = 0 ]; then
  # Where nobody can run it: the build tree may sit in a folder only root enters.
  mkdir -p "$T/nobody-bin" "$T/listen"
  cp "$REGCRED_BIN/regcred-pull-worker" "$T/nobody-bin/"
  chmod 755 "$T/nobody-bin" "$T/nobody-bin/regcred-pull-worker"
  chown nobody "$T/listen"
  chmod o+x "$T"
  setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$T/nobody-bin/regcred-pull-worker" --listen "$T/listen/worker.sock" >"$T/listen.log" 2>&1 &
  LISTENER=$!
  PIDS="$PIDS $LISTENER"
  wait_until 10 test -S "$T/listen/worker.sock"
  check "its socket is 0666 from the start (the folder decides who reaches it)" \
    sh -c "[ \"\$(stat -c %a '$T/listen/worker.sock')\" = 666 ]"
  "$REGCRED_BIN/regcredd" --config /dev/null --state-dir "$T/state-listen" --socket "$T/listen-d.sock" \
    --secrets-dir "$T/secrets" --pull-test-ca-file "$T/pki/ca.crt" \
    --pull-worker-socket "$T/listen/worker.sock" >"$T/listen-d.log" 2>&1 &
  PIDS="$PIDS $!"
  wait_until 15 test -S "$T/listen-d.sock"
  REGCRED_SOCKET="$T/listen-d.sock" "$C" pull-test "$IMAGE" -o json >"$T/listen.json"
  expect listen ok done 200
  curl -s --unix-socket "$T/listen-d.sock" -X POST --data "{\"image\":\"127.0.0.1:$(cat "$T/mute.port")/app:listen\"}" http://x/v1/pulltests >/dev/null
  check "a test in flight has a worker process of its own" wait_until 10 pgrep -P "$LISTENER"
  check "  running as nobody" sh -c "[ \"\$(awk '/^Uid:/ {print \$2}' /proc/\$(pgrep -P $LISTENER | head -1)/status)\" = \"\$(id -u nobody)\" ]"
  chmod o-x "$T"
else
  echo "# skip: not root, cannot run the worker as another user"
fi
# Every output (users.json is the token server's input, with the passwords in clear).
check "no fixture password in any output" sh -c "cd '$T' && ! ls *.json *.err *.log | grep -v '^users.json$' | xargs grep -q -e pull-pw-8181 -e tok-pw-9191 -e tok-pw-9292"
finish
