# tests/cli/t_hostile.sh - hostile input shapes.  Each ends with a clear
# error or a correct result, under the memory ceiling, in time that follows
# the size of the input rather than its shape.
#
# Sourced by run.sh, which provides S, MAXRSS, SAN, T, the assertions
# eq/has/le and run.  Inputs are made at test time and streamed through
# pipes.  Where the answer is an error about a record too big for the
# ceiling, the input never ends (tr '\0' a </dev/zero), so the test also
# shows that the error comes as soon as the ceiling is reached: a verb that
# read on would be stopped by timeout.  SAN=1 shrinks the finite inputs and
# skips the peak-RSS assertions.  Each test prints its times and peaks.

# hostile_rss WHAT KIB MIB: peak RSS within a ceiling of MIB MiB plus what
# the process has outside the budget (code, stack, the C library), the
# slack run.sh's own memory tests allow.
hostile_rss() {
	[ -n "$SAN" ] && return 0
	le "$1 peak RSS KiB" "$2" $((($3 + 8) * 1024))
}

hostile_ms() {
	date +%s%3N
}

# hostile_endless C: the byte C for ever, no newline
hostile_endless() {
	tr '\0' "$1" </dev/zero
}

# hostile_fails WHAT EXIT NEEDLE COMMAND...: standard input into COMMAND
# (under timeout and maxrss) must exit with EXIT and say NEEDLE; the
# peak RSS is left in ./rss and the time in ./ms.
hostile_fails() {
	local what=$1 want=$2 needle=$3 t0 rc
	shift 3
	rm -f rss
	t0=$(hostile_ms)
	timeout 60 "$MAXRSS" rss "$@" >out 2>err
	rc=$?
	echo $(($(hostile_ms) - t0)) >ms
	eq "$what exit" $rc "$want" || { cat err; return 1; }
	has "$what message" "$(cat err)" "$needle"
}

# ---- one line of 2 GB, no newline ----------------------------------------

t_hostile_2g_line() {
	local size=2G bytes=2147483648 t0 v kib
	[ -n "$SAN" ] && size=64M bytes=67108864
	# counting lines and copying bytes need no line in memory
	t0=$(hostile_ms)
	head -c $size /dev/zero | tr '\0' a |
		"$MAXRSS" rss "$S" count -i lines -m 8M >out || return 1
	kib=$(cat rss)
	eq "count -i lines" "$(cat out)" 1 || return 1
	echo "figure: count -i lines, one $size line: $(($(hostile_ms) - t0)) ms, peak RSS $kib KiB"
	hostile_rss "count" "$kib" 8 || return 1
	# verbs that hold a record, cat too (it reads records, as every
	# verb): the error comes once the ceiling is hit
	for v in "sort -i lines" "cat -i lines" "cat -i lines -O jsonl" \
		 "head -i lines" "tail -i lines" "uniq -i lines" \
		 "count -i jsonl"; do
		hostile_endless a | hostile_fails "$v" 3 \
			"sluice ${v%% *}: line 1 of '<stdin>' is longer than the memory ceiling of 8.0 MiB allows" \
			"$S" $v -m 8M || return 1
		eq "$v says it once" "$(wc -l <err)" 1 || { cat err; return 1; }
		echo "figure: $v, endless line: $(cat ms) ms, peak RSS $(cat rss) KiB"
		hostile_rss "$v" "$(cat rss)" 8 || return 1
	done
	# count holds no field: a CSV record of any length is counted in
	# place (the header, which gives the names, is held)
	t0=$(hostile_ms)
	{ printf 'a,b\n'; head -c $size /dev/zero | tr '\0' a; printf ',b\n1,2\n'; } |
		"$MAXRSS" rss "$S" count -m 8M >out || return 1
	kib=$(cat rss)
	eq "count (csv)" "$(cat out)" 2 || return 1
	echo "figure: count (csv), a $size record: $(($(hostile_ms) - t0)) ms, peak RSS $kib KiB"
	hostile_rss "count (csv)" "$kib" 8
}

