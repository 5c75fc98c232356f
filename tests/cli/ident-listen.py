#!/usr/bin/env python3
"""ident-listen.py: a listener for identify.bats. Binds 127.0.0.1:PORT (0: the kernel
picks), prints the port on one line, and answers like Redis when asked ("+PONG" to
PING) with redis; exits after at most 60 s so that nothing outlives a test.

  ident-listen.py PORT [redis]
"""
import select
import socket
import sys
import time


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    redis = len(sys.argv) > 2 and sys.argv[2] == "redis"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 1)
        if not r:
            continue
        c, _ = s.accept()
        c.settimeout(2)
        try:
            data = c.recv(256)
            if redis and data.upper().startswith(b"PING"):
                c.sendall(b"+PONG\r\n")
        except OSError:
            pass
        c.close()


main()
