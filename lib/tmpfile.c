/*
 * tmpfile.c - the process-wide list of temporary files.
 *
 * Unfinished sinks (and spill files) put their paths on one list so that a
 * signal handler can remove them all with sl_tmpfiles_remove(), which only
 * walks the list and calls unlink(2), both async-signal-safe.  Changes to
 * the list happen with signals blocked and under a mutex, so the handler
 * never sees a half-linked node and two threads never race.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "sluice_int.h"

static sl_tmpnode *volatile tmp_head;
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;

static void lock(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	pthread_mutex_lock(&tmp_lock);
}

static void unlock(const sigset_t *old)
{
	pthread_mutex_unlock(&tmp_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void sl_tmpfile_register(sl_tmpnode *node, const char *path)
{
	sigset_t old;

	lock(&old);
	node->path = path;
	node->next = tmp_head;
	tmp_head = node;
	unlock(&old);
}

void sl_tmpfile_unregister(sl_tmpnode *node)
{
	sl_tmpnode *volatile *pp;
	sigset_t old;

	lock(&old);
	for (pp = &tmp_head; *pp; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			break;
		}
	}
	unlock(&old);
}

void sl_tmpfiles_remove(void)
{
	sl_tmpnode *n;

	for (n = tmp_head; n; n = n->next)
		unlink(n->path);
}
