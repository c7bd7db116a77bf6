# tests/cli/t_lists.sh - list options (-f, -x, -k, -g, -a, --columns):
# repeats and commas alike, each against python3; sourced by run.sh.

# same WHAT FILE1 FILE2: the two outputs are byte for byte the same
same() {
	cmp -s "$2" "$3" && return 0
	echo "$1: $2 and $3 differ"
	diff "$2" "$3" | head -n 5
	return 1
}

t_lists_select() {
	mk_csv in.csv 5
	"$S" select -f note -f 1,amount:total in.csv >a.csv || return 1
	"$S" select -f note,1,amount:total in.csv >b.csv || return 1
	same "-f repeated" a.csv b.csv || return 1
	"$S" select -f 3-4 -f 1 -f name:who in.csv >c.csv || return 1
	"$S" select -x name -x 4 in.csv >x.csv || return 1
	"$S" select -x name,4 in.csv >y.csv || return 1
	same "-x repeated" x.csv y.csv || return 1
	python3 - in.csv a.csv c.csv x.csv <<'PY'
import csv, sys
rows = lambda f: list(csv.reader(open(f, newline="")))
src = rows(sys.argv[1])
body = src[1:]
want = [["note", "id", "total"]] + [[r[2], r[0], r[3]] for r in body]
assert rows(sys.argv[2]) == want, "-f note -f 1,amount:total"
want = [["note", "amount", "id", "who"]] + [[r[2], r[3], r[0], r[1]] for r in body]
assert rows(sys.argv[3]) == want, "-f 3-4 -f 1 -f name:who"
want = [[r[0], r[2]] for r in src]
assert rows(sys.argv[4]) == want, "-x name -x 4"
PY
}

t_lists_freq() {
	"$S" gen --rows 5000 --seed 5 --columns id:id,cat:cat,d:date \
		--cardinality 7 >in.csv || return 1
	"$S" freq -f cat -f 3 in.csv >a.csv || return 1
	"$S" freq -f cat,3 in.csv >b.csv || return 1
	same "-f repeated" a.csv b.csv || return 1
	python3 - in.csv a.csv <<'PY'
import collections, csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
n = collections.Counter((r[1], r[2]) for r in rows[1:])
want = [["cat", "d", "count"]] + [[k[0], k[1], str(c)] for k, c in
	sorted(n.items(), key=lambda kc: (-kc[1], kc[0][0].encode(), kc[0][1].encode()))]
got = list(csv.reader(open(sys.argv[2], newline="")))
assert got == want, (got[:4], want[:4])
PY
}

t_lists_stats() {
	"$S" gen --rows 5000 --seed 6 --columns id:id,int:int,cat:cat,c2:cat \
		--cardinality 4 >in.csv || return 1
	"$S" stats -g cat -g c2 -f int -f id -a count -a sum,max,min in.csv \
		>a.csv || return 1
	"$S" stats -g cat,c2 -f int,id -a count,sum,max,min in.csv >b.csv ||
		return 1
	same "-g, -f, -a repeated" a.csv b.csv || return 1
	# -f alone and -a alone repeated, the others as one list
	"$S" stats -f int -f id -a count,sum in.csv >c.csv || return 1
	"$S" stats -f int,id -a count -a sum in.csv >d.csv || return 1
	same "-f and -a repeated" c.csv d.csv || return 1
	python3 - in.csv a.csv c.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
got = lambda f: list(csv.reader(open(f, newline="")))
def summary(vals):
    nums = [int(v) for v in vals]
    return [str(len(vals)), str(sum(nums)), vals[nums.index(max(nums))],
            vals[nums.index(min(nums))]]
groups = {}
for r in body:
    groups.setdefault((r[2], r[3]), []).append(r)
want = [["cat", "c2"] + ["%s_%s" % (f, a) for f in ("int", "id")
                         for a in ("count", "sum", "max", "min")]]
for k in sorted(groups, key=lambda k: (k[0].encode(), k[1].encode())):
    g = groups[k]
    want.append(list(k) + summary([r[1] for r in g]) + summary([r[0] for r in g]))
assert got(sys.argv[2]) == want, (got(sys.argv[2])[:3], want[:3])
want = [["field", "count", "sum"]]
for i, f in ((1, "int"), (0, "id")):
    want.append([f] + summary([r[i] for r in body])[:2])
assert got(sys.argv[3]) == want, (got(sys.argv[3]), want)
PY
}

