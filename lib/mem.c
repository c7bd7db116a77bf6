/*
 * mem.c - the memory budget and arenas.
 *
 * Every byte the library allocates goes through sl_mem_alloc(): the block
 * carries a small header naming its budget, size and tag, so that it can be
 * freed without a context (jansson's free hook takes none) and
 * the tally stays exact.  A charge that would take the bytes in use past the
 * ceiling fails before malloc is asked.
 *
 * Arenas sit on top: bump allocation in blocks charged to the arena's tag,
 * a request larger than a quarter block gets a block of its own, and
 * cleanups registered on the arena run last-in first-out when it is reset
 * or freed.  The context keeps every live arena on a list so that
 * sl_ctx_free() can release whatever the caller did not.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice_int.h"

/* ---- budget ---------------------------------------------------------- */

typedef union memhdr {
	struct {
		sl_budget *budget;
		size_t size;      /* bytes charged, header included */
		unsigned tag;     /* index into budget->tags */
	} h;
	max_align_t align;
} memhdr;

static void budget_init(sl_budget *b, size_t ceiling)
{
	memset(b, 0, sizeof(*b));
	b->ceiling = ceiling;
	pthread_mutex_init(&b->lock, NULL);
}

/* The index of tag in b->tags, added if new; called with b->lock held. */
static unsigned tag_index(sl_budget *b, const char *tag)
{
	size_t i;

	if (!tag || !*tag)
		tag = "other";
	for (i = 0; i < b->ntags; i++)
		if (strncmp(b->tags[i].name, tag, SL_TAG_MAX - 1) == 0)
			return (unsigned)i;
	if (b->ntags == SL_MAX_TAGS)
		return SL_MAX_TAGS - 1;  /* the last tag takes the overflow */
	snprintf(b->tags[b->ntags].name, SL_TAG_MAX, "%s", tag);
	return (unsigned)b->ntags++;
}

const char *sl_format_size(char *buf, size_t bufsize, size_t bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, bufsize, "%zu B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, bufsize, "%.1f %s", v, unit[u]);
	return buf;
}

/*
 * The budget is shared by every thread of a run (sl_ctx_worker()), so each
 * change to it is made under its lock, and a charge is taken before malloc
 * is asked: two threads can never both pass the ceiling's test with the
 * same free bytes.
 */

/* Can the budget take `more` bytes?  Counts a charge for fault injection.
 * Called with b->lock held. */
static int budget_admits(sl_budget *b, size_t more)
{
	b->charges++;
	if (b->fail_at && b->charges >= b->fail_at) {
		b->fail_at = 0;
		return 0;
	}
	return more <= b->ceiling && b->in_use <= b->ceiling - more;
}

static void budget_add(sl_budget *b, unsigned tag, size_t size)
{
	sl_tag *t = &b->tags[tag];

	b->in_use += size;
	if (b->in_use > b->peak)
		b->peak = b->in_use;
	t->in_use += size;
	if (t->in_use > t->peak)
		t->peak = t->in_use;
}

/*
 * Charge size bytes to tag (for a resize, the growth: *tagp is then the
 * block's tag already); with check, only if the ceiling allows.  0 when
 * refused.
 */
static int budget_charge(sl_budget *b, const char *tag, unsigned *tagp,
			 size_t size, int check)
{
	int ok;

	pthread_mutex_lock(&b->lock);
	ok = !check || budget_admits(b, size);
	if (ok) {
		if (tag)
			*tagp = tag_index(b, tag);
		budget_add(b, *tagp, size);
	}
	pthread_mutex_unlock(&b->lock);
	return ok;
}

static void budget_release(sl_budget *b, unsigned tag, size_t size)
{
	pthread_mutex_lock(&b->lock);
	b->in_use -= size;
	b->tags[tag].in_use -= size;
	pthread_mutex_unlock(&b->lock);
}

