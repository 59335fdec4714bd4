#!/usr/bin/python3
"""Raw checks of regcredd's status socket limits: socket_client.py SOCKET CHECK
  big      a 70 KiB body -> 413, connection closed
  idle     a request left half-sent -> the server closes the connection within 15 s
  flood    70 idle connections: the 65th and later are closed at once; the first 64 are served
  hold N S N connections kept busy; prints how many regcredd kept open; holds them S seconds
Prints one line; exits 0 when the socket behaved, 1 otherwise.
"""
import socket
import sys
import time

path, check = sys.argv[1], sys.argv[2]


def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s


def closed_within(s, seconds):
    s.settimeout(seconds)
    try:
        while s.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


if check == "big":
    s = conn()
    body = b"x" * (70 * 1024)
    s.sendall(b"POST /v1/pulltests HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
    try:
        s.sendall(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.settimeout(5)
    head = s.recv(200)
    ok = b" 413 " in head
    print("413 for a 70 KiB body" if ok else f"unexpected: {head!r}")
    sys.exit(0 if ok else 1)
if check == "idle":
    s = conn()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: never finished
    t0 = time.monotonic()
    ok = closed_within(s, 15)
    print(f"closed after {time.monotonic() - t0:.1f} s" if ok else "still open after 15 s")
    sys.exit(0 if ok else 1)
if check == "hold":
    # hold N SECONDS: opens N connections, keeps each busy with half a request, prints how many
    # regcredd kept open after a second, and holds them for SECONDS.
    n, seconds = int(sys.argv[3]), float(sys.argv[4])
    held = []
    for _ in range(n):
        try:
            s = conn()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        except OSError:
            pass
    time.sleep(1)
    kept = [s for s in held if not closed_within(s, 0.01)]
    print(f"kept {len(kept)} of {n}", flush=True)
    time.sleep(seconds)
    sys.exit(0)
if check == "flood":
    held = [conn() for _ in range(64)]
    for s in held:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # keep the sessions busy
    time.sleep(0.3)
    extra = conn()
    refused = closed_within(extra, 3)
    for s in held:
        s.close()
    time.sleep(0.3)
    again = conn()
    again.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    again.settimeout(5)
    served = b" 200 " in again.recv(200)
    print(f"65th connection closed: {refused}; served again after: {served}")
    sys.exit(0 if refused and served else 1)
sys.exit(2)
