/*
 * faultshim.c - make the N-th write, read, rename or fsync of a process
 * fail; for tests only (tests/cli/t_faults.sh), loaded with LD_PRELOAD.
 *
 *     SLUICE_FAULT=KIND:N[:ERR]  the N-th call (from 1) of KIND fails
 *     SLUICE_FAULT=count         no fault; only count the calls
 *     SLUICE_FAULT_LOG=FILE      at exit, write "write W read R rename M
 *                                hit H fsync F" to FILE (H is 1 when the
 *                                fault was injected)
 *
 * KIND is write (write, pwrite), read (read, pread), rename (rename,
 * renameat, renameat2) or fsync (fsync, fdatasync).  ERR is an errno name
 * (EIO, ENOSPC, EDQUOT, EACCES, EPERM, EINTR; by default EIO for reads,
 * writes and syncs and EACCES for renames), "short": the call moves half
 * the bytes it was asked for, which a correct caller takes in its stride
 * (a rename or a sync fails with EACCES or EIO instead), or "stop": the
 * process stops itself (SIGSTOP) and, once continued, makes the call, so
 * that a test can signal it at a known point.  Only the N-th call fails: a
 * caller that retries (EINTR, a short count) must still succeed.
 *
 * Writes to standard error are neither counted nor failed, so that the
 * error message itself gets out.  Other kinds in SLUICE_FAULT (alloc:N,
 * which the sluice command handles itself) leave the shim counting only.
 *
 * The real functions come from dlsym(RTLD_NEXT); with an ASan-built
 * program, run with ASAN_OPTIONS=verify_asan_link_order=0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum { K_WRITE, K_READ, K_RENAME, K_FSYNC, K_COUNT };
enum { SHORT = -1, STOP = -2 };

static const char *const kind_name[K_COUNT] = {
	"write", "read", "rename", "fsync"
};

static unsigned long calls[K_COUNT];
static int fault_kind = -1;      /* -1: count only */
static unsigned long fault_at;
static int fault_errno;          /* SHORT, STOP or an errno value */
static int fault_hit;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *,
			     unsigned);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static const struct {
	const char *name;
	int err;
} errnames[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EACCES", EACCES }, { "EPERM", EPERM }, { "EINTR", EINTR },
	{ "short", SHORT }, { "stop", STOP },
};

static void *next_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		static const char msg[] = "faultshim: a libc function is missing\n";

		/* no stdio here: it may write through us */
		if (real_write)
			real_write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return f;
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *env = getenv("SLUICE_FAULT");
	const char *colon, *err;
	size_t i, len;
	int k;

	real_write = next_fn("write");
	real_read = next_fn("read");
	real_pwrite = next_fn("pwrite");
	real_pread = next_fn("pread");
	real_rename = next_fn("rename");
	real_renameat = next_fn("renameat");
	real_renameat2 = dlsym(RTLD_NEXT, "renameat2");
	real_fsync = next_fn("fsync");
	real_fdatasync = next_fn("fdatasync");
	if (!env || !(colon = strchr(env, ':')))
		return;
	len = (size_t)(colon - env);
	for (k = 0; k < K_COUNT; k++)
		if (strlen(kind_name[k]) == len &&
		    strncmp(env, kind_name[k], len) == 0)
			break;
	if (k == K_COUNT)
		return;
	fault_at = strtoul(colon + 1, NULL, 10);
	fault_errno = k == K_RENAME ? EACCES : EIO;
	err = strchr(colon + 1, ':');
	if (err)
		for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
			if (strcmp(err + 1, errnames[i].name) == 0)
				fault_errno = errnames[i].err;
	if (fault_at)
		fault_kind = k;
}

__attribute__((destructor)) static void shim_report(void)
{
	const char *path = getenv("SLUICE_FAULT_LOG");
	char line[160];
	int fd, n;

	if (!path || !real_write)
		return;
	/* fsync last: the fields before it keep their places */
	n = snprintf(line, sizeof(line),
		     "write %lu read %lu rename %lu hit %d fsync %lu\n",
		     calls[K_WRITE], calls[K_READ], calls[K_RENAME], fault_hit,
		     calls[K_FSYNC]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	if (n > 0)
		real_write(fd, line, (size_t)n);
	close(fd);
}

/*
 * Count a call of kind k: 0 when it goes through as asked (after a stop),
 * SHORT when it is to move fewer bytes, else the errno it fails with.
 */
static int strike(int k)
{
	unsigned long n = __atomic_add_fetch(&calls[k], 1, __ATOMIC_SEQ_CST);

	if (k != fault_kind || n != fault_at)
		return 0;
	fault_hit = 1;
	if (fault_errno == STOP) {
		raise(SIGSTOP);
		return 0;
	}
	if (fault_errno == SHORT && k == K_RENAME)
		return EACCES;
	if (fault_errno == SHORT && k == K_FSYNC)
		return EIO;
	return fault_errno;
}

/* The byte count a short transfer of n moves. */
static size_t shorter(size_t n)
{
	return n > 1 ? n / 2 : n;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	int f = fd == STDERR_FILENO ? 0 : strike(K_WRITE);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_write(fd, buf, f == SHORT ? shorter(n) : n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int f = fd == STDERR_FILENO ? 0 : strike(K_WRITE);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_pwrite(fd, buf, f == SHORT ? shorter(n) : n, off);
}

ssize_t read(int fd, void *buf, size_t n)
{
	int f = strike(K_READ);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_read(fd, buf, f == SHORT ? shorter(n) : n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	int f = strike(K_READ);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_pread(fd, buf, f == SHORT ? shorter(n) : n, off);
}

/* What a program built with _FILE_OFFSET_BITS=64 calls; on 64-bit
 * systems off64_t and off_t are the same type */
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return pwrite(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	return pread(fd, buf, n, off);
}

int rename(const char *from, const char *to)
{
	int f = strike(K_RENAME);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_rename(from, to);
}

int renameat(int dfrom, const char *from, int dto, const char *to)
{
	int f = strike(K_RENAME);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_renameat(dfrom, from, dto, to);
}

int renameat2(int dfrom, const char *from, int dto, const char *to,
	      unsigned flags)
{
	int f = strike(K_RENAME);

	if (f > 0) {
		errno = f;
		return -1;
	}
	if (!real_renameat2) {
		errno = ENOSYS;
		return -1;
	}
	return real_renameat2(dfrom, from, dto, to, flags);
}

int fsync(int fd)
{
	int f = strike(K_FSYNC);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	int f = strike(K_FSYNC);

	if (f > 0) {
		errno = f;
		return -1;
	}
	return real_fdatasync(fd);
}
