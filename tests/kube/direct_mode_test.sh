#!/bin/sh
# regcredd against a real kube-apiserver (make kube) with RBAC: secrets made and changed with
# kubectl (the pitfalls too: a pretty-printed .dockerconfigjson, a .dockercfg secret), the
# identity packaging/rbac/regcredd-direct.yaml ships (reads secrets, a 403 elsewhere), lists and
# watches as client-go makes them (the first list from the watch cache, pages, bookmarks), the
# watch resumed across a restart of kube-apiserver, the real 410s (from the watch cache after a
# restart, from etcd after a compaction) and the relist after them, and the node condition
# through the real admission chain. The requests are read from the API server's audit log.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords 'real-pw-'
credential_files kube/tokens.csv "kube/etcd/*" ctl-secret.yaml

kube_start
PINNED=$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$REGCRED_SRC/tests/kube/go.mod")
server_is_pinned() { kctl version -o json | grep -q "\"gitVersion\": \"$PINNED\""; }
check "kube-apiserver answers as the pinned release ($PINNED)" server_is_pinned
check "the shipped RBAC applies" kctl apply -f "$REGCRED_SRC/packaging/rbac/regcredd-direct.yaml"
kube_client node1 regcred-node-1 regcred:nodes
NODE_KC=$K/node1.kubeconfig
nkctl() { "$KBIN/kubectl" --kubeconfig "$NODE_KC" "$@"; }

echo "# the node identity as shipped"
check "it may list secrets" nkctl get secrets -n default
nkctl get configmaps -A >"$T/cm.out" 2>&1 || true
check "configmaps: 403 Forbidden" grep -q "Forbidden" "$T/cm.out"
nkctl get pods -A >"$T/pods.out" 2>&1 || true
check "pods: 403 Forbidden" grep -q "Forbidden" "$T/pods.out"
nkctl create secret generic x --from-literal=a=b >"$T/create.out" 2>&1 || true
check "creating a secret: forbidden" grep -qi "forbidden" "$T/create.out"

kctl create namespace team-a >/dev/null
kctl -n team-a create secret docker-registry app --docker-server=registry.a.example:5000 \
  --docker-username=builder --docker-password=real-pw-1111 >/dev/null
kctl -n team-a label secret app regcred.io/sync=true >/dev/null
# A pretty-printed .dockerconfigjson (echo '{...}' | base64 of a formatted file) and a legacy
# .dockercfg secret, as a user would apply them.
PRETTY=$(printf '{\n  "auths": {\n    "pretty.example": {\n      "auth": "%s"\n    }\n  }\n}\n' \
  "$(printf 'pp:real-pw-2222' | base64)" | base64 -w0)
LEGACY=$(printf '{"legacy.example":{"auth":"%s"}}' "$(printf 'old:real-pw-3333' | base64)" | base64 -w0)
cat >"$T/secrets.yaml" <<YEOF
apiVersion: v1
kind: Secret
metadata: {name: pretty, namespace: team-a, labels: {regcred.io/sync: "true"}}
type: kubernetes.io/dockerconfigjson
data: {.dockerconfigjson: $PRETTY}
---
apiVersion: v1
kind: Secret
metadata: {name: legacy, namespace: team-a, labels: {regcred.io/sync: "true"}}
type: kubernetes.io/dockercfg
data: {.dockercfg: $LEGACY}
YEOF
check "kubectl applies the pitfalls" kctl apply -f "$T/secrets.yaml"
# What the server's selectors keep out: a pull secret without the opt-in label (labelSelector),
# and a labelled Opaque secret (fieldSelector type=).
kctl -n team-a create secret docker-registry unlabelled --docker-server=unlabelled.example \
  --docker-username=u --docker-password=real-pw-4444 >/dev/null
