#!/usr/bin/env python3
"""
json_conformance.py - RFC 8259, rule by rule, against sluice's JSON Lines
reader.

    python3 json_conformance.py SLUICE WORKDIR

Each case is one value, put in a line {"v": VALUE} (or a whole line, for
the rules of objects and of the line itself), with the outcome the RFC
gives it: accepted or refused.  All the lines go through one run of
`sluice cat -i jsonl -O jsonl --on-error skip --rejects R`: a refused
line must be in R, an accepted one in the output, its value the same
(strings decoded, numbers as their exact text, nested JSON as the same
data).

Python's json module is the second oracle: made strict (no NaN or
Infinity, no duplicate keys, no lone surrogate), it must agree with each
case's outcome, except where a case is marked as sluice's own rule (a
line must be one object; a lone surrogate escape is refused because
UTF-8 cannot carry it; more than 2048 levels of containers inside the
line's object are refused).
Prints the count of cases; exits 1 on the first disagreement.
"""
import json
import os
import subprocess
import sys
from decimal import Decimal

MAX_DEPTH = 2048
cases = []  # (rule, line bytes, accepted, sluice's own rule, value or None)


def value(rule, text, ok, own=False):
    if isinstance(text, str):
        text = text.encode("utf-8")
    cases.append((rule, b'{"v":' + text + b"}", ok, own, text))


def line(rule, text, ok, own=False):
    if isinstance(text, str):
        text = text.encode("utf-8")
    cases.append((rule, text, ok, own, None))


# ---- 6. numbers: [ minus ] int [ frac ] [ exp ] -------------------------
for t in ["0", "-0", "1", "-1", "123456789", "1.5", "-1.5", "0.0",
          "1e5", "1E5", "1e+5", "1e-5", "1.5E+10", "-0.0e0", "0e0",
          "1e400", "-1e-400", "12345678901234567890123456789012345678901",
          "0.10000000000000000000000000000001", "1.50", "100e-2"]:
    value("number: " + t, t, True)
for t in ["01", "-01", "00", "1.", "-1.", ".5", "-.5", "+1", "-", "1e",
          "1e+", "1E-", "1.e5", "0x10", "1_000", "1,5", "Infinity",
          "-Infinity", "NaN", "--1", "1e5.5", "1.5.5", "١"]:
    value("not a number: " + t, t, False)

# ---- 3. literals --------------------------------------------------------
for t in ["true", "false", "null"]:
    value("literal " + t, t, True)
for t in ["True", "FALSE", "nul", "tru", "nulll", "undefined", "none"]:
    value("not a literal: " + t, t, False)

# ---- 7. strings ---------------------------------------------------------
for t, why in [('""', "empty"), ('"abc"', "plain"),
               ('"\\""', "escaped quote"), ('"\\\\"', "escaped backslash"),
               ('"\\/"', "escaped solidus"), ('"/"', "bare solidus"),
               ('"\\b\\f\\n\\r\\t"', "short escapes"),
               ('"\\u0041\\u00e9\\u4e2d"', "\\u escapes"),
               ('"\\u0000"', "escaped NUL"), ('"\\u001f"', "escaped 0x1f"),
               ('"\\uD83D\\uDE00"', "surrogate pair, upper case"),
               ('"\\ud83d\\ude00"', "surrogate pair, lower case"),
               ('"\x7f"', "DEL is not a control byte"),
               ('"é中😀"', "UTF-8 of 2, 3 and 4 bytes"),
               ('"\\uFFFF"', "noncharacter escape"),
               ('"a\\u0000b"', "NUL inside")]:
    value("string: " + why, t, True)
for t, why in [('"abc', "not closed"), ('"\\x41"', "\\x escape"),
               ("\"\\'\"", "\\' escape"), ('"\\u12"', "short \\u"),
               ('"\\u12G4"', "\\u with a non-hex digit"),
               ('"\\U0041"', "\\U escape"), ('"\\', "backslash at the end"),
               ("'abc'", "single quotes"), ('"a\tb"', "raw tab"),
               ('"a\x01b"', "raw 0x01"), ('"a\x1fb"', "raw 0x1f"),
               ('"a\x00b"', "raw NUL"), ('"\\a"', "\\a escape"),
               ('"\\0"', "\\0 escape")]:
    value("not a string: " + why, t, False)
