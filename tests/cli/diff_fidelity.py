#!/usr/bin/env python3
"""Differential fidelity test: nothing changed, nothing lost.

Inputs in CSV, TSV, lines and JSON Lines -- hand-written ones (RFC 4180's
examples, the kinds of cases JSON parsing test suites hold, each format's
edge cases) and random ones from a fixed seed, many deliberately broken --
are read here by the grammar the readers are specified to follow: for CSV,
Python's csv module in strict mode once bare CRs are set aside; for JSON
Lines, Python's json module made strict (no NaN, duplicate keys or lone
surrogates; numbers kept as their text); TSV and lines by their few rules.
Each input then goes through cat, head, tail, sample, filter, select,
sort, uniq, top, join and count, into each format, and what sluice writes
is read back the same way.  Every value must come back exactly (bytes;
for JSON its type and number text); a bad input must stop every verb with
exit status 1 and a message naming the file, record and line, or with
--on-error skip lose that record alone.  Last, sort, uniq and join run a
JSON Lines input several times the memory ceiling, so that types cross
spill files.

usage: diff_fidelity.py SLUICE WORKDIR [RANDOM] [--light] [--hand-every N]
                        [--spill BYTES] [-k]

RANDOM is the number of random inputs (default 250); --light runs fewer
verbs on each hand-written input; --hand-every N only every Nth of them;
--spill 0 leaves out the spill run; -k goes on after a mismatch, printing
each, and ends with one line per failing check.  Prints the first
mismatch (input, command, what sluice gave, what was expected) and exits
1; ends with a "figure: " line.
"""
import csv
import json
import os
import random
import re
import subprocess
import sys

csv.field_size_limit(sys.maxsize)

BOM = b"\xef\xbb\xbf"
NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"
                    rb"(?:[eE][+-]?[0-9]+)?\Z")
SIMPLE = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*\Z")
LOCATED = re.compile(r"in '([^']*)' at record (\d+), line (\d+), byte (\d+)")
BIG = "1000000"
EXT = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "lines": ".txt"}
VERBS = ("cat", "head", "tail", "sample", "filter", "select", "sort",
         "uniq", "uniq-first", "top", "join", "count")


class Unsettled(Exception):
    """The specification does not settle what this check should give."""


class OracleBug(Exception):
    """The oracles here disagree with each other."""


# ---- values ------------------------------------------------------------
#
# A value is ("s", bytes), ("n", number text), ("w", "true" | "false" |
# "null"), ("a", (value, ...)) or ("o", ((key bytes, value), ...)); a key
# an object left out is None.  Values read from CSV, TSV and lines are
# all ("s", bytes).

def text(v):
    """The value as CSV and TSV write it and sort compares it; None for
    arrays and objects (compact JSON: no single spelling)."""
    if v is None:
        return b""
    if v[0] == "s":
        return v[1]
    if v[0] == "n":
        return v[1].encode()
    if v[0] == "w":
        return b"" if v[1] == "null" else v[1].encode()
    return None


def typed(b):
    """What a CSV, TSV or lines value becomes in JSON Lines: the text
    null stays a string, since a JSON null reads back as empty."""
    if NUMBER.match(b):
        return ("n", b.decode())
    if b in (b"true", b"false"):
        return ("w", b.decode())
    return ("s", b)


def valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# ---- JSON, strictly ------------------------------------------------------

class JNum(str):
    pass


