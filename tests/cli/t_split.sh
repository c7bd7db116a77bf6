# tests/cli/t_split.sh - sluice split: part I of N, cut at record boundaries.
#
# Sourced by run.sh, which provides S, MAXRSS, SAN, T, the assertions
# eq/has/le and run.  Inputs are made at test time; python3's csv module is
# the oracle for where CSV records start and end.

# split_craft FILE lf|crlf final|nofinal [DELIM]: a CSV whose records are
# mostly multi-line quoted fields with "" inside, so that most nominal cuts
# land inside quotes; the header has a quoted newline and comma too.
split_craft() {
	python3 - "$@" <<'PY'
import csv, random, sys
path, term, final = sys.argv[1], sys.argv[2], sys.argv[3] == "final"
delim = sys.argv[4] if len(sys.argv) > 4 else ","
rnd = random.Random(20240611)
words = "alpha beta gamma delta said \"hi\" quote, comma x".split(" ")
def text(lines):
    return "\n".join(" ".join(rnd.choice(words) for _ in range(rnd.randint(0, 6)))
                     for _ in range(lines))
odd = ['"', 'ends with "', '\nstarts with a newline', '"\n"', '', ' ',
       'a ""double"" b', '\r\nbare cr\r', 'x' + delim + 'y']
out = open(path, "w", newline="")
w = csv.writer(out, delimiter=delim,
               lineterminator="\r\n" if term == "crlf" else "\n")
w.writerow(["id", "multi\nline note", "qty" + delim + " units", "text"])
for i in range(1, 241):
    note = rnd.choice(odd) if i % 3 == 0 else text(rnd.randint(1, 4))
    w.writerow([i, note, rnd.choice(["7", "1" + delim + "5", ""]),
                text(rnd.randint(2, 12))])
out.close()
if not final:
    data = open(path, "rb").read()
    data = data[:-2] if term == "crlf" else data[:-1]
    open(path, "wb").write(data)
PY
}

