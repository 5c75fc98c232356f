#!/usr/bin/env python3
"""Measures portlore's relevance against hand-written expectations with a dev and a
held-out half (the files' headers say how they were made).

  check.py ports  PORTLORE STORE expected.tsv [MIN]   (MIN default 95)
      Is the first lore use of `portlore PORT --json` the entry an administrator names
      first? Fails when the held-out accuracy is under MIN percent.
  check.py search PORTLORE STORE queries.tsv [MIN]    (MIN default 90)
      Is an expected port among the ports of the first hit of `portlore search`, and
      of the first three? Fails when the held-out first-hit rate is under MIN percent
      or any held-out query misses the top three.

Prints the rates per set and every miss. Exit status 0, 1 (under the bar), 2 (bad input).
"""
import json
import re
import subprocess
import sys


def load(path, shape):
    """Rows of a tab-separated file: three columns, the last one dev or heldout."""
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            cols = line.split('\t')
            if len(cols) != 3 or cols[2] not in ('dev', 'heldout'):
                print(f'{path}:{n}: want "{shape}<TAB>dev|heldout"', file=sys.stderr)
                sys.exit(2)
            rows.append(cols)
    return rows


def pct(ok, n):
    return f'{ok}/{n} = {100.0 * ok / n:.1f}%' if n else '0/0'


def ports(exe, store, path, floor):
    rows = load(path, 'port/proto<TAB>lore-id')
    out = subprocess.run([exe, '--db', store, '--no-host', '--json',
                          ','.join(r[0] for r in rows)],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        print(f'portlore failed ({out.returncode}): {out.stderr.strip()}', file=sys.stderr)
        return 2
    first = {}
    for rep in json.loads(out.stdout)['reports']:
        first[f"{rep['port']}/{rep['protocol']}"] = rep['lore'][0]['id'] if rep['lore'] else '(none)'
    score = {'dev': [0, 0], 'heldout': [0, 0]}
    for port, want, which in rows:
        got = first.get(port, '(no report)')
        score[which][0] += got == want
        score[which][1] += 1
        if got != want:
            print(f'miss {which:7} {port:10} expected {want}, first is {got}')
    for which, (ok, n) in score.items():
        print(f'{which}: {pct(ok, n)} first-entry accuracy')
    ok, n = score['heldout']
    return 0 if n and 100.0 * ok / n >= floor else 1


def hit_ports(hit):
    """Ports of a hit's "ports" text ("22/tcp, 22/udp", "6000-6063/tcp")."""
    out = set()
    for lo, hi in re.findall(r'(\d+)(?:-(\d+))?', hit['ports']):
        lo, hi = int(lo), int(hi or lo)
        out.update(range(lo, hi + 1) if hi - lo < 64 else {lo})
    return out


def search(exe, store, path, floor):
    rows = load(path, 'query<TAB>port[,port...]')
    score = {'dev': [0, 0, 0], 'heldout': [0, 0, 0]}
    for query, ports_, which in rows:
        want = {int(p) for p in ports_.split(',')}
        out = subprocess.run([exe, 'search', '--db', store, '--json', '-n', '3', query],
                             capture_output=True, text=True, timeout=60)
        hits = json.loads(out.stdout)['hits'] if out.returncode == 0 else []
        first = bool(hits) and bool(hit_ports(hits[0]) & want)
        top3 = any(hit_ports(h) & want for h in hits[:3])
        score[which][0] += first
        score[which][1] += top3
        score[which][2] += 1
        if not first:
            got = ', '.join(f"{h['ref']} ({h['ports'][:30]})" for h in hits[:3]) or 'nothing'
            print(f"miss {which:7} {query!r:22} want {ports_}: "
                  f"{'top 3' if top3 else 'NOT in top 3'}: {got}")
    for which, (first, top3, n) in score.items():
        print(f'{which}: first hit {pct(first, n)}, top three {pct(top3, n)}')
    first, top3, n = score['heldout']
    return 0 if n and 100.0 * first / n >= floor and top3 == n else 1


def main():
    modes = {'ports': (ports, 95.0), 'search': (search, 90.0)}
    if len(sys.argv) not in (5, 6) or sys.argv[1] not in modes:
        print(__doc__, file=sys.stderr)
        return 2
    fn, floor = modes[sys.argv[1]]
    return fn(*sys.argv[2:5], float(sys.argv[5]) if len(sys.argv) == 6 else floor)


if __name__ == '__main__':
    sys.exit(main())
