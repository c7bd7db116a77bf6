/*
 * agg.h - what the parts of the aggregator share: agg.c (the groups:
 * their table, spilling them sorted, and reading them back in key order),
 * agg_acc.c (an accumulator per field: adding values, merging, the
 * sketches of the group without keys, the texts of the results) and
 * agg_state.c (partial states as JSON).
 */
#ifndef SLUICE_AGG_H
#define SLUICE_AGG_H

#include "sketch.h"
#include "sluice_int.h"

#define EXACT_MAX 65536         /* distinct values or numbers kept exact */

enum { HASH_MODE, SORT_MODE };

extern const double agg_quantile_q[3];   /* p50, p90, p99 */

#define NEED(op) (1u << (op))
#define NEED_Q (NEED(SL_AGG_P50) | NEED(SL_AGG_P90) | NEED(SL_AGG_P99))
#define NEED_MINMAX (NEED(SL_AGG_MIN) | NEED(SL_AGG_MAX))
#define NEED_SUM (NEED(SL_AGG_SUM) | NEED(SL_AGG_MEAN))

/* A string an accumulator keeps: bytes and a NUL, reused while they fit. */
typedef struct sbuf {
	char *p;                /* NULL: no value */
	uint32_t len, cap;
} sbuf;

typedef struct dentry {
	uint64_t hash;
	const char *p;          /* NULL: a free slot */
	size_t len;
} dentry;

/* A number kept exact: its double, and its text in the sketch's texts. */
typedef struct qval {
	double d;
	uint32_t off, len;
} qval;

/* Distinct values and numbers of the one group without keys. */
typedef struct sketch {
	sl_arena *strs;         /* the set's value bytes */
	dentry *set;
	size_t nset, setcap;
	sl_hll *hll;
	qval *vals;
	size_t nvals, valcap;
	char *texts;            /* the numbers' texts, each with a NUL */
	size_t tlen, tcap;
	int sorted;
	sl_kll *kll;
} sketch;

/*
 * min and max are values of the input, kept as their text: the least is
 * the least number once there is one, else the least string; the
 * greatest the greatest string once there is one, else the greatest
 * number.  So lo and hi hold one text each, with its double in min or
 * max while it is a number.
 */
typedef struct acc {
	uint64_t n, empty, nint, nfloat;
	double min, max;        /* of lo and hi, when they are numbers */
	double mean, m2;        /* Welford */
	double fsum, fcomp;     /* Neumaier's compensated sum */
	sl_wide isum;              /* the exact sum is isum / 10^scale */
	int scale;
	int inexact;            /* a number did not fit isum */
	sbuf lo, hi;            /* the least and greatest value's text */
	sbuf first, last;
	sketch *sk;             /* hash mode without keys */
	struct exact_res *x;    /* sort mode */
} acc;

/* Sort mode: what only sorting gives. */
typedef struct exact_res {
	uint64_t first_seq, last_seq;
	uint64_t distinct;
	sbuf q[3];              /* the quantiles' texts */
	int have_q;
} exact_res;

typedef struct group {
	uint64_t hash, rows;
	sl_str *keys;
	acc accs[];
} group;

struct sl_agg {
	sl_ctx *ctx;
	sl_arena *arena;
	size_t nkeys, nfields;
	sl_agg_op *ops;
	size_t nops;
	unsigned need;
	int mode;
	sl_agg_options opt;
	uint64_t seq;
	/* hash mode */
	sl_arena *groups;
	size_t gbytes, share;
	group **table;
	size_t tcap, ngroups;
	size_t exact_bytes;     /* of the sketches' exact sets and arrays */
	unsigned char *blob;    /* an encoded state */
	size_t blen, bcap;
	sl_str *rec;            /* [keys..., extra fields] for the sorter */
	sl_str *pkeys;          /* the keys of a partial state being added */
	acc *paccs;             /* and its fields' states */
	/* both */
	sl_arena *sort_arena;   /* the sorter's, freed at the end */
	sl_sorter *sorter;
	int finished;
	group **order;          /* hash mode in memory: sorted groups */
	size_t pos;
	sl_arena *cur_arena;    /* the current group's, when from the sorter */
	group *cur;
	const sl_str *la;       /* the sorter's next record, not yet used */
	size_t la_n;
	int la_end;
	uint64_t emitted;       /* groups handed out */
	/* sort mode segment */
	char *prev;
	size_t prevlen, prevcap;
	int have_prev;
	char *qv;               /* a segment's numbers, texts ending in NUL */
	size_t qlen, qcap;
	sl_spill *qspill;
	char text[SL_SUM_TEXT_MAX + 1];
	sl_spill_stats nostats;
};

/* agg_acc.c */
sl_status agg_child_new(sl_ctx *ctx, const char *tag, sl_arena **slot);
sl_status agg_child_reset(sl_arena **slot);
void agg_child_free(sl_arena **slot);
int agg_sbuf_set(sl_agg *g, sl_arena *a, sbuf *s, const char *p, size_t n);
uint64_t agg_strings(const acc *a);
sl_status agg_sketch_to_hll(sl_agg *g, sketch *sk);
sl_status agg_sketch_to_kll(sl_agg *g, sketch *sk);
sl_status agg_sketch_distinct(sl_agg *g, sketch *sk, const char *p,
			      size_t n);
sl_status agg_sketch_number(sl_agg *g, sketch *sk, double d, const char *p,
			    size_t n);
void agg_sketch_free(sketch *sk);
void agg_sketch_release(void *arg);
sl_status agg_acc_add(sl_agg *g, acc *a, sl_arena *ar, const sl_str *v,
		      uint64_t seq, int *type, double *num);
sl_status agg_acc_merge(sl_agg *g, acc *dst, const acc *src, sl_arena *ar);
size_t agg_rank_of(double q, uint64_t n);
sl_str agg_result(sl_agg *g, acc *a, sl_agg_op op);

/* agg.c */
group *agg_find_group(sl_agg *g, const sl_str *keys, size_t extra);

#endif /* SLUICE_AGG_H */