# split_check FILE DELIM NPARTS PART...: the oracle.  Prints the header's
# length in bytes.  Fails unless part I is exactly the header's bytes and
# then the file's bytes from boundary I-1 to boundary I, where boundary J
# is the first record end at or after the nominal cut J; unless every part
# parses into whole records of the header's width; and unless the parts'
# records, in order, are the file's records.
split_check() {
	python3 - "$@" <<'PY'
import csv, io, itertools, re, sys
path, delim, n, parts = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
data = open(path, "rb").read()
def records(b):
    rows = csv.reader(io.StringIO(b.decode(), newline=""), delimiter=delim)
    return [r for r in rows if r]
lines = re.findall(rb"[^\n]*\n|[^\n]+$", data)
cum = [0] + list(itertools.accumulate(len(l) for l in lines))
rd = csv.reader((l.decode() for l in lines), delimiter=delim)
ends, header = [], None      # where records (and blank lines) end
for row in rd:
    ends.append(cum[rd.line_num])
    if header is None and row:
        header, hlen = row, ends[-1]
if header is None:
    header, hlen = [], len(data)
ends.append(len(data))
size = len(data) - hlen
cuts = [hlen + size * j // n for j in range(n + 1)]
bounds = [c if c == hlen else min(e for e in ends if e >= c) for c in cuts]
every = records(data)
got = []
assert len(parts) == n
for i, p in enumerate(parts, 1):
    b = open(p, "rb").read()
    want = data[:hlen] + data[bounds[i - 1]:bounds[i]]
    assert b == want, "part %d of %d: %d bytes, want %d (bytes %d-%d)" % (
        i, n, len(b), len(want), bounds[i - 1], bounds[i])
    rows = records(b)
    assert rows[0] == header, "part %d: first row %r" % (i, rows[0])
    bad = [r for r in rows if len(r) != len(header)]
    assert not bad, "part %d: rows of another width: %r" % (i, bad[:2])
    got += rows[1:]
assert got == every[1:], "records differ: %d, want %d" % (len(got), len(every) - 1)
print(hlen)
PY
}

# split_check_lines FILE HEADER NPARTS PREFIX: the same for formats without
# quotes, where a boundary follows every '\n'; HEADER 1 carries the first
# line as the header.
split_check_lines() {
	python3 - "$@" <<'PY'
import sys
path, header, n, pre = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), sys.argv[4]
data = open(path, "rb").read()
hlen = data.find(b"\n") + 1 if header else 0
if header and hlen == 0:
    hlen = len(data)
def bound(c):
    if c == hlen:
        return c
    nl = data.find(b"\n", c - 1)
    return len(data) if nl < 0 else nl + 1
size = len(data) - hlen
b = [bound(hlen + size * j // n) for j in range(n + 1)]
for i in range(1, n + 1):
    got = open("%s.%d" % (pre, i), "rb").read()
    assert got == data[:hlen] + data[b[i - 1]:b[i]], "%s: part %d of %d" % (path, i, n)
PY
}

# split_traps FILE N...: how many nominal cuts (of all the N given) lie in
# a record where the next '\n' is inside quotes, so that cutting at that
# newline would be wrong.  Checks the crafted inputs test something.
split_traps() {
	python3 - "$@" <<'PY'
import csv, itertools, re, sys
data = open(sys.argv[1], "rb").read()
lines = re.findall(rb"[^\n]*\n|[^\n]+$", data)
cum = [0] + list(itertools.accumulate(len(l) for l in lines))
rd = csv.reader(l.decode() for l in lines)
ends = [cum[rd.line_num] for _ in rd]
head, traps = ends[0], 0
for n in map(int, sys.argv[2:]):
    for j in range(1, n):
        c = head + (len(data) - head) * j // n
        nl = data.find(b"\n", c - 1) + 1
        end = min(e for e in ends if e >= c)
        traps += nl < end
print(traps)
PY
}

# split_all FILE N OUTPREFIX [OPTIONS...]: write parts 1..N to PREFIX.I
split_all() {
	local f=$1 n=$2 pre=$3 i
	shift 3
	for i in $(seq 1 "$n"); do
		"$S" split --parts "$n" --part "$i" "$@" "$f" >"$pre.$i" || {
			echo "split $* --parts $n --part $i $f failed"
			return 1
		}
	done
}

# split_bodies FILE N PREFIX HLEN: cmp the concatenated bodies with FILE's
split_bodies() {
	local f=$1 n=$2 pre=$3 hlen=$4 i
	for i in $(seq 1 "$n"); do
		tail -c +$((hlen + 1)) "$pre.$i"
	done >bodies
	tail -c +$((hlen + 1)) "$f" | cmp - bodies || {
		echo "$f: the bodies of $n parts differ from the file's body"
		return 1
	}
}

t_split_csv_quoted() {
	local v f n cs css hlen traps all=
	local vs="lf-final lf-nofinal crlf-final crlf-nofinal"
	[ -n "$SAN" ] && vs="crlf-final"
	for v in $vs; do
		v=${v/-/ }
		f=in-${v% *}-${v#* }.csv
		split_craft "$f" $v || return 1
		traps=$(split_traps "$f" 2 3 4 7) || return 1
		le "cuts inside quotes in $f (of 13)" 8 "$traps" || return 1
		all="$all $traps"
		for n in 1 2 3 4 7; do
			# small chunks cut every state in two; they are slow
			# (each part reads from the start), so only for some
			# part counts, and chunks of one byte only for CRLF
			# with a final newline, which has the most states
			case $n in
			1 | 4) css=64K ;;
			2 | 3) css="5 64K" ;;
			*) css="5 64K"
			   [ "$v" = "crlf final" ] && css="1 $css" ;;
			esac
			for cs in $css; do
				split_all "$f" $n p --chunk-size $cs || return 1
				hlen=$(split_check "$f" , $n $(seq -f p.%g 1 $n)) ||
					{ echo "$f, $n parts, chunk $cs"; return 1; }
				split_bodies "$f" $n p "$hlen" || return 1
			done
		done
	done
	eq "the crafted CSV reads" "$("$S" count in-crlf-final.csv)" 240 || return 1
	echo "figure: nominal cuts inside quotes (of 13), per input:$all"
}

