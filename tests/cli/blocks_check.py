#!/usr/bin/env python3
"""blocks_check.py FILE.gz FORMAT HEADER [OUT | --parts N,... PREFIX]: check
a block gzip file
against RFC 1952 and the layout lib/blocks.c states, with Python's own
zlib and this file's own record rules, not sluice's.

Each member must have FEXTRA with one 'SL' subfield of 16 bytes (version
1, flags, member size, uncompressed size, first record start); the size
must be the member's real size, every member but the last must inflate
alone to its stated size and CRC-32, and the last must be the empty one
flagged as the end.  The first record start of each member must be the
first place in it where a record starts: FORMAT csv follows RFC 4180
quotes (a newline inside quotes ends no record), anything else starts a
record after each newline.  HEADER 1 (the default for csv) says the
first line is a header, whose end is the first start.  Prints the
number of data members; writes the stream to OUT when given.

With --parts N PREFIX, PREFIX.N.1 to PREFIX.N.N must be what `sluice split
--parts N --part I` writes by the rule lib/blocks.c states: the header
(the stream up to its first record start), then the stream from the
first record start in data member floor(M (I-1) / N) or after, to the
first in member floor(M I / N) or after (the last part to the end).
"""
import bisect
import struct
import sys
import zlib

NONE = 0xFFFFFFFF


def fail(msg):
    sys.exit("blocks_check: " + msg)


def record_starts(data, fmt, header):
    """Offsets where records start: after the header (or 0), then after
    each newline that ends a record, but not at the end of the data."""
    starts = []
    in_q = False
    at_field = True
    pos = 0
    ends = []
    if fmt == "csv":
        for i, c in enumerate(data):
            if in_q:
                if c == 0x22:
                    in_q = False    # "" reopens on the next quote
                continue
            if c == 0x22 and at_field:
                in_q = True
                at_field = False
                continue
            if c == 0x0A:
                ends.append(i + 1)
                at_field = True
            elif c == 0x2C:
                at_field = True
            elif c == 0x22:
                # "" inside a quoted field: closed then reopened
                in_q = True
            else:
                at_field = False
    else:
        ends = [i + 1 for i, c in enumerate(data) if c == 0x0A]
    if header:
        if not ends and data:
            return [len(data)]
        starts = [ends[0]] if ends else [0]
        ends = ends[1:]
    else:
        starts = [0] if data else []
    starts += [e for e in ends if e < len(data)]
    return sorted(set(starts))


def main():
    path, fmt = sys.argv[1], sys.argv[2]
    header = sys.argv[3] == "1"
    raw = open(path, "rb").read()
    off = 0
    members = []
    stream = bytearray()
    while off < len(raw):
        h = raw[off:off + 32]
        if len(h) < 32 or h[:4] != b"\x1f\x8b\x08\x04":
            fail("member at %d: not a gzip header with FEXTRA" % off)
        xlen, = struct.unpack_from("<H", h, 10)
        si, sublen = h[12:14], struct.unpack_from("<H", h, 14)[0]
        if xlen != 20 or si != b"SL" or sublen != 16 or h[16] != 1:
            fail("member at %d: no SL subfield of version 1" % off)
        flags = h[17]
        size, usize, first = struct.unpack_from("<III", h, 20)
        d = zlib.decompressobj(-15)
        body = d.decompress(raw[off + 32:])
        if not d.eof:
            fail("member at %d does not end" % off)
        used = len(raw) - off - 32 - len(d.unused_data)
        crc, isize = struct.unpack_from("<II", raw, off + 32 + used)
        if 32 + used + 8 != size:
            fail("member at %d: size %d, really %d" % (off, size,
                                                       32 + used + 8))
        if len(body) != usize or isize != usize:
            fail("member at %d: %d bytes, says %d" % (off, len(body), usize))
        if zlib.crc32(body) != crc:
            fail("member at %d: bad CRC" % off)
        members.append((len(stream), usize, first, flags))
        stream += body
        off += size
    if not members or members[-1][3] != 1 or members[-1][1] != 0:
        fail("the last member is not the empty end")
    if any(m[3] for m in members[:-1]):
        fail("an end flag before the last member")
    starts = record_starts(bytes(stream), fmt, header)
    starts_set = set(starts)
    for u, usize, first, _ in members:
        i = bisect.bisect_left(starts, u)
        inside = starts[i:i + 1] if i < len(starts) and \
            starts[i] < u + usize else []
        if inside:
            ok = first == inside[0] - u
        else:
            # none inside; a start right at its end may be told here
            ok = first == NONE or (first == usize and u + usize in starts_set)
        if not ok:
            fail("member at stream byte %d: first record at %d, want %s" %
                 (u, first, inside[0] - u if inside else "none"))
    print(len(members) - 1)
    if len(sys.argv) == 5:
        open(sys.argv[4], "wb").write(stream)
    elif len(sys.argv) == 7 and sys.argv[4] == "--parts":
        for n in sys.argv[5].split(","):
            check_parts(bytes(stream), members, starts, int(n),
                        "%s.%s" % (sys.argv[6], n))


def check_parts(stream, members, starts, n, prefix):
    m = len(members) - 1
    head = starts[0] if starts else len(stream)

    def begin(k):
        u = members[k][0] if k < m else len(stream)
        i = bisect.bisect_left(starts, u)
        return starts[i] if i < len(starts) else len(stream)
    body = bytearray()
    for i in range(1, n + 1):
        m0, m1 = m * (i - 1) // n, m * i // n
        frm = begin(m0)
        to = begin(m1) if m1 < m else len(stream)
        got = open("%s.%d" % (prefix, i), "rb").read()
        if got != stream[:head] + stream[frm:to]:
            fail("part %d of %d: %d bytes, want the header's %d and"
                 " stream bytes %d-%d" % (i, n, len(got), head, frm, to))
        body += got[head:]
    if body != stream[head:]:
        fail("the parts' bodies are not the stream's body")


main()
