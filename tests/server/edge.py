#!/usr/bin/env python3
"""HTTP edge cases and DNS rebinding (issue 14, items 2 and 6), in raw HTTP/1.1 on
loopback: which Host names are served, what libmicrohttpd would have answered itself
(400, 431, 505) carries the security headers, a POST with a body gets 405 with Allow,
a bad Content-Length is answered once; heads up to 8 KiB are served, on a new connection
and on a kept-alive one whose first head was small (libmicrohttpd 0.9.75 leaves a
connection whose pool is too small for its next head hanging until the timeout, which
is why every connection's pool has room for the longest head)."""
import json
import socket

from serverlib import Server, check, exchange, parse, request

SECURITY = {"content-security-policy", "x-content-type-options"}


def secure(h):
    return SECURITY <= set(h) and h["x-content-type-options"] == "nosniff"


def raw(srv, text):
    return exchange(srv.port, text.replace("\n", "\r\n").encode())


def kept_alive(srv, pads):
    """Status of each request on one connection, heads padded by pads; None: closed."""
    out = []
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    for pad in pads:
        s.sendall(("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Pad: %s\r\n\r\n"
                   % ("a" * pad)).encode())
        buf = b""
        while b"\r\n\r\nok\n" not in buf:
            b = s.recv(4096)
            if not b:
                break
            buf += b
        if not buf:
            out.append(None)
            break
        out.append(int(buf.split()[1]))
    s.close()
    return out


