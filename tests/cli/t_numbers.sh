# tests/cli/t_numbers.sh - numbers compared and summed exactly: ids of 19
# to 40 digits, long decimals and exponent forms that are one double,
# against Python's decimal module (numtable.py); sourced by run.sh, which
# provides $S, $SAN, $HERE, run and the assertions.

# numbers_cases VERB...: a table, then each case numtable.py gives for
# the verbs against the output it wants
numbers_cases() {
	local rows=3000 want n=0
	[ -n "$SAN" ] && rows=1000
	python3 "$HERE/numtable.py" gen 1 $rows "$@" || return 1
	while IFS=$'\t' read -r -a args; do
		want=${args[-1]}
		unset 'args[-1]'
		"$S" "${args[@]}" in.csv >got.csv ||
			{ echo "sluice ${args[*]} failed"; return 1; }
		cmp -s got.csv "$want" ||
			{ echo "sluice ${args[*]} differs from decimal"; return 1; }
		n=$((n + 1))
	done <cases
	le "cases" 4 $n
}

t_numbers_sort() {
	numbers_cases sort top
}

# n and m against each other and against literals from the table
t_numbers_filter() {
	numbers_cases filter
}

# stats -a min,max,sum,mean,p50 of the same numbers, overall and per
# group: min, max and p50 the input's text, the sum exact, the mean the
# double nearest the exact one; then from partial states of three parts
# merged, which must be the single run's output
t_numbers_stats() {
	local rows=3000 aggs=min,max,sum,mean,p50 i
	[ -n "$SAN" ] && rows=1000
	python3 "$HERE/numtable.py" gen 3 $rows || return 1
	"$S" stats -f v,n -a $aggs in.csv >plain.csv &&
		"$S" stats -g k -f v,n -a $aggs in.csv >grouped.csv || return 1
	python3 "$HERE/numtable.py" stats in.csv plain.csv grouped.csv ||
		return 1
	"$S" stats -g k -f v,n -a min,max,sum,mean in.csv >want.csv ||
		return 1
	for i in 1 2 3; do
		"$S" split --parts 3 --part $i in.csv >part.csv &&
			"$S" stats -f v,n -a $aggs --partial part.csv &&
			"$S" stats -g k -f v,n -a min,max,sum,mean --partial \
				part.csv >>g.jsonl || return 1
	done >p.jsonl
	"$S" merge p.jsonl | cmp -s - plain.csv ||
		{ echo "merged partial states differ from one run"; return 1; }
	"$S" merge g.jsonl | cmp -s - want.csv ||
		{ echo "merged grouped states differ from one run"; return 1; }
}

run numbers_sort t_numbers_sort
run numbers_filter t_numbers_filter
run numbers_stats t_numbers_stats