# ---- an unterminated quote ---------------------------------------------------

t_hostile_unterminated_quote() {
	local size=1G t0 rc kib wc_pid lines bytes
	[ -n "$SAN" ] && size=20M
	# gen's text has quoted newlines: wc, on a copy, says where it ends
	mkfifo copy
	wc -lc <copy >wc.out &
	wc_pid=$!
	t0=$(hostile_ms)
	{ "$S" gen --size $size | tee copy; printf '1,"never closed,x\n'; } |
		"$MAXRSS" rss "$S" count -m 8M >out 2>err
	rc=$?
	kib=$(cat rss)
	echo "figure: count, $size of csv then an open quote: $(($(hostile_ms) - t0)) ms, peak RSS $kib KiB"
	wait $wc_pid || return 1
	read -r lines bytes <wc.out
	eq "exit" $rc 1 || { cat err; return 1; }
	has message "$(cat err)" "sluice count: unterminated quoted field (the input ends inside quotes) in '<stdin>' at record " || return 1
	has where "$(cat err)" ", line $((lines + 1)), byte $bytes" || return 1
	hostile_rss "count" "$kib" 8 || return 1
	# from a file: its name, and every complete record before is written
	{ "$S" gen --rows 1000; printf '1001,"never closed,x\n'; } >open.csv
	"$S" cat -O jsonl open.csv >out 2>err
	eq "file exit" $? 1 || return 1
	has "file message" "$(cat err)" "sluice cat: unterminated quoted field (the input ends inside quotes) in 'open.csv' at record 1001, line $(wc -l <open.csv), byte $(($(stat -c %s open.csv) - 21))" || return 1
	eq "records before" "$(wc -l <out)" 1000 || return 1
	# a quote opened early swallows the rest: a record past the ceiling
	# for a verb that holds it, counted in place for count
	{ echo a,b,c; echo '1,"open,x'; yes 1,2,3; } | hostile_fails "early quote" 3 \
		"sluice cat: record starting at line 2 of '<stdin>' is larger than the memory ceiling of 8.0 MiB allows" \
		"$S" cat -m 8M || return 1
	echo "figure: cat, a quote that never closes, endless: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "early quote" "$(cat rss)" 8 || return 1
	{ echo a,b,c; echo '1,"open,x'; yes 1,2,3 | head -c 100M; } |
		hostile_fails "early quote, count" 1 \
		"sluice count: unterminated quoted field (the input ends inside quotes) in '<stdin>' at record 1, line 2, byte 6" \
		"$S" count -m 8M || return 1
	echo "figure: count, a quote open over 100 MB: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "early quote, count" "$(cat rss)" 8
}

# ---- gzip bombs ---------------------------------------------------------------

