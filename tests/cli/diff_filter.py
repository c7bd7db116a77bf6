#!/usr/bin/env python3
"""Differential test of `sluice filter` against an evaluator written here.

Python's csv module writes a table whose fields mix numbers, number-like
texts, words, empty values and unicode.  Random expressions (fields in
every spelling, literals, arithmetic, comparisons, regular expressions,
functions, ! && ||) are rendered to text, run through sluice filter, and
evaluated here by the rules sluice.h documents; the ids of the kept
records must match.  Stops at the first mismatch and prints it.

usage: diff_filter.py SLUICE [CASES] [SEED]
"""
import csv
import math
import os
import random
import re
import subprocess
import sys
import tempfile

NUMRE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
POOL = ["", "0", "-0", "1", "2", "7", "10", "-3", "1.5", "0.25", "-2.5",
        "1e3", "2E-1", "007", "1.", ".5", "+4", " 5", "5 ", "nan", "inf",
        "abc", "ABC", "Abc", "abcd", "b", "cat", "catalog", "x y", "a,b",
        "true", "false", "\u00e9t\u00e9", "\u4e2d", "line\nbreak", "-"]
REGEXES = ["^cat", "a", "[0-9]+$", "^$", "x|y", "^-", "\\.", "(ab|cd)",
           "^[A-Z]", "b.c", "^[0-9]*$", "e$"]
NAMES = ["id", "a", "b", "c", "d e"]


# ---- the table ----------------------------------------------------------

def make_table(rng, path, nrows=300):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(NAMES)
        rows = []
        for i in range(1, nrows + 1):
            row = [str(i)] + [rng.choice(POOL) for _ in NAMES[1:]]
            w.writerow(row)
            rows.append(row)
    return rows


# ---- values and rules -----------------------------------------------------

def number(v):
    kind, x = v
    if kind == "num":
        return True, x
    if kind == "bool":
        return True, 1.0 if x else 0.0
    if NUMRE.match(x):
        return True, float(x)
    return False, math.nan


def text(v):
    kind, x = v
    if kind == "str":
        return x
    if kind == "bool":
        return "true" if x else "false"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    if x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return "%.17g" % x


def truthy(v):
    kind, x = v
    if kind == "str":
        return len(x) > 0
    if kind == "bool":
        return x
    return x != 0 and not math.isnan(x)


def arith(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            if a == 0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    try:
        return math.fmod(a, b)
    except ValueError:
        return math.nan


def compare(op, l, r):
    ln, a = number(l)
    rn, b = number(r)
    if not (ln and rn):
        a, b = text(l).encode(), text(r).encode()
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b,
            ">": a > b, ">=": a >= b}[op]


def regex(pattern):
    # POSIX ERE without REG_NEWLINE: '.' matches a newline and '$' is
    # the very end
    p = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
    return re.compile(p, re.DOTALL)


def evaluate(node, row):
    k = node[0]
    if k == "field":
        return ("str", row[node[1]])
    if k == "num":
        return ("num", float(node[1]))
    if k == "str":
        return ("str", node[1])
    if k == "bool":
        return ("bool", node[1])
    if k == "not":
        return ("bool", not truthy(evaluate(node[1], row)))
    if k == "neg":
        return ("num", -number(evaluate(node[1], row))[1])
    if k == "and":
        return ("bool", truthy(evaluate(node[1], row)) and
                truthy(evaluate(node[2], row)))
    if k == "or":
        return ("bool", truthy(evaluate(node[1], row)) or
                truthy(evaluate(node[2], row)))
    if k == "arith":
        return ("num", arith(node[1], number(evaluate(node[2], row))[1],
                             number(evaluate(node[3], row))[1]))
    if k == "cmp":
        return ("bool", compare(node[1], evaluate(node[2], row),
                                evaluate(node[3], row)))
    if k == "match":
        hit = regex(node[2]).search(text(evaluate(node[1], row)))
        return ("bool", (hit is not None) != node[3])
    t = text(evaluate(node[1], row)).encode()
    if k == "len":
        return ("num", float(len(t)))
    if k == "lower":
        return ("str", t.lower().decode())
    if k == "upper":
        return ("str", t.upper().decode())
    if k == "is_empty":
        return ("bool", len(t) == 0)
    s = text(evaluate(node[2], row)).encode()
    if k == "contains":
        return ("bool", s in t)
    return ("bool", t.startswith(s))


