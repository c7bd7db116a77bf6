#!/usr/bin/env bash
# tests/cli/run.sh - end-to-end tests of the sluice command.
#
# Environment: SLUICE (the binary), MAXRSS (tests/maxrss.c, built),
# EXAMPLES (the folder of the built examples/ programs), SAN=1
# when the binary is built with sanitizers: then the peak-RSS assertions
# are skipped (shadow memory inflates RSS) and the large inputs shrink.
# Large inputs are generated here and streamed through pipes, never stored.
# Oracles are independent tools: seq, gzip, pigz, cmp, python3.
#
# A test that cannot run here (a tool missing) prints why and returns 77:
# it is skipped, neither passed nor failed.
#
# Ends with the line "N passed, N failed"; exits non-zero on any failure.

set -u
S=${SLUICE:?set SLUICE to the sluice binary}
MAXRSS=${MAXRSS:?set MAXRSS to the maxrss helper}
EX=${EXAMPLES:?set EXAMPLES to the built examples folder}
SAN=${SAN:-}
# VALGRIND=1 (make check-valgrind): SAN=1's sizes, and fewer differential
# cases, since every run under valgrind costs a second or two
VALGRIND=${VALGRIND:-}
[ -n "$VALGRIND" ] && SAN=1
SKIP=${SKIP:-}    # names of tests not to run, separated by spaces
ONLY=${ONLY:-}    # when set, the names of the only tests to run
# CEILINGS=1: only the tests that measure peak RSS ($MAXRSS in their
# function), which a sanitizer's build cannot judge; PART=K/N: only the
# Kth of every N tests, in the order they are registered (make check
# spreads the tests over the cores with these)
CEILINGS=${CEILINGS:-}
PART=${PART:-}
nth=0
case $S in /*) ;; *) S=$PWD/$S ;; esac
case $EX in /*) ;; *) EX=$PWD/$EX ;; esac
case $MAXRSS in /*) ;; *) MAXRSS=$PWD/$MAXRSS ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(cd "$HERE/../../testdata" && pwd)

T=$(mktemp -d "${TMPDIR:-/tmp}/sluice-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C
# one thread unless a test says -j: make check runs two jobs at once on
# two cores, and the threaded paths have tests of their own
# (t_threads.sh, the faults suite's cat -z, the unit tests)
export SLUICE_THREADS=${SLUICE_THREADS:-1}

pass=0
fail=0
skipped=0
failed_names=
skipped_names=

# run NAME FUNCTION: the function returns non-zero (after saying why) to
# fail, or 77 when it cannot run here, its last line of output the reason
run() {
	local name=$1
	shift
	nth=$((nth + 1))
	if [ -n "$PART" ] &&
	   [ $(((nth - 1) % ${PART#*/})) -ne $((${PART%/*} - 1)) ]; then
		return 0
	fi
	if [ -n "$CEILINGS" ] && ! declare -f "$1" | grep -q MAXRSS; then
		return 0
	fi
	case " $SKIP " in *" $name "*) echo "skip - $name"; return 0 ;; esac
	if [ -n "$ONLY" ]; then
		case " $ONLY " in *" $name "*) ;; *) return 0 ;; esac
	fi
	rm -rf "$T/w" && mkdir "$T/w"
	local t0=$(date +%s%N) rc=0
	(cd "$T/w" && "$@") >"$T/log" 2>&1 || rc=$?
	echo "$((($(date +%s%N) - t0) / 1000000)) $name" >>"$T/times"
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - $name"
		sed -n 's/^figure: /    # /p' "$T/log"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		skipped_names="$skipped_names $name"
		echo "skip - $name: $(tail -n 1 "$T/log")"
	else
		fail=$((fail + 1))
		failed_names="$failed_names $name"
		echo "not ok - $name"
		sed 's/^/    /' "$T/log"
	fi
}

# run_plain NAME FUNCTION: a test of sluice under another program (an
# engine), whose time goes to that program, not a test of sluice's
# memory: make check runs it once, in the normal build with the
# ceilings (CEILINGS=1), and not in the sanitizers' parts (SAN and PART)
run_plain() {
	if [ -n "$CEILINGS" ]; then
		CEILINGS= run "$@"
	elif [ -z "$SAN" ] || [ -z "$PART" ]; then
		run "$@"
	fi
}

# assertions: print what differed and fail
eq() {  # eq WHAT GOT WANT
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', want '$3'"
	return 1
}
has() {  # has WHAT TEXT NEEDLE
	case $2 in *"$3"*) return 0 ;; esac
	echo "$1: '$2' does not contain '$3'"
	return 1
}
le() {  # le WHAT GOT MAX
	[ "$2" -le "$3" ] && return 0
	echo "$1: $2 is over $3"
	return 1
}

# Lines of a passing test's output that start with "figure: " are shown.

# ---- the command itself ---------------------------------------------------

verbs() {
	"$S" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF >= 2 { print $1 }'
}

t_help_every_verb() {
	local v n=0 out
	for v in $(verbs); do
		out=$("$S" "$v" --help) || { echo "$v --help failed"; return 1; }
		has "$v --help" "$out" "usage: sluice $v" || return 1
		has "$v --help" "$out" "--max-memory" || return 1
		out=$("$S" "$v" -h) || return 1
		n=$((n + 1))
	done
	le "verbs found" 3 "$n"
}

t_version() {
	local out
	out=$("$S" --version) || return 1
	has version "$out" "sluice 0."
}

t_usage_errors() {
	local rc
	"$S" 2>/dev/null; eq "no verb" $? 2 || return 1
	"$S" frobnicate 2>err; eq "unknown verb" $? 2 || return 1
	has message "$(cat err)" "'frobnicate' is not a verb" || return 1
	"$S" count --bogus </dev/null 2>err; eq "unknown option" $? 2 || return 1
	has message "$(cat err)" "sluice count: unknown option '--bogus'" || return 1
	"$S" head -n many </dev/null 2>err; eq "bad -n" $? 2 || return 1
	has message "$(cat err)" "invalid record count 'many'" || return 1
	"$S" count -m lots </dev/null 2>err; eq "bad -m" $? 2 || return 1
	"$S" count --level 12 </dev/null 2>err; eq "bad level" $? 2 || return 1
	"$S" head -n </dev/null 2>err; eq "missing value" $? 2 || return 1
	has message "$(cat err)" "needs a value" || return 1
	"$S" count -i xml </dev/null 2>err; rc=$?
	eq "-i xml" $rc 2 || return 1
	has message "$(cat err)" "unknown --in-format 'xml'"
}

# ---- count ------------------------------------------------------------------

t_count_basic() {
	eq "seq" "$(seq 1 1000 | "$S" count -i lines)" 1000 || return 1
	eq "empty" "$("$S" count -i lines </dev/null)" 0 || return 1
	eq "no final newline" "$(printf 'a\nb\nc' | "$S" count -i lines)" 3 || return 1
	eq "crlf" "$(printf 'a\r\nb\r\n' | "$S" count -i lines)" 2 || return 1
	eq "blank lines" "$(printf '\n\n\n' | "$S" count -i lines)" 3 || return 1
	seq 1 10 >a.txt; seq 1 5 >b.txt
	eq "two files" "$("$S" count a.txt b.txt)" 15 || return 1
	eq "stdin dash" "$(seq 1 7 | "$S" count -i lines a.txt -)" 17 || return 1
	eq "to -o" "$("$S" count -o n.txt a.txt && cat n.txt)" 10
}

t_count_gzip() {
	seq 1 100000 >x
	gzip -c x >x.txt.gz
	eq "gzip" "$("$S" count x.txt.gz)" 100000 || return 1
	cp x.txt.gz disguised.txt
	eq "by magic, not name" "$("$S" count disguised.txt)" 100000 || return 1
	eq "stdin gzip" "$("$S" count -i lines <x.txt.gz)" 100000 || return 1
	cat x.txt.gz x.txt.gz x.txt.gz >multi.txt.gz
	eq "multi-member" "$("$S" count multi.txt.gz)" 300000 || return 1
	pigz -c x >p.txt.gz
	eq "pigz" "$("$S" count p.txt.gz)" 100000
}

t_count_fixtures() {
	eq "fixture lines" "$("$S" count "$TD/lines-mixed.txt")" \
		"$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); print(d.count(b"\n") + (len(d) > 0 and not d.endswith(b"\n")))' "$TD/lines-mixed.txt")"
}

t_count_every_chunk_size() {
	local c want
	seq 1 3000 | gzip -c >x.gz
	want=3000
	for c in 1 2 3 7 64 1000 64K; do
		eq "chunk $c" "$("$S" count -i lines --chunk-size "$c" x.gz)" "$want" ||
			return 1
	done
}

t_bad_gzip() {
	local rc
	seq 1 100000 | gzip -c >x.gz
	head -c 20000 x.gz >trunc.gz
	"$S" count -i lines trunc.gz >out 2>err; rc=$?
	eq "truncated exit" $rc 1 || return 1
	has message "$(cat err)" "sluice count: truncated gzip stream in 'trunc.gz' at compressed byte 20000" || return 1
	# bytes emitted before the damage are the original's prefix
	"$S" cat trunc.gz >part 2>/dev/null
	[ -s part ] || { echo "nothing emitted before the truncation"; return 1; }
	cmp -s part <(seq 1 100000 | head -c "$(stat -c %s part)") ||
		{ echo "emitted bytes differ from the original"; return 1; }
	cp x.gz bad.gz
	printf 'XXXXXXXX' | dd of=bad.gz bs=1 seek=3000 conv=notrunc 2>/dev/null
	"$S" count -i lines bad.gz >out 2>err; rc=$?
	eq "corrupt exit" $rc 1 || return 1
	has message "$(cat err)" "corrupt gzip stream in 'bad.gz' at compressed byte" || return 1
	{ cat x.gz; printf 'junk'; } >junk.gz
	"$S" count -i lines junk.gz >out 2>err; rc=$?
	eq "trailing junk exit" $rc 1 || return 1
	has message "$(cat err)" "unexpected bytes after gzip member" || return 1
	cmp -s "$TD/truncated.gz" /dev/null && return 1
	"$S" cat "$TD/truncated.gz" >/dev/null 2>err; eq "fixture" $? 1
}

t_missing_input() {
	"$S" count no-such-file 2>err; eq "exit" $? 3 || return 1
	has message "$(cat err)" "sluice count: cannot open 'no-such-file': No such file or directory"
}

# ---- head -------------------------------------------------------------------

t_head() {
	eq "default 10" "$(seq 1 100 | "$S" head -i lines)" "$(seq 1 10)" || return 1
	eq "-n 3" "$(seq 1 100 | "$S" head -i lines -n 3)" "$(seq 1 3)" || return 1
	eq "--lines=4" "$(seq 1 100 | "$S" head -i lines --lines=4)" "$(seq 1 4)" || return 1
	eq "-n 0" "$(seq 1 100 | "$S" head -i lines -n 0 | wc -c)" 0 || return 1
	eq "short input" "$(seq 1 2 | "$S" head -i lines -n 5)" "$(seq 1 2)" || return 1
	seq 1 3 >a.txt; seq 4 9 >b.txt
	eq "across files" "$("$S" head -n 5 a.txt b.txt)" "$(seq 1 5)" || return 1
	eq "crlf stripped" "$(printf 'a\r\nb\r\n' | "$S" head -i lines -n 1 | od -An -c | tr -d ' ')" 'a\n'
}

t_head_stops_reading() {
	# yes never ends: head must stop on its own
	local out
	out=$(timeout 20 bash -c "yes sluice | '$S' head -i lines -n 3") ||
		{ echo "head did not stop"; return 1; }
	eq "lines" "$out" "$(printf 'sluice\nsluice\nsluice')"
}

t_head_line_over_ceiling() {
	local rc
	{ echo short; head -c 20000000 /dev/zero | tr '\0' x; echo; } |
		"$S" head -i lines -n 2 -m 8M >out 2>err
	rc=$?
	eq "exit" $rc 3 || return 1
	has message "$(cat err)" "line 2 of '<stdin>' is longer than the memory ceiling of 8.0 MiB" || return 1
	eq "first line kept" "$(head -n 1 out)" short
}

# ---- cat, sinks -------------------------------------------------------------

t_cat_roundtrip() {
	seq 1 200000 >big.txt
	"$S" cat -z big.txt | "$S" cat | cmp - big.txt || return 1
	"$S" cat -z big.txt | gzip -dc | cmp - big.txt || return 1
	gzip -c big.txt | "$S" cat | cmp - big.txt || return 1
	pigz -c big.txt | "$S" cat | cmp - big.txt || return 1
	"$S" cat --level 1 -z big.txt | gzip -dc | cmp - big.txt || return 1
	"$S" cat --level 9 -z big.txt | gzip -dc | cmp - big.txt || return 1
	"$S" cat big.txt big.txt | cmp - <(cat big.txt big.txt)
}

t_cat_output_file() {
	seq 1 1000 >in.txt
	"$S" cat -o out.gz in.txt || return 1
	gzip -t out.gz || { echo "out.gz is not gzip"; return 1; }
	gzip -dc out.gz | cmp - in.txt || return 1
	"$S" cat -o plain.txt out.gz || return 1
	cmp plain.txt in.txt || return 1
	eq "no leftovers" "$(ls -A | sort | tr '\n' ' ')" "in.txt out.gz plain.txt "
}

t_cat_output_atomic() {
	local rc
	echo "precious" >target
	chmod 640 target
	seq 1 1000 >in.txt
	"$S" cat -o target in.txt no-such-file 2>err; rc=$?
	eq "exit" $rc 3 || return 1
	eq "target untouched" "$(cat target)" precious || return 1
	eq "no temp file" "$(ls -A | sort | tr '\n' ' ')" "err in.txt target " || return 1
	"$S" cat -o target in.txt || return 1
	cmp target in.txt || return 1
	eq "mode kept" "$(stat -c %a target)" 640
}

t_cat_output_missing_dir() {
	"$S" cat -o no/such/dir/out </dev/null 2>err; eq exit $? 3 || return 1
	has message "$(cat err)" "cannot create a temporary file for 'no/such/dir/out'"
}

t_output_special_paths() {
	local pid
	# /dev/stdout is the descriptor itself, at its offset, never replaced
	echo before >cap
	{ echo first; seq 1 3 | "$S" cat -i lines -o /dev/stdout; echo last; } >>cap
	eq "/dev/stdout" "$(cat cap)" "$(printf 'before\nfirst\n1\n2\n3\nlast')" || return 1
	[ -L /dev/stdout ] || { echo "/dev/stdout is no longer a link"; return 1; }
	seq 1 3 | "$S" cat -i lines -o /dev/null || return 1
	[ -c /dev/null ] || { echo "/dev/null is no longer a device"; return 1; }
	# a link stays a link; its target is replaced
	echo old >real.txt
	ln -s real.txt link.txt
	seq 1 2 | "$S" cat -i lines -o link.txt || return 1
	[ -L link.txt ] || { echo "link.txt was replaced by a file"; return 1; }
	eq "link target" "$(cat real.txt)" "$(seq 1 2)" || return 1
	# a FIFO is written, not renamed over
	mkfifo ff
	cat ff >ff.out &
	pid=$!
	seq 1 4 | "$S" cat -i lines -o ff || return 1
	wait "$pid"
	[ -p ff ] || { echo "the FIFO was replaced"; return 1; }
	eq "fifo" "$(cat ff.out)" "$(seq 1 4)" || return 1
	mkdir sub
	"$S" cat -i lines -o sub </dev/null 2>err; eq "folder" $? 2
}

t_closed_pipe_is_quiet() {
	local st
	seq 1 5000000 >in.txt
	"$S" cat in.txt 2>err | head -n 1 >/dev/null
	st=${PIPESTATUS[0]}
	eq "exit" "$st" 0 || return 1
	eq "stderr" "$(cat err)" "" || return 1
	"$S" head -n 4000000 in.txt 2>err | head -n 1 >/dev/null
	eq "head exit" "${PIPESTATUS[0]}" 0 || return 1
	eq "head stderr" "$(cat err)" ""
}

t_full_disk() {
	[ -w /dev/full ] || { echo "no /dev/full"; return 1; }
	seq 1 100000 | "$S" cat >/dev/full 2>err; eq exit $? 3 || return 1
	has message "$(cat err)" "No space left on device"
}

t_signal_removes_temp() {
	local sig pid
	for sig in INT TERM HUP; do
		rm -rf d && mkdir d
		mkfifo fifo
		"$S" cat -o d/out fifo 2>/dev/null &
		pid=$!
		exec 7>fifo
		seq 1 100000 >&7
		# the temporary file exists while the run waits for more input
		for _ in $(seq 50); do
			[ -n "$(ls -A d)" ] && break
			sleep 0.1
		done
		[ -n "$(ls -A d)" ] || { echo "$sig: no temp file seen"; return 1; }
		kill -s "$sig" "$pid"
		wait "$pid"
		exec 7>&-
		rm -f fifo
		eq "$sig leftovers" "$(ls -A d)" "" || return 1
	done
}

t_chunk_sizes_same_output() {
	seq 1 5000 | gzip -c >x.gz
	"$S" cat x.gz >want
	for c in 1 3 7 4096; do
		"$S" cat --chunk-size "$c" x.gz | cmp - want || return 1
		"$S" cat --chunk-size "$c" -z x.gz | gzip -dc | cmp - want ||
			return 1
	done
}

# ---- memory -------------------------------------------------------------------

t_mem_report() {
	local json
	seq 1 10000 | gzip -c >x.gz
	"$S" count -i lines --mem-report x.gz 2>err >/dev/null || return 1
	has report "$(cat err)" "peak rss" || return 1
	has report "$(cat err)" "gzip.inflate" || return 1
	has report "$(cat err)" "256.0 MiB ceiling" || return 1
	"$S" count -i lines -m 8M --mem-report=json x.gz 2>err >/dev/null || return 1
	python3 - err <<'PY' || return 1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verb"] == "count", r
assert r["ceiling"] == 8 << 20, r
assert 0 < r["peak"] <= r["ceiling"], r
assert r["peak_rss"] > 0, r
tags = r["tags"]
assert any(t["tag"] == "gzip.inflate" and t["peak"] > 0 for t in tags), tags
peaks = [t["peak"] for t in tags]
assert peaks == sorted(peaks, reverse=True), peaks
PY
}

t_env_max_memory() {
	local rc
	seq 1 10 >in.txt
	SLUICE_MAX_MEMORY=2K "$S" count in.txt 2>err; rc=$?
	eq exit $rc 3 || return 1
	has message "$(cat err)" "memory ceiling of 2.0 KiB reached" || return 1
	eq "-m wins" "$(SLUICE_MAX_MEMORY=2K "$S" count -m 1M in.txt)" 10
}

# count 2 GB of generated lines through a pipe (1 GB gzip'ed), -m 8M
t_count_2g_under_8m() {
	local n kib limit=16384
	n=215000000                   # seq 1 215000000 is 2.04 GB
	[ -n "$SAN" ] && n=5000000    # sanitizers: correctness only
	seq 1 "$n" | "$MAXRSS" rss "$S" count -i lines -m 8M >out || return 1
	eq "plain count" "$(cat out)" "$n" || return 1
	kib=$(cat rss)
	echo "figure: plain: $n lines, peak RSS $kib KiB"
	[ -n "$SAN" ] || le "plain peak RSS KiB" "$kib" $limit || return 1
	# gzip: half as many, past 1 GB inflated (the plain run passed 2^31)
	n=$((n / 2))
	seq 1 "$n" | pigz -1 -c | "$MAXRSS" rss "$S" count -i lines -m 8M >out ||
		return 1
	eq "gzip count" "$(cat out)" "$n" || return 1
	kib=$(cat rss)
	echo "figure: gzip: $n lines, peak RSS $kib KiB"
	[ -n "$SAN" ] || le "gzip peak RSS KiB" "$kib" $limit
}

# ---- records ---------------------------------------------------------------

t_formats_differential() {
	# fewer than before: diff_fidelity.py (t_fidelity.sh) now covers
	# every reader and verb, this the round trips between formats
	local out n=150
	[ -n "$SAN" ] && n=40
	[ -n "$VALGRIND" ] && n=25
	out=$(python3 "$HERE/diff_formats.py" "$S" $n) || {
		echo "$out"; return 1; }
	echo "figure: $out"
}

# a small CSV with quoted newlines, commas and quotes, and its oracle rows
mk_csv() {
	python3 - "$1" "$2" <<'PY'
import csv, random, sys
rng = random.Random(int(sys.argv[2]))
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["id", "name", "note", "amount"])
    for i in range(1, 201):
        note = rng.choice(["plain", "with, comma", 'say "hi"', "two\nlines", ""])
        w.writerow([i, "n%d" % (i % 7), note, "%d.%02d" % (i * 3, i % 100)])
PY
}

t_count_csv() {
	mk_csv in.csv 1
	eq "csv records" "$("$S" count in.csv)" 200 || return 1
	eq "no-header" "$("$S" count --no-header in.csv)" 201 || return 1
	eq "gzip csv" "$(gzip -c in.csv | "$S" count -i csv)" 200 || return 1
	eq "two inputs" "$("$S" count in.csv in.csv)" 400 || return 1
	printf '{"a":1}\n\n{"a":2}\n' >x.jsonl
	eq "jsonl" "$("$S" count x.jsonl)" 2 || return 1
	printf 'a\tb\n1\t2\n' >x.tsv
	eq "tsv" "$("$S" count x.tsv)" 1
}

# the records of a CSV file as Python sees them, one JSON array a line
py_rows() {
	python3 -c 'import csv, json, sys
r = list(csv.reader(open(sys.argv[1], newline="")))
lo, hi = int(sys.argv[2]), int(sys.argv[3])
for row in r[:1] + r[1:][lo:hi if hi else None]:
    print(json.dumps(row))' "$@"
}

t_head_tail_csv() {
	mk_csv in.csv 2
	"$S" head -n 5 in.csv >h.csv || return 1
	eq "head" "$(py_rows h.csv 0 0)" "$(py_rows in.csv 0 5)" || return 1
	"$S" tail -n 7 in.csv >t.csv || return 1
	eq "tail" "$(py_rows t.csv 0 0)" "$(py_rows in.csv 193 0)" || return 1
	"$S" tail -n 1000 in.csv >all.csv || return 1
	eq "tail more than all" "$(py_rows all.csv 0 0)" "$(py_rows in.csv 0 0)" || return 1
	"$S" tail -n 0 in.csv >none.csv || return 1
	eq "tail 0" "$(cat none.csv)" "id,name,note,amount"
}

t_tail_over_ceiling() {
	local rc
	"$S" gen --rows 200000 | "$S" tail -n 150000 -m 4M >/dev/null 2>err
	rc=$?
	eq exit $rc 3 || return 1
	has message "$(cat err)" "the last 150000 records do not fit in the memory ceiling of 4.0 MiB"
}

t_select() {
	mk_csv in.csv 3
	"$S" select -f note,1,amount:total in.csv >s.csv || return 1
	python3 - in.csv s.csv <<'PY' || return 1
import csv, sys
src = list(csv.reader(open(sys.argv[1], newline="")))
got = list(csv.reader(open(sys.argv[2], newline="")))
want = [["note", "id", "total"]] + [[r[2], r[0], r[3]] for r in src[1:]]
assert got == want, (got[:3], want[:3])
PY
	"$S" select -f 2-3 in.csv | "$S" select -f 1- >r.csv || return 1
	eq "range" "$(head -n 1 r.csv)" "name,note" || return 1
	"$S" select -x name,4 in.csv >x.csv || return 1
	eq "exclude" "$(head -n 1 x.csv)" "id,note" || return 1
	"$S" select -f nope in.csv 2>err; eq "unknown field" $? 2 || return 1
	has message "$(cat err)" "no field 'nope' in the header; it has: id, name, note, amount" || return 1
	"$S" select -f 9 in.csv 2>err; eq "out of range" $? 2 || return 1
	"$S" select in.csv 2>err; eq "no list" $? 2
}

t_sample() {
	local a b
	seq 1 1000 | sed '1i n' >in.csv
	a=$("$S" sample -n 10 --seed 42 in.csv) || return 1
	b=$("$S" sample -n 10 --seed 42 in.csv) || return 1
	eq "same seed" "$a" "$b" || return 1
	eq "count" "$(echo "$a" | wc -l)" 11 || return 1
	eq "in input order" "$(echo "$a" | sed 1d)" "$(echo "$a" | sed 1d | sort -n)" || return 1
	[ "$a" != "$("$S" sample -n 10 --seed 43 in.csv)" ] ||
		{ echo "seeds 42 and 43 gave the same sample"; return 1; }
	eq "n over size" "$("$S" sample -n 5000 --seed 1 in.csv | wc -l)" 1001
}

t_sample_uniform() {
	# each of 10 records is picked about seeds * 2 / 10 times: 100, or
	# 30 under the sanitizers, where a run costs more; 4.5 sd either way
	local seeds=500 lo=60 hi=140
	[ -n "$SAN" ] && seeds=150 lo=8 hi=52
	seq 1 10 | sed '1i n' >in.csv
	for s in $(seq 1 $seeds); do
		"$S" sample -n 2 --seed "$s" in.csv | sed 1d
	done | sort -n | uniq -c >hist
	eq "all picked" "$(wc -l <hist)" 10 || return 1
	awk -v lo=$lo -v hi=$hi '$1 < lo || $1 > hi {
		print "record " $2 " picked " $1 " times"; bad = 1 }
		END { exit bad }' hist
}

t_convert_options() {
	printf 'a;b\n"x;y";2\n' >semi.csv
	eq "-d" "$("$S" cat -d ';' -O jsonl semi.csv)" '{"a":"x;y","b":2}' || return 1
	printf '1,2\n3,4\n' >nh.csv
	eq "--no-header" "$("$S" cat --no-header -O jsonl nh.csv | head -n 1)" '{"1":1,"2":2}' || return 1
	eq "--strings" "$(printf 'a\n1\n' | "$S" cat -i csv -O jsonl --strings)" '{"a":"1"}' || return 1
	eq "-o name" "$(printf 'a\n1\n' | "$S" cat -i csv -o out.jsonl && cat out.jsonl)" '{"a":1}' || return 1
	printf 'a,b\n1,2\n' >one.csv; printf 'a,c\n3,4\n' >two.csv
	"$S" cat -O tsv one.csv two.csv 2>err; eq "header clash" $? 1 || return 1
	has message "$(cat err)" "the header of 'two.csv' differs" || return 1
	eq "one header" "$("$S" cat one.csv one.csv)" "$(printf 'a,b\n1,2\n1,2')" || return 1
	printf '{"a":1,"b":2}\n' >p.jsonl; printf '{"b":3,"a":4}\n' >q.jsonl
	eq "jsonl names" "$("$S" cat -O csv p.jsonl q.jsonl)" "$(printf 'a,b\n1,2\n4,3')"
}

t_on_error_skip() {
	local rc
	printf 'a,b\n1,2\n3\n4,5,6\n7,8\n' >bad.csv
	"$S" cat -O jsonl bad.csv >out 2>err; rc=$?
	eq "fail exit" $rc 1 || return 1
	has message "$(cat err)" "sluice cat: 1 field where the header has 2 in 'bad.csv' at record 2, line 3, byte 8" || return 1
	"$S" cat -O jsonl --on-error skip --rejects rej.jsonl bad.csv >out 2>err || return 1
	eq "kept" "$(cat out)" "$(printf '{"a":1,"b":2}\n{"a":7,"b":8}')" || return 1
	has note "$(cat err)" "skipped 2 bad records; see rej.jsonl" || return 1
	python3 - rej.jsonl <<'PY' || return 1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["record"] for r in rows] == [2, 3], rows
assert [r["line"] for r in rows] == [3, 4], rows
assert [r["raw"] for r in rows] == ["3", "4,5,6"], rows
assert all(r["file"] == "bad.csv" and r["reason"] for r in rows), rows
PY
	eq "count skips" "$("$S" count -q --on-error skip bad.csv 2>&1)" 2 || return 1
	"$S" cat --rejects r.jsonl bad.csv 2>err; eq "rejects needs skip" $? 2 || return 1
	printf '{"a":1}\n{"a":\n{"b":1}\n{"a":2}\n' >bad.jsonl
	eq "jsonl skip" "$("$S" cat -q -O csv --on-error skip bad.jsonl)" "$(printf 'a\n1\n2')"
}

t_empty_inputs() {
	: >e.csv
	eq "count" "$("$S" count e.csv)" 0 || return 1
	eq "cat -O jsonl" "$("$S" cat -O jsonl e.csv | wc -c)" 0 || return 1
	eq "head" "$("$S" head e.csv | wc -c)" 0 || return 1
	eq "select" "$("$S" select -f a e.csv | wc -c)" 0 || return 1
	printf 'a,b\n1,2\n' >one.csv
	eq "empty then data" "$("$S" cat -O tsv e.csv one.csv)" "$(printf 'a\tb\n1\t2')"
}

# ---- filter -------------------------------------------------------------------

t_filter_differential() {
	local out n=200
	[ -n "$SAN" ] && n=80
	[ -n "$VALGRIND" ] && n=10
	out=$(python3 "$HERE/diff_filter.py" "$S" $n 1) || { echo "$out"; return 1; }
	echo "figure: $out"
}

t_filter_cli() {
	local rc
	"$S" gen --rows 1000 >g.csv
	eq "count" "$("$S" filter 'cat == "cat0007"' g.csv | "$S" count)" \
		"$(python3 -c 'import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1], newline="")) if r["cat"] == "cat0007"))' g.csv)" || return 1
	eq "-v splits" "$(( $("$S" filter 'int > 0' g.csv | "$S" count) + $("$S" filter -v 'int > 0' g.csv | "$S" count) ))" 1000 || return 1
	"$S" filter 'int > && 1' g.csv 2>err; rc=$?
	eq "syntax exit" $rc 2 || return 1
	has message "$(cat err)" "sluice filter: syntax error at column 7: expected an operand, not '&'" || return 1
	has caret "$(cat err)" "$(printf '  int > && 1\n        ^')" || return 1
	"$S" filter 'amount > 1' g.csv 2>err; rc=$?
	eq "unknown field exit" $rc 2 || return 1
	has message "$(cat err)" "unknown field 'amount' at column 1; the fields are: id, int, float, date, cat, text" || return 1
	"$S" filter 2>err; eq "missing" $? 2 || return 1
	eq "leading minus" "$("$S" filter -- '-int > 0' g.csv | "$S" count)" "$("$S" filter 'int < 0' g.csv | "$S" count)" || return 1
	printf '{"a":1,"b":"x"}\n{"a":2}\n{"a":3,"b":"y"}\n' >j.jsonl
	# a key an object left out stays left out
	eq "jsonl missing key" "$("$S" filter 'is_empty(b)' j.jsonl)" '{"a":2}' || return 1
	eq "jsonl missing key to csv" "$("$S" filter -O csv 'is_empty(b)' j.jsonl)" "$(printf 'a,b\n2,')" || return 1
	printf 'a\tb c\n1\tx\n2\ty\n' >t.tsv
	eq "tsv, \${}" "$("$S" filter '${b c} == "y"' t.tsv)" "$(printf 'a\tb c\n2\ty')"
}

t_filter_memory() {
	local size=1G kib
	[ -n "$SAN" ] && size=20M
	"$S" gen --size $size | "$MAXRSS" rss "$S" filter -m 16M \
		'int > 0 && cat =~ "^cat00[0-4]" || len(text) > 55' >out || return 1
	kib=$(cat rss)
	echo "figure: filter of $size streamed: peak RSS $kib KiB, $("$S" count out) records kept"
	eq "kept" "$("$S" count out)" "$("$S" gen --size $size | "$S" filter 'int > 0 && cat =~ "^cat00[0-4]" || len(text) > 55' | "$S" count)" || return 1
	[ -n "$SAN" ] || le "filter peak RSS KiB" "$kib" 16384
}

# ---- sort ---------------------------------------------------------------------

# gen columns without text: no quoting, so GNU sort -t, sees the fields
SORTCOLS=id:id,int:int,float:float,cat:cat,date:date

# sluice sort ARGS... compared with LC_ALL=C sort -s -t, GNUKEYS on the body
sort_vs_gnu() {  # sort_vs_gnu INPUT "SLUICE ARGS" "GNU KEYS"
	local want got
	want=$( { head -n 1 "$1"; tail -n +2 "$1" | sort -s -t, $3; } | md5sum)
	got=$("$S" sort $2 "$1" | md5sum)
	eq "sort $2 vs sort -s -t, $3" "$got" "$want"
}

t_sort_vs_gnu() {
	"$S" gen --rows 200000 --columns $SORTCOLS --cardinality 50 >in.csv
	sort_vs_gnu in.csv "-k cat" "-k4,4" || return 1
	sort_vs_gnu in.csv "-k int:n" "-k2,2g" || return 1
	sort_vs_gnu in.csv "-k float:nr" "-k3,3gr" || return 1
	sort_vs_gnu in.csv "-k date:r -k id:n" "-k5,5r -k1,1g" || return 1
	sort_vs_gnu in.csv "-k cat -k int:nr" "-k4,4 -k2,2gr" || return 1
	# the same with a small ceiling: spilled and merged
	sort_vs_gnu in.csv "-m 2M -k cat -k int:nr" "-k4,4 -k2,2gr"
}

# 50 times the ceiling: 100 MB through -m 2M, against GNU sort
t_sort_50x_ceiling() {
	local size=100M
	[ -n "$SAN" ] && size=20M
	"$S" gen --size $size --columns $SORTCOLS --cardinality 1000 >big.csv
	sort_vs_gnu big.csv "-m 2M -k cat -k int:nr" "-k4,4 -k2,2gr" || return 1
	sort_vs_gnu big.csv "-m 2M -k date -k id:n" "-k5,5 -k1,1n"
}

t_sort_numeric_and_stable() {
	printf 'k,v\n10,a\n-2.5,b\nx,c\n1e1,d\n,e\n007,f\nabc,g\n-0,h\n0,i\n+3,j\n.5,k\n1.,l\n' >n.csv
	for flags in n nr; do
		"$S" sort -k k:$flags n.csv >got.csv || return 1
		python3 - n.csv got.csv $flags <<'PY' || return 1
import csv, re, sys
num = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
rows = list(csv.reader(open(sys.argv[1], newline="")))
def key(r):
    k = r[0]
    return (1, float(k), b"") if num.match(k) else (0, 0.0, k.encode())
# Python's sort is stable, reverse=True included
want = [rows[0]] + sorted(rows[1:], key=key, reverse=sys.argv[3] == "nr")
got = list(csv.reader(open(sys.argv[2], newline="")))
assert got == want, (sys.argv[3], got, want)
PY
	done
}

t_sort_in_memory_writes_nothing() {
	"$S" gen --rows 1000 >in.csv
	"$S" sort -k int:n --mem-report=json in.csv 2>err >/dev/null || return 1
	has report "$(cat err)" '"spill_runs":0' || return 1
	"$S" gen --rows 100000 | "$S" sort -k text -m 3M --mem-report=json 2>err >/dev/null || return 1
	python3 -c 'import json,sys
r = [json.loads(l) for l in open(sys.argv[1]) if "spill_runs" in l][0]
assert r["spill_runs"] > 1 and r["spill_packed"] > 0, r' err
}

t_sort_multipass() {
	local passes runs
	"$S" gen --rows 300000 >in.csv
	"$S" sort -k text -k id:n -m 2M --chunk-size 16K --mem-report=json in.csv 2>err >got.csv || return 1
	passes=$(sed -n 's/.*"merge_passes":\([0-9]*\).*/\1/p' err)
	echo "figure: sort -m 2M of $(stat -c %s in.csv) bytes: $passes merge passes"
	le "more than one pass" 2 "$passes" || return 1
	eq "same as in memory" "$(md5sum <got.csv)" "$("$S" sort -k text -k id:n in.csv | md5sum)" || return 1
	# each run holds an open file: under a hard limit of 40 (a sorter
	# keeps 10 runs) a sort of more runs than that merges as it goes
	(ulimit -n 40 && "$S" sort -k text -k id:n -m 1M --chunk-size 16K \
		--mem-report=json in.csv 2>err >got.csv) || { cat err; return 1; }
	runs=$(sed -n 's/.*"spill_runs":\([0-9]*\).*/\1/p' err)
	le "more runs than open files" 41 "$runs" || return 1
	eq "under 40 open files" "$(md5sum <got.csv)" "$("$S" sort -k text -k id:n in.csv | md5sum)"
}

t_sort_spill_failures_leave_nothing() {
	local rc pid
	mkdir spill
	"$S" gen --rows 300000 | "$S" sort -k text -m 3M --tmpdir spill --tmp-limit 100K >/dev/null 2>err
	rc=$?
	eq "tmp-limit exit" $rc 3 || return 1
	has message "$(cat err)" "spill files in 'spill' would pass --tmp-limit 100.0 KiB" || return 1
	eq "nothing left" "$(ls -A spill)" "" || return 1
	"$S" gen --rows 300000 | "$S" sort -k text -m 3M --tmpdir no/such/dir >/dev/null 2>err
	eq "missing tmpdir exit" $? 3 || return 1
	has message "$(cat err)" "cannot create a spill file in 'no/such/dir'" || return 1
	# SIGINT while spilling: the input trickles in through a FIFO
	mkfifo ff
	"$S" sort -k text -m 3M --tmpdir spill ff >/dev/null 2>&1 &
	pid=$!
	exec 7>ff
	"$S" gen --rows 150000 >&7
	sleep 0.5
	eq "no names while spilling" "$(ls -A spill)" "" || return 1
	kill -INT "$pid"
	wait "$pid"
	eq "interrupted" $? 130 || return 1
	exec 7>&-
	eq "nothing left after SIGINT" "$(ls -A spill)" ""
}

# 256 MB streamed into sort -m 32M: sorted, complete, peak RSS under
# 48 MiB.  1G was the size when it was first shown; 8 times the ceiling
# spills and merges the same way, in a quarter of the time
t_sort_256m_under_32m() {
	local size=256M kib
	[ -n "$SAN" ] && size=30M
	"$S" gen --size $size --columns $SORTCOLS |
		"$MAXRSS" rss "$S" sort -k int:n -m 32M --mem-report 2>report |
		tail -n +2 | md5sum >got || return 1
	kib=$(cat rss)
	echo "figure: sort of $size, -m 32M: peak RSS $kib KiB; $(grep spilled report)"
	eq "sorted and complete" "$(cat got)" \
		"$("$S" gen --size $size --columns $SORTCOLS | tail -n +2 | sort -s -t, -k2,2n | md5sum)" || return 1
	[ -n "$SAN" ] || le "sort peak RSS KiB" "$kib" 49152
}

# ---- uniq, top, join --------------------------------------------------------------

t_uniq_vs_python() {
	# more than 4 MiB: under 256M two threads count a part each; under
	# 3M their tables fill and one thread counts (and spills)
	"$S" gen --rows 150000 --columns id:id,int:int,cat:cat,d:date --cardinality 300 >in.csv
	for m in 256M 3M; do
		"$S" uniq -j 2 -m $m -k cat -k d -c in.csv >sorted.csv || return 1
		"$S" uniq -j 2 -m $m -k cat -k d -c --keep first in.csv >first.csv || return 1
		"$S" uniq -j 2 -m $m -k d in.csv >plain.csv || return 1
		python3 - in.csv sorted.csv first.csv plain.csv <<'PY' || return 1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
first, count = {}, {}
for r in body:
    k = (r[2], r[3])
    count[k] = count.get(k, 0) + 1
    first.setdefault(k, r)
in_order = [first[k] + [str(count[k])] for k in first]      # dicts keep order
by_key = sorted(in_order, key=lambda r: (r[2].encode(), r[3].encode()))
got = lambda f: list(csv.reader(open(f, newline="")))
assert got(sys.argv[2]) == [head + ["count"]] + by_key, "uniq -c by key"
assert got(sys.argv[3]) == [head + ["count"]] + in_order, "uniq --keep first"
firstd = {}
for r in body:
    firstd.setdefault(r[3], r)
assert got(sys.argv[4]) == [head] + sorted(firstd.values(), key=lambda r: r[3].encode()), "uniq -k d"
PY
	done
	eq "whole records" "$(printf 'a\n1\n2\n1\n' | "$S" uniq -i csv | tr '\n' ' ')" "a 1 2 "
}

# without -k every field is a key, even past the 64th
t_whole_record_keys_wide() {
	python3 -c 'import csv
w = csv.writer(open("wide.csv", "w", newline=""), lineterminator="\n")
w.writerow(["c%d" % i for i in range(70)])
for v in "baba":
    w.writerow(["x"] * 65 + [v] + ["y"] * 4)'
	eq "uniq" "$("$S" uniq wide.csv | "$S" count)" 2 || return 1
	eq "sort" "$("$S" sort wide.csv | "$S" select -f 66 | tr '\n' ' ')" "c65 a a b b "
}

t_top_vs_python() {
	"$S" gen --rows 50000 --columns id:id,int:int,cat:cat --cardinality 20 >in.csv
	"$S" top -n 25 -k int:n in.csv >a.csv || return 1
	"$S" top -n 25 -k cat:r -k int:n in.csv >b.csv || return 1
	"$S" top -n 100000 -k cat in.csv >c.csv || return 1
	python3 - in.csv a.csv b.csv c.csv <<'PY' || return 1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
got = lambda f: list(csv.reader(open(f, newline="")))
# greatest first, ties to the earlier record: a stable sort on the
# negated key keeps input order among equals
a = sorted(body, key=lambda r: -int(r[1]))[:25]
assert got(sys.argv[2]) == [head] + a, "top int:n"
b = sorted(body, key=lambda r: -int(r[1]))
b = sorted(b, key=lambda r: r[2].encode())[:25]
assert got(sys.argv[3]) == [head] + b, "top cat:r int:n"
PY
	eq "all of them" "$("$S" count c.csv)" 50000
}

t_join_vs_python() {
	"$S" gen --rows 10000 --seed 3 --columns id:id,k:cat,x:int --cardinality 500 >l.csv
	"$S" gen --rows 8000 --seed 4 --columns k:cat,y:date,x:float --cardinality 700 >r.csv
	# in memory, in the larger input's order; under 2M (a sort) and 3M
	# (partitions), the same records; --key-order, in key order
	for mode in "" --left --outer; do
		"$S" join -k k $mode l.csv r.csv >j.csv || return 1
		python3 "$HERE/join_oracle.py" l.csv r.csv j.csv "$mode" k k \
			stream >/dev/null || { echo "mode '$mode'"; return 1; }
		for m in 2M 3M; do
			"$S" join -m $m -k k $mode l.csv r.csv >s.csv || return 1
			python3 "$HERE/join_oracle.py" l.csv r.csv s.csv "$mode" \
				k k set >/dev/null ||
				{ echo "mode '$mode' -m $m"; return 1; }
		done
		"$S" join -m 3M --key-order -k k $mode l.csv r.csv >k.csv ||
			return 1
		python3 "$HERE/join_oracle.py" l.csv r.csv k.csv "$mode" k k \
			key >/dev/null || { echo "mode '$mode' --key-order"; return 1; }
	done
	echo "figure: join checked: $("$S" join -k k l.csv r.csv | "$S" count) inner pairs"
}

# ---- gen --------------------------------------------------------------------

t_gen() {
	local a b
	a=$("$S" gen --rows 100000 --seed 7 | md5sum) || return 1
	b=$("$S" gen --rows 100000 --seed 7 | md5sum) || return 1
	eq "same seed, same bytes" "$a" "$b" || return 1
	[ "$a" != "$("$S" gen --rows 100000 --seed 8 | md5sum)" ] ||
		{ echo "seeds 7 and 8 gave the same bytes"; return 1; }
	"$S" gen --rows 100000 --seed 7 >g.csv || return 1
	python3 - g.csv <<'PY' || return 1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["id", "int", "float", "date", "cat", "text"], rows[0]
assert len(rows) == 100001, len(rows)
assert all(len(r) == 6 for r in rows), "ragged row"
assert [int(r[0]) for r in rows[1:]] == list(range(1, 100001))
texts = [r[5] for r in rows[1:]]
assert any("," in t for t in texts) and any('"' in t for t in texts)
assert any("\n" in t for t in texts), "no text with a newline"
assert any(r[1].startswith("-") for r in rows[1:]), "no negative int"
assert any("e" in r[2] for r in rows[1:]), "no float in exponent form"
assert len({r[4] for r in rows[1:]}) == 100, "cardinality"
PY
	"$S" gen --rows 1000 -O jsonl | python3 -c 'import json, sys
n = sum(1 for l in sys.stdin if json.loads(l))
assert n == 1000, n' || return 1
	# --rows N is a prefix of --rows M; --size reaches SIZE, no further
	"$S" gen --rows 50 | cmp -s - <("$S" gen --rows 60 | head -c "$("$S" gen --rows 50 | wc -c)") ||
		{ echo "--rows 50 is not a prefix of --rows 60"; return 1; }
	"$S" gen --size 100K >s.csv || return 1
	le "size reached" 102400 "$(stat -c %s s.csv)" || return 1
	eq "size: one record past" "$("$S" count s.csv)" "$(( $("$S" gen --size 102399 | "$S" count) ))" || return 1
	"$S" gen --rows 5 --columns 'a:int,b:cat' --cardinality 3 | head -n 1 >h
	eq "columns" "$(cat h)" "a,b" || return 1
	"$S" gen --rows 5 --columns 'a:nope' 2>err; eq "bad type" $? 2 || return 1
	"$S" gen 2>err; eq "no size" $? 2
}

t_gen_memory() {
	local kib size=1G
	[ -n "$SAN" ] && size=50M
	"$MAXRSS" rss "$S" gen --size $size >/dev/null || return 1
	kib=$(cat rss)
	echo "figure: gen --size $size: peak RSS $kib KiB"
	[ -n "$SAN" ] || le "gen peak RSS KiB" "$kib" 8192
}

# CSV -> JSON Lines (gzip'ed) -> CSV, 256 MB generated, under -m 16M
# each (1 GB when first shown; 16 times the ceiling shows the same)
t_convert_256m_under_16m() {
	local size=256M k1 k2 want got
	[ -n "$SAN" ] && size=20M
	mkfifo back
	want=$("$S" gen --size $size | md5sum)
	"$S" gen --size $size |
		"$MAXRSS" rss1 "$S" cat -O jsonl -z --level 1 -m 16M |
		"$MAXRSS" rss2 "$S" cat -i jsonl -O csv -m 16M | md5sum >got ||
		return 1
	k1=$(cat rss1)
	k2=$(cat rss2)
	echo "figure: $size CSV -> JSON Lines.gz: peak RSS $k1 KiB;" \
		"JSON Lines.gz -> CSV: peak RSS $k2 KiB"
	eq "round trip" "$(cat got)" "$want" || return 1
	[ -n "$SAN" ] && return 0
	le "csv->jsonl peak RSS KiB" "$k1" 24576 || return 1
	le "jsonl->csv peak RSS KiB" "$k2" 24576
}

# ---- examples/ ------------------------------------------------------------------

t_example_longest() {
	local out rc
	{ seq 1 1000; printf '%0500d\n' 7; seq 1 10; } | gzip -c >in.gz
	out=$("$EX/longest" in.gz) || return 1
	eq "longest" "$out" "longest line: $(gzip -dc in.gz |
		awk '{ if (length($0) > m) m = length($0) } END { print m }') bytes" ||
		return 1
	"$EX/longest" no-such-file 2>err; rc=$?
	eq "missing file exit" $rc 1 || return 1
	has message "$(cat err)" "cannot open 'no-such-file'"
}

run help_every_verb t_help_every_verb
run version t_version
run usage_errors t_usage_errors
run count_basic t_count_basic
run count_gzip t_count_gzip
run count_fixtures t_count_fixtures
run count_every_chunk_size t_count_every_chunk_size
run bad_gzip t_bad_gzip
run missing_input t_missing_input
run head t_head
run head_stops_reading t_head_stops_reading
run head_line_over_ceiling t_head_line_over_ceiling
run cat_roundtrip t_cat_roundtrip
run cat_output_file t_cat_output_file
run cat_output_atomic t_cat_output_atomic
run cat_output_missing_dir t_cat_output_missing_dir
run output_special_paths t_output_special_paths
run closed_pipe_is_quiet t_closed_pipe_is_quiet
run full_disk t_full_disk
run signal_removes_temp t_signal_removes_temp
run chunk_sizes_same_output t_chunk_sizes_same_output
run mem_report t_mem_report
run env_max_memory t_env_max_memory
run formats_differential t_formats_differential
run count_csv t_count_csv
run head_tail_csv t_head_tail_csv
run tail_over_ceiling t_tail_over_ceiling
run select t_select
run sample t_sample
run sample_uniform t_sample_uniform
run convert_options t_convert_options
run on_error_skip t_on_error_skip
run empty_inputs t_empty_inputs
run filter_differential t_filter_differential
run filter_cli t_filter_cli
run filter_memory t_filter_memory
run sort_vs_gnu t_sort_vs_gnu
run sort_50x_ceiling t_sort_50x_ceiling
run sort_numeric_and_stable t_sort_numeric_and_stable
run sort_in_memory_writes_nothing t_sort_in_memory_writes_nothing
run sort_multipass t_sort_multipass
run sort_spill_failures_leave_nothing t_sort_spill_failures_leave_nothing
run sort_256m_under_32m t_sort_256m_under_32m
run uniq_vs_python t_uniq_vs_python
run whole_record_keys_wide t_whole_record_keys_wide
run top_vs_python t_top_vs_python
run join_vs_python t_join_vs_python
run gen t_gen
run gen_memory t_gen_memory
run convert_256m_under_16m t_convert_256m_under_16m
run example_longest t_example_longest
run count_2g_under_8m t_count_2g_under_8m

. "$HERE/t_split.sh"
. "$HERE/t_agg.sh"
. "$HERE/t_lists.sh"
. "$HERE/t_numbers.sh"
. "$HERE/t_examples.sh"
. "$HERE/t_docs.sh"
. "$HERE/t_io.sh"
. "$HERE/t_progress.sh"
. "$HERE/t_faults.sh"
. "$HERE/t_hostile.sh"
. "$HERE/t_fidelity.sh"
. "$HERE/t_library.sh"
. "$HERE/t_threads.sh"
. "$HERE/t_spill.sh"
. "$HERE/t_order.sh"
. "$HERE/t_everyday.sh"
. "$HERE/t_engines.sh"

# where the time went: the slowest tests, in seconds (every test's in
# $TIMES when it is set, $TIMES.san for the sanitizer pass)
if [ -f "$T/times" ]; then
	[ -z "${TIMES:-}" ] || cp "$T/times" "$TIMES${SAN:+.san}"
	echo "time: $(awk '{ s += $1 } END { printf "%.0f", s / 1000 }' \
		"$T/times") s in all"
	echo "slowest:$(sort -rn "$T/times" | head -n 12 |
		awk '{ printf " %s %.1f", $2, $1 / 1000 }')"
fi
[ "$fail" -eq 0 ] || echo "failed:$failed_names"
[ "$skipped" -eq 0 ] || echo "$skipped skipped:$skipped_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