# Copies of one gzip member make a multi-member bomb of any size cheaply.
# The bomb of 'a' with no newline is 64 MiB members at -9 (65 KB each) and
# is only ever read up to the ceiling; the bomb of newlines, which is read
# to the end, is made of -1 members, which zlib inflates five times faster.
t_hostile_gzip_bomb() {
	local acopies=320 ncopies=128 t0 i kib inflated
	[ -n "$SAN" ] && acopies=8 ncopies=4
	inflated=$((ncopies * 64 * 1048576))
	t0=$(hostile_ms)
	head -c 64M /dev/zero | tr '\0' a | gzip -9 >a1.gz
	head -c 64M /dev/zero | tr '\0' '\n' | gzip -1 >n1.gz
	for ((i = 0; i < acopies; i++)); do cat a1.gz; done >abomb.gz
	for ((i = 0; i < ncopies; i++)); do cat n1.gz; done >nbomb.gz
	echo "figure: made bombs of $(stat -c %s abomb.gz) bytes ('a', $((acopies * 64)) MiB) and $(stat -c %s nbomb.gz) bytes (newlines, $((ncopies * 64)) MiB) in $(($(hostile_ms) - t0)) ms"
	# one endless line: an error at the ceiling for whatever must hold it
	hostile_fails "count (csv)" 3 "sluice count: record starting at line 1 of 'abomb.gz' is larger than the memory ceiling of 8.0 MiB allows" \
		"$S" count -m 8M abomb.gz </dev/null || return 1
	echo "figure: count (csv), 'a' bomb: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "count (csv)" "$(cat rss)" 8 || return 1
	hostile_fails "cat -O jsonl" 3 "sluice cat: line 1 of 'abomb.gz' is longer than the memory ceiling of 8.0 MiB allows" \
		"$S" cat -i lines -O jsonl -m 8M abomb.gz </dev/null || return 1
	echo "figure: cat -O jsonl, 'a' bomb: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "cat -O jsonl" "$(cat rss)" 8 || return 1
	hostile_fails "sort" 3 "sluice sort: line 1 of 'abomb.gz' is longer than the memory ceiling of 8.0 MiB allows" \
		"$S" sort -i lines -m 8M abomb.gz </dev/null || return 1
	echo "figure: sort, 'a' bomb: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "sort" "$(cat rss)" 8 || return 1
	# many short lines: counted, in time that follows the inflated size
	t0=$(hostile_ms)
	"$MAXRSS" rss "$S" count -i lines -m 8M nbomb.gz >out || return 1
	kib=$(cat rss)
	eq "newline bomb" "$(cat out)" $inflated || return 1
	echo "figure: count -i lines, $inflated newlines: $(($(hostile_ms) - t0)) ms, peak RSS $kib KiB"
	hostile_rss "newline bomb" "$kib" 8 || return 1
	# readers that go away end the inflating
	eq "head" "$(timeout 60 "$S" head -i lines -n 5 nbomb.gz | wc -c)" 5 || return 1
	t0=$(hostile_ms)
	timeout 60 "$S" cat -i lines nbomb.gz | head -c 1000 >out
	eq "cat exit" "${PIPESTATUS[0]}" 0 || return 1
	eq "cat | head -c" "$(wc -c <out)" 1000 || return 1
	echo "figure: cat -i lines bomb | head -c 1000: $(($(hostile_ms) - t0)) ms"
}

# A member whose header has a 16 MiB name, a 1 MiB comment and a 64 KiB
# extra field; 200000 empty members before a last one with data.
t_hostile_gzip_odd_members() {
	local kib
	python3 - <<'PY' || return 1
import struct, zlib
def member(data, name=None, comment=None, extra=None):
    flg, head = 0, b""
    if extra is not None:
        flg |= 4
        head += struct.pack("<H", len(extra)) + extra
    if name is not None:
        flg |= 8
        head += name + b"\0"
    if comment is not None:
        flg |= 16
        head += comment + b"\0"
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return (b"\x1f\x8b\x08" + bytes([flg]) + b"\0\0\0\0\0\xff" + head +
            body + struct.pack("<II", zlib.crc32(data), len(data)))
open("named.gz", "wb").write(member(b"1\n2\n3\n", name=b"n" * (16 << 20),
                             comment=b"c" * (1 << 20), extra=b"e" * 65535))
open("empties.gz", "wb").write(member(b"") * 200000 + member(b"x\ny\n"))
PY
	gzip -t named.gz empties.gz || return 1
	"$MAXRSS" rss "$S" count -i lines -m 8M named.gz >out || return 1
	kib=$(cat rss)
	eq "long header" "$(cat out)" 3 || return 1
	echo "figure: count, a 17 MiB gzip header: peak RSS $kib KiB"
	hostile_rss "long header" "$kib" 8 || return 1
	"$MAXRSS" rss "$S" count -i lines -m 8M empties.gz >out || return 1
	kib=$(cat rss)
	eq "empty members" "$(cat out)" 2 || return 1
	echo "figure: count, 200000 empty members: peak RSS $kib KiB"
	hostile_rss "empty members" "$kib" 8 || return 1
	eq "cat" "$("$S" cat empties.gz)" "$(printf 'x\ny')"
}

# ---- delimiters only ----------------------------------------------------------

