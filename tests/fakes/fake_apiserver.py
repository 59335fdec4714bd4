#!/usr/bin/python3
"""A fake Kubernetes API server for regcred's tests, loopback only.

It serves what regcredd and kubectl use of the API server:
discovery (/version, /api, /apis, /api/v1), Secrets list (fieldSelector on type,
metadata.name, metadata.namespace; labelSelector; limit/continue over a consistent snapshot,
limit ignored for resourceVersion=0 as the watch cache ignores it),
watch (chunked, newline-terminated events, RV unset/0 = synthetic ADDED, RV=N = events after N,
selector transitions as ADDED/DELETED, BOOKMARK only with allowWatchBookmarks and only past what the
watch told (the history it replayed on registration counts as told), timeoutSeconds,
too-old RV as a 200 + ERROR 410 event or, with --expired-mode=http, an HTTP 410), bearer-token
auth read from a file on every request (so tests can rotate it), and writes (POST, PUT, DELETE).

Test controls, under /_fake/:
  POST /_fake/faults    {"status":429,"retryAfter":2,"count":1,"match":"watch"|"list"|"any",
                         "text":false,"event":false}    the next `count` matching requests get that answer
  POST /_fake/close     ends every open watch now (like a server that drops them)
  POST /_fake/silence   {"seconds":N} open watches stop sending (no bytes) for N seconds
  POST /_fake/stream    {"mode":"cut"|"garbage","count":N}: the next N watch sends go wrong:
                        "cut" sends the first half of an event and drops the connection,
                        "garbage" sends a line that is not JSON before the events
  POST /_fake/storm     {"namespace","name","count","registry","user"}: the secret is updated
                        `count` times at once (password storm-1..N), one watch event each
  POST /_fake/compact   drops the event history (the next resume gets 410)
  POST /_fake/sent      {"rv", "at"}: the last resourceVersion a watch finished writing to its
                        socket, and when (time.monotonic(), the clock other processes read too)
  POST /_fake/state     GET: {"rv", "objects"}
  GET  /_fake/nodes     {"nodes", "patches", "events"}: what node reporters wrote
                        (PATCH /api/v1/nodes/N/status must be a strategic merge patch; conditions
                        merge by type, so kubelet's Ready stays; POST .../events is kept)
  GET  /_fake/requests  the request log: [{"method","path","query","auth"}], auth is "bearer",
                        "none" (never the token itself)
--state FILE keeps objects, RV and (unless --no-history-on-restart) history across restarts.
"""
import argparse
import base64
import gzip
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Condition()
STATE = {"rv": 1000, "objects": {}, "history": [], "first_rv": 1000}
STREAM_FAULTS = []  # {"mode", "count"}: see /_fake/stream
NODES = {}    # name -> Node (kubelet's own Ready condition in it from the start)
PATCHES = []  # every nodes/status PATCH: {"node", "contentType", "body"}
EVENTS = []   # every Event posted
SENT = {"rv": 0, "at": 0.0}  # the last event a watch finished writing, and when


