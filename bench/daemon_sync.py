#!/usr/bin/python3
"""Whole-process figures for regcredd against the fake API server (loopback, plain HTTP):

  initial sync: N secrets listed (paged) and written to the kubelet file; time from exec to
                the file holding every entry, and the daemon's RSS afterwards.
  change latency: with M secrets in the store, K password changes one after another; each
                timed from just before the PUT reaches the API server to the rename of the
                kubelet file that carries it (the file's inode changes on rename).

  anchor: the floor for one change, a Python write of a file of the kubelet file's size the way
                regcredd writes it (temp file, fsync, rename, fsync of the folder).
  idle: with 100 secrets, RSS after the sync and the wake-ups (context switches of all of
                regcredd's threads) over --idle-seconds, no pull tests, no watchdog.
  storm: 10,000 updates of one secret at once (with --store secrets in the store): /healthz
                latency on fresh connections every 5 ms meanwhile; the time from the API server
                having finished writing the last event to the watch to the file's final state
                (and, as an upper bound, from the events having been queued: that includes the
                fake API server rendering and streaming 10,000 events); the file's rewrites.
                Run --storm-runs times (5): the median of each figure, and every run's.
  idle (again): the same RSS with the API server over TLS, as in a cluster.

Usage: daemon_sync.py REGCREDD [--initial 10000] [--store 10000] [--changes 300] [--storm-runs 5]
Prints one JSON object.
"""
import argparse
import base64
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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


def make_tls(tmp):
    """A CA and a server certificate for 127.0.0.1 in tmp (as tests/integration/lib.sh makes
    them): (ca, cert, key)."""
    run = lambda *argv: subprocess.run(argv, cwd=tmp, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
        "ca.crt", "-days", "2", "-subj", "/CN=regcred-bench-ca", "-addext",
        "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
        "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(tmp, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")
    return tuple(os.path.join(tmp, f) for f in ("ca.crt", "server.crt", "server.key"))


def start_fake(tmp, n, tls=False):
    state = {"rv": 1000 + n, "objects": {}, "history": [], "first_rv": 1000 + n}
    for i in range(n):
        s = secret(i, "bench-pw-0")
        state["objects"][f"{s['metadata']['namespace']}/s{i}"] = s
    path = os.path.join(tmp, "api.state")
    with open(path, "w") as f:
        json.dump(state, f)
    port_file = os.path.join(tmp, "port")
    argv = ["/usr/bin/python3", FAKE, "--port-file", port_file, "--state", path, "--history",
            "100000", "--no-save"]
    scheme, cluster_ca, user = "http", "", "{}"
    if tls:  # as in a cluster: TLS, the cluster's CA in the kubeconfig, a bearer token
        ca, cert, key = make_tls(tmp)
        argv += ["--tls-cert", cert, "--tls-key", key]
        scheme, cluster_ca, user = "https", f", certificate-authority: '{ca}'", "{token: bench}"
    p = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    while not os.path.exists(port_file):
        time.sleep(0.01)
    port = int(open(port_file).read())
    kc = os.path.join(tmp, "kubeconfig")
    with open(kc, "w") as f:
        f.write(f"apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: "
                f"'{scheme}://127.0.0.1:{port}'{cluster_ca}}}}}]\nusers: [{{name: u, user: {user}}}]\n"
                f"contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n")
    return p, port, kc


def start_daemon(regcredd, tmp, kc):
    kubelet = os.path.join(tmp, "kubelet", "config.json")
    d = subprocess.Popen([regcredd, "--config", "/dev/null", "--kubeconfig", kc, "--all-namespaces", "--kubelet-config",
                          kubelet, "--state-dir", os.path.join(tmp, "state"), "--socket",
                          os.path.join(tmp, "d.sock"), "--log-level", "warning"],
                         stderr=open(os.path.join(tmp, "regcredd.log"), "w"))
    return d, kubelet


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def anon_kb(pid):
    """The part of RSS that is memory of the process's own (heap, stacks): RSS less the pages of
    the files it maps (the binary and the shared libraries, which other processes map too)."""
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Anonymous:"):
            return int(line.split()[1])
    return 0


def entries(path):
    try:
        return len(json.load(open(path)).get("auths", {}))
    except (OSError, ValueError):
        return -1