t_hostile_only_delimiters() {
	local size=64M n=67108864 kib rc
	[ -n "$SAN" ] && size=4M n=4194304
	yes ',,,,' | head -n 1000 >d.csv
	eq "count" "$("$S" count d.csv)" 999 || return 1
	"$S" cat d.csv | cmp -s - d.csv || { echo "cat changed the bytes"; return 1; }
	"$S" sort d.csv | cmp -s - d.csv || { echo "sort changed the rows"; return 1; }
	"$S" cat -O tsv d.csv | cmp -s - <(yes "$(printf '\t\t\t\t')" | head -n 1000) ||
		{ echo "tsv differs"; return 1; }
	# five empty names cannot be five JSON keys
	"$S" cat -O jsonl d.csv >out 2>err
	eq "jsonl exit" $? 1 || return 1
	has "jsonl message" "$(cat err)" "sluice cat: field name '' is in the header of 'd.csv' twice, as fields 1 and 2 (JSON Lines keys must differ)" || return 1
	eq "jsonl output" "$(wc -c <out)" 0 || return 1
	eq "--no-header jsonl" "$("$S" cat --no-header -O jsonl d.csv | uniq -c | sed 's/^ *//')" \
		'1000 {"1":"","2":"","3":"","4":"","5":""}' || return 1
	# an endless header of commas
	hostile_endless , | hostile_fails "comma header" 3 \
		"sluice count: record starting at line 1 of '<stdin>' is larger than the memory ceiling of 8.0 MiB allows" \
		"$S" count -m 8M || return 1
	echo "figure: count, endless header of commas: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "comma header" "$(cat rss)" 8 || return 1
	# a data row of commas: its fields are counted, not held
	{ echo a,b,c; head -c $size /dev/zero | tr '\0' ,; echo; echo 1,2,3; } |
		hostile_fails "comma row" 1 \
		"sluice count: $((n + 1)) fields where the header has 3 in '<stdin>' at record 1, line 2, byte 6" \
		"$S" count -m 8M || return 1
	echo "figure: count, a row of $size commas: $(cat ms) ms, peak RSS $(cat rss) KiB"
	hostile_rss "comma row" "$(cat rss)" 8 || return 1
	{ echo a,b,c; head -c $size /dev/zero | tr '\0' ,; echo; echo 1,2,3; } |
		"$S" count -m 8M --on-error skip >out 2>err
	rc=$?
	eq "skip exit" $rc 0 || return 1
	eq "skip count" "$(cat out)" 1 || return 1
	has "skip note" "$(cat err)" "skipped 1 bad record"
}

# ---- NUL bytes ------------------------------------------------------------------

t_hostile_nul_bytes() {
	printf 'a,b\n1,x\0y\n"q\0",2\n\0,\0\0\n' >nul.csv
	printf 'a,b\n1,x\0y\nq\0,2\n\0,\0\0\n' >want.csv
	eq "count" "$("$S" count nul.csv)" 3 || return 1
	# cat writes quotes only where needed
	"$S" cat nul.csv | cmp -s - want.csv || { echo "cat changed the values"; return 1; }
	printf '%s\n' '{"a":1,"b":"x\u0000y"}' '{"a":"q\u0000","b":2}' \
		'{"a":"\u0000","b":"\u0000\u0000"}' >want.jsonl
	"$S" cat -O jsonl nul.csv | cmp -s - want.jsonl ||
		{ echo "jsonl differs"; return 1; }
	"$S" cat -O jsonl nul.csv | "$S" cat -i jsonl -O csv | cmp -s - want.csv ||
		{ echo "csv -> jsonl -> csv differs"; return 1; }
	"$S" cat -O tsv nul.csv | "$S" cat -i tsv -O csv | cmp -s - want.csv ||
		{ echo "csv -> tsv -> csv differs"; return 1; }
	eq "filter ==" "$("$S" filter 'b == "x"' nul.csv | "$S" count)" 0 || return 1
	eq "filter len" "$("$S" filter 'len(b) == 3' nul.csv | "$S" count)" 1 || return 1
	# in lines
	printf 'a\0b\n\0\n\0\0\0' >nul.txt
	eq "lines count" "$("$S" count -i lines nul.txt)" 3 || return 1
	"$S" sort -i lines nul.txt | cmp -s - <(printf '\0\n\0\0\0\na\0b\n') ||
		{ echo "sort differs"; return 1; }
	eq "lines jsonl" "$("$S" cat -i lines -O jsonl nul.txt)" \
		"$(printf '%s\n' '{"line":"a\u0000b"}' '{"line":"\u0000"}' '{"line":"\u0000\u0000\u0000"}')"
}

