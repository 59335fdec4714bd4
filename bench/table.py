#!/usr/bin/python3
"""make bench: every figure of issue 8 in one table (figure, target, measured median, anchor,
ratio), each ratio taken from figures measured in the same run, side by side.

  helpers      bench/helpers.py: whole-process helper answers vs `cat` of a small file
  daemon       bench/daemon_sync.py: initial sync, change -> renamed file (vs a plain atomic
               write of the same file), storm, idle RSS and wake-ups; bench/kube_sync.py: the
               initial sync and change -> file against the real kube-apiserver and etcd
  fleet        bench/fleet.py: 1,000 nodes' watches, direct mode vs published mode
  pull test    bench/pulltest.sh: `regcredctl pull-test` vs `skopeo inspect --raw`
  core         build/bin/regcred_bench (Google Benchmark), each vs its anchor

Usage: table.py BINDIR [--markdown FILE] [--quick]
--markdown writes the table with the machine it ran on (docs/benchmarks.md);
--quick uses smaller sizes (for trying the script, not for figures).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(argv):
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--markdown")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    b = os.path.abspath(a.bindir)
    q = a.quick
    rows = []  # figure, target, measured, anchor, ratio, met

    def row(figure, target, measured, anchor="", ratio="", met=None):
        rows.append((figure, target, measured, anchor, ratio,
                     "" if met is None else ("yes" if met else "**no**")))

    print("helpers ...", file=sys.stderr)
    h = run_json([sys.executable, f"{HERE}/helpers.py", b, "--json",
                  "--registries", "500" if q else "5000", "--runs", "5" if q else "20"])
    for label in ("daemon up", "daemon down"):
        cat = h[label]["cat (anchor)"]
        for name, shown in (("get", "`docker-credential-regcred get`"),
                            ("provider", "`regcred-credential-provider`")):
            m = h[label][name]
            row(f"{shown}, {h['registries']} registries, {label}", "<= 2x cat", f"{m:.2f} ms",
                f"cat {cat:.2f} ms", f"x{m / cat:.2f}", m / cat <= 2)

    print("regcredd (initial sync, changes, storm, idle) ...", file=sys.stderr)
    d = run_json([sys.executable, f"{HERE}/daemon_sync.py", f"{b}/regcredd"] +
                 (["--initial", "2000", "--store", "1000", "--changes", "30",
                   "--idle-seconds", "5", "--storm", "2000"] if q else []))
    c = d["change_to_file"]
    w = c["anchor_write_ms"]
    row(f"change -> renamed config.json, {c['store']} secrets, median of {c['changes']}",
        "<= 5 ms", f"{c['median_ms']} ms", f"atomic write {w} ms", f"x{c['median_ms'] / w:.1f}",
        c["median_ms"] <= 5)
    row("  the same, p99", "<= 20 ms", f"{c['p99_ms']} ms", "", "", c["p99_ms"] <= 20)
    i = d["initial_sync"]
    row(f"initial sync of {i['secrets']} secrets (the first list, files written)", "<= 1 s",
        f"{i['seconds']} s", "", "", i["seconds"] <= 1)
    row("  RSS afterwards", "<= 40 MB", f"{i['rss_mb']} MB", f"heap and stacks {i['anon_mb']} MB", "",
        i["rss_mb"] <= 40)
    print("regcredd against the real kube-apiserver (initial sync, changes) ...", file=sys.stderr)
    k = run_json([sys.executable, f"{HERE}/kube_sync.py", f"{b}/regcredd"] +
                 (["--secrets", "2000", "--changes", "30"] if q else []))
    if "skipped" in k:
        row("the same against the real kube-apiserver", "", f"not measured: {k['skipped']}")
    else:
        kw = k["anchor_write_ms"]
        row(f"change -> renamed config.json, real kube-apiserver and etcd, {k['secrets']} secrets, "
            f"median of {k['changes']}", "", f"{k['median_ms']} ms", f"atomic write {kw} ms",
            f"x{k['median_ms'] / kw:.1f}; x{k['median_ms'] / c['median_ms']:.1f} the fake's")
        row("  the same, p99", "", f"{k['p99_ms']} ms")
        row(f"initial sync of {k['secrets']} secrets, real kube-apiserver (the first list from its "
            "watch cache)", "", f"{k['initial_sync_seconds']} s", "",
            f"x{k['initial_sync_seconds'] / i['seconds']:.1f} the fake's")
    print("fleet: direct vs published mode, one kube-apiserver ...", file=sys.stderr)
    f = run_json([sys.executable, f"{HERE}/fleet.py", b] +
                 (["--nodes", "200", "--changes", "3"] if q else []))
    if "skipped" in f:
        row("fleet figures", "", f"not measured: {f['skipped']}")
    else:
        dm, pm = f["modes"]["direct"], f["modes"]["published"]
        n = f["nodes"]
        row(f"fleet, {n} nodes: one change -> every node, published mode, p99 (p50)", "<= 2 s",
            f"{pm['change_p99_ms']} ms ({pm['change_p50_ms']} ms)",
            f"direct mode {dm['change_p99_ms']} ms ({dm['change_p50_ms']} ms)",
            f"x{pm['change_p99_ms'] / dm['change_p99_ms']:.1f} direct's (the publisher's hop)",
            pm["change_p99_ms"] <= 2000 and pm["events_received"] == pm["events_expected"])
        row("  bytes per node per change, published mode (vs the published object)", "<= 2x the object",
            f"{pm['bytes_per_node_per_change']} B", f"object {f['published_object_bytes']} B",
            f"x{pm['bytes_ratio_to_object']}", pm["bytes_ratio_to_object"] <= 2)
        row("  the same, direct mode (vs the source secret)", "", f"{dm['bytes_per_node_per_change']} B",
            "", f"x{dm['bytes_ratio_to_object']}")
        row("  API requests per node per hour, nothing changing (watch renewals)", "",
            f"published {pm['idle_requests_per_node_per_hour']}",
            f"direct {dm['idle_requests_per_node_per_hour']}",
            f"x{pm['idle_requests_per_node_per_hour'] / dm['idle_requests_per_node_per_hour']:.1f}")
        row("  after an API server restart: lists per node, published mode (max; from etcd)",
            "<= 1; 0", f"{pm['restart_lists_per_node_max']}; {pm['restart_lists_from_etcd']}",
            f"direct {dm['restart_lists_per_node_max']}; {dm['restart_lists_from_etcd']}", "",
            pm["restart_lists_per_node_max"] <= 1 and pm["restart_lists_from_etcd"] == 0)
        row(f"  the same, {f['real_regcredd']} real regcredd (lists; from etcd)", "0 from etcd",
            f"published {pm['restart_real_regcredd_lists']}; {pm['restart_real_regcredd_lists_from_etcd']}",
            f"direct {dm['restart_real_regcredd_lists']}; {dm['restart_real_regcredd_lists_from_etcd']}", "",
            pm["restart_real_regcredd_lists_from_etcd"] == 0 and dm["restart_real_regcredd_lists_from_etcd"] == 0)
    idle = d["idle"]
    row(f"RSS idle, {idle['secrets']} secrets", "<= 15 MB", f"{idle['rss_mb']} MB",
        f"heap and stacks {idle['anon_mb']} MB", "", idle["rss_mb"] <= 15)
    row(f"  the same, API server over TLS (as in a cluster: 2 watch connections)", "<= 15 MB",
        f"{idle['tls_rss_mb']} MB", f"heap and stacks {idle['tls_anon_mb']} MB; libcurl and the "
        f"libraries only it brings {idle['tls_curl_mb']} MB (in the pull worker only)", "", idle["tls_rss_mb"] <= 15)
    row(f"wake-ups idle over {idle['seconds']} s ({idle['threads']} threads; no pull tests, no "
        "watchdog)", "0", str(idle["wakeups"]), "", "", idle["wakeups"] == 0)
    s = d["storm"]
    runs = s["runs"]

    def each(key):  # every storm's figure, for the range beside the median
        return ", ".join("-" if r[key] is None else f"{r[key]:g}" for r in runs)
    row(f"storm of {s['events']} updates ({s['store']} secrets), median of {len(runs)} storms: "
        "/healthz p99", "<= 10 ms", f"{s['healthz_p99_ms']} ms",
        f"p50 {s['healthz_p50_ms']} ms; each storm: {each('healthz_p99_ms')}", "",
        s["healthz_p99_ms"] <= 10)
    sf = s.get("sent_to_final_ms")
    row("  last event sent -> file final", "<= 200 ms",
        "not seen" if sf is None else f"{sf} ms",
        f"from queued {s['queued_to_final_ms']} ms; each storm: {each('sent_to_final_ms')}", "",
        sf is not None and sf <= 200)
    row("  rewrites of the file per second", "<= 20", f"{s['writes_per_second']:g}",
        f"at most {s['file_writes']} in a storm of about {s['storm_seconds']} s", "",
        s["writes_per_second"] <= 20)

    print("pull test vs skopeo ...", file=sys.stderr)
    p = run_json(["sh", f"{HERE}/pulltest.sh", b, "--json"])
    r = p["pull_test_ms"] / p["skopeo_ms"]
    row("`regcredctl pull-test` (TLS + htpasswd docker-registry; the registry's CPU per run: "
        f"{p['pull_test_registry_cpu_ms']} ms for it, {p['skopeo_registry_cpu_ms']} ms for skopeo)",
        "<= 0.3x skopeo", f"{p['pull_test_ms']} ms", f"skopeo inspect --raw {p['skopeo_ms']} ms",
        f"x{r:.2f}", r <= 0.3)
    for x in p["daemon"]:
        ratio = x["many_ms"] / x["one_ms"]
        row(f"{p['images']} images tested at once vs one (regcredd, registry {x['registry']}, "
            f"concurrency {x['concurrency']}; CPU per test: regcredd and its pull worker "
            f"{x['cpu_ms_per_test']} ms, "
            f"docker-registry {x['registry_cpu_ms_per_test']} ms)", "<= 2x",
            f"{x['many_ms']} ms", f"one image {x['one_ms']} ms", f"x{ratio:.1f}", ratio <= 2)

    print("core benchmarks ...", file=sys.stderr)
    g = json.loads(subprocess.run(
        [f"{b}/regcred_bench", "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
         "--benchmark_format=json"], capture_output=True, text=True, check=True).stdout)
    med = {x["run_name"]: x["real_time"] for x in g["benchmarks"] if x.get("aggregate_name") == "median"}
    anchors = {"BM_DockerConfigParse/5000": "BM_AnchorNlohmannParse/5000",
               "BM_KubeletKeyringBuild/5000": "BM_AnchorNlohmannParse/5000",
               "BM_KubeletKeyringLookup/5000": "BM_AnchorKeyScan/5000",
               "BM_WatchEventDecode": "BM_AnchorNlohmannParseEvent"}
    for name, t in med.items():
        if name.startswith("BM_Anchor"):
            continue
        an = anchors.get(name)
        row(f"core: {name}", "-", f"{t / 1000:.1f} us",
            f"{an} {med[an] / 1000:.1f} us" if an else "", f"x{t / med[an]:.2f}" if an else "")

    head = ("figure", "target", "measured (median)", "anchor (same run)", "ratio", "met")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    table = "\n".join(lines)
    print(table)
    if a.markdown:
        cpu = ""
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        with open(a.markdown, "w") as f:
            f.write("# Benchmarks\n\nThe last `make bench` (bench/table.py), "
                    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, on {os.cpu_count()} "
                    f"cores ({cpu}), {platform.platform()}; release build. Ratios compare figures "
                    "of the same run.\n\n" + table + "\n")
            notes = os.path.join(HERE, "notes.md")
            if os.path.exists(notes):
                f.write("\n" + open(notes).read())


if __name__ == "__main__":
    main()
