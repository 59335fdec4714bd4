#!/bin/sh
# docker-credential-regcred with the real clients that call it:
# - skopeo (containers/image) with credHelpers: pulls from the real docker-registry (TLS +
#   htpasswd) with the cluster's credential, daemon up and daemon down; a registry regcred does
#   not know gets the anonymous behaviour;
# - the docker CLI (client only) with credsStore: login stores a node-local credential that
#   regcredd shows with source "local" and writes to root's own files only (kubelet's and
#   other users' too with --local-credentials-node-wide), logout erases it;
# - podman pull through the helper, where podman runs here.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'helper-reg-pw' 'node-local-pw' 'root-local-pw' 'member-pw'
require_tools docker-registry skopeo htpasswd openssl

push_test_image puller 'helper-reg-pw-3131'

# A second registry, open to everyone (no htpasswd): one regcred has no credential for.
serve_registry open "$T/open-data" "$T/pki/server.crt" "$T/pki/server.key"
OPEN_PORT=$SERVED_PORT
OPEN_IMAGE=127.0.0.1:$OPEN_PORT/public/tiny:v1
skopeo copy --quiet --dest-cert-dir "$T/pki/certs.d" "oci:$T/oci:v1" "docker://$OPEN_IMAGE" >>"$T/push.log" 2>&1

mkdir -p "$T/secrets" "$T/bin"
# The files regcredd keeps: kubelet's, root's docker config, and a user's (a folder nobody owns).
mkdir -p "$T/root-docker" "$T/user-home/.docker"
[ "$(id -u)" != 0 ] || chown -R nobody "$T/user-home"
FILES="--kubelet-config $T/kubelet/config.json --docker-config $T/root-docker/config.json --docker-config $T/user-home/.docker/config.json"
secret_json ci pull "127.0.0.1:$REG_PORT" puller 'helper-reg-pw-3131' >"$T/secrets/pull.json"
start_regcredd --secrets-dir "$T/secrets" $FILES
wait_until 10 ready

# The client's environment: our helper on PATH, regcredd's socket and state folder, a HOME with
# nothing in it but the config under test.
client_env() {
  env -i PATH="$REGCRED_BIN:/usr/local/bin:/usr/bin:/bin" HOME="$T/home" XDG_RUNTIME_DIR="$T/xdg" \
    REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state" "$@"
}
hget() { printf '%s' "$1" | client_env docker-credential-regcred get; }
hget_has() { hget "$1" 2>/dev/null | grep -q "$2"; }
not() { ! "$@" >/dev/null 2>&1; }
quiet() { "$@" >/dev/null 2>&1; }
mkdir -p "$T/home/.docker" "$T/xdg"
printf '{"credHelpers":{"127.0.0.1:%s":"regcred","127.0.0.1:%s":"regcred"}}' "$REG_PORT" "$OPEN_PORT" \
  >"$T/home/.docker/config.json"

echo "# skopeo with credHelpers"
check "skopeo inspect through the helper (daemon up)" \
  quiet client_env skopeo inspect --raw --cert-dir "$T/pki/certs.d" "docker://$IMAGE"
client_env skopeo inspect --raw --cert-dir "$T/pki/certs.d" "docker://$IMAGE" >"$T/inspect.out" 2>&1 || true
check "it got the manifest" grep -q 'application/vnd.oci.image.manifest.v1+json' "$T/inspect.out"
check "the same without the helper is refused (so the helper gave the credential)" \
  sh -c "! env -i PATH=/usr/bin:/bin HOME='$T/nohome' skopeo inspect --raw --cert-dir '$T/pki/certs.d' 'docker://$IMAGE' >/dev/null 2>&1"
check "an unknown registry: helper says not found, skopeo goes anonymous and succeeds" \
  quiet client_env skopeo inspect --raw --cert-dir "$T/pki/certs.d" "docker://$OPEN_IMAGE"
printf '127.0.0.1:%s' "$OPEN_PORT" | client_env docker-credential-regcred get >"$T/get.out" || true
check "and what the helper said was the exact not-found text" \
  sh -c "[ \"\$(cat '$T/get.out')\" = 'credentials not found in native keychain' ]"

kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
check "skopeo inspect through the helper with regcredd stopped (state folder)" \
  quiet client_env skopeo inspect --raw --cert-dir "$T/pki/certs.d" "docker://$IMAGE"
start_regcredd --secrets-dir "$T/secrets" $FILES
wait_until 10 ready

