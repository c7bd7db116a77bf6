#!/usr/bin/env bash
# bench/sort.sh - sluice sort -m 64M next to GNU sort -S 64M and mlr sort,
# wall time and peak RSS, at several input sizes.
#
#   bash bench/sort.sh [SLUICE] [SIZES...]     (default 100M 1G; with
#                                              BENCH_BIG=1 also 4G)
#
# Inputs come from `sluice gen` (columns without free text, so GNU sort
# -t, sees the same fields) into a scratch folder under $TMPDIR, removed
# afterwards.  The key is the int column, numeric.  GNU sort gets its
# line-based equivalent, -t, -k2,2n with -S 64M (its temporary files are
# not compressed; sluice's are, zlib level 1 with Z_RLE).  Miller runs
# only on inputs up to 300 MB: it holds the whole input in memory (about
# 37 times its size here).  RUNS runs each (default 1), median reported.
set -eu
S=${1:-build/sluice}
shift || true
SIZES=${*:-100M 1G}
[ "${BENCH_BIG:-}" = 1 ] && SIZES="$SIZES 4G"
RUNS=${RUNS:-1}
case $S in /*) ;; *) S=$PWD/$S ;; esac
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C
COLS=id:id,int:int,float:float,cat:cat,date:date

measure() {  # median "seconds rss_kib" of RUNS runs of a command
	local i
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$W/t" bash -c "$1" >/dev/null
		cat "$W/t"
	done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

row() {
	local t kib
	read -r t kib < <(measure "$3")
	printf '| %-5s | %-44s | %7s | %8.1f |\n' "$1" "$2" "$t" \
		"$(echo "$kib / 1024" | bc -l)"
}

echo "# sort benchmark, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; key: the int column, numeric."
echo
echo "| size  | command                                      | seconds | RSS MiB  |"
echo "| ----- | -------------------------------------------- | ------- | -------- |"
for size in $SIZES; do
	"$S" gen --size "$size" --columns $COLS >"$W/in.csv"
	row "$size" "sluice sort -m 64M -k int:n" \
		"'$S' sort -m 64M --tmpdir '$W' -k int:n '$W/in.csv'"
	row "$size" "sort -S 64M -t, -k2,2n" \
		"sort -S 64M -T '$W' -t, -k2,2n '$W/in.csv'"
	if [ "$(stat -c %s "$W/in.csv")" -le 300000000 ]; then
		if command -v mlr >/dev/null; then
			row "$size" "mlr --csv sort -nf int" \
				"mlr --csv sort -nf int '$W/in.csv'"
		else
			echo "| $size | mlr: missing (make deps-bench)               |         |          |"
		fi
	fi
	rm -f "$W/in.csv"
done