static void refuse(sl_ctx *ctx, size_t size, const char *tag)
{
	char want[32], cap[32], used[32];
	sl_budget *b = ctx->budget;

	sl_error(ctx, SL_ENOMEM,
		 "memory ceiling of %s reached: '%s' asked for %s with %s in use"
		 " (raise --max-memory)",
		 sl_format_size(cap, sizeof(cap), b->ceiling), tag ? tag : "other",
		 sl_format_size(want, sizeof(want), size),
		 sl_format_size(used, sizeof(used), sl_mem_in_use(ctx)));
}

/* sl_mem_try_alloc(), past the ceiling too unless check is set. */
static void *charge_alloc(sl_ctx *ctx, size_t size, const char *tag,
			  int check)
{
	sl_budget *b = ctx->budget;
	unsigned t;
	memhdr *h;
	size_t total;

	if (size > SIZE_MAX - sizeof(memhdr))
		return NULL;
	total = sizeof(memhdr) + size;
	if (!budget_charge(b, tag ? tag : "", &t, total, check))
		return NULL;
	h = malloc(total);
	if (!h) {
		budget_release(b, t, total);
		return NULL;
	}
	h->h.budget = b;
	h->h.size = total;
	h->h.tag = t;
	return h + 1;
}

void *sl_mem_try_alloc(sl_ctx *ctx, size_t size, const char *tag)
{
	return charge_alloc(ctx, size, tag, 1);
}

/* sl_mem_try_realloc(), past the ceiling too unless check is set. */
static void *charge_realloc(sl_ctx *ctx, void *p, size_t size,
			    const char *tag, int check)
{
	sl_budget *b = ctx->budget;
	memhdr *h, *n;
	size_t total, old;
	unsigned t;

	if (!p)
		return charge_alloc(ctx, size, tag, check);
	if (size > SIZE_MAX - sizeof(memhdr))
		return NULL;
	total = sizeof(memhdr) + size;
	h = (memhdr *)p - 1;
	if (h->h.budget != b)
		return NULL;  /* not ours to resize */
	old = h->h.size;
	t = h->h.tag;
	if (total > old && !budget_charge(b, NULL, &t, total - old, check))
		return NULL;
	n = realloc(h, total);
	if (!n) {
		if (total > old)
			budget_release(b, t, total - old);
		return NULL;
	}
	if (total < old)
		budget_release(b, t, old - total);
	n->h.size = total;
	return n + 1;
}

void *sl_mem_try_realloc(sl_ctx *ctx, void *p, size_t size, const char *tag)
{
	return charge_realloc(ctx, p, size, tag, 1);
}

void *sl_mem_alloc(sl_ctx *ctx, size_t size, const char *tag)
{
	void *p;

	if (sl_failed(ctx))
		return NULL;
	p = sl_mem_try_alloc(ctx, size, tag);
	if (!p)
		refuse(ctx, size, tag);
	return p;
}

void *sl_mem_realloc(sl_ctx *ctx, void *p, size_t size, const char *tag)
{
	void *n;

	if (sl_failed(ctx))
		return NULL;
	n = sl_mem_try_realloc(ctx, p, size, tag);
	if (!n)
		refuse(ctx, size, tag);
	return n;
}

void sl_mem_free(void *p)
{
	memhdr *h;

	if (!p)
		return;
	h = (memhdr *)p - 1;
	if (h->h.budget)
		budget_release(h->h.budget, h->h.tag, h->h.size);
	free(h);
}

/* ---- hooks for libraries whose allocators take no context ------------- */

/*
 * jansson's malloc hook has no user pointer, so
 * the context they charge is set per thread around each call into them
 * (sl_hook_enter/sl_hook_leave).  Outside such a call, for instance when
 * the host program uses jansson for itself, blocks are plain malloc with
 * a header whose budget is NULL, so that sl_mem_free() still works.
 */
static _Thread_local sl_ctx *hook_ctx;
static _Thread_local const char *hook_tag;
static _Thread_local int hook_refusals;
static _Thread_local int hook_lenient;

