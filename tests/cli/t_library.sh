# tests/cli/t_library.sh - the command is a user of the library like any
# other: linked to libsluice.so, through sluice.h alone; sourced by run.sh.

# sluice runs linked to the shared library, not a copy of it
t_library_linked() {
	local lib
	lib=$(ldd "$S" | awk '$1 ~ /^libsluice\.so/ { print $3 }')
	[ -n "$lib" ] || { echo "sluice is not linked to libsluice.so:"; ldd "$S"; return 1; }
	[ -f "$lib" ] || { echo "libsluice.so resolves to '$lib'"; return 1; }
	# and the library it loads is the one that does the work
	eq "a run through the shared library" \
		"$(printf 'a\n1\n2\n' | "$S" count)" 2 || return 1
	echo "figure: sluice loads $lib"
}

# cli/ includes no header of lib/, and every sl_ name it uses is one of
# include/sluice.h's
t_library_cli_public_only() {
	local root=$HERE/../.. bad name
	bad=$(grep -n '#include' "$root"/cli/*.c "$root"/cli/*.h |
		grep -v '<[a-z/_]*\.h>' | grep -v '"cli\.h"\|"sluice\.h"')
	[ -z "$bad" ] || { echo "cli/ includes private headers:"; echo "$bad"; return 1; }
	for name in $(grep -oh '\bsl_[a-z0-9_]*' "$root"/cli/*.c "$root"/cli/*.h |
		      sort -u); do
		grep -q "\b$name\b" "$root/include/sluice.h" ||
			bad="$bad $name"
	done
	[ -z "$bad" ] || { echo "cli/ uses names sluice.h lacks:$bad"; return 1; }
	echo "figure: cli/ uses $(grep -oh '\bsl_[a-z0-9_]*' "$root"/cli/*.c |
		sort -u | wc -l) names, all of sluice.h"
}

run library_linked t_library_linked
run library_cli_public_only t_library_cli_public_only

# A record keeps where it was read through the stages that hold, sort,
# spill and merge it, so a late stage's error names the input line.
# Python writes the input (blank lines and long lines, so that record,
# line and byte differ) and says where the bad record starts; each verb
# writes -O lines, which cannot hold its line feed.
t_library_provenance() {
	local want verb
	want=$(python3 -c 'import json, random
rng = random.Random(14)
bad = rng.randrange(20000, 29000)
out = open("p.jsonl", "wb"); right = open("r.jsonl", "wb")
pos = line = 0
for i in range(30000):
    while rng.random() < 0.05:
        out.write(b"\n"); pos += 1; line += 1
    v = "x\ny" if i == bad else "v" * rng.randrange(1, 60)
    b = (json.dumps({"id": "%06d" % rng.randrange(10**6) if i != bad else "%06d" % 999999, "v": v}) + "\n").encode()
    if i == bad:
        where = "at record %d, line %d, byte %d" % (i + 1, line + 1, pos)
    out.write(b); pos += len(b); line += 1
    right.write((json.dumps({"id": "%06d" % 999999, "w": i}) + "\n").encode()) if i % 1000 == 0 else None
print(where)') || return 1
	for verb in "sort -k id" "sort -k id -m 1M" "uniq -k id,v -m 1M" \
		    "tail -n 20000" "top -n 5000 -k id" "sort -k v -m 1M"; do
		$S $verb -O lines p.jsonl >out 2>err
		eq "$verb exit" $? 1 || return 1
		has "$verb names the input" "$(cat err)" "in 'p.jsonl' $want" || return 1
	done
	$S join -k id -m 2M -O lines p.jsonl r.jsonl >out 2>err
	eq "join exit" $? 1 || return 1
	has "join names the left input" "$(cat err)" "in 'p.jsonl' $want" || return 1
	# a joined record is named by its left record: here the first of r
	$S join -k id -m 2M -O lines r.jsonl p.jsonl >out 2>err
	eq "join exit" $? 1 || return 1
	has "join names the left record" "$(cat err)" "in 'r.jsonl' at record 1, line 1, byte 0" || return 1
	echo "figure: 7 stages name '$want' of a 30000-record input"
}

run library_provenance t_library_provenance
