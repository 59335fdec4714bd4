#!/bin/sh
# regcred-credential-provider as kubelet runs it: the request on stdin, the response on stdout.
# - golden files (tests/data/provider): v1, v1beta1, v1alpha1, every key kind, Go escaping,
#   byte for byte, from --docker-config, from regcredd over its socket, and from the state
#   folder with regcredd stopped;
# - an unknown apiVersion or kind: exit 1, one line on stderr, nothing on stdout;
# - kubelet's keyring vectors through the binary;
# - namespace-scoped mode with crafted service account tokens.
set -eu
. "$(dirname "$0")/lib.sh"
fixture_passwords 'ns-a-pw' 'ns-b-pw' 'node-pw-7171' 'hub-pw'
credential_files '*.daemon.out' '*.file.out' '*.state.out' 'keyring-*.json' # the provider's answers: credentials by design
P="$REGCRED_BIN/regcred-credential-provider"
G="$REGCRED_SRC/tests/data/provider"

golden() { # mode args...: every request's answer equals its golden response
  mode=$1; shift
  for req in "$G"/*.request.json; do
    name=$(basename "$req" .request.json)
    if "$P" "$@" <"$req" >"$T/$name.$mode.out" 2>"$T/$name.$mode.err" &&
      cmp -s "$T/$name.$mode.out" "$G/$name.response.json" && [ ! -s "$T/$name.$mode.err" ]; then
      ok "[$mode] $name: the golden response, byte for byte"
    else
      not_ok "[$mode] $name: differs from the golden response"
      diff "$G/$name.response.json" "$T/$name.$mode.out" || cat "$T/$name.$mode.err"
    fi
  done
}

echo "# from a docker config file"
golden file --docker-config "$G/config.json"

refused() { # description request expected-stderr-substring
  set +e
  printf '%s' "$2" | "$P" --docker-config "$G/config.json" >"$T/r.out" 2>"$T/r.err"
  rc=$?
  set -e
  if [ "$rc" = 1 ] && [ ! -s "$T/r.out" ] && [ "$(wc -l <"$T/r.err")" = 1 ] && grep -q "$3" "$T/r.err"; then
    ok "$1"
  else
    not_ok "$1 (exit $rc, stdout $(wc -c <"$T/r.out") bytes, stderr: $(cat "$T/r.err"))"
  fi
}
refused "unknown apiVersion: exit 1, one stderr line naming it" \
  '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v2","image":"a/b"}' \
  'apiVersion "credentialprovider.kubelet.k8s.io/v2" is not supported'
refused "unknown kind: exit 1, one stderr line naming it" \
  '{"kind":"ImageReview","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"a/b"}' \
  'kind "ImageReview" is not supported'
refused "not JSON: exit 1, one stderr line" 'image: nginx' 'not JSON'
refused "no image: exit 1, one stderr line" \
  '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1"}' 'image: missing'

echo "# kubelet's keyring vectors"
if $PY "$REGCRED_SRC/tests/integration/provider_vectors.py" "$P" "$REGCRED_SRC/tests/data/keyring-vectors.json" "$T" >"$T/vectors.log"; then
  ok "keyring vectors through the binary ($(tail -1 "$T/vectors.log"))"
else
  not_ok "keyring vectors through the binary"; grep -v '^ok' "$T/vectors.log"
fi

echo "# from regcredd, over the socket and from its state folder"
# The same credentials as the golden config, as Secrets regcredd syncs.
mkdir -p "$T/secrets"
$PY - "$G/config.json" "$T/secrets/golden.json" <<'PYEOF'
import base64, json, sys
cfg = json.load(open(sys.argv[1]))
s = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
     "metadata": {"namespace": "ci", "name": "golden", "labels": {"regcred.io/sync": "true"}},
     "data": {".dockerconfigjson": base64.b64encode(json.dumps(cfg, separators=(",", ":")).encode()).decode()}}
json.dump(s, open(sys.argv[2], "w"))
PYEOF
start_regcredd --secrets-dir "$T/secrets"
wait_until 10 ready
golden daemon --socket "$D_SOCK" --state-dir "$T/state"
check "the daemon answered them" grep -q "provider answered" "$T/regcredd.log"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
golden state --socket "$D_SOCK" --state-dir "$T/state"

echo "# namespace-scoped credentials (KEP-4412 service account tokens)"
rm -f "$T/secrets/golden.json"
secret_json team-a regcred-a "registry.example.com" alice 'ns-a-pw-5151' '{}' >"$T/secrets/a.json"
secret_json team-b regcred-b "registry.example.com" bob 'ns-b-pw-6161' '{}' >"$T/secrets/b.json"
secret_json infra node-wide "node.example.com" nodeuser 'node-pw-7171' >"$T/secrets/n.json"
mkdir -p "$T/kubelet"
# The cluster's issuer keys as a JWKS file (a node whose source is a folder); tokens signed with
# them, and forgeries (tests/integration/sa_token.py).
SA="$PY $REGCRED_SRC/tests/integration/sa_token.py"
$SA keys "$T/sa"
start_regcredd --secrets-dir "$T/secrets" --namespace-credentials --kubelet-config "$T/kubelet/config.json" \
  --service-account-issuer-keys "$T/sa/jwks.json"
wait_until 10 ready
token() { # namespace sa [exp] [sub-namespace] [sa_token.py options]: a token the issuer signed
  ns=$1 sa=$2 exp=${3:-} subns=${4:-}
  shift 2; shift $(($# < 2 ? $# : 2))
  $SA token "$T/sa" "$ns" "$sa" --exp "$exp" --sub-ns "$subns" "$@"
}
ask() { # image [token] -> response on stdout
  if [ -n "${2:-}" ]; then
    printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s","serviceAccountToken":"%s","serviceAccountAnnotations":{}}' "$1" "$2"
  else
    printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s"}' "$1"
  fi | "$P" --socket "$D_SOCK" --state-dir "$T/state"
}
user_in() { $PY -c 'import json,sys; d=json.load(sys.stdin); print(",".join(sorted(a["username"] for a in d["auth"].values())))'; }
A=$(ask registry.example.com/app "$(token team-a default)" | user_in)
check "team-a's pod gets team-a's secret (no sync label needed)" [ "$A" = alice ]
A=$(ask registry.example.com/app "$(token team-b builder)" | user_in)
check "team-b's pod gets team-b's secret, not team-a's" [ "$A" = bob ]
A=$(ask node.example.com/app "$(token team-a default)" | user_in)
check "a namespace's answer holds only that namespace's secrets" [ "$A" = "" ]
A=$(ask registry.example.com/app | user_in)
check "without a token (static pod): the node-wide answer, which has no team secret" [ "$A" = "" ]
A=$(ask node.example.com/app | user_in)
check "without a token: the opted-in node-wide secret" [ "$A" = nodeuser ]
check "the kubelet file holds the opted-in secret" has_key "$T/kubelet/config.json" node.example.com
check "and not the team secrets" lacks_key "$T/kubelet/config.json" registry.example.com
A=$(ask registry.example.com/app "$(token team-b builder '' '' --alg ES256)" | user_in)
check "an ES256 token: team-b's secret" [ "$A" = bob ]
set +e
ask registry.example.com/app "$(token team-a default 1000)" >"$T/exp.out" 2>"$T/exp.err"; rc=$?
set -e
check "an expired token: exit 1, no answer" sh -c "[ $rc = 1 ] && [ ! -s '$T/exp.out' ] && grep -q expired '$T/exp.err'"
# A member of the socket's group forging a token for another namespace.
refused() { # why token...: exit 1, no answer, the reason in the error
  why=$1; shift
  set +e
  ask registry.example.com/app "$(token "$@")" >"$T/refused.out" 2>"$T/refused.err"; rc=$?
  set -e
  [ "$rc" = 1 ] && [ ! -s "$T/refused.out" ] && grep -q "$why" "$T/refused.err"
}
check "an unsigned token (alg none) for team-a: refused" refused "alg none" team-a default '' '' --alg none
check "a token signed with another key under the issuer's kid: refused" refused "does not verify" \
  team-a default '' '' --key attacker
check "a token for another audience: refused" refused "aud" team-a default '' '' --aud https://kubernetes.default.svc
check "a token that never expires: refused" refused "exp: missing" team-a default none
set +e
ask registry.example.com/app "$(token team-a default '' team-b)" >"$T/forged.out" 2>"$T/forged.err"; rc=$?
set -e
check "a token whose sub and namespace disagree: exit 1" sh -c "[ $rc = 1 ] && [ ! -s '$T/forged.out' ]"
set +e
ask registry.example.com/app "not-a-token" >"$T/bad.out" 2>"$T/bad.err"; rc=$?
set -e
check "a token that is not a JWT: exit 1, the token not echoed" sh -c "[ $rc = 1 ] && ! grep -q not-a-token '$T/bad.err'"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true
A=$(ask registry.example.com/app "$(token team-b builder)" | user_in)
check "regcredd down: team-b's answer from the state folder" [ "$A" = bob ]
# Issuer keys any user could write (and so swap for a key of their own): not read, no token
# trusted.
cp "$T/sa/jwks.json" "$T/sa/jwks-open.json"
chmod 666 "$T/sa/jwks-open.json"
start_regcredd --secrets-dir "$T/secrets" --namespace-credentials \
  --service-account-issuer-keys "$T/sa/jwks-open.json"
wait_until 10 ready
check "issuer keys writable by every user: a signed token is refused, the file named" \
  refused "jwks-open.json: writable by every user" team-a default
check "no fixture password in the logs" sh -c "! grep -q -e ns-a-pw -e ns-b-pw -e node-pw-7171 -e hub-pw '$T/regcredd.log'"
finish