# ---- random expressions ------------------------------------------------------

def quote(s, rng):
    q = rng.choice(['"', "'"])
    body = s.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n")
    return q + body + q


def field(rng):
    i = rng.randrange(len(NAMES))
    name = NAMES[i]
    forms = ["$%d" % (i + 1), "${%s}" % name]
    if " " not in name:
        forms += [name, "$" + name]
    return ("field", i), rng.choice(forms)


def value(rng, depth):
    r = rng.random()
    if depth <= 0 or r < 0.35:
        return field(rng)
    if r < 0.5:
        n = rng.choice(["0", "1", "2", "3", "10", "1.5", "0.25", "1e3",
                        "100", "7"])
        return ("num", n), n
    if r < 0.62:
        s = rng.choice(POOL)
        return ("str", s), quote(s, rng)
    if r < 0.78:
        op = rng.choice("+-*/%")
        a, at = value(rng, depth - 1)
        b, bt = value(rng, depth - 1)
        return ("arith", op, a, b), "(%s %s %s)" % (at, op, bt)
    if r < 0.84:
        a, at = value(rng, depth - 1)
        return ("neg", a), "-(%s)" % at
    f = rng.choice(["len", "lower", "upper"])
    a, at = value(rng, depth - 1)
    return (f, a), "%s(%s)" % (f, at)


def condition(rng, depth):
    r = rng.random()
    if depth <= 0 or r < 0.4:
        op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
        a, at = value(rng, 2)
        b, bt = value(rng, 2)
        return ("cmp", op, a, b), "%s %s %s" % (at, op, bt)
    if r < 0.5:
        a, at = value(rng, 1)
        p = rng.choice(REGEXES)
        neg = rng.random() < 0.3
        return ("match", a, p, neg), "%s %s %s" % (
            at, "!~" if neg else "=~", quote(p, rng))
    if r < 0.6:
        f = rng.choice(["contains", "starts_with", "is_empty"])
        a, at = value(rng, 1)
        if f == "is_empty":
            return (f, a), "is_empty(%s)" % at
        b, bt = value(rng, 0) if rng.random() < 0.5 else (
            ("str", rng.choice(POOL[:30])), None)
        if bt is None:
            bt = quote(b[1], rng)
        return (f, a, b), "%s(%s, %s)" % (f, at, bt)
    if r < 0.68:
        a, at = condition(rng, depth - 1)
        return ("not", a), "!(%s)" % at
    if r < 0.72:
        a, at = value(rng, 1)
        return a, at               # truthiness of a plain value
    if r < 0.74:
        b = rng.random() < 0.5
        return ("bool", b), "true" if b else "false"
    op = rng.choice(["&&", "||"])
    a, at = condition(rng, depth - 1)
    b, bt = condition(rng, depth - 1)
    return ("and" if op == "&&" else "or", a, b), "(%s) %s (%s)" % (at, op, bt)


def main():
    sluice = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.csv")
        rows = make_table(rng, path)
        kept_total = 0
        for case in range(cases):
            tree, src = condition(rng, 3)
            want = [r[0] for r in rows if truthy(evaluate(tree, r))]
            p = subprocess.run([sluice, "filter", "--", src, path],
                               capture_output=True)
            if p.returncode != 0:
                print("case %d: sluice failed (%d) on: %s\n%s" % (
                    case, p.returncode, src, p.stderr.decode()))
                return 1
            got = [r[0] for r in csv.reader(
                p.stdout.decode().splitlines(keepends=True))][1:]
            if got != want:
                diff = sorted(set(got) ^ set(want), key=int)[:5]
                print("case %d: %s\nsluice kept %d, oracle %d; differ on"
                      " ids %s" % (case, src, len(got), len(want), diff))
                for i in diff:
                    print("  row %s: %r" % (i, rows[int(i) - 1]))
                return 1
            kept_total += len(want)
    print("%d random expressions agree with the oracle (%d records kept"
          " of %d)" % (cases, kept_total, cases * len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
