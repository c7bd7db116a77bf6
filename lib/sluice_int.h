/*
 * sluice_int.h - private declarations shared by the files of lib/ and the unit tests.
 * Never installed.
 */
#ifndef SLUICE_INT_H
#define SLUICE_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "sluice.h"

#define SL_MAX_TAGS 64
#define SL_ERRMSG_MAX 1024

typedef struct sl_tag {
	char name[SL_TAG_MAX];
	size_t in_use;
	size_t peak;
} sl_tag;

typedef struct sl_budget {
	size_t ceiling;
	size_t in_use;
	size_t peak;
	size_t ntags;
	sl_tag tags[SL_MAX_TAGS];
	/* Fault injection for tests: when non-zero, the fail_at-th charge
	 * from now on fails as if the ceiling were reached. */
	unsigned long fail_at;
	unsigned long charges;
} sl_budget;

struct sl_ctx {
	sl_budget budget;
	size_t chunk_size;
	sl_status err;
	char errmsg[SL_ERRMSG_MAX];
	sl_arena *arenas;  /* every live arena, newest first */
};

/* mem.c */
void sl_budget_init(sl_budget *b, size_t ceiling);
/* Like sl_mem_alloc/realloc but record no error: for callers that name
 * the failure better themselves (a line too long, a record too big). */
void *sl_mem_try_alloc(sl_ctx *ctx, size_t size, const char *tag);
void *sl_mem_try_realloc(sl_ctx *ctx, void *p, size_t size, const char *tag);
/* Make the n-th charge from now fail (0 turns the fault off). */
void sl_mem_fail_at(sl_ctx *ctx, unsigned long n);
void sl_arenas_free_all(sl_ctx *ctx);

/* ctx.c */
sl_status sl_verror(sl_ctx *ctx, sl_status code, const char *fmt, va_list ap);
/* Record an error from errno: ENOSPC, EPIPE and ENOMEM get their own
 * codes, everything else is SL_EIO.  The message gets ": strerror". */
sl_status sl_status_from_errno(int errnum);
sl_status sl_error_errno(sl_ctx *ctx, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* tmpfile.c: the process-wide list of temporary files to remove on a
 * signal.  The node is owned by the caller and lives until unregistered. */
typedef struct sl_tmpnode {
	struct sl_tmpnode *volatile next;
	const char *path;
} sl_tmpnode;
void sl_tmpfile_register(sl_tmpnode *node, const char *path);
void sl_tmpfile_unregister(sl_tmpnode *node);

/* zlib's allocator hooks charged to a budget tag. */
typedef struct sl_zalloc {
	sl_ctx *ctx;
	const char *tag;
} sl_zalloc;
void *sl_zalloc_fn(void *opaque, unsigned items, unsigned size);
void sl_zfree_fn(void *opaque, void *p);

#endif /* SLUICE_INT_H */
