#!/bin/sh
# A tenant's wrong credential for a public registry, on the real API server with the real
# docker-registry and skopeo. The registry stands for Docker Hub: token auth (the token server
# grants anonymous pulls of a public repository and answers a wrong password with 401, so a
# client holding the wrong credential fails and does not fall back to anonymous, as kubelet
# does not). A tenant labels a pull secret with a wrong password for it.
#   Direct mode (regcredd --all-namespaces): the wrong password lands in kubelet's file and
#   skopeo with that file as its authfile fails: the attack works.
#   Published mode (regcred-publisher with a policy that does not give the tenant that
#   registry): nothing is published, the node's file has no entry for it, and skopeo with it
#   pulls anonymously and succeeds.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
require_tools docker-registry skopeo
fixture_passwords 'pubpull-pw-'
credential_files kube/tokens.csv "kube/etcd/*" users.json

make_pki
cat >"$T/users.json" <<'USERS'
{"": {"access": {"library/tiny": ["pull"]}},
 "pusher": {"password": "pubpull-pw-push", "access": {"library/tiny": ["pull", "push"]}}}
USERS
$PY "$REGCRED_SRC/tests/fakes/token_server.py" --port-file "$T/token.port" --cert "$T/pki/server.crt" \
  --key "$T/pki/server.key" --signing-out "$T/pki/token" --users "$T/users.json" 2>>"$T/token.log" &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/token.port"
HUB_PORT=$(free_port)
HUB=127.0.0.1:$HUB_PORT
cat >"$T/hub.yml" <<HUBEOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/hub-data}}
http: {addr: $HUB, secret: s, tls: {certificate: $T/pki/server.crt, key: $T/pki/server.key}}
auth:
  token: {realm: "https://127.0.0.1:$(cat "$T/token.port")/token", service: hub, issuer: regcred-test-issuer, rootcertbundle: $T/pki/token.crt}
HUBEOF
docker-registry serve "$T/hub.yml" >>"$T/hub.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/pki/ca.crt' https://$HUB/v2/)\" = 401 ]"
sh "$REGCRED_SRC/tests/integration/mkoci.sh" "$T/oci" v1
skopeo copy --quiet --dest-cert-dir "$T/pki/certs.d" --dest-creds 'pusher:pubpull-pw-push' \
  "oci:$T/oci:v1" "docker://$HUB/library/tiny:v1" >"$T/push.log" 2>&1 || { cat "$T/push.log"; exit 1; }
pull_with() { # AUTHFILE: skopeo as a client holding the node's file
  skopeo inspect --raw --cert-dir "$T/pki/certs.d" --authfile "$1" "docker://$HUB/library/tiny:v1" >"$T/pull.out" 2>&1
}
echo '{}' >"$T/empty.json"
check "the public image pulls anonymously" pull_with "$T/empty.json"

kube_start
kctl create namespace tenant >/dev/null
kctl apply -f "$REGCRED_SRC/packaging/rbac/regcredd-published.yaml" >/dev/null
kctl apply -f "$REGCRED_SRC/packaging/rbac/regcred-publisher.yaml" >/dev/null
printf 'publishers:\n  - namespace: tenant\n    registries: [registry.tenant.example]\n' >"$T/policy.yaml"
kctl -n regcred-system create configmap regcred-policy --from-file=policy.yaml="$T/policy.yaml" >/dev/null
kctl -n tenant create secret docker-registry hub --docker-server="$HUB" --docker-username=tenant \
  --docker-password=pubpull-pw-wrong --dry-run=client -o yaml |
  kctl label --local -f - regcred.io/sync=true -o yaml | kctl apply -f - >/dev/null

echo "# direct mode: the tenant's credential reaches the node"
DIRECT=$T/direct/config.json
start_regcredd --kubeconfig "$KUBECONFIG_ADMIN" --all-namespaces --kubelet-config "$DIRECT"
check "regcredd (direct) is ready" wait_until 30 ready
check "  kubelet's file holds the tenant's entry for the registry" has_key "$DIRECT" "$HUB"
pull_fails() { ! pull_with "$1"; }
check "  and a pull with that file fails: no fallback to anonymous" pull_fails "$DIRECT"
check "  (401 from the token server)" grep -qi "unauthorized\|401" "$T/pull.out"
stop_pid "$D_PID"

echo "# published mode: the policy keeps it off nodes"
TOKEN=$(kctl -n regcred-system create token regcred-publisher --duration 1h)
write_kubeconfig "$T/pub.kubeconfig" "$KUBE_URL" "{token: $TOKEN}" "$K/ca.crt"
"$REGCRED_BIN/regcred-publisher" --kubeconfig "$T/pub.kubeconfig" --identity p --listen "" \
  >>"$T/publisher.log" 2>&1 &
PIDS="$PIDS $!"
event_on_hub() {
  kctl -n tenant get events --field-selector involvedObject.name=hub -o jsonpath='{.items[*].message}' |
    grep -q "no registries entry of namespace tenant covers $HUB"
}
check "the publisher refuses it with an Event" wait_until 20 event_on_hub
# The admin's own secret for another registry: the node's file exists and holds something.
kctl -n regcred-system create secret docker-registry mirror --docker-server=mirror.example \
  --docker-username=admin --docker-password=pubpull-pw-mirror --dry-run=client -o yaml |
  kctl label --local -f - regcred.io/sync=true -o yaml | kctl apply -f - >/dev/null
mirror_published() { kctl -n regcred-system get secret regcred-system.mirror >/dev/null 2>&1; }
check "the admin's own secret is published" wait_until 20 mirror_published
kube_client node1 regcred:node:node-1 regcred:nodes
PUBLISHED=$T/published/config.json
D_SOCK=$T/published.sock
"$REGCRED_BIN/regcredd" --config /dev/null --state-dir "$T/state2" --socket "$D_SOCK" --log-level debug \
  --kubeconfig "$K/node1.kubeconfig" --published-namespace regcred-system --kubelet-config "$PUBLISHED" \
  >>"$T/regcredd2.log" 2>&1 &
PIDS="$PIDS $!"
check "regcredd (published) is ready" wait_until 30 ready
check "  kubelet's file holds the admin's entry" wait_until 10 has_key "$PUBLISHED" mirror.example
check "  and no entry for the registry" lacks_key "$PUBLISHED" "$HUB"
check "  and a pull with that file succeeds, anonymously" pull_with "$PUBLISHED"
finish
