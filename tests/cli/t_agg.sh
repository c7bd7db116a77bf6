# tests/cli/t_agg.sh - stats, freq, merge and the partial states; sourced
# by run.sh, which provides $S, $MAXRSS, $SAN, $HERE, $TD, run and the
# assertions.

t_stats_differential() {
	local n=40
	[ -n "$SAN" ] && n=8
	python3 "$HERE/diff_stats.py" "$S" . $n
}

t_stats_cli() {
	local out rc
	printf 'k,v,s\na,1,x\nb,2.5,\na,-3,y\n' >in.csv
	out=$("$S" stats -f v in.csv) || return 1
	eq "stats header" "$(echo "$out" | head -1)" \
		"field,count,empty,type,min,max,sum,mean,stddev,distinct,p50,p90,p99" ||
		return 1
	# stddev and mean as python's statistics module gives them
	eq "stats v" "$(echo "$out" | tail -1)" \
		"v,3,0,float,-3,2.5,0.5,$(python3 -c 'import statistics as s
print(repr(s.mean([1, 2.5, -3])) + "," + repr(s.stdev([1, 2.5, -3])))'),3,1,2.5,2.5" ||
		return 1
	out=$("$S" stats -g k -f v,s -a count,sum,first,last -O jsonl in.csv) ||
		return 1
	eq "grouped jsonl" "$out" '{"k":"a","v_count":2,"v_sum":-2,"v_first":1,"v_last":-3,"s_count":2,"s_sum":"","s_first":"x","s_last":"y"}
{"k":"b","v_count":1,"v_sum":2.5,"v_first":2.5,"v_last":2.5,"s_count":1,"s_sum":"","s_first":"","s_last":""}' ||
		return 1
	"$S" stats -a nope in.csv 2>err; rc=$?
	eq "unknown aggregate exit" $rc 2 || return 1
	has "unknown aggregate" "$(cat err)" "unknown aggregate 'nope'" || return 1
	"$S" stats -g k -a p50 --partial in.csv 2>err; rc=$?
	eq "partial with quantiles exit" $rc 2 || return 1
	"$S" stats -g nope in.csv 2>err; rc=$?
	eq "unknown key exit" $rc 2 || return 1
	has "unknown key" "$(cat err)" "no field 'nope'" || return 1
	"$S" freq in.csv 2>err; rc=$?
	eq "freq without -f exit" $rc 2 || return 1
	out=$(printf '' | "$S" stats) || return 1
	eq "empty input" "$out" ""
}

t_freq_vs_python() {
	"$S" gen --rows 20000 --seed 5 >in.csv || return 1
	python3 - in.csv >want <<'EOF' || return 1
import collections, csv, sys
c = collections.Counter((r['cat'], r['date'])
                        for r in csv.DictReader(open(sys.argv[1])))
w = csv.writer(sys.stdout, lineterminator='\n')
w.writerow(['cat', 'date', 'count'])
for k, v in sorted(c.items(), key=lambda kv: (-kv[1], [s.encode() for s in kv[0]])):
    w.writerow(list(k) + [v])
EOF
	"$S" freq -f cat,date in.csv >got || return 1
	cmp got want || { echo "freq differs from python"; return 1; }
	"$S" freq -f cat,date -m 1M --chunk-size 4K in.csv >got || return 1
	cmp got want || { echo "spilling freq differs from python"; return 1; }
	"$S" freq -f cat,date -n 7 in.csv >got || return 1
	head -8 want | cmp - got || { echo "freq -n 7 differs"; return 1; }
}

