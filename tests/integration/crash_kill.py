#!/usr/bin/python3
"""SIGKILL regcredd at random moments while its secrets change; after each kill every file it
writes must parse, a user's own entry must be intact, and after the last restart the files must
converge to the secrets.

usage: crash_kill.py REGCREDD TMPDIR [--kills 50] [--changes 1000]
"""
import argparse
import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("regcredd")
ap.add_argument("tmp")
ap.add_argument("--kills", type=int, default=50)
ap.add_argument("--changes", type=int, default=1000)
a = ap.parse_args()
T = a.tmp
secrets = os.path.join(T, "secrets")
os.makedirs(secrets, exist_ok=True)
docker = os.path.join(T, "home", ".docker", "config.json")
kubelet = os.path.join(T, "kubelet", "config.json")
os.makedirs(os.path.dirname(docker), exist_ok=True)
USER_ENTRY = {"auth": base64.b64encode(b"me:my-own-pw").decode(), "email": "me@example.com"}
with open(docker, "w") as f:
    json.dump({"auths": {"user-own.example": USER_ENTRY}, "psFormat": "table {{.ID}}"}, f)
rng = random.Random(1234)
N = 50  # secrets, each one registry
state = {}


def write_secret(i, pw):
    auth = base64.b64encode(f"user{i}:{pw}".encode()).decode()
    cfg = json.dumps({"auths": {f"reg{i}.example": {"auth": auth}}}, separators=(",", ":"))
    doc = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
           "metadata": {"namespace": "crash", "name": f"s{i}", "labels": {"regcred.io/sync": "true"}},
           "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}
    path = os.path.join(secrets, f"s{i}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)
    state[i] = pw


def delete_secret(i):
    try:
        os.unlink(os.path.join(secrets, f"s{i}.json"))
    except FileNotFoundError:
        pass
    state.pop(i, None)


for i in range(N):
    write_secret(i, "pw-0")
log = open(os.path.join(T, "regcredd.log"), "ab")
sock = os.path.join(T, "regcredd.sock")


def start():
    try:
        os.unlink(sock)
    except FileNotFoundError:
        pass
    return subprocess.Popen([a.regcredd, "--config", "/dev/null", "--secrets-dir", secrets,
                             "--docker-config", docker, "--kubelet-config", kubelet,
                             "--state-dir", os.path.join(T, "state"), "--socket", sock],
                            stdout=log, stderr=log)


def ready():
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(1)
        s.connect(sock)
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return b" 200 " in s.recv(100)
    except OSError:
        return False


fails = []
versions = set()  # (inode, mtime) of the kubelet file seen at the kills: writes happened between


def check_files(when):
    try:
        st = os.stat(kubelet)
        versions.add((st.st_ino, st.st_mtime_ns))
    except FileNotFoundError:
        pass
    for path in (docker, kubelet):
        if not os.path.exists(path):
            if path == docker:
                fails.append(f"{when}: {path} is gone")
            continue
        try:
            d = json.load(open(path))
        except ValueError as e:
            fails.append(f"{when}: {path} does not parse: {e}")
            continue
        if path == docker:
            if d.get("auths", {}).get("user-own.example") != USER_ENTRY or d.get("psFormat") != "table {{.ID}}":
                fails.append(f"{when}: the user's own entry or key changed in {path}")
    # A kill inside a write may leave its temp file; the next write removes it. So at most one
    # at a kill, none at the end.
    leftovers = [n for n in os.listdir(os.path.dirname(docker)) if n != "config.json"]
    if len(leftovers) > (0 if when == "final" else 1):
        fails.append(f"{when}: temp files left in ~/.docker: {leftovers}")


proc = start()
changes = 0
kills = 0
t_end = time.time() + 300
while (kills < a.kills or changes < a.changes) and time.time() < t_end:
    # A burst of changes, then a kill at a random moment inside or just after it.
    for _ in range(rng.randint(5, 40)):
        i = rng.randrange(N)
        if rng.random() < 0.1:
            delete_secret(i)
        else:
            write_secret(i, f"pw-{changes}")
        changes += 1
        if rng.random() < 0.3:
            time.sleep(rng.uniform(0, 0.01))
    time.sleep(rng.uniform(0, 0.15))
    if kills < a.kills:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        check_files(f"kill {kills}")
        proc = start()
        # Sometimes kill it again before it is ready: a crash during start-up.
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0, 0.05))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            check_files(f"kill {kills} (during start-up)")
            proc = start()
        # Otherwise the next kill lands among writes: wait until it serves.
        deadline = time.time() + 10
        while not ready() and time.time() < deadline:
            time.sleep(0.01)

deadline = time.time() + 20
while not ready() and time.time() < deadline:
    time.sleep(0.05)


def converged():
    try:
        d = json.load(open(kubelet))
        u = json.load(open(docker))
    except (OSError, ValueError):
        return False
    want = {f"reg{i}.example": base64.b64encode(f"user{i}:{pw}".encode()).decode() for i, pw in state.items()}
    got = {k: v.get("auth") for k, v in d.get("auths", {}).items()}
    got_u = {k: v.get("auth") for k, v in u.get("auths", {}).items() if k != "user-own.example"}
    return got == want and got_u == want


deadline = time.time() + 20
while not converged() and time.time() < deadline:
    time.sleep(0.05)
ok_converged = converged()
check_files("final")
proc.send_signal(signal.SIGTERM)
proc.wait()
print(f"# {kills} kills during {changes} secret changes, {len(versions)} versions of the kubelet file seen")
for f in fails[:10]:
    print("not ok - " + f)
print(("ok" if ok_converged else "not ok") + f" - after the last restart the files hold exactly the {len(state)} secrets")
# The kills must have landed among writes, not only before the first one.
if len(versions) < a.kills // 5:
    print(f"not ok - only {len(versions)} versions of the file across {kills} kills: the daemon barely wrote")
    fails.append("too few writes")
sys.exit(0 if not fails and ok_converged and kills >= a.kills and changes >= a.changes else 1)
