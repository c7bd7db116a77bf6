#!/usr/bin/env bash
# bench/demo.sh - what `make demo` runs: about 200 MB of CSV made by
# `sluice gen` on the fly, converted to gzip'ed JSON Lines under a 16 MiB
# ceiling and counted back under 8 MiB, each step with --mem-report.
# Nothing is stored but a few report files in a scratch folder.
set -eu
S=${1:-build/sluice}
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-demo-XXXXXX")
trap 'rm -rf "$W"' EXIT

peak() {  # peak REPORT.json FIELD: a top-level number of --mem-report=json
	sed -n "s/^{[^[]*\"$2\":\\([0-9]*\\).*/\\1/p" "$1"
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

echo "demo: sluice gen --size 200M | sluice cat -O jsonl -z -m 16M | sluice count -m 8M"
echo
"$S" gen --size 200M | tee >(wc -c >"$W/size") |
	"$S" cat -i csv -O jsonl -z --level 1 -m 16M --mem-report=json \
		2>"$W/cat.json" |
	"$S" count -i jsonl -m 8M --mem-report=json 2>"$W/count.json" >"$W/n"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -s "$W/size" ] && break
	sleep 0.2
done
echo "first records as JSON Lines:"
"$S" gen --rows 2 | "$S" cat -i csv -O jsonl | sed 's/^/  /'
echo
printf '%-34s %12s %14s\n' "step" "budget peak" "process RSS"
printf '%-34s %12s %14s\n' "cat -O jsonl -z (ceiling 16 MiB)" \
	"$(mib "$(peak "$W/cat.json" peak)")" \
	"$(mib "$(peak "$W/cat.json" peak_rss)")"
printf '%-34s %12s %14s\n' "count -i jsonl (ceiling 8 MiB)" \
	"$(mib "$(peak "$W/count.json" peak)")" \
	"$(mib "$(peak "$W/count.json" peak_rss)")"
echo
echo "input: $(awk -v b="$(cat "$W/size")" 'BEGIN { printf "%.1f MB", b / 1e6 }') of CSV," \
	"$(cat "$W/n") records counted back from the gzip'ed JSON Lines"
