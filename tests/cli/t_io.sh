# tests/cli/t_io.sh - what a path names, for outputs and inputs: files
# under /dev; compressed inputs; gzip written at every igzip level and
# read back by other tools, and damaged gzip input; sourced by run.sh,
# which provides $S, run and the assertions.

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
	for t in lz4; do
		command -v $t >/dev/null || { echo "no $t"; return 1; }
	done
	"$S" gen --rows 300 >in.csv || return 1
	lz4 -q -c in.csv >in.csv.lz4
	lz4 -q -l -c in.csv >legacy.lz4
	if command -v zip >/dev/null; then
		zip -q in.zip in.csv
	else
		printf 'PK\003\004\024\000\000\000' >in.zip
	fi
	refused lz4 lz4-compressed in.csv.lz4 || return 1
	refused "lz4 legacy" lz4-compressed legacy.lz4 || return 1
	refused zip "a zip archive" in.zip || return 1
	has "zip hint" "$(cat err)" "unzip" || return 1
	# by content, whatever the name
	cp in.csv.lz4 data.csv
	refused "lz4 named .csv" lz4-compressed data.csv || return 1
	cp in.csv.lz4 data.csv.gz
	refused "lz4 named .gz" lz4-compressed data.csv.gz || return 1
	# split copies bytes, but refuses them too
	"$S" split --parts 2 --part 1 data.csv >out 2>err
	eq "split exit" $? 1 || return 1
	has "split message" "$(cat err)" "'data.csv' is lz4-compressed" || return 1
	# the hint works
	eq "lz4 -dc | sluice" "$(lz4 -dc in.csv.lz4 | "$S" count)" \
		"$("$S" count in.csv)" || return 1
	# text that starts like a signature is text
	printf 'BZh9,PK\n1,2\n' >bzh.csv
	read_as_csv "BZh9 text" bzh.csv || return 1
	printf 'BZh91AY&SX,b\n1,2\n3,4\n' >bzh-nine.csv
	read_as_csv "nine bytes of bzip2's ten" bzh-nine.csv || return 1
	printf 'BZh91AY&SY' >bzh-only.csv   # all ten: bzip2's, cut short
	"$S" count bzh-only.csv >out 2>err
	eq "bzip2's ten bytes alone: status" $? 1 || return 1
	has "bzip2's ten bytes alone" "$(cat err)" "truncated bzip2 stream in 'bzh-only.csv'" || return 1
	printf 'PK,x\n1,2\n' >pk.csv
	read_as_csv "PK text" pk.csv || return 1
	printf 'PK' >pk2.csv
	read_as_csv "PK alone" pk2.csv || return 1
	printf '(\265/' >zstd3.csv          # three of zstd's four bytes
	eq "three bytes of zstd's magic" "$("$S" count -i lines zstd3.csv)" 1
}

run compressed_inputs_refused t_compressed_inputs_refused

# bzip2 and xz are read, recognised by content: every record as bzip2 -dc
# and xz -dc give it, several streams one after another (cat, pbzip2),
# from files and pipes, at any chunk size; damage, truncation and bytes
# after the last bzip2 stream are located errors; an xz dictionary larger
# than the budget leaves is refused by name, and the one that fits is
# charged to it (peak RSS under the ceiling).
t_compressed_inputs_read() {
	local c t want got rss
	for t in bzip2 xz; do
		command -v $t >/dev/null || { echo "no $t"; return 1; }
	done
	"$S" gen --rows 30000 --seed 8 >in.csv || return 1
	"$S" cat -O jsonl in.csv >in.jsonl || return 1
	want=$("$S" cat in.csv | md5sum)
	local cs='"bzip2 -c" "xz -c" "bzip2 -1 -c" "xz -0 --check=sha256 -c"'
	# (the sanitizer pass: two forms of four)
	[ -n "$SAN" ] && cs='"bzip2 -c" "xz -0 --check=sha256 -c"'
	eval "set -- $cs"
	for c in "$@"; do
		$c in.csv >z
		got=$("$S" cat z | md5sum)
		eq "$c: cat" "$got" "$want" || return 1
		# (7-byte chunks cost a write a chunk: one form of each is
		# enough)
		case $c in "bzip2 -c" | "xz -0 --check=sha256 -c")
			got=$("$S" cat --chunk-size 7 <z | md5sum)
			eq "$c: stdin, 7-byte chunks" "$got" "$want" || return 1
		esac
		cat z z >z2
		eq "$c: two streams" "$("$S" count --no-header z2)" 60002 || return 1
	done
	# the name after .bz2 or .xz still says the format
	xz -0 -c in.jsonl >data.json.xz
	bzip2 -c in.jsonl >data.jsonl.bz2
	eq "jsonl.bz2" "$("$S" cat -O csv data.jsonl.bz2 | md5sum)" "$want" || return 1
	eq "json.xz" "$("$S" cat -O csv data.json.xz | md5sum)" "$want" || return 1
	{ bzip2 -c in.csv; bzip2 -c </dev/null; } >empty-after.bz2
	eq "an empty stream after" "$("$S" count empty-after.bz2)" 30000 || return 1
	bzip2 -c </dev/null >empty.bz2
	eq "only an empty stream" "$("$S" count empty.bz2)" 0 || return 1
	# truncation and damage
	for t in bz2 xz; do
		[ $t = bz2 ] && bzip2 -c in.csv >z || xz -0 -c in.csv >z
		head -c 20000 z >cut
		"$S" count cut >out 2>err
		eq "$t cut: status" $? 1 || return 1
		has "$t cut" "$(cat err)" "truncated $([ $t = bz2 ] && echo bzip2 || echo xz) stream in 'cut' at compressed byte 20000" || return 1
		python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0x55
