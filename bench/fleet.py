#!/usr/bin/python3
"""Fleet figures: N nodes against one kube-apiserver (the kube tier's, tests/kube/serve.sh),
direct mode against published mode, in one run. A load driver (tests/kube/cmd/fleet, built by
make kube) holds each node's watch on a TLS connection of its own, as regcredd's reflector
does; three real regcredd per mode run beside it.

  setup:        5 tenant namespaces with 10 labelled pull secrets each; regcred-publisher with a
                policy that lets each namespace claim its own registry (50 published secrets).
  change:       K password changes of one source secret, each timed from just before the PUT
                to the event for it on every node (direct: the source; published: the copy the
                publisher wrote): p50 and p99 over all nodes and changes; the event's bytes per
                node against the object's own size.
  restart:      kube-apiserver restarted (its watch caches lost); lists per node afterwards and
                how many bypass the watch cache (no resourceVersion: a read from etcd), for the
                driver's nodes and, from the audit log, the real regcredd.
  idle:         requests per node per hour with nothing changing, from the watch timeout the
                reflector asks for (300-600 s, mean 450 s) times the streams a node holds.

Usage: fleet.py REGCRED_BIN [--nodes 1000] [--changes 10]. Prints one JSON object; without
build/kube/bin (no Go here), {"skipped": why}."""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..")
sys.path.insert(0, HERE)
from kube_sync import Api, start_control_plane  # noqa: E402

TENANTS = [f"t{i}" for i in range(5)]
PER_TENANT = 10


