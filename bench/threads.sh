#!/usr/bin/env bash
# bench/threads.sh - threads and codecs, each beside its peer in one run:
# compressed counting against pigz, gzip output against gzip and pigz,
# counting and sorting at -j 1 and -j 2, zstd, bzip2 and xz read back.
#
#   bash bench/threads.sh [SLUICE] [SIZE]      (SIZE of gen output: 1G)
#
# Inputs are `sluice gen` output in a scratch folder under $TMPDIR (never
# in the repository), removed at the end; the page cache is warm.  Each
# timing is the better of two runs (the slow ones, gzip -6 and pigz -6,
# one run), wall seconds; MB are 10^6 bytes of uncompressed input.
set -eu
S=${1:-build/sluice}
SIZE=${2:-1G}
case $S in /*) ;; *) S=$PWD/$S ;; esac
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C

"$S" gen --size "$SIZE" --seed 1 >"$W/g.csv"
pigz -6 -c "$W/g.csv" >"$W/g.csv.gz"
bytes=$(stat -c %s "$W/g.csv")

# wall seconds of a shell command, the better of $2 runs (default 2)
t() {
	local i n=${2:-2} best= s
	for i in $(seq "$n"); do
		s=$( { /usr/bin/env time -f %e bash -c "$1" >/dev/null; } 2>&1 |
			tail -n 1)
		best=$(awk -v a="$best" -v b="$s" \
			'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	echo "$best"
}
rate() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$(rate "$2")" "$3"; }

echo "# threads and codecs, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
echo "input: \`sluice gen --size $SIZE\`, $((bytes / 1000000)) MB, \`pigz -6\` to $(($(stat -c %s "$W/g.csv.gz") / 1000000)) MB."
echo
echo "| command | s | MB/s | against the peer |"
echo "|---|---|---|---|"

# 1. counting gzip'ed input
a=$(t "'$S' count '$W/g.csv.gz'")
p=$(t "pigz -dc '$W/g.csv.gz' | wc -l")
row "sluice count g.csv.gz" "$a" "$(ratio "$p" "$a")x pigz -dc | wc -l"
row "pigz -dc g.csv.gz \| wc -l" "$p" ""
a1=$(t "'$S' count -j 1 '$W/g.csv.gz'")
row "sluice count -j 1 g.csv.gz" "$a1" "$(ratio "$p" "$a1")x"

# 2. gzip output: the default level, and level 6 on two threads
g6=$(t "gzip -6 -c '$W/g.csv' >'$W/o.gz'" 1)
s6=$(stat -c %s "$W/o.gz")
p6=$(t "pigz -6 -p 2 -c '$W/g.csv' >'$W/o.gz'" 1)
for lv in default 1 3; do
	opt=; [ $lv = default ] || opt="--level $lv"
	a=$(t "'$S' cat -z $opt '$W/g.csv' >'$W/o.gz'")
	row "sluice cat -z $opt" "$a" "$(ratio "$g6" "$a")x gzip -6, size $(ratio "$(stat -c %s "$W/o.gz")" "$s6")x"
done
a=$(t "'$S' cat -z -j 1 '$W/g.csv' >'$W/o.gz'")
row "sluice cat -z -j 1" "$a" "$(ratio "$g6" "$a")x gzip -6, size $(ratio "$(stat -c %s "$W/o.gz")" "$s6")x"
a=$(t "'$S' cat -z --level 6 -j 2 '$W/g.csv' >'$W/o.gz'" 1)
row "sluice cat -z --level 6 -j 2" "$a" "$(ratio "$p6" "$a")x pigz -6 -p 2, size $(ratio "$(stat -c %s "$W/o.gz")" "$s6")x"
gzip -t "$W/o.gz"
row "gzip -6" "$g6" "size $s6 bytes"
row "pigz -6 -p 2" "$p6" ""

# 3. counting a plain file in parts
c1=$(t "'$S' count -j 1 '$W/g.csv'")
c2=$(t "'$S' count -j 2 '$W/g.csv'")
row "sluice count -j 1 g.csv" "$c1" ""
row "sluice count -j 2 g.csv" "$c2" "$(ratio "$c1" "$c2")x -j 1"

# 4. a spilling sort (runs written two at once, the merge read ahead),
# and its spills in zstd
s1=$(t "'$S' sort -m 64M -k int:n -j 1 '$W/g.csv'")
s2=$(t "'$S' sort -m 64M -k int:n -j 2 '$W/g.csv'")
row "sluice sort -m 64M -k int:n -j 1" "$s1" ""
row "sluice sort -m 64M -k int:n -j 2" "$s2" "$(ratio "$s1" "$s2")x -j 1"
s3=$(t "'$S' sort -m 64M -k int:n -j 1 --spill-codec zstd '$W/g.csv'")
row "sluice sort ... -j 1 --spill-codec zstd" "$s3" "$(ratio "$s1" "$s3")x gzip spills"

# 5. zstd both ways; bzip2 and xz read back (of the first 1.5M lines)
zt=$(t "zstd -q -3 -T2 -c '$W/g.csv' >'$W/z.zst'")
zs=$(stat -c %s "$W/z.zst")
for j in 1 2; do
	a=$(t "'$S' cat --zstd -j $j '$W/g.csv' >'$W/o.zst'")
	zstd -q -dc "$W/o.zst" | cmp - "$W/g.csv"
	row "sluice cat --zstd -j $j (zstd -dc: equal)" "$a" "$(ratio "$zt" "$a")x zstd -3 -T2, size $(ratio "$(stat -c %s "$W/o.zst")" "$zs")x"
done
row "zstd -3 -T2" "$zt" "size $(ratio "$zs" "$s6")x gzip -6"
a=$(t "'$S' count '$W/z.zst'")
z=$(t "zstd -dc '$W/z.zst' | wc -l")
row "sluice count g.csv.zst" "$a" "$(ratio "$z" "$a")x zstd -dc | wc -l"
"$S" cat "$W/z.zst" | cmp - "$W/g.csv"
head -n 1500000 "$W/g.csv" >"$W/h.csv"
bzip2 -c "$W/h.csv" >"$W/h.bz2"
xz -0 -T2 -c "$W/h.csv" >"$W/h.xz"
"$S" cat "$W/h.bz2" | cmp - "$W/h.csv"
"$S" cat "$W/h.xz" | cmp - "$W/h.csv"
echo
echo "zstd, bzip2 and xz inputs read back equal to the original (cmp)."
