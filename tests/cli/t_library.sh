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