value("lone high surrogate escape", '"\\ud800"', False, own=True)
value("lone low surrogate escape", '"\\udc00"', False, own=True)
value("surrogates reversed", '"\\ude00\\ud83d"', False, own=True)
value("high surrogate then a letter", '"\\ud83dx"', False, own=True)

# ---- 8.1 UTF-8 ----------------------------------------------------------
for raw, why in [(b'"\xc3\xa9"', "2 bytes"), (b'"\xe4\xb8\xad"', "3 bytes"),
                 (b'"\xf0\x9f\x98\x80"', "4 bytes"),
                 (b'"\xef\xbf\xbf"', "U+FFFF"),
                 (b'"\xf4\x8f\xbf\xbf"', "U+10FFFF")]:
    value("UTF-8: " + why, raw, True)
for raw, why in [(b'"\x80"', "lone continuation"),
                 (b'"\xc3"', "cut short"), (b'"\xe4\xb8"', "cut short, 3"),
                 (b'"\xc0\xaf"', "overlong /"), (b'"\xc1\xbf"', "overlong"),
                 (b'"\xe0\x80\xaf"', "overlong, 3"),
                 (b'"\xf0\x80\x80\xaf"', "overlong, 4"),
                 (b'"\xed\xa0\x80"', "encoded surrogate"),
                 (b'"\xf4\x90\x80\x80"', "past U+10FFFF"),
                 (b'"\xf5\x80\x80\x80"', "byte 0xf5"), (b'"\xff"', "byte 0xff"),
                 (b'"\xfe"', "byte 0xfe"), (b'"a\xc3(b"', "bad continuation")]:
    value("not UTF-8: " + why, raw, False)
line("not UTF-8 outside a string", b'{"v":1}\xc3\xa9', False)

# ---- 2. whitespace: space, tab, LF, CR only ------------------------------
line("whitespace between tokens", '{ "v" : [ 1 , 2 ] }', True)
line("tabs and CR between tokens", '{\t"v"\t:\r1\r}', True)
line("whitespace around the object", '  {"v":1}\t ', True)
for ws, why in [("\f", "form feed"), ("\v", "vertical tab"),
                ("\u00a0", "no-break space"), ("\u2028", "line separator"),
                ("\x00", "NUL")]:
    line("not whitespace: " + why, '{"v":' + ws + '1}', False)

# ---- 5. arrays -----------------------------------------------------------
for t in ["[]", "[1]", "[1,2,3]", "[[]]", "[[],[[]]]", '["a",true,null,{}]',
          "[ 1 , 2 ]", "[-0.5e3,{\"a\":[]}]"]:
    value("array: " + t, t, True)
for t in ["[", "]", "[1,]", "[,1]", "[1 2]", "[,]", "[1,,2]", "[1:2]",
          "[1}", "[[]", "[]]"]:
    value("not an array: " + t, t, False)

# ---- 4. objects ----------------------------------------------------------
for t in ["{}", '{"a":1}', '{"a":1,"b":[2]}', '{"":0}', '{"a":{"b":{}}}',
          '{"a b":1,"\\u00e9":2}', '{ "a" : 1 }']:
    value("object: " + t, t, True)
for t in ['{"a"}', '{"a":}', "{a:1}", "{'a':1}", '{"a":1,}', '{"a" 1}',
          "{1:2}", '{"a":1 "b":2}', '{"a"::1}', '{,"a":1}', '{"a":1',
          '{"a":1}}', "{null:1}", '{"a",1}']:
    value("not an object: " + t, t, False)
value("a key twice", '{"a":1,"a":2}', False)
value("a key twice, deep", '[{"x":{"a":1,"a":1}}]', False)
value("keys that differ by an escape", '{"a":1,"\\u0061":2}', False)
line("a top-level key twice", '{"v":1,"v":2}', False)

# ---- the line: one object (JSON Lines) ----------------------------------
line("a line is an array", "[1]", False, own=True)
line("a line is a number", "1", False, own=True)
line("a line is a string", '"s"', False, own=True)
line("a line is null", "null", False, own=True)
line("two objects on a line", '{"v":1}{"v":2}', False)
line("text after the object", '{"v":1} x', False)
line("a comment after the object", '{"v":1} // c', False)
line("a comment inside", '{"v":/* c */1}', False)

