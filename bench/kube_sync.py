#!/usr/bin/python3
"""regcredd against the real kube-apiserver and etcd of the kube test tier (make kube;
tests/kube/serve.sh starts them), beside daemon_sync.py's figures against the fake:

  initial sync: N secrets (created beforehand through the API), regcredd started; time from
                exec to the kubelet file holding every entry. The first list asks
                resourceVersion=0, which the watch cache answers.
  change latency: K password changes one after another (PUT), each timed from just before the
                request to the rename of the kubelet file that carries it; the anchor as in
                daemon_sync.py, a plain atomic write of a file of the same size.

Usage: kube_sync.py REGCREDD [--secrets 10000] [--changes 100]. Prints one JSON object; with
no build/kube/bin (no Go here), {"skipped": why}."""
import argparse
import concurrent.futures
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..")
sys.path.insert(0, HERE)
from daemon_sync import anchor_write_ms, entries, secret  # noqa: E402


def start_control_plane():
    """tests/kube/serve.sh: (the process, its URL, its folder); SIGTERM stops and removes it."""
    serve = subprocess.Popen(["sh", os.path.join(SRC, "tests", "kube", "serve.sh")],
                             stdout=subprocess.PIPE, text=True)
    line = serve.stdout.readline().split()
    if len(line) != 2:
        serve.terminate()
        serve.wait()
        raise SystemExit("the control plane did not start")
    return serve, line[0], line[1]


class Api:
    def __init__(self, url, folder):
        self.host, self.port = url.split("//")[1].split(":")
        self.ctx = ssl.create_default_context(cafile=os.path.join(folder, "ca.crt"))
        self.ctx.load_cert_chain(os.path.join(folder, "admin.crt"), os.path.join(folder, "admin.key"))
        self.conn = self.connect()

    def connect(self):
        return http.client.HTTPSConnection(self.host, int(self.port), context=self.ctx)

    def call(self, method, path, body=None, conn=None):
        c = conn or self.conn
        c.request(method, path, json.dumps(body) if body is not None else None,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status >= 300 and r.status != 409:
            raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
        return data


def new_secret(i, pw):
    """daemon_sync.py's secret as a client sends it (the server sets uid and resourceVersion)."""
    s = secret(i, pw)
    s["metadata"] = {k: v for k, v in s["metadata"].items() if k not in ("uid", "resourceVersion")}
    s.update({"apiVersion": "v1", "kind": "Secret"})
    return s


def create_all(api, n):
    for ns in range(50):
        api.call("POST", "/api/v1/namespaces",
                 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns{ns}"}})

    def some(part):
        conn = api.connect()
        for i in range(part, n, 4):
            api.call("POST", f"/api/v1/namespaces/ns{i % 50}/secrets", new_secret(i, "bench-pw-0"),
                     conn)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(some, range(4)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("regcredd")
    ap.add_argument("--secrets", type=int, default=10000)
    ap.add_argument("--changes", type=int, default=100)
    a = ap.parse_args()
    kbin = os.path.join(SRC, "build", "kube", "bin")
    if not os.path.exists(os.path.join(kbin, "kube-apiserver")):
        print(json.dumps({"skipped": "no build/kube/bin/kube-apiserver (make kube)"}))
        return
    serve, url, folder = start_control_plane()
    tmp = tempfile.mkdtemp(prefix="regcred-bench-kube.")
    d = None
    try:
        api = Api(url, folder)
        t0 = time.monotonic()
        create_all(api, a.secrets)
        created = time.monotonic() - t0
        kubelet = os.path.join(tmp, "kubelet", "config.json")
        t0 = time.monotonic()
        d = subprocess.Popen([a.regcredd, "--config", "/dev/null", "--all-namespaces", "--kubeconfig",
                              os.path.join(folder, "admin.kubeconfig"), "--kubelet-config", kubelet,
                              "--state-dir", os.path.join(tmp, "state"), "--socket",
                              os.path.join(tmp, "d.sock"), "--log-level", "warning"],
                             stderr=open(os.path.join(tmp, "regcredd.log"), "w"))
        while entries(kubelet) != a.secrets:
            time.sleep(0.002)
            if d.poll() is not None:
                raise SystemExit("regcredd exited: " + open(os.path.join(tmp, "regcredd.log")).read())
        synced = time.monotonic() - t0
        time.sleep(1)
        samples = []
        for k in range(a.changes):
            i = k % a.secrets
            body = new_secret(i, f"bench-pw-{k + 1}")
            ino = os.stat(kubelet).st_ino
            t0 = time.monotonic()
            api.call("PUT", f"/api/v1/namespaces/ns{i % 50}/secrets/s{i}", body)
            while os.stat(kubelet).st_ino == ino:
                time.sleep(0.0002)
            samples.append((time.monotonic() - t0) * 1000)
            time.sleep(0.06)  # past the 50 ms write spacing: time a change, not a queue
        samples.sort()
        text = open(kubelet, "rb").read()
        print(json.dumps({
            "secrets": a.secrets, "create_seconds": round(created, 1),
            "initial_sync_seconds": round(synced, 3),
            "changes": a.changes, "median_ms": round(statistics.median(samples), 2),
            "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
            "anchor_write_ms": anchor_write_ms(tmp, text)}))
    finally:
        if d is not None and d.poll() is None:
            d.terminate()
            d.wait()
        serve.terminate()
        serve.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
