#!/usr/bin/env python3
"""tests/fuzz/mkseeds.py - write the seed inputs in testdata/fuzz/NAME/.

Each seed is the harness's option bytes (see the top of each harness)
followed by data: small hand-written inputs and some of the fixtures in
testdata/.  Run from anywhere; it rewrites the seed folders (not
testdata/fuzz/regress, which holds the inputs of past findings).
"""
import gzip
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
TD = os.path.normpath(os.path.join(HERE, "..", "..", "testdata"))
OUT = os.path.join(TD, "fuzz")


def fixture(name):
    with open(os.path.join(TD, name), "rb") as f:
        return f.read()


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def spill_run(records):
    """Records in the spill format of lib/spill.c."""
    out = bytearray()
    for rec in records:
        body = varint(len(rec)) + b"".join(varint(len(f)) + f for f in rec)
        out += varint(len(body)) + body
    return bytes(out)


CSV = (b'name,amount,country\nalice,12,NO\n"bob, jr",3.5,"S""E"\r\n\n'
       b'carol,,DK\n"multi\nline",7,SE\n')
TSV = (b"name\tamount\tnote\nalice\t12\ttab\\there\n"
       b"bob\t3.5\tnew\\nline \\\\ back\\x\r\n\ncarol\t\t\n")
JSONL = (b'{"a":1,"b":"x","c":null}\n'
         b'{"b":"\\u00e9\\ud83d\\ude00\\"","a":[1, {"k": 2}],"c":true}\n'
         b'\n  {"a":-1.5e3 , "c" : false}\n')

SEEDS = {
    "source": {
        "text-gz": b"\x06\x00\x00" + fixture("src-text.gz"),
        "multi-gz-chunk7": b"\x03\x00\x02" + fixture("src-multi.gz"),
        "trailing-gz": b"\x04\x00\x00" + fixture("src-trailing.gz"),
        "truncated-gz": b"\x01\x00\x00" + fixture("truncated.gz")[:1200],
        "empty-gz": b"\x06\x00\x00" + fixture("src-empty.gz"),
        "binary": b"\x02\x00\x03" + fixture("src-binary.bin"),
        "bom-text": b"\x41\x00\x00\xef\xbb\xbfhello\nworld\n",
        "bom-gz": b"\x40\x00\x01" + gz(b"\xef\xbb\xbfhello\n" * 20),
        "close": b"\x84\x00\x00plain text that is closed early\n",
    },
    "lines": {
        "mixed": b"\x06\x00\x00\x00" + fixture("lines-mixed.txt"),
        "mixed-count": b"\x04\x00\x13\x00" + fixture("lines-mixed.txt"),
        "gzip-two-members": b"\x41\x00\x30\x80" + fixture("src-multi.txt"),
        "reader-bom-crlf": b"\x83\x00\x00\x00\xef\xbb\xbfa\r\nb\n\rc",
        "long-line": b"\x5b\x00\x00\x00" + b"x" * 3000 + b"\n",
    },
    "csv": {
        "basic": b"\x06\x00\x00\x00" + CSV,
        "chunk2": b"\x01\x00\x00\x00" + CSV,
        "skip-rejects": (b"\x86\x00\x01\x00"
                         b'a,b\n1,2\n1,2,3\n"x\ny",4\n5\n"\xff",6\n'),
        "no-header-count": b"\x43\x00\x22\x00" + CSV,
        "semicolon": b"\x04\x00\x00\x01a;b;c\n1;2;3\n;;\n",
        "want": b"\x03\x00\x04\x58" + CSV,
        "auto-jsonl": b"\x06\x00\x08\x00" + JSONL,
        "gzip": b"\x04\x00\x00\x00" + gz(CSV * 4),
        "bom": b"\x02\x00\x00\x00\xef\xbb\xbf" + CSV,
        "open-quote": b'\x06\x00\x00\x00a,b\n"1,2\n',
    },
    "tsv": {
        "basic": b"\x06\x00\x00\x00" + TSV,
        "chunk3": b"\x02\x00\x00\x00" + TSV,
        "skip-rejects": b"\x84\x00\x01\x00a\tb\n1\t2\n1\n1\t2\t3\n\xff\t\n",
        "no-header-count": b"\x43\x00\x12\x00" + TSV,
        "gzip": b"\x05\x00\x00\x00" + gz(TSV * 4),
    },
    "jsonl": {
        "basic": b"\x06\x00\x00\x00" + JSONL,
        "chunk1": b"\x00\x00\x00\x00" + JSONL,
        "names": b"\x04\x00\x08\x00" + JSONL,
        "skip-rejects": (b"\x84\x00\x01\x00"
                         b'{"a":1,"b":2}\n{"z":2}\n[1]\n{bad\n{"a":"\xff"}\n'
                         b'{"a":1,"a":2}\n{"b":3}\n'),
        "count": b"\x03\x00\x12\x00" + JSONL * 3,
        "gzip": b"\x05\x00\x00\x00" + gz(JSONL * 4),
    },
    "expr": {
        "cmp-regex": (b"\x00\x00amount > 100 && country =~ \"^N\"\x00"
                      b"x\ty\tz\t150\tNO\n1\t2\t3\t99\tSE\n\t\t\t1e3\tN\n"),
        "funcs": (b"\x00\x00len(a) + 2 * -b % 3 != 0 || "
                  b"!is_empty(${x y})\x00abc\t7\tc\td\te\tf\n\n"),
        "strings": (b"\x01\x00lower(country) == 'no' && contains(a, \"x\\ty\")"
                    b" || starts_with($2, 'y\\'')\x00x\ty'\tc\t1\tNO\n"),
        "fields": (b"\x00\x00$1 < $2 && n.1 >= 1e3 || _ !~ \"a|b\"\x00"
                   b"1\t2\t3\t4\t5\t6\t1000\tc\n9\t10\n"),
        "upper": b"\x03\x00upper(a) == \"ABC\" && (b / 0 > 1)\x00abc\t5\n",
        "literals": b"\x00\x00\"12\" == 12.0 && true && !false\x00\n",
        "syntax-error": b"\x00\x00a == (b + \x00\n",
    },
    "spill": {
        "run-gz": b"\x46\x00\x00" + spill_run([[b"a", b"b"], [b"", b"xyz"],
                                              [b"1"]] * 20),
        "run-raw": b"\x04\x00\x00" + spill_run([[b"key", b"value"]] * 5),
        "run-two-members": b"\x83\x00\x80" + spill_run(
            [[b"x" * 200, b"y"], [b"z"]] * 10),
        "run-cut": b"\xc6\x00\x05" + spill_run([[b"abc"] * 3] * 30),
        "big-field": b"\x41\x00\x00" + spill_run([[b"q" * 3000]]),
    },
}


def main():
    for name, seeds in SEEDS.items():
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for seed, data in seeds.items():
            with open(os.path.join(d, seed), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
