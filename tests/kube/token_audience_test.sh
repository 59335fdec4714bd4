#!/bin/sh
# packaging/rbac/node-token-audience.yaml on the real API server (Node authorizer,
# NodeRestriction, ServiceAccountNodeAudienceRestriction on by default since 1.33): a kubelet
# may request a token for the audience regcred.io, for a pod bound to its own node, only once
# that RBAC is applied, and for no other audience; the token it gets is what kubelet sends the
# provider, and regcredd --namespace-credentials answers it with that pod's namespace's secrets.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords 'audience-pw-'
credential_files kube/tokens.csv "kube/etcd/*" "token-*" "*.token"

kube_start
kube_client kubelet1 system:node:node-1 system:nodes
kube_client kubelet2 system:node:node-2 system:nodes
for n in node-1 node-2; do printf 'apiVersion: v1\nkind: Node\nmetadata: {name: %s}\n' "$n" | kctl apply -f - >/dev/null; done
kctl create namespace team-a >/dev/null
kctl -n team-a create serviceaccount default >/dev/null
pod() { # name node
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: team-a}\nspec:\n  nodeName: %s\n  serviceAccountName: default\n  containers: [{name: c, image: registry.a.example/app}]\n' "$1" "$2" | kctl apply -f - >/dev/null
}
pod web-0 node-1
pod web-1 node-2
UID0=$(kctl -n team-a get pod web-0 -o jsonpath='{.metadata.uid}')
UID1=$(kctl -n team-a get pod web-1 -o jsonpath='{.metadata.uid}')

token_request() { # kubelet audience pod uid -> the HTTP code; the token in $T/token-<kubelet>
  $PY - "$KUBE_URL" "$K" "$@" "$T" <<'PYEOF'
import json, ssl, sys, urllib.error, urllib.request
url, k, who, aud, pod, uid, t = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=f"{k}/ca.crt")
ctx.load_cert_chain(f"{k}/{who}.crt", f"{k}/{who}.key")
body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"audiences": [aud], "boundObjectRef": {"apiVersion": "v1", "kind": "Pod",
                                                         "name": pod, "uid": uid}}}
req = urllib.request.Request(f"{url}/api/v1/namespaces/team-a/serviceaccounts/default/token",
                             data=json.dumps(body).encode(), method="POST",
                             headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, context=ctx) as r:
        open(f"{t}/token-{who}", "w").write(json.load(r)["status"]["token"])
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
PYEOF
}
code_is() { [ "$(token_request "$2" "$3" "$4" "$5")" = "$1" ]; }

echo "# before the RBAC"
check "a kubelet asking for audience regcred.io: 403" code_is 403 kubelet1 regcred.io web-0 "$UID0"
check "the shipped RBAC applies" kctl apply -f "$REGCRED_SRC/packaging/rbac/node-token-audience.yaml"
echo "# with it"
check "node-1's kubelet gets a regcred.io token for its own pod" code_is 201 kubelet1 regcred.io web-0 "$UID0"
check "  not for another audience" code_is 403 kubelet1 other.example web-0 "$UID0"
check "  not for a pod bound to node-2" code_is 403 kubelet1 regcred.io web-1 "$UID1"

echo "# the real token through the provider"
mkdir -p "$T/secrets"
secret_json team-a pull registry.a.example alice 'audience-pw-1' '{}' >"$T/secrets/a.json"
secret_json team-b pull registry.a.example bob 'audience-pw-2' '{}' >"$T/secrets/b.json"
# A node whose source is a folder verifies tokens with the issuer's keys and issuer as the API
# server publishes them.
kctl get --raw /openid/v1/jwks >"$T/jwks.json"
ISSUER=$(kctl get --raw /.well-known/openid-configuration | $PY -c 'import json,sys; print(json.load(sys.stdin)["issuer"])')
start_regcredd --secrets-dir "$T/secrets" --namespace-credentials \
  --service-account-issuer-keys "$T/jwks.json" --service-account-issuer "$ISSUER"
wait_until 10 ready
TOKEN=$(cat "$T/token-kubelet1")
printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.a.example/app","serviceAccountToken":"%s","serviceAccountAnnotations":{}}' "$TOKEN" |
  "$REGCRED_BIN/regcred-credential-provider" --socket "$D_SOCK" --state-dir "$T/state" >"$T/answer.token" 2>"$T/answer.err" || true
check "the pod's namespace's credential, from the API server's own token" \
  sh -c "$PY -c 'import json,sys; a=json.load(open(sys.argv[1]))[\"auth\"]; sys.exit(0 if [v[\"username\"] for v in a.values()]==[\"alice\"] else 1)' '$T/answer.token'"
# The same token with its payload swapped for team-b's (the signature kept): refused.
FORGED=$($PY "$REGCRED_SRC/tests/integration/sa_token.py" swap "$TOKEN" team-b)
forged_refused() {
  printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"registry.a.example/app","serviceAccountToken":"%s","serviceAccountAnnotations":{}}' "$FORGED" |
    "$REGCRED_BIN/regcred-credential-provider" --socket "$D_SOCK" --state-dir "$T/state" >"$T/answer.forged" 2>"$T/forged.err" && return 1
  [ ! -s "$T/answer.forged" ] && grep -q "does not verify" "$T/forged.err"
}
check "that token with its namespace changed to team-b: refused, no answer" forged_refused
finish
