#!/bin/sh
# regcredd with the directory source: sync, merge with a user's file, conflicts, broken and
# rejected input, removal, --once, --check-config, systemd notifications, SIGTERM, symlinks,
# and no password in any log line.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'dir-pw-' 'user-pw' 'mine-pw'

D=$T/secrets
mkdir -p "$D" "$T/home/.docker" "$T/kubelet"
secret_json team-a app registry.team-a.example:5000 builder 'dir-pw-1111' >"$D/app.json"
secret_json team-b tools tools.example builder2 'dir-pw-2222' >"$D/tools.json"
# Another secret for the same registry as team-a/app: namespace team-b sorts after team-a.
secret_json team-b app-copy registry.team-a.example:5000 other 'dir-pw-3333' >"$D/copy.json"
# Not labelled for sync: must not reach the node.
secret_json team-c private private.example nobody 'dir-pw-4444' '{}' >"$D/private.json"
# A user's own file: entries, a credsStore, another top-level key, one clashing key.
cat >"$T/home/.docker/config.json" <<'JSON'
{
	"auths": {
		"user.example": {"auth": "dXNlcjp1c2VyLXB3"},
		"tools.example": {"auth": "bWluZTptaW5lLXB3"}
	},
	"credsStore": "desktop",
	"HttpHeaders": {"X-Meta": "kept"}
}
JSON
chmod 0640 "$T/home/.docker/config.json"
CFG=$T/home/.docker/config.json
KUB=$T/kubelet/config.json

# --check-config, --version, usage errors
check "--check-config accepts a good configuration" sh -c \
  "\"$REGCRED_BIN/regcredd\" --config /dev/null --secrets-dir \"$D\" --check-config >/dev/null"
check "no source is a usage error (exit 2)" \
  exits_with 2 "$T/out" "$REGCRED_BIN/regcredd" --config /dev/null --check-config
check "the error names what is missing" grep -q "no source" "$T/out"
check "a missing secrets folder fails --check-config" \
  exits_with 2 "$T/out" "$REGCRED_BIN/regcredd" --config /dev/null --secrets-dir "$T/none" --check-config
check "--version prints the version" sh -c "'$REGCRED_BIN/regcredd' --version | grep -q '^regcredd '"

# NOTIFY_SOCKET receiver, as systemd would have it
$PY "$REGCRED_SRC/tests/fakes/notify_receiver.py" "$T/notify.sock" "$T/notify.log" &
PIDS="$PIDS $!"
wait_until 5 test -e "$T/notify.log.ready"

NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start_regcredd --secrets-dir "$D" \
  --docker-config "$CFG" --kubelet-config "$KUB"
check "readyz turns 200 after the first sync" wait_until 10 ready
check "READY=1 with a STATUS line" wait_until 5 grep -q "READY=1|STATUS=" "$T/notify.log"
check "WATCHDOG=1 is sent when systemd asks for it" wait_until 5 grep -q "^WATCHDOG=1" "$T/notify.log"

check "our entry is written" auth_is "$CFG" registry.team-a.example:5000 "builder:dir-pw-1111"
check "precedence: team-a/app wins over team-b/app-copy" \
  auth_is "$KUB" registry.team-a.example:5000 "builder:dir-pw-1111"
check "the user's entry stays" auth_is "$CFG" user.example "user:user-pw"
check "a clashing user entry is not overwritten" auth_is "$CFG" tools.example "mine:mine-pw"
check "other top-level keys stay" sh -c "grep -q '\"credsStore\": \"desktop\"' '$CFG' && grep -q X-Meta '$CFG'"
check "the kubelet file gets the entry the user holds elsewhere" auth_is "$KUB" tools.example "builder2:dir-pw-2222"
check "an unlabelled secret does not reach the node" lacks_key "$KUB" private.example
auths_only() { [ "$(json_get "$KUB" 'sorted(d.keys())')" = "['auths']" ]; }
check "the kubelet file has auths only" auths_only
check "a stricter old mode is kept (0640 -> 0600)" sh -c "[ \"\$(stat -c %a '$CFG')\" = 600 ]"
check "a new file is 0600" sh -c "[ \"\$(stat -c %a '$KUB')\" = 600 ]"
check "the state store is 0600" sh -c "[ \"\$(stat -c %a '$T/state/credentials.json')\" = 600 ]"

sock_get "$D_SOCK" /v1/status >"$T/status.json"
conflicts() { json_get "$T/status.json" "[s['conflicts'] for s in d['sinks'] if s['kind']=='docker'][0]"; }
shadowed() { json_get "$T/status.json" "[r['shadowed'][0]['name'] for r in d['registries'] if r['key']=='registry.team-a.example:5000'][0]"; }
check "status shows the conflict" sh -c "[ \"$(conflicts)\" = \"['tools.example']\" ]"
check "status shows the shadowed secret" [ "$(shadowed)" = app-copy ]
check "status answers carry a version" [ -n "$(json_get "$T/status.json" 'd["version"]')" ]

# A change: the file follows.
secret_json team-a app registry.team-a.example:5000 builder 'dir-pw-5555' >"$D/app.json.tmp"
mv "$D/app.json.tmp" "$D/app.json"
check "a changed password reaches the file" wait_until 5 auth_is "$CFG" registry.team-a.example:5000 "builder:dir-pw-5555"

