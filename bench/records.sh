#!/usr/bin/env bash
# bench/records.sh - count, select, CSV to JSON Lines and filter on a generated
# CSV, sluice next to Miller (mlr) and libcsv alone, with peak RSS.
#
#   bash bench/records.sh [SLUICE] [SIZE]      (SIZE default 1G)
#
# The input is made by `sluice gen --size SIZE` in a scratch folder under
# $TMPDIR and removed afterwards.  Each command runs RUNS times (default
# 3); the table shows the median wall time, MB/s of input and the peak
# RSS measured from outside with /usr/bin/time.  A missing peer is
# reported as missing.
set -eu
S=${1:-build/sluice}
SIZE=${2:-1G}
RUNS=${RUNS:-3}
case $S in /*) ;; *) S=$PWD/$S ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C

cc -O2 -o "$W/libcsv_rate" "$HERE/libcsv_rate.c" -lcsv
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

echo "# records benchmark, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
echo "input: \`sluice gen --size $SIZE\`, $bytes bytes, $rows records, warm page cache;"
echo "median of $RUNS runs."
echo
echo "| command                            | seconds |    MB/s | records/s | RSS MiB  |"
echo "| ---------------------------------- | ------- | ------- | --------- | -------- |"
row "libcsv alone (empty callbacks)" "'$W/libcsv_rate' '$W/in.csv'"
row "sluice count" "'$S' count '$W/in.csv'"
row "sluice select -f id,cat,float" "'$S' select -f id,cat,float '$W/in.csv'"
row "sluice cat -O jsonl" "'$S' cat -O jsonl '$W/in.csv'"
row "sluice filter (1% kept)" "'$S' filter 'int > 0 && cat == \"cat0042\"' '$W/in.csv'"
row "sluice filter =~ (6% kept)" "'$S' filter 'text =~ \"^the\"' '$W/in.csv'"
row "sluice filter (10% kept)" "'$S' filter 'float < 0' '$W/in.csv'"
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
