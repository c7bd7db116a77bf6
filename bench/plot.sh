#!/usr/bin/env bash
# bench/plot.sh - draw the two plots of bench/suite.sh from its raw numbers.
#
#   bash bench/plot.sh [SUITE.TSV] [OUTDIR] [SUFFIX]
#
# Defaults: bench/results/suite.tsv, its folder, no suffix.  Writes
# OUTDIR/rss SUFFIX.png (peak RSS against input size, one panel per verb:
# sluice thick and black, each peer in its own colour, dashed) and
# OUTDIR/throughput SUFFIX.png (top: MB/s of every tool at the largest
# size a peer ran at; bottom: sluice MB/s / peer MB/s at the largest
# size both ran).
# Needs gnuplot (Debian: gnuplot-nox).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TSV=${1:-$HERE/results/suite.tsv}
OUTDIR=${2:-$(dirname "$TSV")}
SUFFIX=${3:-}
command -v gnuplot >/dev/null || {
	echo "plot.sh: gnuplot is missing (make deps-bench); no plots" >&2
	exit 0
}
G=$(mktemp "${TMPDIR:-/tmp}/sluice-plot-XXXXXX")
trap 'rm -f "$G"' EXIT

awk -F'\t' -v out="$OUTDIR" -v suffix="$SUFFIX" '
function vlabel(v) { return (v in VL) ? VL[v] : v }
function tlabel(t) { return (t in TL) ? TL[t] : t }
function mibof(z,  n) {  # 64M -> 64, 1G -> 1024
	n = z + 0
	if (z ~ /[Gg]$/) return n * 1024
	if (z ~ /[Kk]$/) return n / 1024
	return n
}
BEGIN {
	VL["cat"] = "cat"; VL["count"] = "count"; VL["select"] = "select"
	VL["filter"] = "filter"; VL["sort"] = "sort"; VL["uniq"] = "uniq -c"
	VL["join"] = "join"; VL["stats-g"] = "stats -g"; VL["freq"] = "freq"
	VL["tail"] = "tail"; VL["sample"] = "sample"
	VL["csv2jsonl"] = "CSV to JSONL"; VL["gzip-in"] = "gzip in"
	VL["gzip-out"] = "gzip out"; VL["jsonl-filter"] = "JSONL filter"
	TL["sluice"] = "sluice"; TL["mlr"] = "Miller"; TL["csvkit"] = "csvkit"
	TL["datamash"] = "datamash"; TL["sort-32M"] = "GNU sort -S 32M"
	TL["sort"] = "GNU sort"; TL["coreutils"] = "coreutils"; TL["jq"] = "jq"
	TL["gzip"] = "gzip"; TL["pigz"] = "pigz"
	COL["sluice"] = "#000000"; COL["mlr"] = "#d62728"; COL["csvkit"] = "#9467bd"
	COL["datamash"] = "#8c564b"; COL["sort-32M"] = "#2ca02c"; COL["sort"] = "#8fd175"
	COL["coreutils"] = "#7f7f7f"; COL["jq"] = "#ff7f0e"; COL["gzip"] = "#17becf"
	COL["pigz"] = "#1f77b4"
	PT["sluice"] = 7; PT["mlr"] = 4; PT["csvkit"] = 6; PT["datamash"] = 8
	PT["sort-32M"] = 10; PT["sort"] = 12; PT["coreutils"] = 14; PT["jq"] = 2
	PT["gzip"] = 1; PT["pigz"] = 3
}
/^# ceiling: / { ceil = $0; sub(/^# ceiling: /, "", ceil); next }
/^# date: / { date = $0; sub(/^# date: /, "", date); next }
/^#/ || $1 == "verb" { next }
{
	v = $1; t = $2; z = $3
	if (!(v in vseen)) { vseen[v] = 1; verbs[++nv] = v }
	if (!(t in tseen)) { tseen[t] = 1; tools[++nt] = t }
	if (!(z in zseen)) { zseen[z] = 1; sizes[++nz] = z }
	if ($10 == "ok") {
		ok[v, t, z] = 1; rss[v, t, z] = $9 / 1024; mbs[v, t, z] = $8
		if ($9 / 1024 > ymax) ymax = $9 / 1024
		used[t] = 1
	} else {
		why = $10; sub(/:.*/, "", why); sub(/^not run/, "not run", why)
		if (!((v, t) in nr)) { nr[v, t] = why " " z; nrt[v] = nrt[v] " " t }
		else nr[v, t] = nr[v, t] "," z
	}
}
END {
	large = sizes[nz]
	cmib = mibof(ceil)
	# ---- peak RSS ----
	ncol = 4; nrow = int((nv + 1 + ncol - 1) / ncol)
	printf "set terminal pngcairo size 1600,%d font \"sans,10\"\n", 330 * nrow + 60
	printf "set output \"%s/rss%s.png\"\n", out, suffix
	printf "set multiplot layout %d,%d title \"Peak RSS against input size, sluice at -m %s and its peers (%s)\" font \",14\"\n", nrow, ncol, ceil, date
	print "set logscale x 2; set logscale y 10; set grid"
	printf "set xrange [%g:%g]\n", mibof(sizes[1]) / 1.5, mibof(large) * 1.5
	yr = 10; while (yr < ymax * 2) yr *= 10
	printf "set yrange [1:%g]\n", yr
	xt = "set xtics ("
	for (j = 1; j <= nz; j++) xt = xt (j > 1 ? ", " : "") "\"" sizes[j] "\" " mibof(sizes[j])
	print xt ")"
	print "set format y \"%g\"; set xlabel \"input size\" offset 0,0.5; set ylabel \"peak RSS, MiB\" offset 1.5,0"
	print "set key off; set datafile separator whitespace"
	for (k = 1; k <= nt; k++) {
		t = tools[k]
		if (t == "sluice")
			printf "set style line %d lc rgb \"%s\" lw 3 pt %d ps 1.2 dt 1\n", k, COL[t], PT[t]
		else
			printf "set style line %d lc rgb \"%s\" lw 1.5 pt %d ps 1 dt 2\n", k, COL[t], PT[t]
	}
	for (i = 1; i <= nv; i++) {
		v = verbs[i]
		printf "set title \"%s\" font \",12\"\n", vlabel(v)
		printf "set arrow 1 from graph 0, first %g to graph 1, first %g nohead lc rgb \"#4040c0\" dt 3 lw 1\n", cmib, cmib
		printf "set label 1 \"-m %s\" at graph 0.02, first %g offset 0,0.6 tc rgb \"#4040c0\" font \",8\"\n", ceil, cmib
		if (v in nrt) {  # which peers did not run where, one line each
			m = split(substr(nrt[v], 2), nl, " "); lab = ""
			for (q = 1; q <= m; q++) lab = lab (q > 1 ? "\\n" : "") tlabel(nl[q]) ": " nr[v, nl[q]]
			gsub(/"/, "", lab)
			printf "set label 2 \"%s\" at graph 0.98, graph 0.95 right font \",7\" tc rgb \"#606060\"\n", lab
		} else print "unset label 2"
		pl = ""
		for (k = 1; k <= nt; k++) {
			t = tools[k]; n = 0
			blk = ""
			for (j = 1; j <= nz; j++)
				if (ok[v, t, sizes[j]]) { blk = blk mibof(sizes[j]) " " rss[v, t, sizes[j]] "\n"; n++ }
			if (n == 0) continue
			name = "$d" i "_" k
			printf "%s << EOD\n%sEOD\n", name, blk
			pl = pl (pl ? ", " : "") name " using 1:2 with linespoints ls " k
		}
		print "plot " pl
	}
	# legend panel
	print "unset arrow 1; unset label 1; unset label 2; unset title; unset border; unset tics; unset grid"
	print "unset logscale; set xrange [0:1]; set yrange [0:1]; unset xlabel; unset ylabel"
	print "set key center center box spacing 1.3 font \",11\""
	pl = ""
	for (k = 1; k <= nt; k++) {
		t = tools[k]; if (!used[t]) continue
		pl = pl (pl ? ", " : "") "NaN with linespoints ls " k " title \"" (t == "sluice" ? "sluice -m " ceil : tlabel(t)) "\""
	}
	print "plot " pl
	print "unset multiplot"
	print "reset"

	# ---- throughput ----
	printf "set terminal pngcairo size 1600,1150 font \"sans,10\"\n"
	printf "set output \"%s/throughput%s.png\"\n", out, suffix
	printf "set multiplot layout 2,1 title \"Throughput, sluice at -m %s and its peers (%s)\" font \",14\"\n", ceil, date
	print "set datafile separator \"\\t\"; set datafile missing \"?\""
	print "set style data histogram; set style histogram clustered gap 1"
	print "set style fill solid 0.9 border -1; set boxwidth 0.9"
	print "set logscale y 10; set format y \"%g\"; set grid ytics"
	print "set xtics rotate by -30 nomirror; set key outside right top vertical"
	for (k = 1; k <= nt; k++) printf "set style line %d lc rgb \"%s\"\n", k, COL[tools[k]]
	# top: MB/s at the largest size any peer ran at
	for (j = nz; j >= 1; j--) {
		for (i = 1; i <= nv; i++) for (k = 1; k <= nt; k++)
			if (tools[k] != "sluice" && ok[verbs[i], tools[k], sizes[j]]) peerz = sizes[j]
		if (peerz != "") break
	}
	if (peerz != "") large = peerz
	blk = ""
	for (i = 1; i <= nv; i++) {
		v = verbs[i]; row = vlabel(v)
		for (k = 1; k <= nt; k++) row = row "\t" (ok[v, tools[k], large] ? mbs[v, tools[k], large] : "?")
		blk = blk row "\n"
	}
	printf "$mbs << EOD\n%sEOD\n", blk
	printf "set title \"MB/s of input at %s (median; higher is faster; no bar: the tool has no such verb or was not run at this size)\"\n", large
	print "set ylabel \"MB/s\"; set yrange [1:*]"
	pl = ""
	for (k = 1; k <= nt; k++) {
		t = tools[k]; any = 0
		for (i = 1; i <= nv; i++) if (ok[verbs[i], t, large]) any = 1
		if (!any) continue
		pl = pl (pl ? ", " : "") "$mbs using " (k + 1) ":xtic(1) ls " k " title \"" (t == "sluice" ? "sluice -m " ceil : tlabel(t)) "\""
	}
	print "plot " pl
	# bottom: ratios at the largest common size
	blk = ""
	for (i = 1; i <= nv; i++) {
		v = verbs[i]; row = vlabel(v)
		for (k = 1; k <= nt; k++) {
			t = tools[k]; if (t == "sluice") continue
			r = "?"
			for (j = nz; j >= 1; j--)
				if (ok[v, t, sizes[j]] && ok[v, "sluice", sizes[j]] && mbs[v, t, sizes[j]] > 0) {
					r = mbs[v, "sluice", sizes[j]] / mbs[v, t, sizes[j]]; break
				}
			row = row "\t" r
		}
		blk = blk row "\n"
	}
	printf "$ratio << EOD\n%sEOD\n", blk
	print "set title \"sluice MB/s / peer MB/s, at the largest size both ran (above 1: sluice is faster)\""
	print "set ylabel \"ratio\"; set yrange [*:*]"
	print "set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lc rgb \"#000000\" lw 1.5"
	pl = ""; c = 1
	for (k = 1; k <= nt; k++) {
		t = tools[k]; if (t == "sluice") continue
		c++
		any = 0
		for (i = 1; i <= nv; i++) for (j = 1; j <= nz; j++) if (ok[verbs[i], t, sizes[j]]) any = 1
		if (!any) continue
		pl = pl (pl ? ", " : "") "$ratio using " c ":xtic(1) ls " k " title \"" tlabel(t) "\""
	}
	print "plot " pl
	print "unset multiplot"
}
' "$TSV" >"$G"
gnuplot "$G"
echo "plots: $OUTDIR/rss$SUFFIX.png $OUTDIR/throughput$SUFFIX.png" >&2
