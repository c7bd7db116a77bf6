/*
 * longest.c - the length of the longest line of a file (or stdin), read
 * under an 8 MiB ceiling.
 */
#include <stdio.h>
#include <sluice.h>

int main(int argc, char **argv)
{
	sl_ctx *ctx = sl_ctx_new(&(sl_options){ .max_memory = 8u << 20 });
	sl_arena *a = sl_arena_new(ctx, "main");
	sl_lines *in = sl_lines_open(a, argc > 1 ? argv[1] : "-");
	unsigned long long longest = 0;
	const sl_str *line;

	while (in && (line = sl_lines_next(in)) != NULL)
		if (line->len > longest)
			longest = line->len;
	if (sl_failed(ctx)) {
		fprintf(stderr, "%s\n", sl_errmsg(ctx));
		sl_ctx_free(ctx);
		return 1;
	}
	printf("longest line: %llu bytes\n", longest);
	sl_ctx_free(ctx);            /* closes files, frees every arena */
	return 0;
}