# The issue's scenario: GNU parallel, four workers over split parts,
# partial states merged: exactly the single-process results.
t_parallel_merge() {
	local v single merged rows=200000
	[ -n "$SAN" ] && rows=20000
	command -v parallel >/dev/null || { echo "GNU parallel missing"; return 1; }
	"$S" gen --rows $rows --seed 11 >in.csv || return 1
	for v in "stats -g cat -f int,float,id -a count,sum,mean,min,max" \
		 "stats -f int,float,date -a count,empty,type,min,max,sum,mean" \
		 "freq -f cat" "freq -f text -n 50" "count"; do
		single=$("$S" $v in.csv | md5sum) || return 1
		merged=$(parallel -j 4 "'$S' split --parts 4 --part {} in.csv |
			'$S' $v --partial" ::: 1 2 3 4 | "$S" merge | md5sum) ||
			return 1
		eq "parallel $v" "$merged" "$single" || return 1
	done
	# Hadoop Streaming's shuffle: lines sorted byte-wise, a tab after
	# each key (the whole line); a header must still come first
	merged=$(for i in 1 2 3; do "$S" split --parts 3 --part $i in.csv |
		"$S" stats -g cat -f float --partial; done | LC_ALL=C sort |
		sed 's/$/\t/' | "$S" merge | md5sum) || return 1
	eq "sorted shuffle" "$merged" \
		"$("$S" stats -g cat -f float in.csv | md5sum)" || return 1
	# a tree of merges, files on disk, gzip: the same again
	for i in 1 2 3 4 5 6; do
		"$S" split --parts 6 --part $i in.csv |
			"$S" stats -g cat -f float --partial -o p$i.jsonl.gz ||
			return 1
	done
	"$S" merge --partial p1.jsonl.gz p2.jsonl.gz p3.jsonl.gz >a.jsonl &&
		"$S" merge --partial p4.jsonl.gz p5.jsonl.gz p6.jsonl.gz >b.jsonl ||
		return 1
	eq "merge tree" "$("$S" merge a.jsonl b.jsonl | md5sum)" \
		"$("$S" stats -g cat -f float in.csv | md5sum)" || return 1
	echo "figure: $rows records in 4 parts, merged = single run for 5 verbs"
}

t_merge_errors() {
	local rc
	printf 'k,v\na,1\n' >in.csv
	"$S" stats -f v --partial in.csv >s.jsonl || return 1
	"$S" freq -f k --partial in.csv >f.jsonl || return 1
	"$S" merge s.jsonl f.jsonl 2>err; rc=$?
	eq "mixed partials exit" $rc 1 || return 1
	has "mixed partials" "$(cat err)" "another kind" || return 1
	printf '{"format":"sluice-partial","version":2,"verb":"stats","keys":[],"fields":["v"],"ops":["count"],"top":0}\n{"key":[],"rows":"x"}\n' >bad.jsonl
	"$S" merge bad.jsonl 2>err; rc=$?
	eq "bad state exit" $rc 1 || return 1
	printf 'not json\n' >bad.jsonl
	"$S" merge bad.jsonl 2>err; rc=$?
	eq "no header exit" $rc 1 || return 1
	has "no header" "$(cat err)" "not a stream of partial states" || return 1
	eq "merge of nothing" "$(printf '' | "$S" merge)" ""
}

# 3 million distinct keys, each twice, under -m 32M: exact results for
# every group and a peak RSS of at most 48 MiB.  (It was 5 million, 23 s
# of make check's ten minutes; 3 million take 13 s and still spill 371
# runs in two merge passes.)
t_groupby_3m_keys_under_32m() {
	local n=3000000 rss
	[ -n "$SAN" ] && n=200000
	awk -v n=$n 'BEGIN { print "key,v"; for (i = 1; i <= n; i++)
		print i "," i; for (i = 1; i <= n; i++) print i "," 2 * i }' |
		"$MAXRSS" rss "$S" stats -m 32M -g key \
			-a count,sum,min,max,mean >out || return 1
	# every group: count 2, sum 3k, min k, max 2k, mean 1.5k; keys in
	# byte order, each once
	eq "groups checked" "$(awk -F, 'NR > 1 { n++
		if ($2 != 2 || $3 != 3 * $1 || $4 != $1 || $5 != 2 * $1 ||
		    $6 != 1.5 * $1) bad++
		if (NR > 2 && !(($1 "") > (prev ""))) unsorted++
		prev = $1 } END { print n, bad + 0, unsorted + 0 }' out)" \
		"$n 0 0" || return 1
	rss=$(cat rss)
	echo "figure: $n keys x2 under -m 32M: peak RSS $((rss / 1024)) MiB"
	[ -n "$SAN" ] || le "peak RSS KiB" "$rss" $((48 * 1024))
}

run stats_differential t_stats_differential
run stats_cli t_stats_cli
run freq_vs_python t_freq_vs_python
run parallel_merge t_parallel_merge
run merge_errors t_merge_errors
run groupby_3m_keys_under_32m t_groupby_3m_keys_under_32m
