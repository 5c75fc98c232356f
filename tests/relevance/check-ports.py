#!/usr/bin/env python3
"""Measures the relevance order: for every port of expected.tsv, is the first lore use of
`portlore PORT --json` the entry an administrator names first? Prints the accuracy per
set and every miss; exits 1 when the held-out accuracy is below the threshold (95%),
2 on bad input.

usage: check-ports.py PORTLORE STORE EXPECTED.tsv [MIN_HELDOUT_PERCENT]
"""
import json
import subprocess
import sys


def load(path):
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            cols = line.split('\t')
            if len(cols) != 3 or cols[2] not in ('dev', 'heldout') or '/' not in cols[0]:
                sys.exit(f'{path}:{n}: want "port/proto<TAB>lore-id<TAB>dev|heldout"')
            rows.append(cols)
    return rows


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    exe, store, path = sys.argv[1:4]
    floor = float(sys.argv[4]) if len(sys.argv) == 5 else 95.0
    rows = load(path)
    out = subprocess.run([exe, '--db', store, '--json', ','.join(r[0] for r in rows)],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f'portlore failed ({out.returncode}): {out.stderr.strip()}')
    first = {}
    for rep in json.loads(out.stdout)['reports']:
        uses = rep['lore']
        first[f"{rep['port']}/{rep['protocol']}"] = uses[0]['id'] if uses else '(none)'
    score = {'dev': [0, 0], 'heldout': [0, 0]}
    for port, want, which in rows:
        got = first.get(port, '(no report)')
        score[which][1] += 1
        if got == want:
            score[which][0] += 1
        else:
            print(f'miss {which:7} {port:10} expected {want}, first is {got}')
    for which in ('dev', 'heldout'):
        ok, n = score[which]
        print(f'{which}: {ok}/{n} = {100.0 * ok / n:.1f}% first-entry accuracy')
    ok, n = score['heldout']
    return 0 if n and 100.0 * ok / n >= floor else 1


if __name__ == '__main__':
    sys.exit(main())
