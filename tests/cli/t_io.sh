# tests/cli/t_io.sh - what a path names, for outputs and inputs: files
# under /dev; sourced by run.sh, which provides $S, run and the
# assertions.

# A regular file under /dev (here /dev/shm, a tmpfs) is a file like any
# other: made when new, replaced whole when old, through a temporary
# file; devices there are still written as they are.
t_output_dev_shm() {
	local f=/dev/shm/sluice-test-$$.csv rc
	[ -d /dev/shm ] && [ -w /dev/shm ] ||
		{ echo "figure: no writable /dev/shm, skipped"; return 0; }
	printf 'a,b\n1,2\n3,4\n' >in.csv
	rm -f "$f"
	"$S" cat -o "$f" in.csv 2>err
	rc=$?
	eq "new file: status" $rc 0 || { cat err; rm -f "$f"; return 1; }
	cmp -s "$f" in.csv || { echo "new file: other bytes"; rm -f "$f"; return 1; }
	seq 1 1000 >"$f"
	"$S" cat -o "$f" in.csv 2>err
	rc=$?
	eq "old longer file: status" $rc 0 || { cat err; rm -f "$f"; return 1; }
	cmp -s "$f" in.csv ||
		{ echo "old longer file: got $(wc -c <"$f") bytes, want 12"
		  rm -f "$f"; return 1; }
	rm -f "$f"
	eq "temporary files left in /dev/shm" \
		"$(ls -A /dev/shm | grep -c "sluice-test-$$")" 0 || return 1
	eq "/dev/null" "$(seq 1 3 | "$S" cat -i lines -o /dev/null)" "" ||
		return 1
	[ -c /dev/null ] || { echo "/dev/null is no longer a device"; return 1; }
	eq "/dev/stdout" "$(seq 1 3 | "$S" cat -i lines -o /dev/stdout)" \
		"$(seq 1 3)"
}

run output_dev_shm t_output_dev_shm
