# t_everyday.sh - the everyday verbs on headers: rename and reorder, each
# against Python (csv and re modules) on a header of awkward names (a
# comma, a quote, a space, non-ASCII, an empty name).  Sourced by run.sh.

# everyday_in FILE: the input, 3 records
everyday_in() {
	printf 'id,"a,b",x_1,x_22,caf\xc3\xa9,,"q""t"\n1,2,3,4,5,6,7\n8,"9,9",10,11,12,,14\n15,,,,,,\n' >"$1"
}

# py_header_op FILE OP ARGS...: what Python says the output must be, as
# CSV (the records' fields permuted as the header is)
py_header_op() {
	python3 - "$@" <<'PY'
import csv, re, sys
path, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
h = rows[0]
def pos(item):
    if item in h:
        return h.index(item)
    return int(item) - 1
def items(lst):
    out = []
    for it in lst.split(","):
        if re.fullmatch(r"\d+-\d*", it):
            lo, hi = it.split("-")
            out += range(int(lo) - 1, int(hi) if hi else len(h))
        else:
            out.append(pos(it))
    return out
order = list(range(len(h)))
names = list(h)
if op == "rename":
    for pair in args[0].split(","):
        old, new = pair.rsplit(":", 1) if False else pair.split(":", 1)
        names[pos(old)] = new
elif op == "rename-re":
    rx, repl = args[0].rsplit(":", 1)
    count = 0 if len(args) > 1 else 1
    pyrepl = re.sub(r"\\(\d)", r"\\g<\1>", repl)
    names = [re.sub(rx, pyrepl, n, count=count) for n in h]
elif op in ("front", "back"):
    chosen = items(args[0])
    rest = [i for i in order if i not in chosen]
    order = chosen + rest if op == "front" else rest + chosen
    names = [h[i] for i in order]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(names)
for r in rows[1:]:
    w.writerow([r[i] for i in order])
PY
}

# each result parsed by Python's csv module against py_header_op's
same_table() {  # same_table LABEL GOT WANT
	python3 - "$2" "$3" <<'PY' || { echo "$1: differs"; return 1; }
import csv, sys
a = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
b = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
assert a == b, (a, b)
PY
}

t_rename_reorder() {
	everyday_in in.csv
	local spec
	for spec in "rename|id:ID,x_1:one,5:cafe" "rename|2:x" \
		"rename|6:empty,7:quote" \
		"rename-re|^x_([0-9]+)$:col\1" "rename-re|_:-" \
		"rename-re|[a-z]:<\0>|g" "rename-re|^$:blank" \
		"front|x_22,id" "front|3-4,1" "back|1,x_1" "back|2-" \
		"front|7,6,5,4,3,2,1"; do
		local op=${spec%%|*} rest=${spec#*|} arg g=
		arg=${rest%%|*}
		[ "$rest" != "$arg" ] && g=g
		case $op in
		rename) "$S" rename "$arg" in.csv >got.csv ;;
		rename-re) "$S" rename ${g:+-g} -r "$arg" in.csv >got.csv ;;
		front) "$S" reorder -f "$arg" in.csv >got.csv ;;
		back) "$S" reorder -e -f "$arg" in.csv >got.csv ;;
		esac || { echo "$spec: failed"; return 1; }
		py_header_op in.csv "$op" "$arg" $g >want.csv || return 1
		same_table "$spec" got.csv want.csv || return 1
	done
	# JSON keeps its types and leaves out absent keys through both
	printf '{"a":1,"b":"x","c":null}\n{"a":2.50,"c":[1]}\n' >in.jsonl
	eq "jsonl" "$("$S" rename a:A in.jsonl | "$S" reorder -f c)" \
		"$(printf '{"c":null,"A":1,"b":"x"}\n{"c":[1],"A":2.50}')" || return 1
	# errors: what is wrong, exit 2
	"$S" rename nope:x in.csv 2>err
	eq "unknown: status" $? 2 || return 1
	has "unknown" "$(cat err)" "no field 'nope' in the header" || return 1
	"$S" rename id:a,1:b in.csv 2>err
	has "twice" "$(cat err)" "field 'id' is renamed twice" || return 1
	"$S" rename id in.csv 2>err
	has "no pair" "$(cat err)" "rename takes OLD:NEW pairs" || return 1
	"$S" rename -r '(:x' in.csv 2>err
	eq "bad regex: status" $? 2 || return 1
	has "bad regex" "$(cat err)" "bad regular expression '('" || return 1
	"$S" rename -r nocolon in.csv 2>err
	has "-r" "$(cat err)" "-r takes REGEX:REPL" || return 1
	"$S" reorder -f id,1 in.csv 2>err
	has "reorder twice" "$(cat err)" "field 'id' is in the list twice" || return 1
	"$S" reorder in.csv 2>err
	eq "reorder: status" $? 2 || return 1
	# streamed: a big input under a small ceiling
	"$S" gen --rows 200000 | "$S" rename -m 4M int:i | "$S" reorder -m 4M -e -f id |
		"$S" count >n || return 1
	eq "streamed" "$(cat n)" 200000
}

run rename_reorder t_rename_reorder
