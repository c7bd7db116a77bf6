#!/usr/bin/env bash
# bench/demo.sh - what `make demo` runs: ~200 MB of log lines generated on
# the fly, gzip'ed by sluice under a 16 MiB ceiling, then counted by sluice
# under an 8 MiB ceiling, each with --mem-report; nothing is stored.
set -eu
S=${1:-build/sluice}
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-demo-XXXXXX")
trap 'rm -rf "$W"' EXIT

# 2.4 million log lines of about 90 bytes, the same every time
gen() {
	awk 'BEGIN {
		split("GET POST PUT DELETE", m, " ");
		for (i = 0; i < 2400000; i++) {
			s = (i * 7919) % 86400;
			printf "2026-11-21T%02d:%02d:%02dZ host%02d %s /api/v1/items/%d status=%d bytes=%d ms=%d\n",
				s / 3600, (s / 60) % 60, s % 60, i % 17, m[i % 4 + 1],
				(i * 31) % 100000, (i % 23 ? 200 : 500), (i * 37) % 65536,
				(i * 13) % 997;
		}
	}'
}

echo "demo: sluice cat -z | sluice count over ~200 MB generated through a pipe"
echo
gen | tee >(wc -c >"$W/size") | "$S" cat -z --level 1 -m 16M --mem-report=json 2>"$W/cat.json" |
	"$S" count -m 8M --mem-report 2>"$W/count.txt" >"$W/n"
wait
size=$(cat "$W/size")
echo "records counted: $(cat "$W/n")"
echo
cat "$W/count.txt"
echo
awk -v size="$size" -v cat="$(cat "$W/cat.json")" 'BEGIN {
	match(cat, /"peak_rss":[0-9]+/);
	rss = substr(cat, RSTART + 11, RLENGTH - 11);
	match(cat, /"peak":[0-9]+/);
	peak = substr(cat, RSTART + 7, RLENGTH - 7);
	printf "input %.1f MB; sluice cat -z: budget peak %.1f MiB, peak RSS %.1f MiB\n",
		size / 1e6, peak / 1048576, rss / 1048576;
}'
