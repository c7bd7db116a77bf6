# tests/cli/t_order.sh - reverse and shuffle: records in an order of their
# own, through the external sorter, under the ceiling.  Sourced by run.sh.

# reverse: Python's csv module read backwards, and tac for lines; several
# inputs as one stream; spilled under a small ceiling, the same records
t_reverse() {
	local want
	python3 - <<'PY' || return 1
import random
random.seed(3)
cells = ['x', '"two\nlines"', '"q ""x"""', '', '12.5', '"a,b"']
with open("r.csv", "w", newline="") as f:
    f.write("a,b,c\n")
    for i in range(30000):
        f.write("%d,%s,%s\n" % (i, random.choice(cells), random.choice(cells)))
PY
	"$S" reverse -O jsonl r.csv >got.jsonl || return 1
	python3 - <<'PY' || { echo "reverse: not the records backwards"; return 1; }
import csv, json, sys
with open("r.csv", newline="") as f:
    rows = list(csv.reader(f))
want = [dict(zip(rows[0], r)) for r in reversed(rows[1:])]
got = [json.loads(l, parse_int=str, parse_float=str) for l in open("got.jsonl")]
sys.exit(0 if got == want else 1)
PY
	# spilled: the same bytes as in memory
	want=$("$S" reverse r.csv | md5sum)
	eq "reverse -m 1M" "$("$S" reverse -m 1M --mem-report r.csv 2>err |
		md5sum)" "$want" || return 1
	has "reverse -m 1M spills" "$(cat err)" "sort.run" || return 1
	seq 1 50000 >n.txt
	eq "reverse -i lines" "$("$S" reverse -i lines -m 1M n.txt | md5sum)" \
		"$(tac n.txt | md5sum)" || return 1
	# two inputs: the second's last record first
	"$S" head -n 3 r.csv >h1.csv && "$S" tail -n 2 r.csv >h2.csv ||
		return 1
	eq "reverse of two inputs" \
		"$("$S" reverse -O jsonl h1.csv h2.csv | head -n 1 | cut -c1-12)" \
		"$("$S" cat -O jsonl h2.csv | tail -n 1 | cut -c1-12)" || return 1
	[ -n "$SAN" ] && return 0
	"$S" gen --size 40M --seed 2 >big.csv || return 1
	"$MAXRSS" rss "$S" reverse -m 8M big.csv >out || return 1
	eq "reverse -m 8M of 40 MB, twice" "$("$S" reverse -m 8M out | md5sum)" \
		"$(md5sum <big.csv)" || return 1
	le "reverse -m 8M: peak RSS KiB" "$(cat rss)" $(((8 + 16) * 1024)) ||
		return 1
	echo "figure: reverse -m 8M of 40 MB: peak RSS $(($(cat rss) / 1024)) MiB"
}

run reverse t_reverse

# shuffle: the same records, in an order the seed fixes; each record
# lands in each place about equally often over many seeds; spilled under
# a small ceiling, still the same records
t_shuffle() {
	local s counts
	printf 'k\n1\n2\n3\n4\n' >four.csv
	eq "same seed, same order" "$("$S" shuffle --seed 7 four.csv)" \
		"$("$S" shuffle --seed 7 four.csv)" || return 1
	for s in $(seq 1 120); do
		"$S" shuffle --seed $s four.csv | sed -n 2p
	done | sort | uniq -c >first || return 1
	counts=$(awk '{ print $1 }' first | tr '\n' ' ')
	eq "four records come first" "$(wc -l <first)" 4 || return 1
	# 30 expected each: a chi-square of 3 degrees of freedom under 16.3
	# (p 0.001); fixed seeds, so the answer never changes
	awk '{ c += ($1 - 30) ^ 2 / 30 } END { exit !(c < 16.3) }' first || {
		echo "first place counts not uniform: $counts"; return 1; }
	"$S" gen --rows 60000 --seed 5 >g.csv || return 1
	"$S" shuffle --seed 1 -m 1M --mem-report g.csv >sh.csv 2>err ||
		return 1
	has "shuffle -m 1M spills" "$(cat err)" "sort.run" || return 1
	eq "the same records" "$("$S" sort sh.csv | md5sum)" \
		"$("$S" sort g.csv | md5sum)" || return 1
	[ "$(md5sum <sh.csv)" != "$(md5sum <g.csv)" ] ||
		{ echo "shuffle kept the input's order"; return 1; }
	eq "spilled or not, one order" "$("$S" shuffle --seed 1 g.csv | md5sum)" \
		"$(md5sum <sh.csv)" || return 1
	[ "$("$S" shuffle --seed 2 g.csv | md5sum)" != "$(md5sum <sh.csv)" ] ||
		{ echo "seeds 1 and 2 gave one order"; return 1; }
	"$S" shuffle --seed x g.csv >/dev/null 2>err
	eq "bad seed: status" $? 2 || return 1
	has "bad seed" "$(cat err)" "invalid seed 'x'" || return 1
}

run shuffle t_shuffle

# top -g: the N greatest of each group, against Python (groups byte-wise,
# the key numeric greatest first, ties to the earlier record); many
# groups spilled under a small ceiling give the same records
t_top_groups() {
	"$S" gen --rows 40000 --seed 9 --cardinality 300 >t.csv || return 1
	"$S" top -g cat -k int:n -n 3 -O jsonl t.csv >got.jsonl || return 1
	python3 - <<'PY' || { echo "top -g: not Python's"; return 1; }
import csv, json, sys
from decimal import Decimal
with open("t.csv", newline="") as f:
    rows = list(csv.DictReader(f))
groups = {}
for r in rows:
    groups.setdefault(r["cat"], []).append(r)
want = []
for g in sorted(groups, key=lambda k: k.encode()):
    # stable: ties keep input order
    want += sorted(groups[g], key=lambda r: -Decimal(r["int"]))[:3]
got = [json.loads(l, parse_int=str, parse_float=str) for l in open("got.jsonl")]
sys.exit(0 if got == want else 1)
PY
	# the least, two keys, many groups: spilled, the same as in memory
	eq "top -g -m 1M" \
		"$("$S" top -g id -k float:nr,text -n 1 -m 1M --mem-report t.csv \
			2>err | md5sum)" \
		"$("$S" top -g id -k float:nr,text -n 1 t.csv | md5sum)" ||
		return 1
	has "top -g -m 1M spills" "$(cat err)" "sort.run" || return 1
	eq "one a group by id" "$("$S" top -g id -k int -n 2 t.csv | "$S" count)" \
		40000 || return 1
	eq "-n 0" "$("$S" top -g cat -k int -n 0 t.csv | "$S" count)" 0 ||
		return 1
	"$S" top -g nope -k int t.csv >/dev/null 2>err
	eq "unknown group: status" $? 2 || return 1
	has "unknown group" "$(cat err)" "nope" || return 1
}

run top_groups t_top_groups
