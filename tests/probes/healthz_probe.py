#!/usr/bin/python3
"""healthz_probe.py SOCKET SECONDS: GET /healthz on a fresh connection every 5 ms for SECONDS;
prints "answered N/M, p50 X ms, p99 Y ms, max Z ms" and exits 1 if any request went unanswered
(2 s timeout each)."""
import socket
import statistics
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
lat = []
missed = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    t0 = time.monotonic()
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(path)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if b" 200 " not in s.recv(100):
            missed += 1
        s.close()
        lat.append((time.monotonic() - t0) * 1000)
    except OSError:
        missed += 1
    time.sleep(0.005)
lat.sort()
p99 = lat[int(len(lat) * 0.99) - 1] if lat else float("nan")
print(f"answered {len(lat) - 0}/{len(lat) + missed}, p50 {statistics.median(lat):.2f} ms, "
      f"p99 {p99:.2f} ms, max {lat[-1]:.2f} ms")
sys.exit(1 if missed else 0)
