#!/bin/sh
# The pull test beside `skopeo inspect --raw`, same image, same real docker-registry (TLS +
# htpasswd) on loopback, same credentials file: whole-process medians of 20 interleaved runs.
# Then regcredd's own pull tests (POST /v1/pulltests on its socket, as `regcredctl pull-test`
# and the schedule start them): one image, then 100 tags of it at once, each timed from the first
# request to the last result; medians of 5. Run at the default concurrency (4) and at 64.
# Usage: bench/pulltest.sh BINDIR [--json]
set -eu
REGCRED_BIN=$(cd "${1:-build/bin}" && pwd)
REGCRED_SRC=$(cd "$(dirname "$0")/.." && pwd)
export REGCRED_BIN REGCRED_SRC
. "$REGCRED_SRC/tests/integration/lib.sh"
push_test_image bench 'bench-pull-pw'
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$REG_PORT" "$(printf 'bench:bench-pull-pw' | base64 -w0)" >"$T/auth.json"
mkdir -p "$T/secrets"
secret_json bench reg "127.0.0.1:$REG_PORT" bench bench-pull-pw >"$T/secrets/reg.json"
$PY - "$REGCRED_BIN/regcredctl" "$IMAGE" "$T" ${2:-} <<'PYEOF'
import os, statistics, subprocess, sys, time
ctl, image, t = sys.argv[1:4]
cmds = {
    "skopeo inspect --raw (anchor)": ["skopeo", "inspect", "--raw", "--authfile", f"{t}/auth.json",
                                      "--cert-dir", f"{t}/pki/certs.d", f"docker://{image}"],
    "regcredctl pull-test": [ctl, "pull-test", image, "--docker-config", f"{t}/auth.json",
                             "--ca-file", f"{t}/pki/ca.crt", "-o", "json"],
}