echo "# docker CLI with credsStore"
if command -v docker >/dev/null; then
  mkdir -p "$T/dcli"
  printf '{"credsStore":"regcred"}' >"$T/dcli/config.json"
  dk() { client_env DOCKER_CONFIG="$T/dcli" DOCKER_HOST="unix://$T/no-engine.sock" docker "$@"; }
  # The registry's own user, logging in by hand on the node: a second htpasswd user.
  htpasswd -Bbn puller 'helper-reg-pw-3131' >"$T/htpasswd"
  htpasswd -Bbn operator 'node-local-pw-4242' >>"$T/htpasswd"
  kill -HUP "$REG_PID" 2>/dev/null || true
  stop_pid "$REG_PID"
  docker-registry serve "$T/registry.yml" >>"$T/registry.log" 2>&1 &
  REG_PID=$!
  PIDS="$PIDS $REG_PID"
  wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/pki/ca.crt' https://127.0.0.1:$REG_PORT/v2/)\" = 401 ]"
  LOGIN_HOST=localhost:$REG_PORT
  check "docker login (client side) succeeds" \
    sh -c "printf 'node-local-pw-4242' | $(command -v env) -i PATH='$REGCRED_BIN:/usr/local/bin:/usr/bin:/bin' HOME='$T/home' REGCRED_SOCKET='$D_SOCK' REGCRED_STATE_DIR='$T/state' DOCKER_CONFIG='$T/dcli' docker login '$LOGIN_HOST' -u operator --password-stdin >'$T/login.out' 2>&1"
  check "docker's config.json holds no secret (the store has it)" sh -c "! grep -q node-local-pw-4242 '$T/dcli/config.json'"
  check "the helper's get answers the new login" hget_has "$LOGIN_HOST" '"Username":"operator"'
  sock_get "$D_SOCK" /v1/status >"$T/status.json"
  check "status shows it with source local" $PY -c "
import json,sys; d=json.load(open('$T/status.json'))
sys.exit(0 if any(r['key']=='$LOGIN_HOST' and r['secret']['source']=='local' for r in d['registries']) else 1)"
  # Root's login is root's: root's own docker config gets it; kubelet's file, a user's file and
  # kubelet's provider answers do not (regcredd makes it node-wide only when told to).
  check "regcredd wrote it to root's docker config" wait_until 5 auth_is "$T/root-docker/config.json" "$LOGIN_HOST" "operator:node-local-pw-4242"
  check "  not to kubelet's file" lacks_key "$T/kubelet/config.json" "$LOGIN_HOST"
  check "  not to a user's file" lacks_key "$T/user-home/.docker/config.json" "$LOGIN_HOST"
  provider_keys() { # image: the registry keys regcredd's provider answers for it
    curl -s --unix-socket "$D_SOCK" -X POST --data "{\"kind\":\"CredentialProviderRequest\",\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"image\":\"$1\"}" http://x/v1/provider |
      $PY -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin).get("auth") or {})))'
  }
  check "  nor kubelet's provider answers" sh -c "[ -z \"$(provider_keys "$LOGIN_HOST/regcred/tiny:v1")\" ]"
  kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
  start_regcredd --secrets-dir "$T/secrets" $FILES --local-credentials-node-wide
  wait_until 10 ready
  check "--local-credentials-node-wide: kubelet's file gets it" wait_until 5 auth_is "$T/kubelet/config.json" "$LOGIN_HOST" "operator:node-local-pw-4242"
  check "  a user's file too" auth_is "$T/user-home/.docker/config.json" "$LOGIN_HOST" "operator:node-local-pw-4242"
  check "  and the provider's answer" sh -c "[ \"$(provider_keys "$LOGIN_HOST/regcred/tiny:v1")\" = '$LOGIN_HOST' ]"
  check "it is kept in the state folder (0600)" sh -c "[ \"\$(stat -c %a '$T/state/local.json')\" = 600 ]"
  kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
  start_regcredd --secrets-dir "$T/secrets" $FILES
  wait_until 10 ready
  check "it survives a daemon restart" hget_has "$LOGIN_HOST" '"Username":"operator"'
  check "docker logout erases it" dk logout "$LOGIN_HOST"
  check "the helper no longer answers for it" not hget "$LOGIN_HOST"
  check "root's file loses it" wait_until 5 lacks_key "$T/root-docker/config.json" "$LOGIN_HOST"
  printf '127.0.0.1:%s' "$REG_PORT" | client_env docker-credential-regcred erase >"$T/erase.out" || true
  check "erase of the cluster's credential is refused with the secret's name" \
    grep -q "cannot erase 127.0.0.1:$REG_PORT: the credential comes from the cluster secret ci/pull" "$T/erase.out"
  check "and the cluster's credential is still there" hget_has "127.0.0.1:$REG_PORT" '"Username":"puller"'
else
  echo "# skip docker CLI checks: no docker client on PATH (make deps installs docker.io where it is missing)"
  not_ok "docker CLI present"
fi

echo "# podman with credHelpers"
if ! command -v podman >/dev/null; then
  echo "# skip podman: not installed"
else
  P="podman --root $T/podman/root --runroot $T/podman/run --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --tmpdir $T/podman/tmp"
  mkdir -p "$T/podman/tmp"
  if client_env $P info >"$T/podman-info.log" 2>&1; then
    check "podman pull through the helper" quiet client_env $P pull --cert-dir "$T/pki/certs.d" "$IMAGE"
    podman_has() { client_env $P images --format '{{.Repository}}' | grep -q regcred/tiny; }
    check "podman has the image" podman_has
  else
    echo "# skip podman: it does not run here ($(tail -1 "$T/podman-info.log"))"
  fi
