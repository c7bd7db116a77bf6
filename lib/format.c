/*
 * format.c - the table of formats: each one's name, the other names it
 * answers to, the file extensions that choose it, the first byte that
 * chooses it in a stream of no known name, the function that opens
 * a reader on it, and the two that write it.  A format module (csv.c,
 * tsv.c, jsonl.c, lines_format.c) hands the reader rows (struct sl_row)
 * through the next_row function its open function sets, and builds a
 * record's output in the writer's row buffer (writer.h); adding a format
 * is a module and a row here.
 */
#include <string.h>
#include <strings.h>

#include "sluice_int.h"

const sl_format_def sl_formats[] = {
	{ SL_FORMAT_CSV, "csv", NULL, { "csv" }, 0, sl_csv_open,
	  sl_writer_header_row, sl_csv_write_row, NULL },
	{ SL_FORMAT_TSV, "tsv", NULL, { "tsv" }, 0, sl_tsv_open,
	  sl_writer_header_row, sl_tsv_write_row, NULL },
	/* jsonl.c reads both JSON formats, and says which it found */
	{ SL_FORMAT_JSONL, "jsonl", "ndjson", { "jsonl", "ndjson" },
	  '{', sl_jsonl_open, sl_jsonl_write_header, sl_jsonl_write_row,
	  NULL },
	{ SL_FORMAT_JSON, "json", NULL, { "json" }, '[', sl_jsonl_open,
	  sl_jsonl_write_header, sl_json_write_row, sl_json_write_end },
	{ SL_FORMAT_LINES, "lines", NULL, { "txt", "log" }, 0,
	  sl_lines_row_open, NULL, sl_lines_write_row, NULL },
};

enum { NFORMATS = sizeof(sl_formats) / sizeof(sl_formats[0]) };

const sl_format_def *sl_format_def_of(sl_format f)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (sl_formats[i].format == f)
			return &sl_formats[i];
	return NULL;
}

sl_format sl_format_from_first(unsigned char c)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (sl_formats[i].first &&
		    (unsigned char)sl_formats[i].first == c)
			return sl_formats[i].format;
	return SL_FORMAT_CSV;
}

const char *sl_format_name(sl_format f)
{
	const sl_format_def *d = sl_format_def_of(f);

	return d ? d->name : NULL;
}

sl_format sl_format_parse(const char *name)
{
	size_t i;

	if (!name)
		return SL_FORMAT_AUTO;
	for (i = 0; i < NFORMATS; i++)
		if (strcasecmp(name, sl_formats[i].name) == 0 ||
		    (sl_formats[i].alias &&
		     strcasecmp(name, sl_formats[i].alias) == 0))
			return sl_formats[i].format;
	return SL_FORMAT_AUTO;
}

size_t sl_format_name_len(const char *name)
{
	size_t n = strlen(name);

	if (n > 3 && (strcasecmp(name + n - 3, ".gz") == 0 ||
		      strcasecmp(name + n - 3, ".xz") == 0))
		return n - 3;
	if (n > 4 && (strcasecmp(name + n - 4, ".bz2") == 0 ||
		      strcasecmp(name + n - 4, ".zst") == 0))
		return n - 4;
	return n;
}

sl_format sl_format_from_name(const char *path)
{
	const char *base, *dot;
	size_t n, i, e, el;

	if (!path)
		return SL_FORMAT_AUTO;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	n = sl_format_name_len(base);
	/* the last dot of the base name, not its first byte: ".csv" is a
	 * hidden file with no extension, as for most tools */
	for (dot = NULL, i = n; i > 1; i--)
		if (base[i - 1] == '.') {
			dot = base + i - 1;
			break;
		}
	if (!dot)
		return SL_FORMAT_AUTO;
	for (i = 0; i < NFORMATS; i++) {
		for (e = 0; e < SL_FORMAT_EXTS && sl_formats[i].ext[e]; e++) {
			el = strlen(sl_formats[i].ext[e]);
			if ((size_t)(base + n - dot - 1) == el &&
			    strncasecmp(dot + 1, sl_formats[i].ext[e], el) == 0)
				return sl_formats[i].format;
		}
	}
	return SL_FORMAT_AUTO;
}
