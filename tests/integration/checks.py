"""Named checks and readers for the integration tests, one place instead of Python one-liners
quoted through shell. Run as `checks.py NAME ARG...` (lib.sh's `pycheck`): a check exits 0 when it
holds and 1 with the reason on stderr; a reader prints what it read."""

import json
import sys


def _load(path):
    return json.load(sys.stdin if path == "-" else open(path))


def _fail(why):
    print(why, file=sys.stderr)
    return 1


# ---- readers: print a value ----

def condition_field(nodes_json, node, field):
    """A field of the node's RegistryCredentialsReady condition in the fake's node dump."""
    d = _load(nodes_json)
    conds = d["nodes"].get(node, {}).get("status", {}).get("conditions", [])
    c = [c for c in conds if c["type"] == "RegistryCredentialsReady"]
    print(c[0].get(field, "") if c else "")
    return 0


def event_reasons(nodes_json):
    print(" ".join(e["reason"] for e in _load(nodes_json)["events"]))
    return 0


def metric(name, path="-"):
    """An unlabelled sample of the Prometheus text on stdin."""
    for line in (sys.stdin if path == "-" else open(path)):
        if line.startswith(name + " "):
            print(int(float(line.split()[1])))
            return 0
    return _fail(f"no sample {name}")


def doctor_step(doctor_json, word):
    """The state and detail of the doctor step whose name holds `word`."""
    s = [s for s in _load(doctor_json)["steps"] if word in s["name"]][0]
    print(s["state"], s["detail"])
    return 0


def doctor_states(doctor_json):
    print(" ".join(s["state"] for s in _load(doctor_json)["steps"]))
    return 0


def field(json_file, name):
    """A top-level member; null as "null"."""
    v = _load(json_file).get(name)
    print("null" if v is None else v)
    return 0


# ---- checks: exit 0 when they hold ----

def node_has_condition(nodes_json, node, cond_type):
    conds = _load(nodes_json)["nodes"][node]["status"]["conditions"]
    if any(c["type"] == cond_type for c in conds):
        return 0
    return _fail(f"{node} has no {cond_type} condition: {[c['type'] for c in conds]}")


def patches_are(nodes_json, content_type):
    patches = _load(nodes_json)["patches"]
    bad = [p["contentType"] for p in patches if p["contentType"] != content_type]
    if patches and not bad:
        return 0
    return _fail(f"patches: {len(patches)}, of another type: {bad}")


def events_point_at_node(nodes_json, uid):
    """Every event's involvedObject is the node; Normal for CredentialsSynced, else Warning."""
    for e in _load(nodes_json)["events"]:
        want = "Normal" if e["reason"] == "CredentialsSynced" else "Warning"
        o = e["involvedObject"]
        if o["kind"] != "Node" or o["uid"] != uid or e["type"] != want:
            return _fail(f"event {e['reason']}: {o['kind']} {o['uid']} {e['type']}")
    return 0


def doctor_step_is(doctor_json, word, state, detail_part):
    s = [s for s in _load(doctor_json)["steps"] if word in s["name"]][0]
    if s["state"] == state and detail_part in s["detail"]:
        return 0
    return _fail(f"step {s['name']}: {s['state']} ({s['detail']})")


def status_ready_with_pull_tests(status_json):
    d = _load(status_json)
    if d.get("ready") and "pullTests" in d:
        return 0
    return _fail(f"ready={d.get('ready')}, pullTests {'in' if 'pullTests' in d else 'not in'} it")


def timing_absent(pull_json, phase):
    t = _load(pull_json)["timingsMs"]
    return 0 if phase not in t else _fail(f"timingsMs has {phase}: {t}")


def timing_present(pull_json, phase):
    t = _load(pull_json)["timingsMs"]
    return 0 if t.get(phase, -1) >= 0 else _fail(f"timingsMs has no {phase}: {t}")


def is_json(path):
    try:
        _load(path)
    except ValueError as e:
        return _fail(f"{path}: {e}")
    return 0


# ---- the API server's audit log, as control_plane.sh's kube_requests prints it ----

def _requests(path, since=0):
    """[(verb, code, path, {param: value})] from line `since` (1-based) of a requests file."""
    from urllib.parse import parse_qsl, urlsplit
    out = []
    for n, line in enumerate(open(path), 1):
        if n < int(since) or not line.strip():
            continue
        verb, code, uri = line.split(" ", 2)
        u = urlsplit(uri.strip())
        out.append((verb, int(code), u.path, dict(parse_qsl(u.query, keep_blank_values=True))))
    return out


def _stream(r):
    return r[2] + "?" + r[3].get("fieldSelector", "")


def lists_ask(requests, since, version, streams):
    """The first list of each stream from line `since` on asked for resourceVersion=`version`
    ("" : none, a read from etcd; "synced": the last version that stream's watches used), and
    `streams` streams listed."""
    rs = _requests(requests)
    since = int(since)
    firsts, last_watch = {}, {}
    for n, r in enumerate(rs, 1):
        if r[0] == "watch":
            last_watch[_stream(r)] = r[3].get("resourceVersion", "")
        if r[0] == "list" and n >= since and _stream(r) not in firsts:
            firsts[_stream(r)] = (r[3].get("resourceVersion", ""), last_watch.get(_stream(r)))
    if len(firsts) != int(streams):
        return _fail(f"{len(firsts)} streams listed, not {streams}: {sorted(firsts)}")
    for s, (asked, watched) in firsts.items():
        want = watched if version == "synced" else version
        if asked != want or (version == "synced" and not want):
            return _fail(f"{s}: the list asked resourceVersion={asked!r}, not {want!r}")
    return 0


def no_list_from_etcd(requests, since):
    """No list from line `since` on went to etcd (a list without resourceVersion, or paged on
    from one)."""
    for r in _requests(requests, since):
        if r[0] == "list" and r[3].get("resourceVersion", "") == "" and "continue" not in r[3]:
            return _fail(f"a list from etcd: {r[2]} {r[3]}")
    return 0


def requests_within(requests, resource, prefix, selector):
    """Every request for `resource` went to a path under `prefix` with labelSelector
    `selector`, and none was refused."""
    n = 0
    for r in _requests(requests):
        if f"/{resource}" not in r[2]:
            continue
        n += 1
        if not r[2].startswith(prefix) or r[3].get("labelSelector") != selector:
            return _fail(f"a request outside {prefix}?labelSelector={selector}: {r[2]} {r[3]}")
        if r[1] >= 400:
            return _fail(f"refused ({r[1]}): {r[2]} {r[3]}")
    return 0 if n else _fail(f"no request for {resource}")


def watch_resumed_at_bookmark(requests, since, version):
    """A watch from line `since` on resumed at `version` or later: a bookmark moved it there."""
    for r in _requests(requests, since):
        if r[0] == "watch" and int(r[3].get("resourceVersion") or 0) >= int(version):
            return 0
    return _fail(f"no watch resumed at {version} or later")


def main(argv):
    if len(argv) < 2 or argv[1].startswith("_") or argv[1] not in globals():
        return _fail(f"usage: checks.py NAME ARG... (no check {argv[1:2]})")
    return globals()[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
