#!/bin/sh
# The .deb under a real systemd: a booted Debian 12 node (node.sh) where the operator's guide is
# followed as scripted checks. Install; the unconfigured unit; configure; enable --now; READY
# and STATUS; the files with their modes, read on the host side of the unit's sandbox; a home
# that appears, kubelet's folder that appears after start; the documented home drop-in; reload,
# restart, socket activation, a watchdog kill; a journal free of EROFS/EACCES/EPERM/SIGSYS;
# apt purge and reinstall, then a rotated password.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/boot/node.sh"
fixture_passwords 'boot-pass-[0-9]+'
[ "$(id -u)" = 0 ] || skip "booting a node needs root"
require_tools systemd-nspawn debootstrap nsenter
DEB=$(ls "$REGCRED_SRC"/build/regcred_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -1)
[ -n "$DEB" ] || { echo "no .deb in build/: make test builds it (make deb)"; exit 1; }
trap 'node_destroy; cleanup' EXIT INT TERM

REG=registry.boot.example:5000
CTL="$REGCRED_BIN/regcredctl"
# secret NAME PASSWORD: a pull secret as kubectl makes it, in the node's secrets folder.
secret() {
  mkdir -p "$NODE_ROOT/etc/regcred/secrets"
  echo "$2" | "$CTL" secret create "$1" --docker-server "$REG" --docker-username ci \
    --docker-password-stdin -o yaml >"$NODE_ROOT/etc/regcred/secrets/$1.yaml"
  chmod 600 "$NODE_ROOT/etc/regcred/secrets/$1.yaml"
}
configure() {
  cat >"$NODE_ROOT/etc/regcred/regcredd.yaml" <<YAML
secrets-dir: /etc/regcred/secrets
label-selector: ""
kubelet-config: /var/lib/kubelet/config.json
docker-config: [/root/.docker/config.json, /home/ci/.docker/config.json]
YAML
}
status_json() { node_do regcredctl status -o json 2>/dev/null; }
# sink_field PATH FIELD: a field of the status of the file at PATH.
sink_field() {
  status_json | $PY -c 'import json,sys; d=json.load(sys.stdin); s=[s for s in d["sinks"] if s["path"]==sys.argv[1]]; v=s[0].get(sys.argv[2]) if s else None; print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"
}
has_password() { [ "$(auth_of "$NODE_ROOT$1" "$REG")" = "ci:$2" ]; }
# mode_owner PATH: "MODE USER" as the node names the file's owner.
mode_owner() { echo "$(stat -c %a "$NODE_ROOT$1") $(node_do stat -c %U "$1")"; }
unit() { node_do systemctl show -p "$2" --value "$1"; }
main_pid() { unit regcredd.service MainPID; }
memory_capped() { [ "$(unit regcredd.service MemoryMax)" != infinity ]; }
unit_is() { [ "$(unit "$1" "$2")" = "$3" ]; }
# hidden_from_regcredd PATH: the node has the file; regcredd's mount namespace does not show it.
hidden_from_regcredd() { [ -e "$NODE_ROOT$1" ] && ! node_do nsenter -t "$(main_pid)" -m test -e "$1"; }
# Named predicates for check and wait_until (which cannot see shell functions through sh -c).
service_active() { [ "$(unit regcredd.service ActiveState)" = active ]; }
socket_active() { [ "$(node_do systemctl is-active regcredd.socket)" = active ]; }
status_text_has() { unit regcredd.service StatusText | grep -q "$1"; }
sink_failed() { [ "$(sink_field "$1" ok)" = false ]; }
all_sinks_ok() { status_json | $PY -c 'import json,sys; sys.exit(0 if all(s["ok"] for s in json.load(sys.stdin)["sinks"]) else 1)'; }
no_conflicts() { [ "$(sink_field "$1" conflicts)" = '[]' ]; }
main_pid_not() { p=$(main_pid); [ "$p" != "$1" ] && [ "$p" != 0 ] && service_active; }
restarted() { node_do systemctl restart regcredd.service && main_pid_not "$1"; }
still_pid_after() { sleep "$1"; [ "$(main_pid)" = "$2" ]; }
journal_names_watchdog() { node_journal | grep -q 'Watchdog timeout'; }
journal_clean() { ! grep -E 'Read-only file system|Permission denied|Operation not permitted|SIGSYS|status=31' "$T/journal.txt"; }

echo "# install"
node_create "$DEB"
check "apt-get install of the .deb in the node's root" node_install "$DEB"
check "the node boots" node_boot

echo "# an unconfigured node"
for i in 1 2 3 4 5 6 7 8 9 10; do node_do regcredctl status >"$T/unconfigured-$i.txt" 2>&1 || true; done
check "after 10 clients the socket still listens (no start-limit death)" socket_active
check "after 10 clients the socket file is there" node_do test -S /run/regcred/regcredd.sock
check "a client is told the node is not configured ($(head -1 "$T/unconfigured-10.txt"))" \
  grep -q 'not configured' "$T/unconfigured-10.txt"