class JObj:
    def __init__(self, pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        self.pairs = pairs


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


def utf8(s):
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("lone surrogate escape")


def jvalue(x):
    if isinstance(x, JObj):
        return ("o", tuple((utf8(k), jvalue(v)) for k, v in x.pairs))
    if isinstance(x, JNum):
        return ("n", str(x))
    if isinstance(x, str):
        return ("s", utf8(x))
    if x is True:
        return ("w", "true")
    if x is False:
        return ("w", "false")
    if x is None:
        return ("w", "null")
    if isinstance(x, list):
        return ("a", tuple(jvalue(e) for e in x))
    raise OracleBug("unexpected JSON value %r" % (x,))


def parse_json(b):
    """One JSON value from bytes, by RFC 8259; ValueError if it is not."""
    s = b.decode("utf-8")          # UnicodeDecodeError is a ValueError
    try:
        x = json.loads(s, object_pairs_hook=JObj, parse_int=JNum,
                       parse_float=JNum, parse_constant=no_constant)
    except RecursionError:
        raise ValueError("nested too deep for this oracle")
    return jvalue(x)


def parse_object(b):
    v = parse_json(b)
    if v[0] != "o":
        raise ValueError("not an object")
    return v[1]


def compact(b):
    """No whitespace outside strings."""
    inside = esc = False
    for c in b:
        if inside:
            if esc:
                esc = False
            elif c == 0x5c:
                esc = True
            elif c == 0x22:
                inside = False
        elif c == 0x22:
            inside = True
        elif c in b" \t\r\n":
            return False
    return True


# ---- reading: rows by each format's grammar --------------------------------

def lines_of(data):
    """(content, line number, offset) of each line: LF or CRLF ends one,
    a last line without LF counts."""
    out, pos, n = [], 0, 1
    while pos < len(data):
        e = data.find(b"\n", pos)
        if e < 0:
            out.append((data[pos:], n, pos))
            break
        c = data[pos:e]
        out.append((c[:-1] if c.endswith(b"\r") else c, n, pos))
        pos, n = e + 1, n + 1
    return out


def scan_record(data, pos, d):
    """One CSV record from pos by the specification's grammar, to locate
    what Python's csv module only reports: ("ok", end, None), ("bad",
    end, first bad byte) or ("open", None, first bad byte or None).  end
    is past the LF that ends the record (or the end of data).  After a bad
    byte the rest of the field is unquoted text; a later field may still
    open quotes."""
    n, bad = len(data), None
    kind = lambda: "ok" if bad is None else "bad"
    while True:
        if pos < n and data[pos] == 0x22:
            pos += 1
            while True:
                q = data.find(b'"', pos)
                if q < 0:
                    return "open", None, bad
                if q + 1 < n and data[q + 1] == 0x22:
                    pos = q + 2
                    continue
                pos = q + 1
                break
            if pos >= n:
                return kind(), n, bad
            c = data[pos]
            if c == d:
                pos += 1
                continue
            if c == 0x0a:
                return kind(), pos + 1, bad
            if c == 0x0d and pos + 1 < n and data[pos + 1] == 0x0a:
                return kind(), pos + 2, bad
            if bad is None:
                bad = pos
        while pos < n and data[pos] != d and data[pos] != 0x0a:
            pos += 1
        if pos >= n:
            return kind(), n, bad
        if data[pos] == 0x0a:
            return kind(), pos + 1, bad
        pos += 1


class Feed:
    """Lines for csv.reader, counting how many it took."""

    def __init__(self, strs, start):
        self.strs, self.used = strs, start

    def __iter__(self):
        return self

    def __next__(self):
        if self.used >= len(self.strs):
            raise StopIteration
        self.used += 1
        return self.strs[self.used - 1]


def csv_rows(data, delim):
    """Rows of CSV (BOM already dropped): ("row", fields, line, offset),
    ("bad", line, offset, bad line, bad offset) for text after a closing
    quote, ("open", line, offset) for a quote open at the end.

    Python's csv module in strict mode is the grammar, once each bare CR
    (and each NUL) is replaced by a private-use character not in the input
    (mapped back in the fields):
    it raises csv.Error for text after a closing quote and for a quote
    open at the end.  Where a bad record ends is the specification's rule
    (scan_record), and reading starts again after it."""
    d = delim.encode()[0]
    # NUL is data too: Python before 3.11 refuses it, so it is set aside
    # the same way
    pua, nul = [c for c in "\ue000\ue001\uf8fe\uf8ff"
                if c.encode() not in data][:2]
    pieces = data.split(b"\n")
    raw = [p + b"\n" for p in pieces[:-1]] + ([pieces[-1]] if pieces[-1]
                                              else [])
    offs, o = [], 0
    for r in raw:
        offs.append(o)
        o += len(r)
    offs.append(o)
    strs = [re.sub("\r(?!\n)", pua, r.decode("utf-8", "surrogateescape"))
            .replace("\0", nul) for r in raw]
    back = lambda f: f.replace(pua, "\r").replace(nul, "\0").encode(
        "utf-8", "surrogateescape")
    rows, i = [], 0
    while i < len(strs):
        feed = Feed(strs, i)
        rd = csv.reader(feed, delimiter=delim, strict=True)
        while True:
            start = feed.used
            try:
                f = next(rd)
            except StopIteration:
                i = len(strs)
                break
            except csv.Error as e:
                kind, end, bad = scan_record(data, offs[start], d)
                if bad is None:
                    if kind != "open" or "end of data" not in str(e):
                        raise OracleBug("csv says %s, scan says %s at %d"
                                        % (e, kind, offs[start]))
                    rows.append(("open", start + 1, offs[start]))
                    i = len(strs)
                    break
                rows.append(("bad", start + 1, offs[start],
                             data.count(b"\n", 0, bad) + 1, bad))
                i = len(strs) if end is None else offs.index(end)
                break
            if not f:
                continue               # a blank line
            kind, end, bad = scan_record(data, offs[start], d)
            if kind != "ok" or end != offs[feed.used]:
                raise OracleBug("csv read a record at %d, scan says %s"
                                % (offs[start], kind))
            rows.append(("row", [back(x) for x in f], start + 1,
                         offs[start]))
    return rows


def tsv_unescape(b):
    out, i = bytearray(), 0
    while i < len(b):
        if b[i] == 0x5c and i + 1 < len(b) and b[i + 1] in b"tnr\\":
            out += {0x74: b"\t", 0x6e: b"\n", 0x72: b"\r",
                    0x5c: b"\\"}[b[i + 1]]
            i += 2
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def tsv_rows(data):
    return [("row", [tsv_unescape(f) for f in c.split(b"\t")], n, off)
            for c, n, off in lines_of(data)]


def line_rows(data):
    return [("row", [c], n, off) for c, n, off in lines_of(data)]


# ---- reading: records, header and errors -----------------------------------

class Table:
    """What reading the inputs gives: the header, the records (lists of
    values), where each came from (file, record number), and either the
    error the run must stop with (a list of acceptable ones) or, under
    --on-error skip, the rejected records."""

    def __init__(self):
        self.header = None
        self.recs = []
        self.where = []
        self.err = None
        self.rejects = []


def loc(name, rec, lines, offs=None):
    return ("loc", name, rec, frozenset(lines),
            None if offs is None else frozenset(offs))


def read_rows(t, fmt, name, data, delim, no_header, mode):
    bom = fmt == "csv" and data.startswith(BOM)
    body = data[3:] if bom else data
    at = lambda off: {off, off + 3} if bom else {off}
    if fmt == "csv":
        rows = csv_rows(body, delim)
    elif fmt == "tsv":
        rows = tsv_rows(body)
    else:
        rows = line_rows(body)
        if t.header is None:
            t.header = [b"line"]
    first, recno = fmt != "lines" and not no_header, 0
    for r in rows:
        if first:
            first = False
            if r[0] != "row":
                if mode != "fail":
                    raise Unsettled("a bad header under --on-error")
                t.err = [loc(name, None, {r[1], r[3]} if r[0] == "bad"
                             else {r[1]})]
                return
            if t.header is None:
                t.header = r[1]
            elif t.header != r[1]:
                raise Unsettled("the inputs' headers differ")
            continue
        recno += 1
        if r[0] == "open":
            if mode != "fail":
                raise Unsettled("a quote open at the end under --on-error")
            t.err = [loc(name, recno, {r[1]})]
            return
        if r[0] == "bad":
            if mode == "pad":
                raise Unsettled("a bad quote under --on-error pad")
            if t.header is None and mode != "fail":
                raise Unsettled("a bad first record without a header")
            spec = loc(name, recno, {r[1], r[3]}, at(r[4]))
            if mode == "fail":
                t.err = [spec]
                return
            t.rejects.append((name, recno, frozenset({r[1], r[3]}),
                              frozenset(at(r[2]) | at(r[4]))))
            continue
        f = r[1]
        if t.header is None:
            t.header = [str(i + 1).encode() for i in range(len(f))]
        w = len(t.header)
        if len(f) != w:
            if mode == "pad" and (len(f) < w or not any(f[w:])):
                f = (f + [b""] * w)[:w]
            elif mode == "skip":
                t.rejects.append((name, recno, frozenset({r[2]}),
                                  frozenset(at(r[3]))))
                continue
            else:
                t.err = [loc(name, recno, {r[2]}, at(r[3]))]
                return
        t.recs.append([("s", x) for x in f])
        t.where.append((name, recno))


def read_jsonl(t, name, data, mode, any_keys=False):
    recno = 0
    for c, n, _ in lines_of(data):
        if not c.strip(b" \t\r"):
            continue
        recno += 1
        why = None
        try:
            pairs = parse_object(c)
        except ValueError as e:
            why = str(e)
        if why is None and t.header is None:
            t.header = [k for k, _ in pairs]
        elif why is None and any_keys:
            t.header += [k for k, _ in pairs if k not in t.header]
        elif why is None and any(k not in t.header for k, _ in pairs):
            why = "a key the header lacks"
        if why:
            if t.header is None and mode != "fail":
                raise Unsettled("a bad first object under --on-error")
            if mode == "fail" or t.header is None:
                t.err = [loc(name, recno, {n})]
                return
            t.rejects.append((name, recno, frozenset({n}), None))
            continue
        d = dict(pairs)
        t.recs.append([d.get(k) for k in t.header])
        t.where.append((name, recno))


def read_input(fmt, files, delim=",", no_header=False, mode="fail",
               any_keys=False):
    """any_keys: a JSON object's keys all join the header (count's
    reading, and --keys union's)."""
    t = Table()
    for name, data in files:
        if fmt == "jsonl":
            read_jsonl(t, name, data, mode, any_keys)
        else:
            read_rows(t, fmt, name, data, delim, no_header, mode)
        if t.err:
            break
    return t


# ---- the verbs, as specified ------------------------------------------------

def field_ok_for_key(t, p):
    return all(text(r[p]) is not None for r in t.recs)


def order_key(r):
    """Field texts up to the first array or object, which is there as its
    first byte, the one thing its compact text is sure to start with;
    and whether cut so."""
    out = []
    for v in r:
        x = text(v)
        if x is None:
            out.append(b"[" if v[0] == "a" else b"{")
            return tuple(out), True
        out.append(x)
    return tuple(out), False


def order_unsure(a, b):
    """Whether the order of two keys from order_key() rests on the rest
    of a compact JSON text: one was cut, and up to the cut both agree
    but for the other starting its field with the same byte."""
    (ka, ca), (kb, cb) = a, b
    pairs = ([(ka, kb)] if ca else []) + ([(kb, ka)] if cb else [])
    for cut, other in pairs:
        n = len(cut)
        if len(other) >= n and other[:n - 1] == cut[:n - 1] and \
                other[n - 1].startswith(cut[n - 1]):
            return True
    return False


def distinct(t, same_spelling=False):
    """Indexes of the first record of each distinct record."""
    groups, firsts = {}, []
    for i, r in enumerate(t.recs):
        k = tuple(text(v) if text(v) is not None else ("json", v) for v in r)
        if k in groups:
            j = groups[k]
            if t.recs[j] != r:
                raise Unsettled("records with the same text, not the same"
                                " values")
            if not same_spelling and any(text(v) is None for v in r):
                raise Unsettled("equal arrays or objects may be spelled"
                                " apart")
        else:
            groups[k] = i
            firsts.append(i)
    return firsts


def transform(verb, t, plan):
    """The records a verb must give: (header, records, where)."""
    idx = list(range(len(t.recs)))
    header = t.header
    if verb in ("sort", "top"):
        p = plan["key"]
        keys = [text(r[p]) for r in t.recs]
        if None in keys:
            raise Unsettled("an array or object as the key")
        idx.sort(key=lambda i: keys[i], reverse=verb == "top")
    elif verb == "uniq-first":
        idx = distinct(t, plan.get("same_spelling"))
    elif verb == "uniq":
        idx = distinct(t, plan.get("same_spelling"))
        ks = {i: order_key(t.recs[i]) for i in idx}
        idx.sort(key=lambda i: ks[i][0])
        for a, b in zip(idx, idx[1:]):
            if order_unsure(ks[a], ks[b]):
                raise Unsettled("their order rests on compact JSON text")
    elif verb == "join":
        p, right = plan["key"], plan["right"]
        idx.sort(key=lambda i: text(t.recs[i][p]))
        header = [t.header[p]] + t.header[:p] + t.header[p + 1:] + \
            [right["name"]]
        recs = []
        for i in idx:
            r = t.recs[i]
            recs.append([r[p]] + r[:p] + r[p + 1:] +
                        [("s", right["extra"][text(r[p])])])
        return header, recs, [t.where[i] for i in idx]
    return header, [t.recs[i] for i in idx], [t.where[i] for i in idx]


def verb_args(verb, t, plan):
    if verb == "cat":
        return ["cat"]
    if verb in ("head", "tail"):
        return [verb, "-n", BIG]
    if verb == "sample":
        return ["sample", "-n", BIG, "--seed", "7"]
    if verb == "filter":
        return ["filter", "true"]
    if verb == "select":
        names = t.header
        sel = [n.decode() if SIMPLE.match(n) and names.count(n) == 1
               else str(i + 1) for i, n in enumerate(names)]
        return ["select", "-f", ",".join(sel)]
    if verb == "sort":
        return ["sort", "-k", str(plan["key"] + 1)]
    if verb == "top":
        return ["top", "-n", BIG, "-k", str(plan["key"] + 1)]
    if verb == "uniq":
        return ["uniq"]
    if verb == "uniq-first":
        return ["uniq", "--keep", "first"]
    if verb == "join":
        return ["join", "--key-order", "-k", t.header[plan["key"]].decode()]
    if verb == "count":
        return ["count"]
    raise OracleBug(verb)


# ---- writing the right-hand table of a join ------------------------------

def csv_field(b):
    return b'"' + b.replace(b'"', b'""') + b'"'


def tsv_escape(b):
    return (b.replace(b"\\", b"\\\\").replace(b"\t", b"\\t")
            .replace(b"\n", b"\\n").replace(b"\r", b"\\r"))


def jstr_plain(b):
    return json.dumps(b.decode("utf-8"), ensure_ascii=False).encode()


def jenc_plain(v):
    if v[0] == "s":
        return jstr_plain(v[1])
    if v[0] in ("n", "w"):
        return v[1].encode()
    if v[0] == "a":
        return b"[" + b",".join(jenc_plain(e) for e in v[1]) + b"]"
    return b"{" + b",".join(jstr_plain(k) + b":" + jenc_plain(e)
                            for k, e in v[1]) + b"}"


def join_plan(case, t, rng, only=None):
    """A field with a plain, single name and distinct scalar values, and a
    second table keyed on it that adds one field; None if there is none."""
    if case.fmt == "lines" or case.no_header or len(case.files) != 1 \
            or not t.header:
        return None
    names = t.header
    for p in rng.sample(range(len(names)), len(names)):
        if only is not None and p != only:
            continue
        n = names[p]
        if not SIMPLE.match(n) or names.count(n) != 1:
            continue
        vals = [r[p] for r in t.recs]
        if any(v is None or v[0] not in ("s", "n") for v in vals):
            continue
        if case.fmt == "jsonl" and any(v[0] == "s" and not v[1]
                                       for v in vals):
            continue
        texts = [text(v) for v in vals]
        if len(set(texts)) != len(texts) or b"" in texts:
            continue
        extra_name = b"zz_right"
        while extra_name in names:
            extra_name += b"_"
        order = list(range(len(vals)))
        rng.shuffle(order)
        extra = {texts[i]: b"r%d" % i for i in order}
        d = case.delim.encode()
        if case.fmt == "csv":
            body = n + d + extra_name + b"\n" + b"".join(
                csv_field(texts[i]) + d + extra[texts[i]] + b"\n"
                for i in order)
        elif case.fmt == "tsv":
            body = n + b"\t" + extra_name + b"\n" + b"".join(
                tsv_escape(texts[i]) + b"\t" + extra[texts[i]] + b"\n"
                for i in order)
        else:
            body = b"".join(
                b"{" + jstr_plain(n) + b":" + jenc_plain(vals[i]) + b"," +
                jstr_plain(extra_name) + b":" + jstr_plain(extra[texts[i]]) +
                b"}\n" for i in order)
            if not order:
                body = b"{" + jstr_plain(n) + b":\"k\"," + \
                    jstr_plain(extra_name) + b":\"r\"}\n"
        return {"key": p, "right": {"name": extra_name, "extra": extra,
                                    "file": "right" + EXT[case.fmt],
                                    "data": body}}
    return None


# ---- comparing -----------------------------------------------------------

class Mismatch(Exception):
    pass


def cell_matches(got, want):
    """A CSV/TSV cell against the value it must show."""
    x = text(want)
    if x is not None:
        return got == x
    try:
        return compact(got) and parse_json(got) == want
    except ValueError:
        return False


def show(v):
    return repr(v if v is None or v[0] != "s" else v[1])


def compare_table(out_fmt, out, header, recs, case, strings):
    """sluice's output in out_fmt against the header and records it must
    hold; raises Mismatch saying where."""
    if out_fmt in ("csv", "tsv"):
        got = read_input(out_fmt, [("<output>", out)], case.delim,
                         case.no_header)
        if got.err:
            raise Mismatch("the output is not valid %s: %r" % (out_fmt,
                                                               got.err))
        if not case.no_header and header is not None:
            if got.header != header:
                raise Mismatch("header %r, want %r" % (got.header, header))
        if len(got.recs) != len(recs):
            raise Mismatch("%d records, want %d" % (len(got.recs),
                                                    len(recs)))
        for k, (g, w) in enumerate(zip(got.recs, recs)):
            if len(g) != len(w) or not all(
                    cell_matches(a[1], b) for a, b in zip(g, w)):
                raise Mismatch("record %d is %r, want %s" % (
                    k + 1, [a[1] for a in g], "[" + ", ".join(
                        show(b) for b in w) + "]"))
        return
    if out_fmt == "lines":
        got = [c for c, _, _ in lines_of(out)]
        want = [text(r[0]) for r in recs]
        if got != want:
            raise Mismatch("lines %r, want %r" % (got[:40], want[:40]))
        return
    # jsonl: lines of only whitespace are nothing, the others objects
    lines = [c for c, _, _ in lines_of(out) if c.strip(b" \t\r")]
    if len(lines) != len(recs):
        raise Mismatch("%d objects, want %d" % (len(lines), len(recs)))
    for k, (line, r) in enumerate(zip(lines, recs)):
        try:
            got = parse_object(line)
        except ValueError as e:
            raise Mismatch("line %d is not a strict JSON object (%s): %r"
                           % (k + 1, e, line))
        want = []
        for name, v in zip(header, r):
            if v is None:
                continue
            if case.fmt != "jsonl":
                v = ("s", v[1]) if strings else typed(v[1])
            want.append((name, v))
        if list(got) != want:
            raise Mismatch("line %d is %r, want %r" % (k + 1, line,
                                                       tuple(want)))


def error_matches(spec, msg):
    if spec[0] == "any":
        return True
    if spec[0] == "utf8":
        _, name, recs = spec
        return ("'%s'" % name in msg and "<stdout>" not in msg and
                any(re.search(r"\brecord %d\b" % r, msg) for r in recs))
    _, name, rec, lines, offs = spec
    for m in LOCATED.finditer(msg):
        if m.group(1) != name:
            continue
        if rec is not None and int(m.group(2)) != rec:
            continue
        if int(m.group(3)) not in lines:
            continue
        if offs is not None and int(m.group(4)) not in offs:
            continue
        return True
    return False


def describe(spec):
    if spec[0] == "any":
        return "exit 1 with a message"
    if spec[0] == "utf8":
        return "exit 1 naming '%s', record %s (not '<stdout>')" % (
            spec[1], " or ".join(str(r) for r in sorted(spec[2])))
    _, name, rec, lines, offs = spec
    return "exit 1, \"in '%s' at record %s, line %s, byte %s\"" % (
        name, "N" if rec is None else rec,
        " or ".join(str(x) for x in sorted(lines)),
        "B" if offs is None else " or ".join(str(x) for x in sorted(offs)))


# ---- inputs --------------------------------------------------------------

class Case:
    """One input: its format, its files (name, bytes) and how it is named
    to sluice: by file name (the default), by -i (named=False), or not at
    all (sniff=True: the content decides); light: fewer verbs."""

    def __init__(self, name, fmt, files, delim=",", no_header=False,
                 pad=False, named=True, sniff=False, hand=True, names=None,
                 light=False):
        self.name, self.fmt, self.delim = name, fmt, delim
        self.no_header, self.pad, self.hand = no_header, pad, hand
        self.light = light
        if isinstance(files, bytes):
            files = [files]
        ext = EXT[fmt] if named and not sniff else ".dat"
        names = names or ["%s%d%s" % ("in" if len(files) == 1 else "part",
                                      i + 1, ext) for i in range(len(files))]
        self.files = list(zip(names, files))
        self.forced = not named and not sniff

    def opts(self):
        o = []
        if self.forced:
            o += ["-i", self.fmt]
        if self.delim != ",":
            o += ["-d", self.delim]
        if self.no_header:
            o += ["--no-header"]
        return o


def hand_cases():
    C = []

    def add(name, fmt, files, **kw):
        C.append(Case(name, fmt, files, **kw))

    # CSV: RFC 4180's examples
    add("rfc4180 crlf", "csv", b"aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n",
        no_header=True)
    add("rfc4180 no final crlf", "csv", b"aaa,bbb,ccc\r\nzzz,yyy,xxx",
        no_header=True)
    add("rfc4180 header", "csv",
        b"field_name,field_name2,field_name3\r\naaa,bbb,ccc\r\n")
    add("rfc4180 quoted", "csv", b'"aaa","bbb","ccc"\r\nzzz,yyy,xxx\r\n')
    add("rfc4180 crlf in quotes", "csv",
        b'"aaa","b\r\nbb","ccc"\r\nzzz,yyy,xxx\r\n')
    add("rfc4180 doubled quote", "csv", b'"aaa","b""bb","ccc"\r\n1,2,3\r\n')
    # (a) text after a closing quote
    add("a: space after quote", "csv", b'1,"x" \n2,"y"\n', no_header=True)
    add("a: space after quote, header", "csv",
        b'id,v\n1,"x" \n2,"y"\n3,z\n')
    add("a: tab after quote", "csv", b'id,v\n1,"x"\t\n2,"y"\n')
    add("a: letter after quote", "csv", b'id,v\n1,"x"y,\n2,"y"\n')
    add("a: bare cr after quote", "csv", b'id,v\n1,"x"\r2,"y"\n3,z\n')
    add("a: quote after quote text", "csv", b'id,v\n"a"b"c,1\n2,3\n')
    add("a: bad record spans lines", "csv",
        b'id,v\n"a"b,"two\nlines"\n2,3\n4,5\n')
    add("a: bad quote in the last field at the end", "csv",
        b'id,v\n1,"x"y')
    add("a: bad quote in the header", "csv", b'"id"x,v\n1,2\n')
    add("a: bad quote after good records", "csv",
        b'id,v\n1,2\n3,4\n5,"6"7\n8,9\n')
    add("a: bad quote, crlf file", "csv",
        b'id,v\r\n1,2\r\n"3" ,4\r\n5,6\r\n')
    # (b) bare CR
    add("b: bare cr unquoted", "csv", b"id,v\nx\ry,2\n")
    add("b: bare cr in header and field", "csv", b"i\rd,v\n1,a\rb\r\rc\n")
    add("b: bare cr quoted", "csv", b'id,v\n"x\ry",2\n')
    add("b: cr cr lf", "csv", b"id,v\n1,x\r\r\n2,y\n")
    add("b: bare cr at the end", "csv", b"v\nx\n\r")
    add("b: bare cr one column", "csv", b"v\r\nx\ry\r\n\rz\n")
    # quotes
    add("quote inside unquoted field", "csv", b'item,size\nbox,5" wide\n'
        b'rod,2"x3"\n')
    add("quote then crlf and eof", "csv", b'a,b\r\n"1","2"\r\n"3","4"')
    add("field of one quote", "csv", b'a,b\n"""",x\n"""""",""\n')
    add("delimiters and newlines in quotes", "csv",
        b'a,b\n"1,2","3\n4"\n"\n","\r\n"\n')
    add("unterminated quote at the end", "csv", b'a,b\n1,2\n"3,4\n')
    add("unterminated quote in the header", "csv", b'"a,b\n1,2\n')
    add("unterminated after doubled quote", "csv", b'a\n"x""\n')
    # blank lines, BOM, one column
    add("blank lines", "csv", b"\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n")
    add("one column with empty values", "csv", b'h\n""\n \nx\n""\n')
    add("one column only blank", "csv", b"h\n\n\n")
    add("bom", "csv", b"\xef\xbb\xbfa,b\n1,2\n")
    add("bom then quoted header", "csv", b'\xef\xbb\xbf"a",b\n"1",2\n')
    add("bom ragged", "csv", b"\xef\xbb\xbfa,b\n1,2\n3\n")
    add("bom in the middle is data", "csv", b"a,b\n\xef\xbb\xbf1,2\n")
    add("header only", "csv", b"a,b\n")
    add("header only no newline", "csv", b"a,b")
    add("empty input", "csv", b"")
    add("only blank lines", "csv", b"\n\r\n\n")
    add("nul bytes", "csv", b"a,b\x00\n1\x00,\x002\n\x00,\"\x00\"\n")
    add("non-ascii", "csv",
        "k,v\n\u00e9,\u4e2d\u6587\n\U0001f600,\u200b\n".encode())
    add("invalid utf-8", "csv", b"k,v\n\xff\xfe,ok\nfine,\xed\xa0\x80\n")
    add("invalid utf-8 late", "csv", b"k,v\na,b\nc,d\xc3\n")
    add("duplicate header names", "csv", b"a,a,b\n1,2,3\n")
    add("empty header names", "csv", b',,""\n1,2,3\n')
    add("numbers and words", "csv",
        b"v\n1.50\n-0\n007\n1e5\n1E+05\n.5\n1.\n+1\n0x1F\nNaN\nInfinity\n"
        b"123456789012345678901234567890\n-2.5e-3\ntrue\nTrue\nfalse\n"
        b"null\nNULL\n\"\"\n 1\n1 \n-\n0\n1e400\n")
    add("ragged short", "csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n")
    add("ragged long", "csv", b"a,b\n1,2\n3,4,5\n6,7\n")
    add("ragged long empty extras", "csv", b"a,b\n1,2,\n3,4,,\n5\n",
        pad=True)
    add("ragged for pad", "csv", b"a,b,c\n1\n2,3\n4,5,6\n7,8,9,\n",
        pad=True)
    add("ragged pad long non-empty", "csv", b"a,b\n1\n2,3,4\n", pad=True)
    add("ragged no header", "csv", b"1,2\n3\n", no_header=True)
    add("semicolon delimiter", "csv", b'a;b\n"1;2";x,y\n3;"4"\n',
        delim=";")
    add("tab delimiter", "csv", b'a\tb\n"1\t2"\tx\\t\n', delim="\t")
    add("pipe delimiter bad quote", "csv", b'a|b\n"1" |2\n3|4\n',
        delim="|")
    add("sniffed as csv", "csv", b"a,b\n1,2\n", sniff=True)
    add("-i csv", "csv", b"a,b\n1,2\n", named=False)
    add("two files", "csv", [b"a,b\n1,2\n", b"a,b\n3,4"])
    add("two files no final newlines", "csv", [b"a,b\n1,2", b"a,b\n3,4"])
    add("two files second ragged", "csv", [b"a,b\n1,2\n", b"a,b\n3\n"])
    add("two files second bad quote", "csv",
        [b"a,b\n1,2", b'a,b\n3,4\n"5"6,7\n'])
    add("e: cat checks a ragged csv", "csv", b"name,age\nann,3\nbob\n")
    # TSV
    add("tsv escapes", "tsv", b"a\tb\n1\\t2\t3\\n4\n\\r\\\\\tx\n")
    add("tsv other backslashes", "tsv", b"a\tb\nx\\y\tz\\\n\\\\t\t\\q\n")
    add("tsv bare cr and crlf", "tsv", b"a\tb\r\nx\ry\t2\r\n3\t4\r\r\n")
    add("tsv ragged", "tsv", b"a\tb\n1\t2\t3\n4\t5\n")
    add("tsv ragged short", "tsv", b"a\tb\n1\t2\n3\n")
    add("tsv blank line one column", "tsv", b"h\n\nx\n\n")
    add("tsv nul and utf-8", "tsv",
        "h\tv\n\x00\t\u00e9\u4e2d\n\U0001f600\t\x00x\n".encode())
    add("tsv invalid utf-8", "tsv", b"h\tv\n\xff\tx\n")
    add("tsv quotes are data", "tsv", b'h\tv\n"x"\t"a""b"\n" \t"\n')
    add("tsv no final newline", "tsv", b"h\tv\n1\t2")
    add("tsv no header", "tsv", b"1\t2\n3\t4\n", no_header=True)
    add("tsv two files", "tsv", [b"h\tv\n1\t2", b"h\tv\n3\t4\n"])
    # lines
    add("lines endings", "lines", b"a\r\nb\rc\n\nd")
    add("lines bare cr and nul", "lines", b"\r\n\r\r\nx\x00y\n\t \n")
    add("lines invalid utf-8", "lines", b"ok\n\xff\xfe\nfine\n")
    add("lines json-like", "lines", b'{"a":1}\n1.50\ntrue\nnull\n"x"\n')
    add("lines empty input", "lines", b"")
    add("lines only newlines", "lines", b"\n\n\n")
    add("e: lines, unterminated last line", "lines", [b"x", b"y\n"],
        named=False, names=["a.txt", "b.txt"])
    add("e: lines, three files", "lines", [b"a\nb", b"", b"c\r\nd"])
    add("lines two files crlf", "lines", [b"a\r\n", b"b\r"])
    # JSON Lines: (c) types
    add("c: types", "jsonl",
        b'{"zip":"12345","s":"true","z":"null","n":null,"t":["a"]}\n',
        named=False)
    add("c: types, more", "jsonl",
        b'{"zip":"12345","s":"true","z":"null","n":null,"t":["a"],'
        b'"e":"","f":"false","num":1.50,"o":{"k":[1,{"x":null}]}}\n'
        b'{"zip":"007","s":"false","z":"","n":"null","t":[],"e":null,'
        b'"f":false,"num":"1.50","o":{}}\n')
    add("numbers keep their text", "jsonl",
        b'{"n":1.50}\n{"n":1e400}\n{"n":-0}\n'
        b'{"n":123456789012345678901234567890}\n{"n":-1.5E-10}\n'
        b'{"n":0.0}\n{"n":1E+2}\n{"n":-0.0e-0}\n{"n":2e-400}\n'
        b'{"n":3.141592653589793238462643383279}\n')
    add("every escape", "jsonl",
        b'{"s":"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u001f '
        b'\\u00e9 \\u4E2D \\ud83d\\ude00 \\uD83D\\uDE00 \\u007f"}\n'
        b'{"s":"\\u0041\\u00dF\\u2028\\uffff"}\n')
    add("raw utf-8", "jsonl",
        '{"s":"\u00e9\u4e2d\U0001f600\u2028\u007f"}\n'.encode())
    add("escaped keys", "jsonl",
        b'{"a\\u0062":1,"\\u00e9":2,"":3,"\\n":4}\n{"ab":5,"\\n":6}\n')
    add("whitespace between tokens", "jsonl",
        b' { "a" : 1 , "b" :\t[ 1 , 2 ] ,"c":\r{ "d" : null } } \n'
        b'\t{"a":2,"b":[],"c":{}}\r\n')
    add("blank and whitespace lines", "jsonl",
        b'\n{"a":1}\n\n \t\r\n{"a":2}\n\n')
    add("crlf and no final newline", "jsonl",
        b'{"a":"x"}\r\n{"a":"y"}')
    add("missing keys", "jsonl",
        b'{"a":1,"b":"x","c":null}\n{"b":"y"}\n{}\n{"c":3,"a":2}\n')
    add("keys in another order", "jsonl",
        b'{"a":1,"b":2,"c":3}\n{"c":"z","b":"y","a":"x"}\n')
    add("new key", "jsonl", b'{"a":1}\n{"a":2,"b":3}\n{"a":4}\n')
    add("deep nesting", "jsonl",
        b'{"d":' + b"[" * 200 + b"1" + b"]" * 200 + b"}\n")
    add("empty object first", "jsonl", b"{}\n{}\n")
    add("empty object then a key", "jsonl", b'{}\n{"a":1}\n')
    add("sniffed as jsonl", "jsonl", b'{"a":"1"}\n{"a":1}\n', sniff=True)
    add("two jsonl files", "jsonl", [b'{"a":1,"b":"x"}', b'{"b":"y"}\n'])
    add("e: jsonl, unterminated last line", "jsonl",
        [b'{"a":1}', b'{"a":2}\n'])
    add("e: -i jsonl of a csv file", "jsonl", b"name,age\nann,3\n",
        named=False, names=["people.csv"])
    add("string values that look like others", "jsonl",
        b'{"v":"12345"}\n{"v":"true"}\n{"v":"null"}\n{"v":""}\n'
        b'{"v":"1.50"}\n{"v":" 1"}\n{"v":"[1]"}\n{"v":"{}"}\n')
    # (d) strictness
    bad = {
        "d: raw nul after number": b'{"v": 123\x00}',
        "d: raw nul after number, no space": b'{"v":123\x00}',
        "d: raw nul after true": b'{"v":true\x00}',
        "d: raw nul in an array": b'{"v":[1,2\x00]}',
        "d: raw nul before object": b'\x00{"v":1}',
        "d: control byte between tokens": b'{"v":\x011}',
        "d: vertical tab before object": b'\x0b{"v":1}',
        "d: form feed after object": b'{"v":1}\x0c',
        "d: raw control in string": b'{"v":"a\x01b"}',
        "d: raw tab in string": b'{"v":"a\tb"}',
        "d: raw nul in string": b'{"v":"a\x00b"}',
        "d: raw cr in string": b'{"v":"a\rb"}',
        "NaN": b'{"v":NaN}',
        "Infinity": b'{"v":Infinity}',
        "-Infinity": b'{"v":-Infinity}',
        "leading zero": b'{"v":01}',
        "trailing dot": b'{"v":1.}',
        "leading dot": b'{"v":.5}',
        "plus sign": b'{"v":+1}',
        "bare minus": b'{"v":-}',
        "exponent without digits": b'{"v":1e}',
        "hex number": b'{"v":0x1F}',
        "comment after": b'{"v":1}//c',
        "comment inside": b'{"v":/*c*/1}',
        "trailing comma": b'{"v":1,}',
        "trailing comma in array": b'{"v":[1,]}',
        "single quotes": b"{'v':1}",
        "unquoted key": b'{v:1}',
        "missing colon": b'{"v" 1}',
        "trailing garbage": b'{"v":1}x',
        "two objects on a line": b'{"v":1}{"v":2}',
        "unclosed object": b'{"v":1',
        "unclosed string": b'{"v":"a}',
        "bad escape": b'{"v":"\\x41"}',
        "upper-case escape": b'{"v":"\\U0041"}',
        "short unicode escape": b'{"v":"\\u12"}',
        "lone high surrogate": b'{"v":"\\ud800"}',
        "lone low surrogate": b'{"v":"\\udc00x"}',
        "reversed surrogates": b'{"v":"\\ude00\\ud83d"}',
        "lone surrogate in a key": b'{"\\ud800":1}',
        "lone surrogate nested": b'{"v":["\\udbff"]}',
        "invalid utf-8 in string": b'{"v":"\xff"}',
        "overlong utf-8": b'{"v":"\xc0\xaf"}',
        "utf-8 surrogate": b'{"v":"\xed\xa0\x80"}',
        "cut utf-8": b'{"v":"\xe4\xb8"}',
        "utf-8 past U+10FFFF": b'{"v":"\xf4\x90\x80\x80"}',
        "duplicate key": b'{"v":1,"v":2}',
        "duplicate key nested": b'{"v":{"a":1,"a":1}}',
        "duplicate key in array": b'{"v":[{"x":1,"x":2}]}',
        "duplicate key by escape": b'{"v":1,"\\u0076":2}',
        "top-level array": b'[1]',
        "top-level number": b'1',
        "top-level string": b'"v"',
        "true in capitals": b'{"v":True}',
    }
    for name, line in bad.items():
        # '[' first makes the input one JSON array, whose elements'
        # errors t_json_array checks (located by line and byte)
        if not line.startswith(b"["):
            add(name + " (first line)", "jsonl", line + b"\n", light=2)
        add(name + " (third line)", "jsonl",
            b'{"v":1}\n{"v":"ok"}\n' + line + b'\n{"v":2}\n', light=True)
    return C


# ---- random inputs ----------------------------------------------------------

PIECES = ["a", "b", "Z", " ", "  ", '"', '""', ",", ";", "\t", "|", "\n",
          "\r", "\r\n", "\x00", "\\", "\\t", "\\n", "\\\\", "{", "}", "[",
          "]", ":", "\u00e9", "\u4e2d\u6587", "\U0001f600", "\u200b",
          "\u2028", "'", "#", "\x1f", "\x7f", "/"]
WORDS = ["", "true", "false", "null", "True", "NULL", "12345", "007",
         "1.50", "-0", "1e400", "1E+05", "-2.5e-3", ".5", "1.", "+1",
         "0x1F", "NaN", "Infinity", "-", "123456789012345678901234567890",
         " 1", "1 ", "0", "x"]
BADBYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf",
            b"\xf4\x90\x80\x80", b"\xe4\xb8", b"\x80"]
