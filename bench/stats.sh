#!/usr/bin/env bash
# bench/stats.sh - group-by aggregation: sluice stats -g next to Miller
# (mlr stats1) and GNU datamash, wall time, MB/s and peak RSS.
#
#   bash bench/stats.sh [SLUICE] [SIZE]        (SIZE default 1G)
#
# The input is made by `sluice gen --size SIZE --seed 1` in a scratch
# folder under $TMPDIR and removed afterwards.  Two cases:
#
#   by cat   about 100 groups: count, sum, mean, min and max of float.
#            sluice at -m 32M and at its default ceiling, mlr stats1,
#            and datamash -s (it pipes the input through sort(1)).
#            datamash splits lines on the delimiter and knows nothing of
#            CSV quoting, and 1% of the text fields hold a newline, so it
#            reads a TSV copy of the same records made by `sluice cat -O
#            tsv` (TSV escapes the newline as \n); its MB/s is over that
#            copy's size.
#   by id    one group per record: count and sum of float.  sluice at
#            -m 32M, spilling to the scratch folder.  Miller holds every
#            group in memory, so it runs only on inputs up to 300 MB: for
#            a larger SIZE the case is repeated on a HC_SIZE input
#            (default 100M) where both run.
#
# Each command runs RUNS times (default 3); the table shows the median
# wall time, MB/s of input and the peak RSS measured from outside with
# /usr/bin/time.  The results of sluice and the peers are compared
# (counts exactly, sum, mean, min and max as numbers within a relative
# 1e-9), and the throughput ratio sluice -m 32M / Miller is printed.
set -eu
S=${1:-build/sluice}
SIZE=${2:-1G}
RUNS=${RUNS:-3}
HC_SIZE=${HC_SIZE:-100M}
case $S in /*) ;; *) S=$PWD/$S ;; esac
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C

CAT_AGGS=count,sum,mean,min,max
HAVE_MLR=0; command -v mlr >/dev/null && HAVE_MLR=1
HAVE_DM=0; command -v datamash >/dev/null && HAVE_DM=1

# median of RUNS: prints "seconds max_rss_kib"
measure() {
	local i
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$W/t" bash -c "$1" >/dev/null
		cat "$W/t"
	done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

# row SIZE LABEL BYTES COMMAND: one table row; sets $mbs to the MB/s
row() {
	local t kib
	read -r t kib < <(measure "$4")
	mbs=$(echo "$3 / 1000000 / $t" | bc -l)
	printf '| %-5s | %-42s | %7s | %6.0f | %8.1f |\n' "$1" "$2" "$t" \
		"$mbs" "$(echo "$kib / 1024" | bc -l)"
}

# agree A B: two CSV files "key,count,v2,..." (headers and order
# ignored); prints "yes" or the first mismatch
agree() {
	awk -F, '
	function num(a, b) {	# equal as numbers within a relative 1e-9
		d = a - b; if (d < 0) d = -d
		m = (a < 0 ? -a : a); if ((b < 0 ? -b : b) > m) m = (b < 0 ? -b : b)
		return d <= 1e-9 * m
	}
	FNR == 1 { next }
	NR == FNR { line[$1] = $0; n++; next }
	{
		seen++
		if (!($1 in line)) { print "no: group " $1 " missing"; bad = 1; exit }
		split(line[$1], a, ",")
		if (a[2] != $2) { print "no: " $1 " count " a[2] " vs " $2; bad = 1; exit }
		for (i = 3; i <= NF; i++)
			if (!num(a[i] + 0, $i + 0)) {
				print "no: " $1 " column " i " " a[i] " vs " $i; bad = 1; exit
			}
	}
	END {
		if (bad) exit
		if (seen != n) print "no: " n " groups vs " seen
		else print "yes (" n " groups)"
	}' "$1" "$2"
}

"$S" gen --size "$SIZE" --seed 1 >"$W/in.csv"
bytes=$(stat -c %s "$W/in.csv")
rows=$("$S" count "$W/in.csv")

echo "# stats benchmark, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
echo "input: \`sluice gen --size $SIZE --seed 1\`, $bytes bytes, $rows records, warm page cache;"
echo "median of $RUNS runs."
echo
echo "| size  | command                                    | seconds |   MB/s |  RSS MiB |"
echo "| ----- | ------------------------------------------ | ------- | ------ | -------- |"

# -- by cat --------------------------------------------------------------
row "$SIZE" "sluice stats -g cat -m 32M" "$bytes" \
	"'$S' stats -g cat -f float -a $CAT_AGGS -m 32M --tmpdir '$W' '$W/in.csv'"
s_cat=$mbs
row "$SIZE" "sluice stats -g cat (default 256M)" "$bytes" \
	"'$S' stats -g cat -f float -a $CAT_AGGS --tmpdir '$W' '$W/in.csv'"
m_cat=
if [ $HAVE_MLR = 1 ]; then
	row "$SIZE" "mlr stats1 -g cat" "$bytes" \
		"mlr --icsv --ocsv stats1 -a $CAT_AGGS -f float -g cat '$W/in.csv'"
	m_cat=$mbs
else
	echo "| $SIZE | mlr: missing (make deps-bench)             |         |        |          |"
fi
if [ $HAVE_DM = 1 ]; then
	"$S" cat -O tsv "$W/in.csv" >"$W/in.tsv"
	tbytes=$(stat -c %s "$W/in.tsv")
	row "$SIZE" "datamash -s groupby 5 (TSV copy)" "$tbytes" \
		"datamash -s --header-in groupby 5 count 3 sum 3 mean 3 min 3 max 3 <'$W/in.tsv'"
else
	echo "| $SIZE | datamash: missing (make deps-bench)        |         |        |          |"
fi

# -- by id ---------------------------------------------------------------
hc() {  # hc SIZE FILE BYTES: the high-cardinality rows
	row "$1" "sluice stats -g id -m 32M" "$3" \
		"'$S' stats -g id -f float -a count,sum -m 32M --tmpdir '$W' '$2'"
	s_id=$mbs
	m_id=
	if [ "$3" -le 300000000 ] && [ $HAVE_MLR = 1 ]; then
		row "$1" "mlr stats1 -g id" "$3" \
			"mlr --icsv --ocsv stats1 -a count,sum -f float -g id '$2'"
		m_id=$mbs
	fi
}
hc "$SIZE" "$W/in.csv" "$bytes"
hc_file=$W/in.csv
if [ "$bytes" -gt 300000000 ] && [ $HAVE_MLR = 1 ]; then
	"$S" gen --size "$HC_SIZE" --seed 1 >"$W/hc.csv"
	hc "$HC_SIZE" "$W/hc.csv" "$(stat -c %s "$W/hc.csv")"
	hc_file=$W/hc.csv
fi

# -- checks --------------------------------------------------------------
echo
"$S" stats -g cat -f float -a $CAT_AGGS -m 32M --tmpdir "$W" "$W/in.csv" >"$W/s_cat.csv"
if [ $HAVE_MLR = 1 ]; then
	mlr --icsv --ocsv stats1 -a $CAT_AGGS -f float -g cat "$W/in.csv" >"$W/m_cat.csv"
	echo "- by cat, sluice and Miller agree: $(agree "$W/s_cat.csv" "$W/m_cat.csv")"
fi
if [ $HAVE_DM = 1 ]; then
	datamash -s --header-in --header-out groupby 5 count 3 sum 3 mean 3 \
		min 3 max 3 <"$W/in.tsv" | tr '\t' , >"$W/d_cat.csv"
	echo "- by cat, sluice and datamash agree: $(agree "$W/s_cat.csv" "$W/d_cat.csv")"
fi
if [ -n "$m_id" ]; then
	"$S" stats -g id -f float -a count,sum -m 32M --tmpdir "$W" "$hc_file" >"$W/s_id.csv"
	mlr --icsv --ocsv stats1 -a count,sum -f float -g id "$hc_file" >"$W/m_id.csv"
	echo "- by id ($(stat -c %s "$hc_file") bytes), sluice and Miller agree: $(agree "$W/s_id.csv" "$W/m_id.csv")"
fi
if [ -n "$m_cat" ]; then
	printf -- '- throughput sluice -m 32M / Miller, by cat: %.1fx\n' \
		"$(echo "$s_cat / $m_cat" | bc -l)"
fi
if [ -n "$m_id" ]; then
	printf -- '- throughput sluice -m 32M / Miller, by id: %.1fx\n' \
		"$(echo "$s_id / $m_id" | bc -l)"
fi