open(sys.argv[2], "wb").write(d)' z bad
		"$S" cat bad >/dev/null 2>err
		eq "$t damaged: status" $? 1 || return 1
	done
	{ bzip2 -c in.csv; echo junk; } >junk.bz2
	"$S" count junk.bz2 >out 2>err
	eq "junk status" $? 1 || return 1
	has "junk" "$(cat err)" "unexpected bytes after bzip2 stream in 'junk.bz2'" || return 1
	# split cuts bytes: a compressed file is refused, never cut
	for t in bz2 xz; do
		[ $t = bz2 ] && bzip2 -c in.csv >z || xz -0 -c in.csv >z
		"$S" split --parts 2 --part 1 z >out 2>err
		eq "split $t: status" $? 1 || return 1
		eq "split $t: output" "$(wc -c <out)" 0 || return 1
		has "split $t" "$(cat err)" "cannot split 'z': it is compressed" || return 1
	done
	# written names that promise another compression are refused
	"$S" cat in.csv -o out.csv.xz 2>err
	eq "-o .xz status" $? 2 || return 1
	has "-o .xz" "$(cat err)" "sluice compresses output as gzip or zstd only" || return 1
	[ ! -e out.csv.xz ] || { echo "out.csv.xz was written"; return 1; }
	# the budget: xz -9's 64 MiB dictionary under -m 16M, by name
	head -n 20 in.csv | xz -9 -c >nine.xz     # the header says 64 MiB
	"$S" count -m 16M nine.xz >out 2>err
	eq "xz -9 under 16M: status" $? 3 || return 1
	has "xz -9 under 16M" "$(cat err)" "'nine.xz' needs 65 MiB to decompress (its xz dictionary)" || return 1
	# xz -6 (8 MiB) and bzip2 -9 fit 16M, and RSS stays under it
	for c in "xz -6 -c" "bzip2 -9 -c"; do
		$c in.csv >z
		"$MAXRSS" rss "$S" count -m 16M z >out || return 1
		rss=$(cat rss)
		eq "$c: count" "$(cat out)" 30000 || return 1
		[ "$rss" -le $(( (16 + 16) * 1024 )) ] || { echo "$c: peak RSS $rss KiB"; return 1; }
		echo "figure: count -m 16M of $c: peak RSS $rss KiB"
	done
}

run compressed_inputs_read t_compressed_inputs_read

