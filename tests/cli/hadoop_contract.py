#!/usr/bin/env python3
"""Hadoop Streaming's contract, played without Hadoop (tests/cli/t_engines.sh).

  hadoop_contract.py FILE (--split-size N | --random-cuts SEED:K)
                     --mapper CMD --reducer CMD

FILE is cut into input splits, each split's records go to a MAPPER
process, the mappers' output is shuffled as one reducer sees it, and
the REDUCER's output is this script's.  CMD is split into words as
Hadoop Streaming does (no shell) and found on PATH.  What it did goes
to stderr as one line: bytes, splits, records.  Standard library only.
"""
import argparse
import random
import shlex
import subprocess
import sys

SPLIT_SLOP = 1.1    # FileInputFormat: the last split may be 10% larger


def fixed_splits(size, split_size):
    """FileInputFormat.getSplits for one file: splits of split_size bytes
    while what remains is over SPLIT_SLOP of it, then the rest."""
    splits, left = [], size
    while left / split_size > SPLIT_SLOP:
        splits.append((size - left, size - left + split_size))
        left -= split_size
    if left:
        splits.append((size - left, size))
    return splits


def random_splits(data, seed, k):
    """Splits at K random offsets, and at a newline and the line start
    after it: a split of one byte, the newline, that reads one whole
    line (the one starting at its end)."""
    rng = random.Random(seed)
    cuts = set(rng.sample(range(1, len(data)), k))
    nl = data.index(b"\n", rng.randrange(len(data) // 2))
    cuts |= {nl, nl + 1}
    cuts = [0] + sorted(c for c in cuts if 0 < c < len(data)) + [len(data)]
    return list(zip(cuts, cuts[1:]))


def split_records(data, start, end):
    """The records Hadoop's LineRecordReader reads from the split [start,
    end): the values, lines without their newline ('\n' here; it also
    ends lines at '\r', which FILE must not hold).

    Every split but the first skips the bytes up to and including the
    first '\n' at or after START, even when START is itself a line's
    first byte; then it reads a line while the line starts at or before
    END (`while (pos <= end)`): so it reads one line past its end, whole,
    however far that line runs.  The two rules fit: the line a split
    reads past its end (the one around END, or starting at END) is the
    line the next split, starting at END, skips; a line starting exactly
    at END is read by the split that ends there.  (A split holding no
    '\n' at all is the exception: Hadoop 2.7 and later fill the skip's
    buffer no further than END, stop the skip there and hand the rest of
    the line on as a record, a fragment.  Its splits are 128 MiB; main()
    asserts no split here is like that.  Split 0's skip of a UTF-8
    byte-order mark does not arise either.)"""
    pos = start
    if start != 0:
        nl = data.find(b"\n", start)
        pos = len(data) if nl < 0 else nl + 1
    while pos <= end and pos < len(data):      # at EOF readLine gives 0
        nl = data.find(b"\n", pos)
        stop = len(data) if nl < 0 else nl
        yield data[pos:stop]
        pos = stop + 1


def run(cmd, stdin):
    p = subprocess.run(shlex.split(cmd), input=stdin, capture_output=True)
    if p.returncode != 0:
        sys.exit("%s: exit %d: %s" % (cmd, p.returncode, p.stderr.decode()))
    return p.stdout


def main():
    a = argparse.ArgumentParser()
    a.add_argument("file")
    a.add_argument("--split-size", type=int)
    a.add_argument("--random-cuts", metavar="SEED:K")
    a.add_argument("--mapper", required=True)
    a.add_argument("--reducer", required=True)
    o = a.parse_args()
    data = open(o.file, "rb").read()
    assert b"\r" not in data, "a CR: LineRecordReader ends a line there"
    if o.split_size:
        splits = fixed_splits(len(data), o.split_size)
    else:
        seed, k = map(int, o.random_cuts.split(":"))
        splits = random_splits(data, seed, k)
    assert splits[0][0] == 0 and splits[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(splits, splits[1:]))
    assert all(b"\n" in data[a:b] for a, b in splits[1:]), \
        "a split with no newline: see split_records"

    # every line of the file in one split's records, once, in order
    records = [list(split_records(data, a, b)) for a, b in splits]
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    assert sum(records, []) == lines, "the splits' records are not the lines"

    # the map phase: TextInputFormat gives the mapper each record's value
    # (the line without its newline) and streaming writes it with '\n'
    mapped = [run(o.mapper, b"".join(r + b"\n" for r in recs))
              for recs in records]

    # the shuffle: a mapper's output line is KEY<TAB>VALUE, the whole line
    # the key when it has no tab; keys are sorted byte-wise (Text's raw
    # comparator), and the one reducer reads KEY<TAB>VALUE<newline> lines
    pairs = []
    for out in mapped:
        out_lines = out.split(b"\n")
        if out_lines[-1] == b"":
            out_lines.pop()
        for line in out_lines:
            key, _, value = line.partition(b"\t")
            pairs.append((key, value))
    pairs.sort(key=lambda kv: kv[0])
    sys.stdout.buffer.write(
        run(o.reducer, b"".join(k + b"\t" + v + b"\n" for k, v in pairs)))
    print("%d bytes, %d splits of %d to %d bytes, %d records, %d map output"
          " lines" % (len(data), len(splits), min(b - a for a, b in splits),
                      max(b - a for a, b in splits), len(lines), len(pairs)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
