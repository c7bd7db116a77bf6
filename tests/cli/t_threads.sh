# tests/cli/t_threads.sh - the same results and one memory ceiling for any
# number of threads.  Sourced by run.sh.

# Each verb that spills, over a gzip'ed input (decoded on a thread of its
# own at -j 2 and more), at -j 1, -j 2 and -j 8 under one -m: the same
# bytes out, and a peak RSS within the ceiling and 16 MiB.  -j 1 is the
# single-threaded code, which the other tests hold to their oracles; cat
# -z's and cat --zstd's output, decoded, is checked against the input too.
t_threads_same_output_and_ceiling() {
	local size=16M m=12M j v want got rss worst=0
	[ -n "$SAN" ] && size=6M m=4M
	[ -n "${TSAN:-}" ] && size=3M m=2M
	"$S" gen --size $size --seed 21 | gzip -1 >in.csv.gz || return 1
	"$S" gen --rows 5000 --seed 22 --columns id:id,w:int >small.csv ||
		return 1
	for v in "sort -k int:n" "sort -k text" "uniq -c -k text" \
		 "join -k id in.csv.gz small.csv" \
		 "stats -g text -f int -a count,sum" \
		 "freq -f text" "cat -z" "cat --zstd"; do
		want=
		for j in 1 2 8; do
			case $v in
			join*) "$MAXRSS" rss "$S" $v -m $m -j $j >out ;;
			*) "$MAXRSS" rss "$S" $v -m $m -j $j in.csv.gz >out ;;
			esac || { echo "$v -j $j failed"; return 1; }
			case $v in
			"cat -z") gzip -dc out >out.d && mv out.d out ;;
			# a frame a block on threads: the bytes differ, the
			# content may not
			"cat --zstd") zstd -qdc out >out.d && mv out.d out ;;
			esac
			got=$(md5sum <out)
			[ -n "$want" ] || want=$got
			eq "$v: -j $j against -j 1" "$got" "$want" || return 1
			rss=$(cat rss)
			[ "$rss" -gt "$worst" ] && worst=$rss
			[ -n "$SAN" ] ||
				le "$v -j $j: peak RSS KiB" "$rss" $(((12 + 16) * 1024)) ||
				return 1
		done
		case $v in
		cat*)
			eq "$v: the input" "$want" \
				"$(gzip -dc in.csv.gz | md5sum)" || return 1 ;;
		esac
	done
	echo "figure: 8 verbs x -j 1,2,8 on $size under -m $m: worst peak RSS $((worst / 1024)) MiB"
}

run threads_same_output_and_ceiling t_threads_same_output_and_ceiling

