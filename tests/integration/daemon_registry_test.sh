#!/bin/sh
# End to end with real parts: a pull secret in the source -> regcredd writes config.json -> the
# real skopeo, reading that file, inspects an image on the real docker-registry (TLS +
# htpasswd). The password changes -> the file follows -> skopeo still gets in. The secret goes
# -> the entry goes, the user's own entries stay, and skopeo is anonymous again.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'e2e-reg-pw' 'own-pw'
require_tools docker-registry skopeo htpasswd openssl

push_test_image pusher 'e2e-reg-pw-1111'

mkdir -p "$T/secrets" "$T/home/.docker" "$T/xdg"
printf '{"auths":{"user-own.example":{"auth":"b3duOm93bi1wdw=="}}}' >"$T/home/.docker/config.json"
secret_json ci pull "127.0.0.1:$REG_PORT" pusher 'e2e-reg-pw-1111' >"$T/secrets/pull.json"
start_regcredd --secrets-dir "$T/secrets" --docker-config "$T/home/.docker/config.json"
wait_until 10 ready

# skopeo as a user would run it: its own HOME, nothing else to find credentials in.
inspect() {
  env -i PATH=/usr/bin:/bin HOME="$T/home" XDG_RUNTIME_DIR="$T/xdg" \
    skopeo inspect --raw --cert-dir "$T/pki/certs.d" "docker://$IMAGE" >"$T/inspect.out" 2>"$T/inspect.err"
}
check "regcredd wrote the registry's entry" auth_is "$T/home/.docker/config.json" "127.0.0.1:$REG_PORT" "pusher:e2e-reg-pw-1111"
check "skopeo inspect succeeds with the file regcredd wrote" inspect
check "it got the image's manifest" grep -q 'application/vnd.oci.image.manifest.v1+json' "$T/inspect.out"

# The registry's password changes, and so does the secret.
stop_pid "$REG_PID"
start_registry pusher 'e2e-reg-pw-2222'
check "with the old password skopeo is refused" sh -c "! env -i PATH=/usr/bin:/bin HOME='$T/home' XDG_RUNTIME_DIR='$T/xdg' skopeo inspect --raw --cert-dir '$T/pki/certs.d' 'docker://$IMAGE' >/dev/null 2>&1"
secret_json ci pull "127.0.0.1:$REG_PORT" pusher 'e2e-reg-pw-2222' >"$T/secrets/pull.json.new"
mv "$T/secrets/pull.json.new" "$T/secrets/pull.json"
check "the new password reaches the file" wait_until 5 auth_is "$T/home/.docker/config.json" "127.0.0.1:$REG_PORT" "pusher:e2e-reg-pw-2222"
check "skopeo gets in with the new password" inspect

# The secret goes.
rm "$T/secrets/pull.json"
check "the entry goes with the secret" wait_until 5 lacks_key "$T/home/.docker/config.json" "127.0.0.1:$REG_PORT"
check "the user's own entry is untouched" auth_is "$T/home/.docker/config.json" user-own.example "own:own-pw"
set +e
inspect; rc=$?
set -e
check "skopeo is anonymous again and refused" [ "$rc" -ne 0 ]
check "refused for want of credentials" grep -q "unauthorized\|authentication required" "$T/inspect.err"

check "no password in the daemon's log" sh -c "! grep -q 'e2e-reg-pw' '$T/regcredd.log'"
finish
