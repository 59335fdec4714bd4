#!/bin/sh
# A sink on a tiny tmpfs that fills up, then goes read-only: the old file stays whole, status
# and /metrics show the error, and regcredd recovers by itself when the disk does (it retries
# every 5 s). Needs root and mount(2); skipped with the reason where it cannot mount.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'disk-pw'
M="$T/kube"
mkdir -p "$M" "$T/secrets"
if ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$M" 2>"$T/mount.err"; then
  echo "# skip: cannot mount a tmpfs here: $(cat "$T/mount.err")"
  exit 77
fi
unmount_then_cleanup() { umount "$M" 2>/dev/null || true; cleanup; }
trap unmount_then_cleanup EXIT INT TERM

secret_json apps pull registry.example.com alice 'disk-pw-1111' >"$T/secrets/pull.json"
start_regcredd --secrets-dir "$T/secrets" --kubelet-config "$M/config.json"
wait_until 10 ready
check "the file is written on the tmpfs" auth_is "$M/config.json" registry.example.com alice:disk-pw-1111
sink_field() { curl -s --unix-socket "$D_SOCK" http://x/v1/status | $PY -c 'import json,sys; s=json.load(sys.stdin)["sinks"][0]; print(s.get(sys.argv[1], ""))' "$1"; }
sink_failed_with() { [ "$(sink_field ok)" = False ] && sink_field error | grep -q "$1"; }
metric_sink_ok() { curl -s --unix-socket "$D_SOCK" http://x/metrics | grep -q "^regcred_sink_ok{path=\"$M/config.json\"} $1"; }

echo "# the disk fills up"
cp "$M/config.json" "$T/before.json"
dd if=/dev/zero of="$M/filler" bs=4k count=64 2>/dev/null || true  # until ENOSPC
secret_json apps pull registry.example.com alice 'disk-pw-2222' >"$T/secrets/pull.json.new"
mv "$T/secrets/pull.json.new" "$T/secrets/pull.json"
check "status shows the write error (No space left on device)" wait_until 10 sink_failed_with "No space left"
check "/metrics: regcred_sink_ok 0" metric_sink_ok 0
check "the old file is whole and unchanged" cmp -s "$M/config.json" "$T/before.json"
check "no temp file left on the full disk" sh -c "[ \"\$(ls -A '$M' | grep -v -e '^config.json$' -e '^filler$' | wc -l)\" = 0 ]"
rm -f "$M/filler"
check "space again: it recovers by itself" wait_until 15 auth_is "$M/config.json" registry.example.com alice:disk-pw-2222
check "and status is ok again" wait_until 5 sh -c "curl -s --unix-socket '$D_SOCK' http://x/v1/status | grep -q '\"ok\":true'"
check "/metrics: regcred_sink_ok 1" metric_sink_ok 1

echo "# the disk goes read-only"
mount -o remount,ro "$M"
cp "$M/config.json" "$T/before.json"
secret_json apps pull registry.example.com alice 'disk-pw-3333' >"$T/secrets/pull.json.new"
mv "$T/secrets/pull.json.new" "$T/secrets/pull.json"
check "status shows the write error (Read-only file system)" wait_until 10 sink_failed_with "Read-only file system"
check "the old file is whole and unchanged" cmp -s "$M/config.json" "$T/before.json"
mount -o remount,rw "$M"
check "writable again: it recovers by itself" wait_until 15 auth_is "$M/config.json" registry.example.com alice:disk-pw-3333
check "regcredd kept running throughout" kill -0 "$D_PID"
check "no fixture password in the log" sh -c "! grep -q disk-pw '$T/regcredd.log'"
finish