kctl -n team-a create secret generic opaque --from-literal=.dockerconfigjson='{"auths":{}}' >/dev/null
kctl -n team-a label secret opaque regcred.io/sync=true >/dev/null
# More secrets than one list page holds (regcredd asks for 500 at a time): the watch cache
# answers in one page, etcd in pages with continue tokens.
kctl create namespace team-b >/dev/null
$PY - "$T/many.json" <<'PYEOF'
import base64, json, sys
items = []
for i in range(520):
    reg = f"r{i}.team-b.example"
    auth = base64.b64encode(f"u{i}:real-pw-{i:04d}".encode()).decode()
    cfg = json.dumps({"auths": {reg: {"auth": auth}}}, separators=(",", ":"))
    items.append({"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": f"s{i}", "namespace": "team-b",
                               "labels": {"regcred.io/sync": "true"}},
                  "type": "kubernetes.io/dockerconfigjson",
                  "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(sys.argv[1], "w"))
PYEOF
credential_files many.json
check "kubectl creates 520 more" sh -c "'$KBIN/kubectl' --kubeconfig '$KUBECONFIG_ADMIN' create -f '$T/many.json' >/dev/null"

# The node whose condition regcredd reports (kubelet would have registered it).
printf 'apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n' | kctl apply -f - >/dev/null
KUB=$T/kubelet/config.json
# Watches of 6 to 11 s: the API server sends a bookmark 2 s before each one ends.
export REGCRED_WATCH_TIMEOUT_S=6
start_regcredd --kubeconfig "$NODE_KC" --namespace team-a --namespace team-b --kubelet-config "$KUB" \
  --node-name node-1 \
  --node-conditions
check "regcredd is ready against kube-apiserver" wait_until 30 ready
check "kubectl's secret reaches kubelet's file" wait_until 10 auth_is "$KUB" registry.a.example:5000 builder:real-pw-1111
check "the pretty-printed one too" auth_is "$KUB" pretty.example pp:real-pw-2222
check "and the .dockercfg one" auth_is "$KUB" legacy.example old:real-pw-3333
check "the unlabelled one does not" lacks_key "$KUB" unlabelled.example
check "all 520 of team-b (one list: the watch cache does not page)" auth_is "$KUB" r519.team-b.example u519:real-pw-0519
check "  the first one too" auth_is "$KUB" r0.team-b.example u0:real-pw-0000

echo "# lists and watches as client-go makes them"
kube_requests regcred-node-1 >"$T/requests.txt"
check "each stream's first list asked the watch cache (resourceVersion=0)" \
  pycheck lists_ask "$T/requests.txt" 1 0 4
check "no list went to etcd" pycheck no_list_from_etcd "$T/requests.txt" 1
kctl create namespace team-c >/dev/null
kctl -n team-c create secret generic elsewhere --from-literal=a=b >/dev/null
RV=$(kctl -n team-c get secret elsewhere -o jsonpath='{.metadata.resourceVersion}')
SINCE=$(($(wc -l <"$T/requests.txt") + 1))
resumed_past() {
  kube_requests regcred-node-1 >"$T/requests.txt"
  pycheck watch_resumed_at_bookmark "$T/requests.txt" "$SINCE" "$RV" 2>/dev/null
}
check "a bookmark moves the watches past a change they do not select ($RV)" wait_until 30 resumed_past
sock_get "$D_SOCK" /v1/status >"$T/status.json"
check "  and status counts it" sh -c "grep -q '\"bookmarks\":[1-9]' '$T/status.json'"

check "status names the pretty-printed secret not-compact" grep -q "not-compact" "$T/status.json"
check "the Opaque secret never reached the store" sh -c "! grep -q 'team-a/opaque' '$T/status.json'"

kctl -n team-a delete secret app >/dev/null
kctl -n team-a create secret docker-registry app --docker-server=registry.a.example:5000 \
  --docker-username=builder --docker-password=real-pw-1112 >/dev/null
kctl -n team-a label secret app regcred.io/sync=true >/dev/null
check "a rotated password follows through the watch" wait_until 10 auth_is "$KUB" registry.a.example:5000 builder:real-pw-1112

echo "# regcredctl's secret, applied with kubectl"
printf 'real-pw-5555' | "$REGCRED_BIN/regcredctl" secret create made-by-ctl -n team-a \
  --docker-server ctl.example --docker-username ctl --docker-password-stdin -o yaml >"$T/ctl-secret.yaml"
check "kubectl applies what regcredctl secret create printed" kctl apply -f "$T/ctl-secret.yaml"
kctl -n team-a label secret made-by-ctl regcred.io/sync=true >/dev/null
check "  it reaches kubelet's file" wait_until 10 auth_is "$KUB" ctl.example ctl:real-pw-5555
"$REGCRED_BIN/regcredctl" --socket "$D_SOCK" status -o json >"$T/ctl-status.json"
check "  regcredctl status shows it synced from the real server" grep -q "team-a/made-by-ctl" "$T/ctl-status.json"

echo "# the node condition and its events, through the real admission chain"
condition() {
  kctl get node node-1 -o jsonpath='{.status.conditions[?(@.type=="RegistryCredentialsReady")].status} {.status.conditions[?(@.type=="RegistryCredentialsReady")].reason}'
}
condition_is() { [ "$(condition)" = "$1" ]; }
check "node-1 has RegistryCredentialsReady True, CredentialsSynced" wait_until 15 condition_is "True CredentialsSynced"
event_posted() { kctl get events -n default --field-selector involvedObject.name=node-1,reason=CredentialsSynced -o name | grep -q .; }
check "an Event for the transition, on node-1" wait_until 10 event_posted

echo "# kube-apiserver restarted"
kube_restart
kctl -n team-a delete secret legacy >/dev/null
check "the watch resumes: a deletion after the restart reaches the file" wait_until 30 lacks_key "$KUB" legacy.example
check "  and the rest stays" auth_is "$KUB" registry.a.example:5000 builder:real-pw-1112

echo "# a 410 from the watch cache: regcredd away while kube-apiserver restarts"
kill -STOP "$D_PID"
kctl -n team-a delete secret pretty >/dev/null
kube_restart
kube_requests regcred-node-1 >"$T/requests.txt"
SINCE=$(($(wc -l <"$T/requests.txt") + 1))
kill -CONT "$D_PID"
check "the deletion made while it was away reaches the file" wait_until 30 lacks_key "$KUB" pretty.example
check "the server said 410: too old resource version" grep -q "too old resource version" "$T/regcredd.log"
# Each stream relists once its watch meets the 410 (a stream may first meet the 429 of a watch
# cache still initialising, and back off).
relisted_all() {
  kube_requests regcred-node-1 >"$T/requests.txt"
  pycheck lists_ask "$T/requests.txt" "$SINCE" synced 4 2>"$T/relisted.err"
}
check "each stream relisted once, at the version it had synced (the watch cache)" \
  wait_until 30 relisted_all
cat "$T/relisted.err"
check "  none from etcd" pycheck no_list_from_etcd "$T/requests.txt" "$SINCE"

echo "# a 410 from etcd after a compaction (no watch cache for secrets)"
kill -STOP "$D_PID"
kctl -n team-a delete secret app >/dev/null
etcd_metric() { curl -s "http://127.0.0.1:$ETCD_PORT/metrics" | awk -v m="$1" '$1 == m {print int($2)}'; }
AFTER_DELETE=$(etcd_metric etcd_debugging_mvcc_current_revision)
KUBE_APISERVER_ARGS="--watch-cache-sizes=secrets#0 --etcd-compaction-interval=1s" kube_restart
# The versions regcredd watched from are gone from etcd once it has compacted past the deletion.
compacted() { [ "$(etcd_metric etcd_debugging_mvcc_compact_revision)" -ge "$AFTER_DELETE" ]; }
check "etcd compacted past the deletion (revision $AFTER_DELETE)" wait_until 30 compacted
kill -CONT "$D_PID"
check "the deletion reaches the file" wait_until 30 lacks_key "$KUB" registry.a.example:5000
check "etcd said the version is compacted (410)" \
  wait_until 30 grep -q "resourceVersion for the provided watch is too old" "$T/regcredd.log"
check "  and the rest stays" auth_is "$KUB" r519.team-b.example u519:real-pw-0519

echo "# pages with continue tokens: etcd answers a list (no watch cache) 500 at a time"
"$REGCRED_BIN/regcredd" --config /dev/null --once --kubeconfig "$NODE_KC" --namespace team-b \
  --kubelet-config "$T/once/config.json" --state-dir "$T/state-once" >"$T/once.log" 2>&1
check "regcredd --once has all 520, the last page's" auth_is "$T/once/config.json" r519.team-b.example u519:real-pw-0519
check "  and the first page's" auth_is "$T/once/config.json" r0.team-b.example u0:real-pw-0000
kube_requests regcred-node-1 >"$T/requests.txt"
check "  over two pages: the second asked with the first one's continue token" \
  grep -q "^list 200 /api/v1/namespaces/team-b/secrets?continue=" "$T/requests.txt"

finish