# keys with flags: commas still separate keys, -k a:n,b is two
t_lists_sort() {
	"$S" gen --rows 5000 --seed 7 --columns id:id,int:int,cat:cat \
		--cardinality 9 >in.csv || return 1
	"$S" sort -k cat -k int:nr in.csv >a.csv || return 1
	"$S" sort -k cat,int:nr in.csv >b.csv || return 1
	same "-k repeated" a.csv b.csv || return 1
	"$S" sort -k int:n,cat -k 1:r in.csv >c.csv || return 1
	python3 - in.csv a.csv c.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
got = lambda f: list(csv.reader(open(f, newline="")))
# stable sorts, least significant key first
a = sorted(body, key=lambda r: -int(r[1]))
a = sorted(a, key=lambda r: r[2].encode())
assert got(sys.argv[2]) == [head] + a, "sort -k cat,int:nr"
c = sorted(body, key=lambda r: r[0].encode(), reverse=True)
c = sorted(c, key=lambda r: r[2].encode())
c = sorted(c, key=lambda r: int(r[1]))
assert got(sys.argv[3]) == [head] + c, "sort -k int:n,cat -k 1:r"
PY
}

t_lists_uniq() {
	"$S" gen --rows 5000 --seed 8 --columns id:id,cat:cat,c2:cat \
		--cardinality 6 >in.csv || return 1
	"$S" uniq -c -k cat -k c2 in.csv >a.csv || return 1
	"$S" uniq -c -k cat,c2 in.csv >b.csv || return 1
	same "-k repeated" a.csv b.csv || return 1
	python3 - in.csv a.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
first, count = {}, {}
for r in body:
    k = (r[1], r[2])
    count[k] = count.get(k, 0) + 1
    first.setdefault(k, r)
want = [head + ["count"]] + [first[k] + [str(count[k])] for k in
	sorted(first, key=lambda k: (k[0].encode(), k[1].encode()))]
got = list(csv.reader(open(sys.argv[2], newline="")))
assert got == want, (got[:3], want[:3])
PY
}

t_lists_top() {
	"$S" gen --rows 5000 --seed 9 --columns id:id,int:int,cat:cat \
		--cardinality 5 >in.csv || return 1
	"$S" top -n 30 -k cat:r -k int:n in.csv >a.csv || return 1
	"$S" top -n 30 -k cat:r,int:n in.csv >b.csv || return 1
	same "-k repeated" a.csv b.csv || return 1
	python3 - in.csv a.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
# greatest first, ties to the earlier record
b = sorted(body, key=lambda r: -int(r[1]))
b = sorted(b, key=lambda r: r[2].encode())[:30]
got = list(csv.reader(open(sys.argv[2], newline="")))
assert got == [head] + b, (got[:3], b[:3])
PY
}

t_lists_gen_columns() {
	"$S" gen --rows 300 --seed 2 --columns a:int --columns b:cat,c:id \
		>a.csv || return 1
	"$S" gen --rows 300 --seed 2 --columns a:int,b:cat,c:id >b.csv ||
		return 1
	same "--columns repeated" a.csv b.csv || return 1
	python3 - a.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["a", "b", "c"], rows[0]
assert [r[2] for r in rows[1:]] == [str(i) for i in range(1, 301)]
assert all(r[1].startswith("cat") for r in rows[1:])
PY
	"$S" gen --rows 1 --columns a:int --columns a:cat 2>err
	eq "a name twice across --columns" $? 2 || return 1
	has message "$(cat err)" "column name 'a' appears twice"
}