# A '"' in the middle of an unquoted field is data for the reader (and
# python): it must not flip the quote state as parity would.
t_split_csv_literal_quotes() {
	local n i
	python3 - <<'PY' || return 1
import random
rnd = random.Random(5)
with open("lit.csv", "w", newline="") as f:
    f.write("id,size,note\n")
    for i in range(1, 301):
        size = rnd.choice(['5" wide', '12"', 'x"y"z', 'plain'])
        f.write('%d,%s,"line one\nline ""two""\nthree"\n' % (i, size))
PY
	eq "reader count" "$("$S" count lit.csv)" 300 || return 1
	for n in 2 3 5 8; do
		split_all lit.csv $n p || return 1
		split_check lit.csv , $n $(seq -f p.%g 1 $n) >/dev/null || return 1
	done
	# -d: a quote opens a field only after the delimiter in use
	split_craft semi.csv lf final ';' || return 1
	for n in 3 7; do
		split_all semi.csv $n p -d ';' || return 1
		split_check semi.csv ';' $n $(seq -f p.%g 1 $n) >/dev/null ||
			return 1
	done
}

t_split_more_parts_than_records() {
	local i empty=0 hlen
	printf 'id,v\n1,"a\nb"\n2,x\n3,"y""\n"\n' >three.csv
	split_all three.csv 10 p || return 1
	hlen=$(split_check three.csv , 10 $(seq -f p.%g 1 10)) || return 1
	eq "header length" "$hlen" 5 || return 1
	for i in $(seq 1 10); do
		if cmp -s p.$i <(printf 'id,v\n'); then
			empty=$((empty + 1))
		fi
	done
	eq "parts with only the header" $empty 7 || return 1
	# no final newline, one record: it goes to exactly one part
	printf 'id,v\n1,"last\nrecord"' >one.csv
	split_all one.csv 4 q || return 1
	split_check one.csv , 4 $(seq -f q.%g 1 4) >/dev/null || return 1
	printf 'id,v' >h.csv
	eq "only a header" "$("$S" split --parts 3 --part 2 h.csv)" "id,v" || return 1
	: >e.csv
	eq "empty file" "$("$S" split --parts 3 --part 1 e.csv | wc -c)" 0
}

# What the CSV reader skips before the first record (a byte-order mark,
# blank lines) does not count as data: a quote right after the mark opens
# a field, and blank lines go with the header.
t_split_bom_and_blank_lines() {
	local i
	printf '\357\273\277"a\nb",c\n1,2\n' >bom.csv
	"$S" split --parts 4 --part 1 --no-header bom.csv >p.1 || return 1
	head -c 11 bom.csv | cmp - p.1 || { echo "bom, --no-header"; return 1; }
	printf '\357\273\277"x\ny",z\n1,"2\n3"\n4,5\n' >bomh.csv
	split_all bomh.csv 3 p || return 1
	{ head -c 11 bomh.csv; printf '1,"2\n3"\n'; } | cmp - p.1 || return 1
	head -c 11 bomh.csv | cmp - p.2 || return 1
	{ head -c 11 bomh.csv; printf '4,5\n'; } | cmp - p.3 || return 1
	for i in 1 2 3; do
		eq "bom part $i reads" "$("$S" count p.$i)" $((i % 2)) ||
			return 1
	done
	printf '\n\r\nid,v\n1,2\n3,4\n' >blank.csv
	split_all blank.csv 2 b || return 1
	printf '\n\r\nid,v\n1,2\n' | cmp - b.1 || return 1
	printf '\n\r\nid,v\n3,4\n' | cmp - b.2
}