def pull_secret(ns, name, password):
    import base64
    auth = base64.b64encode(f"fleet:{password}".encode()).decode()
    cfg = json.dumps({"auths": {f"registry.{ns}.example": {"username": "fleet", "password": password,
                                                              "auth": auth}}},
                     separators=(",", ":"))
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": name, "namespace": ns, "labels": {"regcred.io/sync": "true"}},
            "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def audit_lists(folder, agent, since):
    """Lists a program made since `since` (epoch seconds): (all, from etcd)."""
    n = etcd = 0
    for line in open(os.path.join(folder, "audit.log")):
        try:
            e = json.loads(line)
        except ValueError:
            continue  # the line the API server is writing now
        if not e.get("userAgent", "").startswith(agent) or e["verb"] != "list" or e["stage"] != "ResponseComplete":
            continue
        t = time.mktime(time.strptime(e["stageTimestamp"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        if t < since:
            continue
        n += 1
        if "resourceVersion=" not in e["requestURI"] or "resourceVersion=&" in e["requestURI"] \
                or e["requestURI"].endswith("resourceVersion="):
            etcd += 1
    return n, etcd


class Fleet:
    def __init__(self, kbin, url, folder, mode, nodes):
        self.p = subprocess.Popen(
            [os.path.join(kbin, "fleet"), "--server", url, "--mode", mode, "--nodes", str(nodes),
             "--ca", os.path.join(folder, "ca.crt"), "--cert", os.path.join(folder, "admin.crt"),
             "--key", os.path.join(folder, "admin.key")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def stop(self):
        try:
            self.ask("quit")
        except Exception:
            pass
        self.p.kill()
        self.p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=10)
    a = ap.parse_args()
    kbin = os.path.join(SRC, "build", "kube", "bin")
    if not os.path.exists(os.path.join(kbin, "fleet")):
        print(json.dumps({"skipped": "no build/kube/bin/fleet (make kube)"}))
        return
    serve, url, folder = start_control_plane()
    tmp = tempfile.mkdtemp(prefix="regcred-bench-fleet.")
    procs = []
    try:
        api = Api(url, folder)
        kc = os.path.join(folder, "admin.kubeconfig")
        policy = "publishers:\n" + "".join(
            f"  - namespace: {t}\n    registries: [registry.{t}.example]\n" for t in TENANTS) + \
            f"maxSecretsPerNamespace: {PER_TENANT}\n"
        for ns in TENANTS + ["regcred-system"]:
            api.call("POST", "/api/v1/namespaces",
                     {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        api.call("POST", "/api/v1/namespaces/regcred-system/configmaps",
                 {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "regcred-policy", "namespace": "regcred-system"},
                  "data": {"policy.yaml": policy}})
        for t in TENANTS:
            for i in range(PER_TENANT):
                api.call("POST", f"/api/v1/namespaces/{t}/secrets", pull_secret(t, f"s{i}", "fleet-0"))
        pub = subprocess.Popen([os.path.join(a.bin, "regcred-publisher"), "--kubeconfig", kc,
                                "--identity", "bench", "--listen", f"127.0.0.1:{free_port()}",
                                "--log-level", "warning"],
                               stderr=open(os.path.join(tmp, "publisher.log"), "w"))
        procs.append(pub)
        want = len(TENANTS) * PER_TENANT
        deadline = time.monotonic() + 120
        while True:
            got = json.loads(api.call(
                "GET", "/api/v1/namespaces/regcred-system/secrets?labelSelector=regcred.io%2Fpublished%3Dtrue"))
            if len(got["items"]) == want:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"the publisher published {len(got['items'])} of {want}")
            time.sleep(0.5)
        object_bytes_published = None
        out = {"nodes": a.nodes, "real_regcredd": 3, "published_secrets": want, "modes": {}}
        for mode in ("direct", "published"):
            fleet = Fleet(kbin, url, folder, mode, a.nodes)
            t0 = time.monotonic()
            synced = fleet.ask("sync")
            daemons = []
            for k in range(3):
                d = os.path.join(tmp, f"{mode}{k}")
                args = [os.path.join(a.bin, "regcredd"), "--config", "/dev/null", "--kubeconfig", kc,
                        "--kubelet-config", os.path.join(d, "kubelet", "config.json"),
                        "--state-dir", os.path.join(d, "state"), "--socket", os.path.join(d, "sock"),
                        "--log-level", "warning"]
                args += ["--all-namespaces"] if mode == "direct" else ["--published-namespace", "regcred-system"]
                daemons.append(subprocess.Popen(args, stderr=open(d + ".log", "w")))
            procs.extend(daemons)
            time.sleep(3)
            lat, ratios, sizes = [], [], []
            for k in range(a.changes):
                watched = "s0" if mode == "direct" else "t0.s0"
                r = fleet.ask(f"change t0 s0 {watched}")
                if "error" in r:
                    raise SystemExit(r["error"])
                lat += r["latencies_ms"]
                sizes += r["bytes"]
                ratios += [b / r["object_bytes"] for b in r["bytes"]]
                if mode == "published":
                    object_bytes_published = r["object_bytes"]
                time.sleep(1)
            before = fleet.ask("counters")
            restart_at = time.time()
            os.remove(os.path.join(folder, "restarted")) if os.path.exists(os.path.join(folder, "restarted")) else None
            serve.send_signal(signal.SIGUSR1)
            while not os.path.exists(os.path.join(folder, "restarted")):
                time.sleep(0.2)
            time.sleep(30)  # every node back on a watch
            after = fleet.ask("counters")
            lists = [x - y for x, y in zip(after["lists"], before["lists"])]
            etcd = [x - y for x, y in zip(after["etcd_lists"], before["etcd_lists"])]
            real_lists, real_etcd = audit_lists(folder, "regcredd/", restart_at)
            streams = 2 if mode == "direct" else 1
            out["modes"][mode] = {
                "streams_per_node": streams,
                "sync_seconds": round(synced["seconds"], 2),
                "change_p50_ms": round(statistics.median(lat), 1),
                "change_p99_ms": round(percentile(lat, 0.99), 1),
                "events_received": len(lat), "events_expected": a.nodes * a.changes,
                "bytes_per_node_per_change": round(statistics.median(sizes)),
                "bytes_ratio_to_object": round(statistics.median(ratios), 2),
                "idle_requests_per_node_per_hour": round(streams * 3600 / 450, 1),
                "restart_lists_per_node_max": max(lists),
                "restart_lists_per_node_mean": round(statistics.mean(lists), 2),
                "restart_lists_from_etcd": sum(etcd),
                "restart_real_regcredd_lists": real_lists,
                "restart_real_regcredd_lists_from_etcd": real_etcd,
            }
            print(json.dumps({mode: out["modes"][mode]}), file=sys.stderr)
            for d in daemons:
                d.terminate()
                d.wait()
            fleet.stop()
        out["published_object_bytes"] = object_bytes_published
        print(json.dumps(out))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        serve.terminate()
        serve.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
