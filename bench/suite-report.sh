#!/usr/bin/env bash
# bench/suite-report.sh - the Markdown report of bench/suite.sh, from its raw
# numbers, on standard output.
#
#   bash bench/suite-report.sh bench/results/suite.tsv [SUFFIX] > suite.md
#
# SUFFIX (-quick for make bench-quick) names the plots the report shows.
# The TSV has "# key: value" lines (machine, versions, inputs) and one row
# per verb, tool and size: the median seconds, MB/s and peak RSS in KiB of
# the runs, a status (ok, missing, capped, skipped, failed) and the command.
set -eu
TSV=${1:?usage: suite-report.sh SUITE.TSV [SUFFIX]}
SUFFIX=${2:-}

awk -F'\t' -v suffix="$SUFFIX" '
function vlabel(v) { return (v in VL) ? VL[v] : v }
function tlabel(t) { return (t in TL) ? TL[t] : t }
function mib(k) { return sprintf("%.1f", k / 1024) }
function pct(x) { return sprintf("%+.1f%%", 100 * x) }
function abs(x) { return x < 0 ? -x : x }
function esc(s) { gsub(/\|/, "\\|", s); return s }
function ratio(r) { return sprintf(r >= 10 ? "%.0fx" : r >= 0.1 ? "%.2gx" : "%.1gx", r) }
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
}
/^# input / {
	s = $0; sub(/^# input /, "", s); k = s; sub(/:.*/, "", k); sub(/^[^:]*: /, "", s)
	inputs[k] = s; next
}
/^# / {
	s = substr($0, 3); k = s; sub(/:.*/, "", k); sub(/^[^:]*: /, "", s)
	if (k ~ /^version /) vs = vs (vs ? ", " : "") s
	meta[k] = s; next
}
$1 == "verb" { next }
{
	v = $1; t = $2; z = $3
	if (!(v in vseen)) { vseen[v] = 1; verbs[++nv] = v }
	if (!(t in tseen)) { tseen[t] = 1; tools[++nt] = t }
	if (!(z in zseen)) { zseen[z] = 1; sizes[++nz] = z }
	if (!((v, t) in cseen)) { cseen[v, t] = 1; ncmd[v]++; cmdt[v, ncmd[v]] = t; cmd[v, t] = $13 }
	st[v, t, z] = $10; secs[v, t, z] = $7; mbs[v, t, z] = $8; rss[v, t, z] = $9
	runs[v, t, z] = $6; bytes[v, t, z] = $5; input[v, t] = $4
	if ($10 != "ok") { nnote++; notes[nnote] = vlabel(v) " / " tlabel(t) " / " z ": " $10 }
}
END {
	small = sizes[1]; large = sizes[nz]
	ceil = meta["ceiling"]
	title = "# sluice memory-ceiling suite"
	if (meta["mode"] ~ /quick/) title = title " (quick)"
	print title ", " substr(meta["date"], 1, 10)
	print ""
	print "Made by `" meta["mode"] "` (bench/suite.sh) on " meta["date"] ", in " \
		sprintf("%.0f", meta["elapsed"] / 60) " minutes."
	print ""
	print "- machine: " meta["cpu"] ", " meta["cores"] " cores, " meta["memory"] \
		" memory (" meta["memavailable"] " available at the start), no swap; " meta["os"]
	print "- shared machine: load average " meta["load_start"] " at the start, " \
		meta["load_end"] " at the end, so single figures move by tens of percent"
	print "- every sluice command at `-m " ceil "`; sizes " meta["sizes"] \
		" (MiB/GiB as `sluice gen --size` takes them); runs: " meta["runs"] \
		"; the median is kept (seconds and RSS each)"
	print "- wall time around `/usr/bin/time -f %M bash -o pipefail -c COMMAND >/dev/null`;" \
		" peak RSS is `%M`, for a pipeline that of its largest process; MB/s is 10^6 bytes" \
		" of input per second, warm page cache"
	print "- versions: " vs
	print ""

	print "Inputs (made in a scratch folder under $TMPDIR and removed afterwards):"
	print ""
	print "| size | CSV | TSV copy | gzip -6 copy | JSON Lines |"
	print "| ---- | --- | -------- | ------------ | ---------- |"
	for (i = 1; i <= nz; i++) {
		s = inputs[sizes[i]]
		split(s, p, "; ")
		sub(/^csv /, "", p[1]); sub(/^tsv /, "", p[2]); sub(/^jsonl /, "", p[3]); sub(/^gz /, "", p[4])
		print "| " sizes[i] " | " p[1] " | " p[2] " | " p[4] " | " p[3] " |"
	}
	print ""
	print "FILE.csv is `sluice gen --size SIZE --seed 1` (id, int, float, date, cat" \
		" with 100 values, text with commas, quotes and 1% newlines); FILE.tsv the" \
		" same records by `sluice cat -O tsv` (newlines escaped, so one line per record)" \
		" for the line-based peers (datamash, GNU sort, coreutils), whose MB/s is over" \
		" its size; FILE.csv.gz a `pigz -6` copy (gzip in: MB/s of the uncompressed CSV);" \
		" FILE.jsonl `sluice gen --size SIZE --seed 1 -O jsonl`. RIGHT.csv, the right" \
		" side of join, is `sluice gen --rows 50000 --cardinality 5000 --seed 2 --columns" \
		" cat:cat,weight:int,since:date | sluice uniq -k cat` (" meta["right"] \
		"), so every left record meets exactly one right record; RIGHT.tsv is its TSV copy."
	print ""

	# -- flatness
	print "## Peak RSS of sluice at -m " ceil ": flat across sizes"
	print ""
	print "Check: for every verb, sluice peak RSS at each size within 10% of its RSS at " \
		small " (the goal: 1 GB against 64 MB)."
	print ""
	h = "| verb |"; d = "| ---- |"
	for (i = 1; i <= nz; i++) { h = h " " sizes[i] " MiB |"; d = d " ---: |" }
	print h " " large " vs " small " | largest change | check |"
	print d " ---: | ---: | :---: |"
	npass = 0
	for (i = 1; i <= nv; i++) {
		v = verbs[i]; line = "| " vlabel(v) " |"; ok = 1; worst = 0
		base = (st[v, "sluice", small] == "ok") ? rss[v, "sluice", small] : 0
		for (j = 1; j <= nz; j++) {
			z = sizes[j]
			if (st[v, "sluice", z] != "ok") { line = line " " st[v, "sluice", z] " |"; ok = 0; continue }
			line = line " " mib(rss[v, "sluice", z]) " |"
			if (base > 0) {
				dv = rss[v, "sluice", z] / base - 1
				if (abs(dv) > abs(worst)) worst = dv
				if (abs(dv) > 0.10) ok = 0
			}
		}
		if (base > 0 && st[v, "sluice", large] == "ok")
			line = line " " pct(rss[v, "sluice", large] / base - 1) " |"
		else { line = line " - |"; ok = 0 }
		line = line " " pct(worst) " | " (ok ? "PASS" : "FAIL") " |"
		if (ok) npass++
		print line
		flat[v] = ok ? "PASS" : "FAIL"
	}
	print ""
	print "**" npass " of " nv " verbs PASS" (npass == nv ? "." : "; see the FAIL rows.") "**"
	print ""

	# -- sluice throughput
	print "## sluice throughput at -m " ceil
	print ""
	h = "| verb |"; d = "| ---- |"
	for (i = 1; i <= nz; i++) { h = h " " sizes[i] " s | " sizes[i] " MB/s |"; d = d " ---: | ---: |" }
	print h; print d
	for (i = 1; i <= nv; i++) {
		v = verbs[i]; line = "| " vlabel(v) " |"
		for (j = 1; j <= nz; j++) {
			z = sizes[j]
			if (st[v, "sluice", z] == "ok") line = line " " secs[v, "sluice", z] " | " sprintf("%.0f", mbs[v, "sluice", z]) " |"
			else line = line " - | - |"
		}
		print line
	}
	print ""

	# -- ratios
	print "## sluice against Miller"
	print ""
	print "sluice MB/s divided by Miller MB/s, per verb, at the largest size Miller ran" \
		" (same input, same run); Miller RSS beside sluice RSS at that size."
	print ""
	print "| verb | size | sluice MB/s | Miller MB/s | ratio | sluice RSS MiB | Miller RSS MiB |"
	print "| ---- | ---- | ---: | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nv; i++) {
		v = verbs[i]
		if (!((v, "mlr") in cseen)) continue
		zz = ""
		for (j = nz; j >= 1; j--) if (st[v, "mlr", sizes[j]] == "ok" && st[v, "sluice", sizes[j]] == "ok") { zz = sizes[j]; break }
		if (zz == "") { print "| " vlabel(v) " | - | | | not measured | | |"; continue }
		r = mbs[v, "sluice", zz] / mbs[v, "mlr", zz]
		printf "| %s | %s | %.0f | %.1f | %s | %s | %s |\n", vlabel(v), zz,
			mbs[v, "sluice", zz], mbs[v, "mlr", zz], ratio(r), mib(rss[v, "sluice", zz]), mib(rss[v, "mlr", zz])
	}
	print ""
	print "## sluice against every peer"
	print ""
	print "sluice MB/s divided by the peer MB/s at the largest size both ran (the size in" \
		" brackets); above 1 sluice is faster. Blank: the peer has no equivalent."
	print ""
	h = "| verb |"; d = "| ---- |"
	for (k = 1; k <= nt; k++) if (tools[k] != "sluice") { h = h " " tlabel(tools[k]) " |"; d = d " ---: |" }
	print h; print d
	for (i = 1; i <= nv; i++) {
		v = verbs[i]; line = "| " vlabel(v) " |"
		for (k = 1; k <= nt; k++) {
			t = tools[k]; if (t == "sluice") continue
			if (!((v, t) in cseen)) { line = line " |"; continue }
			zz = ""
			for (j = nz; j >= 1; j--) if (st[v, t, sizes[j]] == "ok" && st[v, "sluice", sizes[j]] == "ok") { zz = sizes[j]; break }
			if (zz == "") { line = line " not run |"; continue }
			line = line " " ratio(mbs[v, "sluice", zz] / mbs[v, t, zz]) " (" zz ") |"
		}
		print line
	}
	print ""

	print "## Plots"
	print ""
	print "![peak RSS against input size, per verb](rss" suffix ".png)"
	print ""
	print "![throughput of sluice and its peers](throughput" suffix ".png)"
	print ""
	print "Both are drawn by `bash bench/plot.sh suite" suffix ".tsv` from the raw numbers in suite" suffix ".tsv."
	print ""

	print "## All measurements"
	print ""
	print "| verb | tool | size | runs | seconds | MB/s | RSS MiB | note |"
	print "| ---- | ---- | ---- | ---: | ---: | ---: | ---: | ---- |"
	for (i = 1; i <= nv; i++) {
		v = verbs[i]
		for (c = 1; c <= ncmd[v]; c++) {
			t = cmdt[v, c]
			for (j = 1; j <= nz; j++) {
				z = sizes[j]
				if (!((v, t, z) in st)) continue
				if (st[v, t, z] == "ok")
					printf "| %s | %s | %s | %s | %s | %.1f | %s | |\n", vlabel(v), tlabel(t), z,
						runs[v, t, z], secs[v, t, z], mbs[v, t, z], mib(rss[v, t, z])
				else
					printf "| %s | %s | %s | | | | | %s |\n", vlabel(v), tlabel(t), z, esc(st[v, t, z])
			}
		}
	}
	print ""

	print "## Commands"
	print ""
	print "FILE, RIGHT and TMP are the inputs and the scratch folder above; every command" \
		" writes to /dev/null; LC_ALL=C throughout."
	print ""
	for (i = 1; i <= nv; i++) {
		v = verbs[i]
		print "- " vlabel(v) ":"
		print ""
		print "  ```"
		for (c = 1; c <= ncmd[v]; c++) {
			t = cmdt[v, c]
			printf "  %-16s %s\n", tlabel(t) ":", cmd[v, t]
		}
		print "  ```"
		print ""
	}
}
' "$TSV"

