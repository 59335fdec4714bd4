#!/usr/bin/env python3
"""connect_proxy.py: an HTTP proxy as a node's egress proxy is used: CONNECT tunnels for https,
and absolute-form requests ("GET http://host:port/path") for plain http, whose connection it
then relays as it is. It writes each first request line to --log, and with --auth USER:PASS
refuses (407) a request without that Proxy-Authorization. Prints its port to --port-file;
--port chooses it (a proxy stopped and started again on the same port)."""
import argparse
import base64
import select
import socket
import socketserver
import threading


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            got = c.recv(4096)
            if not got:
                return
            head += got
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        with self.server.log_lock, open(self.server.log, "a") as f:
            f.write(lines[0] + "\n")
        method, target = lines[0].split(" ")[:2]
        if self.server.auth:
            want = "Proxy-Authorization: Basic " + base64.b64encode(self.server.auth.encode()).decode()
            if want.lower() not in (l.lower() for l in lines[1:]):
                c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                return
        absolute = method != "CONNECT"
        if absolute:  # http://host:port/path: to host:port, the request passed on as it came
            if not target.startswith("http://"):
                c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            target = target[len("http://"):].split("/", 1)[0]
        host, port = target.rsplit(":", 1)
        try:
            up = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
            up.settimeout(None)
        except OSError:
            c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        if absolute:
            up.sendall(head)
        else:
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        socks = [c, up]
        while True:
            ready, _, _ = select.select(socks, [], [])
            for s in ready:
                data = s.recv(65536)
                if not data:
                    up.close()
                    return
                (up if s is c else c).sendall(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--auth", default="")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    a = ap.parse_args()
    socketserver.ThreadingTCPServer.daemon_threads = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True  # the same port again after a stop
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", a.port), Handler)
    srv.log, srv.auth, srv.log_lock = a.log, a.auth, threading.Lock()
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