check "systemctl status says what to configure" status_text_has 'no source'

echo "# configure, enable --now"
secret team-a boot-pass-1
configure
node_do useradd -m ci
node_do su ci -s /bin/sh -c 'mkdir -m 700 ~/.docker'
check "enable --now regcredd.socket regcredd.service" \
  node_do systemctl enable --now regcredd.socket regcredd.service
check "READY: the unit is active" wait_until 20 service_active
check "STATUS says what it did ($(unit regcredd.service StatusText))" \
  wait_until 20 status_text_has '1 secrets'
check "/root/.docker, missing at start: root's file on the host has the credential" \
  wait_until 20 has_password /root/.docker/config.json boot-pass-1
check "/root/.docker/config.json is 0600 root" [ "$(mode_owner /root/.docker/config.json)" = "600 root" ]
check "/home/ci without the drop-in: status says FAILED, never ok" \
  wait_until 10 sink_failed /home/ci/.docker/config.json
echo "# $(sink_field /home/ci/.docker/config.json error)"
check "/home/ci without the drop-in: nothing written on the host" \
  [ ! -e "$NODE_ROOT/home/ci/.docker/config.json" ]

echo "# kubelet's folder appears after start (kubeadm join after the package)"
mkdir -m 0700 "$NODE_ROOT/var/lib/kubelet" 2>/dev/null || true
check "kubelet's config.json written without a restart" \
  wait_until 20 has_password /var/lib/kubelet/config.json boot-pass-1
check "kubelet's config.json is 0600 root" [ "$(mode_owner /var/lib/kubelet/config.json)" = "600 root" ]

echo "# the documented drop-in for a user's home"
mkdir -p "$NODE_ROOT/etc/systemd/system/regcredd.service.d"
# As regcredd(8) and docs/operators.md give it: the home is bound (not ~/.docker, which its
# user can swap for a link that systemd would follow), with what writing a user's file needs.
printf '[Service]\nBindPaths=-/home/ci -/home/not-here\nCapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE\n' \
  >"$NODE_ROOT/etc/systemd/system/regcredd.service.d/home.conf"
cat "$NODE_ROOT/etc/systemd/system/regcredd.service.d/home.conf"
node_do systemctl daemon-reload
check "restart with the drop-in (a home that is not there does not stop it)" \
  node_do systemctl restart regcredd.service
check "ci's file on the host has the credential" wait_until 20 has_password /home/ci/.docker/config.json boot-pass-1
check "ci's config.json is 0600 ci" [ "$(mode_owner /home/ci/.docker/config.json)" = "600 ci" ]
check "every file ok in status" all_sinks_ok
# ci swaps its ~/.docker for a link to a folder of root's: regcredd must not write through it.
mkdir -p "$NODE_ROOT/etc/ci-target"
node_do su ci -s /bin/sh -c 'mv ~/.docker ~/.docker.old && ln -s /etc/ci-target ~/.docker'
secret team-a boot-pass-2
check "rotation reaches kubelet's file" wait_until 20 has_password /var/lib/kubelet/config.json boot-pass-2
check "a link swapped in for ~/.docker is not followed (status FAILED)" \
  wait_until 10 sink_failed /home/ci/.docker/config.json
check "nothing written through the link" [ ! -e "$NODE_ROOT/etc/ci-target/config.json" ]
# The link is there when the unit starts (systemd resolved a bound ~/.docker before mounting).
node_do systemctl restart regcredd.service
secret team-a boot-pass-3
check "after a restart: rotation reaches kubelet's file" wait_until 20 has_password /var/lib/kubelet/config.json boot-pass-3
check "after a restart: the link is still not followed (status FAILED)" \
  wait_until 10 sink_failed /home/ci/.docker/config.json
check "after a restart: nothing written through the link" [ ! -e "$NODE_ROOT/etc/ci-target/config.json" ]
node_do su ci -s /bin/sh -c 'rm ~/.docker && mv ~/.docker.old ~/.docker'

echo "# the sandbox"
check "LimitCORE=0" unit_is regcredd.service LimitCORE 0
check "MemoryMax is set" memory_capped
for d in pki pods plugins plugins_registry device-plugins pod-resources; do
  : >"$NODE_ROOT/var/lib/kubelet/$d/probe"
  check "kubelet's $d is out of regcredd's reach" hidden_from_regcredd "/var/lib/kubelet/$d/probe"
done


echo "# the pull worker"
# A pull test runs in regcred-pull-worker@.service, started by its socket for regcredd's
# connection as a user of its own: a test of a registry that never answers (the node shares
# the host's network) keeps it alive long enough to look at it.
$PY -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(16); print(s.getsockname()[1], flush=True); time.sleep(120)' >"$T/silent.port" &
PIDS="$PIDS $!"
wait_until 5 test -s "$T/silent.port"
check "the pull worker's socket is listening" node_do systemctl is-active --quiet regcred-pull-worker.socket
# The real docker-registry (TLS, htpasswd) on the host, its pull secret and CA on the node: a
# pull test through the worker's sandbox (its own user, no Unix socket, its system call filter).
require_tools docker-registry skopeo htpasswd
push_test_image alice boot-pass-7
echo boot-pass-7 | "$CTL" secret create local-registry --docker-server "127.0.0.1:$REG_PORT" \
  --docker-username alice --docker-password-stdin -o yaml >"$NODE_ROOT/etc/regcred/secrets/local-registry.yaml"