# ---- invalid UTF-8 ----------------------------------------------------------------

t_hostile_invalid_utf8() {
	local b
	printf 'a,b\n1,ok\n2,caf\351\n3,x\n' >bad.csv
	"$S" cat -O jsonl bad.csv >out 2>err
	eq "jsonl exit" $? 1 || return 1
	has "jsonl message" "$(cat err)" "sluice cat: field 'b' is not valid UTF-8 (byte 4 of it), which JSON output needs in 'bad.csv' at record 2, line 3, byte 9" || return 1
	eq "records before" "$(cat out)" '{"a":1,"b":"ok"}' || return 1
	# CSV to CSV: bytes go through untouched, record by record too
	"$S" cat bad.csv | cmp -s - bad.csv || { echo "cat changed it"; return 1; }
	"$S" select -f a,b bad.csv | cmp -s - bad.csv || { echo "select changed it"; return 1; }
	"$S" sort -k a bad.csv | cmp -s - bad.csv || { echo "sort changed it"; return 1; }
	"$S" cat -O tsv bad.csv | "$S" cat -i tsv -O csv | cmp -s - bad.csv ||
		{ echo "tsv round trip changed it"; return 1; }
	# every kind of bad sequence: refused for JSON, kept for CSV
	for b in '\200' '\300\200' '\355\240\200' '\365\200\200\200' '\342\202' \
		 '\377' '\360\200\200\200'; do
		printf "a\n\"x$b\"\n" >b.csv
		"$S" cat -O jsonl b.csv >/dev/null 2>err
		eq "jsonl exit for $b" $? 1 || return 1
		has "message for $b" "$(cat err)" "(byte 2 of it), which JSON output needs in 'b.csv' at record 1, line 2" || return 1
		"$S" cat -O tsv b.csv | "$S" cat -i tsv -O csv | cmp -s - <(printf "a\nx$b\n") ||
			{ echo "csv round trip changed $b"; return 1; }
	done
	printf 'a,\377\n1,2\n' | "$S" cat -O jsonl >/dev/null 2>err
	eq "header exit" $? 1 || return 1
	has "header message" "$(cat err)" "field name 2 of the header of '<stdin>' is not valid UTF-8 (byte 1 of it), which JSON output needs" || return 1
	printf 'ok\n\377\n' | "$S" cat -i lines -O jsonl >/dev/null 2>err
	eq "lines exit" $? 1 || return 1
	has "lines message" "$(cat err)" "sluice cat: field 'line' is not valid UTF-8 (byte 1 of it), which JSON output needs in '<stdin>' at record 2" || return 1
	# JSON Lines input must be UTF-8
	printf '{"a":"ok"}\n{"a":"\377"}\n{"a":"x"}\n' >bad.jsonl
	"$S" count bad.jsonl >out 2>err
	eq "jsonl input exit" $? 1 || return 1
	has "jsonl input message" "$(cat err)" "sluice count: invalid JSON: invalid UTF-8 (byte 0xff)" || return 1
	has "jsonl input where" "$(cat err)" "in 'bad.jsonl' at record 2, line 2, byte 11" || return 1
	eq "jsonl skip" "$("$S" count -q --on-error skip bad.jsonl)" 2
}

# ---- deep nesting -----------------------------------------------------------------

