#!/usr/bin/env python3
"""listeners-spawn.py N: N TCP listeners on 127.0.0.1 with N/2 established connections,
spread over worker processes of at most 2,000 listeners each (1,000 connections: a client
and an accepted socket per connection, 4,000 descriptors a worker; the open-file limit is
20,000 per process). Prints "ready PORT PID..." (PORT: a listener of the middle worker),
then sleeps until killed or 30 minutes pass."""
import os
import socket
import sys
import time

CHUNK = 2000


def worker(n, wfd):
    listeners, conns = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        listeners.append(s)
    for s in listeners[: n // 2]:
        c = socket.create_connection(s.getsockname())
        a, _ = s.accept()
        conns += [c, a]
    os.write(wfd, b"%d\n" % listeners[n // 2].getsockname()[1])
    time.sleep(1800)


def main():
    n = int(sys.argv[1])
    pids, ports = [], []
    for start in range(0, n, CHUNK):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            worker(min(CHUNK, n - start), w)
            os._exit(0)
        os.close(w)
        ports.append(int(os.read(r, 64).decode().strip() or 0))
        os.close(r)
        pids.append(pid)
    print("ready", ports[len(ports) // 2], *pids, flush=True)
    time.sleep(1800)


main()
