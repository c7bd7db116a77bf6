# bash completion for sluice.  The verbs and each verb's options are read
# from the binary's own --help, so they never fall behind it.

_sluice()
{
	local cur prev verb words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		words=$("${COMP_WORDS[0]}" --help 2>/dev/null |
			sed -n '/^Verbs:/,/^$/p' | awk 'NF >= 2 && $1 != "Verbs:" { print $1 }')
		# look is table's other name
		COMPREPLY=($(compgen -W "$words look --help --version" -- "$cur"))
		return
	fi
	verb=${COMP_WORDS[1]}
	case $prev in
	-i|--in-format)
		COMPREPLY=($(compgen -W "csv tsv jsonl json lines" -- "$cur"))
		return ;;
	-O|--out-format)
		COMPREPLY=($(compgen -W "csv tsv jsonl json lines" -- "$cur"))
		return ;;
	--on-error)
		COMPREPLY=($(compgen -W "fail skip pad" -- "$cur"))
		return ;;
	--spill-codec)
		COMPREPLY=($(compgen -W "gzip zstd" -- "$cur"))
		return ;;
	--keys)
		COMPREPLY=($(compgen -W "first union" -- "$cur"))
		return ;;
	-a|--aggs)
		COMPREPLY=($(compgen -W "count empty type min max sum mean stddev distinct p50 p90 p99 first last" -- "$cur"))
		return ;;
	-o|--output|--rejects)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--tmpdir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		words=$("${COMP_WORDS[0]}" "$verb" --help 2>/dev/null |
			grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _sluice sluice
