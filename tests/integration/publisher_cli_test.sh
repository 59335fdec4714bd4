#!/bin/sh
# regcred-publisher as an admin runs it: --help, --version, exit 2 for bad usage naming the flag,
# --check-config on a kubeconfig, and the status endpoint while the API server is unreachable
# (no lease, nothing written, the streams in backoff).
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords # none: no credential is handled here
P="$REGCRED_BIN/regcred-publisher"

check "--version" sh -c "'$P' --version | grep -q '^regcred-publisher [0-9]'"
check "--help names the contract's flags" sh -c "'$P' --help | grep -q -- '--publish-namespace' && '$P' --help | grep -q -- '--lease-name'"
check "no connection: exit 2" exits_with 2 "$T/none.out" "$P"
check "  naming the two ways" grep -q -- "--kubeconfig and --in-cluster" "$T/none.out"
write_kubeconfig "$T/kc" "https://127.0.0.1:1"
check "a bad publish namespace: exit 2" exits_with 2 "$T/ns.out" "$P" --kubeconfig "$T/kc" --publish-namespace Bad_NS
check "  naming it" grep -q -- "--publish-namespace: Bad_NS" "$T/ns.out"
check "a renew deadline not below the lease: exit 2" \
  exits_with 2 "$T/lease.out" "$P" --kubeconfig "$T/kc" --lease-duration 10 --renew-deadline 10
check "--check-config on a kubeconfig: exit 0" "$P" --kubeconfig "$T/kc" --check-config
check "--check-config on a missing kubeconfig: exit 2" exits_with 2 "$T/missing.out" "$P" --kubeconfig "$T/nope" --check-config

PORT=$(free_port)
"$P" --kubeconfig "$T/kc" --identity cli --listen "127.0.0.1:$PORT" >"$T/publisher.log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
status_up() { curl -s "http://127.0.0.1:$PORT/v1/status" >"$T/status.json"; }
check "the status endpoint answers with the API server unreachable" wait_until 10 status_up
idle() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(1 if d["election"]["leading"] or d["planned"] else 0)' "$T/status.json"; }
check "  not leading, nothing planned" idle
check "/healthz: ok" sh -c "curl -s http://127.0.0.1:$PORT/healthz | grep -qx ok"
check "/metrics: leading 0" sh -c "curl -s http://127.0.0.1:$PORT/metrics | grep -qx 'regcred_publisher_leading 0'"
check "another path: 404" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/v1/secrets) = 404 ]"
kill "$PID"
check "SIGTERM: exit 0" wait "$PID"
finish
