#!/usr/bin/env bash
# bench/count.sh - throughput of `sluice count` on plain and gzip'ed lines,
# next to `gzip -dc FILE | wc -l` and `wc -l`, median of 3 runs each.
#
#   bash bench/count.sh [SLUICE] [SIZE_MB]
#
# Inputs are generated into a scratch folder under $TMPDIR (never in the
# repository) and removed at the end.  Throughput is MB (10^6 bytes) of
# uncompressed input per second of wall time; the page cache is warm, as
# the file was just written.
set -eu
S=${1:-build/sluice}
MB=${2:-2000}
case $S in /*) ;; *) S=$PWD/$S ;; esac
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C

bytes=$((MB * 1000000))
# integers from seq, then cut to the size: lines of 1 to 9 digits
seq 1 1000000000 | head -c "$bytes" >"$W/lines.txt" || true
gzip -6 -c "$W/lines.txt" >"$W/lines.txt.gz"

# median wall seconds of 3 runs of a shell command
median() {
	local i t
	for i in 1 2 3; do
		t=$( { /usr/bin/env time -f %e bash -c "$1" >/dev/null; } 2>&1 |
			tail -n 1)
		echo "$t"
	done | sort -n | sed -n 2p
}

rate() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }

echo "# sluice count throughput, $(date -u +%Y-%m-%d)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "# input: $MB MB of lines, gzip -6 to $(($(stat -c %s "$W/lines.txt.gz") / 1000000)) MB"
printf '%-36s %8s %10s\n' command seconds "MB/s"
for cmd in \
	"'$S' count '$W/lines.txt'" \
	"wc -l '$W/lines.txt'" \
	"'$S' count '$W/lines.txt.gz'" \
	"gzip -dc '$W/lines.txt.gz' | wc -l" \
	"zcat '$W/lines.txt.gz' >/dev/null"; do
	t=$(median "$cmd")
	label=$(echo "$cmd" | sed "s|'$S'|sluice|; s|'$W/|'|g")
	printf '%-36s %8s %10s\n' "$label" "$t" "$(rate "$t")"
done
