#!/bin/sh
# The kube tier's control plane for tools outside the tests (make bench): etcd and
# kube-apiserver as control_plane.sh starts them, in a folder of their own. Prints one line once
# ready, "URL FOLDER" (FOLDER holds ca.crt and admin.kubeconfig, admin.crt and admin.key), and
# runs until it gets SIGTERM, when it stops both and removes the folder. SIGUSR1 restarts
# kube-apiserver (its watch caches lost) and then writes FOLDER/restarted.
set -eu
REGCRED_SRC=$(cd "$(dirname "$0")/../.." && pwd)
REGCRED_BIN=${REGCRED_BIN:-$REGCRED_SRC/build/bin}
export REGCRED_SRC REGCRED_BIN
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
kube_start >"$T/start.log" 2>&1 || { cat "$T/start.log" >&2; exit 1; }
echo "$KUBE_URL $K"
# lib.sh's EXIT trap stops both and removes the folder; the sleep holds none of the caller's
# pipes open after that.
trap 'kill "$SLEEPER" 2>/dev/null; exit 0' TERM INT
trap 'kill "$SLEEPER" 2>/dev/null; rm -f "$K/restarted"; kube_restart >>"$T/start.log" 2>&1; date +%s >"$K/restarted"' USR1
while :; do
  sleep 3600 </dev/null >/dev/null 2>&1 &
  SLEEPER=$!
  wait "$SLEEPER" || true
done