cp "$T/pki/ca.crt" "$NODE_ROOT/etc/regcred/test-ca.crt"
synced_local() { grep -q "127.0.0.1:$REG_PORT" "$NODE_ROOT/root/.docker/config.json"; }
wait_until 20 synced_local || true
node_do regcredctl pull-test "$IMAGE" --ca-file /etc/regcred/test-ca.crt -o json >"$T/pull-ok.json" 2>&1 || true
pull_ok() { [ "$(pycheck field "$T/pull-ok.json" class)" = ok ]; }
check "a pull test of the real registry through the worker's unit: ok ($(pycheck field "$T/pull-ok.json" message))" pull_ok
node_do sh -c "regcredctl pull-test 127.0.0.1:$(cat "$T/silent.port")/app:v1 >/dev/null 2>&1 &"
worker_pid() {
  node_do sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = regcred-pull-wo ] && echo ${p#/proc/}; done' | head -1
}
has_worker() { [ -n "$(worker_pid)" ]; }
check "a test in flight has its worker" wait_until 10 has_worker
W=$(worker_pid)
W_UID=$(node_do awk '/^Uid:/ {print $2}' "/proc/$W/status")
W_GID=$(node_do awk '/^Gid:/ {print $2}' "/proc/$W/status")
echo "# worker $W: uid $W_UID, gid $W_GID, unit $(node_do sed -n 's|^0::.*/||p' "/proc/$W/cgroup")"
own_user() {
  [ "$W_UID" -ne 0 ] && [ "$W_GID" -ne 0 ] && [ "$(node_do awk '/^PPid:/ {print $2}' "/proc/$W/status")" = 1 ]
}
check "the worker is not root, nor regcredd's child" own_user
# What the worker could open: its mount namespace, its uid and gid.
as_worker() { node_do nsenter -t "$W" -m -S "$W_UID" -G "$W_GID" -- "$@" >/dev/null 2>&1; }
refused_to_worker() { ! as_worker "$@"; }
check "as the worker: the state folder cannot be opened" refused_to_worker ls /var/lib/regcred
check "as the worker: kubelet's config.json cannot be read" refused_to_worker cat /var/lib/kubelet/config.json
check "as the worker: root's config.json cannot be read" refused_to_worker cat /root/.docker/config.json
check "as the worker: what every user reads still is (/etc/passwd)" as_worker cat /etc/passwd

echo "# reload, restart, socket activation, watchdog"
check "systemctl reload" node_do systemctl reload regcredd.service
check "active after reload" wait_until 10 service_active
pid=$(main_pid)
check "systemctl restart: a new main process" restarted "$pid"
node_do systemctl stop regcredd.service
check "stopped, the socket stays" socket_active
check "socket activation: a client starts regcredd and gets an answer" node_do regcredctl status
check "socket activation: the unit is active" wait_until 10 service_active
printf '[Service]\nWatchdogSec=3s\n' >"$NODE_ROOT/etc/systemd/system/regcredd.service.d/watchdog.conf"
node_do systemctl daemon-reload
node_do systemctl restart regcredd.service
wait_until 10 service_active || true
pid=$(main_pid)
check "a healthy regcredd answers its watchdog (same process after 4 s)" still_pid_after 4 "$pid"
node_do sh -c "kill -STOP $pid"
check "watchdog: a hung regcredd is killed and restarted" \
  wait_until 30 main_pid_not "$pid"
check "the journal names the watchdog" journal_names_watchdog
rm "$NODE_ROOT/etc/systemd/system/regcredd.service.d/watchdog.conf"
node_do systemctl daemon-reload

node_journal >/dev/null
check "journal: no Read-only file system, Permission denied, Operation not permitted, SIGSYS" journal_clean

echo "# apt purge, reinstall, rotate"
check "apt-get purge" node_do apt-get purge -y -q regcred
check "the node's files keep their entries" has_password /var/lib/kubelet/config.json boot-pass-3
check "reinstall" node_install "$DEB"
configure
check "enable --now after the reinstall" node_do systemctl enable --now regcredd.socket regcredd.service
wait_until 20 service_active || true
secret team-a boot-pass-4
check "a rotated password reaches kubelet's file after purge and reinstall" \
  wait_until 20 has_password /var/lib/kubelet/config.json boot-pass-4
check "and root's file" wait_until 10 has_password /root/.docker/config.json boot-pass-4
check "no conflicts: regcredd's old entries are its own again" \
  no_conflicts /var/lib/kubelet/config.json
node_journal >/dev/null
finish
