# tests/cli/t_spill.sh - the spill options, which every spilling verb
# takes: --tmpdir, --tmp-limit, --spill-codec and --spill-level.  Sourced
# by run.sh.

# Each spilling verb under -m 3M, its runs in gzip and in zstd: the bytes
# of a run that fits in memory (itself held to its oracles elsewhere),
# spill files made (the memory report counts them) and none left; zstd's
# runs are zstd (its compressor is in the report, and not with gzip).
t_spill_codecs() {
	local v a c want
	"$S" gen --rows 60000 --seed 31 >in.csv || return 1
	"$S" gen --rows 3000 --seed 32 --columns id:id,w:int >small.csv ||
		return 1
	mkdir sp
	for v in "sort -k int:n" "sort -k text:r" "uniq -c -k text" \
		 "join --key-order -k id in.csv small.csv" \
		 "stats -g text -f int -a count,sum,p50" "freq -f text"; do
		case $v in join*) a=$v ;; *) a="$v in.csv" ;; esac
		want=$("$S" $a -m 256M | md5sum)
		for c in gzip zstd; do
			"$S" $a -m 3M --tmpdir sp --spill-codec $c \
				--mem-report=json >out 2>rep ||
				{ echo "$v --spill-codec $c failed"; cat rep; return 1; }
			eq "$v, $c runs: as in memory" "$(md5sum <out)" "$want" ||
				return 1
			grep -q '"spill_runs":[1-9]' rep ||
				{ echo "$v: no spill under -m 3M"; return 1; }
			if [ $c = zstd ]; then
				grep -q '"tag":"zstd.compress"' rep ||
					{ echo "$v: zstd runs without zstd"; return 1; }
			else
				grep -q '"tag":"zstd' rep &&
					{ echo "$v: gzip runs with zstd"; return 1; }
			fi
			eq "$v, $c: nothing left" "$(ls -A sp)" "" || return 1
		done
	done
	echo "figure: 6 verbs x 2 codecs under -m 3M, as in memory"
}

# The options are global: uniq, which had none of them, takes
# --tmp-limit; a zstd level whose compressor the ceiling cannot hold is
# refused by name; bad values are usage errors.
t_spill_options() {
	local rc
	"$S" gen --rows 60000 --seed 31 >in.csv || return 1
	mkdir sp
	"$S" uniq -c -k text -m 3M --tmpdir sp --tmp-limit 20K in.csv \
		>/dev/null 2>err
	eq "uniq --tmp-limit: status" $? 3 || return 1
	has message "$(cat err)" "spill files in 'sp' would pass --tmp-limit 20.0 KiB" ||
		return 1
	eq "uniq --tmp-limit: nothing left" "$(ls -A sp)" "" || return 1
	"$S" sort -k text -m 3M --spill-codec zstd --spill-level 19 in.csv \
		>/dev/null 2>err
	eq "zstd 19 under 3M: status" $? 3 || return 1
	has message "$(cat err)" "spill files at zstd level 19 need" || return 1
	has message "$(cat err)" "(raise --max-memory or lower --spill-level)" ||
		return 1
	"$S" sort -k text --spill-codec lz4 in.csv >/dev/null 2>err
	rc=$?
	eq "--spill-codec lz4: status" $rc 2 || return 1
	has message "$(cat err)" "invalid --spill-codec 'lz4' (gzip or zstd)" ||
		return 1
	"$S" freq -f text --spill-level 12 in.csv >/dev/null 2>err
	eq "gzip --spill-level 12: status" $? 2 || return 1
	has message "$(cat err)" "--spill-level 12 is for zstd" || return 1
	"$S" stats -g text --spill-codec zstd --spill-level 12 -m 64M in.csv \
		>/dev/null || { echo "zstd --spill-level 12 refused"; return 1; }
}

run spill_codecs t_spill_codecs
run spill_options t_spill_options
