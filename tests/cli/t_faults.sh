# tests/cli/t_faults.sh - injected faults, signals and closed pipes;
# sourced by run.sh, which provides $S, $SAN, run and the assertions.
#
# Every verb runs on small inputs (the spilling ones under -m 1M, so that
# faults land in spill files too) with the N-th write, read, rename, fsync
# or budget charge failing, for N over the whole run: every N when there are
# few, else the first ones, the last three and a stride between.  Each
# run must either succeed with the bytes of a run without faults or fail
# with status 3 and a message whose lines all start "sluice VERB: ", and
# leave no temporary file next to the -o target, no spill file in
# --tmpdir, no partial target and an old target byte for byte as it was
# (but for a failed sync of the target's folder, after the rename: then
# the new target is whole and the message says so).
# A crash (status 128 or more) or a sanitizer report (SAN=1: leaks too)
# fails.  Faults a caller must take in its stride (a short read or write,
# EINTR) must not change the output at all.
#
# Writes, reads, renames and syncs fail through tests/faultshim.c, loaded with
# LD_PRELOAD from $FAULTSHIM; charges through the CLI's own test hook,
# SLUICE_FAULT=alloc:N (cli_start()).  SLUICE_FAULT=count measures a run.

FSHIM=${FAULTSHIM:-}
case $FSHIM in /* | '') ;; *) FSHIM=$PWD/$FSHIM ;; esac
# libasan wants to come first in the process; the shim comes before it
FASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# points per (case, fault): all of 1..K up to this many, else spread;
# SLUICE_FAULT_POINTS=100000 tries every N (minutes, not seconds)
# (the short and interrupted calls that must be retried are the normal
# build's: under the sanitizers, the paths that fail matter most)
FPOINTS=3
FRETRY=1
[ -n "$SAN" ] && FPOINTS=2 && FRETRY=0
FPOINTS=${SLUICE_FAULT_POINTS:-$FPOINTS}

fault_inputs() {
	"$S" gen --rows 2000 >small.csv || return 1
	gzip -c small.csv >small.csv.gz
	"$S" gen --rows 8000 >mid.csv || return 1
	"$S" gen --rows 8000 --columns id:id,int:int,cat:cat,date:date >num.csv ||
		return 1
	"$S" gen --rows 6000 --seed 3 --columns id:id,k:cat,x:int \
		--cardinality 3000 >l.csv || return 1
	"$S" gen --rows 6000 --seed 4 --columns k:cat,y:date,x:float \
		--cardinality 3000 >r.csv || return 1
	"$S" cat -O jsonl small.csv >small.jsonl || return 1
	"$S" cat -O tsv small.csv >small.tsv || return 1
	# every 50th record with a field too many, for --rejects
	awk 'NR % 50 == 0 { $0 = $0 ",x" } 1' small.csv >bad.csv
	# long strings with escapes and long numbers: the JSON Lines parser
	# decodes into buffers of their size
	{
		printf '{"id":12345678901234567890,"s":"'
		printf 'a\\"b\\\\c\\n%.0s' $(seq 40)
		printf '","f":1.25e-300}\n{"id":1,"s":"'
		printf 'x\\ty%.0s' $(seq 60)
		printf '","f":123456789012345678}\n'
	} >esc.jsonl
	"$S" gen --rows 60000 --seed 5 >big.csv || return 1
	"$S" gen --rows 500 --seed 9 --columns id:id,int:int,cat:cat \
		--cardinality 10 >pin.csv || return 1
	"$S" split --parts 2 --part 1 pin.csv | "$S" stats -g cat --partial >p1.jsonl &&
		"$S" split --parts 2 --part 2 pin.csv |
		"$S" stats -g cat --partial >p2.jsonl
}

# fault_points K MAX: the N to try, 1..K, or MAX of them: a third at
# the start, where a run sets itself up, the last three, and a stride
fault_points() {
	local k=$1 max=$2 i first mid
	[ "$max" -gt 0 ] || return 0
	if [ "$k" -le "$max" ]; then
		[ "$k" -gt 0 ] && seq 1 "$k"
		return 0
	fi
	first=$((max / 3))
	mid=$((max - first - 3))
	{
		seq 1 "$first"
		for ((i = 1; i <= mid; i++)); do
			echo $((first + (k - 3 - first) * i / (mid + 1)))
		done
		seq $((k - 2)) "$k"
	} | uniq
}

# fault_env FAULT ARGS...: run sluice with the shim and SLUICE_FAULT=FAULT
fault_env() {
	local f=$1
	shift
	SLUICE_FAULT=$f SLUICE_FAULT_LOG=$PWD/flog LD_PRELOAD=$FSHIM \
		ASAN_OPTIONS=$FASAN TMPDIR=$PWD/t "$S" "$@"
}

fbad=0
fcases=0
fhits=0
ffails=0

# say why a run is wrong; stops the case after a few
fault_bad() {
	echo "$fname, $fault: $*"
	sed 's/^/    stderr: /' ferr | head -n 5
	fbad=$((fbad + 1))
}

# fault_one FAULT MUST_SUCCEED: one run of the case with one fault
fault_one() {
	local fault=$1 must=$2 rc old=0 left hit f i
	local -a files
	rm -rf o t flog && mkdir o t
	# half the runs find old targets that a failure must leave alone
	if [ $((fcases % 2)) = 1 ]; then
		for f in "${fouts[@]}"; do printf 'old target\n' >"$f"; done
		old=1
	fi
	fcases=$((fcases + 1))
	fault_env "$fault" "${fargs[@]}" >fso 2>ferr
	rc=$?
	hit=$(cut -d' ' -f8 flog 2>/dev/null)
	[ "$hit" = 1 ] && fhits=$((fhits + 1))
	if [ "$rc" -ge 128 ]; then
		fault_bad "crashed with status $rc"
		return
	fi
	if grep -q 'Sanitizer\|runtime error:' ferr; then
		fault_bad "a sanitizer report, status $rc"
		return
	fi
	files=(t/* t/.[!.]* o/* o/.[!.]*)
	left=
	for f in "${files[@]}"; do
		[ -e "$f" ] || continue
		case " ${fouts[*]} " in *" $f "*) continue ;; esac
		left="$left $f"
	done
	[ -z "$left" ] || fault_bad "left behind:$left"
	if [ "$rc" = 0 ]; then
		[ -s ferr ] && fault_bad "succeeded with a message"
		cmp -s fso fwant.stdout || fault_bad "succeeded with other output"
		for ((i = 0; i < ${#fouts[@]}; i++)); do
			cmp -s "${fouts[i]}" "fwant.$i" ||
				fault_bad "succeeded with another ${fouts[i]}"
		done
		return
	fi
	ffails=$((ffails + 1))
	[ "$must" = 1 ] && fault_bad "failed (status $rc) on a fault to retry"
	[ "$rc" = 3 ] || fault_bad "status $rc, not 3"
	# a verb may add a line that explains (tail, join), each its own
	[ -s ferr ] || fault_bad "failed without a message"
	grep -qv "^sluice $fverb: ." ferr &&
		fault_bad "a line on stderr does not start with 'sluice $fverb: '"
	for ((i = 0; i < ${#fouts[@]}; i++)); do
		f=${fouts[i]}
		# two files cannot be renamed at once: --rejects goes first, so
		# when -o fails after, it is there and whole
		[ "$i" -gt 0 ] && cmp -s "$f" "fwant.$i" && continue
		# the folder is synced after the rename: the new file is there
		grep -qF "cannot sync the folder of '$f'" ferr &&
			cmp -s "$f" "fwant.$i" && continue
		if [ $old = 1 ]; then
			[ "$(cat "$f" 2>/dev/null)" = "old target" ] ||
				fault_bad "the old $f changed"
		elif [ -e "$f" ]; then
			fault_bad "a partial $f is left"
		fi
	done
}

# fault_case NAME OUTS VERB ARGS...: the case's runs, every fault at its
# N; OUTS are the files (in o/) the run writes, comma-separated, -o FILE
# first, or - for standard output only
fault_case() {
	local nw nr nm nf na n i
	fname=$1 fverb=$3
	fouts=()
	[ "$2" = - ] || IFS=, read -ra fouts <<<"$2"
	shift 2
	fargs=("$@")
	rm -rf o t && mkdir o t
	TMPDIR=$PWD/t "$S" "$@" >fwant.stdout 2>ferr ||
		{ echo "$fname: the run without faults failed"; cat ferr; return 1; }
	for ((i = 0; i < ${#fouts[@]}; i++)); do
		cp "${fouts[i]}" "fwant.$i" || return 1
	done
	rm -rf o t && mkdir o t
	fault_env count "$@" >fso 2>ferr ||
		{ echo "$fname: the run under the shim failed"; cat ferr; return 1; }
	cmp -s fso fwant.stdout || { echo "$fname: the shim changed the output"; return 1; }
	read -r _ nw _ nr _ nm _ _ _ nf <flog
	na=$(sed -n 's/.*fault: \([0-9]*\) charges$/\1/p' ferr)
	echo "$fname: $nw writes, $nr reads, $nm renames, $nf fsyncs," \
		"$na charges"
	fbad=0
	for n in $(fault_points "$nw" $FPOINTS); do
		fault_one "write:$n:$([ $((n % 2)) = 0 ] && echo ENOSPC || echo EIO)" 0
		[ $fbad -lt 5 ] || return 1
	done
	for n in $(fault_points "$nr" $FPOINTS); do
		fault_one "read:$n:EIO" 0
		[ $fbad -lt 5 ] || return 1
	done
	for n in $(fault_points "$nm" $FPOINTS); do
		fault_one "rename:$n:EACCES" 0
		[ $fbad -lt 5 ] || return 1
	done
	for n in $(fault_points "$nf" $FPOINTS); do
		fault_one "fsync:$n:EIO" 0
		[ $fbad -lt 5 ] || return 1
	done
	for n in $(fault_points "$na" $FPOINTS); do
		fault_one "alloc:$n" 0
		[ $fbad -lt 5 ] || return 1
	done
	for n in $(fault_points "$nw" $FRETRY); do
		fault_one "write:$n:short" 1
		fault_one "write:$n:EINTR" 1
	done
	for n in $(fault_points "$nr" $FRETRY); do
		fault_one "read:$n:short" 1
		fault_one "read:$n:EINTR" 1
	done
	for n in $(fault_points "$nf" $FRETRY); do
		fault_one "fsync:$n:EINTR" 1
	done
	[ $fbad = 0 ]
}

t_faults() {
	local st=0 start=$(date +%s)
	[ -n "$FSHIM" ] && [ -f "$FSHIM" ] ||
		{ echo "set FAULTSHIM to the built tests/faultshim.so"; return 1; }
	fault_inputs || return 1
	fcases=0 fhits=0 ffails=0
	local m="-m 1M --chunk-size 16K --tmpdir t" c="--chunk-size 4K"
	fault_case cat o/out.csv cat $c -o o/out.csv small.csv || st=1
	fault_case count o/n.txt count $c -o o/n.txt small.csv || st=1
	fault_case head o/out.csv head -n 500 $c -o o/out.csv small.csv ||
		st=1
	fault_case tail o/out.csv tail -n 50 $c -o o/out.csv small.csv || st=1
	fault_case select o/out.csv select -f id,cat:kind $c \
		-o o/out.csv small.csv || st=1
	fault_case filter o/out.tsv filter 'int > 0' $c -o o/out.tsv \
		small.tsv || st=1
	fault_case sort o/out.csv sort -k text $m -o o/out.csv mid.csv || st=1
	fault_case uniq o/out.csv uniq -k text -c $m -o o/out.csv mid.csv ||
		st=1
	fault_case top o/out.jsonl top -n 20 -k int:n $c -o o/out.jsonl \
		small.jsonl || st=1
	fault_case join o/out.csv join -k k $m -o o/out.csv l.csv r.csv ||
		st=1
	fault_case sample o/out.csv sample -n 30 --seed 1 $c \
		-o o/out.csv small.csv || st=1
	fault_case reverse o/out.csv reverse $m -o o/out.csv mid.csv || st=1
	fault_case top-g o/out.csv top -g id -k int:n -n 1 $m -o o/out.csv \
		mid.csv || st=1
	fault_case shuffle o/out.csv shuffle --seed 3 $m -o o/out.csv \
		mid.csv || st=1
	# without --exact, a refused charge turns distinct and quantiles
	# into sketches (lib/agg.c), which changes the output by design
	fault_case stats o/out.csv stats --exact $c -o o/out.csv small.csv ||
		st=1
	fault_case stats-g o/out.csv stats -g id -f int $m -o o/out.csv \
		num.csv || st=1
	fault_case freq o/out.csv freq -f text $m -o o/out.csv mid.csv || st=1
	fault_case merge o/out.csv merge --chunk-size 1K -o o/out.csv \
		p1.jsonl p2.jsonl || st=1
	fault_case merge-partial o/out.jsonl merge --partial \
		--chunk-size 1K -o o/out.jsonl p1.jsonl p2.jsonl || st=1
	fault_case stats-partial o/out.jsonl stats -g cat -f int --partial $m \
		-o o/out.jsonl num.csv || st=1
	fault_case split o/out.csv split --parts 3 --part 2 $c -o o/out.csv \
		small.csv || st=1
	fault_case gen o/out.csv gen --rows 2000 $c -o o/out.csv || st=1
	# -j 2: the input is inflated on a thread of its own and the output
	# deflated by blocks on two more, whatever the machine's cores
	fault_case cat-z o/out.csv.gz cat -z -j 2 $c -o o/out.csv.gz \
		small.csv.gz || st=1
	fault_case cat-zstd o/out.csv.zst cat --zstd -j 2 $c \
		-o o/out.csv.zst small.csv || st=1
	# -j 2 under -m 6M: each spill writes two runs at once, one on a
	# worker; five points a fault, so that some land mid-sort
	FPOINTS=$((FPOINTS + 2)) fault_case sort-j2 o/out.csv sort -j 2 \
		-k int:n -m 6M --chunk-size 16K -o o/out.csv big.csv || st=1
	# -j 4: a plain file of 6 MB parsed on three workers, in order
	fault_case cat-j4 o/out.csv cat -j 4 -o o/out.csv big.csv || st=1
	fault_case jsonl-parse o/out.csv cat -O csv -o o/out.csv esc.jsonl ||
		st=1
	fault_case cat-jsonl o/out.jsonl cat -O jsonl $c -o o/out.jsonl \
		small.csv || st=1
	# standard output: a failure may leave part of it written
	fault_case cat-stdout - cat $c small.csv || st=1
	fault_case sort-stdout - sort -k text $m mid.csv || st=1
	fault_case rejects o/out.csv,o/bad.jsonl cat -q --on-error skip \
		--rejects o/bad.jsonl $c -o o/out.csv bad.csv || st=1
	echo "figure: $fcases (verb, fault, N) cases, $ffails failed cleanly," \
		"$fhits injected by the shim, in $(($(date +%s) - start))s"
	return $st
}

# ---- syncs ----------------------------------------------------------------

# fsyncs ARGS...: how many fsync calls sluice ARGS makes
fsyncs() {
	rm -rf t && mkdir t
	fault_env count "$@" >/dev/null 2>ferr || { cat ferr; return 1; }
	cut -d' ' -f10 flog
}

# -o FILE is synced to disk before its rename, and its folder after: once
# each, not once a chunk; standard output and spill files are not
t_fault_fsync() {
	local rc
	[ -n "$FSHIM" ] && [ -f "$FSHIM" ] ||
		{ echo "set FAULTSHIM to the built tests/faultshim.so"; return 1; }
	"$S" gen --rows 20000 >in.csv || return 1
	rm -rf o && mkdir o
	eq "fsyncs of cat -o FILE" "$(fsyncs cat --chunk-size 1K -o o/out.csv \
		in.csv)" 2 || return 1
	eq "fsyncs of cat -z -o FILE" "$(fsyncs cat -z --chunk-size 1K \
		-o o/out.csv.gz in.csv)" 2 || return 1
	eq "fsyncs of cat to standard output" "$(fsyncs cat in.csv)" 0 ||
		return 1
	eq "fsyncs of a spilling sort to standard output" "$(fsyncs sort \
		-k text -m 1M --tmpdir t --mem-report=json in.csv)" 0 || return 1
	grep -q '"spill_runs":[1-9]' ferr || { echo "sort did not spill"; return 1; }
	# the file's sync fails: the old target stays, nothing is left
	rm -rf o t && mkdir o t
	printf 'old target\n' >o/out.csv
	cp o/out.csv old.csv
	fault_env fsync:1:EIO cat -o o/out.csv in.csv >/dev/null 2>ferr
	rc=$?
	eq "the file's sync fails: status" $rc 3 || return 1
	eq "the file's sync fails: message" "$(cat ferr)" \
		"sluice cat: cannot sync 'o/out.csv' to disk: Input/output error" ||
		return 1
	cmp -s o/out.csv old.csv || { echo "the old o/out.csv changed"; return 1; }
	eq "left next to -o" "$(ls -A o)" "out.csv" || return 1
	# a new target: none is made
	rm -rf o && mkdir o
	fault_env fsync:1:ENOSPC cat -o o/out.csv in.csv >/dev/null 2>ferr
	eq "the file's sync fails, new target: status" $? 3 || return 1
	has "the file's sync fails, new target: message" "$(cat ferr)" \
		"cannot sync 'o/out.csv' to disk: No space left on device" ||
		return 1
	eq "the file's sync fails, new target: left" "$(ls -A o)" "" ||
		return 1
	# the folder's sync fails: the rename is done and the message says so
	printf 'old target\n' >o/out.csv
	fault_env fsync:2:EIO cat -o o/out.csv in.csv >/dev/null 2>ferr
	eq "the folder's sync fails: status" $? 3 || return 1
	has "the folder's sync fails: message" "$(cat ferr)" \
		"cannot sync the folder of 'o/out.csv' to disk (the new file is in place): Input/output error" ||
		return 1
	cmp -s o/out.csv in.csv || { echo "the new o/out.csv is not whole"; return 1; }
	eq "the folder's sync fails: left" "$(ls -A o)" "out.csv" || return 1
	# interrupted syncs are tried again
	rm -rf o && mkdir o
	fault_env fsync:1:EINTR cat -o o/out.csv in.csv 2>ferr || return 1
	fault_env fsync:2:EINTR cat -o o/out.csv in.csv 2>>ferr || return 1
	eq "EINTR: stderr" "$(cat ferr)" "" || return 1
	cmp -s o/out.csv in.csv || { echo "EINTR: o/out.csv is not whole"; return 1; }
}

# ---- the reason a read failed ------------------------------------------------

# split reads with pread(2) itself: each failed read names the file, the
# byte and errno's text
t_fault_split_errno() {
	local n nr err text rc
	[ -n "$FSHIM" ] && [ -f "$FSHIM" ] ||
		{ echo "set FAULTSHIM to the built tests/faultshim.so"; return 1; }
	"$S" gen --rows 3000 >in.csv || return 1
	cp in.csv in.dat        # no known extension: the reader sniffs it
	for f in in.csv in.dat; do
		fault_env count split --parts 3 --part 2 --chunk-size 4K "$f" \
			>/dev/null 2>ferr || { cat ferr; return 1; }
		read -r _ _ _ nr _ <flog
		le "reads of split $f" 3 "$nr" || return 1
		# the first reads (the probe, the header), one between, the last
		for n in $(fault_points "$nr" 5); do
			for err in EACCES:"Permission denied" \
				EIO:"Input/output error" \
				ENOSPC:"No space left on device"; do
				text=${err#*:}
				fault_env "read:$n:${err%%:*}" split --parts 3 \
					--part 2 --chunk-size 4K "$f" >/dev/null 2>ferr
				rc=$?
				eq "split $f, read $n fails with ${err%%:*}: status" \
					$rc 3 || return 1
				grep -q "^sluice split: cannot read '$f'.*: $text\$" ferr ||
					{ echo "split $f, read $n fails with ${err%%:*}:" \
						"message '$(cat ferr)'"; return 1; }
			done
		done
	done
}

# ---- signals and closed pipes -------------------------------------------

# sig_spill SIG NAME ARGS...: sluice ARGS reads the FIFO ff; once it holds
# spill files, SIG must end it with status 128+SIG and nothing left in t/
# or o/
sig_spill() {
	local sig=$1 name=$2 pid rc i
	shift 2
	rm -rf o t ff && mkdir o t && mkfifo ff
	"$S" "$@" ff 2>err &
	pid=$!
	exec 7>ff
	# more than the ceiling, then the run waits for the rest
	"$S" gen --rows 30000 --columns id:id,int:int,cat:cat,text:text >&7
	for i in $(seq 200); do
		ls -l /proc/$pid/fd 2>/dev/null | grep -q "/t/sluice-spill-" &&
			break
		sleep 0.05
	done
	ls -l /proc/$pid/fd 2>/dev/null | grep -q "/t/sluice-spill-" ||
		{ echo "$name: no spill file open"; kill $pid; exec 7>&-; return 1; }
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	exec 7>&-
	eq "$name, SIG$sig: status" $rc $((128 + $(kill -l "$sig"))) || return 1
	eq "$name, SIG$sig: stderr" "$(cat err)" "" || return 1
	eq "$name, SIG$sig: left in --tmpdir" "$(ls -A t)" "" || return 1
	eq "$name, SIG$sig: left next to -o" "$(ls -A o)" ""
}

# sig_gzip SIG: cat -z -o of an endless input, killed while it writes;
# at -j 2, so that the signal comes while threads deflate
sig_gzip() {
	local sig=$1 pid rc i
	rm -rf o && mkdir o
	"$S" gen --size 4G | "$S" cat -z -j 2 -o o/out.gz 2>err &
	pid=$!
	for i in $(seq 200); do
		[ -n "$(find o -type f -size +64k)" ] && break
		sleep 0.05
	done
	[ -n "$(find o -type f -size +64k)" ] ||
		{ echo "cat -z: no temporary output seen"; kill $pid; return 1; }
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	eq "cat -z, SIG$sig: status" $rc $((128 + $(kill -l "$sig"))) || return 1
	eq "cat -z, SIG$sig: stderr" "$(cat err)" "" || return 1
	eq "cat -z, SIG$sig: left next to -o" "$(ls -A o)" ""
}

# sig_stop SIG NAME ARGS...: sluice ARGS stops itself (the shim) at its
# last write but one, the output's, after spilling; SIG must then end it
# with status 128+SIG and nothing left in t/ or o/
sig_stop() {
	local sig=$1 name=$2 pid rc i nw state=
	shift 2
	rm -rf o t && mkdir o t
	fault_env count "$@" 2>/dev/null || return 1
	read -r _ nw _ <flog
	rm -rf o t && mkdir o t
	SLUICE_FAULT=write:$((nw - 1)):stop LD_PRELOAD=$FSHIM \
		ASAN_OPTIONS=$FASAN "$S" "$@" 2>err &
	pid=$!
	for i in $(seq 200); do
		state=$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)
		[ "$state" = T ] && break
		sleep 0.05
	done
	[ "$state" = T ] || { echo "$name: did not stop"; kill $pid; return 1; }
	[ -n "$(ls -A o)" ] ||
		{ echo "$name: no temporary output"; kill -9 $pid; return 1; }
	kill -s "$sig" $pid
	kill -s CONT $pid
	wait $pid
	rc=$?
	eq "$name, SIG$sig at the output: status" $rc \
		$((128 + $(kill -l "$sig"))) || return 1
	eq "$name, SIG$sig at the output: stderr" "$(cat err)" "" || return 1
	eq "$name, SIG$sig at the output: left in --tmpdir" "$(ls -A t)" "" ||
		return 1
	eq "$name, SIG$sig at the output: left next to -o" "$(ls -A o)" ""
}

t_fault_signals() {
	local sig m="-m 1M --tmpdir t -o o/out.csv"
	[ -n "$FSHIM" ] && [ -f "$FSHIM" ] ||
		{ echo "set FAULTSHIM to the built tests/faultshim.so"; return 1; }
	"$S" gen --rows 30000 --columns id:id,int:int,cat:cat,text:text >in.csv
	for sig in INT TERM; do
		sig_spill $sig sort sort -k text $m || return 1
		sig_spill $sig "stats -g" stats -g id -f int $m || return 1
		sig_gzip $sig || return 1
		sig_stop $sig sort sort -k text $m in.csv || return 1
		sig_stop $sig "stats -g" stats -g id -f int $m in.csv || return 1
	done
}

# pipe_quiet NAME ARGS...: sluice ARGS | head -n 1 ends with 0 and says
# nothing
pipe_quiet() {
	local name=$1
	shift
	rm -rf t && mkdir t
	"$S" "$@" 2>err | head -n 1 >/dev/null
	eq "$name | head: status" "${PIPESTATUS[0]}" 0 || return 1
	eq "$name | head: stderr" "$(cat err)" "" || return 1
	eq "$name | head: left in --tmpdir" "$(ls -A t)" ""
}

# (-m 1280K: merging under freq's ranking sorter holds two inflate
# states, which are igzip's 85 KiB each in a build with ISA-L)
t_fault_closed_pipe() {
	"$S" gen --rows 20000 >in.csv || return 1
	pipe_quiet sort sort -k text -m 1280K --tmpdir t in.csv || return 1
	pipe_quiet "stats -g" stats -g id -f int -m 1280K --tmpdir t in.csv ||
		return 1
	pipe_quiet freq freq -f text -m 1280K --tmpdir t in.csv || return 1
	pipe_quiet cat cat in.csv || return 1
	pipe_quiet "cat -z" cat -z in.csv
}

run faults t_faults
run fault_fsync t_fault_fsync
run fault_split_errno t_fault_split_errno
run fault_signals t_fault_signals
run fault_closed_pipe t_fault_closed_pipe