def new_node(name):
    return {"kind": "Node", "apiVersion": "v1",
            "metadata": {"name": name, "uid": "node-uid-" + name, "resourceVersion": "1"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status"}]}}
FAULTS = []
REQUESTS = []
SNAPSHOTS = {}
WATCH_EPOCH = [0]
SILENCE_UNTIL = [0.0]
ARGS = None


def status(code, reason, message, extra=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if extra:
        body.update(extra)
    return body


def save_state():
    if not ARGS.state or ARGS.no_save:
        return
    tmp = ARGS.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(STATE, f)
    os.replace(tmp, ARGS.state)


def key_of(obj):
    m = obj["metadata"]
    return m.get("namespace", "") + "/" + m["name"]


def parse_field_selector(text):
    reqs = []
    if not text:
        return reqs
    for part in text.split(","):
        for op in ("!=", "==", "="):
            if op in part:
                k, v = part.split(op, 1)
                reqs.append((k.strip(), "!=" if op == "!=" else "=", v.strip()))
                break
        else:
            raise ValueError(part)
        if reqs[-1][0] not in ("type", "metadata.name", "metadata.namespace"):
            raise KeyError(reqs[-1][0])
    return reqs


def field_value(obj, k):
    if k == "type":
        return obj.get("type", "Opaque")
    if k == "metadata.name":
        return obj["metadata"]["name"]
    return obj["metadata"].get("namespace", "")


def parse_label_selector(text):
    reqs = []
    if not text:
        return reqs
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        if ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for p in parts:
        p = p.strip()
        if p.startswith("!"):
            reqs.append((p[1:].strip(), "!", None))
        elif "!=" in p:
            k, v = p.split("!=", 1)
            reqs.append((k.strip(), "!=", [v.strip()]))
        elif " notin " in p:
            k, v = p.split(" notin ", 1)
            reqs.append((k.strip(), "notin", [x.strip() for x in v.strip()[1:-1].split(",")]))
        elif " in " in p:
            k, v = p.split(" in ", 1)
            reqs.append((k.strip(), "in", [x.strip() for x in v.strip()[1:-1].split(",")]))
        elif "=" in p:
            k, v = p.replace("==", "=").split("=", 1)
            reqs.append((k.strip(), "in", [v.strip()]))
        else:
            reqs.append((p, "exists", None))
    return reqs


def matches(obj, ns, fsel, lsel):
    if obj is None:
        return False
    if ns and obj["metadata"].get("namespace") != ns:
        return False
    for k, op, v in fsel:
        eq = field_value(obj, k) == v
        if (op == "=") != eq:
            return False
    labels = obj["metadata"].get("labels") or {}
    for k, op, vals in lsel:
        has = k in labels
        if op == "exists" and not has:
            return False
        if op == "!" and has:
            return False
        if op == "in" and (not has or labels[k] not in vals):
            return False
        if op in ("!=", "notin") and has and labels[k] in vals:
            return False
    return True


def with_kind(obj):
    out = {"kind": "Secret", "apiVersion": "v1"}
    out.update(obj)
    return out


def record_event(etype, old, new):
    STATE["history"].append({"rv": STATE["rv"], "type": etype, "old": old, "new": new})
    if len(STATE["history"]) > ARGS.history:
        drop = len(STATE["history"]) - ARGS.history
        STATE["history"] = STATE["history"][drop:]
    STATE["first_rv"] = STATE["history"][0]["rv"] if STATE["history"] else STATE["rv"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as Go's servers (kube-apiserver) set it: with Nagle, a response's body waits
    # for the ACK of its headers, which the client delays by 40 ms on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if ARGS.verbose:
            sys.stderr.write("fake-apiserver: " + fmt % args + "\n")

    # --- plumbing
    def send_json(self, code, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        # kube-apiserver compresses a large response for a client that accepts gzip
        # (APIResponseCompression, 128 KiB and up); --gzip-min sets the size.
        if len(data) >= ARGS.gzip_min and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data, compresslevel=1)
            self.send_header("Content-Encoding", "gzip")
            entry = getattr(self, "entry", None)
            if entry is not None:
                entry["gzip"] = True
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def client_cert(self):
        """The client certificate's subject CN when one was presented (and the CA signed it)."""
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    def authorized(self):
        if not ARGS.token_file:
            return True
        if ARGS.client_ca and self.client_cert():
            return True
        try:
            with open(ARGS.token_file) as f:
                tokens = [t.strip() for t in f.read().split() if t.strip()]
        except OSError:
            tokens = []
        got = self.headers.get("Authorization", "")
        return got.startswith("Bearer ") and got[7:] in tokens

    def take_fault(self, kind):
        with LOCK:
            for f in FAULTS:
                if f["match"] in ("any", kind) and f["count"] > 0:
                    f["count"] -= 1
                    return dict(f)
        return None

    # --- verbs
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # --- nodes and events (what a node reporter writes), kept in NODES / EVENTS
    def sent(self, code, body):
        self.send_json(code, body)
        return True

    def nodes_and_events(self, method, parts):
        if parts[:3] == ["api", "v1", "nodes"] and len(parts) in (4, 5):
            name = parts[3]
            with LOCK:
                node = NODES.setdefault(name, new_node(name))
                if len(parts) == 4 and method == "GET":
                    return self.sent(200, node)
                if len(parts) == 5 and parts[4] == "status" and method == "PATCH":
                    ctype = self.headers.get("Content-Type", "")
                    body = json.loads(self.read_body() or b"{}")
                    PATCHES.append({"node": name, "contentType": ctype, "body": body})
                    if ctype != "application/strategic-merge-patch+json":
                        # A merge patch would replace kubelet's conditions: refuse it loudly.
                        return self.sent(415, status(415, "UnsupportedMediaType",
                                                          "want a strategic merge patch"))
                    # Strategic merge of status.conditions by key "type".
                    conds = node["status"]["conditions"]
                    for c in body.get("status", {}).get("conditions", []):
                        for i, old in enumerate(conds):
                            if old["type"] == c["type"]:
                                conds[i] = {**old, **c}
                                break
                        else:
                            conds.append(c)
                    return self.sent(200, node)
            return self.sent(405, status(405, "MethodNotAllowed", "method not allowed"))
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 5 and parts[4] == "events":
            if method != "POST":
                return self.sent(405, status(405, "MethodNotAllowed", "method not allowed"))
            ev = json.loads(self.read_body() or b"{}")
            ev.setdefault("metadata", {})["namespace"] = parts[3]
            with LOCK:
                EVENTS.append(ev)
            return self.sent(201, ev)
        return None

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        if path.startswith("/_fake/"):
            return self.control(method, path)
        entry = {"method": method, "path": path, "query": q,
                 "auth": ("bearer" if self.headers.get("Authorization")
                          else "cert:" + self.client_cert() if ARGS.client_ca and self.client_cert()
                          else "none"),
                 "time": time.time()}
        self.entry = entry
        with LOCK:
            REQUESTS.append(entry)
        self.entry = entry
        if not self.authorized():
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        if path == "/version":
            return self.send_json(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0-fake",
                                        "platform": "linux/amd64"})
        if path == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": []})
        if path == "/apis":
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if path == "/api/v1":
            res = [{"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret",
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]},
                   {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
                    "verbs": ["get", "list", "patch"]},
                   {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event",
                    "verbs": ["create", "patch"]}]
            return self.send_json(200, {"kind": "APIResourceList", "groupVersion": "v1",
                                        "resources": res})
        parts = path.strip("/").split("/")
        if parts[:3] == ["api", "v1", "nodes"] or (len(parts) == 5 and parts[4] == "events"):
            return self.nodes_and_events(method, parts) or self.send_json(
                404, status(404, "NotFound", "the server could not find the requested resource"))
        ns = name = None
        if parts[:3] == ["api", "v1", "secrets"] and len(parts) == 3:
            pass
        elif parts[:3] == ["api", "v1", "namespaces"] and len(parts) >= 5 and parts[4] == "secrets":
            ns = parts[3]
            name = parts[5] if len(parts) == 6 else None
        else:
            return self.send_json(404, status(404, "NotFound", "the server could not find the "
                                              "requested resource"))
        if method == "GET" and name is None:
            watching = q.get("watch") in ("true", "1")
            fault = self.take_fault("watch" if watching else "list")
            if fault:
                with LOCK:
                    self.entry["fault"] = fault["status"]
            if fault and fault.get("event"):
                # 200 and one ERROR event: how the watch cache reports an expired RV.
                self.begin_stream()
                err = {"type": "ERROR", "object": status(
                    410, "Expired", "too old resource version: %s (%d)" %
                    (q.get("resourceVersion", ""), STATE["rv"]))}
                self.chunk(json.dumps(err).encode() + b"\n")
                self.chunk(b"")
                return
            if fault:
                headers = {}
                if fault.get("retryAfter") is not None:
                    headers["Retry-After"] = str(fault["retryAfter"])
                if fault.get("text"):
                    data = b"Too many requests, please try again later.\n"
                    self.send_response(fault["status"])
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                    return
                reason = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                          410: "Expired"}.get(fault["status"], "Unknown")
                return self.send_json(fault["status"], status(fault["status"], reason,
                                                              "injected fault"), headers)
            try:
                fsel = parse_field_selector(q.get("fieldSelector", ""))
            except KeyError as e:
                return self.send_json(400, status(400, "BadRequest",
                                                  "field label not supported: %s" % e.args[0]))
            except ValueError:
                return self.send_json(400, status(400, "BadRequest", "invalid field selector"))
            lsel = parse_label_selector(q.get("labelSelector", ""))
            if watching:
                return self.watch(ns, fsel, lsel, q)
            return self.list(ns, fsel, lsel, q)
        if method == "GET":
            with LOCK:
                obj = STATE["objects"].get(ns + "/" + name)
            if obj is None:
                return self.send_json(404, status(404, "NotFound",
                                                  'secrets "%s" not found' % name))
            return self.send_json(200, with_kind(obj))
        return self.write(method, ns, name)

    def list(self, ns, fsel, lsel, q):
        limit = int(q.get("limit") or 0)
        cont = q.get("continue")
        with LOCK:
            if cont:
                try:
                    tok = json.loads(base64.b64decode(cont))
                except Exception:
                    return self.send_json(400, status(400, "BadRequest", "invalid continue token"))
                snap = SNAPSHOTS.get(tok["id"])
                if snap is None or time.time() - snap["t"] > ARGS.continue_ttl:
                    return self.send_json(410, status(410, "Expired",
                                                      "The provided continue parameter is too old "
                                                      "to display a consistent list result. You can "
                                                      "start a new list without the continue "
                                                      "parameter."))
                items, rv, start, sid = snap["items"], snap["rv"], tok["start"], tok["id"]
            else:
                items = [STATE["objects"][k] for k in sorted(STATE["objects"])
                         if matches(STATE["objects"][k], ns, fsel, lsel)]
                rv, start, sid = STATE["rv"], 0, None
            if ARGS.ignore_limit or (q.get("resourceVersion") == "0" and not cont):
                # resourceVersion=0 is the watch cache's, which answers in one page.
                limit = 0
            meta = {"resourceVersion": str(rv)}
            page = items[start:]
            if limit and len(page) > limit:
                page = page[:limit]
                if sid is None:
                    sid = "%d-%f" % (rv, time.time())
                    SNAPSHOTS[sid] = {"items": items, "rv": rv, "t": time.time()}
                meta["continue"] = base64.b64encode(json.dumps(
                    {"id": sid, "start": start + limit}).encode()).decode()
        self.send_json(200, {"kind": "SecretList", "apiVersion": "v1", "metadata": meta,
                             "items": page})

    def watch(self, ns, fsel, lsel, q):
        rv_param = q.get("resourceVersion", "")
        bookmarks = q.get("allowWatchBookmarks") == "true"
        timeout = float(q.get("timeoutSeconds") or ARGS.default_watch_timeout)
        deadline = time.time() + timeout
        with LOCK:
            epoch = WATCH_EPOCH[0]
            registered_rv = STATE["rv"]
            if rv_param not in ("", "0"):
                try:
                    want = int(rv_param)
                except ValueError:
                    return self.send_json(400, status(400, "BadRequest", "invalid resourceVersion"))
                oldest = STATE["history"][0]["rv"] - 1 if STATE["history"] else STATE["rv"]
                too_old = want < oldest
                if too_old:
                    if ARGS.expired_mode == "http":
                        return self.send_json(410, status(410, "Expired",
                                                          "too old resource version: %d (%d)" %
                                                          (want, STATE["first_rv"])))
                    initial, pos = [], None
                    err = {"type": "ERROR", "object": status(
                        410, "Expired", "too old resource version: %d (%d)" %
                        (want, STATE["first_rv"]))}
                    self.begin_stream()
                    self.chunk(json.dumps(err).encode() + b"\n")
                    self.chunk(b"")
                    return
                pos = want
                initial = []
            else:
                initial = [STATE["objects"][k] for k in sorted(STATE["objects"])
                           if matches(STATE["objects"][k], ns, fsel, lsel)]
                pos = STATE["rv"]
        self.begin_stream()
        try:
            out = [json.dumps({"type": "ADDED", "object": with_kind(o)}).encode() + b"\n"
                   for o in initial]
            self.send_events(out)
            last_bookmark = time.time()
            # The version a bookmark must pass: the watch cache counts the history a watch
            # replays on registration as told, selected or not, and later changes only once
            # sent.
            sent_rv = max(pos, registered_rv)
            while True:
                with LOCK:
                    now = time.time()
                    if WATCH_EPOCH[0] != epoch or now >= deadline:
                        break
                    pending = [e for e in STATE["history"] if e["rv"] > pos]
                    if not pending and not (now < SILENCE_UNTIL[0]):
                        LOCK.wait(timeout=min(0.2, max(0.01, deadline - now)))
                        pending = [e for e in STATE["history"] if e["rv"] > pos]
                    if WATCH_EPOCH[0] != epoch:
                        break
                    cur_rv = STATE["rv"]
                if time.time() < SILENCE_UNTIL[0]:
                    time.sleep(0.05)
                    continue
                out = []
                for e in pending:
                    pos = e["rv"]
                    told = len(out)
                    was, now_m = matches(e["old"], ns, fsel, lsel), matches(e["new"], ns, fsel, lsel)
                    if e["type"] == "DELETED":
                        if was:
                            out.append({"type": "DELETED", "object": with_kind(e["old_final"])
                                        if "old_final" in e else with_kind(e["old"])})
                    elif was and now_m:
                        out.append({"type": "MODIFIED", "object": with_kind(e["new"])})
                    elif now_m:
                        out.append({"type": "ADDED", "object": with_kind(e["new"])})
                    elif was:
                        out.append({"type": "DELETED", "object": with_kind(e["new"])})
                    if len(out) > told:
                        sent_rv = pos
                # A bookmark only moves a watch on: none unless a secret changed since the
                # last version this watch told.
                if (bookmarks and ARGS.bookmark_interval > 0 and cur_rv > sent_rv and
                        time.time() - last_bookmark >= ARGS.bookmark_interval):
                    pos = sent_rv = max(pos, cur_rv)
                    out.append({"type": "BOOKMARK", "object": {
                        "kind": "Secret", "apiVersion": "v1",
                        "metadata": {"resourceVersion": str(pos)}}})
                    last_bookmark = time.time()
                self.send_events([json.dumps(o).encode() + b"\n" for o in out])
                if out:
                    with LOCK:
                        SENT["rv"], SENT["at"] = max(SENT["rv"], pos), time.monotonic()
            self.chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def begin_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def send_events(self, events):
        if not events:
            return
        data = b"".join(events)
        with LOCK:
            fault = STREAM_FAULTS[0] if STREAM_FAULTS and STREAM_FAULTS[0]["count"] > 0 else None
            if fault:
                fault["count"] -= 1
                if fault["count"] == 0:
                    STREAM_FAULTS.pop(0)
        if fault and fault["mode"] == "cut":
            # Half an event, then the connection goes: no terminating chunk.
            self.chunk(data[:max(1, len(events[0]) // 2)])
            self.wfile.flush()
            self.close_connection = True
            raise BrokenPipeError("cut inside an event")
        if fault and fault["mode"] == "garbage":
            data = b"{this is not json\n" + data
        if ARGS.split_chunks:
            # Chunk boundaries are not event boundaries: cut in odd places.
            step = max(1, ARGS.split_chunks)
            for i in range(0, len(data), step):
                self.chunk(data[i:i + step])
        else:
            self.chunk(data)

    def write(self, method, ns, name):
        if ns is None:
            return self.send_json(405, status(405, "MethodNotAllowed", "method not allowed"))
        body = self.read_body()
        obj = None
        if method in ("POST", "PUT"):
            try:
                obj = json.loads(body)
            except ValueError:
                return self.send_json(400, status(400, "BadRequest", "body is not JSON"))
            obj.pop("kind", None)
            obj.pop("apiVersion", None)
            meta = obj.setdefault("metadata", {})
            meta["namespace"] = ns
            if method == "PUT":
                meta["name"] = name
            name = meta.get("name")
            if not name:
                return self.send_json(422, status(422, "Invalid", "metadata.name: Required value"))
            obj.setdefault("type", "Opaque")
        k = ns + "/" + name
        with LOCK:
            old = STATE["objects"].get(k)
            if method == "POST" and old is not None:
                return self.send_json(409, status(409, "AlreadyExists",
                                                  'secrets "%s" already exists' % name))
            if method in ("PUT", "DELETE") and old is None:
                return self.send_json(404, status(404, "NotFound", 'secrets "%s" not found' % name))
            if method == "PUT" and old.get("type", "Opaque") != obj.get("type", "Opaque"):
                return self.send_json(422, status(422, "Invalid", "type: Invalid value: "
                                                  "field is immutable"))
            STATE["rv"] += 1
            rv = str(STATE["rv"])
            if method == "DELETE":
                final = json.loads(json.dumps(old))
                final["metadata"]["resourceVersion"] = rv
                del STATE["objects"][k]
                record_event("DELETED", final, None)
                result = with_kind(final)
            else:
                obj["metadata"]["resourceVersion"] = rv
                obj["metadata"]["uid"] = old["metadata"]["uid"] if old else \
                    "uid-%s-%s" % (ns, name)
                obj["metadata"].setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
                STATE["objects"][k] = obj
                record_event("MODIFIED" if old else "ADDED", old, obj)
                result = with_kind(obj)
            save_state()
            LOCK.notify_all()
        self.send_json(200 if method != "POST" else 201, result)

    def control(self, method, path):
        body = self.read_body()
        req = json.loads(body) if body else {}
        with LOCK:
            if path == "/_fake/faults":
                FAULTS.append({"status": req["status"], "retryAfter": req.get("retryAfter"),
                               "count": req.get("count", 1), "match": req.get("match", "any"),
                               "text": req.get("text", False),
                               "event": req.get("event", False)})
            elif path == "/_fake/close":
                WATCH_EPOCH[0] += 1
                LOCK.notify_all()
            elif path == "/_fake/stream":
                STREAM_FAULTS.append({"mode": req.get("mode", "cut"), "count": req.get("count", 1)})
            elif path == "/_fake/storm":
                k = req["namespace"] + "/" + req["name"]
                base = STATE["objects"].get(k)
                if base is None:
                    return self.send_json(404, {"error": "no such secret"})
                for i in range(1, int(req.get("count", 10000)) + 1):
                    obj = json.loads(json.dumps(base))
                    auth = base64.b64encode(("%s:storm-%d" % (req["user"], i)).encode()).decode()
                    cfg = json.dumps({"auths": {req["registry"]: {"auth": auth}}}, separators=(",", ":"))
                    obj["data"] = {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}
                    STATE["rv"] += 1
                    obj["metadata"]["resourceVersion"] = str(STATE["rv"])
                    old = STATE["objects"][k]
                    STATE["objects"][k] = obj
                    record_event("MODIFIED", old, obj)
                save_state()
                LOCK.notify_all()
            elif path == "/_fake/silence":
                SILENCE_UNTIL[0] = time.time() + float(req.get("seconds", 1))
            elif path == "/_fake/compact":
                STATE["history"] = []
                STATE["first_rv"] = STATE["rv"] + 1
                save_state()
            elif path == "/_fake/requests":
                return self.send_json(200, REQUESTS)
            elif path == "/_fake/sent":
                return self.send_json(200, dict(SENT))
            elif path == "/_fake/nodes":
                with LOCK:
                    return self.send_json(200, {"nodes": NODES, "patches": PATCHES, "events": EVENTS})
            elif path == "/_fake/state":
                return self.send_json(200, {"rv": STATE["rv"], "objects": len(STATE["objects"])})
            else:
                return self.send_json(404, {"error": "no such control"})
        self.send_json(200, {"ok": True})


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--client-ca", help="accept client certificates this CA signed as authenticated")
    p.add_argument("--gzip-min", type=int, default=128 * 1024)
    p.add_argument("--token-file")
    p.add_argument("--state")
    p.add_argument("--no-history-on-restart", action="store_true")
    p.add_argument("--no-save", action="store_true", help="load --state, never write it")
    p.add_argument("--history", type=int, default=1000)
    p.add_argument("--continue-ttl", type=float, default=300)
    p.add_argument("--ignore-limit", action="store_true")
    p.add_argument("--bookmark-interval", type=float, default=0)
    p.add_argument("--default-watch-timeout", type=float, default=1800)
    p.add_argument("--expired-mode", choices=["event", "http"], default="event")
    p.add_argument("--split-chunks", type=int, default=0)
    p.add_argument("--verbose", action="store_true")
    ARGS = p.parse_args()
    if ARGS.state and os.path.exists(ARGS.state):
        with open(ARGS.state) as f:
            STATE.update(json.load(f))
        if ARGS.no_history_on_restart:
            STATE["history"] = []
            STATE["first_rv"] = STATE["rv"] + 1
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        if ARGS.client_ca:
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(ARGS.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.replace(tmp, ARGS.port_file)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    srv.serve_forever()


if __name__ == "__main__":
    main()
