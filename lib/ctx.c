/*
 * ctx.c - the run context's error state and progress.
 *
 * A context is the root of a run: the memory budget, the first error and
 * the list of arenas.  mem.c makes and frees it, with its budget and
 * arenas; this file depends on nothing else of the library.  Errors
 * follow one rule: the first one recorded wins,
 * so that a low-level failure (the ceiling refused 16 MiB to "line.carry")
 * is not overwritten by the generic failures it causes further up.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_int.h"

void sl_ctx_on_progress(sl_ctx *ctx,
			void (*fn)(void *arg, const sl_progress *p),
			void *arg)
{
	ctx->progress_fn = fn;
	ctx->progress_arg = arg;
}

const sl_progress *sl_ctx_progress(const sl_ctx *ctx)
{
	return &ctx->progress;
}

void sl_progress_phase(sl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->phase, sizeof(ctx->phase), fmt, ap);
	va_end(ap);
	sl_progress_tick(ctx);
}

size_t sl_ctx_chunk_size(const sl_ctx *ctx)
{
	return ctx->chunk_size;
}

unsigned sl_ctx_threads(const sl_ctx *ctx)
{
	return ctx->threads;
}

sl_status sl_errcode(const sl_ctx *ctx)
{
	return ctx->err;
}

const char *sl_errmsg(const sl_ctx *ctx)
{
	return ctx->errmsg;
}

int sl_failed(const sl_ctx *ctx)
{
	return ctx->err != SL_OK;
}

sl_status sl_verror(sl_ctx *ctx, sl_status code, const char *fmt, va_list ap)
{
	if (ctx->err != SL_OK || code == SL_OK)
		return code;
	ctx->err = code;
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	return code;
}

sl_status sl_ctx_take_error(sl_ctx *ctx, const sl_ctx *from)
{
	if (from->err != SL_OK)
		sl_error(ctx, from->err, "%s", from->errmsg);
	return ctx->err;
}

void sl_ctx_forget_error(sl_ctx *ctx)
{
	ctx->err = SL_OK;
	ctx->errmsg[0] = '\0';
}

int sl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

sl_status sl_error(sl_ctx *ctx, sl_status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_verror(ctx, code, fmt, ap);
	va_end(ap);
	return code;
}

void sl_error_explain(sl_ctx *ctx, sl_status code, const char *fmt, ...)
{
	char cause[SL_ERRMSG_MAX];
	size_t n;
	va_list ap;

	if (ctx->err != code || code == SL_OK)
		return;
	memcpy(cause, ctx->errmsg, sizeof(cause));
	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	n = strlen(ctx->errmsg);
	snprintf(ctx->errmsg + n, sizeof(ctx->errmsg) - n, ": %s", cause);
}

sl_status sl_status_from_errno(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
		return SL_ENOSPC;
	case EPIPE:
		return SL_EPIPE;
	case ENOMEM:
		return SL_ENOMEM;
	default:
		return SL_EIO;
	}
}

sl_status sl_error_errno(sl_ctx *ctx, int errnum, const char *fmt, ...)
{
	sl_status code = sl_status_from_errno(errnum);
	size_t n;
	va_list ap;

	if (ctx->err != SL_OK)
		return code;
	va_start(ap, fmt);
	sl_verror(ctx, code, fmt, ap);
	va_end(ap);
	n = strlen(ctx->errmsg);
	snprintf(ctx->errmsg + n, sizeof(ctx->errmsg) - n, ": %s",
		 strerror(errnum));
	return code;
}

const char *sl_strstatus(sl_status code)
{
	switch (code) {
	case SL_OK:
		return "success";
	case SL_EINVAL:
		return "invalid argument";
	case SL_EDATA:
		return "data error";
	case SL_ENOMEM:
		return "out of memory";
	case SL_EIO:
		return "i/o error";
	case SL_ENOSPC:
		return "no space left on device";
	case SL_EPIPE:
		return "broken pipe";
	}
	return "unknown status";
}
