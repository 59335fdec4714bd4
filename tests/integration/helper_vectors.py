#!/usr/bin/python3
"""Runs docker-vectors.json's helper_protocol vectors against the real docker-credential-regcred.

usage: helper_vectors.py HELPER VECTORS STATE_DIR SOCKET MODE
MODE "state": no daemon listens on SOCKET; the helper reads and writes STATE_DIR itself.
MODE "daemon": regcredd listens on SOCKET (with an empty secret folder); store/erase go to it.
Each vector's store_before is put in place with the helper's own `store`; every vector's stdout
and exit code must equal the recorded ones byte for byte, and stderr must stay empty.
"""
import json
import os
import re
import shutil
import subprocess
import sys

helper, vectors_file, state_dir, socket, mode = sys.argv[1:6]
env = dict(os.environ, REGCRED_SOCKET=socket, REGCRED_STATE_DIR=state_dir)
fails = 0
checks = 0

# Where regcred deliberately differs from the reference helper (it also trims the store's
# ServerURL, which the library does not): a ServerURL stored with spaces is
# found under its trimmed name. Keyed by the vector's note.
DEVIATIONS = {
    "...so a get for the trimmed name misses in a helper that keys by the exact string":
        ('{"ServerURL":"registry.example.com","Username":"u","Secret":"s"}\n', 0),
}


def run(args, stdin):
    p = subprocess.run([helper] + args, input=stdin, capture_output=True, env=env, timeout=30)
    return p.stdout, p.returncode, p.stderr


def ok(desc):
    global checks
    checks += 1
    print(f"ok - {desc}")


def not_ok(desc, detail):
    global checks, fails
    checks += 1
    fails += 1
    print(f"not ok - {desc}\n#   {detail}")


def reset():
    if mode == "state":
        shutil.rmtree(state_dir, ignore_errors=True)
        return
    out, code, _ = run(["list"], b"unused")
    for key in json.loads(out):
        run(["erase"], key.encode())


def stdin_of(v):
    s = v["stdin"]
    if v.get("stdin_generated"):
        if "70000" in s:
            return b"a" * 70000
        if "3 lines" in s:
            return (b"a" * 60000 + b"\n") * 3
        raise SystemExit("unknown generated stdin: " + s)
    return s.encode()


vectors = json.load(open(vectors_file))["helper_protocol"]["server_vectors"]
for i, v in enumerate(vectors):
    desc = f"[{mode}] vector {i} {v['args']}: {v['note']}"
    if "state" not in v:
        reset()
        for url, c in v.get("store_before", {}).items():
            body = json.dumps({"ServerURL": url, "Username": c["Username"], "Secret": c["Secret"]})
            out, code, _ = run(["store"], body.encode())
            if code != 0:
                not_ok(desc, f"store_before {url}: exit {code} {out!r}")
    want = v["expected_stdout"].replace("docker-credential-test", "docker-credential-regcred")
    want_code = v["expected_exit"]
    if v["note"] in DEVIATIONS:
        want, want_code = DEVIATIONS[v["note"]]
    out, code, err = run(v["args"], stdin_of(v))
    got = out.decode("utf-8", "surrogateescape")
    if "version" in v["note"]:
        # "<Name> (<Package>) <Version>\n", with our name, package and version.
        match = re.fullmatch(r"docker-credential-regcred \(regcred\) v\d+\.\d+\.\d+\n", got)
        good = bool(match) and code == want_code
    else:
        good = got == want and code == want_code
    if good and err == b"":
        ok(desc)
    else:
        not_ok(desc, f"want {want!r} exit {want_code}, got {got!r} exit {code} stderr {err!r}")

# Every spelling of Docker Hub a client sends finds the one entry, in both directions.
reset()
spellings = ["https://index.docker.io/v1/", "https://index.docker.io/v1", "index.docker.io",
             "docker.io", "registry-1.docker.io"]
for stored in spellings:
    reset()
    run(["store"], json.dumps({"ServerURL": stored, "Username": "hub", "Secret": "pw"}).encode())
    for asked in spellings:
        out, code, _ = run(["get"], asked.encode())
        want = json.dumps({"ServerURL": asked, "Username": "hub", "Secret": "pw"},
                          separators=(",", ":")) + "\n"
        if out.decode() == want and code == 0:
            ok(f"[{mode}] stored as {stored}, get {asked}")
        else:
            not_ok(f"[{mode}] stored as {stored}, get {asked}", f"got {out!r} exit {code}")

# `list` lists only what `get` answers (docker's GetAll calls get on each).
reset()
for url in ["https://index.docker.io/v1/", "a.example.com:5000", "http://b.example.com/v2/"]:
    run(["store"], json.dumps({"ServerURL": url, "Username": "u", "Secret": "s"}).encode())
out, code, _ = run(["list"], b"unused")
listed = json.loads(out)
if sorted(listed) == ["a.example.com:5000", "http://b.example.com/v2/", "https://index.docker.io/v1/"]:
    ok(f"[{mode}] list: one key per registry")
else:
    not_ok(f"[{mode}] list: one key per registry", f"got {listed}")
for key in listed:
    out, code, _ = run(["get"], key.encode())
    if code == 0 and json.loads(out)["Username"] == "u":
        ok(f"[{mode}] get answers listed key {key}")
    else:
        not_ok(f"[{mode}] get answers listed key {key}", f"got {out!r} exit {code}")

print(f"# {checks} checks, {fails} failed")
sys.exit(1 if fails else 0)
