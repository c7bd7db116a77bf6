#!/usr/bin/env bash
# bench/put.sh - sluice put beside Miller's put on a generated CSV, with
# peak RSS: x = float * 2 and c = upper(cat) on each record.
#
#   bash bench/put.sh [SLUICE] [SIZE]      (SIZE default 1G)
#
# FILE.csv is `sluice gen --size SIZE --seed 1` in a scratch folder under
# $TMPDIR, removed afterwards.  sluice runs RUNS times (default 3; the
# median is shown), Miller once.  Both outputs are checked to agree on
# the two new fields' values (numbers compared as numbers).
. "$(dirname "$0")/common.sh"

"$S" gen --size "$SIZE" --seed 1 >"$W/in.csv"
bytes=$(stat -c %s "$W/in.csv")

echo "# put benchmark, $(date -u +%Y-%m-%d)"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
echo "FILE.csv: \`sluice gen --size $SIZE --seed 1\`, $bytes bytes; warm page cache;"
echo "sluice: median of $RUNS runs, Miller: one run."
echo
table_head
row "sluice put 'x = float * 2; c = upper(cat)' FILE.csv" "$bytes" "$RUNS" \
	"'$S' put 'x = float * 2; c = upper(cat)' '$W/in.csv'"
sl=$LAST
if command -v mlr >/dev/null; then
	row "mlr --csv put '\$x = \$float * 2; \$c = toupper(\$cat)' FILE.csv" "$bytes" 1 \
		"mlr --csv put '\$x = \$float * 2; \$c = toupper(\$cat)' '$W/in.csv'"
	echo
	echo "sluice against Miller: $(echo "$LAST / $sl" | bc -l | xargs printf '%.1f')x."
	# the same values: the first 20000 records of each
	"$S" put 'x = float * 2; c = upper(cat)' "$W/in.csv" | head -n 20000 |
		"$S" select -f x,c >"$W/a.csv"
	head -n 20000 "$W/in.csv" | mlr --csv put '$x = $float * 2; $c = toupper($cat)' |
		mlr --csv cut -o -f x,c >"$W/b.csv"
	python3 - "$W/a.csv" "$W/b.csv" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1])))
b = list(csv.reader(open(sys.argv[2])))
n = min(len(a), len(b))
bad = sum(1 for x, y in zip(a[1:n], b[1:n])
          if x[1] != y[1] or abs(float(x[0]) - float(y[0])) > 1e-9 * abs(float(y[0])))
print("values checked against Miller's on %d records: %d differ" % (n - 1, bad))
PY
else
	printf '| %-60s |         |         |          |\n' "mlr: missing (make deps-bench)"
fi
