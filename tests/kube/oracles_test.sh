#!/bin/sh
# The consumers' own Go code as oracles over the generated cases of cases.py (seeded,
# reproducible): kubelet's keyring (k8s.io/kubernetes/pkg/credentialprovider) against
# regcredctl explain's kubelet matches; the docker CLI's RetrieveAuthTokenFromImage and
# containers/image's GetCredentialsForRef against its docker and containers keys.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords # the generated configs hold one made-up password, "pw"

# The release build's regcredctl when make test built it (the same code; a thousand starts of
# the sanitizer build take minutes).
CTL=$REGCRED_SRC/build/bin/regcredctl
[ -x "$CTL" ] || CTL=$REGCRED_BIN/regcredctl
check "kubelet's keyring and explain agree on every case" \
  sh -c "$PY '$REGCRED_SRC/tests/kube/keyring_oracle.py' '$CTL' '$KBIN/keyring-oracle' >'$T/keyring.txt' 2>&1"
tail -3 "$T/keyring.txt"
grep "^not ok" "$T/keyring.txt" | head -20 || true
check "the docker CLI's and containers/image's choices and explain agree on every case" \
  sh -c "$PY '$REGCRED_SRC/tests/kube/config_oracle.py' '$CTL' '$KBIN/config-oracle' >'$T/config.txt' 2>&1"
tail -3 "$T/config.txt"
grep "^not ok" "$T/config.txt" | head -20 || true
finish
