#!/usr/bin/python3
"""The Python fake API server (tests/fakes/fake_apiserver.py) checked against the real one.

fake_conformance.py setup REAL_URL FAKE_URL CA CERT KEY
fake_conformance.py probe REAL_URL FAKE_URL CA CERT KEY REAL_OLD_RV FAKE_OLD_RV

setup gives both servers the same secrets and prints each one's resourceVersion then; the test
then makes that version older than each server's history (the real one restarts, and its watch
cache starts after it; the fake gets a change and drops its history) and probe asks both the
same requests, over TLS with the same client
certificate; for each behaviour the fake's tests rely on, the answers are reduced to what
regcredd reads (status code, Status reason and message with numbers blanked, the names listed,
whether a page has a continue token, watch event types and the objects' keys) and compared. One
line per behaviour; exits 1 when any differs."""
import json
import re
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request

NS = "conformance"


class Server:
    def __init__(self, url, ca, cert, key):
        self.url = url
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(cert, key)
        self.anonymous = ssl.create_default_context(cafile=ca)

    def call(self, method, path, body=None, anonymous=False, timeout=10):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if anonymous:
            headers["Authorization"] = "Bearer not-a-token-of-this-server"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.anonymous if anonymous else self.ctx,
                                        timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def events(self, path):
        """A watch's events until the server ends it (timeoutSeconds in the path)."""
        code, text = self.call("GET", path, timeout=30)
        lines = [json.loads(line) for line in text.decode().splitlines() if line.strip()]
        return code, lines


def blank(text):
    return re.sub(r"\d+", "N", text)


def status_of(code, text):
    try:
        s = json.loads(text)
    except ValueError:
        return {"code": code, "body": "not JSON"}
    return {"code": code, "kind": s.get("kind"), "reason": s.get("reason"),
            "message": blank(s.get("message", "")), "status.code": s.get("code")}


def secret(name, labels, kind="kubernetes.io/dockerconfigjson"):
    key = ".dockerconfigjson" if kind.endswith("json") else ".dockercfg"
    return {"apiVersion": "v1", "kind": "Secret", "type": kind,
            "metadata": {"name": name, "namespace": NS, "labels": labels},
            "data": {key: "e30="}}


def setup(s):
    s.call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": NS}})
    for i in range(5):
        s.call("POST", f"/api/v1/namespaces/{NS}/secrets",
               secret(f"s{i}", {"regcred.io/sync": "true"} if i % 2 == 0 else {}))
    s.call("POST", f"/api/v1/namespaces/{NS}/secrets",
           secret("legacy", {"regcred.io/sync": "true"}, "kubernetes.io/dockercfg"))


def names(text):
    return sorted(i["metadata"]["name"] for i in json.loads(text)["items"])


BASE = f"/api/v1/namespaces/{NS}/secrets"
TYPE = "fieldSelector=type%3Dkubernetes.io%2Fdockerconfigjson"


def probes(s, old_rv):
    """behaviour -> what regcredd reads of the answer."""
    out = {}
    code, text = s.call("GET", f"{BASE}?{TYPE}&labelSelector=regcred.io%2Fsync%3Dtrue")
    out["list: type= field selector and label selector"] = (code, names(text))
    code, text = s.call("GET", f"{BASE}?{TYPE}&limit=2")
    page = json.loads(text)
    cont = page["metadata"].get("continue", "")
    code2, text2 = s.call("GET", f"{BASE}?{TYPE}&limit=2&continue={urllib.request.quote(cont)}")
    out["list: limit=2 pages from etcd, then continue"] = (
        code, len(page["items"]), bool(cont), code2, len(json.loads(text2)["items"]),
        sorted(page["metadata"]))
    code, text = s.call("GET", f"{BASE}?{TYPE}&limit=2&resourceVersion=0")
    page = json.loads(text)
    out["list: resourceVersion=0 (the watch cache) ignores limit"] = (
        code, len(page["items"]), bool(page["metadata"].get("continue")))
    code, events = s.events(f"{BASE}?{TYPE}&resourceVersion=0&timeoutSeconds=1&watch=true")
    out["watch from 0: ADDED for every object"] = (
        code, sorted((e["type"], e["object"]["metadata"]["name"]) for e in events
                     if e["type"] != "BOOKMARK"),
        sorted({k for e in events for k in e["object"] if e["type"] == "ADDED"}))
    rv = json.loads(s.call("GET", f"{BASE}?{TYPE}")[1])["metadata"]["resourceVersion"]
    # A change the open watch does not select: a bookmark moves a watch only past what it told.
    threading.Timer(1.0, s.call, ["POST", BASE, {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "unselected", "namespace": NS}}]).start()
    code, events = s.events(
        f"{BASE}?allowWatchBookmarks=true&{TYPE}&resourceVersion={rv}&timeoutSeconds=6&watch=true")
    marks = [e for e in events if e["type"] == "BOOKMARK"]
    out["watch with allowWatchBookmarks: a BOOKMARK's shape"] = (
        code, bool(marks), sorted(marks[0]["object"]) if marks else None,
        sorted(marks[0]["object"]["metadata"]) if marks else None,
        marks[0]["object"].get("kind") if marks else None)
    rv = json.loads(s.call("GET", f"{BASE}?{TYPE}")[1])["metadata"]["resourceVersion"]
    s.call("POST", BASE, {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                          "metadata": {"name": "unselected-before", "namespace": NS}})
    code, events = s.events(
        f"{BASE}?allowWatchBookmarks=true&{TYPE}&resourceVersion={rv}&timeoutSeconds=4&watch=true")
    out["no BOOKMARK for a change the watch replayed on registration"] = (
        code, [e["type"] for e in events])
    code, events = s.events(f"{BASE}?{TYPE}&resourceVersion={old_rv}&timeoutSeconds=2&watch=true")
    out["watch from a version too old: 200 and one ERROR event, 410 Expired"] = (
        code, [e["type"] for e in events],
        status_of(410, json.dumps(events[0]["object"])) if events else None)
    out["get a secret that is not there: 404 NotFound"] = status_of(
        *s.call("GET", f"{BASE}/nope"))
    out["a field the selector does not support: 400 BadRequest"] = status_of(
        *s.call("GET", f"{BASE}?fieldSelector=spec.foo%3Dbar"))
    out["a token the server does not know: 401 Unauthorized"] = status_of(*s.call("GET", BASE, anonymous=True))
    return out


def main():
    mode, real_url, fake_url, ca, cert, key = sys.argv[1:7]
    real, fake = Server(real_url, ca, cert, key), Server(fake_url, ca, cert, key)
    if mode == "setup":
        for s in (real, fake):
            setup(s)
            print(json.loads(s.call("GET", BASE)[1])["metadata"]["resourceVersion"])
        return 0
    time.sleep(1)  # the watch cache catches up with the writes
    got = {"real": probes(real, sys.argv[7]), "fake": probes(fake, sys.argv[8])}
    bad = 0
    for what, theirs in got["real"].items():
        mine = got["fake"][what]
        if json.dumps(mine, sort_keys=True) == json.dumps(theirs, sort_keys=True):
            print(f"ok - {what}")
        else:
            bad += 1
            print(f"not ok - {what}\n#   real: {theirs}\n#   fake: {mine}")
    print(f"# {len(got['real'])} behaviours, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