void sl_hook_enter(sl_ctx *ctx, const char *tag)
{
	hook_ctx = ctx;
	hook_tag = tag;
	hook_refusals = 0;
	hook_lenient = 0;
}

/*
 * jansson's lexer ignores a failure to grow its token buffer: the byte is
 * dropped, and it then walks past the buffer's end (a string without its
 * closing quote) or fails an assertion (a number's last byte), so a
 * refusal inside json_loadb() can crash the process.  Around that call the
 * hooks count a refusal but allocate all the same; the caller sees
 * sl_hook_refused() and fails the run.  The callers first check that the
 * budget has room for an upper bound of the parse (sl_json_parse_cost()),
 * so the ceiling is not passed in practice; the leniency is a last guard
 * against a crash should the bound ever be short.
 */
void sl_hook_enter_lenient(sl_ctx *ctx, const char *tag)
{
	sl_hook_enter(ctx, tag);
	hook_lenient = 1;
}

int sl_hook_refused(void)
{
	return hook_refusals;
}

void sl_hook_leave(void)
{
	hook_ctx = NULL;
	hook_tag = NULL;
	hook_lenient = 0;
}

/* realloc for a hooked library: the one jansson has is malloc */
static void *hook_realloc(void *p, size_t size)
{
	memhdr *h;
	void *n;

	if (hook_ctx) {
		n = sl_mem_try_realloc(hook_ctx, p, size, hook_tag);
		if (!n) {
			hook_refusals++;
			if (hook_lenient)
				n = charge_realloc(hook_ctx, p, size, hook_tag,
						   0);
		}
		return n;
	}
	if (size > SIZE_MAX - sizeof(memhdr))
		return NULL;
	h = p ? (memhdr *)p - 1 : NULL;
	if (h && h->h.budget)
		return NULL;  /* a charged block outside its call: refuse */
	h = realloc(h, sizeof(memhdr) + size);
	if (!h)
		return NULL;
	h->h.budget = NULL;
	h->h.size = sizeof(memhdr) + size;
	h->h.tag = 0;
	return h + 1;
}

void *sl_hook_malloc(size_t size)
{
	return hook_realloc(NULL, size);
}

void sl_hook_free(void *p)
{
	sl_mem_free(p);
}

void sl_mem_fail_at(sl_ctx *ctx, unsigned long n)
{
	pthread_mutex_lock(&ctx->budget->lock);
	ctx->budget->fail_at = n;
	ctx->budget->charges = 0;
	pthread_mutex_unlock(&ctx->budget->lock);
}

/* One of the budget's counters, read under its lock. */
static size_t budget_read(const sl_ctx *ctx, const size_t *field)
{
	size_t v;

	pthread_mutex_lock(&ctx->budget->lock);
	v = *field;
	pthread_mutex_unlock(&ctx->budget->lock);
	return v;
}

unsigned long sl_mem_charges(const sl_ctx *ctx)
{
	unsigned long v;

	pthread_mutex_lock(&ctx->budget->lock);
	v = ctx->budget->charges;
	pthread_mutex_unlock(&ctx->budget->lock);
	return v;
}

size_t sl_mem_ceiling(const sl_ctx *ctx)
{
	return ctx->budget->ceiling;       /* set once, before any thread */
}

size_t sl_mem_in_use(const sl_ctx *ctx)
{
	return budget_read(ctx, &ctx->budget->in_use);
}

size_t sl_mem_peak(const sl_ctx *ctx)
{
	return budget_read(ctx, &ctx->budget->peak);
}

static int by_peak_desc(const void *x, const void *y)
{
	const sl_tag_stat *a = x, *b = y;

	if (a->peak != b->peak)
		return a->peak < b->peak ? 1 : -1;
	return strcmp(a->tag, b->tag);
}