t_hostile_deep_json() {
	local kib
	python3 - <<'PY' || return 1
n = 100000
open("arr.jsonl", "w").write('{"a":1}\n{"a":' + "[" * n + "]" * n + '}\n{"a":2}\n')
open("obj.jsonl", "w").write('{"a":' * n + "1" + "}" * n + "\n")
open("open.jsonl", "w").write('{"a":1}\n{"a":' + "[" * n + "\n")
open("ok.jsonl", "w").write('{"a":' + "[" * 1000 + "]" * 1000 + '}\n')
PY
	"$MAXRSS" rss "$S" count -m 8M arr.jsonl >out 2>err
	eq "arrays exit" $? 1 || return 1
	kib=$(cat rss)
	has "arrays message" "$(cat err)" "sluice count: invalid JSON: maximum nesting depth of 2048 reached" || return 1
	has "arrays where" "$(cat err)" "in 'arr.jsonl' at record 2, line 2, byte 8" || return 1
	echo "figure: count, arrays 100000 deep: peak RSS $kib KiB"
	hostile_rss "arrays" "$kib" 8 || return 1
	"$S" cat -O csv obj.jsonl >out 2>err
	eq "objects exit" $? 1 || return 1
	has "objects message" "$(cat err)" "maximum nesting depth of 2048 reached" || return 1
	has "objects where" "$(cat err)" "in 'obj.jsonl' at record 1, line 1, byte 0" || return 1
	"$S" sort open.jsonl >out 2>err
	eq "unclosed exit" $? 1 || return 1
	has "unclosed where" "$(cat err)" "in 'open.jsonl' at record 2, line 2" || return 1
	# skipped, and kept whole in the rejects
	eq "skip" "$("$S" cat -q -O csv --on-error skip --rejects rej.jsonl arr.jsonl)" \
		"$(printf 'a\n1\n2')" || return 1
	python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 1 and r[0]["record"] == 2 and len(r[0]["raw"]) == 200006, r' rej.jsonl ||
		return 1
	# 1000 deep is within jansson's limit: compact text, written as it was
	eq "1000 deep" "$("$S" cat -O csv ok.jsonl | tail -n 1)" \
		"$(python3 -c 'print("[" * 1000 + "]" * 1000)')"
}

# Lines cheap to read and dear to parse for a parser that builds a tree
# (jansson took some 60 bytes for each element of [1,1,...], and three
# copies of a string): sluice's own parser keeps views into the line, so
# both parse within a ceiling the line itself fits under.
t_hostile_json_parse_ceiling() {
	local f peak
	python3 -c 'print("{\"a\":[" + ",".join(["1"] * 500000) + "]}")' >arr.jsonl
	python3 -c 'print("{\"a\":\"" + "x" * (5 << 20) + "\"}")' >str.jsonl
	for f in arr str; do
		"$MAXRSS" rss "$S" count -m 8M --mem-report=json $f.jsonl \
			>out 2>err </dev/null || { cat err; return 1; }
		eq "$f count" "$(cat out)" 1 || return 1
		peak=$(sed -n 's/.*"ceiling":[0-9]*,"peak":\([0-9]*\),.*/\1/p' err)
		echo "figure: count, $f.jsonl ($(stat -c %s $f.jsonl) B): budget peak $peak B, peak RSS $(cat rss) KiB"
		le "$f budget peak" "$peak" 8388608 || return 1
		hostile_rss "$f" "$(cat rss)" 8 || return 1
	done
	# the string comes out whole
	eq "str length" "$("$S" cat -m 16M -O csv str.jsonl | tail -n 1 | wc -c)" $(((5 << 20) + 1))
}

