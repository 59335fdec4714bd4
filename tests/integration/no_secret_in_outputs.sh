# The suite-wide leak check, run by ctest after every integration test (a fixture
# cleanup): each test's outputs (logs, command outputs, status answers, recorded requests; not
# the files that hold credentials by design, see lib.sh) grepped for every test's fixture
# passwords, so a password of one test that shows up in another's output counts too.
# Usage: no_secret_in_outputs.sh OUTPUTS_DIR
set -eu
OUT=${1:?outputs folder}
[ -d "$OUT" ] || { echo "not ok - no outputs in $OUT: run the integration tests first"; exit 1; }
fails=0
started=0
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
for d in "$OUT"/*/; do
  [ -f "$d/started" ] || continue
  started=$((started + 1))
  name=$(basename "$d")
  if [ ! -f "$d/saved" ]; then
    # A test that started but never reached its cleanup (killed by the ctest timeout).
    echo "not ok - $name left no outputs"
    fails=$((fails + 1))
    continue
  fi
  if [ ! -f "$d/declared" ]; then
    echo "not ok - $name names no fixture passwords (fixture_passwords in the test)"
    fails=$((fails + 1))
  fi
  cat "$d/patterns" >>"$patterns"
done
# A test skipped for want of a tool (exit 77) saved nothing worth grepping but counts as run.
[ "$started" -gt 0 ] || { echo "not ok - no integration test ran"; exit 1; }
sort -u -o "$patterns" "$patterns"
files=$(find "$OUT" -path '*/files/*' -type f | wc -l)
echo "# $started tests, $(wc -l <"$patterns") password patterns, $files output files"
[ "$files" -gt 0 ] || { echo "not ok - the tests saved no output files"; exit 1; }
# Each match by file and pattern; the matching line itself is not printed.
leaks=$(grep -r -l -E -f "$patterns" "$OUT"/*/files || true)
if [ -n "$leaks" ]; then
  for f in $leaks; do
    p=$(grep -o -E -f "$patterns" "$f" | sort -u | tr '\n' ' ')
    echo "not ok - ${f#"$OUT"/}: $p"
  done
  fails=$((fails + 1))
else
  echo "ok - no fixture password in any of $files output files"
fi
[ "$fails" -eq 0 ]
