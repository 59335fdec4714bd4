#!/bin/sh
# kubelet's exec credential provider client (k8s.io/kubernetes/pkg/credentialprovider/plugin)
# as the oracle for regcred-credential-provider: kubelet registers the shipped
# CredentialProviderConfigs (its own validation), runs the provider as it runs plugins (request
# encoding, response decoding and validation, cacheKeyType, cacheDuration), for v1 and v1beta1,
# over the generated configs of cases.py, and in service account token mode against regcredd.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords # the generated configs hold one made-up password, "pw"

# The release build's provider when make test built it (the same code; a few thousand starts
# of the sanitizer build take minutes).
P=$REGCRED_SRC/build/bin/regcred-credential-provider
[ -x "$P" ] || P=$REGCRED_BIN/regcred-credential-provider
ORACLE=$REGCRED_SRC/tests/kube/provider_oracle.py
KC=$REGCRED_SRC/packaging/kubelet

echo "# from a docker config, v1 and v1beta1"
check "kubelet gets through the provider what its keyring gets from the file, cached as answered" \
  sh -c "$PY '$ORACLE' files '$P' '$KBIN/provider-oracle' '$KC/credential-provider-config.yaml' '$T/files' >'$T/files.txt' 2>&1"
tail -2 "$T/files.txt"
grep "^not ok" "$T/files.txt" | head -20 || true

echo "# service account token mode, regcredd answering per namespace"
$PY "$ORACLE" secrets "$T/secrets"
# kubelet's tokens are signed with the issuer's key; regcredd verifies them with its JWKS.
$PY "$REGCRED_SRC/tests/integration/sa_token.py" keys "$T/sa"
start_regcredd --secrets-dir "$T/secrets" --namespace-credentials \
  --service-account-issuer-keys "$T/sa/jwks.json"
wait_until 10 ready
check "each pod gets its namespace's keys, static pods the node-wide ones, never from another's cache" \
  sh -c "$PY '$ORACLE' tokens '$P' '$KBIN/provider-oracle' '$KC/credential-provider-config-namespaced.yaml' '$T/tokens' '$D_SOCK' '$T/state' --signing-key '$T/sa/rsa.pem' >'$T/tokens.txt' 2>&1"
tail -2 "$T/tokens.txt"
grep "^not ok" "$T/tokens.txt" | head -20 || true
finish
