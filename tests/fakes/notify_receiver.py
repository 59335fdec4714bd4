#!/usr/bin/python3
"""Receives sd_notify datagrams on a Unix socket (as systemd does) and appends each one to a
file, one message per line (newlines inside a message become '|'). Closes any fd passed along
(systemd-notify's BARRIER=1), so senders do not wait."""
import array
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
with open(out + ".ready", "w"):
    pass
while True:
    msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    with open(out, "a") as f:
        f.write(msg.decode(errors="replace").replace("\n", "|") + "\n")
