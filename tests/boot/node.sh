# A booted Debian 12 node for the boot tier (POSIX sh, sourced after lib.sh): a copy of the
# cached root (rootfs.sh) in NODE_ROOT, systemd as its PID 1 under systemd-nspawn, commands run
# inside with nsenter. Files the node wrote are read from the host at "$NODE_ROOT/PATH": the
# host side of any mount namespace a unit makes inside it.

NODE_ROOT=""
NODE_NSPAWN=""
NODE_PID=""

# node_create DEB: a fresh copy of the cached root, outside $T (the leak check reads $T and a
# root holds thousands of files).
node_create() {
  base=$(sh "$REGCRED_SRC/tests/boot/rootfs.sh" "$1")
  NODE_ROOT=$(mktemp -d /var/tmp/regcred-node.XXXXXX)
  cp -a "$base/." "$NODE_ROOT/"
}

# node_offline COMMAND...: runs in the root without booting it (as dpkg in a chroot would).
node_offline() {
  systemd-nspawn -q -D "$NODE_ROOT" --register=no --keep-unit --pipe \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
}

# node_install DEB: apt-get install of the .deb, as an operator does (maintainer scripts run).
node_install() {
  mkdir -p "$NODE_ROOT/var/tmp"
  cp "$1" "$NODE_ROOT/var/tmp/regcred.deb"
  node_do apt-get install -y -q /var/tmp/regcred.deb
}

node_boot() {
  systemd-nspawn -q -D "$NODE_ROOT" -b --register=no --keep-unit --console=passive \
    >"$T/console.log" 2>&1 &
  NODE_NSPAWN=$!
  wait_until 30 sh -c "pgrep -P $NODE_NSPAWN >/dev/null" || return 1
  NODE_PID=$(pgrep -P "$NODE_NSPAWN" | head -1)
  # Booted: running, or degraded when a unit failed (the checks say which).
  end=$(($(date +%s) + 60))
  while :; do
    state=$(node_do systemctl is-system-running 2>/dev/null || true)
    case "$state" in running | degraded) return 0 ;; esac
    [ "$(date +%s)" -lt "$end" ] || { echo "# boot: $state" >&2; return 1; }
    sleep 0.2
  done
}

# node_do COMMAND...: runs in the booted node (its namespaces, a clean environment), or, before
# it boots, in its root.
node_do() {
  if [ -z "$NODE_PID" ]; then
    node_offline "$@"
    return
  fi
  nsenter -t "$NODE_PID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive "$@"
}

node_stop() {
  [ -n "$NODE_NSPAWN" ] || return 0
  kill "$NODE_NSPAWN" 2>/dev/null || true # nspawn asks the node's systemd to power off
  i=0
  while kill -0 "$NODE_NSPAWN" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$NODE_NSPAWN" 2>/dev/null || true
  wait "$NODE_NSPAWN" 2>/dev/null || true
  NODE_NSPAWN="" NODE_PID=""
}

node_destroy() {
  node_stop
  [ -n "$NODE_ROOT" ] && rm -rf "$NODE_ROOT"
  NODE_ROOT=""
}

# The unit's journal since boot, kept in $T for the suite's leak check.
node_journal() {
  node_do journalctl -b -u regcredd.service -u regcredd.socket --no-pager -o cat >"$T/journal.txt" 2>&1 || true
  cat "$T/journal.txt"
}
