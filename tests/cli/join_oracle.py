#!/usr/bin/env python3
"""join_oracle.py LEFT RIGHT GOT MODE LKEYS RKEYS ORDER - what `sluice join`
must write for two CSV files, made with Python's csv module, checked
against GOT.  MODE is "", --left or --outer; LKEYS and RKEYS are the key
fields' names, comma-separated, in -k order.  ORDER says how the records
must come:

  key     by key, byte-wise (--key-order, --sorted); for one key the
          left records in their order, each with the right ones in theirs
  stream  a hash join that fits in memory: the larger file's records in
          their order (the left's on a tie), each with its matches in the
          smaller one's order, then the smaller one's unmatched
  set     any order (partitions): the same records

Prints the number of records."""
import csv
import os
import sys

left, right, got_path, mode = sys.argv[1:5]
lnames, rnames, order = sys.argv[5].split(","), sys.argv[6].split(","), \
    sys.argv[7]
L = list(csv.reader(open(left, newline="")))
R = list(csv.reader(open(right, newline="")))
lk = [L[0].index(n) for n in lnames]
rk = [R[0].index(n) for n in rnames]


def lo(row):
    return [v for i, v in enumerate(row) if i not in lk]


def ro(row):
    return [v for i, v in enumerate(row) if i not in rk]


head = [L[0][i] for i in lk] + lo(L[0])
for n in ro(R[0]):
    head.append("right." + n if n in head else n)
nl, nr = len(lo(L[0])), len(ro(R[0]))
keep_left = mode in ("--left", "--outer")
keep_right = mode == "--outer"


def key_of(row, ks):
    return tuple(row[i] for i in ks)


def pair(a, b):
    """The output record of a left row a and a right row b, either None."""
    key = key_of(a, lk) if a is not None else key_of(b, rk)
    return list(key) + (lo(a) if a is not None else [""] * nl) + \
        (ro(b) if b is not None else [""] * nr)


want = [head]
if order == "stream":
    build_left = os.path.getsize(left) < os.path.getsize(right)
    built, bk = (L, lk) if build_left else (R, rk)
    probe, pk = (R, rk) if build_left else (L, lk)
    table = {}
    for row in built[1:]:
        table.setdefault(key_of(row, bk), []).append(row)
    matched = set()
    for row in probe[1:]:
        k = key_of(row, pk)
        if k in table:
            matched.add(k)
            for b in table[k]:
                want.append(pair(b, row) if build_left else pair(row, b))
        elif (keep_right if build_left else keep_left):
            want.append(pair(None, row) if build_left else pair(row, None))
    if keep_left if build_left else keep_right:
        for row in built[1:]:
            if key_of(row, bk) not in matched:
                want.append(pair(row, None) if build_left else
                            pair(None, row))
else:
    lefts, rights = {}, {}
    for row in L[1:]:
        lefts.setdefault(key_of(row, lk), []).append(row)
    for row in R[1:]:
        rights.setdefault(key_of(row, rk), []).append(row)
    for key in sorted(set(lefts) | set(rights),
                      key=lambda k: [s.encode() for s in k]):
        ls, rs = lefts.get(key, []), rights.get(key, [])
        if ls and rs:
            want += [pair(a, b) for a in ls for b in rs]
        elif ls and keep_left:
            want += [pair(a, None) for a in ls]
        elif rs and keep_right:
            want += [pair(None, b) for b in rs]
got = list(csv.reader(open(got_path, newline="")))
if order == "set":
    got = got[:1] + sorted(got[1:])
    want = want[:1] + sorted(want[1:])
assert got == want, (len(got), len(want),
                     next(((i, g, w) for i, (g, w) in
                           enumerate(zip(got, want)) if g != w), None))
print(len(want) - 1)
