#!/bin/sh
# doc/mkman.sh - write the sluice(1) manual page to standard output.
#
#     sh doc/mkman.sh path/to/sluice > sluice.1
#
# The page is put together from the binary's own help texts, so that it
# says what --help says and cannot drift from it; the parts that are not
# in any --help (description, exit status, environment, examples) are
# below.
set -eu
S=$1
VERSION=$("$S" --version | awk '{ print $NF }')

# roff-safe text: backslashes doubled, hyphens of options escaped, lines
# starting with . or ' protected
esc() {
	sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

cat <<HEAD
.TH SLUICE 1 "" "sluice $VERSION" "User Commands"
.SH NAME
sluice \\- process files far larger than memory under a fixed memory ceiling
.SH SYNOPSIS
.B sluice
.I VERB
.RI [ OPTIONS ]
.RI [ FILE ...]
.br
.B sluice
.I VERB
.B \\-\\-help
.br
.B sluice \\-\\-version
.SH DESCRIPTION
.B sluice
reads CSV, TSV, JSON Lines and plain lines, gzip\\-, bzip2\\-, xz\\- or zstd\\-compressed or not, in
fixed\\-size chunks, and keeps every buffer it allocates under one memory
ceiling
.RB ( \\-m ).
Verbs that need more than the ceiling holds (sort, uniq, join, stats
\\-g, freq, merge, reverse, shuffle, top \\-g) spill compressed temporary
files and merge them, so any input size works in the same memory.
A FILE of \\- or no FILE reads standard input; several files are read
in turn as one stream of records.
Formats come from
.BR \\-i / \\-O ,
else from the file names (.csv .tsv .jsonl .ndjson .json .txt .log, with
or without .gz; .json is one JSON array of objects, read a record at a
time, or JSON Lines), else from the first byte of the input ([ means one
JSON array).
.B \\-O json
writes one array, an object a line; an array's output is an array by
default.
The first object's keys name a JSON input's fields;
.B \\-\\-keys union
names them after every object's keys, in the order first seen, found by
a first pass (standard input is copied to
.BR \\-\\-tmpdir ).
Values come out as they went in: a JSON Lines input's strings,
numbers, true, false, null, arrays and objects keep their types through
every verb.
.B \\-o
.I FILE
writes to a temporary file beside FILE and renames it into place on
success; on failure or on SIGINT, SIGTERM or SIGHUP nothing is left
behind and an existing FILE is untouched.
.SH VERBS
HEAD
"$S" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF >= 2 && $1 != "Verbs:" {
	v = $1; $1 = ""; sub(/^ /, ""); printf ".TP\n.B %s\n%s\n", v, $0 }' | sed -e 's/-/\\-/g'
echo ".SH GLOBAL OPTIONS"
echo "Every verb takes these."
echo ".PP"
echo ".nf"
"$S" head --help | sed -n '/^Global options:/,/^$/p' | sed '1d;$d' | esc
echo ".fi"
echo ".SH SPILL OPTIONS"
"$S" head --help | sed -n '/^Spill files/,/^$/p' | sed -n '1,/:$/p' |
	tr '\n' ' ' | sed 's/ *$//' | esc
echo
echo ".PP"
echo ".nf"
"$S" head --help | sed -n '/^Spill files/,/^$/p' | sed '1,/:$/d;$d' | esc
echo ".fi"
for v in $("$S" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF >= 2 && $1 != "Verbs:" { print $1 }'); do
	echo ".SH \"sluice $v\""
	echo ".nf"
	"$S" "$v" --help | sed '/^Global options:/,$d' | esc
	echo ".fi"
done
cat <<'TAIL'
.SH EXIT STATUS
.TP
.B 0
success (also when the output pipe was closed early, as by head)
.TP
.B 1
bad input: a malformed record, a truncated or corrupt gzip, bzip2, xz or zstd stream
.TP
.B 2
usage error: an unknown option, field or aggregate
.TP
.B 3
resource error: the memory ceiling, a full disk, an I/O error
.SH ENVIRONMENT
.TP
.B SLUICE_MAX_MEMORY
the ceiling when \-m is not given (default 256M)
.TP
.B TMPDIR
where spill files go when \-\-tmpdir is not given (default /tmp)
.SH EXAMPLES
.nf
sluice cat \-O jsonl big.csv.gz > big.jsonl
sluice filter 'amount > 100 && country =~ "^(NO|SE)$"' sales.csv.gz
sluice sort \-m 32M \-k country \-k amount:nr huge.csv.gz | sluice head \-n 20
sluice stats \-g country \-f amount \-a count,sum,mean,p90 sales.csv
sluice freq \-f product \-n 10 sales.csv
parallel \-j4 "sluice split \-\-parts 4 \-\-part {} sales.csv |
    sluice stats \-g country \-\-partial" ::: 1 2 3 4 | sluice merge
.fi
.SH SEE ALSO
.BR sort (1),
.BR gzip (1),
.BR zstd (1),
.BR parallel (1)
TAIL
