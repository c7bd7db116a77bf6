# tests/cli/t_io.sh - what a path names, for outputs and inputs: files
# under /dev; sourced by run.sh, which provides $S, run and the
# assertions.

# A regular file under /dev (here /dev/shm, a tmpfs) is a file like any
# other: made when new, replaced whole when old, through a temporary
# file; devices there are still written as they are.
t_output_dev_shm() {
	local f=/dev/shm/sluice-test-$$.csv rc
	[ -d /dev/shm ] && [ -w /dev/shm ] ||
		{ echo "figure: no writable /dev/shm, skipped"; return 0; }
	printf 'a,b\n1,2\n3,4\n' >in.csv
	rm -f "$f"
	"$S" cat -o "$f" in.csv 2>err
	rc=$?
	eq "new file: status" $rc 0 || { cat err; rm -f "$f"; return 1; }
	cmp -s "$f" in.csv || { echo "new file: other bytes"; rm -f "$f"; return 1; }
	seq 1 1000 >"$f"
	"$S" cat -o "$f" in.csv 2>err
	rc=$?
	eq "old longer file: status" $rc 0 || { cat err; rm -f "$f"; return 1; }
	cmp -s "$f" in.csv ||
		{ echo "old longer file: got $(wc -c <"$f") bytes, want 12"
		  rm -f "$f"; return 1; }
	rm -f "$f"
	eq "temporary files left in /dev/shm" \
		"$(ls -A /dev/shm | grep -c "sluice-test-$$")" 0 || return 1
	eq "/dev/null" "$(seq 1 3 | "$S" cat -i lines -o /dev/null)" "" ||
		return 1
	[ -c /dev/null ] || { echo "/dev/null is no longer a device"; return 1; }
	eq "/dev/stdout" "$(seq 1 3 | "$S" cat -i lines -o /dev/stdout)" \
		"$(seq 1 3)"
}

run output_dev_shm t_output_dev_shm

# ---- compressed formats sluice cannot read ------------------------------

# refused NAME FORMAT FILE: count, head and cat of FILE (and of it on
# standard input) fail with status 1, print nothing and say what it is
# and how to read it
refused() {
	local name=$1 fmt=$2 file=$3 v rc out
	for v in count head cat; do
		out=$("$S" "$v" "$file" 2>err)
		rc=$?
		eq "$name: $v status" $rc 1 || return 1
		eq "$name: $v output" "$out" "" || return 1
		has "$name: $v message" "$(cat err)" \
			"sluice $v: '$file' is $fmt" || return 1
		has "$name: $v message" "$(cat err)" "'$file' | sluice ..." ||
			return 1
	done
	# the signature is read whole even a byte at a time
	"$S" count --chunk-size 1 "$file" >/dev/null 2>err
	eq "$name: count --chunk-size 1 status" $? 1 || return 1
	out=$("$S" count <"$file" 2>err)
	eq "$name: count <stdin status" $? 1 || return 1
	has "$name: count <stdin message" "$(cat err)" "'<stdin>' is $fmt"
}

