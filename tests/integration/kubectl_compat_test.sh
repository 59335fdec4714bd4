#!/bin/sh
# regcredctl secret create prints what kubectl create secret docker-registry --dry-run=client
# prints, byte for byte, in JSON and YAML. Skipped (77) where kubectl is not installed.
set -eu
ctl="$REGCRED_BIN/regcredctl"
command -v kubectl >/dev/null 2>&1 || { echo "kubectl not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

# check NAME SERVER USER PASSWORD EMAIL [NAMESPACE]
check() {
  name=$1 server=$2 user=$3 password=$4 email=$5 ns=${6:-}
  for fmt in json yaml; do
    n=$((n + 1))
    set -- create secret docker-registry "$name" --docker-server="$server" \
      --docker-username="$user" --docker-password="$password" --dry-run=client -o "$fmt"
    [ -n "$email" ] && set -- "$@" --docker-email="$email"
    [ -n "$ns" ] && set -- "$@" -n "$ns"
    kubectl "$@" >"$tmp/want" 2>"$tmp/kerr" || { echo "kubectl failed: $(cat "$tmp/kerr")"; exit 1; }

    set -- secret create "$name" --docker-server="$server" --docker-username="$user" \
      --docker-password-stdin -o "$fmt"
    [ -n "$email" ] && set -- "$@" --docker-email="$email"
    [ -n "$ns" ] && set -- "$@" -n "$ns"
    printf '%s' "$password" | "$ctl" "$@" >"$tmp/got"
    if cmp -s "$tmp/want" "$tmp/got"; then
      echo "ok   $fmt server=$server email=${email:-none}"
    else
      echo "DIFF $fmt server=$server email=${email:-none}"
      diff "$tmp/want" "$tmp/got" || true
      fails=$((fails + 1))
    fi
  done
}

check plain registry.example.com deploy 'made-up-pw-42' ''
check port csmssim01:80 tagbuilder 'N0t-a-real-Pa55' 'builder@example.com' tag
check url https://registry.example.com:5000/v2/ deploy 'made-up-pw-42' ''
check with-email registry.example.com deploy 'made-up-pw-42' 'ops@example.com'
check non-ascii registry.example.com deploy 'pässwörd-日本-€' ''
check colon registry.example.com deploy 'pass:with:colons' ''
check html registry.example.com deploy 'p<&>"\' 'a<b>@example.com'
check hub-default https://index.docker.io/v1/ janedoe 'made-up-hub-token' 'jane@example.com' default

# A password given on the command line works too, with a warning on stderr.
"$ctl" secret create argv --docker-username=u --docker-password=made-up-pw -o json \
  >"$tmp/got" 2>"$tmp/err"
kubectl create secret docker-registry argv --docker-username=u --docker-password=made-up-pw \
  --dry-run=client -o json >"$tmp/want"
cmp -s "$tmp/want" "$tmp/got" || { echo "DIFF argv password"; fails=$((fails + 1)); }
grep -q "visible in the process list" "$tmp/err" || { echo "no argv warning"; fails=$((fails + 1)); }

echo "$n comparisons, $fails differ"
[ "$fails" -eq 0 ]
