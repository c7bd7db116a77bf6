# tests/cli/t_fidelity.sh - nothing changed, nothing lost: every value
# through every reader and verb against Python's csv and json modules;
# sourced by run.sh, which provides $S, $SAN, $VALGRIND, $HERE and run.

# diff_fidelity.py: hand-written and random CSV, TSV, lines and JSON Lines
# (many broken on purpose) through cat, head, tail, sample, filter,
# select, sort, uniq, top, join and count, in and out of each format, and
# sort, uniq and join of JSON Lines past a 1M ceiling.  Fewer inputs and
# verbs under the sanitizers, fewer still under valgrind.
t_fidelity_differential() {
	local out args="250"
	[ -n "$SAN" ] && args="10 --light --hand-every 7 --spill 1200000"
	[ -n "$VALGRIND" ] && args="2 --light --hand-every 12 --spill 0"
	out=$(python3 "$HERE/diff_fidelity.py" "$S" . $args) || {
		echo "$out"; return 1; }
	echo "$out" | grep '^figure: '
}

run fidelity_differential t_fidelity_differential

# ---- one test per way values were lost or changed ------------------------

# Text after a closing quote is an error at that byte; it used to leave
# the quote open, so that records merged into one field and count said 2.
t_fidelity_text_after_quote() {
	local got
	printf 'a,b\n1,"x" \n2,"y"\n3,z\n' >j.csv
	"$S" count j.csv >out 2>err
	eq "count exit" $? 1 || return 1
	has "message" "$(cat err)" "sluice count: byte 0x20 (a space) after the closing quote of field 2 in 'j.csv' at record 1, line 2, byte 9" || return 1
	"$S" cat -O jsonl j.csv >out 2>err
	eq "cat exit" $? 1 || return 1
	eq "cat wrote nothing of it" "$(cat out)" "" || return 1
	got=$("$S" cat -q -O jsonl --on-error skip --rejects rej.jsonl j.csv) || return 1
	eq "skip" "$got" "$(printf '{"a":2,"b":"y"}\n{"a":3,"b":"z"}')" || return 1
	python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 1 and r[0]["record"] == 1 and r[0]["line"] == 2 and r[0]["raw"] == "1,\"x\" ", r' rej.jsonl || return 1
	eq "count skip" "$("$S" count -q --on-error skip j.csv)" 2 || return 1
	# split cuts where the reader reads: every record in one part
	"$S" gen --rows 2000 >g.csv
	{ cat g.csv; printf '9,"q" x,1,2,3,4\n'; tail -n 50 g.csv; } >gj.csv
	eq "split parts" "$(for i in 1 2 3; do "$S" split --parts 3 --part $i gj.csv |
		"$S" count -q --on-error skip; done | paste -sd+ | bc)" \
		"$("$S" count -q --on-error skip gj.csv)"
}

# A bare CR is data in CSV, TSV and lines alike; CSV used to end a record
# there, so a ragged row failed the count.
t_fidelity_bare_cr() {
	eq "csv" "$(printf 'a,b\nx\ry,2\n' | "$S" count)" 1 || return 1
	eq "tsv" "$(printf 'a\tb\nx\ry\t2\n' | "$S" count -i tsv)" 1 || return 1
	eq "lines" "$(printf 'x\ry\n' | "$S" count -i lines)" 1 || return 1
	eq "csv value" "$(printf 'a,b\nx\ry,2\n' | "$S" cat -O jsonl)" '{"a":"x\ry","b":2}' || return 1
	eq "crlf ends" "$(printf 'a,b\r\n1,"x"\r\n' | "$S" cat -O jsonl)" '{"a":1,"b":"x"}'
}

# JSON Lines in, the same types and texts out, through every verb that
# rewrites records; they used to turn "12345" into 12345, "null" into
# null and ["a"] into a string.
t_fidelity_json_types_every_verb() {
	local line v got
	line='{"zip":"12345","s":"true","z":"null","n":null,"t":["a"],"e":"","x":1.50,"b":false,"o":{"k":[1,{"y":null}]},"big":123456789012345678901234567890,"h":1e400}'
	printf '%s\n' "$line" >t.jsonl
	printf '{"zip":"x","r":"right"}\n' >r.jsonl
	for v in "cat" "head -n 5" "tail -n 5" "filter true" "sort -k zip" \
		"select -f zip,s,z,n,t,e,x,b,o,big,h" "uniq" "uniq -k zip" \
		"uniq --keep first" "top -n 3 -k zip" "sample -n 3" \
		"sort -k zip -m 1M"; do
		got=$("$S" $v t.jsonl) || return 1
		eq "$v" "$got" "$line" || return 1
	done
	# join: the key first, then the left's others, then the right's
	got=$("$S" join --left -k zip t.jsonl r.jsonl) || return 1
	eq "join --left" "$got" '{"zip":"12345","s":"true","z":"null","n":null,"t":["a"],"e":"","x":1.50,"b":false,"o":{"k":[1,{"y":null}]},"big":123456789012345678901234567890,"h":1e400,"r":null}' || return 1
	# null is empty to is_empty() and comparisons; the string "null" is not
	eq "is_empty(n)" "$("$S" filter 'is_empty(n) && !is_empty(z)' t.jsonl | "$S" count)" 1 || return 1
	# to CSV, a kind is its text: null empty, nested as compact JSON
	eq "to csv" "$("$S" cat -O csv t.jsonl | tail -n 1)" '12345,true,null,,"[""a""]",,1.50,false,"{""k"":[1,{""y"":null}]}",123456789012345678901234567890,1e400' || return 1
	# a key an object left out stays left out
	printf '{"a":1,"b":2}\n{"b":3}\n' >m.jsonl
	eq "left-out key" "$("$S" sort -k b m.jsonl | tail -n 1)" '{"b":3}'
}

