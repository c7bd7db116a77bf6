#!/usr/bin/env bash
# tests/fuzz/run.sh - run each libFuzzer harness for a while on its seeds.
#
#   bash tests/fuzz/run.sh BINDIR SECONDS NAME...
#
# BINDIR holds the built harnesses fuzz_NAME (make fuzz-build).  Each runs
# for SECONDS on a scratch corpus in a fresh temporary folder (removed at
# the end), seeded read-only from testdata/fuzz/NAME, with the dictionary
# tests/fuzz/NAME.dict when there is one.  Logs go to BINDIR/logs/NAME.log
# and the input of any finding to BINDIR/artifacts/; nothing is written
# into the source tree.  Prints one line per harness with libFuzzer's
# count of executions, and exits non-zero when any harness found a crash,
# a leak, a timeout or a failed check.

set -u
BIN=${1:?usage: run.sh BINDIR SECONDS NAME...}
SECS=${2:?usage: run.sh BINDIR SECONDS NAME...}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
SEEDS=$(cd "$HERE/../../testdata/fuzz" && pwd)

mkdir -p "$BIN/logs" "$BIN/artifacts"
BIN=$(cd "$BIN" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

failed=
for name in "$@"; do
	corpus=$WORK/$name
	log=$BIN/logs/$name.log
	mkdir -p "$corpus"
	args=(-max_total_time="$SECS" -print_final_stats=1 -timeout=20
	      -rss_limit_mb=2048 -max_len=4096
	      -artifact_prefix="$BIN/artifacts/$name-")
	[ -f "$HERE/$name.dict" ] && args+=(-dict="$HERE/$name.dict")
	dirs=("$corpus")
	[ -d "$SEEDS/$name" ] && dirs+=("$SEEDS/$name")
	# the regression inputs of this harness seed it too
	for f in "$SEEDS"/regress/"$name"-*; do
		[ -f "$f" ] && cp "$f" "$corpus/"
	done
	(cd "$WORK" && "$BIN/fuzz_$name" "${args[@]}" "${dirs[@]}") \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $name: ${execs:-?} executions in ${SECS} s, ok"
	else
		echo "fuzz $name: ${execs:-?} executions, FAILED (exit $rc)"
		echo "---- last lines of $log"
		tail -n 40 "$log"
		echo "----"
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed (inputs in $BIN/artifacts/)"
	exit 1
fi
echo "fuzz: $# harnesses clean"