# zstd is read like bzip2 and xz, recognised by content: every record as
# zstd -dc gives it, at any level, window and chunk size, from files and
# pipes, frames and skippable frames one after another; truncation,
# damage and bytes after the last frame are located errors; a window
# larger than the budget leaves is refused by name, and one that fits is
# charged to it (peak RSS under the ceiling).  split refuses it whole.
t_zstd_input_read() {
	local c want rss n
	command -v zstd >/dev/null || { echo "no zstd"; return 1; }
	"$S" gen --rows 30000 --seed 8 >in.csv || return 1
	"$S" cat -O jsonl in.csv >in.jsonl || return 1
	# from a pipe zstd cannot shrink the window to the input's size
	local cs='"zstd -c" "zstd -1 -c" "zstd -19 -c" "zstd --long=27 -c"'
	cs="$cs"' "zstd --no-check -c"'
	# (the sanitizer pass: three forms of five)
	[ -n "$SAN" ] &&
		cs='"zstd -c" "zstd --long=27 -c" "zstd --no-check -c"'
	eval "set -- $cs"
	for c in "$@"; do
		$c -q <in.csv >z
		want=$(zstd -dc z | md5sum)
		eq "$c: zstd -dc" "$want" "$(md5sum <in.csv)" || return 1
		eq "$c: cat" "$("$S" cat z | md5sum)" "$want" || return 1
		# (7-byte chunks cost a write a chunk: one form is enough)
		[ "$c" != "zstd -c" ] || eq "$c: stdin, 7-byte chunks" \
			"$("$S" cat --chunk-size 7 <z | md5sum)" "$want" || return 1
		cat z z >z2
		eq "$c: two frames" "$("$S" count --no-header z2)" 60002 || return 1
	done
	# skippable frames (magics 0x184D2A53, 0x184D2A5F) before, between
	# and after; an empty frame
	{ printf '\123\052\115\030\004\000\000\000abcd'; zstd -q -c in.csv
	  printf '\137\052\115\030\000\000\000\000'; zstd -q -c </dev/null
	  zstd -q -c in.csv; printf '\120\052\115\030\001\000\000\000x'; } >skip.zst
	eq "skippable frames" "$("$S" cat skip.zst | md5sum)" \
		"$(zstd -dc skip.zst | md5sum)" || return 1
	eq "skippable frames: count" "$("$S" count --no-header skip.zst)" 60002 ||
		return 1
	# by content whatever the name; the name after .zst says the format
	zstd -q -c in.jsonl >data.jsonl.zst
	cp data.jsonl.zst data.gz
	eq "jsonl.zst" "$("$S" cat -O csv data.jsonl.zst | md5sum)" \
		"$(md5sum <in.csv)" || return 1
	eq "zstd named .gz" "$("$S" count -i jsonl data.gz)" 30000 || return 1
	# truncation and damage; the bytes before them come out
	zstd -q -c <in.csv >z
	n=$(( $(wc -c <z) / 2 ))           # past the first 128 KiB block
	head -c $n z >cut
	"$S" cat -i lines cut >out 2>err
	eq "cut: status" $? 1 || return 1
	has "cut" "$(cat err)" "truncated zstd stream in 'cut' at compressed byte $n" || return 1
	n=$(wc -c <out)
	[ "$n" -gt 0 ] || { echo "cut: nothing came out"; return 1; }
	cmp -s out <(head -c "$n" in.csv) || { echo "cut: not a prefix"; return 1; }
	python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0x55
open(sys.argv[2], "wb").write(d)' z bad
	"$S" cat bad >/dev/null 2>err
	eq "damaged: status" $? 1 || return 1
	has "damaged" "$(cat err)" "zstd stream in 'bad' at compressed byte" || return 1
	{ cat z; echo junk; } >junk.zst
	"$S" count junk.zst >out 2>err
	eq "junk: status" $? 1 || return 1
	has "junk" "$(cat err)" "unexpected bytes after zstd frame in 'junk.zst' at compressed byte $(wc -c <z)" || return 1
	# split cuts bytes: a compressed file is refused, never cut
	"$S" split --parts 2 --part 1 z >out 2>err
	eq "split: status" $? 1 || return 1
	eq "split: output" "$(wc -c <out)" 0 || return 1
	has "split" "$(cat err)" "cannot split 'z': it is compressed" || return 1
	# the budget: a 1 GiB window under -m 16M, by name, nothing read
	head -n 20 in.csv | zstd -q --long=30 -c >long30.zst
	"$S" count -m 16M long30.zst >out 2>err
	eq "--long=30 under 16M: status" $? 3 || return 1
	eq "--long=30 under 16M: output" "$(cat out)" "" || return 1
	eq "--long=30 under 16M" "$(cat err)" "sluice count: 'long30.zst' needs 1025 MiB to decompress (its zstd window), more than the memory ceiling of 16.0 MiB leaves (raise --max-memory)" ||
		return 1
	# and the same under a ceiling that holds it
	eq "--long=30 under 1100M" "$("$S" count -m 1100M long30.zst)" 19 ||
		return 1
	# zstd -19's 8 MiB window fits 16M, and RSS stays under it
	zstd -q -19 -c <in.csv >z
	"$MAXRSS" rss "$S" count -m 16M z >out || return 1
	rss=$(cat rss)
	eq "zstd -19: count" "$(cat out)" 30000 || return 1
	[ -n "$SAN" ] ||
		le "zstd -19: peak RSS KiB" "$rss" $(( (16 + 16) * 1024 )) || return 1
	echo "figure: count -m 16M of zstd -19: peak RSS $rss KiB"
}

run zstd_input_read t_zstd_input_read