JNUMS = ["0", "-0", "1.50", "1e400", "-1E-400", "2E+3", "0.0", "-0.0e0",
         "123456789012345678901234567890", "9007199254740993",
         "3.14159265358979323846264338327950288", "1", "-7", "10"]
KEYS = ["id", "name", "a b", "", "\u00e9", "zip", "n", "s", "1", "x,y",
        'q"', "line\nbreak", "t\tab", "\x00k", "emoji\U0001f600",
        "k" * 40, "true", "-", "z"]


def rand_text(rng):
    if rng.random() < 0.3:
        return rng.choice(WORDS)
    return "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 6)))


def rand_bytes(rng, bad=0.03):
    b = rand_text(rng).encode()
    if rng.random() < 0.02:
        b = "".join(rng.choice(PIECES) for _ in range(2000)).encode()
    if rng.random() < bad:
        i = rng.randrange(len(b) + 1)
        b = b[:i] + rng.choice(BADBYTES) + b[i:]
    return b


def rand_table(rng, ncols=None):
    ncols = ncols or rng.choice([1, 1, 2, 3, 4, 6])
    names = []
    while len(names) < ncols:
        n = rand_bytes(rng, 0.01) if rng.random() < 0.4 else \
            b"c%d" % len(names)
        if n not in names or rng.random() < 0.05:
            names.append(n)
    nrows = rng.choice([0, 1, 2, 3, 5, 8, 20])
    rows = [[rand_bytes(rng) for _ in names] for _ in range(nrows)]
    if rows and rng.random() < 0.3:
        rows.append(list(rng.choice(rows)))       # a duplicate, for uniq
    return names, rows


