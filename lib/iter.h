/*
 * iter.h - what the stages of a pipeline (sl_iter) are made of.
 *
 * A stage is a struct sl_iter with two functions: start(), called once
 * before the first record, when the upstream header is known (it resolves
 * key and field lists, sets the stage's own names if they differ, and
 * makes what it holds), and next().  iter.c calls them: start only when
 * the upstream has a header (an empty input ends every stage at once),
 * next only until it returns NULL or the context has failed.
 */
#ifndef SLUICE_ITER_H
#define SLUICE_ITER_H

#include "sluice_int.h"

struct sl_iter {
	sl_ctx *ctx;
	sl_arena *arena;         /* the pipeline's */
	sl_iter *in, *in2;       /* upstream; in2: join's right side */
	int (*start)(sl_iter *it);              /* 0 or -1 */
	const sl_record *(*next)(sl_iter *it);
	/* the spill counters of this stage, NULL when it never spills */
	const sl_spill_stats *(*spill)(sl_iter *it);
	/* a reader's: only the fields with want[i] will be looked at */
	void (*want)(sl_iter *it, const unsigned char *want, size_t n);
	void *state;
	const sl_str *names;     /* the header handed out; NULL: none */
	size_t nnames;
	sl_format format;        /* of the first input */
	const char *input;       /* the input that gave the header */
	uint64_t skipped;        /* a reader's skipped records */
	size_t errcol;           /* sl_filter()'s syntax error column */
	int started, ended, start_rc;
	/* names no record in a message, so sl_iter_quiet() goes on past it
	 * (head, select, tail, sample, top, sort, uniq, join) */
	int transparent;
	/* nothing downstream names a record: a sorter may drop provenance */
	int quiet;
};

/* A stage after in, with a zeroed state of size bytes (0: none), in in's
 * arena; NULL when in is NULL or on failure. */
sl_iter *sl_iter_new(sl_iter *in, size_t size);

/* A stage with no upstream (a reader) in arena a. */
sl_iter *sl_iter_new_source(sl_arena *a, size_t size);

/* A string copied into the pipeline's arena; NULL (an error in the
 * context) on failure; s NULL gives "". */
char *sl_iter_strdup(sl_iter *it, const char *s);

/* iter_read.c: the open reader of a read stage of one input, or NULL
 * (another stage, or several inputs): a stage may read its input's parts
 * on threads (sl_parts_run()) instead of pulling records. */
sl_reader *sl_read_stage_reader(sl_iter *it);

/* Replace a caller's string *s, when set, by a copy in the pipeline's
 * arena (an option such as a spill folder); 0, or -1 on failure. */
int sl_iter_keep(sl_iter *it, const char **s);

/* Tell the reader upstream of it, if it is one, which fields will be
 * looked at (sl_reader_want()). */
void sl_iter_want(sl_iter *it, const unsigned char *want, size_t n);

/*
 * A copy of a record that outlives the next call on its stage (tail,
 * sample, top, uniq, join): fields, kinds and provenance, in one block
 * charged to tag and reused by the next copy into it.
 */
typedef struct sl_held {
	sl_record rec;
	char *mem;
	size_t cap;
} sl_held;

/* The bytes a copy of rec takes (at least 1), and the copy made into
 * mem (aligned for sl_str): fields, kinds and provenance. */
size_t sl_record_size(const sl_record *rec);
void sl_record_copy(sl_record *dst, const sl_record *rec, void *mem);

/* Copy rec into h.  Returns 0 or -1 (the error is in the context). */
int sl_hold(sl_ctx *ctx, sl_held *h, const sl_record *rec, const char *tag);

/* Free the copy's memory. */
void sl_held_free(sl_held *h);

/* Make room for one more in *arr (used of *cap in use), doubling but
 * never past most; new slots are zeroed.  Returns 0 or -1. */
int sl_held_grow(sl_ctx *ctx, sl_held **arr, size_t *cap, size_t used,
		 uint64_t most, const char *tag);

/* Add sorter s's spill counters (none when s is NULL) to *to; the limit
 * is the sorter's. */
void sl_spill_stats_add(sl_spill_stats *to, const sl_sorter *s);

/* Free n copies and the array. */
void sl_held_free_all(sl_held *arr, size_t n);

/*
 * A table's memory (uniq, join): arrays, and blocks that records are
 * cut from, charged with the budget's try_ allocations to tag (arrays)
 * and btag (blocks), and together held to limit.  NULL from
 * sl_store_take() or sl_store_bytes() means the table is full: no error
 * is recorded.  Set limit and the tags in a zeroed store; a store of no
 * limit takes nothing.
 */
typedef struct sl_store_block sl_store_block;

typedef struct sl_store {
	size_t limit;            /* bytes it may take */
	size_t held;             /* bytes it takes */
	const char *tag, *btag;
	sl_store_block *blocks;
} sl_store;

/* An array p of old bytes (NULL, 0: a new one) grown to size bytes. */
void *sl_store_take(sl_ctx *ctx, sl_store *st, void *p, size_t old,
		    size_t size);

/* Give back an array of size bytes from sl_store_take(). */
void sl_store_give(sl_store *st, void *p, size_t size);

/* size bytes from the blocks (of 256 KiB, or a quarter of the limit
 * when that is less, or size), aligned for any type when align is set:
 * a store's calls all align or none do. */
void *sl_store_bytes(sl_ctx *ctx, sl_store *st, size_t size, int align);

/* Give back every block. */
void sl_store_clear(sl_store *st);

#endif /* SLUICE_ITER_H */
