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

# join_oracle LEFT RIGHT GOT MODE LKEYS RKEYS: LKEYS and RKEYS are the
# key fields' names, comma-separated, in -k order
join_oracle() {
	python3 - "$@" <<'PY'
import csv, sys
L = list(csv.reader(open(sys.argv[1], newline="")))
R = list(csv.reader(open(sys.argv[2], newline="")))
mode, lnames, rnames = sys.argv[4], sys.argv[5].split(","), sys.argv[6].split(",")
lk = [L[0].index(n) for n in lnames]
rk = [R[0].index(n) for n in rnames]
lefts, rights = {}, {}
for r in L[1:]:
    lefts.setdefault(tuple(r[i] for i in lk), []).append(r)
for r in R[1:]:
    rights.setdefault(tuple(r[i] for i in rk), []).append(r)
lo = lambda row: [v for i, v in enumerate(row) if i not in lk]
ro = lambda row: [v for i, v in enumerate(row) if i not in rk]
head = [L[0][i] for i in lk] + lo(L[0])
for n in ro(R[0]):
    head.append("right." + n if n in head else n)
want = [head]
nl, nr = len(lo(L[0])), len(ro(R[0]))
for key in sorted(set(lefts) | set(rights), key=lambda k: [s.encode() for s in k]):
    ls, rs = lefts.get(key, []), rights.get(key, [])
    if ls and rs:
        want += [list(key) + lo(a) + ro(b) for a in ls for b in rs]
    elif ls and mode in ("--left", "--outer"):
        want += [list(key) + lo(a) + [""] * nr for a in ls]
    elif rs and mode == "--outer":
        want += [list(key) + [""] * nl + ro(b) for b in rs]
got = list(csv.reader(open(sys.argv[3], newline="")))
assert got == want, (len(got), len(want), got[:2], want[:2])
print(len(want) - 1)
PY
}

t_join_keys_vs_python() {
	local m mode n
	mk_join_inputs || return 1
	# spilling under 2M against the oracle; in memory, the same bytes
	for mode in "" --left --outer; do
		"$S" join -m 2M -k a=A,b $mode l.csv r.csv >j.csv || return 1
		n=$(join_oracle l.csv r.csv j.csv "$mode" a,b A,b) ||
			{ echo "-k a=A,b $mode -m 2M"; return 1; }
		"$S" join -k a=A -k b $mode l.csv r.csv >k.csv || return 1
		same "-k a=A -k b $mode in memory" j.csv k.csv || return 1
		echo "figure: join -k a=A,b${mode:+ $mode}: $n records"
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
	join_oracle l.csv r.csv p.csv --outer b,a b,A || return 1
	# one key alone: A's equal values with b's differing still match
	"$S" join -k a=A l.csv r.csv >s.csv || return 1
	join_oracle l.csv r.csv s.csv "" a A >/dev/null
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