def insert(b, rng, what):
    i = rng.randrange(len(b) + 1)
    return b[:i] + what + b[i:]


def csv_encode(rng, names, rows, d):
    style = rng.choice(["min", "min", "all", "mixed"])
    ends = rng.choice([[b"\n"], [b"\r\n"], [b"\n", b"\r\n"]])
    out = bytearray(BOM if rng.random() < 0.08 else b"")
    for k, row in enumerate([names] + rows):
        if k and rng.random() < 0.05:
            out += rng.choice([b"\n", b"\r\n"])
        fields = []
        for v in row:
            need = (d in v or b"\n" in v or v.startswith(b'"') or
                    (b"\r" in v and rng.random() < 0.8) or
                    (len(row) == 1 and not v))
            if need or style == "all" or (style == "mixed" and
                                          rng.random() < 0.4):
                fields.append(b'"' + v.replace(b'"', b'""') + b'"')
            else:
                fields.append(v)
        out += d.join(fields)
        if k < len(rows) or rng.random() < 0.8:
            out += rng.choice(ends)
    return bytes(out)


def tsv_encode(rng, names, rows):
    def esc(v):
        out = bytearray()
        for i, c in enumerate(v):
            nxt = v[i + 1:i + 2]
            if c == 0x09:
                out += b"\\t"
            elif c == 0x0a:
                out += b"\\n"
            elif c == 0x0d:
                out += b"\\r" if rng.random() < 0.8 else b"\r"
            elif c == 0x5c:
                out += b"\\\\" if nxt and nxt in b"tnr\\" or \
                    rng.random() < 0.6 else b"\\"
            else:
                out.append(c)
        return bytes(out)
    end = rng.choice([b"\n", b"\r\n"])
    body = [b"\t".join(esc(v) for v in r) for r in [names] + rows]
    return end.join(body) + (end if rng.random() < 0.8 else b"")


