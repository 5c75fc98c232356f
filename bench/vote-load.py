#!/usr/bin/env python3
"""vote-load.py: posts votes to portlore servers as many readers (each its own
portlore_reader cookie and its own loopback address, as the rate limit is per address),
round-robin over the servers, with a few threads; prints votes per second and latency
percentiles. Only loopback is ever contacted.

  vote-load.py VOTES THREADS URL [URL...]
"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def main():
    votes, threads, urls = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    targets = [urlsplit(u) for u in urls]
    for t in targets:
        if not t.hostname.startswith("127."):
            sys.exit("vote-load.py: loopback servers only")
    lat, codes, lock = [], {}, threading.Lock()
    nxt = [0]

    def worker():
        while True:
            with lock:
                i = nxt[0]
                if i >= votes:
                    return
                nxt[0] += 1
            t = targets[i % len(targets)]
            # Reader i // 4: address 127.1.x.y, one vote on each of four pages.
            reader = i // 4
            src = "127.1.%d.%d" % (reader // 250, reader % 250 + 1)
            body = json.dumps({"page": "/port/%d" % (3333 + i % 4),
                               "vote": ("yes", "partly", "no")[i % 3]})
            t0 = time.monotonic()
            c = http.client.HTTPConnection(t.hostname, t.port, timeout=15,
                                           source_address=(src, 0))
            c.request("POST", "/api/v1/feedback", body,
                      {"Content-Type": "application/json",
                       "Cookie": "portlore_reader=%032x" % reader})
            code = c.getresponse().status
            c.close()
            dt = time.monotonic() - t0
            with lock:
                lat.append(dt)
                codes[code] = codes.get(code, 0) + 1

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - t0
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    print("votes %d in %.2f s: %.0f votes/s; latency ms p50 %.1f p99 %.1f; status %s" % (
        len(lat), wall, len(lat) / wall, pct(0.50), pct(0.99),
        " ".join("%d:%d" % kv for kv in sorted(codes.items()))))


main()
