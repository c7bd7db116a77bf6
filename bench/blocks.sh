#!/usr/bin/env bash
# bench/blocks.sh [SLUICE] [SIZE] - block gzip (-z --blocks): what it
# costs in bytes against one gzip member at the same level, and what
# splitting it on members buys: a count by `split` parts under GNU
# parallel -j 2, beside one `sluice count` of the same file and beside
# `pigz -dc | wc -l`.  SIZE (default 1G) of `sluice gen` CSV; sluice's
# rows are the median of RUNS (3) runs, interleaved with nothing else.
# Results: bench/results/blocks.md.
. "$(dirname "$0")/common.sh"
OUT=bench/results/blocks.md
for t in parallel pigz bc; do
	command -v $t >/dev/null || { echo "bench/blocks.sh needs $t" >&2; exit 1; }
done

"$S" gen --size "$SIZE" --seed 1 >"$W/f.csv"
bytes=$(stat -c %s "$W/f.csv")
records=$("$S" count "$W/f.csv")
lines=$(wc -l <"$W/f.csv")      # more: gen's text has quoted newlines

{
echo "# Block gzip ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "Input: \`sluice gen --size $SIZE --seed 1\`, $bytes bytes of CSV," \
	"$records records."
echo
echo "## Size: blocks of 1 MiB against one member, the same level"
echo
echo "| level | one member | blocks (1 MiB) | cost |"
echo "| --- | --- | --- | --- |"
for level in 1 3 6 9; do
	"$S" cat -z --level $level "$W/f.csv" >"$W/one.gz"
	"$S" cat -z --blocks --level $level "$W/f.csv" >"$W/blk.gz"
	one=$(stat -c %s "$W/one.gz")
	blk=$(stat -c %s "$W/blk.gz")
	printf '| %s | %s | %s | %+.3f%% |\n' $level $one $blk \
		"$(echo "($blk / $one - 1) * 100" | bc -l)"
done
for b in 64K 256K 4M; do
	"$S" cat -z --blocks=$b "$W/f.csv" >"$W/blk.gz"
	printf '| 3, blocks of %s | | %s | |\n' $b "$(stat -c %s "$W/blk.gz")"
done
echo
echo "## Counting it: split parts under GNU parallel -j 2"
echo
"$S" cat -z --blocks -o "$W/f.csv.gz" "$W/f.csv"
"$S" cat -z -o "$W/one.csv.gz" "$W/f.csv"
echo "f.csv.gz: $(stat -c %s "$W/f.csv.gz") bytes, level 3, blocks of 1 MiB."
echo "MB/s are of the whole CSV's bytes, in the rows of one part too; the"
echo "RSS of a parallel row is GNU parallel's own (perl), its largest process."
echo
rm -f "$W/f.csv"
table_head
cd "$W"
row "sluice count f.csv.gz" "$bytes" "$RUNS" "'$S' count f.csv.gz"
one=$LAST
row "sluice count one.csv.gz (one member, for reference)" "$bytes" "$RUNS" \
	"'$S' count one.csv.gz"
row "parallel -j 2 split --parts 2 \\| count --partial; merge" "$bytes" \
	"$RUNS" "parallel -j 2 \"'$S' split --parts 2 --part {} f.csv.gz |
	 '$S' count --partial\" ::: 1 2 | '$S' merge"
two=$LAST
row "parallel -j 2 split --parts 8 \\| count --partial; merge" "$bytes" \
	"$RUNS" "parallel -j 2 \"'$S' split --parts 8 --part {} f.csv.gz |
	 '$S' count --partial\" ::: 1 2 3 4 5 6 7 8 | '$S' merge"
row "pigz -dc f.csv.gz \\| wc -l" "$bytes" 1 "pigz -dc f.csv.gz | wc -l"
pigz=$LAST
# what one worker does: a part inflates its share only
row "sluice split --parts 1 --part 1 (all of it) >/dev/null" "$bytes" \
	"$RUNS" "'$S' split --parts 1 --part 1 f.csv.gz"
whole=$LAST
row "sluice split --parts 2 --part 2 (half) >/dev/null" "$bytes" "$RUNS" \
	"'$S' split --parts 2 --part 2 f.csv.gz"
half=$LAST
row "sluice split --parts 8 --part 5 (an eighth) >/dev/null" "$bytes" \
	"$RUNS" "'$S' split --parts 8 --part 5 f.csv.gz"
eighth=$LAST
echo
echo "Split parts under parallel -j 2: $(echo "$one / $two" | bc -l |
	xargs printf '%.2f')x one sluice count," \
	"$(echo "$pigz / $two" | bc -l | xargs printf '%.2f')x pigz -dc | wc -l."
echo "A part inflates its share: half in $(echo "$half / $whole" | bc -l |
	xargs printf '%.2f') of the whole's time, an eighth in" \
	"$(echo "$eighth / $whole" | bc -l | xargs printf '%.2f')."
# the answers agree
n1=$("$S" count f.csv.gz)
n2=$(parallel -j 2 "'$S' split --parts 8 --part {} f.csv.gz |
	'$S' count --partial" ::: 1 2 3 4 5 6 7 8 | "$S" merge)
n3=$(pigz -dc f.csv.gz | wc -l)
echo
echo "Records: one run $n1, parts $n2 (of $records); pigz -dc | wc -l:" \
	"$n3 lines (of $lines: quoted newlines are counted)."
if [ "$n1" != "$records" ] || [ "$n2" != "$records" ] ||
   [ "$n3" != "$lines" ]; then
	echo "THE COUNTS DIFFER"
fi
} | tee "$OUT"
