# tests/cli/t_docs.sh - the manual page, --help against the options each
# verb accepts, and the bash completion; sourced by run.sh.

verbs_of() {
	"$S" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF >= 2 && $1 != "Verbs:" { print $1 }'
}

# Every long option in a verb's option table (cli/VERB.c) is in its --help.
t_help_mentions_every_option() {
	local v opt n=0 src
	for v in $(verbs_of); do
		src="$HERE/../../cli/$v.c"
		[ -f "$src" ] || { echo "no $src"; return 1; }
		for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", .*/\1/p' "$src"); do
			has "$v --help" "$("$S" "$v" --help)" "--$opt" || return 1
			n=$((n + 1))
		done
	done
	# the global options, once: they come from cli/cli.c
	for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", .*/\1/p' \
			"$HERE/../../cli/cli.c"); do
		has "global --help" "$("$S" head --help)" "--$opt" || return 1
		n=$((n + 1))
	done
	[ $n -gt 40 ] || { echo "only $n options found: the pattern broke?"; return 1; }
	echo "figure: $n options, each in its verb's --help"
}

t_man_page() {
	local page out v
	page=$(dirname "$S")/sluice.1      # built beside the binary
	[ -f "$page" ] || { echo "no manual page $page"; return 1; }
	groff -man -Tutf8 -ww -z "$page" 2>err || return 1
	eq "groff warnings" "$(cat err)" "" || return 1
	out=$(MANWIDTH=80 man -l "$page" 2>/dev/null) || return 1
	for v in $(verbs_of); do
		has "man page" "$out" "usage: sluice $v" || return 1
	done
	has "man page" "$out" "EXIT STATUS" || return 1
	has "man page" "$out" "--max-memory"
}

t_bash_completion() {
	local got
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" st); COMP_CWORD=1; _sluice
		echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "verbs st*" "$got" "stats" || return 1
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" stats --pa); COMP_CWORD=2
		_sluice; echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "stats --pa*" "$got" "--partial" || return 1
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" cat -O j); COMP_CWORD=3
		_sluice; echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "-O j*" "$got" "jsonl"
}

run help_mentions_every_option t_help_mentions_every_option
run man_page t_man_page
run bash_completion t_bash_completion