# read_as_csv NAME FILE: FILE is read, as many records as python3's csv
# module finds after the header
read_as_csv() {
	local got want
	got=$("$S" count "$2" 2>err) || { echo "$1: refused: $(cat err)"; return 1; }
	want=$(python3 -c 'import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="")) if r]
print(max(len(rows) - 1, 0))' "$2")
	eq "$1: count" "$got" "$want"
}

t_compressed_inputs_refused() {
	local t
	for t in bzip2 xz zstd lz4; do
		command -v $t >/dev/null || { echo "no $t"; return 1; }
	done
	"$S" gen --rows 300 >in.csv || return 1
	bzip2 -c in.csv >in.csv.bz2
	bzip2 -c </dev/null >empty.bz2       # only the end-of-stream magic
	xz -c in.csv >in.csv.xz
	zstd -q -c in.csv >in.csv.zst
	lz4 -q -c in.csv >in.csv.lz4
	lz4 -q -l -c in.csv >legacy.lz4
	# a zstd skippable frame (magic 0x184D2A53, 4 bytes) before the data
	{ printf '\123\052\115\030\004\000\000\000abcd'; cat in.csv.zst; } >skip.zst
	if command -v zip >/dev/null; then
		zip -q in.zip in.csv
	else
		printf 'PK\003\004\024\000\000\000' >in.zip
	fi
	refused bzip2 bzip2-compressed in.csv.bz2 || return 1
	refused "empty bzip2" bzip2-compressed empty.bz2 || return 1
	refused xz xz-compressed in.csv.xz || return 1
	refused zstd zstd-compressed in.csv.zst || return 1
	refused "zstd skippable frame" zstd-compressed skip.zst || return 1
	refused lz4 lz4-compressed in.csv.lz4 || return 1
	refused "lz4 legacy" lz4-compressed legacy.lz4 || return 1
	refused zip "a zip archive" in.zip || return 1
	has "zip hint" "$(cat err)" "unzip" || return 1
	# by content, whatever the name
	cp in.csv.zst data.csv
	refused "zstd named .csv" zstd-compressed data.csv || return 1
	cp in.csv.xz data.csv.gz
	refused "xz named .gz" xz-compressed data.csv.gz || return 1
	# split copies bytes, but refuses them too
	"$S" split --parts 2 --part 1 data.csv >out 2>err
	eq "split exit" $? 1 || return 1
	has "split message" "$(cat err)" "'data.csv' is zstd-compressed" || return 1
	# the hint works
	eq "zstd -dc | sluice" "$(zstd -dc in.csv.zst | "$S" count)" \
		"$("$S" count in.csv)" || return 1
	# text that starts like a signature is text
	printf 'BZh9,PK\n1,2\n' >bzh.csv
	read_as_csv "BZh9 text" bzh.csv || return 1
	printf 'BZh91AY&SX,b\n1,2\n3,4\n' >bzh-nine.csv
	read_as_csv "nine bytes of bzip2's ten" bzh-nine.csv || return 1
	printf 'BZh91AY&SY' >bzh-only.csv   # all ten: bzip2's, cut short
	refused "bzip2's ten bytes alone" bzip2-compressed bzh-only.csv ||
		return 1
	printf 'PK,x\n1,2\n' >pk.csv
	read_as_csv "PK text" pk.csv || return 1
	printf 'PK' >pk2.csv
	read_as_csv "PK alone" pk2.csv || return 1
	printf '(\265/' >zstd3.csv          # three of zstd's four bytes
	eq "three bytes of zstd's magic" "$("$S" count -i lines zstd3.csv)" 1
}

run compressed_inputs_refused t_compressed_inputs_refused

# ---- JSON arrays --------------------------------------------------------

# A JSON array is not JSON Lines: when the content or a .json name picks
# the format it is refused with a hint that works; -i csv, or a name
# that says csv, keeps '[' as data.  A .json name means JSON Lines.
t_json_array_refused() {
	local v want rc
	printf '[{"a":1,"b":"x"},\n {"a":2,"b":"y"}]\n' >arr.json
	# (cat with nothing to convert copies bytes, unread: not here)
	for v in count head "cat -O csv"; do
		"$S" $v arr.json >out 2>err
		rc=$?
		eq "$v arr.json: status" $rc 1 || return 1
		eq "$v arr.json: output" "$(cat out)" "" || return 1
		eq "$v arr.json: message" "$(cat err)" "sluice ${v%% *}: 'arr.json' is a JSON array, not JSON Lines (one object per line): convert it with jq -c '.[]' 'arr.json'" ||
			return 1
	done
	# by content: blank lines and spaces first, any name, standard input
	{ printf '\n\r\n  \t'; cat arr.json; } >arr.dat
	"$S" count arr.dat 2>err; eq "arr.dat: status" $? 1 || return 1
	has "arr.dat" "$(cat err)" "'arr.dat' is a JSON array" || return 1
	"$S" count <arr.json 2>err; eq "stdin: status" $? 1 || return 1
	eq "stdin: message" "$(cat err)" "sluice count: '<stdin>' is a JSON array, not JSON Lines (one object per line): convert it with jq -c '.[]'" ||
		return 1
	gzip -c arr.json >arr.json.gz
	"$S" count arr.json.gz 2>err; eq "arr.json.gz: status" $? 1 || return 1
	has "arr.json.gz" "$(cat err)" "convert it with gzip -dc 'arr.json.gz' | jq -c '.[]'" ||
		return 1
	if command -v jq >/dev/null; then
		eq "the hint" "$(jq -c '.[]' arr.json | "$S" cat -O csv)" \
			"$(printf 'a,b\n1,x\n2,y')" || return 1
		eq "the gzip hint" "$(gzip -dc arr.json.gz | jq -c '.[]' |
			"$S" count)" 2 || return 1
	fi
	# '[' is data where CSV is asked for, by -i or by name
	printf '[a,b]\n1,2\n3,4\n' >br.txt
	eq "-i csv" "$("$S" count -i csv br.txt)" 2 || return 1
	eq "-i csv, stdin" "$("$S" count -i csv <br.txt)" 2 || return 1
	cp br.txt br.csv
	eq "br.csv" "$("$S" count br.csv)" 2 || return 1
	eq "br.csv fields" "$("$S" head -n 1 -O jsonl br.csv)" '{"[a":1,"b]":2}' ||
		return 1
	# .json means JSON Lines, for input and output
	printf '{"a":1}\n{"a":2}\n' >objs.json
	eq "objs.json" "$("$S" cat -O csv objs.json)" "$(printf 'a\n1\n2')" ||
		return 1
	printf 'a,b\n1,x\n' >in.csv
	"$S" cat -o out.json in.csv || return 1
	eq "-o out.json" "$(cat out.json)" '{"a":1,"b":"x"}' || return 1
	"$S" cat -o out.json.gz in.csv || return 1
	eq "-o out.json.gz" "$(gzip -dc out.json.gz)" '{"a":1,"b":"x"}'
}

run json_array_refused t_json_array_refused