t_split_other_formats() {
	local n i
	"$S" gen --rows 3000 --seed 3 -O jsonl >g.jsonl || return 1
	"$S" gen --rows 3000 --seed 3 -O tsv >g.tsv || return 1
	for n in 1 2 5; do
		split_all g.jsonl $n j || return 1
		split_check_lines g.jsonl 0 $n j || return 1
		cat $(seq -f j.%g 1 $n) | cmp - g.jsonl ||
			{ echo "jsonl: $n parts differ from the file"; return 1; }
		python3 -c 'import json, sys
for p in sys.argv[1:]:
    for l in open(p):
        json.loads(l)' $(seq -f j.%g 1 $n) || return 1
		split_all g.tsv $n t || return 1
		split_check_lines g.tsv 1 $n t || return 1
		split_bodies g.tsv $n t "$(head -n 1 g.tsv | wc -c)" || return 1
		for i in $(seq 1 $n); do
			eq "tsv part $i header" "$(head -n 1 t.$i)" \
				"$(head -n 1 g.tsv)" || return 1
		done
	done
	# no extension: sniffed as jsonl, so no header is carried
	cp g.jsonl gdata
	split_all gdata 3 s || return 1
	cat s.1 s.2 s.3 | cmp - gdata || { echo "sniffed jsonl"; return 1; }
	# lines and --no-header: no header either
	seq 1 1000 >n.txt
	split_all n.txt 7 l || return 1
	split_check_lines n.txt 0 7 l || return 1
	cat l.[1-7] | cmp - n.txt || { echo "lines"; return 1; }
	# records of 2 bytes and a size of 6 mod 7 and 12 mod 13: every
	# rounding of the nominal cuts shows; the last line has no newline
	{ yes x | head -n 1000; printf y; } >short.txt
	for n in 7 13; do
		split_all short.txt $n r || return 1
		split_check_lines short.txt 0 $n r || return 1
	done
	"$S" gen --rows 500 --seed 4 >g.csv
	split_all g.csv 4 c --no-header || return 1
	cat c.1 c.2 c.3 c.4 | cmp - g.csv || { echo "--no-header"; return 1; }
	# -i beats the name
	cp g.tsv g.dat
	split_all g.dat 2 d -i tsv || return 1
	split_check_lines g.dat 1 2 d || return 1
	split_bodies g.dat 2 d "$(head -n 1 g.tsv | wc -c)" || return 1
	"$S" split --parts 2 --part 1 -O jsonl g.csv 2>err
	eq "-O another format" $? 2 || return 1
	has message "$(cat err)" "cannot write csv input as jsonl"
}

t_split_output_options() {
	"$S" gen --rows 2000 --seed 9 >g.csv || return 1
	"$S" split --parts 3 --part 2 g.csv >want || return 1
	"$S" split --parts 3 --part 2 -o got.csv g.csv || return 1
	cmp got.csv want || return 1
	"$S" split --parts 3 --part 2 -o got.csv.gz --level 1 g.csv || return 1
	gzip -dc got.csv.gz | cmp - want || return 1
	"$S" split --parts 3 --part 2 -z g.csv | gzip -dc | cmp - want ||
		return 1
	"$S" split --parts 3 --part 2 --mem-report g.csv 2>rep >/dev/null ||
		return 1
	has "mem report" "$(cat rep)" "split.read"
}