# an empty item of any list is a usage error that names the option
t_lists_empty_items() {
	local v bad rc
	printf 'a,b,c\n1,2,3\n' >in.csv
	for v in "select -f" "select -x" "freq -f" "stats -g" "stats -f" \
		 "stats -a" "sort -k" "uniq -k" "top -k" "join -k" \
		 "gen --rows 1 --columns"; do
		for bad in "a,,b" "" "a," ",b"; do
			case $v in
			"stats -a") bad=${bad//a/count}; bad=${bad//b/sum} ;;
			gen*) bad=${bad//a/a:int}; bad=${bad//b/b:int} ;;
			esac
			case $v in
			join*) "$S" $v "$bad" in.csv in.csv >out 2>err ;;
			gen*) "$S" $v "$bad" >out 2>err ;;
			*) "$S" $v "$bad" in.csv >out 2>err ;;
			esac
			rc=$?
			eq "$v '$bad' exit" $rc 2 || return 1
			has "$v '$bad'" "$(cat err)" "empty item in ${v##* } '$bad'" ||
				return 1
			eq "$v '$bad' output" "$(cat out)" "" || return 1
		done
	done
}

run lists_select t_lists_select
run lists_freq t_lists_freq
run lists_stats t_lists_stats
run lists_sort t_lists_sort
run lists_uniq t_lists_uniq
run lists_top t_lists_top
run lists_gen_columns t_lists_gen_columns
run lists_empty_items t_lists_empty_items