# zstd output: --zstd, or an -o name ending in .zst, writes one frame that
# zstd -dc reads back as the bytes sluice would write plain, at any level;
# what is flushed before an error decodes; -z with --zstd, a gzip level
# past 9, a .gz name with --zstd are usage errors; a level whose tables
# pass the ceiling is refused by name; the compressor is charged to the
# budget (peak RSS under the ceiling).
t_zstd_output_written() {
	local c rss n
	command -v zstd >/dev/null || { echo "no zstd"; return 1; }
	"$S" gen --rows 30000 --seed 9 >in.csv || return 1
	for c in "--zstd" "--zstd --level 1" "--zstd --level 19" \
		 "--zstd --chunk-size 7"; do
		"$S" cat $c in.csv >out.zst || return 1
		zstd -q -t out.zst || { echo "$c: zstd -t failed"; return 1; }
		eq "$c" "$(zstd -dc out.zst | md5sum)" "$(md5sum <in.csv)" ||
			return 1
	done
	"$S" cat -o out.csv.zst in.csv || return 1
	eq "-o out.csv.zst" "$(zstd -dc out.csv.zst | md5sum)" "$(md5sum <in.csv)" ||
		return 1
	"$S" cat -o out.jsonl.zst --level 12 in.csv || return 1
	eq "-o out.jsonl.zst" "$(zstd -dc out.jsonl.zst | "$S" cat -i jsonl -O csv | md5sum)" \
		"$(md5sum <in.csv)" || return 1
	eq "sluice reads its own" "$("$S" count out.jsonl.zst)" 30000 || return 1
	eq "gen --zstd" "$("$S" gen --rows 100 --zstd | zstd -dc | "$S" count)" 100 ||
		return 1
	# what came before an error is flushed as whole blocks
	gzip -c in.csv | head -c 300000 >cut.gz
	"$S" cat --zstd cut.gz >out.zst 2>err
	eq "cut input: status" $? 1 || return 1
	zstd -dc out.zst >got 2>/dev/null
	n=$(wc -c <got)
	[ "$n" -gt 100000 ] || { echo "cut input: $n bytes decoded"; return 1; }
	cmp -s got <(head -c "$n" in.csv) || { echo "cut input: not a prefix"; return 1; }
	# usage errors, nothing written
	"$S" cat -z --zstd -o bad.zst in.csv 2>err
	eq "-z --zstd: status" $? 2 || return 1
	has "-z --zstd" "$(cat err)" "-z and --zstd cannot go together" || return 1
	"$S" cat -z --level 12 in.csv >/dev/null 2>err
	eq "-z --level 12: status" $? 2 || return 1
	has "-z --level 12" "$(cat err)" "--level 12 is for zstd (gzip takes 1 to 9)" || return 1
	"$S" cat --zstd --level 20 in.csv >/dev/null 2>err
	eq "--level 20: status" $? 2 || return 1
	has "--level 20" "$(cat err)" "invalid --level '20' (1 to 19)" || return 1
	"$S" cat --zstd -o bad.gz in.csv 2>err
	eq "--zstd -o .gz: status" $? 2 || return 1
	has "--zstd -o .gz" "$(cat err)" "cannot write zstd to 'bad.gz': its name says gzip" || return 1
	"$S" cat -z -o bad.zst in.csv 2>err
	eq "-z -o .zst: status" $? 2 || return 1
	eq "nothing written" "$(ls bad.* 2>/dev/null)" "" || return 1
	# the budget: level 19 does not fit 1M even with a 64 KiB window;
	# under 16M it takes a window that fits, and the stream is the same
	"$S" cat --zstd --level 19 -m 1M in.csv >out 2>err
	eq "level 19 under 1M: status" $? 3 || return 1
	has "level 19 under 1M" "$(cat err)" "to compress at zstd level 19, more than the memory ceiling of 1.0 MiB leaves (raise --max-memory or lower --level)" ||
		return 1
	"$S" cat --zstd --level 19 -j 1 -m 16M in.csv >out.zst || return 1
	eq "level 19 under 16M" "$(zstd -dc out.zst | md5sum)" "$(md5sum <in.csv)" ||
		return 1
	"$MAXRSS" rss "$S" cat --zstd -m 16M -o out.zst in.csv || return 1
	rss=$(cat rss)
	eq "level 3 under 16M" "$(zstd -dc out.zst | md5sum)" "$(md5sum <in.csv)" ||
		return 1
	[ -n "$SAN" ] ||
		le "cat --zstd -m 16M: peak RSS KiB" "$rss" $(( (16 + 16) * 1024 )) || return 1
	echo "figure: cat --zstd -m 16M: peak RSS $rss KiB"
}

run zstd_output_written t_zstd_output_written

# ---- JSON arrays --------------------------------------------------------