def jstr(s, rng):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or (o > 0x7e and rng.random() < 0.3) or \
                rng.random() < 0.03:
            short = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                     "\t": "\\t"}
            if ch in short and rng.random() < 0.7:
                out.append(short[ch])
            elif o > 0xffff:
                o -= 0x10000
                out.append("\\u%04x\\u%04X" % (0xd800 + (o >> 10),
                                               0xdc00 + (o & 0x3ff)))
            else:
                out.append(("\\u%04x" if rng.random() < 0.5 else "\\u%04X")
                           % o)
        elif ch == "/" and rng.random() < 0.5:
            out.append("\\/")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def rand_jvalue(rng, depth=0):
    r = rng.random()
    if r < 0.35:
        return ("s", rand_text(rng).encode())
    if r < 0.6:
        return ("n", rng.choice(JNUMS))
    if r < 0.7:
        return ("w", rng.choice(["true", "false", "null"]))
    if r < 0.77 and depth < 3:
        return ("a", tuple(rand_jvalue(rng, depth + 1)
                           for _ in range(rng.randrange(0, 4))))
    if r < 0.84 and depth < 3:
        ks = rng.sample(KEYS, rng.randrange(0, 4))
        return ("o", tuple((k.encode(), rand_jvalue(rng, depth + 1))
                           for k in ks))
    return ("s", rng.choice([b"12345", b"true", b"null", b"", b"1.50",
                             b"-0", b" ", b"false"]))


