#!/bin/sh
# The state folder (what the helpers answer from while regcredd is down) follows the store at a
# size where regcredd copies it in slices, 1,000 entries per turn of its loop: 2,500 secrets,
# then changes at the start, middle and end of the key order and a removal while it runs, then
# the helper with the daemon stopped.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'state-pw-'

D=$T/secrets
mkdir -p "$D" "$T/kubelet"
N=2500
# One Secret manifest per registry rNNNN.example, password state-pw-N-a.
$PY - "$D" "$N" <<'PYEOF'
import base64, json, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    reg, user, pw = f"r{i:04d}.example", f"u{i}", f"state-pw-{i}-a"
    auth = base64.b64encode(f"{user}:{pw}".encode()).decode()
    cfg = json.dumps({"auths": {reg: {"username": user, "password": pw, "auth": auth}}},
                     separators=(",", ":"))
    json.dump({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": f"s{i:04d}", "namespace": "ns",
                            "labels": {"regcred.io/sync": "true"}},
               "type": "kubernetes.io/dockerconfigjson",
               "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}},
              open(f"{d}/s{i:04d}.json", "w"))
PYEOF
KUB=$T/kubelet/config.json
start_regcredd --secrets-dir "$D" --kubelet-config "$KUB"

# state_is N [KEY=USER:PASSWORD | KEY=-]...: credentials.json holds N entries, with these.
state_is() {
  $PY - "$T/state/credentials.json" "$@" <<'PYEOF'
import base64, json, sys
path, n, *want = sys.argv[1:]
auths = json.load(open(path))["auths"]
if len(auths) != int(n):
    sys.exit(1)
for w in want:
    key, cred = w.split("=", 1)
    if cred == "-":
        if key in auths:
            sys.exit(1)
    elif key not in auths or base64.b64decode(auths[key]["auth"]).decode() != cred:
        sys.exit(1)
PYEOF
}
check "the state folder holds all $N registries after the first sync" \
  wait_until 30 state_is "$N" "r0000.example=u0:state-pw-0-a" "r2499.example=u2499:state-pw-2499-a"
node_entries() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["auths"]))' "$KUB"; }
check "and matches the node file" [ "$(node_entries)" = "$N" ]

# Changes across the key order while it runs, and a removal.
secret_change() { # index password
  secret_json ns "s$1" "r$1.example" "u$(echo "$1" | sed 's/^0*//; s/^$/0/')" "$2" >"$D/s$1.json.tmp"
  mv "$D/s$1.json.tmp" "$D/s$1.json"
}
secret_change 0000 'state-pw-0-b'
secret_change 1250 'state-pw-1250-b'
secret_change 2499 'state-pw-2499-b'
rm "$D/s1999.json"
check "the state folder follows: three changed, one gone" \
  wait_until 30 state_is $((N - 1)) "r0000.example=u0:state-pw-0-b" \
  "r1250.example=u1250:state-pw-1250-b" "r2499.example=u2499:state-pw-2499-b" "r1999.example=-" \
  "r0001.example=u1:state-pw-1-a"
check "the node file too" [ "$(auth_of "$KUB" r1250.example)" = u1250:state-pw-1250-b ]

# With the daemon stopped, the helper answers from the state folder.
kill -TERM "$D_PID"
wait "$D_PID" 2>/dev/null || true
helper_get() { # registry -> "user:password"
  printf '%s' "$1" | REGCRED_STATE_DIR=$T/state REGCRED_SOCKET=$T/none.sock \
    "$REGCRED_BIN/docker-credential-regcred" get |
    $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["Username"] + ":" + d["Secret"])'
}
check "daemon down: the helper answers a changed registry from the state folder" \
  [ "$(helper_get r2499.example)" = u2499:state-pw-2499-b ]
finish
