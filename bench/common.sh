# bench/common.sh - what bench/json.sh, put.sh and blocks.sh share; sourced.
#
# Sets S (the sluice binary, made absolute), SIZE, RUNS (default 3) and
# W (a scratch folder under $TMPDIR, removed at exit) from the script's
# arguments [SLUICE] [SIZE]; defines measure, row and table_head.
set -eu
S=${1:-build/sluice}
SIZE=${2:-1G}
RUNS=${RUNS:-3}
case $S in /*) ;; *) S=$PWD/$S ;; esac
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C
LAST=0

# measure N COMMAND: the median of N runs, "seconds max_rss_kib"; the
# last run's figures stay in $W/t
measure() {
	local i
	for i in $(seq "$1"); do
		/usr/bin/time -f '%e %M' -o "$W/t" bash -c "$2" >/dev/null
		cat "$W/t"
	done | sort -n | sed -n "$(( ($1 + 1) / 2 ))p"
}

table_head() {
	printf '| %-60s | seconds |    MB/s | RSS MiB  |\n' command
	printf '| %-60s | ------- | ------- | -------- |\n' \
		"$(printf '%060d' 0 | tr 0 -)"
}

# row LABEL BYTES N COMMAND: a table row, MB/s over BYTES; the seconds
# in LAST
row() {
	local t kib
	read -r t kib < <(measure "$3" "$4")
	LAST=$t
	printf '| %-60s | %7s | %7.0f | %8.1f |\n' "$1" "$t" \
		"$(echo "$2 / 1000000 / $t" | bc -l)" "$(echo "$kib / 1024" | bc -l)"
}
