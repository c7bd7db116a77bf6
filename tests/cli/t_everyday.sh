# t_everyday.sh - the everyday verbs on headers: rename and reorder, each
# against Python (csv and re modules) on a header of awkward names (a
# comma, a quote, a space, non-ASCII, an empty name).  Sourced by run.sh.

# everyday_in FILE: the input, 3 records
everyday_in() {
	printf 'id,"a,b",x_1,x_22,caf\xc3\xa9,,"q""t"\n1,2,3,4,5,6,7\n8,"9,9",10,11,12,,14\n15,,,,,,\n' >"$1"
}

t_rename_reorder() {
	everyday_in in.csv
	local spec
	# every spec's output first, then one Python run checks them all
	local i=0 specs="rename|id:ID,x_1:one,5:cafe rename|2:x rename|6:empty,7:quote"
	specs="$specs rename-re|^x_([0-9]+)\$:col\1 rename-re|_:- rename-re|[a-z]:<\0>|g"
	specs="$specs rename-re|^\$:blank front|x_22,id front|3-4,1 back|1,x_1 back|2-"
	specs="$specs front|7,6,5,4,3,2,1"
	for spec in $specs; do
		local op=${spec%%|*} rest=${spec#*|} arg g=
		arg=${rest%%|*}
		[ "$rest" != "$arg" ] && g=g
		i=$((i + 1))
		case $op in
		rename) "$S" rename "$arg" in.csv ;;
		rename-re) "$S" rename ${g:+-g} -r "$arg" in.csv ;;
		front) "$S" reorder -f "$arg" in.csv ;;
		back) "$S" reorder -e -f "$arg" in.csv ;;
		esac >got$i.csv || { echo "$spec: failed"; return 1; }
		printf '%s\n' "$spec" >>specs.txt
	done
	python3 - in.csv specs.txt <<'PY' || return 1
import csv, re, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
h = rows[0]
def pos(item):
    return h.index(item) if item in h else int(item) - 1
def items(lst):
    out = []
    for it in lst.split(","):
        if re.fullmatch(r"\d+-\d*", it):
            lo, hi = it.split("-")
            out += range(int(lo) - 1, int(hi) if hi else len(h))
        else:
            out.append(pos(it))
    return out
for i, spec in enumerate(open(sys.argv[2]).read().split("\n")[:-1], 1):
    op, _, rest = spec.partition("|")
    arg, _, g = rest.partition("|")
    order, names = list(range(len(h))), list(h)
    if op == "rename":
        for pair in arg.split(","):
            old, new = pair.split(":", 1)
            names[pos(old)] = new
    elif op == "rename-re":
        rx, repl = arg.rsplit(":", 1)
        pyrepl = re.sub(r"\\(\d)", r"\\g<\1>", repl)
        names = [re.sub(rx, pyrepl, n, count=0 if g else 1) for n in h]
    else:
        chosen = items(arg)
        rest_ = [k for k in order if k not in chosen]
        order = chosen + rest_ if op == "front" else rest_ + chosen
        names = [h[k] for k in order]
    want = [names] + [[r[k] for k in order] for r in rows[1:]]
    got = list(csv.reader(open("got%d.csv" % i, newline="", encoding="utf-8")))
    assert got == want, (spec, got[:2], want[:2])
assert i == 12, i
PY
	# JSON keeps its types and leaves out absent keys through both
	printf '{"a":1,"b":"x","c":null}\n{"a":2.50,"c":[1]}\n' >in.jsonl
	eq "jsonl" "$("$S" rename a:A in.jsonl | "$S" reorder -f c)" \
		"$(printf '{"c":null,"A":1,"b":"x"}\n{"c":[1],"A":2.50}')" || return 1
	# errors: what is wrong, exit 2
	"$S" rename nope:x in.csv 2>err
	eq "unknown: status" $? 2 || return 1
	has "unknown" "$(cat err)" "no field 'nope' in the header" || return 1
	"$S" rename id:a,1:b in.csv 2>err
	has "twice" "$(cat err)" "field 'id' is renamed twice" || return 1
	"$S" rename id in.csv 2>err
	has "no pair" "$(cat err)" "rename takes OLD:NEW pairs" || return 1
	"$S" rename -r '(:x' in.csv 2>err
	eq "bad regex: status" $? 2 || return 1
	has "bad regex" "$(cat err)" "bad regular expression '('" || return 1
	"$S" rename -r nocolon in.csv 2>err
	has "-r" "$(cat err)" "-r takes REGEX:REPL" || return 1
	"$S" reorder -f id,1 in.csv 2>err
	has "reorder twice" "$(cat err)" "field 'id' is in the list twice" || return 1
	"$S" reorder in.csv 2>err
	eq "reorder: status" $? 2 || return 1
	# streamed: a big input under a small ceiling
	local rows=200000
	[ -n "$SAN" ] && rows=20000
	"$S" gen --rows $rows | "$S" rename -m 4M int:i | "$S" reorder -m 4M -e -f id |
		"$S" count >n || return 1
	eq "streamed" "$(cat n)" $rows
}

