#!/usr/bin/python3
"""Whole-process time of one helper answer, as docker and kubelet see it (fork, exec, answer).

With N registries in regcredd's store (directory source, one secret per registry), K runs each,
interleaved with the anchor (`cat` printing a small file it reads on stdin, the provider's
request: the floor of any exec'd helper, which gets its request on stdin):
  docker-credential-regcred get <registry>      daemon up, then daemon down (state folder)
  regcred-credential-provider (v1 request)      daemon up, then daemon down
Prints a table: median (ms), ratio to cat's median from the same run.

Usage: helpers.py BINDIR [--registries 5000] [--runs 20]
"""
import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("bindir")
ap.add_argument("--registries", type=int, default=5000)
ap.add_argument("--runs", type=int, default=20)
ap.add_argument("--json", action="store_true", help="one JSON object: medians in ms")
args = ap.parse_args()
B = os.path.abspath(args.bindir)
tmp = tempfile.mkdtemp(prefix="regcred-bench-")
secrets = os.path.join(tmp, "secrets")
os.makedirs(secrets)
for i in range(args.registries):
    auth = base64.b64encode(f"user{i}:bench-pw-{i}".encode()).decode()
    cfg = json.dumps({"auths": {f"reg{i}.example:5000": {"auth": auth}}}, separators=(",", ":"))
    with open(os.path.join(secrets, f"s{i}.json"), "w") as f:
        json.dump({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                   "metadata": {"namespace": "bench", "name": f"s{i}",
                                "labels": {"regcred.io/sync": "true"}},
                   "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}, f)
small = os.path.join(tmp, "small.json")
with open(small, "w") as f:
    f.write('{"ServerURL":"reg1.example:5000","Username":"user1","Secret":"x"}\n')
sock = os.path.join(tmp, "regcredd.sock")
state = os.path.join(tmp, "state")
env = dict(os.environ, REGCRED_SOCKET=sock, REGCRED_STATE_DIR=state)
target = f"reg{args.registries // 2}.example:5000"
request = json.dumps({"kind": "CredentialProviderRequest",
                      "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                      "image": f"{target}/team/app"}).encode()
commands = {
    # The floor of an exec'd helper in these protocols: a process that reads its request on stdin
    # and prints a small answer. (`cat FILE` with nothing on stdin skips the harness's own cost of
    # feeding stdin, which every helper pays: it read 1.9 ms where the same helper process timed
    # with perf stat and a file on stdin reads 1.2.)
    "cat (anchor)": (["cat"], request),
    "get": ([f"{B}/docker-credential-regcred", "get"], target.encode()),
    "provider": ([f"{B}/regcred-credential-provider"], request),
}


results = {}


def measure(label):
    times = {k: [] for k in commands}
    for _ in range(args.runs):
        for name, (argv, stdin) in commands.items():
            t0 = time.perf_counter()
            p = subprocess.run(argv, input=stdin, capture_output=True, env=env)
            times[name].append((time.perf_counter() - t0) * 1000)
            if p.returncode != 0:
                raise SystemExit(f"{name} failed ({label}): {p.stdout!r} {p.stderr!r}")
    anchor = statistics.median(times["cat (anchor)"])
    results[label] = {name: round(statistics.median(t), 3) for name, t in times.items()}
    if args.json:
        return
    for name, t in times.items():
        m = statistics.median(t)
        print(f"{label:<12} {name:<14} {m:9.2f} ms   x{m / anchor:5.2f} of cat")


daemon = subprocess.Popen([f"{B}/regcredd", "--config", "/dev/null", "--secrets-dir", secrets,
                           "--state-dir", state, "--socket", sock, "--log-level", "warning"])
try:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if b" 200 " in s.recv(100):
                break
        except OSError:
            pass
        time.sleep(0.1)
    if not args.json:
        print(f"{args.registries} registries in the store, median of {args.runs} runs, interleaved")
    measure("daemon up")
finally:
    daemon.terminate()
    daemon.wait()
measure("daemon down")
shutil.rmtree(tmp)
if args.json:
    print(json.dumps({"registries": args.registries, "runs": args.runs, **results}))
