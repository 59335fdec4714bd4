#!/bin/sh
# The status socket as systemd and an unprivileged user see it: regcredd under the real
# systemd-socket-activate (LISTEN_FDS), every endpoint of the contract, what a user outside the
# socket's group gets (no credential, no user name), and the limits (body size, read timeout,
# connection count).
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'status-pw'
require_tools systemd-socket-activate
mkdir -p "$T/secrets"
secret_json apps pull registry.example.com alice 'status-pw-3434' >"$T/secrets/pull.json"
D_SOCK="$T/activated.sock"
groupadd -f regcred-it 2>/dev/null || true
GID=$(getent group regcred-it | cut -d: -f3)
systemd-socket-activate -l "$D_SOCK" "$REGCRED_BIN/regcredd" --config /dev/null \
  --secrets-dir "$T/secrets" --state-dir "$T/state" --socket "$T/unused.sock" --log-level debug \
  --socket-group regcred-it --docker-config "$T/docker/config.json" \
  >>"$T/regcredd.log" 2>&1 &
D_PID=$!
PIDS="$PIDS $D_PID"
wait_until 10 test -S "$D_SOCK"

get() { curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$D_SOCK" "http://localhost$1"; }
check "activated: /healthz answers on systemd's socket" [ "$(get /healthz)" = 200 ]
check "regcredd says it took the socket from systemd" wait_until 5 grep -q "status socket from systemd" "$T/regcredd.log"
check "and did not bind its own" [ ! -e "$T/unused.sock" ]
check "/readyz after the first sync" wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$D_SOCK' http://localhost/readyz)\" = 200 ]"
check "/v1/status" [ "$(get /v1/status)" = 200 ]
check "/v1/status (root) shows user names" grep -q '"username":"alice"' "$T/body"
check "/v1/pulltests" [ "$(get /v1/pulltests)" = 200 ]
check "/metrics" sh -c "[ \"\$(curl -s -o '$T/metrics' -w '%{http_code}' --unix-socket '$D_SOCK' http://localhost/metrics)\" = 200 ] && grep -q '^regcred_ready 1' '$T/metrics'"
check "an unknown endpoint: 404 JSON" sh -c "[ \"\$(curl -s -o '$T/404' -w '%{http_code}' --unix-socket '$D_SOCK' http://localhost/nope)\" = 404 ] && grep -q '\"error\"' '$T/404'"
check "a helper answers through the activated socket" \
  sh -c "printf registry.example.com | REGCRED_SOCKET='$D_SOCK' REGCRED_STATE_DIR='$T/none' '$REGCRED_BIN/docker-credential-regcred' get | grep -q alice"

check "regcredctl reload: regcredd re-reads its configuration" sh -c "'$REGCRED_BIN/regcredctl' --socket '$D_SOCK' reload | grep -q reloading"
check "  and says so in its log" wait_until 5 grep -q "configuration reloaded" "$T/regcredd.log"

echo "# a real unprivileged user"
if [ "$(id -u)" = 0 ]; then
  chmod o+x "$T"
  chmod 0666 "$D_SOCK"  # what the .socket unit's SocketMode= sets; systemd-socket-activate does not
  nob() { setpriv --reuid=nobody --regid=nogroup --clear-groups curl -s -w ' %{http_code}' --unix-socket "$D_SOCK" "$@"; }
  check "nobody: /healthz" sh -c "$(command -v setpriv) --reuid=nobody --regid=nogroup --clear-groups curl -s --unix-socket '$D_SOCK' http://localhost/healthz | grep -q ok"
  nob http://localhost/v1/status >"$T/nob-status" || true
  check "nobody: /v1/status without user names" sh -c "grep -q ' 200$' '$T/nob-status' && ! grep -q '\"username\"' '$T/nob-status'"
  check "nobody: health and counts only: no secret name, registry key or path" \
    sh -c "grep -q '\"withheld\"' '$T/nob-status' && ! grep -q -e apps/pull -e registry.example.com -e '$T' '$T/nob-status'"
  nob http://localhost/metrics >"$T/nob-metrics" || true
  check "nobody: /metrics without file paths" sh -c "grep -q '^regcred_sinks_failed ' '$T/nob-metrics' && ! grep -q 'path=' '$T/nob-metrics'"
  nob -X POST --data '{"server":"registry.example.com"}' http://localhost/v1/helper/get >"$T/nob-get" || true
  check "nobody: no credential (403)" sh -c "grep -q ' 403$' '$T/nob-get' && ! grep -q status-pw '$T/nob-get'"
  nob -X POST --data '{"image":"registry.example.com/a:1"}' http://localhost/v1/pulltests >"$T/nob-pt" || true
  check "nobody: cannot start pull tests (403)" grep -q ' 403$' "$T/nob-pt"
  nob -X POST --data '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.example.com/a"}' http://localhost/v1/provider >"$T/nob-prov" || true
  nob -X POST --data '{}' http://localhost/v1/reload >"$T/nob-reload" || true
  check "nobody: cannot reload (403)" grep -q ' 403$' "$T/nob-reload"
  check "nobody: no provider answer (403)" sh -c "grep -q ' 403$' '$T/nob-prov' && ! grep -q status-pw '$T/nob-prov'"
  # A member of the socket's group: credentials and pull tests, but nothing that changes the
  # node or makes root read a file the member chose.
  mem() { setpriv --reuid=nobody --regid=nogroup --groups="$GID" curl -s -m 5 -w ' %{http_code}' --unix-socket "$D_SOCK" "$@"; }
  mem -X POST --data '{}' http://localhost/v1/reload >"$T/mem-reload" || true
  check "a group member: cannot reload (403), a loop of reloads would relist every secret" grep -q ' 403$' "$T/mem-reload"
  mem -X POST --data '{"image":"127.0.0.1:1/a:1","caFiles":["/etc/shadow"]}' http://localhost/v1/pulltests >"$T/mem-ca" || true
  check "a group member: a pull test with caFiles is refused (403)" grep -q ' 403$' "$T/mem-ca"
  mem -X POST --data '{"image":"127.0.0.1:1/a:1"}' http://localhost/v1/pulltests >"$T/mem-pt" || true
  check "a group member: a pull test without caFiles starts (202)" grep -q ' 202$' "$T/mem-pt"
  # One local user holding every connection it can (one half-sent request each): regcredd keeps
  # 8 of them, and root's and the group's helpers are answered by regcredd, within a second.
  setpriv --reuid=nobody --regid=nogroup --clear-groups $PY "$REGCRED_SRC/tests/probes/socket_client.py" \
    "$D_SOCK" hold 64 6 >"$T/hold.txt" 2>&1 &
  HOLD=$!
  wait_until 5 grep -q kept "$T/hold.txt" || true
  check "a user opening 64 connections keeps 8 ($(cat "$T/hold.txt"))" grep -q '^kept 8 of 64$' "$T/hold.txt"
  # The helper where nobody can run it (the build tree may be in a folder only root enters).
  mkdir -p "$T/bin" && cp "$REGCRED_BIN/docker-credential-regcred" "$T/bin/" && chmod 755 "$T/bin"
  answered_within_1s() { # env...: docker-credential-regcred get for the fixture's registry
    t0=$(date +%s%N)
    out=$(echo registry.example.com | env "$@" REGCRED_SOCKET="$D_SOCK" "$T/bin/docker-credential-regcred" get 2>&1) || { echo "# $out"; return 1; }
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1000 ] && echo "$out" | grep -q '"Username":"alice"'
  }
  check "  root's helper is answered by regcredd within 1 s" answered_within_1s REGCRED_STATE_DIR=/nonexistent
  check "  a group member's helper too (another user)" \
    answered_within_1s setpriv --reuid=daemon --regid=daemon --groups="$GID" env REGCRED_STATE_DIR=/nonexistent
  wait "$HOLD" 2>/dev/null || true
  chmod o-x "$T"
