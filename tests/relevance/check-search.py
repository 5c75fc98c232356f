#!/usr/bin/env python3
"""Measures search: for every query of queries.tsv, is an expected port among the ports
of the first hit of `portlore search --json`, and among the first three hits? Prints
the rates per set and every miss; exits 1 when, on the held-out set, the first-hit rate
is under the threshold (90%) or any query misses the top three; 2 on bad input.

usage: check-search.py PORTLORE STORE QUERIES.tsv [MIN_FIRST_PERCENT]
"""
import json
import re
import subprocess
import sys


def ports_of(hit):
    """Ports of a hit's "ports" text ("22/tcp, 22/udp", "6000-6063/tcp")."""
    out = set()
    for lo, hi in re.findall(r'(\d+)(?:-(\d+))?', hit['ports']):
        out.update(range(int(lo), int(hi or lo) + 1) if int(hi or lo) - int(lo) < 64
                   else {int(lo)})
    return out


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    exe, store, path = sys.argv[1:4]
    floor = float(sys.argv[4]) if len(sys.argv) == 5 else 90.0
    score = {'dev': [0, 0, 0], 'heldout': [0, 0, 0]}
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            cols = line.split('\t')
            if len(cols) != 3 or cols[2] not in score:
                sys.exit(f'{path}:{n}: want "query<TAB>port[,port...]<TAB>dev|heldout"')
            query, want, which = cols[0], {int(p) for p in cols[1].split(',')}, cols[2]
            out = subprocess.run([exe, 'search', '--db', store, '--json', '-n', '3', query],
                                 capture_output=True, text=True, timeout=60)
            hits = json.loads(out.stdout)['hits'] if out.returncode == 0 else []
            first = bool(hits) and bool(ports_of(hits[0]) & want)
            top3 = any(ports_of(h) & want for h in hits[:3])
            score[which][0] += first
            score[which][1] += top3
            score[which][2] += 1
            if not first:
                got = ', '.join(f"{h['ref']} ({h['ports'][:30]})" for h in hits[:3]) or 'nothing'
                print(f"miss {which:7} {query!r:22} want {cols[1]}: {'top 3' if top3 else 'NOT in top 3'}: {got}")
    for which in ('dev', 'heldout'):
        first, top3, n = score[which]
        print(f'{which}: first hit {first}/{n} = {100.0 * first / n:.1f}%, '
              f'top three {top3}/{n} = {100.0 * top3 / n:.1f}%')
    first, top3, n = score['heldout']
    return 0 if n and 100.0 * first / n >= floor and top3 == n else 1


if __name__ == '__main__':
    sys.exit(main())