def jenc(v, rng):
    ws = lambda: rng.choice([" ", "\t", "\r", "  "]) \
        if rng.random() < 0.15 else ""
    if v[0] == "s":
        return jstr(v[1].decode(), rng)
    if v[0] in ("n", "w"):
        return v[1]
    if v[0] == "a":
        return "[" + ",".join(ws() + jenc(e, rng) + ws() for e in v[1]) + \
            ws() + "]"
    return "{" + ",".join(ws() + jstr(k.decode(), rng) + ws() + ":" + ws() +
                          jenc(e, rng) + ws() for k, e in v[1]) + ws() + "}"


JBREAK = [b"NaN", b"Infinity", b"01", b"1.", b".5", b"+1", b"0x1F",
          b"\x00", b"\x01", b"\x0b", b"//c", b"x", b",", b"{}", b"'a'",
          b'"\\ud800"', b'"\xff"', b'"\\x"', b"]", b"}", b"\t", b" "]


def jsonl_encode(rng, names, rows):
    end = rng.choice([b"\n", b"\r\n"])
    lines = []
    for k, row in enumerate(rows):
        pairs = [(n, v) for n, v in zip(names, row)
                 if k == 0 or v is not None]
        if k and rng.random() < 0.3:
            rng.shuffle(pairs)
        ws = lambda: rng.choice(["", "", " ", "\t", "\r"])
        line = ws() + "{" + ",".join(
            ws() + jstr(n.decode(), rng) + ws() + ":" + ws() +
            jenc(v, rng) + ws() for n, v in pairs) + "}" + ws()
        lines.append(line.encode())
        if rng.random() < 0.05:
            lines.append(rng.choice([b"", b" ", b"\t \r"]))
    return end.join(lines) + (end if rng.random() < 0.8 else b"")


def rand_jsonl(rng):
    names = [k.encode() for k in rng.sample(KEYS, rng.randrange(1, 6))]
    rows = []
    for k in range(rng.choice([1, 2, 3, 5, 10, 20])):
        rows.append([rand_jvalue(rng) if k == 0 or rng.random() > 0.2
                     else None for _ in names])
    if rng.random() < 0.3:
        rows.append(list(rng.choice(rows)))
        if rows[-1][0] is None and len(rows) > 1:
            rows[-1][0] = ("s", b"x")
    data = jsonl_encode(rng, names, rows)
    if rng.random() < 0.3:
        lines = data.split(b"\n")
        k = rng.randrange(len(lines))
        what = rng.choice(["insert", "insert", "newkey", "dupkey",
                           "truncate"])
        if what == "insert":
            lines[k] = insert(lines[k], rng, rng.choice(JBREAK))
        elif what == "newkey" and lines[k].rstrip().endswith(b"}"):
            lines[k] = lines[k].rstrip()[:-1] + b',"zz_new":1}'
        elif what == "dupkey" and lines[k].startswith(b"{"):
            lines[k] = b'{"' + names[0].replace(b"\\", b"\\\\").replace(
                b'"', b'\\"').replace(b"\n", b"\\n").replace(
                b"\t", b"\\t").replace(b"\x00", b"\\u0000") + \
                b'":0,' + lines[k][1:]
        else:
            lines[k] = lines[k][:rng.randrange(len(lines[k]) + 1)]
        data = b"\n".join(lines)
    return data


def mutate(rng, data, fmt, d):
    what = rng.choice(["after-quote", "after-quote", "delim", "drop-delim",
                       "quote", "cr", "lf", "truncate"])
    if fmt == "tsv" and what in ("after-quote", "quote"):
        what = "delim"
    if what == "after-quote":
        spots = [i + 1 for i in range(len(data)) if data[i] == 0x22 and
                 data[i + 1:i + 2] in (d, b"\n", b"\r", b"")]
        if spots:
            i = rng.choice(spots)
            return data[:i] + rng.choice([b" ", b"\t", b"x", b"\r",
                                          b"\x00", b'"y']) + data[i:]
        what = "quote"
    if what == "delim":
        return insert(data, rng, d)
    if what == "drop-delim" and d in data:
        i = rng.choice([i for i in range(len(data)) if data[i] == d[0]])
        return data[:i] + data[i + 1:]
    if what == "quote":
        return insert(data, rng, b'"')
    if what == "cr":
        return insert(data, rng, b"\r")
    if what == "lf":
        return insert(data, rng, b"\n")
    return data[:rng.randrange(len(data) + 1)]