t_split_errors() {
	local rc
	"$S" gen --rows 100 >g.csv
	gzip -c g.csv >g.csv.gz
	"$S" split --parts 2 --part 1 g.csv.gz >out 2>err
	eq "gzip exit" $? 1 || return 1
	has "gzip message" "$(cat err)" \
		"sluice split: cannot split 'g.csv.gz': it is compressed" || return 1
	eq "gzip: no output" "$(wc -c <out)" 0 || return 1
	cp g.csv.gz disguised.csv
	"$S" split --parts 2 --part 1 disguised.csv >/dev/null 2>err
	eq "disguised gzip exit" $? 1 || return 1
	has "disguised gzip message" "$(cat err)" "compressed" || return 1
	cat g.csv | "$S" split --parts 2 --part 1 >/dev/null 2>err
	eq "stdin exit" $? 2 || return 1
	has "stdin message" "$(cat err)" \
		"split needs a regular file: it seeks" || return 1
	"$S" split --parts 2 --part 1 - <g.csv >/dev/null 2>err
	eq "dash exit" $? 2 || return 1
	"$S" split --parts 4 --part 0 g.csv >/dev/null 2>err
	eq "--part 0" $? 2 || return 1
	has "--part 0 message" "$(cat err)" "invalid --part '0' (1 to 4)" || return 1
	"$S" split --parts 4 --part 5 g.csv >/dev/null 2>err
	eq "--part 5 of 4" $? 2 || return 1
	"$S" split --part 1 g.csv >/dev/null 2>err
	eq "missing --parts" $? 2 || return 1
	has "missing --parts message" "$(cat err)" "missing --parts" || return 1
	"$S" split --parts 3 g.csv >/dev/null 2>err
	eq "missing --part" $? 2 || return 1
	"$S" split --parts 0 --part 1 g.csv >/dev/null 2>err
	eq "--parts 0" $? 2 || return 1
	"$S" split --parts four --part 1 g.csv >/dev/null 2>err
	eq "--parts four" $? 2 || return 1
	"$S" split --parts 4 --part 1x g.csv >/dev/null 2>err
	eq "--part 1x" $? 2 || return 1
	"$S" split --parts 4 --part 1 g.csv g.csv >/dev/null 2>err
	eq "two files" $? 2 || return 1
	"$S" split --parts 4 --part 1 no-such.csv >/dev/null 2>err
	eq "missing file exit" $? 3 || return 1
	has "missing file message" "$(cat err)" "cannot open 'no-such.csv'" || return 1
	mkdir d
	"$S" split --parts 4 --part 1 d >/dev/null 2>err
	eq "folder exit" $? 1 || return 1
	has "folder message" "$(cat err)" "not a regular file" || return 1
	mkfifo fifo
	timeout 10 "$S" split --parts 4 --part 1 fifo >/dev/null 2>err
	rc=$?
	eq "fifo exit" $rc 1 || return 1
	"$S" split --parts 4 --part 1 -o out.csv g.csv.gz 2>/dev/null
	[ ! -e out.csv ] || { echo "-o file left after an error"; return 1; }
}

t_split_memory() {
	local size=200M i kib body
	[ -n "$SAN" ] && size=20M
	"$S" gen --size $size >big.csv || return 1
	body=$(tail -n +2 big.csv | md5sum)
	: >failed
	for i in 1 2 3 4; do
		{ "$MAXRSS" rss.$i "$S" split --parts 4 --part $i big.csv ||
			echo "part $i failed" >>failed; } | tail -n +2
	done | md5sum >got
	[ ! -s failed ] || { cat failed; return 1; }
	eq "bodies of 4 parts" "$(cat got)" "$body" || return 1
	for i in 1 2 3 4; do
		kib=$(cat rss.$i)
		[ -n "$SAN" ] || le "part $i peak RSS KiB" "$kib" 8192 || return 1
	done
	echo "figure: split $size in 4: peak RSS $(cat rss.1) $(cat rss.2)" \
		"$(cat rss.3) $(cat rss.4) KiB (part 4 reads it all)"
}

# ---- block gzip (-z --blocks): split cuts it between members ---------------

BCHECK="python3 $HERE/blocks_check.py"

# blocks_parts FILE.gz FORMAT HEADER N...: split FILE.gz in N parts for
# each N, and check every part against blocks_check.py's rule
blocks_parts() {
	local f=$1 fmt=$2 head=$3 n i ns=
	shift 3
	rm -f bp.*
	for n in "$@"; do
		for i in $(seq 1 "$n"); do
			"$S" split --parts "$n" --part "$i" "$f" >bp.$n.$i || {
				echo "split --parts $n --part $i $f failed"
				return 1
			}
		done
		ns=$ns${ns:+,}$n
	done
	$BCHECK "$f" "$fmt" "$head" --parts "$ns" bp >/dev/null || {
		echo "$f: parts $ns"
		return 1
	}
}

