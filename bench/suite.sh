#!/usr/bin/env bash
# bench/suite.sh - the memory-ceiling suite: every verb of sluice at a fixed
# ceiling (-m 32M) on inputs of 64 MB, 256 MB and 1 GB (and 4 GB with
# BENCH_BIG=1), next to the peers that do the same job, with wall time,
# MB/s of input and peak RSS measured from outside the process.
#
#   bash bench/suite.sh [SLUICE]             make bench
#   BENCH_QUICK=1 bash bench/suite.sh        make bench-quick (~2 minutes)
#
# Inputs are made by `sluice gen --size SIZE --seed 1` (columns id, int,
# float, date, cat with 100 values, text) in a scratch folder under
# $TMPDIR, removed afterwards; next to each CSV the same records as TSV
# (`sluice cat -O tsv`: the line-based peers cannot read CSV whose text
# fields hold commas and newlines), a gzip -6 copy (pigz), and a JSON Lines
# table of the same size (`sluice gen -O jsonl`).  The right side of join is
# a small table of 4999 distinct cat values.  Every command runs with its
# output to /dev/null under /usr/bin/time (peak RSS, %M: for a pipeline,
# the largest process in it) and its wall time taken around it; the median
# of the runs is kept.
#
# Peers, each where installed (a missing one is reported as missing):
# Miller, csvkit (smallest size only), GNU datamash, GNU sort (at -S 32M
# and at its default buffer), coreutils, jq, gzip and pigz.  Peers that
# hold the whole input in memory (mlr sort, csvkit) run only on inputs up
# to HOG_MAX (default 300M) and only when their expected RSS fits in half
# of MemAvailable at that moment.
#
# Writes bench/results/suite.{md,tsv}, rss.png and throughput.png (with
# BENCH_QUICK=1: suite-quick.md and so on), and prints the RSS flatness
# check (sluice's peak RSS at every size within 10% of the smallest size's,
# per verb) and the MB/s ratios against Miller.
#
# Environment: SIZES, RUNS (sluice runs, default 3), PEER_RUNS (default 3),
# PEER_RUNS_BIG (runs of a peer at 1 GiB and more, default 1), CSVKIT_RUNS
# (default 1), PEER_MAX (largest size peers run at, default 1G), HOG_MAX,
# CEILING (default 32M), OUT (default bench/results).
set -eu
S=${1:-build/sluice}
case $S in /*) ;; *) S=$PWD/$S ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/results}
CEILING=${CEILING:-32M}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	SIZES=${SIZES:-64M 256M}
	RUNS=${RUNS:-1}
	PEER_RUNS=${PEER_RUNS:-1}
	SUFFIX=-quick
	MODE="make bench-quick"
else
	SIZES=${SIZES:-64M 256M 1G}
	[ "${BENCH_BIG:-}" = 1 ] && SIZES="$SIZES 4G"
	RUNS=${RUNS:-3}
	PEER_RUNS=${PEER_RUNS:-3}
	SUFFIX=
	MODE="make bench"
fi
PEER_RUNS_BIG=${PEER_RUNS_BIG:-1}
CSVKIT_RUNS=${CSVKIT_RUNS:-1}
PEER_MAX=${PEER_MAX:-1G}
HOG_MAX=${HOG_MAX:-300M}
# bench-quick: peers on the smallest size only, and not all of them
QUICK_PEERS="mlr datamash sort-32M coreutils gzip jq"

W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
export LC_ALL=C
# one binary for the whole run, whatever rebuilds the tree meanwhile,
# with the shared library it loads from its own folder (rpath $ORIGIN)
cp "$S" "$W/sluice"
for lib in "$(dirname "$S")"/libsluice.so*; do
	[ -e "$lib" ] && cp -P "$lib" "$W/"
done
S=$W/sluice
mkdir -p "$OUT"
TSV_OUT=$OUT/suite$SUFFIX.tsv
MD_OUT=$OUT/suite$SUFFIX.md
T=$W/suite.tsv
START=$(date +%s)

bytes_of() {  # 64M -> 67108864
	local n=${1%[KMGkmg]}
	case $1 in
	*[Kk]) echo $((n << 10)) ;; *[Mm]) echo $((n << 20)) ;;
	*[Gg]) echo $((n << 30)) ;; *) echo "$n" ;;
	esac
}
mem_avail() { awk '/^MemAvailable:/ { printf "%.0f\n", $2 * 1024 }' /proc/meminfo; }
SMALLEST=${SIZES%% *}

# ---- what runs -----------------------------------------------------------
# verb, tool, input (csv, gz, tsv, jsonl), hog factor (expected peak RSS per
# input byte when the tool holds the whole input, else 0), command.
# @S@ sluice, @M@ the ceiling, @CSV@ @GZ@ @TSV@ @JSONL@ the inputs, @RIGHT@
# @RIGHTTSV@ join's right side, @TMP@ the scratch folder.
cat >"$W/plan" <<'EOF'
cat	sluice	csv	0	@S@ cat @M@ @CSV@
cat	mlr	csv	0	mlr --csv cat @CSV@
cat	csvkit	csv	0	csvformat @CSV@
count	sluice	csv	0	@S@ count @M@ @CSV@
count	mlr	csv	0	mlr --icsv --ojson count @CSV@
count	csvkit	csv	0	csvstat --count @CSV@
count	datamash	tsv	0	datamash --header-in count 1 < @TSV@
count	coreutils	tsv	0	wc -l @TSV@
select	sluice	csv	0	@S@ select @M@ -f id,cat,float @CSV@
select	mlr	csv	0	mlr --csv cut -o -f id,cat,float @CSV@
select	csvkit	csv	0	csvcut -c id,cat,float @CSV@
select	coreutils	tsv	0	cut -f 1,3,5 @TSV@
filter	sluice	csv	0	@S@ filter @M@ 'float > 100 && cat =~ "7$"' @CSV@
filter	mlr	csv	0	mlr --csv filter '$float > 100 && $cat =~ "7$"' @CSV@
filter	csvkit	csv	0	csvgrep -c cat -r '7$' @CSV@
sort	sluice	csv	0	@S@ sort @M@ --tmpdir @TMP@ -k cat -k float:n @CSV@
sort	mlr	csv	32	mlr --csv sort -f cat -nf float @CSV@
sort	csvkit	csv	30	csvsort -c cat,float @CSV@
sort	sort-32M	tsv	0	sort -t $'\t' -k5,5 -k3,3g -S 32M -T @TMP@ @TSV@
sort	sort	tsv	0	sort -t $'\t' -k5,5 -k3,3g -T @TMP@ @TSV@
uniq	sluice	csv	0	@S@ uniq @M@ --tmpdir @TMP@ -k cat -c @CSV@
uniq	mlr	csv	0	mlr --csv uniq -g cat -c @CSV@
uniq	datamash	tsv	0	datamash -s --header-in -g 5 count 5 < @TSV@
uniq	sort-32M	tsv	0	cut -f 5 @TSV@ | sort -S 32M -T @TMP@ | uniq -c
join	sluice	csv	0	@S@ join @M@ --tmpdir @TMP@ -k cat @CSV@ @RIGHT@
join	mlr	csv	0	mlr --csv join -j cat -f @RIGHT@ @CSV@
join	csvkit	csv	30	csvjoin -c cat @CSV@ @RIGHT@
join	sort-32M	tsv	0	sort -t $'\t' -k5,5 -S 32M -T @TMP@ @TSV@ | join -t $'\t' -1 5 -2 1 - @RIGHTTSV@
stats-g	sluice	csv	0	@S@ stats @M@ --tmpdir @TMP@ -g cat -f float -a count,sum,mean,min,max @CSV@
stats-g	mlr	csv	0	mlr --icsv --ocsv stats1 -a count,sum,mean,min,max -f float -g cat @CSV@
stats-g	datamash	tsv	0	datamash -s --header-in -g 5 count 3 sum 3 mean 3 min 3 max 3 < @TSV@
freq	sluice	csv	0	@S@ freq @M@ --tmpdir @TMP@ -f cat @CSV@
freq	mlr	csv	0	mlr --csv count-distinct -f cat then sort -nr count @CSV@
freq	csvkit	csv	30	csvstat -c cat --freq @CSV@
freq	datamash	tsv	0	datamash -s --header-in -g 5 count 5 < @TSV@ | sort -t $'\t' -k2,2nr
freq	sort-32M	tsv	0	cut -f 5 @TSV@ | sort -S 32M -T @TMP@ | uniq -c | sort -nr
tail	sluice	csv	0	@S@ tail @M@ -n 1000 @CSV@
tail	mlr	csv	0	mlr --csv tail -n 1000 @CSV@
tail	coreutils	tsv	0	tail -n 1000 @TSV@
sample	sluice	csv	0	@S@ sample @M@ -n 1000 --seed 1 @CSV@
sample	mlr	csv	0	mlr --seed 1 --csv sample -k 1000 @CSV@
sample	coreutils	tsv	0	shuf -n 1000 @TSV@
csv2jsonl	sluice	csv	0	@S@ cat @M@ -O jsonl @CSV@
csv2jsonl	mlr	csv	0	mlr --icsv --ojsonl cat @CSV@
csv2jsonl	csvkit	csv	16	csvjson --stream -I @CSV@
gzip-in	sluice	gz	0	@S@ count @M@ @GZ@
gzip-in	mlr	gz	0	mlr --icsv --ojson count @GZ@
gzip-in	gzip	gz	0	gzip -dc @GZ@ | wc -l
gzip-in	pigz	gz	0	pigz -dc @GZ@ | wc -l
gzip-out	sluice	csv	0	@S@ cat @M@ -z @CSV@
gzip-out	gzip	csv	0	gzip -6 -c @CSV@
gzip-out	pigz	csv	0	pigz -6 -c @CSV@
jsonl-filter	sluice	jsonl	0	@S@ filter @M@ 'float > 100 && cat =~ "7$"' @JSONL@
jsonl-filter	mlr	jsonl	0	mlr --ijsonl --ojsonl filter '$float > 100 && $cat =~ "7$"' @JSONL@
jsonl-filter	jq	jsonl	0	jq -c 'select(.float > 100 and (.cat | test("7$")))' @JSONL@
EOF

# the command as shown in the results
show() {
	local c=$1
	c=${c//@S@/sluice}; c=${c//@M@/-m $CEILING}
	c=${c//@CSV@/FILE.csv}; c=${c//@GZ@/FILE.csv.gz}; c=${c//@TSV@/FILE.tsv}
	c=${c//@JSONL@/FILE.jsonl}; c=${c//@RIGHTTSV@/RIGHT.tsv}
	c=${c//@RIGHT@/RIGHT.csv}; c=${c//@TMP@/TMP}
	printf '%s' "$c"
}
# the command as run
expand() {
	local c=$1
	c=${c//@S@/\'$S\'}; c=${c//@M@/-m $CEILING}
	c=${c//@CSV@/\'$W/in.csv\'}; c=${c//@GZ@/\'$W/in.csv.gz\'}
	c=${c//@TSV@/\'$W/in.tsv\'}; c=${c//@JSONL@/\'$W/in.jsonl\'}
	c=${c//@RIGHTTSV@/\'$W/right.tsv\'}; c=${c//@RIGHT@/\'$W/right.csv\'}
	c=${c//@TMP@/\'$W\'}
	printf '%s' "$c"
}

# measure COMMAND N: runs it N times; sets SECS and RSS (medians, KiB),
# SECS_ALL, RSS_ALL, and FAIL (empty, or why it failed)
measure() {
	local i t0 t1 rc
	SECS_ALL= RSS_ALL= FAIL=
	for i in $(seq "$2"); do
		rc=0
		t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$W/time" bash -o pipefail -c "$1" \
			>/dev/null 2>"$W/err" || rc=$?
		t1=$(date +%s%N)
		if [ $rc -ne 0 ]; then
			FAIL="failed: exit $rc: $(head -c 160 "$W/err" | tr '\t\n' '  ')"
			return 0
		fi
		SECS_ALL="$SECS_ALL${SECS_ALL:+,}$(awk -v a="$t0" -v b="$t1" \
			'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
		RSS_ALL="$RSS_ALL${RSS_ALL:+,}$(tail -n 1 "$W/time")"
	done
	SECS=$(echo "$SECS_ALL" | tr , '\n' | sort -g | sed -n "$(( ($2 + 1) / 2 ))p")
	RSS=$(echo "$RSS_ALL" | tr , '\n' | sort -g | sed -n "$(( ($2 + 1) / 2 ))p")
}

# record VERB TOOL SIZE INPUT BYTES RUNS SECS MBS RSS STATUS SECS_ALL RSS_ALL CMD
record() {
	local IFS='	'
	echo "$*" >>"$T"
}

# ---- header --------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
memtotal=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
version() { "$@" 2>/dev/null | head -n 1 || true; }
{
	echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# mode: $MODE"
	echo "# cpu: $cpu"
	echo "# cores: $(nproc)"
	echo "# memory: $memtotal GiB"
	echo "# memavailable: $(awk '/^MemAvailable:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB"
	echo "# os: $(uname -sr)$( [ -r /etc/debian_version ] && echo ", Debian $(cat /etc/debian_version)")"
	echo "# load_start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# ceiling: $CEILING"
	echo "# sizes: $SIZES"
	echo "# runs: sluice $RUNS; peers $PEER_RUNS below 1 GiB, $PEER_RUNS_BIG at 1 GiB and more; csvkit $CSVKIT_RUNS"
	echo "# version sluice: $("$S" --version)"
	command -v mlr >/dev/null && echo "# version mlr: $(version mlr --version)"
	command -v csvcut >/dev/null && echo "# version csvkit: csvkit $(version csvcut --version | sed "s/^csvcut //")"
	command -v datamash >/dev/null && echo "# version datamash: $(version datamash --version)"
	echo "# version coreutils: $(version sort --version)"
	command -v jq >/dev/null && echo "# version jq: $(version jq --version)"
	command -v gzip >/dev/null && echo "# version gzip: $(version gzip --version)"
	command -v pigz >/dev/null && echo "# version pigz: $(version pigz --version)"
	printf 'verb\ttool\tsize\tinput\tbytes\truns\tseconds\tmbs\trss_kib\tstatus\tseconds_runs\trss_kib_runs\tcommand\n'
} >"$T"

echo "sluice suite ($MODE): sizes $SIZES, -m $CEILING, scratch $W" >&2

# ---- join's right side -----------------------------------------------------
"$S" gen --rows 50000 --cardinality 5000 --seed 2 \
	--columns cat:cat,weight:int,since:date | "$S" uniq -k cat >"$W/right.csv"
"$S" cat -O tsv "$W/right.csv" >"$W/right.tsv"
echo "# right: $("$S" count "$W/right.csv") records, $(stat -c %s "$W/right.csv") bytes" >>"$T"

gz() { if command -v pigz >/dev/null; then pigz -6 -c "$1"; else gzip -6 -c "$1"; fi; }

# ---- the runs --------------------------------------------------------------
for size in $SIZES; do
	nominal=$(bytes_of "$size")
	echo "== $size: making inputs" >&2
	"$S" gen --size "$size" --seed 1 >"$W/in.csv"
	gz "$W/in.csv" >"$W/in.csv.gz"
	"$S" cat -O tsv "$W/in.csv" >"$W/in.tsv"
	"$S" gen --size "$size" --seed 1 -O jsonl >"$W/in.jsonl"
	b_csv=$(stat -c %s "$W/in.csv")
	b_tsv=$(stat -c %s "$W/in.tsv")
	b_jsonl=$(stat -c %s "$W/in.jsonl")
	b_gz=$(stat -c %s "$W/in.csv.gz")
	echo "# input $size: csv $b_csv bytes $("$S" count "$W/in.csv") records; tsv $b_tsv bytes; jsonl $b_jsonl bytes $("$S" count "$W/in.jsonl") records; gz $b_gz bytes" >>"$T"

	while IFS='	' read -r verb tool input hog tmpl; do
		case $input in
		csv | gz) bytes=$b_csv ;;   # gzip in: MB/s of uncompressed CSV
		tsv) bytes=$b_tsv ;;
		jsonl) bytes=$b_jsonl ;;
		esac
		cmd=$(expand "$tmpl")
		shown=$(show "$tmpl")
		status=ok
		n=$RUNS
		bin=${tmpl%% *}
		if [ "$tool" != sluice ]; then
			n=$PEER_RUNS
			[ "$nominal" -ge $((1 << 30)) ] && n=$PEER_RUNS_BIG
			[ "$tool" = csvkit ] && n=$CSVKIT_RUNS
			if [ "$QUICK" = 1 ] && { [ "$size" != "$SMALLEST" ] ||
				! echo " $QUICK_PEERS " | grep -q " $tool "; }; then
				status="skipped: quick mode (peers: $QUICK_PEERS, at $SMALLEST only)"
			elif ! command -v "$bin" >/dev/null; then
				status="missing: not installed ($bin; make deps-bench)"
			elif [ "$nominal" -gt "$(bytes_of "$PEER_MAX")" ]; then
				status="not run: peers run up to $PEER_MAX (PEER_MAX) to bound the run time"
			elif [ "$tool" = csvkit ] && [ "$size" != "$SMALLEST" ]; then
				status="capped: csvkit runs on the smallest size only (slow; csvsort, csvjoin, csvstat and csvjson hold the input in memory)"
			elif [ "$hog" != 0 ]; then
				need=$((hog * bytes))
				avail=$(mem_avail)
				if [ "$bytes" -gt "$(bytes_of "$HOG_MAX")" ]; then
					status="capped: holds the whole input in memory (about ${hog}x its size, $((need >> 30)) GiB here); runs only up to $HOG_MAX"
				elif [ $((need * 2)) -gt "$avail" ]; then
					status="capped: would need about $((need >> 30)) GiB, more than half of MemAvailable ($((avail >> 30)) GiB)"
				fi
			fi
		fi
		if [ "$status" != ok ]; then
			record "$verb" "$tool" "$size" "$input" "$bytes" 0 "" "" "" \
				"$status" "" "" "$shown"
			printf '%-12s %-10s %-5s %s\n' "$verb" "$tool" "$size" "$status" >&2
			continue
		fi
		measure "$cmd" "$n" </dev/null
		if [ -n "$FAIL" ]; then
			record "$verb" "$tool" "$size" "$input" "$bytes" "$n" "" "" "" \
				"$FAIL" "" "" "$shown"
			printf '%-12s %-10s %-5s %s\n' "$verb" "$tool" "$size" "$FAIL" >&2
			continue
		fi
		mbs=$(awk -v b="$bytes" -v s="$SECS" 'BEGIN { printf "%.1f", b / 1e6 / s }')
		record "$verb" "$tool" "$size" "$input" "$bytes" "$n" "$SECS" "$mbs" \
			"$RSS" ok "$SECS_ALL" "$RSS_ALL" "$shown"
		printf '%-12s %-10s %-5s %8s s %8s MB/s %9.1f MiB\n' "$verb" "$tool" \
			"$size" "$SECS" "$mbs" "$(echo "$RSS / 1024" | bc -l)" >&2
	done <"$W/plan"
	rm -f "$W/in.csv" "$W/in.csv.gz" "$W/in.tsv" "$W/in.jsonl"
done

{
	echo "# load_end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# elapsed: $(( $(date +%s) - START )) s"
} >>"$T"
cp "$T" "$TSV_OUT"

# ---- report ------------------------------------------------------------------
bash "$HERE/suite-report.sh" "$TSV_OUT" "$SUFFIX" >"$MD_OUT"
bash "$HERE/plot.sh" "$TSV_OUT" "$OUT" "$SUFFIX"
# the checks, on the terminal too
sed -n '/^## Peak RSS/,/^## All measurements/p' "$MD_OUT" | sed '$d'
echo "results: $MD_OUT, $TSV_OUT, $OUT/rss$SUFFIX.png, $OUT/throughput$SUFFIX.png" >&2