def random_case(rng, k):
    fmt = rng.choice(["csv", "csv", "csv", "tsv", "tsv", "jsonl", "jsonl",
                      "jsonl", "lines"])
    nfiles = 1 if rng.random() < 0.85 else rng.choice([2, 3])
    name = "random %d (%s)" % (k, fmt)
    opt = {}
    if fmt == "jsonl":
        data = rand_jsonl(rng)
    elif fmt == "lines":
        lines = [rand_bytes(rng).replace(b"\n", b"") for _ in
                 range(rng.choice([0, 1, 2, 5, 10]))]
        end = rng.choice([b"\n", b"\r\n"])
        data = end.join(lines) + (end if rng.random() < 0.7 else b"")
    else:
        d = b","
        if fmt == "csv" and rng.random() < 0.15:
            d = rng.choice([b";", b"\t", b"|"])
            opt["delim"] = d.decode()
        names, rows = rand_table(rng)
        if rng.random() < 0.1:
            opt["no_header"] = True
        if nfiles > 1:
            cut = sorted(rng.randrange(len(rows) + 1)
                         for _ in range(nfiles - 1))
            parts = [rows[a:b] for a, b in zip([0] + cut, cut + [len(rows)])]
            files = [csv_encode(rng, names, p, d) if fmt == "csv" else
                     tsv_encode(rng, names, p) for p in parts]
            if opt.get("no_header"):
                files = [f.split(b"\n", 1)[-1] if b"\n" in f else b""
                         for f in files]
            return Case(name, fmt, files, hand=False, **opt)
        data = csv_encode(rng, names, rows, d) if fmt == "csv" else \
            tsv_encode(rng, names, rows)
        if rng.random() < 0.3:
            data = mutate(rng, data, fmt, d)
        if rng.random() < 0.1 and fmt == "csv":
            opt["pad"] = True
    if nfiles > 1:
        cuts = sorted(rng.randrange(len(data) + 1)
                      for _ in range(nfiles - 1))
        # cut at line ends, so that each file holds whole lines
        files = []
        prev = 0
        for c in cuts:
            e = data.find(b"\n", c)
            e = len(data) if e < 0 else e + 1
            e = max(e, prev)
            files.append(data[prev:e])
            prev = e
        files.append(data[prev:])
        if rng.random() < 0.5:
            files = [f[:-1] if f.endswith(b"\n") and not
                     f.endswith(b"\r\n") else f for f in files]
        return Case(name, fmt, files, hand=False, **opt)
    return Case(name, fmt, data, hand=False, named=rng.random() < 0.8, **opt)


# ---- running ----------------------------------------------------------------

class Runner:
    def __init__(self, sluice, work, keep_going):
        self.sluice, self.work, self.keep = sluice, work, keep_going
        self.runs = self.compared = 0
        self.verbs = set()
        self.failures = []
        self.last_err = ""
        self.tables = {}

    def run(self, args):
        self.runs += 1
        p = subprocess.run([self.sluice] + args, cwd=self.work,
                           capture_output=True, timeout=120)
        self.last_rc = p.returncode
        self.last_err = p.stderr.decode("utf-8", "replace")
        return p.returncode, p.stdout, self.last_err

    def fail(self, case, args, why, got, want):
        self.failures.append((case.name, " ".join(args[:2]), why))
        msg = ["mismatch: %s" % case.name]
        for name, data in case.files:
            msg.append("input %s (repr, first 3000 bytes): %r"
                       % (name, data[:3000]))
        msg.append("command: sluice %s" % " ".join(
            "'%s'" % a if not re.match(r"[\w.,:/=+-]+\Z", a) else a
            for a in args))
        msg.append("what failed: %s" % why)
        msg.append("sluice gave: %s" % got[:3000])
        msg.append("expected: %s" % want[:3000])
        print("\n".join(msg) + "\n")
        if not self.keep:
            sys.exit(1)

    def check(self, case, verb, out_fmt, mode="fail", extra=(),
              plan=None, strings=False):
        """Run one verb on one input and compare; False if unsettled."""
        key = (id(case), mode)
        if key not in self.tables:
            try:
                self.tables[key] = read_input(case.fmt, case.files,
                                              case.delim, case.no_header,
                                              mode)
            except Unsettled:
                self.tables[key] = None
        t = self.tables[key]
        if t is None:
            return False
        plan = plan or {}
        if verb in ("sort", "top", "join", "select", "uniq", "uniq-first") \
                and not t.header:
            return False
        if verb == "join" and "right" not in plan:
            return False
        args = verb_args(verb, t, plan)
        args += ["-O", out_fmt] + case.opts() + list(extra)
        if mode != "fail":
            args += ["--on-error", mode]
        if strings:
            args += ["--strings"]
        rejects = mode == "skip" and verb == "cat" and out_fmt == case.fmt
        if rejects:
            args += ["--rejects", "rejects.jsonl"]
            if os.path.exists(os.path.join(self.work, "rejects.jsonl")):
                os.unlink(os.path.join(self.work, "rejects.jsonl"))
        args += [n for n, _ in case.files]
        if verb == "join":
            args.append(plan["right"]["file"])
        try:
            want = self.expect(case, t, verb, out_fmt, mode, plan)
        except Unsettled:
            return False
        rc, out, err = self.run(args)
        self.verbs.add(verb)
        self.compared += 1
        if want[0] == "err":
            if rc != 1 or not any(error_matches(s, err) for s in want[1]):
                self.fail(case, args, "a located error in every verb",
                          "exit %d, stderr %r" % (rc, err[:600]),
                          " or ".join(describe(s) for s in want[1]))
            return True
        if rc != 0:
            self.fail(case, args, "a clean run",
                      "exit %d, stderr %r" % (rc, err[:600]),
                      "exit 0 and the records")
            return True
        if verb == "count":
            if out != b"%d\n" % len(want[2]):
                self.fail(case, args, "the count", repr(out),
                          "%d" % len(want[2]))
            return True
        try:
            compare_table(out_fmt, out, want[1], want[2], case, strings)
        except Mismatch as e:
            self.fail(case, args, str(e), repr(out[:3000]),
                      "[" + ", ".join("[" + ", ".join(show(v) for v in r) +
                                      "]" for r in want[2][:40]) + "]")
            return True
        if rejects:
            self.check_rejects(case, args, t)
        return True

    def check_rejects(self, case, args, t):
        """Each skipped record in --rejects: one JSON object with file,
        record, line, offset, reason and the raw bytes."""
        path = os.path.join(self.work, "rejects.jsonl")
        got = []
        try:
            with open(path, "rb") as f:
                for line in f:
                    o = json.loads(line)
                    if not isinstance(o.get("reason"), str) or not (
                            "raw" in o or "raw_base64" in o):
                        raise KeyError("reason or raw")
                    got.append((o["file"], o["record"], o["line"],
                                o["offset"]))
        except (OSError, ValueError, KeyError) as e:
            got = ["unreadable: %s" % e]
        ok = len(got) == len(t.rejects) and all(
            g[0] == w[0] and g[1] == w[1] and g[2] in w[2] and
            (w[3] is None or g[3] in w[3])
            for g, w in zip(got, t.rejects))
        if not ok:
            self.fail(case, args, "the rejects file", repr(got),
                      repr([(n, r, sorted(ls), sorted(os_ or ()))
                            for n, r, ls, os_ in t.rejects]))

    def expect(self, case, t, verb, out_fmt, mode, plan):
        """("err", [specs]) or ("ok", header, records)."""
        if verb == "count" and case.fmt == "jsonl":
            # count counts every object, whatever its keys
            t = read_input(case.fmt, case.files, case.delim,
                           case.no_header, mode, any_keys=True)
        to_json = out_fmt == "jsonl" and case.fmt != "jsonl"
        streaming = verb not in ("sort", "uniq", "uniq-first", "top",
                                 "join")
        if t.err:
            specs = list(t.err)
            if out_fmt in ("csv", "tsv") and t.header == []:
                specs.append(("any",))   # {} first: no fields to write
            if to_json and t.header is not None and not (
                    len(set(t.header)) == len(t.header) and
                    all(valid_utf8(n) for n in t.header)):
                specs.append(("any",))
            elif to_json:
                bad = {w[1] for r, w in zip(t.recs, t.where)
                       if not all(valid_utf8(v[1]) for v in r)}
                if bad:
                    specs.append(("utf8", t.where[0][0], bad))
            return ("err", specs)
        if out_fmt == "lines" and (case.fmt != "lines" or verb == "join"):
            raise Unsettled("lines out of a table")
        if verb == "count":
            return ("ok", t.header, t.recs)
        header, recs, where = transform(verb, t, plan)
        if header is None:
            return ("ok", None, [])
        if out_fmt == "lines" and any(
                b"\n" in text(r[0]) or text(r[0]).endswith(b"\r")
                for r in recs):
            # a line cannot hold a LF, nor end in a CR (CRLF is an end)
            return ("err", [("any",)])
        if out_fmt == "jsonl":
            if len(set(header)) != len(header) or \
                    not all(valid_utf8(n) for n in header):
                return ("err", [("any",)])
            if to_json:
                bad = [(w, i) for i, (r, w) in enumerate(zip(recs, where))
                       if not all(valid_utf8(v[1]) for v in r)]
                if bad and mode in ("fail", "pad"):
                    first = {w[1] for w, _ in bad[:1]} if streaming else \
                        {w[1] for w, _ in bad}
                    return ("err", [("utf8", bad[0][0][0], first)])
                drop = {i for _, i in bad}
                recs = [r for i, r in enumerate(recs) if i not in drop]
        elif not header:
            if out_fmt == "csv":
                return ("err", [("any",)])
            raise Unsettled("a table of no fields as %s" % out_fmt)
        return ("ok", header, recs)