t_split_blocks() {
	local m mc fmt rows=5000
	[ -n "$SAN" ] && rows=2000
	split_craft q.csv lf final
	"$S" gen --rows $rows --seed 4 >g.csv || return 1
	# what the writer writes, plain, is the stream the blocks hold
	"$S" cat q.csv >q.plain || return 1
	"$S" cat -z --blocks=4K -o q.csv.gz q.csv || return 1
	m=$($BCHECK q.csv.gz csv 1 q.stream) || return 1
	cmp q.stream q.plain || { echo "q: the members' bytes"; return 1; }
	le "q.csv.gz members" 5 "$m" || return 1
	blocks_parts q.csv.gz csv 1 1 2 3 5 8 40 || return 1
	# the parts' records, by Python's csv module, are the input's
	python3 - q.csv bp.40 40 <<'PY' || return 1
import csv, sys
rows = lambda p: list(csv.reader(open(p, newline="")))
want, got = rows(sys.argv[1]), []
for i in range(1, int(sys.argv[3]) + 1):
    r = rows("%s.%d" % (sys.argv[2], i))
    assert r[0] == want[0], "part %d: header %r" % (i, r[0])
    got += r[1:]
assert got == want[1:], "records: %d, want %d" % (len(got), len(want) - 1)
PY
	# gzip, pigz and Python read the whole as one stream
	gzip -dc q.csv.gz | cmp - q.plain || return 1
	pigz -dc q.csv.gz | cmp - q.plain || return 1
	python3 -c 'import gzip, sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())' \
		q.csv.gz | cmp - q.plain || return 1
	# many members, every format, the same bytes on one thread or two
	for fmt in csv tsv jsonl; do
		"$S" cat -O $fmt g.csv >g.$fmt.plain || return 1
		"$S" cat -j 1 -O $fmt -z --blocks=4K g.csv >g.$fmt.gz || return 1
		"$S" cat -j 2 -O $fmt -z --blocks=4K g.csv | cmp - g.$fmt.gz || {
			echo "$fmt: -j 2 wrote other bytes"
			return 1
		}
		m=$($BCHECK g.$fmt.gz $fmt $([ $fmt = jsonl ] && echo 0 || echo 1) \
			g.stream) || return 1
		cmp g.stream g.$fmt.plain || return 1
		[ $fmt = csv ] && mc=$m
		blocks_parts g.$fmt.gz $fmt $([ $fmt = jsonl ] && echo 0 || echo 1) \
			1 2 7 || return 1
	done
	blocks_parts g.csv.gz csv 1 $((mc + 3)) || return 1
	echo "figure: csv in $mc members of 4 KiB, split in 1 to $((mc + 3))" \
		"parts"
	# no header: records start at 0; the header alone; nothing
	"$S" cat --no-header -z --blocks=4K g.csv >nh.gz || return 1
	blocks_parts nh.gz csv 0 1 4 || return 1
	head -n 1 g.csv | "$S" cat -z --blocks >h.csv.gz || return 1
	blocks_parts h.csv.gz csv 1 1 3 || return 1
	eq "header alone, part 2 of 3" "$("$S" split --parts 3 --part 2 h.csv.gz)" \
		"$(head -n 1 g.csv)" || return 1
	: | "$S" cat -i jsonl -z --blocks >e.gz || return 1
	eq "empty input" "$("$S" split --parts 2 --part 2 e.gz | wc -c)" 0 ||
		return 1
	# the oracle fails on a part one byte off
	"$S" split --parts 2 --part 1 q.csv.gz >bp.2.1
	"$S" split --parts 2 --part 2 q.csv.gz | tail -c +2 >bp.2.2
	! $BCHECK q.csv.gz csv 1 --parts 2 bp >/dev/null 2>&1 || {
		echo "blocks_check.py took a wrong part"
		return 1
	}
	# a sort writes blocks too, through its spill
	"$S" sort -k int:n -m 4M -z --blocks=64K -o s.csv.gz g.csv || return 1
	blocks_parts s.csv.gz csv 1 3 || return 1
}

