#!/bin/sh
# The pull test beside `skopeo inspect --raw`, same image, same real docker-registry (TLS +
# htpasswd) on loopback, same credentials file: whole-process medians of 20 interleaved runs.
# Usage: bench/pulltest.sh BINDIR [--json]
set -eu
REGCRED_BIN=$(cd "${1:-build/bin}" && pwd)
REGCRED_SRC=$(cd "$(dirname "$0")/.." && pwd)
export REGCRED_BIN REGCRED_SRC
. "$REGCRED_SRC/tests/integration/lib.sh"
push_test_image bench 'bench-pull-pw'
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$REG_PORT" "$(printf 'bench:bench-pull-pw' | base64 -w0)" >"$T/auth.json"
$PY - "$REGCRED_BIN/regcredctl" "$IMAGE" "$T" ${2:-} <<'PYEOF'
import statistics, subprocess, sys, time
ctl, image, t = sys.argv[1:4]
cmds = {
    "skopeo inspect --raw (anchor)": ["skopeo", "inspect", "--raw", "--authfile", f"{t}/auth.json",
                                      "--cert-dir", f"{t}/pki/certs.d", f"docker://{image}"],
    "regcredctl pull-test": [ctl, "pull-test", image, "--docker-config", f"{t}/auth.json",
                             "--ca-file", f"{t}/pki/ca.crt", "-o", "json"],
}
times = {k: [] for k in cmds}
for _ in range(20):
    for name, argv in cmds.items():
        t0 = time.perf_counter()
        p = subprocess.run(argv, capture_output=True)
        times[name].append((time.perf_counter() - t0) * 1000)
        if p.returncode != 0:
            raise SystemExit(f"{name} failed: {p.stdout!r} {p.stderr!r}")
anchor = statistics.median(times["skopeo inspect --raw (anchor)"])
if "--json" in sys.argv[4:]:
    import json
    print(json.dumps({"skopeo_ms": round(anchor, 2),
                      "pull_test_ms": round(statistics.median(times["regcredctl pull-test"]), 2)}))
    sys.exit(0)
print("pull test vs skopeo, median of 20 interleaved runs")
for name, t in times.items():
    m = statistics.median(t)
    print(f"  {name:<32} {m:8.1f} ms   x{m / anchor:5.2f}")
PYEOF