# One JSON array of objects is read as records, streamed (-i json, a
# .json name, or '[' first): compact, one object a line, or pretty-printed
# over many lines, it gives the records of the same objects as JSON Lines,
# and Python's json module's values; -i csv, or a name that says csv,
# keeps '[' as data.  Its structure's errors name their line and byte; a
# bad element is a bad record, which --on-error skip passes over.
t_json_array() {
	local f
	"$S" gen --rows 3000 --seed 5 -O jsonl >g.jsonl || return 1
	python3 - <<'PY' || return 1
import json
objs = [json.loads(l) for l in open("g.jsonl")]
one = lambda o: json.dumps(o, separators=(",", ":"), ensure_ascii=False)
with open("want.jsonl", "w") as f:     # Python's texts of the numbers
    f.write("".join(one(o) + "\n" for o in objs))
with open("compact.json", "w") as f:
    f.write("[" + ",".join(one(o) for o in objs) + "]")
with open("lines.json", "w") as f:
    f.write("[\n" + ",\n".join(json.dumps(o, ensure_ascii=False) for o in objs) + "\n]\n")
with open("pretty.json", "w") as f:
    f.write("\n\n  " + json.dumps(objs, indent=2, ensure_ascii=False) + "\n")
PY
	for f in compact.json lines.json pretty.json; do
		eq "$f as JSON Lines" "$("$S" cat -O jsonl $f | md5sum)" \
			"$(md5sum <want.jsonl)" || return 1
		eq "$f, -i json, stdin" "$("$S" cat -i json -O jsonl <$f | md5sum)" \
			"$(md5sum <want.jsonl)" || return 1
	done
	cp pretty.json pretty.dat
	eq "by content" "$("$S" count pretty.dat)" 3000 || return 1
	gzip -c pretty.json >pretty.json.gz
	eq "gzip" "$("$S" count pretty.json.gz)" 3000 || return 1
	"$S" cat -O csv pretty.json >p.csv || return 1
	python3 - <<'PY' || return 1
import csv, json
objs = json.load(open("pretty.json"))
rows = list(csv.reader(open("p.csv", newline="")))
assert rows[0] == list(objs[0]), "header"
for o, r in zip(objs, rows[1:]):
    for k, x in zip(rows[0], r):
        v = o[k]
        if isinstance(v, str):
            assert x == v, (k, x, v)
        elif v is None:
            assert x == "", (k, x)
        elif isinstance(v, bool):
            assert x == ("true" if v else "false"), (k, x, v)
        elif isinstance(v, (int, float)):
            assert float(x) == float(v), (k, x, v)
assert len(rows) == len(objs) + 1
PY
	printf '[]' >empty.json
	eq "[]" "$("$S" count empty.json)" 0 || return 1
	"$S" split --parts 2 --part 1 pretty.json >out 2>err
	eq "split: status" $? 2 || return 1
	has "split" "$(cat err)" "cannot split one JSON array ('pretty.json')" || return 1
	# the structure's errors: where, and what should be there
	printf '[{"a":1},\n {"a":2}\n {"a":3}]' >nocomma.json
	"$S" count nocomma.json >out 2>err
	eq "no comma: status" $? 1 || return 1
	eq "no comma" "$(cat err)" "sluice count: invalid JSON array: '{' where ',' or ']' should be, in 'nocomma.json' at line 3, byte 20" ||
		return 1
	printf '[{"a":1},\n]' | "$S" count 2>err
	has "trailing comma" "$(cat err)" "']' where an object should be, in '<stdin>' at line 2, byte 10" || return 1
	printf '[{"a":1}, 2]' | "$S" count 2>err
	has "not an object" "$(cat err)" "'2' where an object should be" || return 1
	printf '[{"a":1}]\n[{"a":2}]\n' | "$S" count 2>err
	has "two arrays" "$(cat err)" "'[' where the end should be, in '<stdin>' at line 2, byte 10" || return 1
	printf '[{"a":1},\n{"a":"x' | "$S" count 2>err
	has "not closed" "$(cat err)" "the end where the rest of an element should be" || return 1
	# a bad element: a bad record, located at its start
	printf '[{"a":1},\n  {"a":},\n{"a":3}]' >bad.json
	"$S" count bad.json 2>err
	has "bad element" "$(cat err)" "in 'bad.json' at record 2, line 2, byte 12" || return 1
	eq "bad element skipped" "$("$S" cat -q --on-error skip -O csv bad.json)" \
		"$(printf 'a\n1\n3')" || return 1
	# an element of many lines: the error's own line and column, where
	# Python's json module puts it
	printf '[{"a":1},\n  {"a":1,\n   "b": tru},\n{"a":2}]' >ml1.json
	printf '[\n {\n  "a" 1\n }\n]\n' >ml2.json
	printf '[{"a":1}, {"b":x}]' >ml3.json
	for f in ml1.json ml2.json ml3.json; do
		"$S" count $f >/dev/null 2>err
		want=$(python3 -c 'import json, sys
try:
    json.load(open(sys.argv[1]))
except ValueError as e:
    print("(line %d, column %d)" % (e.lineno, e.colno))' $f)
		[ -n "$want" ] || { echo "$f: Python read it"; return 1; }
		has "$f" "$(cat err)" "$want" || return 1
	done
	# '[' is data where CSV is asked for, by -i or by name
	printf '[a,b]\n1,2\n3,4\n' >br.txt
	eq "-i csv" "$("$S" count -i csv br.txt)" 2 || return 1
	eq "-i csv, stdin" "$("$S" count -i csv <br.txt)" 2 || return 1
	cp br.txt br.csv
	eq "br.csv" "$("$S" count br.csv)" 2 || return 1
	eq "br.csv fields" "$("$S" head -n 1 -O jsonl br.csv)" '{"[a":1,"b]":2}' ||
		return 1
	# .json holding JSON Lines is read as such
	printf '{"a":1}\n{"a":2}\n' >objs.json
	eq "objs.json" "$("$S" cat -O csv objs.json)" "$(printf 'a\n1\n2')" ||
		return 1
	# as its format says (the one its content shows), an array's
	# output is an array by default, and JSON Lines' JSON Lines
	eq "lines stay lines" "$("$S" cat objs.json)" "$(cat objs.json)" ||
		return 1
	eq "an array stays one" "$("$S" head -n 1 pretty.json | tr -d '\n')" \
		"[$(head -n 1 want.jsonl)]" || return 1
}

run json_array t_json_array

# -O json (and -o NAME.json) writes one array, an object a line: Python's
# json module reads back the same objects from every path to it (a
# conversion, a sort that spills, gzip'ed, an empty input, a verb's own
# records); a run that fails leaves no file behind.
t_json_out() {
	"$S" gen --rows 5000 --seed 8 -O jsonl >g.jsonl || return 1
	printf 'a,b\n1,x\n' >in.csv
	"$S" cat -o out.json in.csv || return 1
	eq "-o out.json" "$(cat out.json)" "$(printf '[\n{"a":1,"b":"x"}\n]')" ||
		return 1
	"$S" cat -O json g.jsonl >all.json || return 1
	"$S" sort -m 2M -k float:n -O json g.jsonl >sorted.json || return 1
	"$S" cat -O json -z g.jsonl >all.json.gz || return 1
	"$S" head -n 0 -O json g.jsonl >none.json || return 1
	"$S" cat -O json </dev/null >void.json || return 1
	"$S" freq -f cat -O json g.jsonl >freq.json || return 1
	"$S" freq -f cat -O jsonl g.jsonl >freq.jsonl || return 1
	python3 - <<'PY' || return 1
import gzip, json
from decimal import Decimal
load = lambda f: json.load(f, parse_float=Decimal)
want = [json.loads(l, parse_float=Decimal) for l in open("g.jsonl")]
assert load(open("all.json")) == want, "cat"
assert load(gzip.open("all.json.gz", "rt")) == want, "gzip"
assert load(open("sorted.json")) == sorted(want, key=lambda o: o["float"]), "sort"
assert load(open("none.json")) == [], "head -n 0"
assert load(open("void.json")) == [], "empty input"
assert load(open("freq.json")) == [json.loads(l) for l in open("freq.jsonl")], "freq"
text = open("all.json").read()
assert text.startswith("[\n{") and text.endswith("}\n]\n"), "layout"
assert text.count("\n") == len(want) + 2, "an object a line"
PY
	# sluice reads its own arrays back, through a pipe too
	eq "read back" "$("$S" cat -O jsonl all.json | md5sum)" "$(md5sum <g.jsonl)" ||
		return 1
	eq "piped" "$("$S" cat -O json g.jsonl | "$S" count)" 5000 || return 1
	# a failing run leaves nothing: no half array
	printf '{"a":1}\n{"a":2}\n{"a":\n' >bad.jsonl
	"$S" cat -o bad.json bad.jsonl 2>err
	eq "bad: status" $? 1 || return 1
	[ ! -e bad.json ] || { echo "bad.json left behind"; return 1; }
	# split copies bytes: it writes no array
	"$S" split --parts 2 --part 1 -O json g.jsonl >out 2>err
	eq "split -O json: status" $? 2 || return 1
	has "split -O json" "$(cat err)" "cannot write jsonl input as json" || return 1
}

run json_out t_json_out

# --keys union: objects whose keys change every 1000 records (json_keys.py,
# a pool of 40 names with commas, quotes, a newline, the empty name) read
# as the union of their keys in the order first seen: Python's json and
# csv modules say what the header and every record must be, for standard
# input (plain and gzip'ed: copied to --tmpdir, compressed, and read back),
# a file, a file and standard input together, at -j 1 and 2.  Errors are
# located as in one pass, a rejected record is written once, the copy
# leaves nothing behind, and the default (first) names the key it lacks.
t_json_keys_union() {
	local P="$HERE/json_keys.py" rows=20000 kib last shown=20.0K
	[ -n "$SAN" ] && rows=5000 shown=5000
	python3 "$P" gen $rows 3 >in.jsonl || return 1
	mkdir tmp
	"$S" cat --keys union --tmpdir tmp -O csv <in.jsonl >out.csv || return 1
	python3 "$P" csv in.jsonl out.csv >/dev/null || return 1
	gzip -c in.jsonl | "$S" cat --keys union --tmpdir tmp -O csv >gz.csv || return 1
	eq "gzip'ed stdin" "$(md5sum <gz.csv)" "$(md5sum <out.csv)" || return 1
	for j in 1 2; do
		"$S" cat -j $j --keys union -O csv in.jsonl >f.csv || return 1
		eq "file, -j $j" "$(md5sum <f.csv)" "$(md5sum <out.csv)" || return 1
	done
	"$S" cat --keys union --tmpdir tmp <in.jsonl >out.jsonl || return 1
	python3 "$P" jsonl in.jsonl out.jsonl >/dev/null || return 1
	"$S" sort -k id:nr --keys union --tmpdir tmp -O json -m 4M <in.jsonl >out.json ||
		return 1
	"$S" sort -k id:n --keys union -O jsonl out.json >back.jsonl || return 1
	python3 "$P" jsonl in.jsonl back.jsonl any >/dev/null || return 1
	# two inputs: the union of both, in the order read
	python3 "$P" gen 3000 9 200 >two.jsonl || return 1
	"$S" cat --keys union --tmpdir tmp -O csv two.jsonl - <in.jsonl >both.csv ||
		return 1
	cat two.jsonl in.jsonl >both.jsonl
	python3 "$P" csv both.jsonl both.csv >/dev/null || return 1
	[ -z "$(ls tmp)" ] || { echo "left in tmp: $(ls tmp)"; return 1; }
	# --progress counts each record and byte once, not once a pass
	"$S" cat --keys union --progress=always -O csv in.jsonl 2>err >/dev/null ||
		return 1
	last=$(tr '\r' '\n' <err | grep records | tail -n 1)
	has "progress" "$last" "(100%)  $shown records" || return 1
	# the default: the first object's keys, and a located error
	"$S" cat -O csv in.jsonl >/dev/null 2>err
	eq "first: status" $? 1 || return 1
	has "first" "$(cat err)" "is not in the header (the first object's keys; --keys union takes every object's) in 'in.jsonl' at record 1001, line 1001" ||
		return 1
	"$S" cat --keys first -O csv in.jsonl >/dev/null 2>err
	eq "--keys first: status" $? 1 || return 1
	# a bad line: the same message as one pass gives; skipped, rejected
	# once
	"$S" gen --rows 3000 -O jsonl >same.jsonl || return 1
	{ head -n 1500 same.jsonl; echo '{"id":0,"x":}'; tail -n +1501 same.jsonl; } >bad1.jsonl
	{ head -n 1500 in.jsonl; echo '{"id":0,"x":}'; tail -n +1501 in.jsonl; } >bad.jsonl
	"$S" cat -O csv <bad1.jsonl >/dev/null 2>err1
	"$S" cat --keys union -O csv <bad1.jsonl >/dev/null 2>err2
	eq "bad: status" $? 1 || return 1
	has "bad line" "$(cat err2)" "at record 1501, line 1501, byte" || return 1
	eq "bad: located as in one pass" "$(cat err2)" "$(cat err1)" || return 1
	"$S" cat -q --keys union --on-error skip --rejects rej.jsonl -O csv <bad.jsonl >skip.csv ||
		return 1
	eq "rejected once" "$(wc -l <rej.jsonl)" 1 || return 1
	python3 "$P" csv in.jsonl skip.csv >/dev/null || return 1
	# not JSON; a --tmpdir that is not there; an empty input
	printf 'a,b\n1,2\n' | "$S" cat --keys union 2>err
	eq "csv: status" $? 2 || return 1
	has "csv" "$(cat err)" "--keys union is for JSON input; '<stdin>' is csv" || return 1
	"$S" cat --keys union --tmpdir nowhere <in.jsonl >/dev/null 2>err
	eq "no tmpdir: status" $? 3 || return 1
	has "no tmpdir" "$(cat err)" "cannot create a spill file in 'nowhere'" || return 1
	eq "empty" "$("$S" cat --keys union -O json </dev/null)" "[]" || return 1
	"$S" cat --keys some in.jsonl 2>err
	eq "--keys some: status" $? 2 || return 1
	# bounded: 15 copies of in.jsonl (27 MB) through standard input
	# under -m 8M: out.csv's header, then its records 15 times
	[ -n "$SAN" ] && return 0
	for j in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do cat in.jsonl; done |
		"$MAXRSS" rss "$S" cat --keys union --tmpdir tmp -O csv -m 8M >big.csv ||
		return 1
	{ head -n 2 out.csv; for j in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		tail -n +3 out.csv; done; } >want.csv
	eq "15 copies" "$(md5sum <big.csv)" "$(md5sum <want.csv)" || return 1
	kib=$(cat rss)
	echo "figure: --keys union, $((15 * rows)) objects on stdin, -m 8M: peak RSS $kib KiB"
	le "peak RSS KiB" "$kib" 8192
}

run json_keys_union t_json_keys_union

# count cuts JSON Lines in parts on threads: each part's first object
# names its fields, and every object counts whatever its keys, so the
# count is Python's at every -j; a bad line is the one-thread message; one
# array (and a .json file of lines) is counted right.
t_count_jsonl_in_parts() {
	local j want
	python3 "$HERE/json_keys.py" gen 60000 5 300 >k.jsonl || return 1
	want=$(python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)))' k.jsonl)
	for j in 1 2 3 8; do
		eq "-j $j" "$("$S" count -j $j k.jsonl)" "$want" || return 1
	done
	cp k.jsonl k.json
	eq ".json of lines" "$("$S" count -j 2 k.json)" "$want" || return 1
	"$S" cat -O json k.jsonl --keys union >arr.json || return 1
	eq "one array" "$("$S" count -j 2 arr.json)" "$want" || return 1
	{ head -n 50000 k.jsonl; echo '{"id":1,"x":tru}'; tail -n +50001 k.jsonl; } >bad.jsonl
	"$S" count -j 1 bad.jsonl 2>err1
	eq "bad: status" $? 1 || return 1
	"$S" count -j 2 bad.jsonl 2>err2
	eq "bad, -j 2" "$(cat err2)" "$(cat err1)" || return 1
	has "bad" "$(cat err1)" "at record 50001, line 50001" || return 1
	eq "skipped" "$("$S" count -q -j 2 --on-error skip bad.jsonl)" "$want" || return 1
}

