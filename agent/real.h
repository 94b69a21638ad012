/* SPDX-License-Identifier: MIT */
/*
 * real.h - the libc functions behind each name the agent interposes.
 *
 * The agent defines pthread_create, sigaction, dlclose, ... itself; the real
 * ones are found once with dlsym(RTLD_NEXT). em_real_init() may run before the
 * agent's constructor (another library's constructor can call a wrapped
 * function first), so every wrapper calls EM_REAL(name) which initializes
 * lazily. Lookups are idempotent and race-free (same value stored twice).
 */
#ifndef EMBER_AGENT_REAL_H
#define EMBER_AGENT_REAL_H

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

struct em_real_fns {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
	int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	int (*dlclose)(void *);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	sighandler_t (*signal)(int, sighandler_t);
	/* Optional (NULL when libc lacks them): bsd_signal to siginterrupt. */
	sighandler_t (*bsd_signal)(int, sighandler_t);
	sighandler_t (*ssignal)(int, sighandler_t);
	sighandler_t (*sysv_signal)(int, sighandler_t);
	sighandler_t (*__sysv_signal)(int, sighandler_t);
	int (*sigignore)(int);
	int (*sighold)(int);
	sighandler_t (*sigset)(int, sighandler_t);
	int (*siginterrupt)(int, int);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
	int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
	int (*close)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	void (*_exit)(int) __attribute__((noreturn));
	void (*_Exit)(int) __attribute__((noreturn));
};

extern struct em_real_fns em_real __attribute__((visibility("hidden")));

/* Resolves every pointer; safe to call many times and from any thread.
 * Not async-signal-safe (dlsym). Returns 0, or -ENOENT if a required function
 * is missing (then the agent stays off). */
int em_real_init(void) __attribute__((visibility("hidden")));

/* close() is needed before dlsym can be trusted (and by the guard itself):
 * the raw system call is the real thing. */
static inline int EM_REAL_CLOSE(int fd)
{
	return (int)syscall(SYS_close, fd);
}

/* The real function, resolving it first if needed. */
#define EM_REAL(name) (em_real.name ? em_real.name : (em_real_init(), em_real.name))

#endif