# ---- 9. limits: nesting --------------------------------------------------
# the line's object holds at most MAX_DEPTH levels of containers
d = MAX_DEPTH
value("%d arrays, one in another" % d, "[" * d + "]" * d, True)
value("%d arrays, one in another" % (d + 1), "[" * (d + 1) + "]" * (d + 1),
      False, own=True)


# ---- Python, made strict -------------------------------------------------
def strict_ok(raw):
    def no_constant(name):
        raise ValueError(name)

    def pairs(kv):
        keys = [k for k, _ in kv]
        if len(keys) != len(set(keys)):
            raise ValueError("a key twice")
        return dict(kv)

    def lone(s):
        return any(0xd800 <= ord(c) <= 0xdfff for c in s)

    try:
        text = raw.decode("utf-8")
        v = json.loads(text, parse_constant=no_constant,
                       object_pairs_hook=pairs, parse_float=Decimal,
                       parse_int=Decimal)
    except (ValueError, RecursionError):
        return False, None

    def walk(x):
        if isinstance(x, str) and lone(x):
            raise ValueError("lone surrogate")
        if isinstance(x, dict):
            for k, y in x.items():
                walk(k)
                walk(y)
        if isinstance(x, list):
            for y in x:
                walk(y)
    try:
        walk(v)
    except ValueError:
        return "lone", v
    return True, v


def main():
    sluice, work = sys.argv[1], sys.argv[2]
    sys.setrecursionlimit(20000)        # Python's json recurses
    path = os.path.join(work, "cases.jsonl")
    with open(path, "wb") as f:
        f.write(b'{"v":0}\n')     # the header: every line's key is v
        for _, raw, _, _, _ in cases:
            f.write(raw + b"\n")
    rej = os.path.join(work, "rejects.jsonl")
    out = subprocess.run([sluice, "cat", "-i", "jsonl", "-O", "jsonl",
                          "--on-error", "skip", "-q", "--rejects", rej,
                          path], capture_output=True)
    if out.returncode != 0:
        print("sluice failed:", out.stderr.decode(errors="replace"))
        return 1
    refused = {}
    for r in open(rej, encoding="utf-8"):
        j = json.loads(r)
        refused[j["line"]] = j["reason"]
    got = out.stdout.split(b"\n")[:-1]
    if got[0] != b'{"v":0}':
        print("the header line changed:", got[0])
        return 1
    got = got[1:]
    bad = 0
    n_ok = n_no = 0
    for i, (rule, raw, ok, own, inner) in enumerate(cases):
        lineno = i + 2
        py, pv = strict_ok(raw)
        # Python agrees with the RFC outcome, but for sluice's own rules
        if not own and (py is True) != ok:
            print("python disagrees: %s: %r" % (rule, raw[:80]))
            bad += 1
        if ok:
            n_ok += 1
            if lineno in refused:
                print("refused, should be accepted: %s (%s)" %
                      (rule, refused[lineno]))
                bad += 1
                continue
            if not got:
                print("missing in the output:", rule)
                bad += 1
                continue
            g = got.pop(0)
            want = pv["v"] if isinstance(pv, dict) and "v" in pv else pv
            have = json.loads(g, parse_float=Decimal, parse_int=Decimal)
            have = have.get("v") if isinstance(have, dict) and \
                list(have) == ["v"] else have
            if isinstance(pv, dict) and list(pv) == ["v"]:
                if have != want or type(have) != type(want):
                    print("value changed: %s: %r -> %r" % (rule, raw, g))
                    bad += 1
                # a number keeps its text
                if isinstance(want, Decimal) and inner is not None:
                    if g[len(b'{"v":'):-1] != inner:
                        print("number text changed: %s: %r" % (rule, g))
                        bad += 1
        else:
            n_no += 1
            if lineno not in refused:
                print("accepted, should be refused: %s: %r" %
                      (rule, raw[:80]))
                bad += 1
    if got:
        print("more output lines than accepted cases:", len(got))
        bad += 1
    print("json conformance: %d cases, %d accepted and %d refused as the "
          "RFC says (%d of them sluice's own rules); %d wrong" %
          (len(cases), n_ok, n_no, sum(1 for c in cases if c[3]), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