def main():
    with Server("--host-name", "portlore.test") as srv:
        # Host names: localhost, the listen address, --host-name; others get 421.
        for host in ("127.0.0.1:%d" % srv.port, "localhost:%d" % srv.port, "LOCALHOST",
                     "portlore.test", "portlore.test:%d" % srv.port):
            st, h, _ = request(srv, "GET", "/healthz", host=host)
            check(st == 200, "Host %s is served" % host)
        for host in ("evil.example:%d" % srv.port, "evil.example", "127.0.0.2:%d" % srv.port,
                     "localhost.evil.example"):
            st, h, _ = request(srv, "GET", "/api/v1/ports/%d" % srv.port, host=host)
            check(st == 421 and secure(h), "Host %s gets 421 with the security headers" % host)
        # The rebinding attack on the vote: Origin and Host both the attacker's name.
        st, _, _ = request(srv, "POST", "/api/v1/feedback", host="evil.example:%d" % srv.port,
                           headers={"Origin": "http://evil.example:%d" % srv.port,
                                    "Content-Type": "application/json"},
                           body=b'{"page":"/","vote":"yes"}')
        check(st == 421, "a rebound vote gets 421")
        st, _, body = request(srv, "GET", "/api/v1/feedback?page=/")
        check(st == 200 and json.loads(body)["totals"]["yes"] == 0, "... and is not counted")
        # The second request of a kept-alive connection is checked too.
        out = raw(srv, "GET /healthz HTTP/1.1\nHost: localhost\n\n"
                       "GET /healthz HTTP/1.1\nHost: evil.example\nConnection: close\n\n")
        check(out.count(b"HTTP/1.1 200") == 1 and out.count(b"HTTP/1.1 421") == 1,
              "a kept-alive connection's next request with another Host gets 421")

        # Host is required in HTTP/1.1, not in HTTP/1.0.
        st, h, _ = parse(raw(srv, "GET /healthz HTTP/1.1\n\n"))
        check(st == 400 and secure(h), "HTTP/1.1 without Host: 400 with the security headers")
        st, _, _ = parse(raw(srv, "GET /healthz HTTP/1.0\n\n"))
        check(st == 200, "HTTP/1.0 without Host: 200")
        st, _, _ = parse(raw(srv, "GET /healthz HTTP/1.1\nHost: a\nHost: b\n\n"))
        check(st == 400, "two Host headers: 400")

        # A body where none is taken: 405 with Allow (no silence).
        for path in ("/port/22", "/", "/api/v1/ports/22", "/nowhere"):
            st, h, _ = request(srv, "POST", path, body=b"x=1" * 100,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            check(st == 405 and h.get("allow") == "GET, HEAD" and secure(h),
                  "POST with a body to %s: 405, Allow: GET, HEAD" % path)
        st, h, _ = request(srv, "PUT", "/api/v1/feedback", body=b"{}")
        check(st == 405 and h.get("allow") == "GET, HEAD, POST", "PUT to the feedback: 405")

        # Bad Content-Length: one status line and one set of headers.
        for cl in ("abc", "1, 2", "-1", "99999999999999999999999", "0x10", ""):
            for method, path in (("GET", "/"), ("POST", "/api/v1/feedback")):
                out = raw(srv, "%s %s HTTP/1.1\nHost: localhost\nContent-Length: %s\n\n"
                          % (method, path, cl))
                st, h, _ = parse(out)
                check(out.count(b"HTTP/1.1 ") == 1 and 400 <= st < 500 and secure(h),
                      "%s with Content-Length %r: one answer (%d), with the security headers"
                      % (method, cl, st))
        out = raw(srv, "POST /api/v1/feedback HTTP/1.1\nHost: localhost\nContent-Length: 5\n"
                       "Transfer-Encoding: chunked\n\n0\n\n")
        check(out.count(b"HTTP/1.1 ") == 1 and parse(out)[0] == 400,
              "Content-Length with Transfer-Encoding: one 400")

        # What libmicrohttpd answers itself carries no security headers: served here.
        st, h, _ = parse(raw(srv, "GET / HTTP/2.0\nHost: localhost\n\n"))
        check(st == 505 and secure(h), "HTTP/2.0 in the request line: 505 with the headers")
        st, h, _ = parse(raw(srv, "GET / HTTP/1.1\nHost: localhost\nX-Big: %s\n\n"
                             % ("a" * 40000)))
        check(st == 431 and secure(h), "a 40 kB head: 431 with the security headers")
        for pad in (100, 7900):
            st, h, _ = parse(raw(srv, "GET /healthz HTTP/1.1\nHost: localhost\n"
                                 "Connection: close\nX-Pad: %s\n\n" % ("a" * pad)))
            check(st == 200, "a first head of %d bytes is served" % (pad + 80))
        check(kept_alive(srv, [100, 3500, 7900, 100]) == [200, 200, 200, 200],
              "a kept-alive connection begun with a small head serves heads to 8 kB")
        check(kept_alive(srv, [7900, 100, 7900]) == [200, 200, 200],
              "one begun with a long head too")
        for line in ("GARBAGE", "GET /", "GET  / HTTP/1.1", "G(T / HTTP/1.1"):
            st, h, _ = parse(raw(srv, "%s\nHost: localhost\n\n" % line))
            check(st == 400 and secure(h), "request line %r: 400 with the headers" % line)
        st, h, _ = parse(raw(srv, "GET / HTTP/1.1\nHost: localhost\nBad Header: x\n\n"))
        check(st == 400 and secure(h), "a malformed header name: 400 with the headers")

        # Retry-After comes with 429.
        codes = []
        for i in range(14):
            st, h, _ = request(srv, "POST", "/api/v1/feedback",
                               headers={"Content-Type": "application/json"},
                               body=('{"page":"/port/%d","vote":"yes"}' % i).encode())
            codes.append((st, h.get("retry-after")))
        limited = [ra for st, ra in codes if st == 429]
        check(limited and all(ra and ra.isdigit() and int(ra) >= 1 for ra in limited),
              "429 carries Retry-After (%s)" % limited[:1])

    # A wildcard listen address serves any IP literal, and still no other names.
    with Server(listen="0.0.0.0:0") as srv:
        st, _, _ = request(srv, "GET", "/healthz", host="127.0.0.1:%d" % srv.port)
        check(st == 200, "on 0.0.0.0, Host 127.0.0.1 is served")
        st, _, _ = request(srv, "GET", "/healthz", host="evil.example")
        check(st == 421, "on 0.0.0.0, Host evil.example gets 421")


main()
