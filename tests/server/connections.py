#!/usr/bin/env python3
"""Slow clients and many connections (issue 14, items 1 and 7).

1. 1,000 slow connections from four loopback addresses (127.0.0.2-5), each sending its
   request head a few bytes a second, leave normal requests from 127.0.0.1 answered
   with p99 under 100 ms: with the default limits, and with --max-connections 256
   (the gate must close the slow ones that waited longest to make room).
2. A request head has a total deadline: a client that keeps sending a byte a second
   gets 408 after --timeout seconds, though it is never silent.
3. 1,000 concurrent keep-alive connections from one address are all served (wrk -c1000
   from 127.0.0.1 must see no socket errors).
Bounded: every phase has a time limit and a fixed number of sockets."""
import select
import socket
import sys
import time

from serverlib import Server, check, exchange, raise_nofile, request

SLOW = 1000
NORMAL = 200


def open_slow(port, n, sources):
    """Opens n connections (spread over sources) that have sent part of a head."""
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.bind((sources[i % len(sources)], 0))
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    deadline = time.monotonic() + 10
    pending = list(socks)
    while pending and time.monotonic() < deadline:
        _, w, _ = select.select([], pending[:500], [], 1)
        for s in w:
            try:
                s.send(b"GET /port/22 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            except OSError:
                pass
            pending.remove(s)
    return socks


def drip(socks):
    """Sends one more header byte on every slow connection still open."""
    for s in socks:
        try:
            s.send(b"X")
        except OSError:
            pass


def timed_requests(srv, n, slow):
    times, bad = [], 0
    end = time.monotonic() + 40
    for i in range(n):
        if time.monotonic() > end:
            break
        if i % 20 == 0:
            drip(slow)
        t = time.monotonic()
        try:
            st, _, _ = request(srv, "GET", "/port/22" if i % 2 else "/healthz")
        except OSError:
            st = 0
        times.append(time.monotonic() - t)
        bad += st != 200
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else 99
    return len(times), bad, p99


def slowloris(args, label):
    with Server(*args) as srv:
        slow = open_slow(srv.port, SLOW, ["127.0.0.%d" % i for i in range(2, 6)])
        time.sleep(0.5)
        n, bad, p99 = timed_requests(srv, NORMAL, slow)
        print("%s: %d requests, %d not 200, p99 %.1f ms; server connections %s, evicted %s"
              % (label, n, bad, p99 * 1000, srv.metric("portlore_connections"),
                 srv.metric("portlore_connections_evicted_total")))
        check(n == NORMAL and bad == 0, "%s: every normal request answered 200" % label)
        check(p99 < 0.100, "%s: p99 %.1f ms < 100 ms" % (label, p99 * 1000))
        evicted = srv.metric("portlore_connections_evicted_total")
        for s in slow:
            s.close()
        return evicted


def head_deadline():
    with Server("--timeout", "2") as srv:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        t0, got = time.monotonic(), b""
        s.settimeout(0.5)
        while time.monotonic() - t0 < 8:
            try:
                s.sendall(b"X")
                b = s.recv(4096)
                if not b:
                    break
                got += b
            except socket.timeout:
                continue
            except OSError:
                break
        took = time.monotonic() - t0
        s.close()
        check(got.startswith(b"HTTP/1.1 408"), "a head dripped a byte at a time gets 408")
        check(took < 4, "... after the 2 s deadline (%.1f s)" % took)
        # The same on a kept-alive connection, after a first request was answered.
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(("GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n" % srv.hostport).encode())
        first = s.recv(65536)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        t0, closed = time.monotonic(), False
        s.settimeout(0.5)
        while time.monotonic() - t0 < 8 and not closed:
            try:
                s.sendall(b"X")
                closed = s.recv(4096) == b""
            except socket.timeout:
                continue
            except OSError:
                closed = True
        took = time.monotonic() - t0
        s.close()
        check(first.startswith(b"HTTP/1.1 200") and closed and took < 4,
              "a kept-alive connection dripping its next head is closed after the "
              "deadline (%.1f s)" % took)


def idle_keepalive_make_room():
    """Idle kept-alive connections (one request each, then silence) give way to new
    clients near the limit."""
    with Server("--max-connections", "64") as srv:
        idle = []
        for i in range(120):
            try:
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
                s.sendall(("GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n"
                           % srv.hostport).encode())
                s.recv(65536)
                idle.append(s)
            except OSError:
                pass
        n, bad, p99 = timed_requests(srv, 50, [])
        for s in idle:
            s.close()
        check(n == 50 and bad == 0, "with 120 idle kept-alive connections and "
              "--max-connections 64, new requests are answered (%d not 200, p99 %.1f ms)"
              % (bad, p99 * 1000))


def many_keepalive(n=1000, rounds=3):
    with Server() as srv:
        socks = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            socks.append(s)
        req = ("GET /port/3333 HTTP/1.1\r\nHost: %s\r\n\r\n" % srv.hostport).encode()
        ok = 0
        for r in range(rounds):
            for s in socks:
                s.sendall(req)
            for s in socks:
                buf = b""
                try:
                    while b"\r\n\r\n" not in buf:
                        b = s.recv(65536)
                        if not b:
                            break
                        buf += b
                    head, _, body = buf.partition(b"\r\n\r\n")
                    cl = int([l.split(b":")[1] for l in head.split(b"\r\n")
                              if l.lower().startswith(b"content-length")][0])
                    while len(body) < cl:
                        b = s.recv(65536)
                        if not b:
                            break
                        body += b
                    ok += head.startswith(b"HTTP/1.1 200") and len(body) == cl
                except (OSError, IndexError, ValueError):
                    pass
        for s in socks:
            s.close()
        check(ok == n * rounds, "%d keep-alive connections from one address: %d of %d "
              "requests answered" % (n, ok, n * rounds))


def main():
    nofile = raise_nofile()
    if nofile < 2 * SLOW + 200:
        print("SKIP: needs %d file descriptors, has %d" % (2 * SLOW + 200, nofile))
        sys.exit(77)
    slowloris([], "1,000 slow connections, default limits")
    evicted = slowloris(["--max-connections", "256"], "1,000 slow connections, "
                        "--max-connections 256")
    check(evicted is not None and evicted >= SLOW - 256,
          "near the limit the slow connections that waited longest were closed (%s)" % evicted)
    head_deadline()
    idle_keepalive_make_room()
    many_keepalive()


main()
