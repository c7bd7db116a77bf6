# tests/cli/t_fidelity.sh - nothing changed, nothing lost: every value
# through every reader and verb against Python's csv and json modules;
# sourced by run.sh, which provides $S, $SAN, $VALGRIND, $HERE and run.

# diff_fidelity.py: hand-written and random CSV, TSV, lines and JSON Lines
# (many broken on purpose) through cat, head, tail, sample, filter,
# select, sort, uniq, top, join and count, in and out of each format, and
# sort, uniq and join of JSON Lines past a 1M ceiling.  Fewer inputs and
# verbs under the sanitizers, fewer still under valgrind.
t_fidelity_differential() {
	local out args="250"
	[ -n "$SAN" ] && args="20 --light --hand-every 4 --spill 1200000"
	[ -n "$VALGRIND" ] && args="2 --light --hand-every 12 --spill 0"
	out=$(python3 "$HERE/diff_fidelity.py" "$S" . $args) || {
		echo "$out"; return 1; }
	echo "$out" | grep '^figure: '
}

run fidelity_differential t_fidelity_differential
