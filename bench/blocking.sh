#!/usr/bin/env bash
# bench/blocking.sh - the verbs that must hold data, beside the tools
# people use for the same job, on one input made by `sluice gen` (1 GB by
# default; SIZE=4G for the big run), in one run so that the ratios hold
# on a noisy machine.
#
#   bash bench/blocking.sh [SLUICE]
#
# sort -k int:n and sort -k text: against GNU sort -S 64M (its default
# threads) on the TSV copy.  uniq -c -k cat: against `cut -f 5 | sort -S
# 64M | uniq -c` on the TSV copy and Miller's count-distinct -f cat.
# join -k cat of the input with a table of 5000 distinct cat values:
# against `sort | join` on the TSV copies and Miller's join.  join -k id
# of the input with another of its size (gen --seed 2), which the table
# does not hold: partitions, against `sort | join` of both (Miller's
# join holds one side whole: not run).  All with LC_ALL=C; Miller where
# installed.
# Each command runs RUNS times (default 3) with its output to /dev/null;
# the best wall time is kept, with the peak RSS of that run (/usr/bin/time
# %M: for a pipeline, its largest process).  Prints a Markdown table and
# the ratios; writes nothing else.  Environment: SIZE, RUNS, CEILING
# (default 64M), TMPDIR, ONLY (the sections to run, of: sort uniq join
# join2; default all).
set -eu
S=${1:-build/sluice}
case $S in /*) ;; *) S=$PWD/$S ;; esac
SIZE=${SIZE:-1G}
RUNS=${RUNS:-3}
CEILING=${CEILING:-64M}
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C
TAB=$(printf '\t')

"$S" gen --size "$SIZE" --seed 1 >"$W/in.csv"
"$S" cat -O tsv "$W/in.csv" >"$W/in.tsv"

# want SECTION: ONLY names the sections to run (sort uniq join join2)
want() {
	case " ${ONLY:-sort uniq join join2} " in *" $1 "*) return 0 ;; esac
	return 1
}

best=
# run NAME CMD: the best of RUNS wall times, and its peak RSS
run() {
	local name=$1 cmd=$2 i t0 t1 ms rss bms= brss=
	for i in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		/usr/bin/time -f %M -o "$W/rss" bash -c "$cmd" >/dev/null
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		rss=$(tail -1 "$W/rss")
		if [ -z "$bms" ] || [ "$ms" -lt "$bms" ]; then
			bms=$ms brss=$rss
		fi
	done
	printf '| %s | %d.%03d s | %d MiB |\n' "$name" $((bms / 1000)) \
		$((bms % 1000)) $((brss / 1024))
	best=$bms
}

if want sort; then
echo "## sort, $SIZE of gen output, -m $CEILING"
echo
echo "| command | time | peak RSS |"
echo "|---|---|---|"
run "sluice sort -k int:n" "'$S' sort -k int:n -m $CEILING '$W/in.csv'"
a=$best
run "sort -S $CEILING -t TAB -k2,2n" \
	"tail -n +2 '$W/in.tsv' | sort -S $CEILING -T '$W' -t '$TAB' -k2,2n"
echo
echo "sluice sort -k int:n takes $(echo "scale=2; $a / $best" | bc)x GNU sort's time"
echo
run "sluice sort -k text" "'$S' sort -k text -m $CEILING '$W/in.csv'"
a=$best
run "sort -S $CEILING -t TAB -k6,6" \
	"tail -n +2 '$W/in.tsv' | sort -S $CEILING -T '$W' -t '$TAB' -k6,6"
echo
echo "sluice sort -k text takes $(echo "scale=2; $a / $best" | bc)x GNU sort's time"
echo

fi
if want uniq; then
echo "## uniq -c -k cat, $SIZE of gen output, -m $CEILING"
echo
echo "| command | time | peak RSS |"
echo "|---|---|---|"
run "sluice uniq -c -k cat" "'$S' uniq -c -k cat -m $CEILING '$W/in.csv'"
us=$best
run "cut -f 5 \| sort -S $CEILING \| uniq -c" \
	"cut -f 5 '$W/in.tsv' | sort -S $CEILING -T '$W' | uniq -c"
gs=$best
ratios="sort pipeline $(echo "scale=1; $gs / $us" | bc)x"
if command -v mlr >/dev/null; then
	run "mlr count-distinct -f cat" \
		"mlr --icsv --ocsv count-distinct -f cat '$W/in.csv'"
	ratios="$ratios, Miller $(echo "scale=1; $best / $us" | bc)x"
fi
echo
echo "sluice uniq -c is faster than: $ratios"

fi

if want join; then
echo
echo "## join -k cat with 5000 cat values, $SIZE of gen output, -m $CEILING"
echo
"$S" gen --rows 20000 --seed 2 --cardinality 5000 \
	--columns cat:cat,weight:int | "$S" uniq -k cat >"$W/small.csv"
"$S" cat -O tsv "$W/small.csv" >"$W/small.tsv"
echo "| command | time | peak RSS |"
echo "|---|---|---|"
run "sluice join -k cat BIG SMALL" \
	"'$S' join -k cat -m $CEILING '$W/in.csv' '$W/small.csv'"
us=$best
run "sort \| join" "join -t '$TAB' -1 5 -2 1 \
	<(tail -n +2 '$W/in.tsv' | sort -S $CEILING -T '$W' -t '$TAB' -k5,5) \
	<(tail -n +2 '$W/small.tsv' | sort -t '$TAB' -k1,1)"
ratios="sort | join $(echo "scale=2; $best / $us" | bc)x"
if command -v mlr >/dev/null; then
	run "mlr join -j cat" \
		"mlr --icsv --ocsv join -j cat -f '$W/small.csv' '$W/in.csv'"
	ratios="$ratios, Miller $(echo "scale=2; $best / $us" | bc)x"
fi
echo
echo "sluice join is faster than: $ratios"

fi

if want join2; then
echo
echo "## join -k id of two inputs of $SIZE, -m $CEILING"
echo
"$S" gen --size "$SIZE" --seed 2 >"$W/in2.csv"
"$S" cat -O tsv "$W/in2.csv" >"$W/in2.tsv"
echo "| command | time | peak RSS |"
echo "|---|---|---|"
run "sluice join -k id BIG BIG2" \
	"'$S' join -k id -m $CEILING '$W/in.csv' '$W/in2.csv'"
us=$best
run "sluice join --key-order -k id BIG BIG2" \
	"'$S' join --key-order -k id -m $CEILING '$W/in.csv' '$W/in2.csv'"
ko=$best
run "sort \| join" "join -t '$TAB' -1 1 -2 1 \
	<(tail -n +2 '$W/in.tsv' | sort -S $CEILING -T '$W' -t '$TAB' -k1,1) \
	<(tail -n +2 '$W/in2.tsv' | sort -S $CEILING -T '$W' -t '$TAB' -k1,1)"
echo
echo "sluice join (partitions) is faster than: sort | join" \
	"$(echo "scale=2; $best / $us" | bc)x, its own --key-order" \
	"$(echo "scale=2; $ko / $us" | bc)x"
fi