fi

echo "# who may ask: a real unprivileged user, with and without the socket's group"
if [ "$(id -u)" = 0 ]; then
  groupadd -f regcred-it
  GID=$(getent group regcred-it | cut -d: -f3)
  kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
  chmod o+x "$T"  # the socket is reachable; the state folder (0700) is not
  # The helper where nobody can run it: the build tree may sit in a folder only root enters (a
  # clean clone under mktemp -d).
  mkdir -p "$T/nobody-bin"
  cp "$REGCRED_BIN/docker-credential-regcred" "$T/nobody-bin/"
  chmod 755 "$T/nobody-bin" "$T/nobody-bin/docker-credential-regcred"
  start_regcredd --secrets-dir "$T/secrets" --socket-group regcred-it
  wait_until 10 ready
  as_nobody() { # [groups] verb stdin
    if [ -n "$1" ]; then gflag="--groups=$1"; else gflag=--clear-groups; fi
    shift
    printf '%s' "$2" | setpriv --reuid=nobody --regid=nogroup "$gflag" \
      env -i PATH="$T/nobody-bin:/usr/bin:/bin" REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state" \
      docker-credential-regcred "$1"
  }
  set +e
  as_nobody "" get "127.0.0.1:$REG_PORT" >"$T/nobody.out"; rc=$?
  set -e
  check "nobody gets no credential (exit 1, the reason on stdout)" \
    sh -c "[ $rc = 1 ] && grep -q 'credentials are served only to root and the socket' '$T/nobody.out' && ! grep -q helper-reg-pw '$T/nobody.out'"
  set +e
  as_nobody "" list "" >"$T/nobody-list.out"; rc=$?
  set -e
  check "nor a list of them" sh -c "[ $rc = 1 ] && ! grep -q puller '$T/nobody-list.out'"
  check "nobody in the socket's group gets the credential" \
    sh -c "$(command -v setpriv) --reuid=nobody --regid=nogroup --groups=$GID env -i REGCRED_SOCKET='$D_SOCK' REGCRED_STATE_DIR='$T/state' '$T/nobody-bin/docker-credential-regcred' get <<EOF3 | grep -q '\"Username\":\"puller\"'
127.0.0.1:$REG_PORT
EOF3"
  # A member of the group storing (a docker login: a node-local credential outranks every
  # cluster secret in root's files, and node-wide in kubelet's) or erasing root's: both root's
  # only.
  root_helper() { printf '%s' "$2" | env REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state" "$REGCRED_BIN/docker-credential-regcred" "$1"; }
  root_helper store '{"ServerURL":"root-local.example","Username":"rootuser","Secret":"root-local-pw-5353"}'
  user_for() { root_helper get "$1" | grep -q "\"Username\":\"$2\""; }
  set +e
  as_nobody "$GID" store "{\"ServerURL\":\"127.0.0.1:$REG_PORT\",\"Username\":\"member\",\"Secret\":\"member-pw-5454\"}" >"$T/member-store.out"; rc=$?
  set -e
  check "a group member's store is refused: root only ($(cat "$T/member-store.out"))" \
    sh -c "[ $rc = 1 ] && grep -q 'by root only' '$T/member-store.out'"
  check "  the registry's credential is still the cluster's" user_for "127.0.0.1:$REG_PORT" puller
  set +e
  as_nobody "$GID" erase "root-local.example" >"$T/member-erase.out"; rc=$?
  set -e
  check "a group member's erase of root's node-local credential is refused" \
    sh -c "[ $rc = 1 ] && grep -q 'by root only' '$T/member-erase.out'"
  check "  root's node-local credential stays" user_for root-local.example rootuser
  set +e
  as_nobody "$GID" get "root-local.example" >"$T/member-get-local.out"; rc=$?
  set -e
  check "a group member's helper does not get root's node-local credential" \
    sh -c "[ $rc = 1 ] && grep -q 'credentials not found' '$T/member-get-local.out' && ! grep -q rootuser '$T/member-get-local.out'"
  kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
  set +e
  as_nobody "$GID" get "127.0.0.1:$REG_PORT" >"$T/nobody-down.out"; rc=$?
  set -e
  check "with regcredd down, nobody cannot read the state folder either" \
    sh -c "[ $rc = 1 ] && grep -q 'Permission denied' '$T/nobody-down.out' && ! grep -q helper-reg-pw '$T/nobody-down.out'"
  chmod o-x "$T"
else
  echo "# skip: not root, cannot switch to an unprivileged user"
fi

check "no fixture password in regcredd's log" \
  sh -c "! grep -q -e helper-reg-pw-3131 -e node-local-pw-4242 '$T/regcredd.log'"
finish
