/*
 * sumcol.c - the sum of one column of a CSV, TSV or JSON Lines file,
 * gzip'ed or not, read under an 8 MiB ceiling.
 *
 *     sumcol FILE COLUMN
 *
 * Empty values are skipped; any other value that is not a number is an
 * error naming its record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sluice.h>

int main(int argc, char **argv)
{
	sl_ctx *ctx = sl_ctx_new(&(sl_options){ .max_memory = 8u << 20 });
	sl_arena *a = sl_arena_new(ctx, "main");
	sl_reader *r;
	const sl_record *rec;
	double sum = 0;
	uint64_t n = 0;
	long col;

	if (argc != 3) {
		fprintf(stderr, "usage: sumcol FILE COLUMN\n");
		sl_ctx_free(ctx);
		return 2;
	}
	r = sl_reader_open(a, argv[1], NULL);   /* format by name, content */
	col = r ? (long)sl_reader_field_index(r, argv[2], strlen(argv[2]))
		: -1;
	if (r && col < 0)
		sl_error(ctx, SL_EINVAL, "no column '%s' in '%s'", argv[2],
			 argv[1]);
	while (!sl_failed(ctx) && (rec = sl_reader_next(r)) != NULL) {
		const sl_str *v;
		char text[64], *end;
		double d;

		n++;
		if ((size_t)col >= rec->nfields)
			continue;
		v = &rec->fields[col];
		if (v->len == 0)
			continue;
		if (v->len >= sizeof(text)) {
			sl_error(ctx, SL_EDATA, "record %llu: value too long",
				 (unsigned long long)n);
			break;
		}
		memcpy(text, v->ptr, v->len);
		text[v->len] = '\0';
		d = strtod(text, &end);
		if (*end != '\0') {
			sl_error(ctx, SL_EDATA, "record %llu: '%s' is not a"
				 " number", (unsigned long long)n, text);
			break;
		}
		sum += d;
	}
	if (sl_failed(ctx)) {
		fprintf(stderr, "sumcol: %s\n", sl_errmsg(ctx));
		sl_ctx_free(ctx);
		return 1;
	}
	printf("%.17g\n", sum);
	sl_ctx_free(ctx);
	return 0;
}
