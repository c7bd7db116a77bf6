#!/usr/bin/env python3
"""Objects whose keys change, and the oracle of --keys union.

  json_keys.py gen N SEED [EVERY]   N objects as JSON Lines on stdout: an
                                    id, then keys of a pool of 40 (commas,
                                    quotes, a newline, non-ASCII, the empty
                                    name), a new set in a new order every
                                    EVERY (default 1000) objects
  json_keys.py header IN            the union of IN's keys in the order
                                    first seen, one per line (repr)
  json_keys.py csv IN OUT           OUT (CSV) has the union as its header
                                    and each object's values, empty where
                                    it lacks the key
  json_keys.py jsonl IN OUT [any]   OUT (JSON Lines or one array) has the
                                    same objects, key for key, value for
                                    value, in the same order of records,
                                    each object's keys in the union's
                                    order (with any: in any order)

The values are Python's json texts, so the expected text of each is
known: strings (with commas, quotes, CR, LF, tabs, non-ASCII), integers
of any size, decimals whose text must survive ("1.50", "-0.0"), true,
false, null, and arrays and objects written compactly.
"""
import csv
import json
import random
import sys
from decimal import Decimal

POOL = (["k%02d" % i for i in range(32)] +
        ["a,b", 'q"uote', "new\nline", "caf\u00e9", "", "sp ace", "tab\t",
         "\u65e5\u672c"])


def value(rng):
    t = rng.randrange(9)
    if t == 0:
        return rng.randrange(-10**20, 10**20)
    if t == 1:
        return Decimal("%d.%02d" % (rng.randrange(-999, 1000),
                                    rng.randrange(100)))
    if t == 2:
        return rng.choice(["", "x", "a,b", 'say "hi"', "line\nbreak",
                           "cr\r\n", "tab\there", "caf\u00e9 \U0001F600",
                           "  spaced  ", "null", "true", "1.50"])
    if t == 3:
        return rng.choice([True, False])
    if t == 4:
        return None
    if t == 5:
        return [rng.randrange(100), "s", {"n": None}]
    if t == 6:
        return {"in": "side", "list": [1, 2]}
    return "v%d" % rng.randrange(10**6)


def dumps(v):
    if isinstance(v, Decimal):
        return str(v)
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def gen(n, seed, every):
    rng = random.Random(seed)
    out = sys.stdout
    keys = []
    for i in range(n):
        if i % every == 0:
            keys = rng.sample(POOL, rng.randrange(2, 9))
        parts = ['"id":%d' % (i + 1)]
        for k in keys:
            if rng.randrange(10) == 0:
                continue                 # now and then a key left out
            parts.append(dumps(k) + ":" + dumps(value(rng)))
        out.write("{" + ",".join(parts) + "}\n")


def load(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        return json.loads(text, parse_float=Decimal)
    return [json.loads(l, parse_float=Decimal) for l in text.split("\n")
            if l.strip()]


def union(objs):
    seen = {}
    for o in objs:
        for k in o:
            seen.setdefault(k, None)
    return list(seen)


def text(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return v
    return dumps(v)


def fail(msg):
    sys.exit("json_keys.py: " + msg)


def check_csv(inp, outp):
    objs = load(inp)
    names = union(objs)
    with open(outp, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != names:
        fail("header %r, want %r" % (rows[0][:10] if rows else None,
                                     names[:10]))
    if len(rows) - 1 != len(objs):
        fail("%d records, want %d" % (len(rows) - 1, len(objs)))
    for i, (o, r) in enumerate(zip(objs, rows[1:])):
        want = [text(o[k]) if k in o else "" for k in names]
        if r != want:
            fail("record %d: %r, want %r" % (i + 1, r, want))
    print("%d records, %d keys" % (len(objs), len(names)))


def check_jsonl(inp, outp, any_order=False):
    objs, got = load(inp), load(outp)
    names = union(objs)
    if len(got) != len(objs):
        fail("%d records, want %d" % (len(got), len(objs)))
    for i, (o, g) in enumerate(zip(objs, got)):
        if g != o or (not any_order and
                      list(g) != [k for k in names if k in o]):
            fail("record %d: %r, want %r" % (i + 1, g, o))
    print("%d records" % len(objs))


def main(argv):
    if len(argv) >= 3 and argv[0] == "gen":
        gen(int(argv[1]), int(argv[2]), int(argv[3]) if len(argv) > 3
            else 1000)
    elif len(argv) == 2 and argv[0] == "header":
        for k in union(load(argv[1])):
            print(repr(k))
    elif len(argv) == 3 and argv[0] == "csv":
        check_csv(argv[1], argv[2])
    elif len(argv) in (3, 4) and argv[0] == "jsonl":
        check_jsonl(argv[1], argv[2], len(argv) == 4)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
