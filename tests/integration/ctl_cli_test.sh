#!/bin/sh
# regcredctl as a user runs it: exit codes, lint lines on the bundled examples, explain's JSON
# shape, and no password in any output.
set -eu
ctl="$REGCRED_BIN/regcredctl"
ex="$REGCRED_SRC/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$ctl" --version | grep -q '^regcredctl [0-9]' || fail "--version"
"$ctl" --help >/dev/null || fail "--help exits 0"
rc=0; "$ctl" no-such-command >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "unknown command exits $rc, want 2"
rc=0; "$ctl" secret create x --docker-username=u >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "create without password exits $rc, want 2"

# Good manifests: exit 0, nothing on stdout.
for f in regcred.yaml multi.yaml list.json; do
  "$ctl" secret lint "$ex/$f" >"$tmp/out" 2>"$tmp/err" || fail "lint $f: $(cat "$tmp/out")"
  [ ! -s "$tmp/out" ] || fail "lint $f printed: $(cat "$tmp/out")"
done
# From stdin too.
"$ctl" secret lint - <"$ex/regcred.yaml" >/dev/null 2>&1 || fail "lint from stdin"

# Broken ones: exit 1, one line per problem naming the secret, the key and the code.
for f in "$ex"/broken/*.yaml; do
  rc=0; "$ctl" secret lint "$f" >"$tmp/out" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "lint $(basename "$f") exits $rc, want 1"
  want=$(grep -c '^# lint: ' "$f")
  got=$(wc -l <"$tmp/out")
  [ "$got" -eq "$want" ] || fail "lint $(basename "$f"): $got lines, want $want"
  for code in $(sed -n 's/^# lint: //p' "$f"); do
    grep -q "^demo/[a-z0-9-]*: .*$code: " "$tmp/out" || fail "$(basename "$f"): no $code line"
  done
  cat "$tmp/out" >>"$tmp/all"
done
for pw in made-up-pw-42 made-up-pw-43 made-up-pw-44 made-up-hub-token-0001; do
  ! grep -q -- "$pw" "$tmp/all" || fail "a lint line shows a password"
done

# explain -o json: the contract's shape.
"$ctl" explain busybox --docker-config "$ex/docker-config.json" -o json >"$tmp/e.json"
grep -q '"image": "docker.io/library/busybox"' "$tmp/e.json" || fail "explain image"
tr -d ' \n' <"$tmp/e.json" | grep -q '"kubelet":{"matches":\["https://index.docker.io/v1/"\]' \
  || fail "explain kubelet: $(cat "$tmp/e.json")"
tr -d ' \n' <"$tmp/e.json" | grep -q '"docker":{.*"key":"https://index.docker.io/v1/"' \
  || fail "explain docker"
"$ctl" explain csmssim01:80/app:1.0 --docker-config "$ex/docker-config.json" >"$tmp/t"
grep -q '^KUBELET  *csmssim01:80$' "$tmp/t" || fail "explain table: $(cat "$tmp/t")"
"$ctl" explain 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app --docker-config \
  "$ex/docker-config.json" -o json | tr -d ' \n' >"$tmp/ecr"
grep -q '"helper":"docker-credential-ecr-login"' "$tmp/ecr" || fail "explain credHelpers"
rc=0; "$ctl" explain 'UPPER/Case' --docker-config "$ex/docker-config.json" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "bad image exits $rc, want 2"
echo "ok"
