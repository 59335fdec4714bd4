#!/bin/sh
# Published mode on the real API server: the identity packaging/rbac/regcredd-published.yaml
# grants reads the secrets of the publish namespace and gets 403 on every other namespace's;
# regcredd --published-namespace reads only what carries regcred.io/published=true there, with
# no request outside it (the audit log). packaging/rbac/node-condition-policy.yaml lets that
# identity change its own node's RegistryCredentialsReady condition and nothing else. The
# published secrets are made here by hand, standing in for regcred-publisher. A Kubernetes
# source without a mode is refused.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords 'pub-pw-'
credential_files kube/tokens.csv "kube/etcd/*"

kube_start
check "the shipped published-mode RBAC applies" kctl apply -f "$REGCRED_SRC/packaging/rbac/regcredd-published.yaml"
kube_client node1 regcred:node:node-1 regcred:nodes
NODE_KC=$K/node1.kubeconfig
nkctl() { "$KBIN/kubectl" --kubeconfig "$NODE_KC" "$@"; }
kctl create namespace team-a >/dev/null

echo "# the node identity as shipped"
check "it may list the secrets of regcred-system" nkctl get secrets -n regcred-system
forbidden() { ! nkctl "$@" >"$T/forbidden.out" 2>&1 && grep -qi forbidden "$T/forbidden.out"; }
check "team-a's secrets: 403" forbidden get secrets -n team-a
check "every namespace's secrets: 403" forbidden get secrets -A
check "a secret of team-a by name: 403" forbidden get secret anything -n team-a
check "configmaps of regcred-system: 403" forbidden get configmaps -n regcred-system
check "creating a secret in regcred-system: 403" forbidden create secret generic x -n regcred-system --from-literal=a=b

echo "# what regcredd reads"
kctl -n regcred-system create secret docker-registry team-a.app --docker-server=registry.a.example \
  --docker-username=builder --docker-password=pub-pw-1 >/dev/null
kctl -n regcred-system label secret team-a.app regcred.io/published=true >/dev/null
kctl -n regcred-system annotate secret team-a.app regcred.io/origin=team-a/app >/dev/null
kctl -n regcred-system create secret docker-registry unpublished --docker-server=unpublished.example \
  --docker-username=u --docker-password=pub-pw-2 >/dev/null
kctl -n team-a create secret docker-registry tenant --docker-server=tenant.example \
  --docker-username=t --docker-password=pub-pw-3 >/dev/null
kctl -n team-a label secret tenant regcred.io/sync=true >/dev/null
for n in node-1 node-2; do printf 'apiVersion: v1\nkind: Node\nmetadata: {name: %s}\n' "$n" | kctl apply -f - >/dev/null; done

echo "# node conditions under the shipped admission policy"
check "the admission policy applies" kctl apply -f "$REGCRED_SRC/packaging/rbac/node-condition-policy.yaml"
patch_status() { # node condition-type: as node-1's identity, as regcredd patches; refused?
  curl -s --cacert "$K/ca.crt" --cert "$K/node1.crt" --key "$K/node1.key" -X PATCH \
    -H 'Content-Type: application/strategic-merge-patch+json' \
    -d "{\"status\":{\"conditions\":[{\"type\":\"$2\",\"status\":\"False\",\"reason\":\"Forged\",\"message\":\"x\"}]}}" \
    "$KUBE_URL/api/v1/nodes/$1/status" >"$T/patch.out"
  grep -q '"code": *422\|"code":422\|"code": *403\|"code":403' "$T/patch.out"
}
denied_other() { patch_status node-2 RegistryCredentialsReady && grep -q "only its own node" "$T/patch.out"; }
check "node-1's identity patching node-2's condition: denied" wait_until 20 denied_other
denied_ready() { patch_status node-1 Ready && grep -q "only the RegistryCredentialsReady" "$T/patch.out"; }
check "node-1's identity changing its own Ready condition: denied" denied_ready
KUB=$T/kubelet/config.json
start_regcredd --kubeconfig "$NODE_KC" --published-namespace regcred-system --kubelet-config "$KUB" \
  --node-name node-1 --node-conditions
check "regcredd is ready" wait_until 30 ready
condition_is() {
  [ "$(kctl get node node-1 -o jsonpath='{.status.conditions[?(@.type=="RegistryCredentialsReady")].status}')" = "$1" ]
}
check "regcredd's own condition on node-1 passes the policy" wait_until 15 condition_is True
check "the published secret reaches kubelet's file" wait_until 10 auth_is "$KUB" registry.a.example builder:pub-pw-1
check "  one in regcred-system without the published label does not" lacks_key "$KUB" unpublished.example
check "  a tenant's labelled secret does not" lacks_key "$KUB" tenant.example
kctl -n regcred-system delete secret team-a.app >/dev/null
check "an unpublished secret leaves the file" wait_until 10 lacks_key "$KUB" registry.a.example
kube_requests regcred:node:node-1 >"$T/requests.txt"
check "every request for secrets was for regcred-system's published ones, none refused" \
  pycheck requests_within "$T/requests.txt" secrets /api/v1/namespaces/regcred-system/secrets \
  regcred.io/published=true
check "  one stream: the publisher publishes kubernetes.io/dockerconfigjson only" \
  sh -c "grep -q dockerconfigjson '$T/requests.txt' && ! grep -q 'dockercfg' '$T/requests.txt'"
stop_pid "$D_PID"

echo "# direct mode as this identity, and no mode at all"
exits_with 1 "$T/direct.out" "$REGCRED_BIN/regcredd" --config /dev/null --once --ready-timeout 5s \
  --kubeconfig "$NODE_KC" --all-namespaces --state-dir "$T/state-direct" --kubelet-config "$T/direct/config.json" &&
  ok "--all-namespaces with the published-mode identity: exit 1" || not_ok "--all-namespaces with the published-mode identity: exit 1"
check "  the API server said 403" grep -q "HTTP 403" "$T/direct.out"
check "a Kubernetes source without a mode: exit 2, naming the three" \
  exits_with 2 "$T/nomode.out" "$REGCRED_BIN/regcredd" --config /dev/null --check-config --kubeconfig "$NODE_KC"
check "  the message" grep -q -- "--published-namespace NS .*--namespace NS or --all-namespaces" "$T/nomode.out"
finish
