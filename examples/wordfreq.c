/*
 * wordfreq.c - the most frequent words of a text, counted exactly under
 * a 16 MiB ceiling however many distinct words there are.
 *
 *     wordfreq [-n TOP] [FILE]
 *
 * A word is a run of ASCII letters and digits, lower-cased.  Words are
 * counted by an aggregator (one group per word, spilled to disk when the
 * groups outgrow the ceiling), then ranked by a sorter: count, greatest
 * first, then the word.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sluice.h>

/* Count each word of a line; its bytes are lower-cased in buf. */
static sl_status count_words(sl_agg *g, const sl_str *line, char *buf)
{
	size_t i = 0, start;

	while (i < line->len) {
		while (i < line->len && !isalnum((unsigned char)line->ptr[i]))
			i++;
		start = i;
		while (i < line->len && isalnum((unsigned char)line->ptr[i])) {
			buf[i] = (char)tolower((unsigned char)line->ptr[i]);
			i++;
		}
		if (i > start) {
			sl_str word = { buf + start, i - start };

			if (sl_agg_add(g, &word, NULL) != SL_OK)
				return SL_ENOMEM;
		}
	}
	return SL_OK;
}

int main(int argc, char **argv)
{
	sl_ctx *ctx = sl_ctx_new(&(sl_options){ .max_memory = 16u << 20 });
	sl_arena *a = sl_arena_new(ctx, "main");
	sl_sort_key rank[2] = { { 1, 1, 1 }, { 0, 0, 0 } };  /* count desc */
	const char *path = "-";
	unsigned long top = 10, shown = 0;
	const sl_str *line, *word, *f;
	char *buf = NULL, num[32];
	size_t cap = 0, n;
	sl_sorter *s;
	sl_lines *in;
	sl_agg *g;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			top = strtoul(argv[++i], NULL, 10);
		else
			path = argv[i];
	}
	in = sl_lines_open(a, path);
	g = sl_agg_new(a, 1, 0, NULL, 0, NULL);
	s = sl_sorter_new(a, rank, 2, NULL);
	while (in && g && s && (line = sl_lines_next(in)) != NULL) {
		if (line->len > cap) {
			char *nb = sl_mem_realloc(ctx, buf, line->len, "words");

			if (!nb)
				break;
			buf = nb;
			cap = line->len;
		}
		if (count_words(g, line, buf) != SL_OK)
			break;
	}
	/* every distinct word with its count, into the sorter */
	while (!sl_failed(ctx) && (word = sl_agg_next(g)) != NULL) {
		sl_str rec[2] = { word[0], { num, 0 } };

		rec[1].len = (size_t)snprintf(num, sizeof(num), "%llu",
					      (unsigned long long)
					      sl_agg_rows(g));
		if (sl_sorter_add(s, rec, 2) != SL_OK)
			break;
	}
	while (!sl_failed(ctx) && shown < top &&
	       (f = sl_sorter_next(s, &n)) != NULL) {
		printf("%.*s %.*s\n", (int)f[1].len, f[1].ptr, (int)f[0].len,
		       f[0].ptr);
		shown++;
	}
	sl_mem_free(buf);
	if (sl_failed(ctx)) {
		fprintf(stderr, "wordfreq: %s\n", sl_errmsg(ctx));
		sl_ctx_free(ctx);
		return 1;
	}
	sl_ctx_free(ctx);
	return 0;
}
