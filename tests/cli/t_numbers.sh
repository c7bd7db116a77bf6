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

run numbers_sort t_numbers_sort
run numbers_filter t_numbers_filter
