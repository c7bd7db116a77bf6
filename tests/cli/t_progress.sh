# tests/cli/t_progress.sh - the --progress line; sourced by run.sh.

# Not a terminal: --progress draws nothing and changes nothing.
t_progress_quiet_off_terminal() {
	local rc
	"$S" gen --rows 50000 --seed 4 >in.csv || return 1
	"$S" sort -k cat -m 2M in.csv >want 2>/dev/null || return 1
	"$S" sort -k cat -m 2M --progress in.csv >got 2>err || return 1
	cmp got want || { echo "--progress changed the output"; return 1; }
	eq "stderr without a terminal" "$(cat err)" "" || return 1
	"$S" count --progress=bogus in.csv 2>err; rc=$?
	eq "bad --progress exit" $rc 2 || return 1
	has "bad --progress" "$(cat err)" "invalid --progress 'bogus'"
}

# --progress=always: lines redrawn with \r, the last one the final state.
t_progress_always() {
	local n last
	n=400000
	[ -n "$SAN" ] && n=60000
	"$S" gen --rows $n --seed 4 >in.csv || return 1
	"$S" sort -k text -m 2M --progress=always in.csv >got 2>err || return 1
	"$S" sort -k text -m 2M in.csv | cmp - got ||
		{ echo "--progress=always changed the output"; return 1; }
	last=$(tr '\r' '\n' <err | grep -v '^ *$' | tail -1)
	has "final line" "$last" "sluice sort: " || return 1
	has "final line" "$last" "(100%)" || return 1
	has "final line" "$last" "of 2.0 MiB" || return 1
	eq "final record count" "$(echo "$last" |
		sed 's/.*(100%) *\([0-9.]*[KM]*\) records.*/\1/')" \
		"$(python3 -c "
n = $n
print(n if n < 10000 else '%.1fK' % (n / 1e3) if n < 1000000 else '%.2fM' % (n / 1e6))")" ||
		return 1
	# a sort that spills says so while it runs
	has "phases" "$(tr '\r' '\n' <err)" "merging" || return 1
	[ "$(tail -c 1 err | od -An -c | tr -d ' ')" = '\n' ] ||
		{ echo "no newline after the last line"; return 1; }
}

# On a terminal (script(1) gives one), --progress alone draws, then
# erases its line at the end.
t_progress_terminal() {
	command -v script >/dev/null || { echo "script(1) missing"; return 1; }
	"$S" gen --rows 300000 --seed 4 >in.csv || return 1
	script -qec "'$S' sort -k text -m 2M --progress in.csv >/dev/null" \
		/dev/null >tty.out 2>&1 || return 1
	has "terminal" "$(cat tty.out)" "sluice sort: " || return 1
	has "terminal" "$(cat tty.out)" "records" || return 1
	# the last thing written is a \r: the line was blanked out
	[ "$(tr -d '\n' <tty.out | tail -c 1 | od -An -c | tr -d ' ')" = '\r' ] ||
		{ echo "the line was not erased at the end"; return 1; }
}

run progress_quiet_off_terminal t_progress_quiet_off_terminal
run progress_always t_progress_always
run progress_terminal t_progress_terminal

# The line fits the terminal's width (less one column), leaving parts out
# the least useful first, so a redraw never wraps: on a terminal of 50
# columns (script(1), stty), and by $COLUMNS off a terminal.
t_progress_width() {
	local w widest rows=200000
	[ -n "$SAN" ] && rows=60000
	"$S" gen --rows $rows --seed 4 >in.csv || return 1
	for w in 120 60 45 20; do
		COLUMNS=$w "$S" sort -k text -m 2M --progress=always in.csv \
			>/dev/null 2>err || return 1
		widest=$(tr '\r' '\n' <err | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
		[ "$widest" -le $((w - 1)) ] ||
			{ echo "COLUMNS=$w: a line of $widest"; return 1; }
		has "COLUMNS=$w" "$(cat err)" "sluice sort" || return 1
	done
	# wide enough for every part, and narrow enough to need cuts
	has "120: mem" "$(COLUMNS=160 "$S" sort -k text -m 2M --progress=always in.csv 2>&1 >/dev/null)" \
		"  mem " || return 1
	COLUMNS=60 "$S" sort -k text -m 2M --progress=always in.csv 2>err >/dev/null
	case "$(cat err)" in *"  mem "*) echo "60: mem not left out"; return 1 ;; esac
	has "60: the head" "$(cat err)" "(100%)" || return 1
	command -v script >/dev/null || { echo "script(1) missing"; return 1; }
	# long enough to draw (every 250 ms) under the sanitizers too
	"$S" gen --rows 200000 --seed 4 >big.csv || return 1
	script -qec "stty cols 50; '$S' sort -k text -m 2M --progress big.csv >/dev/null" \
		/dev/null >tty.out 2>&1 || return 1
	widest=$(tr '\r' '\n' <tty.out | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	[ "$widest" -le 49 ] || { echo "a terminal of 50 columns: a line of $widest"; return 1; }
	has "terminal" "$(cat tty.out)" "sluice sort: " || return 1
}

run progress_width t_progress_width
