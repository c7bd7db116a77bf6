# tests/cli/t_docs.sh - the manual page, --help against the options each
# verb accepts, the bash completion, and what README.md claims that a
# test can check (its verb table, global options, --mem-report=json
# object and file name extensions); sourced by run.sh.

README=$HERE/../../README.md

verbs_of() {
	"$S" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF >= 2 && $1 != "Verbs:" { print $1 }'
}

# Every long option in a verb's option table (cli/VERB.c) is in its --help.
t_help_mentions_every_option() {
	local v opt n=0 src help
	for v in $(verbs_of); do
		src="$HERE/../../cli/$v.c"
		[ -f "$src" ] || { echo "no $src"; return 1; }
		help=$("$S" "$v" --help)
		for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", .*/\1/p' "$src"); do
			has "$v --help" "$help" "--$opt" || return 1
			n=$((n + 1))
		done
	done
	# the global options, once: they come from cli/cli.c
	help=$("$S" head --help)
	for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", .*/\1/p' \
			"$HERE/../../cli/cli.c"); do
		has "global --help" "$help" "--$opt" || return 1
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
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" lo); COMP_CWORD=1; _sluice
		echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "verbs lo*" "$got" "look" || return 1
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" stats --pa); COMP_CWORD=2
		_sluice; echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "stats --pa*" "$got" "--partial" || return 1
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" cat -O j); COMP_CWORD=3
		_sluice; echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "-O j*" "$got" "jsonl json" || return 1
	got=$(bash -c 'source "$1"; COMP_WORDS=("$2" cat --keys u); COMP_CWORD=3
		_sluice; echo "${COMPREPLY[@]}"' _ "$HERE/../../completion/sluice.bash" "$S")
	eq "--keys u*" "$got" "union"
}

# ---- README.md against the code -------------------------------------------

# The verbs of the README's table: the first word of each row's first
# code span
readme_verbs() {
	sed -n '/^| verb | what it does/,/^$/p' "$README" |
		sed -n 's/^| `\([a-z][a-z]*\).*/\1/p'
}

# The table and `sluice --help` name the same verbs.
t_readme_verbs() {
	local table help v
	table=$(readme_verbs | sort | tr '\n' ' ')
	help=$(verbs_of | sort | tr '\n' ' ')
	[ -n "$table" ] || { echo "no verb table in README.md"; return 1; }
	[ -n "$help" ] || { echo "no verbs in sluice --help"; return 1; }
	eq "README's verbs against sluice --help's" "$table" "$help" || return 1
	# and the design notes' "Not yet" names none of them
	for v in $(sed -n '/^- Not yet:/,/^\(- \|$\)/p' "$README" |
			grep -o '`[a-z][a-z]*`' | tr -d '`'); do
		case " $help " in *" $v "*)
			echo "README.md: '$v' is a verb, but the notes say not yet"
			return 1 ;;
		esac
	done
	echo "figure: $(readme_verbs | wc -l) verbs in both"
}

# The options in the code spans of the README's "Global options:"
# paragraph, short and long: -m and --max-memory of `-m/--max-memory SIZE`
readme_global_options() {
	sed -n '/^Global options:/,/^$/p' "$README" | grep -o '`[^`]*`' |
		grep -o -- '--\{0,1\}[a-zA-Z][a-zA-Z-]*'
}

# Each is in `sluice head --help` and the option parser knows it.
t_readme_global_options() {
	local opt help n=0
	help=$("$S" head --help) || return 1
	for opt in $(readme_global_options); do
		printf '%s\n' "$help" | grep -qE -- "(^|[ ,])$opt([][ ,=]|\$)" ||
			{ echo "README's $opt is not in sluice head --help"; return 1; }
		"$S" count "$opt" </dev/null >/dev/null 2>err
		grep -q "unknown option" err &&
			{ echo "README's $opt: $(cat err)"; return 1; }
		n=$((n + 1))
	done
	[ $n -ge 10 ] || { echo "only $n global options found in README.md"; return 1; }
	echo "figure: $n global options, each in --help and accepted"
}

