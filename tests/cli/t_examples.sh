# tests/cli/t_examples.sh - the examples/ programs, built against the
# installed library with pkg-config; sourced by run.sh ($EX is their
# folder).

t_example_sumcol() {
	local got want rc
	"$S" gen --rows 20000 --seed 3 | gzip -c >in.csv.gz || return 1
	got=$("$EX/sumcol" in.csv.gz float) || return 1
	want=$(gzip -dc in.csv.gz | python3 -c '
import csv, sys
s = 0.0
for r in csv.DictReader(sys.stdin):
    if r["float"]:
        s += float(r["float"])
print(repr(s))') || return 1
	eq "sum of float" "$(python3 -c "print(float('$got') == $want)")" True ||
		return 1
	"$EX/sumcol" in.csv.gz nope 2>err; rc=$?
	eq "missing column exit" $rc 1 || return 1
	has "missing column" "$(cat err)" "no column 'nope'"
}

t_example_wordfreq() {
	local n=300000
	[ -n "$SAN" ] && n=30000
	# many distinct words, so that the 16 MiB ceiling makes it spill
	awk -v n=$n 'BEGIN { for (i = 0; i < n; i++)
		printf "Word%d the, THE w%d\n", i, i % 13 }' >in.txt
	"$EX/wordfreq" -n 1000000 in.txt >got || return 1
	python3 - in.txt >want <<'PY' || return 1
import collections, re, sys
c = collections.Counter(w.lower() for line in open(sys.argv[1])
                        for w in re.findall(r'[A-Za-z0-9]+', line))
for w, k in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])):
    print(k, w)
PY
	cmp got want || { echo "wordfreq differs from python"; return 1; }
	eq "top 2" "$("$EX/wordfreq" -n 2 in.txt)" "$(head -2 want)"
}

t_example_stage() {
	"$S" gen --rows 3000 --seed 9 >in.csv || return 1
	"$EX/stage" in.csv text >out.jsonl || return 1
	python3 - in.csv out.jsonl <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
out = [json.loads(l, parse_int=str, parse_float=str)
       for l in open(sys.argv[2])]
assert len(rows) == len(out), (len(rows), len(out))
for r, o in zip(rows, out):
    words = o.pop('text_words')
    assert int(words) == len([w for w in r['text'].split(' ') if w]), \
        (words, r['text'])
    assert {k: str(v) for k, v in o.items()} == r, (o, r)
print('figure: stage: %d records, word counts as python splits them' % len(rows))
PY
}

# examples/pipeline.c: filter | sort | uniq -c | head as stages of the
# library, under its 8 MiB ceiling; the same bytes as the command line's
# pipeline, and the counts python makes
t_example_pipeline() {
	local size=48M kib
	[ -n "$SAN" ] && size=4M
	"$S" gen --size $size --seed 5 --cardinality 5000 >in.csv || return 1
	"$MAXRSS" rss "$EX/pipeline" in.csv 'int > 0' cat 300 >got ||
		return 1
	kib=$(cat rss)
	"$S" filter 'int > 0' in.csv | "$S" sort -k cat | "$S" uniq -c -k cat |
		"$S" head -n 300 >want || return 1
	cmp -s got want || { echo "pipeline differs from the command line"
		diff got want | head; return 1; }
	python3 - in.csv got <<'PY' || return 1
import collections, csv, sys
c = collections.Counter(r['cat'] for r in csv.DictReader(open(sys.argv[1], newline=''))
                        if r['int'] and int(r['int']) > 0)
got = list(csv.reader(open(sys.argv[2], newline='')))
want = sorted(c.items(), key=lambda kv: kv[0].encode())[:300]
assert got[0][-1] == 'count', got[0]
keyat = got[0].index('cat')
assert [(r[keyat], int(r[-1])) for r in got[1:]] == want, (got[1:4], want[:3])
print('figure: pipeline: %d keys of %d kept; ' % (len(want), len(c)), end='')
PY
	echo "peak RSS $kib KiB"
	[ -n "$SAN" ] || le "pipeline peak RSS KiB" "$kib" 20480
}

run example_sumcol t_example_sumcol
run example_wordfreq t_example_wordfreq
run example_stage t_example_stage
run example_pipeline t_example_pipeline
