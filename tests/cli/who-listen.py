#!/usr/bin/env python3
"""who-listen.py: sockets for who.bats. Binds port 0 (the kernel picks a free port),
prints the port on one line, then sleeps at most 60 s so that nothing outlives a test.

  who-listen.py listen tcp|udp ADDRESS [fork|stdin] [PORT]
                                                 a listener (fork: shared with a child),
                                                 on PORT when given
  who-listen.py reserve                          a TCP port no listener can take here:
                                                 bound on 0.0.0.0 and [::], not listening
  who-listen.py prefork N PAD                    a TCP loopback listener shared with N
                                                 forked workers; the last (the newest
                                                 process) holds it only behind PAD other
                                                 descriptors
  who-listen.py connect PORT [ADDRESS]           a client of a local TCP listener
  who-listen.py timewait                         leaves a TIME-WAIT socket, prints its port
"""
import os
import resource
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def main():
    mode = sys.argv[1]
    keep = []
    if mode == "listen":
        proto, addr = sys.argv[2], sys.argv[3]
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(family(addr), kind)
        if family(addr) == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind((addr, next((int(a) for a in sys.argv[4:] if a.isdigit()), 0)))
        if proto == "tcp":
            s.listen(16)
        keep.append(s)
        port = s.getsockname()[1]
        if len(sys.argv) > 4 and sys.argv[4] == "fork":
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        if len(sys.argv) > 4 and sys.argv[4] == "stdin":
            # The socket on descriptor 0 only, as inetd and systemd's
            # StandardInput=socket hand it over.
            os.dup2(s.fileno(), 0)
            keep.remove(s)
            s.close()
    elif mode == "prefork":
        n, pad = int(sys.argv[2]), int(sys.argv[3])
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        port = s.getsockname()[1]
        for i in range(n):
            if os.fork() == 0:
                if i == n - 1:
                    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                    want = pad + 64 if hard == resource.RLIM_INFINITY else min(hard, pad + 64)
                    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
                    keep += [os.open(os.devnull, os.O_RDONLY) for _ in range(pad)]
                    keep.append(os.dup(s.fileno()))
                    s.close()
                time.sleep(60)
                os._exit(0)
    elif mode == "reserve":
        # Without SO_REUSEADDR, no other socket of this network namespace can bind
        # the port on any address while these hold it; neither listens.
        for _ in range(20):
            s = socket.socket()
            s.bind(("0.0.0.0", 0))
            port = s.getsockname()[1]
            s6 = socket.socket(socket.AF_INET6)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                s6.bind(("::", port))
            except OSError:
                # Taken on IPv6 only: another port.
                s.close()
                s6.close()
                continue
            keep += [s, s6]
            break
        else:
            sys.exit(1)
    elif mode == "connect":
        addr = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
        c = socket.create_connection((addr, int(sys.argv[2])))
        keep.append(c)
        port = c.getsockname()[1]
    elif mode == "timewait":
        # The side that closes first keeps TIME-WAIT: here the client.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        c = socket.create_connection(srv.getsockname())
        a, _ = srv.accept()
        port = c.getsockname()[1]
        c.close()
        a.close()
        srv.close()
    else:
        sys.exit(2)
    print(port, flush=True)
    time.sleep(60)


main()