size_t sl_mem_tags(const sl_ctx *ctx, sl_tag_stat *out, size_t max)
{
	sl_budget *b = ctx->budget;
	sl_tag_stat all[SL_MAX_TAGS];
	size_t i, n;

	pthread_mutex_lock(&b->lock);
	n = b->ntags;
	for (i = 0; i < n; i++) {
		memcpy(all[i].tag, b->tags[i].name, SL_TAG_MAX);
		all[i].in_use = b->tags[i].in_use;
		all[i].peak = b->tags[i].peak;
	}
	pthread_mutex_unlock(&b->lock);
	qsort(all, n, sizeof(all[0]), by_peak_desc);
	memcpy(out, all, (max < n ? max : n) * sizeof(all[0]));
	return n;
}

/* ---- zlib hooks ------------------------------------------------------ */

void *sl_zalloc_fn(void *opaque, unsigned items, unsigned size)
{
	sl_zalloc *z = opaque;

	if (size && items > SIZE_MAX / size)
		return NULL;
	return sl_mem_alloc(z->ctx, (size_t)items * size, z->tag);
}

void sl_zfree_fn(void *opaque, void *p)
{
	(void)opaque;
	sl_mem_free(p);
}

/* ---- arenas ---------------------------------------------------------- */

#define ARENA_BLOCK ((size_t)16 << 10)
#define ALIGN       (alignof(max_align_t))

typedef union block {
	struct {
		union block *next;
		size_t size;   /* usable bytes after the header */
		size_t used;
	} b;
	max_align_t align;
} block;

typedef struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *arg;
} cleanup;

struct sl_arena {
	sl_ctx *ctx;
	char tag[SL_TAG_MAX];
	block *blocks;        /* the one being filled comes first */
	cleanup *cleanups;    /* newest first */
	sl_arena *next, *prev;
	sl_arena *parent;     /* freed with it, see sl_arena_child() */
	sl_arena *children;   /* newest first */
	sl_arena *sib_next, *sib_prev;
};

sl_arena *sl_arena_new(sl_ctx *ctx, const char *tag)
{
	sl_arena *a = sl_mem_alloc(ctx, sizeof(*a), tag);

	if (!a)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
	snprintf(a->tag, sizeof(a->tag), "%s", tag ? tag : "arena");
	a->next = ctx->arenas;
	if (ctx->arenas)
		ctx->arenas->prev = a;
	ctx->arenas = a;
	return a;
}

sl_arena *sl_arena_child(sl_arena *parent, const char *tag)
{
	sl_arena *a = sl_arena_new(parent->ctx, tag);

	if (!a)
		return NULL;
	a->parent = parent;
	a->sib_next = parent->children;
	if (parent->children)
		parent->children->sib_prev = a;
	parent->children = a;
	return a;
}

sl_ctx *sl_arena_ctx(const sl_arena *a)
{
	return a->ctx;
}

void *sl_arena_alloc(sl_arena *a, size_t size)
{
	block *bl = a->blocks;
	size_t need = (size + ALIGN - 1) & ~(ALIGN - 1);
	unsigned char *p;

	if (need < size || need > SIZE_MAX - sizeof(block)) {
		/* rounding up or the block's header would wrap around */
		refuse(a->ctx, size, a->tag);
		return NULL;
	}
	if (bl && bl->b.size - bl->b.used >= need) {
		p = (unsigned char *)(bl + 1) + bl->b.used;
		bl->b.used += need;
		return p;
	}
	if (need > ARENA_BLOCK / 4) {
		/* a block of its own, behind the one being filled */
		bl = sl_mem_alloc(a->ctx, sizeof(block) + need, a->tag);
		if (!bl)
			return NULL;
		bl->b.size = bl->b.used = need;
		if (a->blocks) {
			bl->b.next = a->blocks->b.next;
			a->blocks->b.next = bl;
		} else {
			bl->b.next = NULL;
			a->blocks = bl;
		}
		return bl + 1;
	}
	bl = sl_mem_alloc(a->ctx, sizeof(block) + ARENA_BLOCK, a->tag);
	if (!bl)
		return NULL;
	bl->b.size = ARENA_BLOCK;
	bl->b.used = need;
	bl->b.next = a->blocks;
	a->blocks = bl;
	return bl + 1;
}