cat <<'EOF'
## Notes on the peers

- `sluice cat FILE.csv` with CSV out copies the bytes unchanged without
  parsing them (see `sluice cat --help`), so its row measures reading the
  page cache into /dev/null, not CSV parsing; Miller and csvformat parse
  and rewrite every record. The parsing rate of sluice is in the select,
  filter and CSV to JSONL rows. Likewise GNU `tail` seeks to the end of
  the file and reads only the last lines.
- Not every peer has every verb: Miller has no gzip output; csvkit no uniq,
  group-by stats, tail or sample, and `csvgrep` can only do the regular
  expression half of the filter (it keeps more records: every cat ending in
  7); jq reads JSON only; datamash, GNU sort and coreutils split lines on a
  delimiter and know nothing of CSV quoting, so they read the TSV copy.
  `cut -f 1,3,5` writes the fields in file order, not id,cat,float.
- GNU sort sorts the float key with `-g` (general numeric, as the column
  holds exponent forms like 6.02e+23, which sluice's `:n` also reads); it
  sorts the TSV header line in with the records. "GNU sort" without `-S`
  picks its own buffer from the input size and the machine's memory.
- uniq, freq and join by GNU tools are pipelines (`cut | sort | uniq -c`,
  `sort | join`); their RSS is the largest process's. datamash `-s` pipes
  its input through sort(1) inside, so its RSS is that sort's.
- Miller holds every record only in `sort` (about 30 times the input);
  its other verbs stream, yet its Go runtime reaches 0.2 to 0.8 GiB at
  any size. `mlr join -f RIGHT` holds the small right side and streams
  the left. mlr sort and csvkit's csvsort, csvjoin, csvstat and csvjson
  (which hold the input, 15 to 30 times its size) are capped: they run
  only on inputs up to HOG_MAX (300 MB, as in bench/sort.sh) and only when
  their expected RSS fits in half of the memory available then. csvkit
  runs on the smallest size only, one run.
- pigz uses both cores; every other tool, sluice included, one (sluice
  compresses its spill files on the same thread).
EOF