# Each part inflates its members only: with one member broken, the parts
# that do not hold it are whole, and the one that does fails.
t_split_blocks_only_its_members() {
	local i bad=0 ok=0 rc at
	"$S" gen --rows 20000 --seed 6 -z --blocks=4K -o g.csv.gz || return 1
	# break the deflate data of the third member of part 6 of 10 (not
	# its header): part 5 ends in part 6's first member, so only part
	# 6 holds it
	at=$(python3 - g.csv.gz <<'PY'
import struct, sys
raw = bytearray(open(sys.argv[1], "rb").read())
offs, off = [], 0
while off < len(raw):
    offs.append(off)
    off += struct.unpack_from("<I", raw, off + 20)[0]
k = (len(offs) - 1) * 5 // 10 + 2
for j in range(40, 60):
    raw[offs[k] + j] ^= 0x55
open(sys.argv[1], "wb").write(raw)
print(offs[k], offs[k + 1])
PY
) || return 1
	for i in $(seq 1 10); do
		"$S" split --parts 10 --part $i g.csv.gz >p.$i 2>err.$i
		rc=$?
		if [ $rc -eq 0 ]; then
			ok=$((ok + 1))
			continue
		fi
		eq "part $i fails" "$i:$rc" 6:1 || return 1
		bad=$((bad + 1))
	done
	eq "parts that fail" $bad 1 || return 1
	# located in the file, within the broken member
	python3 - "$(cat err.6)" $at <<'PY' || return 1
import re, sys
m = re.search(r"corrupt gzip stream in 'g.csv.gz' at compressed byte (\d+)",
              sys.argv[1])
assert m, sys.argv[1]
assert int(sys.argv[2]) <= int(m.group(1)) < int(sys.argv[3]), sys.argv[1:]
PY
	"$S" count g.csv.gz >/dev/null 2>&1 && { echo "count read it"; return 1; }
	# the whole parts are what an intact file gives
	"$S" gen --rows 20000 --seed 6 -z --blocks=4K -o good.csv.gz || return 1
	for i in $(seq 1 10); do
		[ $i = 6 ] && continue
		"$S" split --parts 10 --part $i good.csv.gz | cmp - p.$i || return 1
	done
	echo "figure: 1 part of 10 fails, $ok read their members only"
}