# A broken file keeps its last good secrets and is reported.
printf '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": ' >"$D/tools.json"
sleep 0.5
check "a half-written file keeps its secret" auth_is "$KUB" tools.example "builder2:dir-pw-2222"
status_has() { sock_get "$D_SOCK" /v1/status | grep -q "$1"; }
check "status names the broken file" status_has 'tools.json.*not JSON' 

# A rejected secret: bad auth; the others keep syncing.
$PY - "$D/bad.json" <<'PYEOF'
import base64, json, sys
cfg = json.dumps({"auths": {"bad.example": {"auth": "!!notbase64"}}}, separators=(",", ":"))
json.dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bad", "namespace": "team-a",
           "labels": {"regcred.io/sync": "true"}}, "type": "kubernetes.io/dockerconfigjson",
           "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}, open(sys.argv[1], "w"))
PYEOF
check "a rejected secret shows in status with its lint code" \
  wait_until 5 status_has 'bad-auth' 
check "the rejected secret gives no entry" lacks_key "$KUB" bad.example
check "the others keep syncing" auth_is "$KUB" registry.team-a.example:5000 "builder:dir-pw-5555"

# Removal: our entry goes, the user's stay.
rm "$D/app.json" "$D/copy.json"
check "a removed secret's entry goes" wait_until 5 lacks_key "$CFG" registry.team-a.example:5000
check "the user's entries are untouched" auth_is "$CFG" user.example "user:user-pw"
check "the user's clashing entry is untouched" auth_is "$CFG" tools.example "mine:mine-pw"

# SIGHUP re-reads the configuration and goes on.
kill -HUP "$D_PID"
check "SIGHUP reloads" wait_until 5 grep -q "configuration reloaded" "$T/regcredd.log"
check "and it still answers" wait_until 5 ready
secret_json team-a after-hup hup.example u 'dir-pw-6666' >"$D/hup.json"
check "and still syncs" wait_until 5 auth_is "$KUB" hup.example "u:dir-pw-6666"

# SIGTERM: clean and quick.
start=$(date +%s%N)
kill -TERM "$D_PID"
wait "$D_PID"; rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "SIGTERM exits 0" [ "$rc" = 0 ]
check "SIGTERM stops within a second (${elapsed} ms)" [ "$elapsed" -lt 1000 ]
check "STOPPING=1 is sent" grep -q "STOPPING=1" "$T/notify.log"

# --once: 1 while a secret is rejected, 0 without it.
check "--once exits 1 when a secret is rejected" exits_with 1 "$T/once.log" \
  "$REGCRED_BIN/regcredd" --config /dev/null --once --secrets-dir "$D" --state-dir "$T/state" \
  --kubelet-config "$KUB"
check "--once names the rejected secret" grep -q "team-a/bad" "$T/once.log"
rm "$D/bad.json"
check "--once exits 0 when all is well" "$REGCRED_BIN/regcredd" --config /dev/null --once \
  --secrets-dir "$D" --state-dir "$T/state" --kubelet-config "$KUB" --log-level error 2>/dev/null

# A symlink planted in a user's folder cannot redirect the write.
U=$T/alice
mkdir -p "$U/.docker"
echo '{"precious": true}' >"$T/target.json"
ln -s "$T/target.json" "$U/.docker/config.json"
chown -R 65534:65534 "$U"
set +e
"$REGCRED_BIN/regcredd" --config /dev/null --once --secrets-dir "$D" --state-dir "$T/state" \
  --docker-config "$U/.docker/config.json" >"$T/once2.log" 2>&1; rc=$?
set -e
check "a symlinked config.json is refused (exit 1)" [ "$rc" = 1 ]
check "the refusal says why" grep -q "symlink" "$T/once2.log"
check "the symlink's target is untouched" grep -qx '{"precious": true}' "$T/target.json"
rm "$U/.docker/config.json"
rmdir "$U/.docker"
ln -s "$T/elsewhere" "$U/.docker"
mkdir -p "$T/elsewhere"
set +e
"$REGCRED_BIN/regcredd" --config /dev/null --once --secrets-dir "$D" --state-dir "$T/state" \
  --docker-config "$U/.docker/config.json" >"$T/once3.log" 2>&1; rc=$?
set -e
check "a symlinked ~/.docker in a user's home is refused" [ "$rc" = 1 ]
check "nothing was written through it" [ ! -e "$T/elsewhere/config.json" ]
rm "$U/.docker"
"$REGCRED_BIN/regcredd" --config /dev/null --once --secrets-dir "$D" --state-dir "$T/state" \
  --docker-config "$U/.docker/config.json" >/dev/null 2>&1
check "a missing ~/.docker is made, owned by the home's owner" \
  sh -c "[ \"\$(stat -c %u:%a '$U/.docker')\" = 65534:700 ] && [ \"\$(stat -c %u:%a '$U/.docker/config.json')\" = 65534:600 ]"

# Never a password in a log line.
check "no fixture password in any log" sh -c "! grep -h -E 'dir-pw-|user-pw|mine-pw' '$T'/*.log"
finish