# join on several keys, one named differently on each side (-k a=A,b),
# against python3: duplicate keys on both sides, empty key values, keys
# equal on one field and not the other, and a right field named as a
# left one (renamed right.NAME)
mk_join_inputs() {
	python3 - <<'PY'
import csv, random
rng = random.Random(11)
def val(n, pre):
    v = rng.randrange(n)
    return "" if v == 0 else pre + ("%d" % v) + ("," if v % 7 == 0 else "")
def text():
    return rng.choice(["plain", 'q "x"', "two\nlines", ""]) + "t" * rng.randrange(150)
with open("l.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["lid", "a", "b", "x"])
    for i in range(8000):
        w.writerow([i, val(40, "a"), val(25, "b"), text()])
with open("r.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["b", "y", "A", "x", "a"])
    for i in range(6000):
        # A reaches past a's values: keys of the right side only
        w.writerow([val(25, "b"), i, val(48, "a"), text(), "r%d" % i])
PY
}

# join_oracle LEFT RIGHT GOT MODE LKEYS RKEYS [ORDER]: tests/cli/
# join_oracle.py, ORDER stream by default
join_oracle() {
	python3 "$HERE/join_oracle.py" "$1" "$2" "$3" "$4" "$5" "$6" \
		"${7:-stream}"
}

t_join_keys_vs_python() {
	local m mode n
	mk_join_inputs || return 1
	# in memory, in the larger input's order; by sorting, in key order;
	# sorted inputs merged, in key order; three times the left rows
	# under -m 2M (sorted: too little room for partitions), the same
	python3 -c 'import csv
for a, b in (("l.csv", "l3.csv"),):
    rows = list(csv.reader(open(a, newline="")))
    csv.writer(open(b, "w", newline=""), lineterminator="\n").writerows(
        rows + rows[1:] + rows[1:])' || return 1
	"$S" sort -k A,b r.csv >rs.csv || return 1
	"$S" sort -k a,b l.csv >ls.csv || return 1
	for mode in "" --left --outer; do
		"$S" join -k a=A,b $mode l.csv r.csv >j.csv || return 1
		n=$(join_oracle l.csv r.csv j.csv "$mode" a,b A,b) ||
			{ echo "-k a=A,b $mode"; return 1; }
		"$S" join -k a=A -k b --key-order $mode l.csv r.csv >k.csv ||
			return 1
		join_oracle l.csv r.csv k.csv "$mode" a,b A,b key >/dev/null ||
			{ echo "-k a=A,b $mode --key-order"; return 1; }
		"$S" join -k a=A,b --sorted $mode ls.csv rs.csv >s.csv ||
			return 1
		join_oracle ls.csv rs.csv s.csv "$mode" a,b A,b key \
			>/dev/null || { echo "-k a=A,b $mode --sorted"; return 1; }
		echo "figure: join -k a=A,b${mode:+ $mode}: $n records, 3 ways"
		# as a set, the outer join holds the others' records
		[ "$mode" = --outer ] || continue
		"$S" join -m 2M -k a=A,b $mode l3.csv r.csv \
			--mem-report=json >g.csv 2>rep || { cat rep; return 1; }
		grep -q '"spill_runs":[1-9]' rep ||
			{ echo "-m 2M $mode: no spill"; return 1; }
		join_oracle l3.csv r.csv g.csv "$mode" a,b A,b set >/dev/null ||
			{ echo "-m 2M $mode"; return 1; }
		echo "figure: join --outer of 3 times the left rows, -m 2M"
	done
	# keys of the same names on both sides, repeated: all of them count
	python3 -c 'import csv
rows = list(csv.reader(open("r.csv", newline="")))
rows[0] = ["b", "y", "a", "x", "z"]
csv.writer(open("r2.csv", "w", newline=""), lineterminator="\n").writerows(rows)' ||
		return 1
	"$S" join -k a -k b --left l.csv r2.csv >n.csv || return 1
	join_oracle l.csv r2.csv n.csv --left a,b a,b >/dev/null || return 1
	# the keys the other way round, a by its position in the left (2)
	"$S" join -k b,2=A --outer l.csv r.csv >p.csv || return 1
	join_oracle l.csv r.csv p.csv --outer b,a b,A >/dev/null || return 1
	# one key alone: A's equal values with b's differing still match
	"$S" join -k a=A l.csv r.csv >s.csv || return 1
	join_oracle l.csv r.csv s.csv "" a A >/dev/null
}

# both sides past a table under -m 6M: written to partitions on a
# thread (-j 2) and joined a pair at a time, each read ahead on another;
# the records of python's join, spill files of zstd as well, the peak
# RSS under the ceiling and 16 MiB
t_join_partitions() {
	local mode c
	"$S" gen --rows 100000 --seed 41 --columns id:id,k:cat,t:text >l.csv ||
		return 1
	"$S" gen --rows 80000 --seed 42 --columns id:id,w:int,t:text >r.csv ||
		return 1
	for mode in "" --outer; do
		for c in gzip zstd; do
			"$MAXRSS" rss "$S" join -j 2 -m 6M -k id $mode l.csv \
				r.csv --spill-codec $c --mem-report=json \
				>j.csv 2>rep || { cat rep; return 1; }
			grep -q '"spill_runs":[1-9]' rep &&
				grep -q '"tag":"join.write"' rep ||
				{ echo "$mode $c: no partitions"; return 1; }
			python3 "$HERE/join_oracle.py" l.csv r.csv j.csv \
				"$mode" id id set >/dev/null ||
				{ echo "$mode $c"; return 1; }
			[ -n "$SAN" ] && continue
			le "join -m 6M $mode: peak RSS KiB" "$(cat rss)" \
				$(((6 + 16) * 1024)) || return 1
		done
	done
	echo "figure: join of 100000 and 80000 records under -m 6M:" \
		"peak RSS $(($(cat rss) / 1024)) MiB"
}

t_join_keys_errors() {
	printf 'id,v\n1,x\n' >l.csv
	printf 'user_id,w\n1,y\n' >r.csv
	"$S" join -k id=user_id l.csv r.csv >out || return 1
	eq "id=user_id" "$(cat out | tr '\n' ' ')" "id,v,w 1,x,y " || return 1
	"$S" join -k id=user_id,id l.csv r.csv >out 2>err
	eq "a field in two keys exit" $? 2 || return 1
	has message "$(cat err)" "keys 'id' and 'id' are one field of 'l.csv'" || return 1
	"$S" join -k id= l.csv r.csv >out 2>err
	eq "id= exit" $? 2 || return 1
	has message "$(cat err)" "key 'id=' is not NAME or LNAME=RNAME" || return 1
	"$S" join -k id l.csv r.csv >out 2>err
	eq "no id on the right exit" $? 2 || return 1
	has message "$(cat err)" "no field 'id' in the header; it has: user_id, w" || return 1
	"$S" join -k id,,v l.csv r.csv >out 2>err
	eq "empty item exit" $? 2 || return 1
	has message "$(cat err)" "empty item in -k 'id,,v'"
}

run join_keys_vs_python t_join_keys_vs_python
run join_keys_errors t_join_keys_errors
run join_partitions t_join_partitions