@contextlib.contextmanager
def synced_daemon(regcredd, n, tls=False):
    """A fake API server holding n secrets and regcredd synced to it: (tmp, port, daemon,
    kubelet file, seconds from regcredd's exec to the synced file). Both are stopped and the
    folder removed afterwards."""
    tmp = tempfile.mkdtemp(prefix="regcred-bench.")
    fake, port, kc = start_fake(tmp, n, tls)
    d = None
    try:
        t0 = time.monotonic()
        d, kubelet = start_daemon(regcredd, tmp, kc)
        while entries(kubelet) != n:
            time.sleep(0.002)
            if d.poll() is not None:
                raise SystemExit("regcredd exited: " + open(os.path.join(tmp, "regcredd.log")).read())
        yield tmp, port, d, kubelet, time.monotonic() - t0
    finally:
        if d is not None and d.poll() is None:
            d.terminate()
            d.wait()
        fake.terminate()
        fake.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def initial_sync(regcredd, n):
    with synced_daemon(regcredd, n) as (_, _, d, _, took):
        time.sleep(0.5)
        return {"secrets": n, "seconds": round(took, 3), "rss_mb": round(rss_kb(d.pid) / 1024, 1),
                "anon_mb": round(anon_kb(d.pid) / 1024, 1)}


def anchor_write_ms(folder, text):
    """The anchor: the median of 50 writes of `text` as regcredd writes a file (temp file,
    fsync, rename, fsync of the folder), in ms."""
    anchor = []
    for _ in range(50):
        t0 = time.monotonic()
        tmpf = os.path.join(folder, ".anchor.tmp")
        fd = os.open(tmpf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, text)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmpf, os.path.join(folder, "anchor.json"))
        dfd = os.open(folder, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        anchor.append((time.monotonic() - t0) * 1000)
    return round(statistics.median(anchor), 2)


def latency(regcredd, n, changes):
    with synced_daemon(regcredd, n) as (tmp, port, d, kubelet, _):
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
        samples.sort()
        text = open(kubelet, "rb").read()
        return {"store": n, "changes": changes, "file_bytes": len(text),
                "anchor_write_ms": anchor_write_ms(tmp, text),
                "median_ms": round(statistics.median(samples), 2),
                "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
                "max_ms": round(samples[-1], 2), "rss_mb": round(rss_idle / 1024, 1)}


def ctxt_switches(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            for line in open(f"/proc/{pid}/task/{task}/status"):
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def idle(regcredd, n, seconds):
    with synced_daemon(regcredd, n) as (_, _, d, _, _):
        time.sleep(2)
        rss = rss_kb(d.pid)
        anon = anon_kb(d.pid)
        before = ctxt_switches(d.pid)
        time.sleep(seconds)
        out = {"secrets": n, "rss_mb": round(rss / 1024, 1), "anon_mb": round(anon / 1024, 1),
               "seconds": seconds,
               "wakeups": ctxt_switches(d.pid) - before,
               "threads": len(os.listdir(f"/proc/{d.pid}/task"))}
    # The same over TLS, as in any cluster (one connection per watched secret type), with the
    # part of RSS that is libcurl and the libraries only it brings, which regcredd never calls.
    with synced_daemon(regcredd, n, tls=True) as (_, _, d, _, _):
        time.sleep(2)
        out["tls_rss_mb"] = round(rss_kb(d.pid) / 1024, 1)
        out["tls_anon_mb"] = round(anon_kb(d.pid) / 1024, 1)
        out["tls_curl_mb"] = round(curl_tree_kb(d.pid) / 1024, 1)
    return out


# libcurl4-openssl and the libraries it alone brings into regcredd (the rest, libssl, libcrypto,
# libz, libc, are regcredd's own too).
CURL_TREE = ("libcurl", "libnghttp2", "libidn2", "librtmp", "libssh2", "libpsl", "libgssapi_krb5",
             "libldap", "liblber", "libbrotli", "libunistring", "libgnutls", "libhogweed",
             "libnettle", "libgmp", "libkrb5", "libk5crypto", "libcom_err", "libkrb5support",
             "libsasl2", "libp11-kit", "libtasn1", "libkeyutils", "libffi", "libresolv")


def curl_tree_kb(pid):
    total, lib = 0, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if not parts[0].endswith(":"):
                lib = os.path.basename(parts[5]) if len(parts) > 5 else None
            elif parts[0] == "Rss:" and lib and lib.startswith(CURL_TREE):
                total += int(parts[1])
    return total


def sock_request(sock, method, path, body=b""):
    """One HTTP/1.1 exchange with regcredd's status socket: the answer's body."""
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""


def metric(sock, name):
    data = sock_request(sock, "GET", "/metrics")
    for line in data.decode().splitlines():
        if line.startswith(name):
            return float(line.split()[-1])
    return 0.0


def storm(regcredd, n, count):
    import socket
    with synced_daemon(regcredd, n) as (tmp, port, d, kubelet, _):
        sock = os.path.join(tmp, "d.sock")
        time.sleep(0.5)
        lat, stop = [], threading.Event()

        def probe():
            while not stop.is_set():
                t0 = time.monotonic()
                s = socket.socket(socket.AF_UNIX)
                s.settimeout(2)
                s.connect(sock)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                s.recv(100)
                s.close()
                lat.append((time.monotonic() - t0) * 1000)
                time.sleep(0.005)

        th = threading.Thread(target=probe)
        th.start()
        time.sleep(0.3)
        writes0 = metric(sock, 'regcred_sink_writes_total{path="' + kubelet + '"}')
        conn = http.client.HTTPConnection("127.0.0.1", port)
        t_start = time.monotonic()
        conn.request("POST", "/_fake/storm", json.dumps(
            {"namespace": "ns0", "name": "s0", "count": count, "registry": "reg0.example:5000",
             "user": "user0"}))
        conn.getresponse().read()
        t_queued = time.monotonic()
        conn.request("POST", "/_fake/state", "{}")
        last_rv = json.loads(conn.getresponse().read())["rv"]
        want = base64.b64encode(f"user0:storm-{count}".encode()).decode()
        # The file is read only when it was replaced (a stat a millisecond): loading its 10,000
        # entries on every poll took the CPU regcredd needed, on 2 cores.
        seen = None
        while True:
            try:
                st = os.stat(kubelet)
                if (st.st_ino, st.st_mtime_ns) != seen:
                    seen = (st.st_ino, st.st_mtime_ns)
                    if json.load(open(kubelet))["auths"]["reg0.example:5000"]["auth"] == want:
                        break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.001)
        t_final = time.monotonic()
        # When the API server finished writing the last event to the watch (the fake's own
        # clock, CLOCK_MONOTONIC like ours): from there on the time is regcredd's.
        sent = {"rv": 0}
        while sent["rv"] < last_rv and time.monotonic() - t_final < 5:
            conn.request("POST", "/_fake/sent", "{}")
            sent = json.loads(conn.getresponse().read())
        sent_to_final = (t_final - sent["at"]) * 1000 if sent["rv"] >= last_rv else None
        time.sleep(0.3)
        stop.set()
        th.join()
        writes = metric(sock, 'regcred_sink_writes_total{path="' + kubelet + '"}') - writes0
        lat.sort()
        span = t_final - t_start
        return {"store": n, "events": count, "healthz_p50_ms": round(statistics.median(lat), 2),
                "healthz_p99_ms": round(lat[int(len(lat) * 0.99) - 1], 2),
                "healthz_max_ms": round(lat[-1], 2), "probes": len(lat),
                "queued_to_final_ms": round((t_final - t_queued) * 1000, 1),
                "sent_to_final_ms": None if sent_to_final is None else round(sent_to_final, 1),
                "storm_seconds": round(span, 3), "file_writes": int(writes),
                # At most 20 a second is the bound; a storm shorter than a second is judged
                # over one second.
                "writes_per_second": round(writes / max(span, 1.0), 1)}


def storms(regcredd, n, count, runs):
    """The storm `runs` times: each figure's median, and every run's figures under "runs" (one
    storm is one sample of the time to the final state, and a few dozen of the /healthz tail)."""
    all_runs = [storm(regcredd, n, count) for _ in range(runs)]
    out = dict(all_runs[0])
    for k in ("healthz_p50_ms", "healthz_p99_ms", "healthz_max_ms", "queued_to_final_ms",
              "storm_seconds", "writes_per_second"):
        out[k] = statistics.median(r[k] for r in all_runs)
    sent = [r["sent_to_final_ms"] for r in all_runs if r["sent_to_final_ms"] is not None]
    out["sent_to_final_ms"] = statistics.median(sent) if len(sent) == runs else None
    out["file_writes"] = max(r["file_writes"] for r in all_runs)
    out["runs"] = all_runs
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("regcredd")
    ap.add_argument("--initial", type=int, default=10000)
    ap.add_argument("--store", type=int, default=10000)
    ap.add_argument("--changes", type=int, default=300)
    ap.add_argument("--idle-secrets", type=int, default=100)
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--storm", type=int, default=10000)
    ap.add_argument("--storm-runs", type=int, default=5)
    ap.add_argument("--summary", action="store_true", help="lines for people, not JSON")
    a = ap.parse_args()
    out = {"initial_sync": initial_sync(a.regcredd, a.initial),
           "change_to_file": latency(a.regcredd, a.store, a.changes),
           "storm": storms(a.regcredd, a.store, a.storm, a.storm_runs),
           "idle": idle(a.regcredd, a.idle_secrets, a.idle_seconds)}
    if not a.summary:
        print(json.dumps(out))
        return
    i, c = out["initial_sync"], out["change_to_file"]
    print(f"  initial sync, {i['secrets']} secrets: {i['seconds']} s, RSS {i['rss_mb']} MB")
    print(f"  change -> renamed file, {c['changes']} changes, {c['store']} secrets in the store: "
          f"median {c['median_ms']} ms, p99 {c['p99_ms']} ms, max {c['max_ms']} ms")


if __name__ == "__main__":
    main()
