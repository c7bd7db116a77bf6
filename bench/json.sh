#!/usr/bin/env bash
# bench/json.sh - JSON: count and filter of JSON Lines beside jq, JSON
# Lines to CSV and back, one big JSON array under -m 8M, and --keys union
# over standard input beside Miller's unsparsify, with peak RSS.
#
#   bash bench/json.sh [SLUICE] [SIZE]      (SIZE default 1G)
#
# FILE.jsonl is `sluice gen --size SIZE --seed 1 -O jsonl`, FILE.csv the
# same records as CSV, in a scratch folder under $TMPDIR removed
# afterwards.  sluice's commands run RUNS times (default 3) and show the
# median; jq and Miller, which take minutes, run once.  MB/s is over the
# input's size.  The array (twice SIZE) is never on disk: `sluice gen -O
# json` pipes it in.  The mixed keys: FILE.jsonl with its keys renamed
# every 1000 records by awk (cat becomes cat0..cat6, one block in three
# drops date), piped to `sluice cat --keys union -O csv`; the header is
# checked against Python's union of the keys, and the record count.
. "$(dirname "$0")/common.sh"

"$S" gen --size "$SIZE" --seed 1 -O jsonl >"$W/in.jsonl"
"$S" cat -O csv "$W/in.jsonl" >"$W/in.csv"
jbytes=$(stat -c %s "$W/in.jsonl")
cbytes=$(stat -c %s "$W/in.csv")
rows=$("$S" count "$W/in.jsonl")

ratio() { echo "$1 / $2" | bc -l | xargs printf '%.1f'; }

echo "# JSON benchmark, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
echo "FILE.jsonl: \`sluice gen --size $SIZE --seed 1 -O jsonl\`, $jbytes bytes,"
echo "$rows records; FILE.csv the same records, $cbytes bytes; warm page"
echo "cache; sluice: median of $RUNS runs, peers: one run."
echo
table_head
row "sluice count FILE.jsonl" "$jbytes" "$RUNS" "'$S' count '$W/in.jsonl'"
row "sluice filter 'float < 0' FILE.jsonl" "$jbytes" "$RUNS" \
	"'$S' filter 'float < 0' '$W/in.jsonl'"
sl=$LAST
jq_t=
if command -v jq >/dev/null; then
	row "jq -c 'select(.float < 0)' FILE.jsonl" "$jbytes" 1 \
		"jq -c 'select(.float < 0)' '$W/in.jsonl'"
	jq_t=$LAST
else
	printf '| %-60s |         |         |          |\n' "jq: missing (make deps-bench)"
fi
row "sluice cat -O csv FILE.jsonl" "$jbytes" "$RUNS" "'$S' cat -O csv '$W/in.jsonl'"
row "sluice cat -O jsonl FILE.csv" "$cbytes" "$RUNS" "'$S' cat -O jsonl '$W/in.csv'"
if command -v mlr >/dev/null; then
	row "mlr --ijsonl --ocsv cat FILE.jsonl" "$jbytes" 1 \
		"mlr --ijsonl --ocsv cat '$W/in.jsonl'"
fi

# one array of twice SIZE, streamed through a pipe, under -m 8M
abytes=$("$S" gen --size "$(( $(numfmt --from=iec "$SIZE") * 2 ))" --seed 2 -O json | wc -c)
row "gen -O json (${abytes} B) \| count -i json -m 8M" "$abytes" 1 \
	"'$S' gen --size $(( $(numfmt --from=iec "$SIZE") * 2 )) --seed 2 -O json | '$S' count -i json -m 8M"
arss=$(sed -n 1p "$W/t" | awk '{ print $2 }')

# keys that change every 1000 records
mix() {
	awk '{ b = int((NR - 1) / 1000); sub(/"cat":/, "\"cat" (b % 7) "\":");
	       if (b % 3 == 2) sub(/"date":"[0-9-]*",/, ""); print }' "$W/in.jsonl"
}
mix >"$W/mixed.jsonl"
row "sluice cat --keys union -O csv -m 16M <MIXED" "$jbytes" 1 \
	"'$S' cat --keys union -O csv -m 16M <'$W/mixed.jsonl'"
urss=$(sed -n 1p "$W/t" | awk '{ print $2 }')
# Miller holds every record (2.1 GB of RSS for 64 MB): its peer row is
# over the first 600000 records, beside sluice's on the same
if command -v mlr >/dev/null; then
	head -n 600000 "$W/mixed.jsonl" >"$W/part.jsonl"
	pbytes=$(stat -c %s "$W/part.jsonl")
	row "sluice cat --keys union -O csv <MIXED-600K" "$pbytes" "$RUNS" \
		"'$S' cat --keys union -O csv -m 16M <'$W/part.jsonl'"
	row "mlr --ijsonl --ocsv unsparsify <MIXED-600K" "$pbytes" 1 \
		"mlr --ijsonl --ocsv unsparsify <'$W/part.jsonl'"
fi
"$S" cat --keys union -O csv -m 16M <"$W/mixed.jsonl" >"$W/mixed.csv"
want=$(head -n 7000 "$W/mixed.jsonl" | python3 -c 'import json, sys
seen = {}
for line in sys.stdin:
    for k in json.loads(line):
        seen.setdefault(k)
print(",".join(seen))')
got=$(head -n 1 "$W/mixed.csv")
echo
echo "The array: peak RSS $((arss / 1024)) MiB ($arss KiB) under -m 8M."
echo "--keys union over standard input: header \`$got\`"
[ "$got" = "$want" ] && [ "$("$S" count "$W/mixed.csv")" = "$rows" ] &&
	echo "(Python's union of the first 7000 records' keys, which hold them all, and $rows records: right);" ||
	echo "(WRONG: want \`$want\` and $rows records);"
echo "peak RSS $((urss / 1024)) MiB ($urss KiB) under -m 16M."
if [ -n "$jq_t" ]; then
	echo
	echo "filter against jq: $(ratio "$jq_t" "$sl")x."
fi
