#!/usr/bin/env python3
"""Differential test of sluice's CSV, JSON Lines and TSV conversions.

For each seed: Python's csv module writes a random table (quotes, commas,
newlines, CRLF, empty fields, unicode, long fields, number-like texts);
sluice converts it to JSON Lines, which Python's json module reads back
(numbers kept as their text); sluice converts that JSON Lines back to CSV
and the CSV to TSV and back, which Python's csv module reads back.  Every
value must come back exactly.  Stops at the first mismatch and prints the
case.

usage: diff_formats.py SLUICE [CASES] [FIRST_SEED]
"""
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile

NUMBERS = ["0", "-0", "1.50", "1e5", "1E+05", "-2.5e-3", "007", "1.", ".5",
           "+1", str(2 ** 100), "-" + str(2 ** 70), "3.14159265358979323846",
           "NaN", "Infinity", "0x1F", "1_000"]
WORDS = ["true", "false", "null", "True", "NULL", "", " ", "a", "hello world"]
ALPHABET = ("abcxyz ABC,\"'\n\r\t;|\\/{}[]:#" "\u00e9\u00fc\u4e2d\u6587"
            "\U0001f600\u200b")


def value(rng):
    r = rng.random()
    if r < 0.15:
        return rng.choice(NUMBERS)
    if r < 0.22:
        return rng.choice(WORDS)
    if r < 0.25:
        # a long field, sometimes with newlines and quotes
        n = rng.choice([300, 5000, 70000])
        return "".join(rng.choice(ALPHABET) for _ in range(n))
    n = rng.randrange(0, 12)
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def table(rng):
    ncols = rng.randrange(1, 7)
    names = []
    while len(names) < ncols:
        n = value(rng) if rng.random() < 0.5 else "col%d" % len(names)
        if n not in names:
            names.append(n)
    nrows = rng.choice([1, 1, 2, 3, 5, 10, 30])
    rows = [[value(rng) for _ in range(ncols)] for _ in range(nrows)]
    return names, rows


def write_csv(rng, names, rows):
    out = io.StringIO(newline="")
    quoting = rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
    # QUOTE_MINIMAL quotes a field with "\r" only when "\r" is part of
    # the line terminator: with "\n" Python writes CSV that even Python
    # cannot read back, so minimal quoting goes with "\r\n"
    term = "\r\n" if quoting == csv.QUOTE_MINIMAL else \
        rng.choice(["\n", "\r\n"])
    w = csv.writer(out, lineterminator=term, quoting=quoting)
    w.writerow(names)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def run(sluice, args, data):
    p = subprocess.run([sluice] + args, input=data, capture_output=True)
    if p.returncode != 0:
        raise AssertionError("sluice %s failed (%d): %s" % (
            " ".join(args), p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout


def as_text(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return v
    raise AssertionError("unexpected JSON value %r" % (v,))


def read_csv(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def check(sluice, seed):
    rng = random.Random(seed)
    names, rows = table(rng)
    src = write_csv(rng, names, rows)
    chunk = rng.choice(["1", "2", "3", "7", "64", "4096", "64K"])
    common = ["--chunk-size", chunk]

    # CSV -> JSON Lines, read by Python's json module
    jl = run(sluice, ["cat", "-i", "csv", "-O", "jsonl"] + common, src)
    lines = jl.decode("utf-8").split("\n")
    assert lines[-1] == "", "JSON Lines output does not end with a newline"
    got = []
    for line in lines[:-1]:
        obj = json.loads(line, parse_float=str, parse_int=str,
                         parse_constant=str)
        assert list(obj.keys()) == names, (list(obj.keys()), names)
        got.append([as_text(obj[k]) for k in names])
    assert got == rows, "CSV -> JSON Lines changed values"

    # JSON Lines -> CSV, read by Python's csv module
    back = run(sluice, ["cat", "-i", "jsonl", "-O", "csv"] + common, jl)
    assert read_csv(back) == [names] + rows, "JSON Lines -> CSV changed values"

    # CSV -> TSV -> CSV
    tsv = run(sluice, ["cat", "-i", "csv", "-O", "tsv"] + common, src)
    again = run(sluice, ["cat", "-i", "tsv", "-O", "csv"] + common, tsv)
    assert read_csv(again) == [names] + rows, "CSV -> TSV -> CSV changed values"
    # the canonical CSV is a fixed point
    assert again == back, "two routes to CSV differ"


def main():
    sluice = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    for seed in range(first, first + cases):
        try:
            check(sluice, seed)
        except AssertionError as e:
            rng = random.Random(seed)
            names, rows = table(rng)
            case = write_csv(rng, names, rows)
            print("mismatch at seed %d: %s" % (seed, e))
            print("input CSV (repr, first 2000 bytes):")
            print(repr(case[:2000]))
            return 1
    print("%d random tables round-tripped exactly" % cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
