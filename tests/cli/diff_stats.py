#!/usr/bin/env python3
"""diff_stats.py - sluice stats and stats -g against statistics computed here.

Usage: diff_stats.py SLUICE WORKDIR [CASES]

Random tables (integers, decimals with and without exponents, integers
of 19 to 40 digits that differ in their last digits, decimals of up to
40 digits, strings with commas, quotes and UTF-8, empty values) go through
`sluice stats` (with and without --exact) and `sluice stats -g` (in
memory and spilling under a small ceiling); every aggregate is computed
here with Python's csv, decimal and statistics modules and compared:
exact aggregates exactly (min, max and quantiles as the input's text,
sum as the exact decimal), mean as the double nearest the exact mean,
stddev to 1e-9.
A last case has more distinct values and numbers than stats keeps exact:
the HyperLogLog count must be within 2.5% and each KLL quantile's rank
within 1.65% of n of the asked rank.  Prints the first mismatch and
exits 1.
"""
import csv
import decimal
import math
import os
import random
import re
import statistics
import subprocess
import sys

NUM = re.compile(r'^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$')
INT = re.compile(r'^[+-]?[0-9]+$')
ALL = ['count', 'empty', 'type', 'min', 'max', 'sum', 'mean', 'stddev',
       'distinct', 'p50', 'p90', 'p99', 'first', 'last']
QS = {'p50': 0.5, 'p90': 0.9, 'p99': 0.99}
decimal.getcontext().prec = 80


def aggregate(values):
    """Every aggregate of a list of texts, as (kind, value) pairs."""
    out = {}
    nums = [v for v in values if v and NUM.match(v)]
    strs = [v for v in values if v and not NUM.match(v)]
    out['count'] = ('exact', str(len(values)))
    out['empty'] = ('exact', str(sum(1 for v in values if not v)))
    if len(nums) + len(strs) == 0:
        out['type'] = ('exact', 'empty')
    elif strs:
        out['type'] = ('exact', 'string')
    elif all(INT.match(v) for v in nums):
        out['type'] = ('exact', 'int')
    else:
        out['type'] = ('exact', 'float')
    fl = sorted(float(v) for v in nums)
    # numbers by exact value, equal ones by their bytes: their own text
    byval = sorted(nums, key=lambda v: (decimal.Decimal(v), v.encode()))
    if nums:
        out['min'] = ('exact', byval[0])
    elif strs:
        out['min'] = ('exact', min(strs, key=lambda s: s.encode()))
    else:
        out['min'] = ('exact', '')
    if strs:
        out['max'] = ('exact', max(strs, key=lambda s: s.encode()))
    elif nums:
        out['max'] = ('exact', byval[-1])
    else:
        out['max'] = ('exact', '')
    if nums:
        total = sum(decimal.Decimal(v) for v in nums)
        out['sum'] = ('decimal', total)
        out['mean'] = ('num', float(total / len(nums)))
        for name, q in QS.items():
            r = max(1, math.ceil(q * len(fl)))
            out[name] = ('exact', byval[r - 1])
    else:
        for name in ['sum', 'mean', 'p50', 'p90', 'p99']:
            out[name] = ('exact', '')
    out['stddev'] = (('close', statistics.stdev(fl)) if len(fl) > 1
                     else ('exact', ''))
    out['distinct'] = ('exact', str(len(set(values))))
    out['first'] = ('exact', values[0] if values else '')
    out['last'] = ('exact', values[-1] if values else '')
    return out


def agree(kind, want, got):
    if kind == 'exact':
        return got == want
    if kind == 'decimal':      # the value, written without exponent
        return NUM.match(got) is not None and 'e' not in got.lower() and \
            decimal.Decimal(got) == want and \
            not ('.' in got and got.endswith('0'))
    try:
        g = float(got)
    except ValueError:
        return False
    if kind == 'num':
        return g == want
    return math.isclose(g, want, rel_tol=1e-9, abs_tol=1e-300)


def rand_value(rng, kind):
    r = rng.random()
    if r < 0.08:
        return ''
    if kind == 'int':
        return str(rng.randint(-10**6, 10**6))
    if kind == 'dec':
        if r < 0.15:
            return rng.choice(['n/a', '-', 'x,y', 'é"q"'])
        places = rng.randint(0, 6)
        m = rng.randint(-10**8, 10**8)
        text = str(decimal.Decimal(m).scaleb(-places))
        if r > 0.9:
            text = '%de%d' % (rng.randint(1, 999), rng.randint(-5, 5))
        return text
    if kind == 'big':
        # 19 to 40 digits, close to each other: one double for many
        n = rng.choice([19, 20, 25, 38, 40])
        return str((10**(n - 1) + rng.randint(0, 9)) * 7 *
                   rng.choice([1, -1]))
    if kind == 'long':
        # up to 40 digits, 30 of them decimals, now and then an exponent
        digits = str(rng.randint(1, 10**rng.randint(1, 40)))
        text = str(decimal.Decimal(digits).scaleb(-rng.randint(0, 30)))
        if 'E' in text:
            text = text.replace('E', rng.choice('eE'))
        return rng.choice(['', '-']) + text
    words = ['alpha', 'Beta', 'gamma', 'dé"lta', 'eps,ilon', '', 'zeta']
    return rng.choice(words) + str(rng.randint(0, 30))


