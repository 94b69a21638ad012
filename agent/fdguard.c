// SPDX-License-Identifier: MIT
/* fdguard.c - keep the application's descriptor calls off the agent's fds. */
#include "agent.h"
#include "fdguard.h"
#include "real.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The HTTP listener and its stop eventfd, and its connections (16 at most). */
#define MAX_GUARDED 24

static atomic_int guarded[MAX_GUARDED] = { [0 ... MAX_GUARDED - 1] = -1 };
void (*em_fdguard_on_takeover)(void);

bool em_fdguard_has(int fd)
{
	if (fd < 0)
		return false;
	for (int i = 0; i < MAX_GUARDED; i++)
		if (atomic_load_explicit(&guarded[i], memory_order_relaxed) == fd)
			return true;
	return false;
}

static void unguard(int fd)
{
	for (int i = 0; i < MAX_GUARDED; i++) {
		int want = fd;

		atomic_compare_exchange_strong(&guarded[i], &want, -1);
	}
}

int em_fdguard_adopt(int fd)
{
	struct rlimit rl;
	int lo = 900, moved;

	/* High, but under the soft limit so it never makes the program fail
	 * to open its own files. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur <= (rlim_t)lo + 64)
		lo = rl.rlim_cur > 128 ? (int)rl.rlim_cur - 64 : 0;
	moved = lo > fd ? fcntl(fd, F_DUPFD_CLOEXEC, lo) : -1;
	if (moved >= 0) {
		EM_REAL_CLOSE(fd);
		fd = moved;
	}
	for (int i = 0; i < MAX_GUARDED; i++) {
		int none = -1;

		if (atomic_compare_exchange_strong(&guarded[i], &none, fd))
			break;
	}
	return fd;
}

/* ---- the application's descriptor calls ---- */

EM_EXPORT int close(int fd)
{
	uint64_t t0;
	int r;

	if (em_fdguard_has(fd)) {
		if (!em_tls_busy)
			return 0;	/* the application's: it no longer sees this fd */
		unguard(fd);
	}
	/* glibc's close, not the raw call: it is a cancellation point. */
	t0 = em_sys_begin();
	r = EM_REAL(close)(fd);
	em_sys_end(t0, EM_SYS_CLOSE, "close");
	return r;
}

/*
 * close_range() over the gaps between guarded descriptors. Bounds are
 * 64-bit inside: last is UINT_MAX for closefrom() and close_range(n, ~0U),
 * and last + 1 must not wrap to 0.
 */
static int close_range_skipping(unsigned first, unsigned last, int flags)
{
	uint64_t lo = first, hi = last;
	int rc = 0;

	while (lo <= hi) {
		uint64_t next_guard = hi + 1;

		for (int i = 0; i < MAX_GUARDED; i++) {
			int g = atomic_load(&guarded[i]);

			if (g >= 0 && (uint64_t)g >= lo && (uint64_t)g < next_guard)
				next_guard = (uint64_t)g;
		}
		if (next_guard > lo &&
		    syscall(SYS_close_range, (unsigned)lo, (unsigned)(next_guard - 1), flags) != 0)
			rc = -1;
		lo = next_guard + 1;
	}
	return rc;
}

EM_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	/* first > last: the kernel's EINVAL, which the split never asks for. */
	if (em_tls_busy || first > last)
		return (int)syscall(SYS_close_range, first, last, flags);
	return close_range_skipping(first, last, flags);
}

EM_EXPORT void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	if (close_range_skipping((unsigned)lowfd, ~0u, 0) != 0) {
		/* Kernels without close_range: one by one, as glibc falls back. */
		for (int fd = lowfd; fd < 65536; fd++)
			if (!em_fdguard_has(fd))
				EM_REAL_CLOSE(fd);
	}
}

static void before_takeover(int newfd)
{
	if (!em_tls_busy && em_fdguard_has(newfd) && em_fdguard_on_takeover)
		em_fdguard_on_takeover();
}

EM_EXPORT int dup2(int oldfd, int newfd)
{
	before_takeover(newfd);
	return EM_REAL(dup2)(oldfd, newfd);
}

EM_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	before_takeover(newfd);
	return EM_REAL(dup3)(oldfd, newfd, flags);
}