run count_jsonl_in_parts t_count_jsonl_in_parts

# A big array streams: its records under -m 8M (the elements are small,
# the array is not), peak RSS within the ceiling and 16 MiB.
t_json_array_under_8m() {
	local rows=400000 kib
	[ -n "$SAN" ] && rows=20000
	"$S" gen --rows $rows --seed 6 -O jsonl |
		awk 'BEGIN { print "[" } NR > 1 { print "," } { print } END { print "]" }' |
		"$MAXRSS" rss "$S" count -i json -m 8M >out || return 1
	eq "records" "$(cat out)" $rows || return 1
	kib=$(cat rss)
	echo "figure: an array of $rows objects, -m 8M: peak RSS $kib KiB"
	[ -n "$SAN" ] || le "peak RSS KiB" "$kib" 24576
}

run json_array_under_8m t_json_array_under_8m

# ---- gzip, through igzip (ISA-L) or zlib ----------------------------------

# Written at levels 1, 2 and 3 (igzip's in a build with ISA-L) and 6
# (zlib's), the output is read back whole by gzip, zcat, pigz, python's
# gzip module and sluice; a run that fails midway leaves on standard output
# a sync-flushed prefix that python's zlib inflates.
t_gzip_levels_read_back() {
	local L want
	"$S" gen --rows 8000 --seed 3 >in.csv || return 1
	"$S" cat in.csv >want.csv || return 1
	want=$(md5sum <want.csv)
	{ cat in.csv; printf '1,2,3,4,cat1,"no end\n'; } >bad.csv
	for L in 1 2 3 6; do
		"$S" cat -z --level $L in.csv >l.gz || return 1
		gzip -t l.gz || { echo "level $L: gzip -t failed"; return 1; }
		eq "level $L: zcat" "$(zcat l.gz | md5sum)" "$want" || return 1
		eq "level $L: pigz" "$(pigz -dc l.gz | md5sum)" "$want" || return 1
		eq "level $L: sluice" "$("$S" cat l.gz | md5sum)" "$want" ||
			return 1
		"$S" cat -o o.csv.gz --level $L --chunk-size 1K in.csv || return 1
		eq "level $L: -o, 1K chunks" "$(gzip -dc o.csv.gz | md5sum)" \
			"$want" || return 1
		"$S" cat -z --level $L bad.csv >part.gz 2>err
		eq "level $L: failed run's status" $? 1 || return 1
		python3 -c 'import gzip, sys, zlib
want = open("want.csv", "rb").read()
if gzip.open("l.gz").read() != want:
    sys.exit("python reads other bytes")
part = zlib.decompressobj(31).decompress(open("part.gz", "rb").read())
if not part or not want.startswith(part):
    sys.exit("the failed run flushed %d bytes, not a prefix" % len(part))' ||
			{ echo "level $L: python"; return 1; }
	done
}