# The expression parser and evaluator recurse: nesting and depth are capped.
t_hostile_deep_expr() {
	local e
	printf 'a\n1\n2\n' >in.csv
	e=$(python3 -c 'print("(" * 60000 + "a" + ")" * 60000)')
	"$S" filter "$e" in.csv >out 2>err
	eq "parens exit" $? 2 || return 1
	has "parens message" "$(head -n 1 err)" "sluice filter: syntax error at column 1001: parentheses, calls and unary operators nest more than 1000 deep" || return 1
	e=$(python3 -c 'print("!" * 120000 + "a")')
	"$S" filter "$e" in.csv >out 2>err
	eq "not exit" $? 2 || return 1
	has "not message" "$(head -n 1 err)" "at column 1001: parentheses, calls and unary operators nest more than 1000 deep" || return 1
	e=$(python3 -c 'print("len(" * 20000 + "a" + ")" * 20000)')
	"$S" filter "$e" in.csv >out 2>err
	eq "calls exit" $? 2 || return 1
	has "calls message" "$(head -n 1 err)" "at column 4001: parentheses, calls and unary operators nest more than 1000 deep" || return 1
	e=$(python3 -c 'print("a" + "+1" * 60000)')
	"$S" filter "$e" in.csv >out 2>err
	eq "chain exit" $? 2 || return 1
	has "chain message" "$(head -n 1 err)" "the expression is more than 10000 operators deep" || return 1
	# within the limits
	e=$(python3 -c 'print("(" * 1000 + "a == 1" + ")" * 1000)')
	eq "1000 parens" "$("$S" filter "$e" in.csv)" "$(printf 'a\n1')" || return 1
	e=$(python3 -c 'print("a" + "+0" * 9000 + " == 2")')
	eq "9000 terms" "$("$S" filter "$e" in.csv)" "$(printf 'a\n2')" || return 1
	# put's: a chain of 30000 '.' is one concat; '?' nests as calls do;
	# 9000 '+' within the limit
	e=$(python3 -c 'print("x = a" + " . a" * 30000)')
	"$S" put "$e" in.csv >out || return 1
	eq "30000 dots" "$(sed -n 2p out | wc -c)" 30004 || return 1
	e=$(python3 -c 'print("x = " + "a ? " * 3000 + "1" + " : 0" * 3000)')
	"$S" put "$e" in.csv >out 2>err
	eq "nested ? exit" $? 2 || return 1
	has "nested ?" "$(head -n 1 err)" "nest more than 1000 deep" || return 1
	e=$(python3 -c 'print("x = a" + " + a" * 9000)')
	eq "9000 terms, put" "$("$S" put "$e" in.csv | sed -n 2p)" "1,9001"
}

# ---- nothing, or next to nothing --------------------------------------------------

t_hostile_empty_shapes() {
	local v name want got
	: >empty.csv
	printf 'a,b\n' >header.csv
	printf 'a,b' >header-nonl.csv
	printf '\r\n\r\n\r\n' >crlf.csv
	printf '\357\273\277' >bom.csv
	printf '\357\273\277a,b\r\n' >bom-header.csv
	for name in empty crlf bom header header-nonl bom-header; do
		eq "count $name" "$("$S" count $name.csv)" 0 || return 1
		eq "jsonl $name" "$("$S" cat -O jsonl $name.csv | wc -c)" 0 || return 1
		case $name in header*|bom-header) want='a,b' ;; *) want= ;; esac
		for v in "sort" "head" "tail" "uniq" "select -f 1-" "filter true" \
			 "sample -n 1" "top -n 1 -k 1"; do
			got=$("$S" $v $name.csv 2>&1) || { echo "$v $name failed: $got"; return 1; }
			eq "$v $name" "$got" "$want" || return 1
		done
		eq "tsv $name" "$("$S" cat -O tsv $name.csv)" "$(echo "$want" | tr , '\t')" || return 1
		# verbs whose output differs: exit 0 and nothing on stderr
		for v in "freq -f 1" "uniq -c" "stats" "stats -g 1" "count --partial" \
			 "join -k 1 $name.csv" "join --outer -k 1 $name.csv"; do
			"$S" $v $name.csv >/dev/null 2>err
			eq "$v $name exit" $? 0 || return 1
			eq "$v $name stderr" "$(cat err)" "" || return 1
		done
	done
	eq "crlf lines" "$("$S" count -i lines crlf.csv)" 3 || return 1
	eq "crlf jsonl" "$("$S" count -i jsonl crlf.csv)" 0 || return 1
	eq "bom lines" "$("$S" count -i lines bom.csv)" 0 || return 1
	eq "empty gzip" "$(gzip -c </dev/null | "$S" count -i lines)" 0
}