fi
echo "# a hung regcredd"
kill -STOP "$D_PID"
hung_get() {
  t0=$(date +%s%N)
  out=$(echo registry.example.com | env REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state" "$REGCRED_BIN/docker-credential-regcred" get 2>&1) || return 1
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "# answered in $ms ms"
  [ "$ms" -lt 2000 ] && echo "$out" | grep -q '"Username":"alice"'
}
check "the helper answers from the state folder after 1 s, not never" hung_get
kill -CONT "$D_PID"
echo "# CA files root names"
mkfifo "$T/ca.fifo"
ln -s /etc/hostname "$T/ca.link"
for ca in /dev/zero "$T/ca.fifo" "$T/ca.link"; do
  curl -s -m 5 -w ' %{http_code}' --unix-socket "$D_SOCK" -X POST \
    --data "{\"image\":\"127.0.0.1:1/a:1\",\"caFiles\":[\"$ca\"]}" http://localhost/v1/pulltests >"$T/root-ca" || true
  check "caFiles [\"$(basename "$ca")\"]: refused at once ($(head -c 120 "$T/root-ca"))" grep -q ' 400$' "$T/root-ca"
done

echo "# the socket regcredd binds itself"
mkdir -p "$T/own"
$PY "$REGCRED_SRC/tests/probes/socket_appears.py" "$T/own" d.sock -- "$REGCRED_BIN/regcredd" --config /dev/null \
  --secrets-dir "$T/secrets" --state-dir "$T/state-own" --socket "$T/own/d.sock" >"$T/own.txt" 2>&1
check "under umask 077 it appears by a rename, already 0666 ($(cat "$T/own.txt"))" grep -qx 'moved 0o666' "$T/own.txt"
check "  leaving no staging folder" sh -c "[ -z \"\$(ls -A '$T/own' | grep -v '^d.sock$')\" ]"

echo "# limits"
check "a body over 64 KiB: 413" $PY "$REGCRED_SRC/tests/probes/socket_client.py" "$D_SOCK" big
check "a half-sent request: closed after the 10 s read timeout" $PY "$REGCRED_SRC/tests/probes/socket_client.py" "$D_SOCK" idle
check "64 connections at most; served again when they go" $PY "$REGCRED_SRC/tests/probes/socket_client.py" "$D_SOCK" flood
check "no fixture password in the log" sh -c "! grep -q status-pw '$T/regcredd.log'"
finish