def make_table(rng, path, rows):
    names = ['k1', 'k2', 'i', 'd', 'big', 'long', 's']
    table = []
    for _ in range(rows):
        table.append([rng.choice(['a', 'b', 'c', 'ä', '']),
                      str(rng.randint(0, 300)),
                      rand_value(rng, 'int'), rand_value(rng, 'dec'),
                      rand_value(rng, 'big'), rand_value(rng, 'long'),
                      rand_value(rng, 'str')])
    with open(path, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(names)
        w.writerows(table)
    return names, table


def run(sluice, args):
    p = subprocess.run([sluice] + args, capture_output=True)
    if p.returncode != 0:
        sys.exit('sluice %s failed: %s' % (' '.join(args),
                                           p.stderr.decode()))
    return list(csv.reader(p.stdout.decode().splitlines()))


def check_plain(sluice, path, names, table, extra, label):
    out = run(sluice, ['stats', '-a', ','.join(ALL)] + extra + [path])
    if out[0] != ['field'] + ALL:
        sys.exit('%s: header %r' % (label, out[0]))
    if len(out) != 1 + len(names):
        sys.exit('%s: %d rows for %d fields' % (label, len(out) - 1,
                                                 len(names)))
    for row in out[1:]:
        col = names.index(row[0])
        want = aggregate([r[col] for r in table])
        for name, got in zip(ALL, row[1:]):
            kind, w = want[name]
            if not agree(kind, w, got):
                sys.exit('%s: field %s %s: got %r, want %r' %
                         (label, row[0], name, got, w))


def check_groups(sluice, path, names, table, keys, extra, label):
    fields = [n for n in names if n not in keys]
    out = run(sluice, ['stats', '-g', ','.join(keys), '-f',
                       ','.join(fields), '-a', ','.join(ALL)] + extra +
              [path])
    header = keys + ['%s_%s' % (f, a) for f in fields for a in ALL]
    if out[0] != header:
        sys.exit('%s: header %r' % (label, out[0]))
    groups = {}
    ki = [names.index(k) for k in keys]
    for r in table:
        groups.setdefault(tuple(r[i] for i in ki), []).append(r)
    order = sorted(groups, key=lambda t: [s.encode() for s in t])
    got_keys = [tuple(row[:len(keys)]) for row in out[1:]]
    if got_keys != order:
        sys.exit('%s: groups %r..., want %r...' % (label, got_keys[:5],
                                                   order[:5]))
    for row in out[1:]:
        rows = groups[tuple(row[:len(keys)])]
        i = len(keys)
        for f in fields:
            want = aggregate([r[names.index(f)] for r in rows])
            for a in ALL:
                kind, w = want[a]
                if not agree(kind, w, row[i]):
                    sys.exit('%s: group %r %s_%s: got %r, want %r' %
                             (label, row[:len(keys)], f, a, row[i], w))
                i += 1


def check_sketches(sluice, work, rng):
    n = 200000
    path = os.path.join(work, 'wide.csv')
    vals = [rng.random() * 1000 for _ in range(n)]
    with open(path, 'w') as f:
        f.write('x\n')
        for v in vals:
            f.write('%.9f\n' % v)
    vals = [float('%.9f' % v) for v in vals]
    out = run(sluice, ['stats', '-a', 'count,distinct,p50,p90,p99', path])
    row = out[1]
    truth = len(set(vals))
    est = int(row[2])
    if abs(est - truth) > 0.025 * truth:
        sys.exit('hll: %d for %d distinct' % (est, truth))
    s = sorted(vals)
    for name, got in zip(['p50', 'p90', 'p99'], row[3:]):
        q = QS[name]
        want_rank = math.ceil(q * n)
        lo = sum(1 for v in s if v < float(got)) + 1
        hi = sum(1 for v in s if v <= float(got))
        err = 0 if lo <= want_rank <= hi else min(abs(lo - want_rank),
                                                   abs(hi - want_rank))
        if err > 0.0165 * n:
            sys.exit('kll %s: rank %d..%d, want %d' % (name, lo, hi,
                                                       want_rank))
    print('figure: sketches over %d values: distinct %d for %d (%.2f%%)'
          % (n, est, truth, 100.0 * (est - truth) / truth))
    exact = run(sluice, ['stats', '--exact', '-a', 'distinct,p50,p90,p99',
                         path])[1]
    if int(exact[1]) != truth:
        sys.exit('--exact distinct %s, want %d' % (exact[1], truth))
    for name, got in zip(['p50', 'p90', 'p99'], exact[2:]):
        want = s[math.ceil(QS[name] * n) - 1]
        if float(got) != want:
            sys.exit('--exact %s %s, want %r' % (name, got, want))


def main():
    sluice, work = sys.argv[1], sys.argv[2]
    cases = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    rng = random.Random(20261121)
    path = os.path.join(work, 't.csv')
    for case in range(cases):
        rows = rng.choice([0, 1, 2, 5, 50, 400, 3000])
        names, table = make_table(rng, path, rows)
        label = 'case %d (%d rows)' % (case, rows)
        if rows == 0:
            continue
        check_plain(sluice, path, names, table, [], label)
        check_plain(sluice, path, names, table, ['--exact', '-m', '1M'],
                    label + ' --exact')
        check_groups(sluice, path, names, table, ['k1'], [], label)
        check_groups(sluice, path, names, table, ['k2', 'k1'],
                     ['-m', '1M', '--chunk-size', '4K'],
                     label + ' spilling')
    check_sketches(sluice, work, rng)
    print('%d tables agree with the oracle' % cases)


if __name__ == '__main__':
    main()
