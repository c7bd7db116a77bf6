#!/usr/bin/env bash
# bench/records.sh - count, select, CSV to JSON Lines and filter on a generated
# CSV, sluice next to Miller (mlr) and libcsv alone, with peak RSS.
#
#   bash bench/records.sh [SLUICE] [SIZE]      (SIZE default 1G)
#   BASE=old/sluice bash bench/records.sh ...   (before and after)
#
# The input is made by `sluice gen --size SIZE` in a scratch folder under
# $TMPDIR and removed afterwards.  Each command runs RUNS times (default
# 3); the table shows the median wall time, MB/s of input and the peak
# RSS measured from outside with /usr/bin/time.  A missing peer is
# reported as missing.  With BASE, each sluice command also runs with
# that binary, the two alternating run by run on the same input, and a
# last column gives the ratio of their times (base / this: above 1 is
# faster now); its RSS is shown beside.
set -eu
S=${1:-build/sluice}
SIZE=${2:-1G}
RUNS=${RUNS:-3}
case $S in /*) ;; *) S=$PWD/$S ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C

# libcsv, a bound for CSV parsing, when it is installed (make deps-bench)
cc -O2 -o "$W/libcsv_rate" "$HERE/libcsv_rate.c" -lcsv 2>/dev/null || true
"$S" gen --size "$SIZE" >"$W/in.csv"
bytes=$(stat -c %s "$W/in.csv")
rows=$("$S" count "$W/in.csv")

# median of RUNS: prints "seconds max_rss_kib"
measure() {
	local i
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$W/t" bash -c "$1" >/dev/null
		cat "$W/t"
	done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

row() {  # row LABEL COMMAND
	local t kib
	read -r t kib < <(measure "$2")
	printf '| %-34s | %7s | %7.0f | %9.0f | %8.1f |\n' "$1" "$t" \
		"$(echo "$bytes / 1000000 / $t" | bc -l)" \
		"$(echo "$rows / $t" | bc -l)" "$(echo "$kib / 1024" | bc -l)"
}

# With BASE: the command with this binary and with BASE, alternating;
# two rows and the ratio.  ARGS is the command after the binary.
pair() {  # pair LABEL ARGS
	local i t kib bt bkib
	if [ -z "${BASE:-}" ]; then
		row "sluice $1" "'$S' $2"
		return
	fi
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$W/t" bash -c "'$S' $2" >/dev/null
		cat "$W/t" >>"$W/new"
		/usr/bin/time -f '%e %M' -o "$W/t" bash -c "'$BASE' $2" >/dev/null
		cat "$W/t" >>"$W/old"
	done
	read -r t kib < <(sort -n "$W/new" | sed -n "$(( (RUNS + 1) / 2 ))p")
	read -r bt bkib < <(sort -n "$W/old" | sed -n "$(( (RUNS + 1) / 2 ))p")
	rm -f "$W/new" "$W/old"
	printf '| %-34s | %7s | %7.0f | %9.0f | %8.1f | %5.3f |\n' "sluice $1" \
		"$t" "$(echo "$bytes / 1000000 / $t" | bc -l)" \
		"$(echo "$rows / $t" | bc -l)" "$(echo "$kib / 1024" | bc -l)" \
		"$(echo "$bt / $t" | bc -l)"
	printf '| %-34s | %7s | %7.0f | %9.0f | %8.1f |       |\n' \
		"  before: $1" "$bt" "$(echo "$bytes / 1000000 / $bt" | bc -l)" \
		"$(echo "$rows / $bt" | bc -l)" "$(echo "$bkib / 1024" | bc -l)"
}

echo "# records benchmark, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
echo "input: \`sluice gen --size $SIZE\`, $bytes bytes, $rows records, warm page cache;"
echo "median of $RUNS runs."
echo
if [ -n "${BASE:-}" ]; then
	echo "| command                            | seconds |    MB/s | records/s | RSS MiB  | base/this |"
	echo "| ---------------------------------- | ------- | ------- | --------- | -------- | --------- |"
else
	echo "| command                            | seconds |    MB/s | records/s | RSS MiB  |"
	echo "| ---------------------------------- | ------- | ------- | --------- | -------- |"
fi
if [ -f "$W/libcsv_rate" ]; then
	row "libcsv alone (empty callbacks)" "'$W/libcsv_rate' '$W/in.csv'"
fi
pair "count" "count '$W/in.csv'"
pair "select -f id,cat,float" "select -f id,cat,float '$W/in.csv'"
pair "cat -O jsonl" "cat -O jsonl '$W/in.csv'"
pair "filter (1% kept)" "filter 'int > 0 && cat == \"cat0042\"' '$W/in.csv'"
pair "filter =~ (6% kept)" "filter 'text =~ \"^the\"' '$W/in.csv'"
pair "filter (10% kept)" "filter 'float < 0' '$W/in.csv'"
if command -v mlr >/dev/null; then
	row "mlr count" "mlr --icsv --ojson count '$W/in.csv'"
	row "mlr cut -o -f id,cat,float" "mlr --csv cut -o -f id,cat,float '$W/in.csv'"
	row "mlr --icsv --ojsonl cat" "mlr --icsv --ojsonl cat '$W/in.csv'"
	row "mlr filter (1% kept)" "mlr --csv filter '\$int > 0 && \$cat == \"cat0042\"' '$W/in.csv'"
	row "mlr filter =~ (6% kept)" "mlr --csv filter '\$text =~ \"^the\"' '$W/in.csv'"
	row "mlr filter (10% kept)" "mlr --csv filter '\$float < 0' '$W/in.csv'"
else
	echo "| mlr: missing (make deps-bench)     |         |         |           |          |"
fi