def plans_for(case, rng, light):
    """(verb, out format, options) checks for one input: cat into every
    format and every verb into the input's own, or (light) cat and a few
    verbs into random formats."""
    outs = {"csv": ["csv", "tsv", "jsonl"], "tsv": ["tsv", "csv", "jsonl"],
            "jsonl": ["jsonl", "csv", "tsv"],
            "lines": ["lines", "csv", "jsonl"]}[case.fmt]
    verbs = [v for v in VERBS if v != "cat"]
    if len(case.files) > 1:
        verbs.remove("join")
    if light == 2:
        return [("cat", outs[0], {}), (rng.choice(verbs), outs[0], {})]
    if light:
        checks = [("cat", outs[0], {}), ("cat", rng.choice(outs[1:]), {})]
        return checks + [(v, rng.choice(outs), {})
                         for v in rng.sample(verbs, 2)]
    checks = [("cat", o, {}) for o in outs]
    if case.fmt != "jsonl":
        checks.append(("cat", "jsonl", {"strings": True}))
    return checks + [(v, outs[0], {}) for v in verbs]


def make_plan(R, verb, case, t, rng):
    """What a verb needs beyond its name: a key field for sort and top, a
    second table for join; None when this input offers none."""
    if verb in ("sort", "top"):
        keys = [p for p in range(len(t.header or []))
                if field_ok_for_key(t, p)]
        return {"key": rng.choice(keys)} if keys else None
    if verb == "join":
        jp = join_plan(case, t, rng)
        if jp:
            with open(os.path.join(R.work, jp["right"]["file"]), "wb") as f:
                f.write(jp["right"]["data"])
        return jp
    return {}


def run_case(R, case, rng, light):
    R.tables = {}
    for name, data in case.files:
        with open(os.path.join(R.work, name), "wb") as f:
            f.write(data)
    try:
        t = read_input(case.fmt, case.files, case.delim, case.no_header)
    except Unsettled:
        return
    light = case.light or light or not case.hand
    chunk = []
    if not case.hand and rng.random() < 0.4:
        chunk = ["--chunk-size", rng.choice(["1", "2", "7", "64", "4K"])]
    for verb, out_fmt, o in plans_for(case, rng, light):
        plan = make_plan(R, verb, case, t, rng)
        if plan is not None:
            R.check(case, verb, out_fmt, "fail", chunk, plan,
                    o.get("strings", False))
    if t.err or case.pad:
        # skip: the bad records alone are lost, in every verb
        R.check(case, "cat", case.fmt, "skip", chunk)
        verbs = ["sort", "head", "filter", "uniq", "tail", "count"]
        for verb in rng.sample(verbs, 1 if light else 2):
            plan = make_plan(R, verb, case, t, rng)
            if plan is not None:
                R.check(case, verb, rng.choice(["jsonl", case.fmt]), "skip",
                        chunk, plan)
        if case.fmt == "csv" and (case.pad or not light):
            # pad: short records padded, long ones with empty extras cut
            R.check(case, "cat", "csv", "pad", chunk)
            R.check(case, "head", "jsonl", "pad", chunk)


# ---- spilling -----------------------------------------------------------

SPILL_NAMES = [b"id", b"grp", b"zip", b"num", b"nest", b"any", b"txt"]


def spill_rows(size, rng):
    """Records of every JSON type, about size bytes of them, some copied."""
    rows, total, k = [], 0, 0
    while total < size:
        rec = [("s", b"k%07d" % rng.randrange(10 ** 7)) if rng.random() < 0.5
               else ("n", str(k)),
               ("s", b"g%02d" % rng.randrange(40)),
               ("s", rng.choice([b"12345", b"007", b"true", b"null", b""])),
               rng.choice([("n", "1.50"), ("n", "-0"), ("n", "1e400"),
                           ("n", "123456789012345678901234567890"), None,
                           ("w", "null"), ("w", "true")]),
               ("a", (("s", b"a"), ("n", "1.0"))) if rng.random() < 0.5
               else ("o", ((b"k", ("w", "false")),)),
               rand_jvalue(rng), ("s", rand_text(rng).encode() * 3)]
        rows.append(rec)
        k += 1
        total += 130
        if rng.random() < 0.1:
            rows.append(list(rec))
    return rows


def spill_check(R, size, rng):
    """sort, uniq and join of JSON Lines far over the ceiling: every type
    must cross the spill files.  Returns the runs and the input size."""
    R.tables = {}
    rows = spill_rows(size, rng)
    lines = [b"{" + b",".join(jstr_plain(n) + b":" + jenc_plain(v)
                              for n, v in zip(SPILL_NAMES, r)
                              if v is not None) + b"}\n" for r in rows]
    case = Case("spill: JSON Lines through -m 1M", "jsonl", b"".join(lines))
    firsts, left = set(), []
    for r, line in zip(rows, lines):
        if text(r[0]) not in firsts:
            firsts.add(text(r[0]))
            left.append((r, line))
    lcase = Case("spill: join of JSON Lines", "jsonl",
                 b"".join(line for _, line in left), names=["left.jsonl"])
    # the tables as written, not read back: the writer here is plain
    for c, rs in ((case, rows), (lcase, [r for r, _ in left])):
        with open(os.path.join(R.work, c.files[0][0]), "wb") as f:
            f.write(c.files[0][1])
        t = Table()
        t.header, t.recs = SPILL_NAMES, rs
        t.where = [(c.files[0][0], k + 1) for k in range(len(rs))]
        R.tables[(id(c), "fail")] = t
    same = {"same_spelling": True}
    checks = [(case, "sort", {"key": 1}, "1M"),
              (case, "sort", {"key": 2}, "1M"),
              (case, "uniq", same, "1M"),
              # --keep first sorts twice at once (by key, then back into
              # input order): two spill writers need more than 1M
              (case, "uniq-first", same, "2M")]
    jp = join_plan(lcase, R.tables[(id(lcase), "fail")], rng, only=0)
    with open(os.path.join(R.work, jp["right"]["file"]), "wb") as f:
        f.write(jp["right"]["data"])
    # a join sorts both sides under one ceiling: 2M (1M is too little)
    checks.append((lcase, "join", jp, "2M"))
    n = 0
    for c, verb, plan, mem in checks:
        before = R.compared
        R.check(c, verb, "jsonl", "fail", ["-m", mem, "--mem-report=json"],
                plan)
        if R.compared == before:
            continue
        n += 1
        if R.last_rc == 0 and not spilled(R.last_err):
            R.fail(c, [verb, "-m", mem], "a spill to disk", R.last_err[:600],
                   "a --mem-report=json naming spill files")
    return n, len(case.files[0][1])


def spilled(err):
    for line in err.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if not isinstance(o, dict):
            continue
        if o.get("spill_runs", 0) > 0 or any(
                x.get("tag", "").startswith("spill.") and x.get("peak", 0)
                for x in o.get("tags", [])):
            return True
    return False


def main():
    argv = sys.argv[1:]
    keep = "-k" in argv
    light = "--light" in argv
    every, spill = 1, 1536 << 10
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--hand-every":
            every = int(argv[i + 1])
            i += 1
        elif a == "--spill":
            spill = int(argv[i + 1])
            i += 1
        elif a not in ("-k", "--light"):
            pos.append(a)
        i += 1
    sluice = os.path.abspath(pos[0])
    work = pos[1]
    nrandom = int(pos[2]) if len(pos) > 2 else 250
    R = Runner(sluice, work, keep)
    rng = random.Random(20240611)
    inputs = 0
    for k, case in enumerate(hand_cases()):
        if k % every:
            continue
        inputs += 1
        run_case(R, case, rng, light)
    for k in range(nrandom):
        inputs += 1
        run_case(R, random_case(rng, k), rng, True)
    spilled = ""
    if spill:
        n, size = spill_check(R, spill, rng)
        inputs += 2
        spilled = ", %d spill runs of %d bytes" % (n, size)
    if R.failures:
        print("%d checks failed:" % len(R.failures))
        for name, cmd, why in R.failures:
            print("  %s | %s | %s" % (name, cmd, why[:160]))
    print("figure: %d inputs, %d verbs, %d comparisons (%d runs)%s" % (
        inputs, len(R.verbs), R.compared, R.runs, spilled))
    return 1 if R.failures else 0


if __name__ == "__main__":
    sys.exit(main())
