"""How a socket appears at its path while a program starts: watches the folder with inotify
(ctypes; no module to install), runs the program with umask 077, and prints "moved MODE" when the
path appeared by a rename, "created MODE" when it was made in place (the mode as a stat right
after the event saw it), or "none" after 15 s. The program is then stopped.

  socket_appears.py FOLDER NAME -- PROGRAM ARG...
"""

import ctypes
import os
import select
import signal
import struct
import subprocess
import sys
import time

IN_CREATE, IN_MOVED_TO = 0x100, 0x80


def main(argv):
    folder, name, cmd = argv[0], argv[1], argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0 or libc.inotify_add_watch(fd, folder.encode(), IN_CREATE | IN_MOVED_TO) < 0:
        print("inotify: " + os.strerror(ctypes.get_errno()))
        return 2
    os.umask(0o077)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = "none"
    end = time.monotonic() + 15
    try:
        while seen == "none" and time.monotonic() < end:
            if not select.select([fd], [], [], 0.5)[0]:
                continue
            buf = os.read(fd, 65536)
            i = 0
            while i < len(buf):
                _, mask, _, size = struct.unpack_from("iIII", buf, i)
                ev = buf[i + 16:i + 16 + size].rstrip(b"\0").decode()
                i += 16 + size
                if ev == name:
                    try:
                        mode = oct(os.lstat(os.path.join(folder, name)).st_mode & 0o777)
                    except OSError:
                        mode = "gone"
                    seen = ("moved " if mask & IN_MOVED_TO else "created ") + mode
                    break
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    print(seen)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
