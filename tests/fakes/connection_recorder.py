#!/usr/bin/python3
"""Listens on ADDR:PORT (TCP) and writes one line to LOG per connection it accepts, then closes
it: a stand-in for a place a pull test must never reach (a cloud metadata service).

connection_recorder.py --addr A --port P --log L
"""
import argparse
import socket

ap = argparse.ArgumentParser()
ap.add_argument("--addr", required=True)
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--log", required=True)
a = ap.parse_args()
s = socket.socket(socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a.addr, a.port))
s.listen(16)
while True:
    c, peer = s.accept()
    with open(a.log, "a") as f:
        f.write(f"connection from {peer[0]}\n")
    c.close()
