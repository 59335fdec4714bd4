#!/usr/bin/python3
"""Whole-process figures for regcredd against the fake API server (loopback, plain HTTP):

  initial sync: N secrets listed (paged) and written to the kubelet file; time from exec to
                the file holding every entry, and the daemon's RSS afterwards.
  change latency: with M secrets in the store, K password changes one after another; each
                timed from just before the PUT reaches the API server to the rename of the
                kubelet file that carries it (the file's inode changes on rename).

Usage: daemon_sync.py REGCREDD [--initial 10000] [--store 1000] [--changes 1000]
Prints one JSON object.
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "tests", "fakes", "fake_apiserver.py")


def secret(i, pw):
    auth = base64.b64encode(f"user{i}:{pw}".encode()).decode()
    cfg = json.dumps({"auths": {f"reg{i}.example:5000": {"auth": auth}}}, separators=(",", ":"))
    return {"metadata": {"name": f"s{i}", "namespace": f"ns{i % 50}", "uid": f"u{i}",
                         "resourceVersion": str(1000 + i), "labels": {"regcred.io/sync": "true"}},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}


def start_fake(tmp, n):
    state = {"rv": 1000 + n, "objects": {}, "history": [], "first_rv": 1000 + n}
    for i in range(n):
        s = secret(i, "bench-pw-0")
        state["objects"][f"{s['metadata']['namespace']}/s{i}"] = s
    path = os.path.join(tmp, "api.state")
    with open(path, "w") as f:
        json.dump(state, f)
    port_file = os.path.join(tmp, "port")
    p = subprocess.Popen(["/usr/bin/python3", FAKE, "--port-file", port_file, "--state", path,
                          "--history", "100000", "--no-save"], stderr=subprocess.DEVNULL)
    while not os.path.exists(port_file):
        time.sleep(0.01)
    port = int(open(port_file).read())
    kc = os.path.join(tmp, "kubeconfig")
    with open(kc, "w") as f:
        f.write(f"apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: "
                f"'http://127.0.0.1:{port}'}}}}]\nusers: [{{name: u, user: {{}}}}]\n"
                f"contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n")
    return p, port, kc


def start_daemon(regcredd, tmp, kc):
    kubelet = os.path.join(tmp, "kubelet", "config.json")
    d = subprocess.Popen([regcredd, "--config", "/dev/null", "--kubeconfig", kc, "--kubelet-config",
                          kubelet, "--state-dir", os.path.join(tmp, "state"), "--socket",
                          os.path.join(tmp, "d.sock"), "--log-level", "warning"],
                         stderr=open(os.path.join(tmp, "regcredd.log"), "w"))
    return d, kubelet


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def entries(path):
    try:
        return len(json.load(open(path)).get("auths", {}))
    except (OSError, ValueError):
        return -1


def initial_sync(regcredd, n):
    tmp = tempfile.mkdtemp(prefix="regcred-bench.")
    fake, _, kc = start_fake(tmp, n)
    try:
        t0 = time.monotonic()
        d, kubelet = start_daemon(regcredd, tmp, kc)
        while entries(kubelet) != n:
            time.sleep(0.002)
            if d.poll() is not None:
                raise SystemExit("regcredd exited: " + open(os.path.join(tmp, "regcredd.log")).read())
        took = time.monotonic() - t0
        time.sleep(0.5)
        rss = rss_kb(d.pid)
        d.terminate()
        d.wait()
        return {"secrets": n, "seconds": round(took, 3), "rss_mb": round(rss / 1024, 1)}
    finally:
        fake.terminate()
        fake.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def latency(regcredd, n, changes):
    tmp = tempfile.mkdtemp(prefix="regcred-bench.")
    fake, port, kc = start_fake(tmp, n)
    try:
        d, kubelet = start_daemon(regcredd, tmp, kc)
        while entries(kubelet) != n:
            time.sleep(0.005)
        rss_idle = rss_kb(d.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        samples = []
        for k in range(changes):
            i = k % n
            body = json.dumps(secret(i, f"bench-pw-{k + 1}"))
            ino = os.stat(kubelet).st_ino
            t0 = time.monotonic()
            conn.request("PUT", f"/api/v1/namespaces/ns{i % 50}/secrets/s{i}", body)
            conn.getresponse().read()
            while os.stat(kubelet).st_ino == ino:
                time.sleep(0.0002)
            samples.append((time.monotonic() - t0) * 1000)
            time.sleep(0.06)  # past the 50 ms write spacing: time a change, not a queue
        d.terminate()
        d.wait()
        samples.sort()
        return {"store": n, "changes": changes,
                "median_ms": round(statistics.median(samples), 2),
                "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
                "max_ms": round(samples[-1], 2), "rss_mb": round(rss_idle / 1024, 1)}
    finally:
        fake.terminate()
        fake.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("regcredd")
    ap.add_argument("--initial", type=int, default=10000)
    ap.add_argument("--store", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--summary", action="store_true", help="lines for people, not JSON")
    a = ap.parse_args()
    out = {"initial_sync": initial_sync(a.regcredd, a.initial),
           "change_to_file": latency(a.regcredd, a.store, a.changes)}
    if not a.summary:
        print(json.dumps(out))
        return
    i, c = out["initial_sync"], out["change_to_file"]
    print(f"  initial sync, {i['secrets']} secrets: {i['seconds']} s, RSS {i['rss_mb']} MB")
    print(f"  change -> renamed file, {c['changes']} changes, {c['store']} secrets in the store: "
          f"median {c['median_ms']} ms, p99 {c['p99_ms']} ms, max {c['max_ms']} ms")


if __name__ == "__main__":
    main()