t_split_blocks_errors() {
	local rc
	"$S" gen --rows 3000 >g.csv
	"$S" cat -z --blocks=4K g.csv >b.csv.gz || return 1
	gzip -c g.csv >plain.csv.gz
	"$S" split --parts 2 --part 1 plain.csv.gz >out 2>err
	eq "plain gzip exit" $? 1 || return 1
	has "plain gzip" "$(cat err)" "cannot split 'plain.csv.gz': it is compressed as one gzip stream" || return 1
	has "what to do" "$(cat err)" "sluice cat -z --blocks -o NEW.gz 'plain.csv.gz'" || return 1
	eq "no output" "$(wc -c <out)" 0 || return 1
	# cut short at a member's end: the end member is missing
	head -c $(($(wc -c <b.csv.gz) - 42)) b.csv.gz >short.gz
	"$S" split --parts 2 --part 2 short.gz >out 2>err
	eq "cut short exit" $? 1 || return 1
	has "cut short" "$(cat err)" "(the file was cut short, or has bytes after them)" || return 1
	eq "cut short: no output" "$(wc -c <out)" 0 || return 1
	{ cat b.csv.gz; printf 'junk'; } >junk.gz
	"$S" split --parts 2 --part 1 junk.gz >/dev/null 2>err
	eq "trailing bytes exit" $? 1 || return 1
	cat b.csv.gz plain.csv.gz >mixed.gz
	"$S" split --parts 2 --part 1 mixed.gz >/dev/null 2>err
	eq "mixed exit" $? 1 || return 1
	has "mixed" "$(cat err)" "is not one of sluice's blocks" || return 1
	# what cannot write blocks says so before writing
	"$S" count -z --blocks g.csv >/dev/null 2>err
	eq "count --blocks exit" $? 2 || return 1
	has "count" "$(cat err)" "--blocks is for verbs that write records: sluice count writes text" || return 1
	"$S" stats -f int --partial -z --blocks g.csv >/dev/null 2>err
	eq "--partial --blocks exit" $? 2 || return 1
	"$S" split --parts 2 --part 1 -z --blocks g.csv >/dev/null 2>err
	eq "split --blocks exit" $? 2 || return 1
	"$S" cat --blocks g.csv >/dev/null 2>err
	eq "no -z exit" $? 2 || return 1
	has "no -z" "$(cat err)" "--blocks writes gzip: it needs -z or an -o name ending in .gz" || return 1
	"$S" cat --zstd --blocks g.csv >/dev/null 2>err
	eq "--zstd exit" $? 2 || return 1
	"$S" cat -O json -z --blocks g.csv >/dev/null 2>err
	eq "json array exit" $? 2 || return 1
	has "json array" "$(cat err)" "an array cannot be cut into parts" || return 1
	for rc in 1K 65M 0 x; do
		"$S" cat -z --blocks=$rc g.csv >/dev/null 2>err
		eq "--blocks=$rc exit" $? 2 || return 1
	done
	"$S" cat -m 4M -z --blocks=16M -o big.gz g.csv 2>err
	eq "blocks over the ceiling exit" $? 3 || return 1
	has "over the ceiling" "$(cat err)" "smaller --blocks, or raise --max-memory" || return 1
	[ ! -e big.gz ] || { echo "-o file left after an error"; return 1; }
	# a named .gz output takes --blocks without -z
	"$S" cat --blocks=4K -o n.csv.gz g.csv || return 1
	cmp n.csv.gz b.csv.gz
}

t_split_blocks_memory() {
	local size=200M kib i
	[ -n "$SAN" ] && size=20M
	"$S" gen --size $size --seed 8 | "$MAXRSS" rss.w "$S" cat -m 16M \
		-z --blocks -o big.csv.gz || return 1
	for i in 1 4; do
		"$MAXRSS" rss.$i "$S" split --parts 4 --part $i -m 8M \
			big.csv.gz | "$S" count >n.$i || return 1
	done
	[ "$(cat n.1)" -gt 0 ] && [ "$(cat n.4)" -gt 0 ] ||
		{ echo "empty parts"; return 1; }
	if [ -z "$SAN" ]; then
		le "cat -z --blocks peak RSS KiB" "$(cat rss.w)" 16384 || return 1
		le "split part 1 peak RSS KiB" "$(cat rss.1)" 8192 || return 1
		le "split part 4 peak RSS KiB" "$(cat rss.4)" 8192 || return 1
	fi
	echo "figure: $size block gzip: written in $(cat rss.w) KiB," \
		"parts 1 and 4 split in $(cat rss.1), $(cat rss.4) KiB"
}

run split_csv_quoted t_split_csv_quoted
run split_csv_literal_quotes t_split_csv_literal_quotes
run split_more_parts_than_records t_split_more_parts_than_records
run split_bom_and_blank_lines t_split_bom_and_blank_lines
run split_other_formats t_split_other_formats
run split_output_options t_split_output_options
run split_errors t_split_errors
run split_memory t_split_memory
run split_blocks t_split_blocks
run split_blocks_only_its_members t_split_blocks_only_its_members
run split_blocks_errors t_split_blocks_errors
run split_blocks_memory t_split_blocks_memory