char *sl_arena_strndup(sl_arena *a, const char *s, size_t len)
{
	char *p = sl_arena_alloc(a, len + 1);

	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

sl_status sl_arena_on_release(sl_arena *a, void (*fn)(void *), void *arg)
{
	cleanup *c = sl_arena_alloc(a, sizeof(*c));

	if (!c)
		return sl_errcode(a->ctx) ? sl_errcode(a->ctx) : SL_ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
	return SL_OK;
}

static void run_cleanups(sl_arena *a)
{
	/* A cleanup may register another; take the list first. */
	while (a->cleanups) {
		cleanup *c = a->cleanups;

		a->cleanups = c->next;
		c->fn(c->arg);
	}
}

void sl_arena_reset(sl_arena *a)
{
	block *bl, *next, *keep = NULL;

	while (a->children)
		sl_arena_free(a->children);
	run_cleanups(a);
	for (bl = a->blocks; bl; bl = next) {
		next = bl->b.next;
		if (!keep && bl->b.size == ARENA_BLOCK) {
			keep = bl;
			continue;
		}
		sl_mem_free(bl);
	}
	if (keep) {
		keep->b.next = NULL;
		keep->b.used = 0;
	}
	a->blocks = keep;
}

void sl_arena_free(sl_arena *a)
{
	block *bl, *next;

	if (!a)
		return;
	/* the children first: their cleanups may use the parent's memory */
	while (a->children)
		sl_arena_free(a->children);
	run_cleanups(a);
	while (a->children)          /* made by a cleanup */
		sl_arena_free(a->children);
	if (a->parent) {
		if (a->sib_prev)
			a->sib_prev->sib_next = a->sib_next;
		else
			a->parent->children = a->sib_next;
		if (a->sib_next)
			a->sib_next->sib_prev = a->sib_prev;
	}
	for (bl = a->blocks; bl; bl = next) {
		next = bl->b.next;
		sl_mem_free(bl);
	}
	if (a->prev)
		a->prev->next = a->next;
	else
		a->ctx->arenas = a->next;
	if (a->next)
		a->next->prev = a->prev;
	sl_mem_free(a);
}

void sl_arenas_free_all(sl_ctx *ctx)
{
	while (ctx->arenas)
		sl_arena_free(ctx->arenas);
}

/* ---- the context ------------------------------------------------------ */

/* The online cores, at most 8: past that a run is bound by the disk and
 * each thread's buffers take budget from the sorter. */
static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

sl_ctx *sl_ctx_new(const sl_options *opt)
{
	sl_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->budget = &ctx->own;
	budget_init(ctx->budget, opt && opt->max_memory ?
		    opt->max_memory : SL_DEFAULT_MAX_MEMORY);
	ctx->chunk_size = opt && opt->chunk_size ?
		opt->chunk_size : SL_DEFAULT_CHUNK_SIZE;
	if (ctx->chunk_size > SL_MAX_CHUNK_SIZE)
		ctx->chunk_size = SL_MAX_CHUNK_SIZE;
	ctx->threads = opt && opt->threads ? opt->threads : default_threads();
	if (ctx->threads > SL_MAX_THREADS)
		ctx->threads = SL_MAX_THREADS;
	ctx->progress.phase = ctx->phase;
	return ctx;
}

sl_ctx *sl_ctx_worker(sl_ctx *parent)
{
	sl_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->budget = parent->budget;
	ctx->chunk_size = parent->chunk_size;
	ctx->threads = 1;
	ctx->progress.phase = ctx->phase;
	return ctx;
}

void sl_ctx_free(sl_ctx *ctx)
{
	if (!ctx)
		return;
	sl_arenas_free_all(ctx);
	if (ctx->budget == &ctx->own)
		pthread_mutex_destroy(&ctx->own.lock);
	free(ctx);
}