# mem_report_check FILE KIND: FILE holds exactly one JSON object with the
# keys the README gives its --mem-report=json object (KIND sort: and the
# ones it says sort adds), and nothing else
mem_report_check() {
	python3 - "$README" "$1" "$2" <<'PY'
import json, re, sys

readme = open(sys.argv[1]).read()
m = re.search(r"`--mem-report=json` prints(.*?)`--progress`", readme, re.S)
assert m, "README.md: no description of --mem-report=json"
text = m.group(1)
spec = re.search(r"`(\{.*?\})`", text, re.S)
assert spec, "README.md: no `{...}` in the --mem-report=json description"
obj = spec.group(1)
nested = re.search(r"\[\{(.*?)\}", obj, re.S)
assert nested, "README.md: no [{...}] of tags in " + obj
tag_keys = set(re.findall(r'"([a-z_]+)"', nested.group(1)))
top_keys = set(re.findall(r'"([a-z_]+)"', obj[:nested.start()] +
                          obj[nested.end():]))
want = set(top_keys)
if sys.argv[3] == "sort":
    adds = re.search(r"`sort` adds(.*?):", text[spec.end():], re.S)
    assert adds, "README.md: does not say what sort adds"
    want |= set(re.findall(r'"([a-z_]+)"', adds.group(1)))

data = open(sys.argv[2]).read()
dec = json.JSONDecoder()
objs, at = [], 0
while True:
    while at < len(data) and data[at].isspace():
        at += 1
    if at == len(data):
        break
    o, at = dec.raw_decode(data, at)
    objs.append(o)
assert len(objs) == 1, "%d JSON objects on stderr: %r" % (len(objs), data)
r = objs[0]
assert isinstance(r, dict), r
assert set(r) == want, "keys %s, README.md says %s" % (sorted(r), sorted(want))
assert r["tags"], r
for t in r["tags"]:
    assert set(t) == tag_keys, "tag keys %s, README.md says %s" % (
        sorted(t), sorted(tag_keys))
if sys.argv[3] == "sort":
    assert r["spill_runs"] > 0, "the sort did not spill: %r" % r
PY
}

# --mem-report=json is one object with the README's keys: for a verb that
# does not spill and for a sort that does.
t_readme_mem_report() {
	"$S" gen --rows 20000 >in.csv || return 1
	"$S" count --mem-report=json in.csv >/dev/null 2>err ||
		{ cat err; return 1; }
	mem_report_check err count || return 1
	"$S" sort -k text -m 1M --tmpdir . --mem-report=json in.csv \
		>/dev/null 2>err || { cat err; return 1; }
	mem_report_check err sort
}

# The extensions in the README's first code span of "Formats come from"
readme_extensions() {
	sed -n '/^Formats come from/,/^$/p' "$README" | tr '\n' ' ' |
		grep -o '`\.[a-z][a-z .]*`' | head -n 1 | tr -d '`'
}

# A file of each name the README lists, with and without .gz, is read in
# the format its extension names.  The bytes "a<TAB>b,c" and "x<TAB>y,z"
# read differently as CSV, TSV and lines (python3 says how), and are no
# JSON Lines at all.
t_readme_extensions() {
	local ext fmt name want got rc n=0
	printf 'a\tb,c\nx\ty,z\n' >data
	for ext in $(readme_extensions); do
		case $ext in
		.csv) fmt=csv ;;
		.tsv) fmt=tsv ;;
		.jsonl | .ndjson | .json) fmt=jsonl ;;
		.txt | .log) fmt=lines ;;
		*) echo "README.md lists $ext: which format is that?"; return 1 ;;
		esac
		want=$(python3 - "$fmt" data <<'PY'
import csv, json, sys
fmt, lines = sys.argv[1], open(sys.argv[2]).read().splitlines()
if fmt == "csv":
    rows = list(csv.reader(lines))
elif fmt == "tsv":
    rows = [l.split("\t") for l in lines]
else:
    rows = [["line"]] + [[l] for l in lines]
for r in rows[1:] if fmt != "jsonl" else []:
    print(json.dumps(dict(zip(rows[0], r)), separators=(",", ":")))
PY
)
		for name in "x$ext" "x$ext.gz"; do
			case $name in
			*.gz) gzip -c data >"$name" ;;
			*) cp data "$name" ;;
			esac
			got=$("$S" head -n 10 -O jsonl "$name" 2>err)
			rc=$?
			if [ $fmt = jsonl ]; then
				eq "$name: status" $rc 1 || return 1
				has "$name: read as JSON Lines" "$(cat err)" \
					"not a JSON object" || return 1
			else
				eq "$name: status" $rc 0 || { cat err; return 1; }
				eq "$name: read as $fmt" "$got" "$want" || return 1
			fi
			n=$((n + 1))
		done
	done
	[ $n -ge 8 ] || { echo "only $n names from README.md's extensions"; return 1; }
	echo "figure: $n file names, each read in the format its extension names"
}

run help_mentions_every_option t_help_mentions_every_option
run man_page t_man_page
run bash_completion t_bash_completion
run readme_verbs t_readme_verbs
run readme_global_options t_readme_global_options
run readme_mem_report t_readme_mem_report
run readme_extensions t_readme_extensions