# count in parts, one a thread: the same count as one thread and as
# Python's csv module, whatever the cuts fall on (quoted newlines, a
# byte-order mark, no header, TSV, lines); a bad record anywhere gives
# the one-thread message, located, and the same status.
t_count_in_parts() {
	local j want f rc
	python3 - <<'PY' || return 1
import random
random.seed(5)
with open("q.csv", "w", newline="") as f:
    f.write("\ufeffa,b,c\n")
    for i in range(300000):
        b = random.choice(['x', '"two\nlines"', '"q ""x"",\n"', '', 'plain text'])
        f.write("%d,%s,%d\n" % (i, b, i * 7))
PY
	want=$(python3 -c 'import csv,sys
print(sum(1 for _ in csv.reader(open("q.csv", newline="", encoding="utf-8-sig"))) - 1)')
	for j in 1 2 3 8; do
		eq "csv -j $j" "$("$S" count -j $j q.csv)" "$want" || return 1
		eq "csv --no-header -j $j" "$("$S" count -j $j --no-header q.csv)" \
			$((want + 1)) || return 1
	done
	# the parts are cut at the first newline after each nominal cut,
	# quotes not followed: a cut inside a long quoted field whose lines
	# look like records leaves the part before it inside quotes, which
	# its reader refuses, and the file is counted again on one thread
	python3 - <<'PY' || return 1
with open("long.csv", "w", newline="") as f:
    f.write("k,v\n")
    for i in range(20000):
        f.write("%d,x\n" % i)
    f.write('big,"' + "a,b\n" * 1500000 + 'a,b"\n')
    for i in range(20000):
        f.write("%d,y\n" % i)
PY
	want=$(python3 -c 'import csv
csv.field_size_limit(1 << 30)
print(sum(1 for _ in csv.reader(open("long.csv", newline=""))) - 1)')
	for j in 2 3 8; do
		eq "a cut in quotes, -j $j" "$("$S" count -j $j long.csv)" \
			"$want" || return 1
		eq "a cut in quotes, skip, -j $j" \
			"$("$S" count -j $j --on-error skip -q long.csv)" \
			"$want" || return 1
	done
	"$S" cat -O tsv q.csv >q.tsv 2>/dev/null || return 1
	"$S" gen --size 6M --seed 4 -O tsv >g.tsv || return 1
	want=$(($(wc -l <g.tsv) - 1))
	for j in 1 2 5; do
		eq "tsv -j $j" "$("$S" count -j $j g.tsv)" "$want" || return 1
		eq "lines -j $j" "$("$S" count -j $j -i lines g.tsv)" \
			$((want + 1)) || return 1
	done
	# a short record three quarters in: the message of one thread
	# (the parts are counted on threads: their memory is in the report)
	"$S" count -j 2 --mem-report q.csv 2>err >/dev/null || return 1
	has "csv -j 2: in parts" "$(cat err)" "count.parts" || return 1
	"$S" count -j 1 --mem-report q.csv 2>err >/dev/null || return 1
	case $(cat err) in *count.parts*) echo "-j 1 in parts"; return 1 ;; esac
	# $SLUICE_THREADS is the default of -j
	SLUICE_THREADS=2 "$S" count --mem-report q.csv 2>err >/dev/null ||
		return 1
	has "SLUICE_THREADS=2: in parts" "$(cat err)" "count.parts" || return 1
	SLUICE_THREADS=0 "$S" count q.csv >/dev/null 2>err
	eq "SLUICE_THREADS=0: status" $? 2 || return 1
	has "SLUICE_THREADS=0" "$(cat err)" "invalid SLUICE_THREADS '0'" ||
		return 1
	awk 'NR == 220000 { print "1,2"; next } { print }' q.csv >bad.csv
	"$S" count -j 1 bad.csv >out1 2>err1
	rc=$?
	eq "bad -j 1: status" $rc 1 || return 1
	for j in 2 4; do
		"$S" count -j $j bad.csv >out 2>err
		eq "bad -j $j: status" $? $rc || return 1
		eq "bad -j $j: message" "$(cat err)" "$(cat err1)" || return 1
		eq "bad --on-error skip -j $j" \
			"$("$S" count -j $j --on-error skip -q bad.csv)" \
			"$("$S" count -j 1 --on-error skip -q bad.csv)" || return 1
	done
	has "bad: located" "$(cat err1)" "line " || return 1
}

run count_in_parts t_count_in_parts

# uniq of a plain file of 4 MiB or more counts its parts on threads, a
# table each, folded in order: the records of one thread and of Python's
# csv module, by key and in first order, whatever the cuts fall on (a
# byte-order mark, quoted newlines; a cut in a long quoted field makes it
# read on one thread); a bad record gives one thread's message; with
# --progress the meter ends at the file's size.
t_uniq_in_parts() {
	local j js="1 2 3 8"
	[ -n "$SAN" ] && js="1 2 8"   # sanitizers: fewer runs
	python3 - <<'PY' || return 1
import random
random.seed(6)
with open("q.csv", "w", newline="") as f:
    f.write("\ufeffa,b,c\n")
    for i in range(300000):
        b = random.choice(['x', '"two\nlines"', '"q ""x"",\n"', '', 'plain text'])
        f.write("%d,%s,%d\n" % (i, b, i % 7))
with open("long.csv", "w", newline="") as f:
    f.write("k,v\n")
    for i in range(20000):
        f.write("%d,x\n" % (i % 10))
    f.write('big,"' + "a,b\n" * 1200000 + 'a,b"\n')
    for i in range(20000):
        f.write("%d,y\n" % (i % 10))
PY
	for f in q.csv long.csv; do
		for j in $js; do
			"$S" uniq -j $j -c -k 2 -k 1 $f >by_key.$j || return 1
			"$S" uniq -j $j -c -k 2 --keep first $f >first.$j ||
				return 1
		done
		python3 - $f by_key.1 first.1 <<'PY' || return 1
import csv, sys
csv.field_size_limit(1 << 30)
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
got = lambda f: list(csv.reader(open(f, newline="", encoding="utf-8-sig")))
def uniq(keys):
    first, count = {}, {}
    for r in body:
        k = tuple(r[i] for i in keys)
        count[k] = count.get(k, 0) + 1
        first.setdefault(k, r)
    return [first[k] + [str(count[k])] for k in first]
by_key = sorted(uniq([1, 0]), key=lambda r: (r[1].encode(), r[0].encode()))
assert got(sys.argv[2]) == [head + ["count"]] + by_key, "by key"
assert got(sys.argv[3]) == [head + ["count"]] + uniq([1]), "first"
PY
		for j in $js; do
			cmp by_key.1 by_key.$j || return 1
			cmp first.1 first.$j || return 1
		done
	done
	"$S" uniq -j 2 -c -k 2 --mem-report q.csv 2>err >/dev/null || return 1
	has "-j 2: in parts" "$(cat err)" "read.part" || return 1
	"$S" uniq -j 2 -c -k 2 --progress=always q.csv 2>err >out || return 1
	cmp out first.1 >/dev/null && { echo "progress: not by key"; return 1; }
	has "progress: to the end" "$(tr '\r' '\n' <err | tail -2)" "(100%)" ||
		return 1
	awk 'NR == 250000 { print "1,\"2\"x,3"; next } { print }' q.csv >bad.csv
	"$S" uniq -j 1 -k 2 bad.csv >/dev/null 2>err1
	eq "bad -j 1: status" $? 1 || return 1
	for j in 2 8; do
		"$S" uniq -j $j -k 2 bad.csv >/dev/null 2>err
		eq "bad -j $j: status" $? 1 || return 1
		eq "bad -j $j: message" "$(cat err)" "$(cat err1)" || return 1
	done
	has "bad: located" "$(cat err1)" "line " || return 1
}

run uniq_in_parts t_uniq_in_parts

# parsed on threads (-j 3 and up: two workers beside the caller), a
# plain file gives the records one thread gives and Python's csv module
# reads, whatever the cuts fall on (quoted newlines, lines that look like
# records inside quotes, a quoted field longer than a segment, CR LF, a
# byte-order mark); a bad record late in the file, and an error further
# down the pipeline, give the messages of one thread, located alike; the
# ceiling holds at -j 8.
t_parse_on_threads() {
	local j v want got rss
	python3 - <<'PY' || return 1
import random
random.seed(9)
cells = ['x', '"two\nlines"', '"q ""x"",\n"', '', 'plain text',
         '"7,a\nb,c\nd"', '-12.5', '"a\r\nb"', '"é, ü"']
out = ["\ufeffa,b,c\n"]
for i in range(200000):
    if i == 50000:
        out.append('big,"' + "1,2,3\n" * 70000 + '",z\n')
    out.append("%d,%s,%s%s" % (i, random.choice(cells),
               random.choice(cells), random.choice(["\n", "\r\n"])))
# and a short record near the end
for name, extra in (("p.csv", None), ("bad.csv", "1,2\n")):
    with open(name, "w", newline="", encoding="utf-8") as f:
        f.write("".join(out[:180000]))
        if extra:
            f.write(extra)
        f.write("".join(out[180000:]))
PY
	python3 - <<'PY' >want.jsonl || return 1
import csv, json, sys
csv.field_size_limit(1 << 30)
with open("p.csv", newline="", encoding="utf-8-sig") as f:
    rows = csv.reader(f)
    head = next(rows)
    for r in rows:
        print(json.dumps(dict(zip(head, r)), ensure_ascii=False))
PY
	for j in 4; do
		"$S" cat -j $j -O jsonl --mem-report p.csv >got.jsonl 2>err ||
			return 1
		python3 - <<'PY' || { echo "-j $j: not Python's records"; return 1; }
import json, sys
# numbers are written as numbers: their text is the field's
got = [json.loads(l, parse_int=str, parse_float=str)
       for l in open("got.jsonl", encoding="utf-8")]
want = [json.loads(l) for l in open("want.jsonl", encoding="utf-8")]
sys.exit(0 if got == want else 1)
PY
	done
	has "-j 4: on threads" "$(cat err)" "read.batch" || return 1
	"$S" cat -j 2 --mem-report p.csv 2>err >/dev/null || return 1
	case $(cat err) in *read.batch*) echo "-j 2 on threads"; return 1 ;; esac
	for v in "cat" "filter c<0" "sort -k b" "select -f c,a" \
		 "cat -O tsv"; do
		want=$("$S" $v -j 1 p.csv | md5sum)
		eq "$v -j 3" "$("$S" $v -j 3 p.csv | md5sum)" "$want" ||
			return 1
	done
	# TSV and lines are cut at any newline
	"$S" cat -O tsv p.csv >p.tsv || return 1
	for v in "-i tsv" "-i lines"; do
		eq "$v" "$("$S" cat $v -j 4 p.tsv | md5sum)" \
			"$("$S" cat $v -j 1 p.tsv | md5sum)" || return 1
	done
	# the first record sorted comes from near the end: lines output
	# cannot hold its newline, and the message says where it was read
	for v in "cat bad.csv" "sort -k a:nr -O lines p.csv"; do
		"$S" $v -j 1 >/dev/null 2>err1
		want=$?
		"$S" $v -j 4 >/dev/null 2>err
		eq "$v: status" $? $want || return 1
		eq "$v: message" "$(cat err)" "$(cat err1)" || return 1
		has "$v: located" "$(cat err1)" "line " || return 1
	done
	[ -n "$SAN" ] && return 0
	"$MAXRSS" rss "$S" sort -k b -m 16M -j 8 p.csv >out || return 1
	rss=$(cat rss)
	eq "sort -m 16M -j 8" "$(md5sum <out)" \
		"$("$S" sort -k b p.csv | md5sum)" || return 1
	le "sort -m 16M -j 8: peak RSS KiB" "$rss" $(((16 + 16) * 1024)) ||
		return 1
	echo "figure: sort -k b -m 16M -j 8 on $(($(wc -c <p.csv) >> 20)) MiB: peak RSS $((rss / 1024)) MiB"
}

run parse_on_threads t_parse_on_threads
