#!/bin/sh
# regcredctl doctor's pull through the real containerd (ctr with CRI
# disabled, a private socket): with the credential the node resolves, passed through ctr's
# password prompt on a pseudo-terminal, never in an argv; the image lands in containerd's k8s.io
# namespace. Skipped, with the reason, where containerd does not start.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'runtime-pw'
require_tools docker-registry skopeo htpasswd openssl containerd ctr
push_test_image rt 'runtime-pw-7878'
mkdir -p "$T/ctrd/hosts/127.0.0.1:$REG_PORT" "$T/secrets" "$T/bin"
cat >"$T/ctrd/config.toml" <<EOF2
version = 2
root = "$T/ctrd/root"
state = "$T/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/ctrd/containerd.sock"
[ttrpc]
  address = "$T/ctrd/containerd.sock.ttrpc"
[debug]
  level = "warn"
[metrics]
  address = ""
EOF2
cat >"$T/ctrd/hosts/127.0.0.1:$REG_PORT/hosts.toml" <<EOF2
server = "https://127.0.0.1:$REG_PORT"
[host."https://127.0.0.1:$REG_PORT"]
  capabilities = ["pull", "resolve"]
  ca = "$T/pki/ca.crt"
EOF2
containerd --config "$T/ctrd/config.toml" >>"$T/containerd.log" 2>&1 &
PIDS="$PIDS $!"
if ! wait_until 15 ctr --address "$T/ctrd/containerd.sock" version; then
  echo "# skip: containerd does not start here: $(tail -1 "$T/containerd.log")"
  exit 77
fi
# ctr as doctor runs it, with every argv written down.
cat >"$T/bin/ctr" <<EOF2
#!/bin/sh
printf '%s\n' "\$*" >>"$T/ctr-argv.log"
exec $(command -v ctr) "\$@"
EOF2
chmod +x "$T/bin/ctr"

secret_json apps pull "127.0.0.1:$REG_PORT" rt 'runtime-pw-7878' >"$T/secrets/pull.json"
start_regcredd --secrets-dir "$T/secrets" --pull-test-ca-file "$T/pki/ca.crt"
wait_until 10 ready
doctor() {
  PATH="$T/bin:$PATH" REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state" "$REGCRED_BIN/regcredctl" doctor \
    --containerd-socket "$T/ctrd/containerd.sock" --containerd-hosts-dir "$T/ctrd/hosts" "$@"
}
set +e
doctor "127.0.0.1:$REG_PORT/regcred/tiny:v1" -o json >"$T/ok.json"; rc=$?
set -e
runtime_step() { pycheck doctor_step "$1" runtime; }
check "doctor passes ($(runtime_step "$T/ok.json"))" [ "$rc" = 0 ]
check "the runtime step passed, as the node's user" pycheck doctor_step_is "$T/ok.json" runtime passed "as rt"
check "containerd has the image in k8s.io" sh -c "ctr --address '$T/ctrd/containerd.sock' -n k8s.io images ls -q | grep -q '127.0.0.1:$REG_PORT/regcred/tiny:v1'"
check "ctr was run" test -s "$T/ctr-argv.log"
check "the password was in no argv" sh -c "! grep -q runtime-pw '$T/ctr-argv.log'"
check "the user name was (ctr --user rt)" grep -q -- "--user rt " "$T/ctr-argv.log"
# The registry's password changes: the runtime pull fails too, and says so.
stop_pid "$REG_PID"
start_registry rt 'runtime-pw-OTHER'
doctor "127.0.0.1:$REG_PORT/regcred/tiny:v1" -o json >"$T/bad.json" || true
check "a wrong password: the runtime step failed with containerd's text" \
  pycheck doctor_step_is "$T/bad.json" runtime failed 401
check "no fixture password in any output" sh -c "! grep -q -e runtime-pw-7878 -e runtime-pw-OTHER '$T/ok.json' '$T/bad.json' '$T/regcredd.log' '$T/ctr-argv.log'"
finish