# ---- a record of 100000 fields ------------------------------------------------------

t_hostile_wide_record() {
	local n=100000 kib t0
	[ -n "$SAN" ] && n=20000
	python3 - $n <<'PY' || return 1
import json, sys
n = int(sys.argv[1])
with open("wide.csv", "w") as f:
    f.write(",".join("c%d" % i for i in range(n)) + "\n")
    f.write(",".join(str(i) for i in range(n)) + "\n")
    f.write(",".join('"v,%d"' % i for i in range(n)) + "\n")
fwd = "{" + ",".join('"k%d":%d' % (i, i) for i in range(n)) + "}\n"
rev = "{" + ",".join('"k%d":%d' % (i, i) for i in reversed(range(n))) + "}\n"
open("wide.jsonl", "w").write(fwd + rev + fwd + rev)
PY
	"$MAXRSS" rss "$S" count -m 32M wide.csv >out || return 1
	kib=$(cat rss)
	eq "count" "$(cat out)" 2 || return 1
	echo "figure: count, $n fields: peak RSS $kib KiB"
	hostile_rss "count" "$kib" 32 || return 1
	# a wide object: the names, their views and their index
	"$S" cat -O jsonl -m 32M wide.csv | "$MAXRSS" rss "$S" cat -i jsonl -O csv -m 64M |
		cmp -s - wide.csv || { echo "csv -> jsonl -> csv differs"; return 1; }
	kib=$(cat rss)
	echo "figure: jsonl -> csv, $n keys: peak RSS $kib KiB"
	hostile_rss "jsonl -> csv" "$kib" 64 || return 1
	eq "select" "$("$S" select -m 32M -f c$((n - 1)),c0 wide.csv)" \
		"$(printf 'c%d,c0\n%d,0\n"v,%d","v,0"' $((n - 1)) $((n - 1)) $((n - 1)))" || return 1
	# objects whose keys come in another order than the header's: each
	# key found by hash, not by a search through the header
	t0=$(hostile_ms)
	timeout 60 "$MAXRSS" rss "$S" count -m 64M wide.jsonl >out || return 1
	kib=$(cat rss)
	eq "reordered keys" "$(cat out)" 4 || return 1
	echo "figure: count, 4 objects of $n keys, 2 reversed: $(($(hostile_ms) - t0)) ms, peak RSS $kib KiB"
	hostile_rss "reordered keys" "$kib" 64 || return 1
	"$S" cat -O csv -m 64M wide.jsonl | tail -n 1 | cmp -s - <(seq -s, 0 $((n - 1))) ||
		{ echo "reversed object's values out of place"; return 1; }
	python3 -c 'print("{" + ",".join("\"k%d\":%d" % (i, i) for i in range(100000)) + "}")' >over.jsonl
	# 100000 names, their views and their index: more than 8M holds
	hostile_fails "jsonl over the ceiling" 3 \
		"sluice count: memory ceiling of 8.0 MiB reached" \
		"$S" count -m 8M over.jsonl </dev/null || return 1
	eq "jsonl under 16M" "$("$S" count -m 16M over.jsonl)" 1
}

run hostile_2g_line t_hostile_2g_line
run hostile_unterminated_quote t_hostile_unterminated_quote
run hostile_gzip_bomb t_hostile_gzip_bomb
run hostile_gzip_odd_members t_hostile_gzip_odd_members
run hostile_only_delimiters t_hostile_only_delimiters
run hostile_nul_bytes t_hostile_nul_bytes
run hostile_invalid_utf8 t_hostile_invalid_utf8
run hostile_deep_json t_hostile_deep_json
run hostile_json_parse_ceiling t_hostile_json_parse_ceiling
run hostile_deep_expr t_hostile_deep_expr
run hostile_empty_shapes t_hostile_empty_shapes
run hostile_wide_record t_hostile_wide_record