# JSON is strict: a raw NUL or control byte outside a string is an
# error (a NUL after a number used to be kept); an empty object cannot
# become a CSV record, which would read back as nothing.
t_fidelity_json_strict() {
	printf '{"v": 123\0}\n' >nul.jsonl
	"$S" cat nul.jsonl >out 2>err
	eq "nul exit" $? 1 || return 1
	has "nul message" "$(cat err)" "invalid JSON: byte 0x00 where ',' or '}' should be (column 10) in 'nul.jsonl' at record 1, line 1" || return 1
	printf '{"v":1}\n{"v":\0011}\n' >ctl.jsonl
	"$S" count ctl.jsonl >out 2>err
	eq "control exit" $? 1 || return 1
	has "control message" "$(cat err)" "at record 2, line 2" || return 1
	printf '{}\n{}\n' >empty.jsonl
	"$S" cat -O csv empty.jsonl >out 2>err
	eq "{} to csv exit" $? 1 || return 1
	has "{} to csv message" "$(cat err)" "a record with no fields, which csv cannot hold" || return 1
	eq "{} to jsonl" "$("$S" cat empty.jsonl)" "$(printf '{}\n{}')"
}

# cat reads records like every other verb: it used to copy bytes when
# the formats matched, passing what the others refuse.
t_fidelity_cat_checks() {
	printf 'a,b\n1,2\n3\n' >r.csv
	"$S" cat r.csv >out 2>err
	eq "ragged exit" $? 1 || return 1
	has "ragged message" "$(cat err)" "1 field where the header has 2 in 'r.csv' at record 2, line 3" || return 1
	printf 'name,age\nann,7\n' >people.csv
	"$S" cat -i jsonl people.csv >out 2>err
	eq "csv as jsonl exit" $? 1 || return 1
	has "csv as jsonl message" "$(cat err)" "not a JSON object" || return 1
	printf 'x\ny' >a.txt
	printf 'z\n' >b.txt
	eq "lines of two files" "$("$S" cat -i lines a.txt b.txt)" "$(printf 'x\ny\nz')" || return 1
	eq "lines count" "$("$S" count -i lines a.txt b.txt)" 3
}

# --on-error pad, --out-delimiter, --quote-all.
t_fidelity_lenient_options() {
	printf 'a,b,c\n1\n2,3,,\n4,5,6\n' >p.csv
	eq "pad" "$("$S" cat --on-error pad p.csv)" "$(printf 'a,b,c\n1,,\n2,3,\n4,5,6')" || return 1
	eq "pad count" "$("$S" count --on-error pad p.csv)" 3 || return 1
	printf 'a,b\n1,2,3\n' >long.csv
	"$S" cat --on-error pad long.csv >out 2>err
	eq "pad long exit" $? 1 || return 1
	has "pad long message" "$(cat err)" "3 fields where the header has 2, and field 3 is not empty in 'long.csv' at record 1" || return 1
	printf 'a;b\n1;x,y\n' >semi.csv
	eq "out delimiter" "$("$S" cat -d ';' --out-delimiter , semi.csv)" "$(printf 'a,b\n1,"x,y"')" || return 1
	eq "quote all" "$("$S" cat -d ';' --quote-all semi.csv)" "$(printf '"a";"b"\n"1";"x,y"')" || return 1
	python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline=""), delimiter=";"))
assert rows == [["a", "b"], ["1", "x,y"]], rows' <("$S" cat -d ';' --quote-all semi.csv)
}

# Messages name the input, not '<stdout>', and --on-error skip skips a
# record that JSON output cannot carry.
t_fidelity_messages_name_input() {
	printf 'a,a\n1,2\n' >dup.csv
	"$S" cat -O jsonl dup.csv >out 2>err
	eq "dup exit" $? 1 || return 1
	has "dup message" "$(cat err)" "field name 'a' is in the header of 'dup.csv' twice" || return 1
	printf 'a,b\n1,x\377y\n2,ok\n' >u.csv
	"$S" cat -O jsonl u.csv >out 2>err
	eq "utf8 exit" $? 1 || return 1
	has "utf8 message" "$(cat err)" "field 'b' is not valid UTF-8 (byte 2 of it), which JSON output needs in 'u.csv' at record 1, line 2, byte 4" || return 1
	eq "utf8 skip" "$("$S" cat -q -O jsonl --on-error skip u.csv)" '{"a":2,"b":"ok"}' || return 1
	# only the fields written matter
	eq "utf8 not selected" "$("$S" select -f a -O jsonl u.csv)" "$(printf '{"a":1}\n{"a":2}')"
}

# RFC 8259 rule by rule (tests/cli/json_conformance.py): each case a
# value in a line {"v": ...} or a whole line, accepted or refused as the
# RFC says (and sluice's own rules: one object a line, no lone surrogate
# escape, 2048 levels), an accepted value unchanged; Python's json,
# made strict, agrees with each outcome.
t_fidelity_json_conformance() {
	local out
	out=$(python3 "$HERE/json_conformance.py" "$S" .) || { echo "$out"; return 1; }
	echo "figure: $out"
}

run fidelity_json_conformance t_fidelity_json_conformance
run fidelity_text_after_quote t_fidelity_text_after_quote
run fidelity_bare_cr t_fidelity_bare_cr
run fidelity_json_types_every_verb t_fidelity_json_types_every_verb
run fidelity_json_strict t_fidelity_json_strict
run fidelity_cat_checks t_fidelity_cat_checks
run fidelity_lenient_options t_fidelity_lenient_options
run fidelity_messages_name_input t_fidelity_messages_name_input