def cpu_ms(pid):
    """CPU time of a process's threads, in ms, from the scheduler's own accounting (schedstat,
    in ns): /proc/PID/stat counts 10 ms clock ticks, too coarse for a few ms per run."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    return total / 1e6


def with_children_cpu_ms(pid):
    """cpu_ms(pid) plus the CPU of its children that have ended (regcredd's pull workers), once
    none is left running (a worker's CPU is counted when regcredd reaps it)."""
    while any(open(f"/proc/{pid}/task/{tid}/children").read().strip()
              for tid in os.listdir(f"/proc/{pid}/task")):
        time.sleep(0.005)
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = int(fields[13]) + int(fields[14])  # cutime, cstime
    return cpu_ms(pid) + ticks * 1000 / os.sysconf("SC_CLK_TCK")


registry = int(subprocess.run(["pgrep", "-n", "-f", f"docker-registry serve {t}/"],
                              capture_output=True, text=True).stdout.split()[0])
times = {k: [] for k in cmds}
# The registry's CPU for each client's requests: a test cannot answer faster than the registry
# does, and on loopback that work is on the test's critical path.
reg_cpu = {k: 0.0 for k in cmds}
for _ in range(20):
    for name, argv in cmds.items():
        c0 = cpu_ms(registry)
        t0 = time.perf_counter()
        p = subprocess.run(argv, capture_output=True)
        times[name].append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)  # the registry finishes with the connection before its CPU is read
        reg_cpu[name] += (cpu_ms(registry) - c0) / 20
        if p.returncode != 0:
            raise SystemExit(f"{name} failed: {p.stdout!r} {p.stderr!r}")
anchor = statistics.median(times["skopeo inspect --raw (anchor)"])

# 100 tags of the image: its manifest put under t1..t100.
import base64, http.client, json, os, ssl
host, _, rest = image.partition("/")
repo, _, tag = rest.rpartition(":")
ctx = ssl.create_default_context(cafile=f"{t}/pki/ca.crt")
basic = "Basic " + base64.b64encode(b"bench:bench-pull-pw").decode()
mtype = "application/vnd.oci.image.manifest.v1+json"
c = http.client.HTTPSConnection(host, context=ctx)
c.request("GET", f"/v2/{repo}/manifests/{tag}", headers={"Authorization": basic, "Accept": mtype})
r = c.getresponse()
manifest, mtype = r.read(), r.getheader("Content-Type")
N = 100
for i in range(1, N + 1):
    c.request("PUT", f"/v2/{repo}/manifests/t{i}", body=manifest,
              headers={"Authorization": basic, "Content-Type": mtype})
    r = c.getresponse()
    r.read()
    if r.status != 201:
        raise SystemExit(f"cannot tag t{i}: {r.status}")


sys.path.insert(0, os.path.join(os.environ["REGCRED_SRC"], "bench"))
from daemon_sync import sock_request  # noqa: E402


def sock_call(sock, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    return json.loads(sock_request(sock, method, path, data))


def delay_proxy(target_port, delay):
    """A TCP proxy on loopback that holds every chunk `delay` seconds each way: the registry as
    if it were a round trip of 2 x delay away. Returns its port."""
    import asyncio, threading
    ready = threading.Event()
    port = []

    async def pipe(reader, writer):
        loop = asyncio.get_running_loop()
        q = asyncio.Queue()

        async def send():
            while True:
                due, data = await q.get()
                await asyncio.sleep(max(0, due - loop.time()))
                if data is None:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()
        task = asyncio.create_task(send())
        while True:
            data = await reader.read(65536)
            await q.put((loop.time() + delay, data or None))
            if not data:
                break
        await task

    async def handle(r1, w1):
        try:
            r2, w2 = await asyncio.open_connection("127.0.0.1", target_port)
            await asyncio.gather(pipe(r1, w2), pipe(r2, w1))
        except (OSError, asyncio.CancelledError):
            pass

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
        port.append(srv.sockets[0].getsockname()[1])
        ready.set()
        await srv.serve_forever()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
    ready.wait()
    return port[0]


def daemon_batches(concurrency, via_port=None):
    sock = f"{t}/pt{concurrency}-{via_port}.sock"
    d = subprocess.Popen([os.path.join(os.path.dirname(ctl), "regcredd"), "--config", "/dev/null",
                          "--secrets-dir", f"{t}/secrets", "--state-dir", f"{t}/pt-state{concurrency}",
                          "--docker-config", f"{t}/pt-docker{concurrency}.json", "--socket", sock,
                          "--pull-test-ca-file", f"{t}/pki/ca.crt", "--pull-test-concurrency",
                          str(concurrency), "--log-level", "warning"],
                         stderr=open(f"{t}/pt{concurrency}.log", "a"))
    try:
        while not os.path.exists(sock):
            if d.poll() is not None:
                raise SystemExit(f"regcredd exited: {open(f'{t}/pt{concurrency}.log').read()}")
            time.sleep(0.01)
        while True:
            try:
                if sock_call(sock, "GET", "/v1/status").get("ready"):
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.01)

        def batch(images):
            t0 = time.perf_counter()
            ids = [sock_call(sock, "POST", "/v1/pulltests", {"image": im})["id"] for im in images]
            for i in ids:
                while True:
                    r = sock_call(sock, "GET", f"/v1/pulltests/{i}")
                    if r.get("status") != "running":
                        if not r.get("ok"):
                            raise SystemExit(f"pull test failed: {r}")
                        break
                    time.sleep(0.002)
            return (time.perf_counter() - t0) * 1000

        h = host if via_port is None else f"127.0.0.1:{via_port}"
        one = f"{h}/{repo}:{tag}"
        many = [f"{h}/{repo}:t{i}" for i in range(1, N + 1)]
        one_ms, many_ms = [], []
        cpu0 = (with_children_cpu_ms(d.pid), cpu_ms(registry))
        for _ in range(5):
            one_ms.append(batch([one]))
            many_ms.append(batch(many))
        # CPU per pull test, ours and the registry's (loopback: the tests compete for 2 cores).
        tests = 5 * (N + 1)
        cpu = ((with_children_cpu_ms(d.pid) - cpu0[0]) / tests, (cpu_ms(registry) - cpu0[1]) / tests)
        return statistics.median(one_ms), statistics.median(many_ms), cpu
    finally:
        d.terminate()
        d.wait()


# On loopback every test is CPU work on both sides of 2 cores; through a proxy that adds a 20 ms
# round trip, as a registry in another zone, the waiting is what concurrency overlaps.
proxy = delay_proxy(int(host.rpartition(":")[2]), 0.010)
with open(f"{t}/secrets/proxy.json", "w") as f:
    sec = json.load(open(f"{t}/secrets/reg.json"))
    sec["metadata"]["name"] = "proxy"
    cfg = json.loads(base64.b64decode(sec["data"][".dockerconfigjson"]))
    cfg["auths"] = {f"127.0.0.1:{proxy}": v for v in cfg["auths"].values()}
    sec["data"][".dockerconfigjson"] = base64.b64encode(json.dumps(cfg, separators=(",", ":")).encode()).decode()
    json.dump(sec, f)
runs = [("loopback", c, None) for c in (4, 64)] + [("20 ms away", c, proxy) for c in (4, 64)]
batches = {(where, c): daemon_batches(c, via) for where, c, via in runs}  # 4: the default; 64: the most
if "--json" in sys.argv[4:]:
    print(json.dumps({"skopeo_ms": round(anchor, 2),
                      "pull_test_ms": round(statistics.median(times["regcredctl pull-test"]), 2),
                      "skopeo_registry_cpu_ms": round(reg_cpu["skopeo inspect --raw (anchor)"], 2),
                      "pull_test_registry_cpu_ms": round(reg_cpu["regcredctl pull-test"], 2),
                      "images": N,
                      "daemon": [{"registry": where, "concurrency": c, "one_ms": round(o, 2),
                                  "many_ms": round(m, 2), "cpu_ms_per_test": round(cpu[0], 2),
                                  "registry_cpu_ms_per_test": round(cpu[1], 2)}
                                 for (where, c), (o, m, cpu) in batches.items()]}))
    sys.exit(0)
print("pull test vs skopeo, median of 20 interleaved runs")
for name, ts in times.items():
    m = statistics.median(ts)
    print(f"  {name:<32} {m:8.1f} ms   x{m / anchor:5.2f}   docker-registry CPU per run {reg_cpu[name]:.1f} ms")
for (where, c), (o, m, cpu) in batches.items():
    print(f"  regcredd, registry {where}, concurrency {c}: one image {o:.1f} ms, {N} at once {m:.1f} ms (x{m / o:.1f});"
          f" CPU per test: regcredd and its pull worker {cpu[0]:.1f} ms, docker-registry {cpu[1]:.1f} ms")
PYEOF