run rename_reorder t_rename_reorder

# headers: positions and names as Python's csv module reads the header;
# --types on the first N records as Python classifies each value (its re
# and datetime modules); only the header, or N records, are read: an
# endless input ends.
t_headers() {
	everyday_in in.csv
	"$S" headers in.csv >got.csv || return 1
	python3 - in.csv got.csv <<'PY' || return 1
import csv, sys
h = next(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
got = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
assert got == [["position", "name"]] + [[str(i + 1), n] for i, n in enumerate(h)], got
PY
	python3 - <<'PY' >types.csv || return 1
import csv, random, sys
rng = random.Random(11)
cols = {
    "ints": lambda: rng.choice(["0", "-12", "+7", "007", str(rng.randrange(10**20))]),
    "decs": lambda: rng.choice(["1.5", "-0.25", "3", "1e5", "2.5E-3", ".5", "5."]),
    "bools": lambda: rng.choice(["true", "FALSE", "True", "false"]),
    "dates": lambda: rng.choice(["2024-02-29", "2023-12-31", "1999-01-01"]),
    "stamps": lambda: rng.choice(["2024-02-29T10:00:00Z", "2024-01-01 00:00",
                                  "2024-01-01T23:59:60.5+01:00", "2024-06-01"]),
    "badday": lambda: rng.choice(["2023-02-29", "2024-01-01"]),
    "text": lambda: rng.choice(["x", "1", "2024-01-01", "1.5", "true"]),
    "sparse": lambda: rng.choice(["", "", "", "4"]),
    "blank": lambda: "",
    "late": lambda: "",
}
names = list(cols)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(names)
for i in range(3000):
    row = [cols[n]() for n in names]
    if i == 2500:
        row[names.index("late")] = "text now"   # past -n 2000
        row[names.index("ints")] = "x"
    w.writerow(row)
PY
	"$S" headers --types -n 2000 types.csv >got.csv || return 1
	python3 - types.csv got.csv 2000 <<'PY' || return 1
import csv, datetime, re, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
h, body = rows[0], rows[1:1 + int(sys.argv[3])]
INT = re.compile(r"[-+]?[0-9]+\Z")
DEC = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
def date(v):
    try:
        return len(v) == 10 and datetime.date.fromisoformat(v) is not None
    except ValueError:
        return False
STAMP = re.compile(r"(\d{4}-\d\d-\d\d)[T ]([01]\d|2[0-3]):[0-5]\d"
                   r"(:([0-5]\d|60)(\.\d+)?)?(Z|[-+]([01]\d|2[0-3]):?[0-5]\d)?\Z")
def stamp(v):
    m = STAMP.match(v)
    return bool(m) and date(m.group(1)) and \
        (m.group(7) is None or re.fullmatch(r"[-+]\d\d:\d\d|[-+]\d{4}", m.group(6)))
def kind(vals):
    vals = [v for v in vals if v != ""]
    if not vals:
        return "empty"
    for name, test in (("int", INT.match), ("decimal", DEC.match),
                       ("bool", lambda v: v.lower() in ("true", "false")),
                       ("date", date),
                       ("datetime", lambda v: date(v) or stamp(v))):
        if all(test(v) for v in vals):
            return name
    return "text"
def share(vals):
    s = "%.3f" % (sum(v == "" for v in vals) / len(vals))
    s = s.rstrip("0")
    return s[:-1] if s.endswith(".") else s
want = [["position", "name", "type", "empty"]]
for i, n in enumerate(h):
    vals = [r[i] for r in body]
    want.append([str(i + 1), n, kind(vals), share(vals)])
got = list(csv.reader(open(sys.argv[2], newline="")))
assert got == want, "\n".join(map(str, zip(got, want)))
kinds = {r[1]: r[2] for r in got[1:]}
assert kinds == {"ints": "int", "decs": "decimal", "bools": "bool",
                 "dates": "date", "stamps": "datetime", "badday": "text",
                 "text": "text", "sparse": "int", "blank": "empty",
                 "late": "empty"}, kinds
PY
	# past the sample: what -n 3000 sees
	eq "late" "$("$S" headers -t -n 3000 types.csv | grep ',late,')" "10,late,text,1" ||
		return 1
	# JSON keeps its kinds: a string is no number, null is empty
	printf '{"a":1,"b":"12","c":"2024-01-01","d":null,"e":[1],"f":true}\n{"a":2.5,"b":"x"}\n' >k.jsonl
	eq "json" "$("$S" headers -t -O csv k.jsonl | tail -n +2 | tr '\n' ' ')" \
		"1,a,decimal,0 2,b,text,0 3,c,date,0.5 4,d,empty,1 5,e,text,0.5 6,f,bool,0.5 " ||
		return 1
	# an endless input: the header alone, or 10 records, are read
	{ echo a,b; yes 1,2; } | "$S" headers >out || return 1
	eq "endless" "$(cat out)" "$(printf 'position,name\n1,a\n2,b')" || return 1
	{ echo a,b; yes 1,2; } | "$S" headers -t -n 10 >out || return 1
	eq "endless -t" "$(tail -n 1 out)" "2,b,int,0" || return 1
	"$S" headers -n 5 in.csv 2>err
	eq "-n without -t" $? 2
}

run headers t_headers

# fill, explode and implode against Python's csv module: fill down a
# random table with holes (values with commas, quotes and newlines);
# explode at ";" and at "::"; implode as itertools.groupby of adjacent
# records, and back to the input after explode.  JSON kinds come through;
# a group past the ceiling is an error, a stream is not.
t_reshape() {
	python3 - <<'PY' || return 1
import csv, random
rng = random.Random(5)
vals = ["x", "a,b", 'q"t', "two\nlines", "caf\u00e9", "0", " "]
with open("holes.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["k", "a", "b", "c"])
    for i in range(2000):
        w.writerow([str(i)] + [rng.choice(vals) if rng.random() < 0.4 else ""
                               for _ in range(3)])
with open("tags.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "tags", "other"])
    for i in range(2000):
        n = rng.randrange(0, 5)
        tags = ";".join(rng.choice(["t1", "t,2", "", "t\n3", "::", "t4"])
                        for _ in range(n))
        w.writerow([str(i), tags, rng.choice(["o", "p"])])
PY
	"$S" fill -f a,3 holes.csv >f1.csv || return 1
	"$S" fill --all holes.csv >f2.csv || return 1
	"$S" explode -f tags tags.csv >e1.csv || return 1
	"$S" explode -f 2 -s :: tags.csv >e2.csv || return 1
	"$S" implode -f tags e1.csv >i1.csv || return 1
	"$S" select -f other,tags tags.csv | "$S" implode -f tags -s '|' >i2.csv ||
		return 1
	python3 - <<'PY' || return 1
import csv, itertools
def rd(p):
    return list(csv.reader(open(p, newline="", encoding="utf-8")))
def filled(rows, cols):
    out, last = [rows[0]], {}
    for r in rows[1:]:
        r = list(r)
        for c in cols:
            if r[c] == "":
                r[c] = last.get(c, "")
            else:
                last[c] = r[c]
        out.append(r)
    return out
h = rd("holes.csv")
assert rd("f1.csv") == filled(h, [1, 2]), "fill -f a,3"
assert rd("f2.csv") == filled(h, [0, 1, 2, 3]), "fill --all"
t = rd("tags.csv")
def exploded(rows, sep):
    out = [rows[0]]
    for r in rows[1:]:
        for piece in r[1].split(sep):
            out.append([r[0], piece, r[2]])
    return out
assert rd("e1.csv") == exploded(t, ";"), "explode ;"
assert rd("e2.csv") == exploded(t, "::"), "explode ::"
assert rd("i1.csv") == t, "implode of explode"
sel = [[r[2], r[1]] for r in t]
want = [sel[0]] + [[k[0], "|".join(r[1] for r in g)]
                   for k, g in itertools.groupby(sel[1:], key=lambda r: [r[0]])]
assert rd("i2.csv") == want, "implode -s |"
PY
	# JSON: the filled value keeps its type; pieces of a string are
	# strings
	printf '{"a":"x","n":1}\n{"n":2}\n{"a":null,"n":3}\n{"a":"","n":4}\n{"a":5,"n":5}\n{"n":6}\n' |
		"$S" fill -f a >fj.jsonl || return 1
	eq "fill json" "$(cat fj.jsonl)" "$(printf '%s\n' '{"a":"x","n":1}' '{"a":"x","n":2}' \
		'{"a":"x","n":3}' '{"a":"x","n":4}' '{"a":5,"n":5}' '{"a":5,"n":6}')" || return 1
	eq "explode json" "$(printf '{"a":"x;y","n":1}\n' | "$S" explode -f a | "$S" implode -f a)" \
		'{"a":"x;y","n":1}' || return 1
	# bounded: streams under a small ceiling; one group past it fails
	local rows=200000
	[ -n "$SAN" ] && rows=20000
	"$S" gen --rows $rows | "$S" fill -m 4M -f text | "$S" explode -m 4M -f text -s ' ' |
		"$S" count >n || return 1
	[ "$(cat n)" -gt $rows ] || { echo "explode: $(cat n) records"; return 1; }
	{ echo k,v; yes 1,xxxxxxxxxxxxxxxxxxxx | head -n 400000; } |
		"$S" implode -m 4M -f v >/dev/null 2>err
	eq "group past the ceiling: status" $? 3 || return 1
	has "group" "$(cat err)" "the group of records to implode from '<stdin>' record 1, line 2 on does not fit" || return 1
	"$S" fill holes.csv 2>err
	eq "fill: status" $? 2 || return 1
	"$S" explode -f tags -s '' tags.csv 2>err
	eq "explode -s '': status" $? 2 || return 1
	"$S" explode -f nope tags.csv 2>err
	has "explode nope" "$(cat err)" "no field 'nope'" || return 1
}

run reshape t_reshape

# table against a Python model of its rules (widths from the header and
# the first N records by unicodedata's East Asian widths and combining
# marks, values cut with an ellipsis, numbers right, \n \r \t shown,
# trailing blanks dropped), on values of every kind of width; look is
# table; an endless input shows its first records with constant memory.
t_table() {
	python3 - <<'PY' || return 1
import csv, random
rng = random.Random(3)
vals = ["x", "caf\u00e9", "\u65e5\u672c\u8a9e", "e\u0301t\u00e9", "\U0001F600 ok",
        "\ud55c\uae00", "line\nbreak", "tab\there", "cr\rhere", "", "a much longer value than most",
        "  spaced  "]
nums = ["1", "-2.5", "3e5", "007", "+4", ".5", ""]
with open("t.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(["id", "text", "num", "na\u00efve", "empty", "mixed"])
    for i in range(60):
        w.writerow([str(i), rng.choice(vals), rng.choice(nums),
                    rng.choice(vals[:4]), "",
                    rng.choice(nums) if i < 40 else "word"])
PY
	"$S" table t.csv >got1.txt || return 1
	"$S" look -n 20 -w 9 t.csv >got2.txt || return 1
	python3 - <<'PY' || return 1
import csv, re, unicodedata
rows = list(csv.reader(open("t.csv", newline="", encoding="utf-8")))
NUM = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")
def chars(v):
    for ch in v:
        if ch in "\n\r\t":
            yield "\\" + {"\n": "n", "\r": "r", "\t": "t"}[ch], 2
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            yield "?", 1
        elif unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\u200e\u200f":
            yield ch, 0
        elif unicodedata.east_asian_width(ch) in "WF":
            yield ch, 2
        else:
            yield ch, 1
def width(v):
    return sum(w for _, w in chars(v))
def table(rows, n, maxw):
    h, body = rows[0], rows[1:]
    sample = body[:n]
    wid = [max([width(h[i])] + [width(r[i]) for r in sample]) for i in range(len(h))]
    wid = [max(1, min(w, maxw)) for w in wid]
    right = [any(r[i] for r in sample) and all(NUM.match(r[i]) for r in sample if r[i])
             for i in range(len(h))]
    def cell(v, w, r, out):
        full = width(v)
        room = w - 1 if full > w else w
        s, used = "", 0
        for t, cw in chars(v):
            if used + cw > room:
                break
            s += t
            used += cw
        if full > w:
            s += "\u2026"
            used += 1
        return (" " * (w - full) if r and full < w else "") + s, used
    lines = []
    def line(vals, rt):
        out, end = "", 0
        for i, v in enumerate(vals):
            if i:
                out += "  "
            s, used = cell(v, wid[i], rt[i], out)
            out += s
            if used:
                end = len(out)
            if i + 1 < len(vals) and not rt[i] and used < wid[i]:
                out += " " * (wid[i] - used)
        return out[:end]
    lines.append(line(h, [False] * len(h)))
    lines.append("  ".join("-" * w for w in wid))
    for r in body:
        lines.append(line(r, right))
    return "\n".join(lines) + "\n"
for got, n, w in (("got1.txt", 100, 40), ("got2.txt", 20, 9)):
    g = open(got, encoding="utf-8").read()
    want = table(rows, n, w)
    assert g == want, "%s:\n%s\nwant\n%s" % (got, g, want)
PY
	# --color=always: the header in bold; never by default off a terminal
	has "bold" "$("$S" table --color=always t.csv | head -n 1 | od -c | head -n 1)" \
		'033   [   1   m' || return 1
	case "$(head -n 1 got1.txt)" in *$'\033'*) echo "color off a terminal"; return 1 ;; esac
	# JSON values show as their text: null empty, arrays compact
	eq "json" "$(printf '{"a":null,"b":[1, 2],"c":"x"}\n' | "$S" table)" \
		"$(printf 'a  b      c\n-  -----  -\n   [1,2]  x')" || return 1
	# bounded: an endless input shows its first records
	{ echo a,b; yes 1,2; } | "$S" table -m 2M | head -n 5 >out
	eq "endless" "$(tail -n 1 out)" "1  2" || return 1
	"$S" table -w 1 t.csv 2>err
	eq "-w 1: status" $? 2 || return 1
	"$S" table --color=maybe t.csv 2>err
	eq "--color=maybe: status" $? 2
}

run table t_table

# put against Python: arithmetic (the shortest text of the double, as
# Python's repr), the conditional, upper, substr and strlen in characters,
# replace (re.sub), split, concat and '.', fmtnum (Python's % operator),
# round half away from zero, max, year and date_diff (datetime); later
# assignments see earlier ones; JSON types follow the values; syntax
# errors point at their column; a stream runs in a small ceiling.
t_put() {
	local rows=3000
	"$S" gen --rows $rows --seed 9 >in.csv || return 1
	"$S" put 'x = float * 2; c = upper(cat); flag = int > 100000000 ? "big" : "small";
		s = substr(text, 2, 5); n = strlen(text); r = replace(text, "([aeiou])n", "<\\1>");
		y = year(date); d = date_diff(date, "2000-01-01"); f = fmtnum(float, "%.2f");
		t = cat . "-" . id; w = split(text, " ", 2); m = max(int, 1000, float);
		rd = round(float, 1); cat = lower(c) . "!"; z = concat(x, "/", flag)' in.csv >got.csv ||
		return 1
	python3 - in.csv got.csv <<'PY' || return 1
import csv, datetime, math, re, sys
from decimal import Decimal
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
def exact(d):
    t = format(d.normalize(), "f")
    return "0" if t in ("-0", "0") else t
got = list(csv.DictReader(open(sys.argv[2], newline="")))
def num(d):
    if d == math.floor(d) and abs(d) < 2 ** 53:
        return str(int(d))
    return repr(d)
def rnd(a, digits):
    b = 10.0 ** digits
    v = a * b
    return math.copysign(math.floor(abs(v) + 0.5), v) / b
assert len(got) == len(rows)
assert list(got[0]) == list(rows[0]) + ["x", "c", "flag", "s", "n", "r", "y", "d",
                                        "f", "t", "w", "m", "rd", "z"], list(got[0])
base = datetime.date(2000, 1, 1)
for a, g in zip(rows, got):
    fl = float(a["float"])
    want = {
        "x": exact(Decimal(a["float"]) * 2), "c": a["cat"].upper(),
        "flag": "big" if int(a["int"]) > 100000000 else "small",
        "s": a["text"][1:6], "n": str(len(a["text"])),
        "r": re.sub(r"([aeiou])n", r"<\1>", a["text"]),
        "y": a["date"][:4],
        "d": str((datetime.date.fromisoformat(a["date"]) - base).days),
        "f": "%.2f" % fl, "t": a["cat"] + "-" + a["id"],
        "w": (a["text"].split(" ") + [""])[1] if " " in a["text"] else "",
        "m": num(max(float(a["int"]), 1000.0, fl)), "rd": num(rnd(fl, 1)),
        "cat": a["cat"].lower() + "!",
    }
    want["z"] = want["x"] + "/" + want["flag"]
    # past 18 digits the product is a double's: the same number, as %g
    if "e" in g["x"] and Decimal(g["x"]) == Decimal(want["x"]):
        want["x"] = g["x"]
        want["z"] = g["x"] + "/" + want["flag"]
    for k, v in want.items():
        assert g[k] == v, (a["id"], k, g[k], v)
    for k in ("id", "int", "float", "date", "text"):
        assert g[k] == a[k], (k, g[k], a[k])
PY
	# + - * of decimals are exact (as Python's decimal module), / in
	# doubles (Python's float)
	python3 - <<'PY' >dec.csv || return 1
import random
rng = random.Random(2)
print("a,b")
for i in range(3000):
    def one():
        return rng.choice(["%d" % rng.randrange(-10**9, 10**9),
                           "%d.%0*d" % (rng.randrange(-999, 1000), rng.randrange(1, 9),
                                        rng.randrange(10**8)),
                           "0.1", "0.2", "-0.05", "1.50", "999999999.999999999"])
    print("%s,%s" % (one(), one()))
PY
	"$S" put 's = a + b; d = a - b; p = a * b; q = a / b' dec.csv >gotdec.csv || return 1
	python3 - dec.csv gotdec.csv <<'PY' || return 1
import csv, sys
from decimal import Decimal, getcontext
getcontext().prec = 60
def exact(d):
    t = format(d.normalize(), "f")
    return "0" if t in ("-0", "0") else t
rows = list(csv.DictReader(open(sys.argv[1])))
got = list(csv.DictReader(open(sys.argv[2])))
for r, g in zip(rows, got):
    a, b = Decimal(r["a"]), Decimal(r["b"])
    assert g["s"] == exact(a + b), (r, g["s"], exact(a + b))
    assert g["d"] == exact(a - b), (r, g["d"], exact(a - b))
    p = a * b
    digits = len(p.as_tuple().digits)
    if -p.as_tuple().exponent <= 18 and abs(p) < 10 ** 18 / 10 ** -min(0, p.as_tuple().exponent):
        assert g["p"] == exact(p), (r, g["p"], exact(p))
    else:
        assert abs(float(g["p"]) - float(p)) <= 1e-12 * abs(float(p)), (r, g["p"])
    if b != 0:
        assert float(g["q"]) == float(r["a"]) / float(r["b"]), (r, g["q"])
assert len(got) == len(rows)
PY
	# JSON: numbers, strings, booleans and null by what the values are
	printf '{"a":1.50,"b":"x","c":null}\n{"a":"7","b":"y"}\n' >in.jsonl
	eq "json" "$("$S" put 'd = a * 2; e = b . "!"; f = a > 1; g = b * 2; h = a; i = to_number(a); j = c' in.jsonl)" \
		"$(printf '%s\n' '{"a":1.50,"b":"x","c":null,"d":3,"e":"x!","f":true,"g":null,"h":1.50,"i":1.50,"j":null}' \
			'{"a":"7","b":"y","d":14,"e":"y!","f":true,"g":null,"h":"7","i":7}')" || return 1
	# errors: the message and a caret under the column, exit 2
	"$S" put 'x = nope + 1' in.csv 2>err
	eq "unknown field: status" $? 2 || return 1
	has "unknown field" "$(cat err)" "unknown field 'nope' at column 5" || return 1
	"$S" put 'x == 1' in.csv 2>err
	has "==" "$(cat err)" "expected '=' after the field to set" || return 1
	"$S" put 'x = 1 y = 2' in.csv 2>err
	has "no ;" "$(cat err)" "expected ';' between assignments" || return 1
	"$S" put 'x = fmtnum(float, "%s")' in.csv 2>err
	has "fmtnum" "$(cat err)" "fmtnum() takes a format of one conversion" || return 1
	"$S" put 'x = replace(text, cat, "y")' in.csv 2>err
	has "replace" "$(cat err)" "replace() takes its regular expression as a string literal" ||
		return 1
	"$S" put 'x = substr(text)' in.csv 2>err
	has "args" "$(cat err)" "substr() takes 2 to 3 arguments, not 1" || return 1
	"$S" put 'x = (1' in.csv 2>err
	has "caret" "$(cat err)" "$(printf '  x = (1\n        ^')" || return 1
	"$S" put 2>err </dev/null
	eq "no program: status" $? 2 || return 1
	# a stream under a small ceiling
	local n=200000
	[ -n "$SAN" ] && n=20000
	"$S" gen --rows $n | "$S" put -m 4M 'x = float * 2; c = upper(cat)' | "$S" count >cnt ||
		return 1
	eq "streamed" "$(cat cnt)" $n
}

run put t_put