run gzip_levels_read_back t_gzip_levels_read_back

# Damage in gzip input is a located error, the same from either inflater:
# CRC-32 and ISIZE each checked, in the first member and in a later one,
# a bad block type, a cut, bytes after the last member; at any chunk size.
t_gzip_damage_located() {
	local c n
	seq 1 20000 | gzip -n -c >x.gz          # a 10-byte header
	n=$(stat -c %s x.gz)
	python3 - x.gz <<'PY' || return 1
import sys
d = open(sys.argv[1], "rb").read()
def put(name, b):
    open(name, "wb").write(bytes(b))
b = bytearray(d); b[-8] ^= 1; put("crc.gz", b)
put("crc2.gz", d + b)
b = bytearray(d); b[-1] ^= 1; put("len.gz", b)
b = bytearray(d); b[10] |= 6; put("block.gz", b)
put("cut.gz", d[:len(d) // 2])
put("stray.gz", d + d + b"junk")
put("two.gz", d + d)
PY
	for c in 1 7 64K; do
		eq "two members" "$("$S" count -i lines --chunk-size $c two.gz)" \
			40000 || return 1
		damaged $c crc.gz "corrupt gzip stream in 'crc.gz' at compressed byte $((n - 4)): incorrect data check" || return 1
		damaged $c len.gz "corrupt gzip stream in 'len.gz' at compressed byte $n: incorrect length check" || return 1
		damaged $c crc2.gz "corrupt gzip stream in 'crc2.gz' at compressed byte $((2 * n - 4)): incorrect data check" || return 1
		damaged $c block.gz "corrupt gzip stream in 'block.gz' at compressed byte 11: invalid block" || return 1
		damaged $c cut.gz "truncated gzip stream in 'cut.gz' at compressed byte $((n / 2))" || return 1
		damaged $c stray.gz "unexpected bytes after gzip member in 'stray.gz' at compressed byte $((2 * n))" || return 1
	done
}

# damaged CHUNK FILE MESSAGE: count fails with status 1 and MESSAGE
damaged() {
	"$S" count -i lines --chunk-size "$1" "$2" >/dev/null 2>err
	eq "$2, chunk $1: status" $? 1 || return 1
	has "$2, chunk $1" "$(cat err)" "sluice count: $3"
}

run gzip_damage_located t_gzip_damage_located
