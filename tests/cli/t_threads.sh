# tests/cli/t_threads.sh - the same results and one memory ceiling for any
# number of threads.  Sourced by run.sh.

# Each verb that spills, over a gzip'ed input (decoded on a thread of its
# own at -j 2 and more), at -j 1, -j 2 and -j 8 under one -m: the same
# bytes out, and a peak RSS within the ceiling and 16 MiB.  -j 1 is the
# single-threaded code, which the other tests hold to their oracles; cat
# -z's output is checked against the input too.
t_threads_same_output_and_ceiling() {
	local size=24M m=16M j v want got rss worst=0
	[ -n "$SAN" ] && size=6M m=4M
	"$S" gen --size $size --seed 21 | gzip -1 >in.csv.gz || return 1
	"$S" gen --rows 5000 --seed 22 --columns id:id,w:int >small.csv ||
		return 1
	for v in "sort -k int:n" "sort -k text" "uniq -c -k text" \
		 "join -k id in.csv.gz small.csv" \
		 "stats -g text -f int -a count,sum" \
		 "freq -f text" "cat -z"; do
		want=
		for j in 1 2 8; do
			case $v in
			join*) "$MAXRSS" rss "$S" $v -m $m -j $j >out ;;
			*) "$MAXRSS" rss "$S" $v -m $m -j $j in.csv.gz >out ;;
			esac || { echo "$v -j $j failed"; return 1; }
			case $v in "cat -z") gzip -dc out >out.d && mv out.d out ;; esac
			got=$(md5sum <out)
			[ -n "$want" ] || want=$got
			eq "$v: -j $j against -j 1" "$got" "$want" || return 1
			rss=$(cat rss)
			[ "$rss" -gt "$worst" ] && worst=$rss
			[ -n "$SAN" ] ||
				le "$v -j $j: peak RSS KiB" "$rss" $(((16 + 16) * 1024)) ||
				return 1
		done
		case $v in
		"cat -z")
			eq "cat -z: the input" "$want" \
				"$(gzip -dc in.csv.gz | md5sum)" || return 1 ;;
		esac
	done
	echo "figure: 7 verbs x -j 1,2,8 on $size under -m $m: worst peak RSS $((worst / 1024)) MiB"
}

run threads_same_output_and_ceiling t_threads_same_output_and_ceiling
