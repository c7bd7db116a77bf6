/*
 * pipeline.c - the library's stages chained: read, filter, sort, count
 * each key, keep the first N, write.  An 8 MiB ceiling holds whatever the
 * input's size: the sort spills to compressed temporary files.
 *
 *     pipeline FILE EXPR KEY N
 *
 * writes what this does:
 *
 *     sluice filter EXPR FILE | sluice sort -k KEY |
 *             sluice uniq -c -k KEY | sluice head -n N
 */
#include <stdio.h>
#include <stdlib.h>
#include <sluice.h>

int main(int argc, char **argv)
{
	sl_ctx *ctx;
	sl_iter *it;
	sl_status st;

	if (argc != 5) {
		fprintf(stderr, "usage: pipeline FILE EXPR KEY N\n");
		return 2;
	}
	ctx = sl_ctx_new(&(sl_options){ .max_memory = 8u << 20 });
	if (!ctx)
		return 1;
	it = sl_read(sl_arena_new(ctx, "pipeline"), argv[1], NULL);
	it = sl_filter(it, argv[2], 0);
	it = sl_sort(it, argv[3], NULL);
	it = sl_uniq(it, argv[3], &(sl_uniq_options){ .count = 1 });
	it = sl_head(it, strtoull(argv[4], NULL, 10));
	st = it ? sl_write(it, "-", NULL) : sl_errcode(ctx);
	if (st != SL_OK)
		fprintf(stderr, "pipeline: %s\n", sl_errmsg(ctx));
	sl_ctx_free(ctx);   /* frees the arena: the whole pipeline */
	return st == SL_OK ? 0 : 1;
}
