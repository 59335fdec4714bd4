#!/bin/sh
# Namespace-scoped credentials (KEP-4412) under the publisher, on the real API server: the
# policy's namespaceScoped namespace gets its pull secrets published whole, each copy labelled
# with the namespace it serves; a node in published mode never puts them in its node-wide
# files, and with --namespace-credentials answers that namespace's pods with them (the token is
# the API server's own, for a ServiceAccount of that namespace) and no other namespace's.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords 'scoped-pw-'
credential_files kube/tokens.csv "kube/etcd/*" pub.kubeconfig "token-*" "answer-*"

kube_start
kctl apply -f "$REGCRED_SRC/packaging/rbac/regcred-publisher.yaml" >/dev/null
kctl apply -f "$REGCRED_SRC/packaging/rbac/regcredd-published.yaml" >/dev/null
for ns in team-a team-c; do
  kctl create namespace "$ns" >/dev/null
  kctl -n "$ns" create serviceaccount app >/dev/null
done
printf 'publishers:\n  - namespace: team-a\n    registries: [registry.a.example]\nnamespaceScoped: [team-c]\n' >"$T/policy.yaml"
kctl -n regcred-system create configmap regcred-policy --from-file=policy.yaml="$T/policy.yaml" >/dev/null
pull_secret() { # NS NAME SERVER USER PASSWORD
  kctl -n "$1" create secret docker-registry "$2" --docker-server="$3" --docker-username="$4" \
    --docker-password="$5" --dry-run=client -o yaml |
    kctl label --local -f - regcred.io/sync=true -o yaml | kctl apply -f - >/dev/null
}
pull_secret team-a reg registry.a.example alice scoped-pw-a
pull_secret team-c reg registry.c.example carol scoped-pw-c
TOKEN=$(kctl -n regcred-system create token regcred-publisher --duration 1h)
write_kubeconfig "$T/pub.kubeconfig" "$KUBE_URL" "{token: $TOKEN}" "$K/ca.crt"
"$REGCRED_BIN/regcred-publisher" --kubeconfig "$T/pub.kubeconfig" --identity p --listen "" \
  >>"$T/publisher.log" 2>&1 &
PIDS="$PIDS $!"
serves() { [ "$(kctl -n regcred-system get secret team-c.reg -o jsonpath='{.metadata.labels.regcred\.io/serves-namespace}' 2>/dev/null)" = team-c ]; }
check "team-c's secret is published, serving team-c" wait_until 20 serves
check "team-a's is published node-wide" kctl -n regcred-system get secret team-a.reg

kube_client node1 regcred:node:node-1 regcred:nodes
KUB=$T/kubelet/config.json
start_regcredd --kubeconfig "$K/node1.kubeconfig" --published-namespace regcred-system \
  --kubelet-config "$KUB" --namespace-credentials
check "regcredd is ready" wait_until 30 ready
check "kubelet's node-wide file holds team-a's credential" wait_until 10 auth_is "$KUB" registry.a.example alice:scoped-pw-a
check "  and not team-c's" lacks_key "$KUB" registry.c.example
ask() { # NS IMAGE: the provider's answer for a pod of NS (a real ServiceAccount token)
  kctl -n "$1" create token app --audience regcred.io >"$T/token-$1"
  printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s","serviceAccountToken":"%s","serviceAccountAnnotations":{}}' \
    "$2" "$(cat "$T/token-$1")" |
    "$REGCRED_BIN/regcred-credential-provider" --socket "$D_SOCK" --state-dir "$T/state" >"$T/answer-$1.json" 2>"$T/answer-$1.err" || true
}
users() { $PY -c 'import json,sys; a=json.load(open(sys.argv[1])).get("auth") or {}; print(",".join(sorted(v["username"] for v in a.values())))' "$1"; }
ask team-c registry.c.example/app:v1
check "a team-c pod gets team-c's credential ($(users "$T/answer-team-c.json"))" test "$(users "$T/answer-team-c.json")" = carol
ask team-a registry.c.example/app:v1
check "a team-a pod does not ($(users "$T/answer-team-a.json"))" test -z "$(users "$T/answer-team-a.json")"
# A member of the socket's group with team-a's token, its namespace changed to team-c, or with
# a token for the API server's audience: regcredd verifies with the keys it fetched from the
# API server (/openid/v1/jwks) and answers neither.
ask_with() { # NAME TOKEN IMAGE
  printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s","serviceAccountToken":"%s","serviceAccountAnnotations":{}}' \
    "$3" "$2" |
    "$REGCRED_BIN/regcred-credential-provider" --socket "$D_SOCK" --state-dir "$T/state" >"$T/answer-$1.json" 2>"$T/answer-$1.err" || true
}
ask_with forged "$($PY "$REGCRED_SRC/tests/integration/sa_token.py" swap "$(cat "$T/token-team-a")" team-c)" registry.c.example/app:v1
check "team-a's token changed to team-c: no credential ($(head -c 200 "$T/answer-forged.err"))" \
  sh -c "[ ! -s '$T/answer-forged.json' ] && grep -q 'does not verify' '$T/answer-forged.err'"
kctl -n team-c create token app >"$T/token-api-audience"
ask_with audience "$(cat "$T/token-api-audience")" registry.c.example/app:v1
check "team-c's token for the API server's audience: no credential" \
  sh -c "[ ! -s '$T/answer-audience.json' ] && grep -q 'aud' '$T/answer-audience.err'"
finish
