#!/usr/bin/env python3
"""The rate limiter (issue 14, item 4): two clients that shared a slot of the old table
(127.0.0.109 and 127.0.0.202) reset each other's bucket, so alternating between them
cast every vote. Each must be limited on its own, and a 429 says when to come back."""
import time

from serverlib import Server, check, request


def vote(srv, src, i):
    st, h, _ = request(srv, "POST", "/api/v1/feedback", source=src,
                       headers={"Content-Type": "application/json"},
                       body=('{"page":"/port/%d","vote":"yes"}' % i).encode())
    return st, h


def search(srv, src):
    st, h, _ = request(srv, "GET", "/api/v1/search?q=ssh", source=src)
    return st, h


def main():
    pair = ("127.0.0.109", "127.0.0.202")
    with Server() as srv:
        t0 = time.monotonic()
        ok = {a: 0 for a in pair}
        retry = []
        for i in range(60):
            a = pair[i % 2]
            st, h = vote(srv, a, i)
            ok[a] += st == 200
            if st == 429:
                retry.append(h.get("retry-after"))
        took = time.monotonic() - t0
        # A bucket holds 10 votes and refills one every 6 s.
        allowed = 10 + int(took / 6) + 1
        print("votes accepted in %.1f s: %s (at most %d each)" % (took, ok, allowed))
        check(all(n <= allowed for n in ok.values()), "alternating clients are each limited")
        check(all(n >= 10 for n in ok.values()), "each client had its own 10 votes")
        check(retry and all(r and r.isdigit() and 1 <= int(r) <= 7 for r in retry),
              "every 429 of a vote says Retry-After (1-7 s)")

        t0 = time.monotonic()
        ok = {a: 0 for a in pair}
        for i in range(300):
            st, h = search(srv, pair[i % 2])
            ok[pair[i % 2]] += st == 200
        took = time.monotonic() - t0
        allowed = 60 + int(took * 10) + 1
        print("searches answered in %.1f s: %s (at most %d each)" % (took, ok, allowed))
        check(all(n <= allowed for n in ok.values()), "alternating searches are each limited")
        # A third client is not limited by the other two.
        st, _ = search(srv, "127.0.0.3")
        check(st == 200, "another client still searches")


main()
