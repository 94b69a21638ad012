// SPDX-License-Identifier: MIT
/*
 * interpose_waits.c - the waits that are not I/O: locks, condition
 * variables, semaphores and joins (all futex waits in the kernel), waits for
 * children and for signals, and file locks. Each wrapper times the real call
 * as interpose_syscalls.c does and names it as the program called it.
 *
 * A lock or semaphore costs a timed wait only when it is contended: the
 * wrapper tries first (trylock, sem_trywait) and times only a call that
 * would block. C++ reaches these too: std::mutex through
 * pthread_mutex_lock, std::shared_mutex through pthread_rwlock_*, and
 * std::condition_variable's timed waits through pthread_cond_clockwait.
 */
#include "interpose.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether a would-block call should be timed: the sampler is on, and this
 * is not the agent's own call. */
static inline bool timing(void)
{
	return atomic_load_explicit(&em_sys_on, memory_order_relaxed) && !em_tls_busy;
}

/* Try TRY (returns 0 or an error number, as pthread functions do); only
 * when it says EBUSY, make the blocking call, timed. Either way the caller
 * gets the answer the blocking call alone would have given. */
#define TRY_THEN_TIMED(try, which, name, ...)					\
	({									\
		int rc_;							\
		if (!timing())							\
			rc_ = REAL(name)(__VA_ARGS__);				\
		else if ((rc_ = (try)) == EBUSY)				\
			rc_ = TIMED(which, name, __VA_ARGS__);			\
		rc_;								\
	})

/*
 * trylock and lock agree on every outcome but one: an error-checking mutex
 * the caller already holds, where trylock says EBUSY and lock says EDEADLK;
 * the timed lock then gives the caller lock's answer. The same holds for
 * the read-write locks.
 */
EM_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	return TRY_THEN_TIMED(REAL(pthread_mutex_trylock)(m), EM_SYS_FUTEX, pthread_mutex_lock, m);
}

EM_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *restrict m,
				      const struct timespec *restrict abstime)
{
	return TRY_THEN_TIMED(REAL(pthread_mutex_trylock)(m), EM_SYS_FUTEX, pthread_mutex_timedlock,
			      m, abstime);
}

EM_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *restrict m, clockid_t clk,
				      const struct timespec *restrict abstime)
{
	return TRY_THEN_TIMED(REAL(pthread_mutex_trylock)(m), EM_SYS_FUTEX, pthread_mutex_clocklock,
			      m, clk, abstime);
}

EM_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return TRY_THEN_TIMED(REAL(pthread_rwlock_tryrdlock)(l), EM_SYS_FUTEX, pthread_rwlock_rdlock,
			      l);
}

EM_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return TRY_THEN_TIMED(REAL(pthread_rwlock_trywrlock)(l), EM_SYS_FUTEX, pthread_rwlock_wrlock,
			      l);
}

EM_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict l,
					 const struct timespec *restrict abstime)
{
	return TRY_THEN_TIMED(REAL(pthread_rwlock_tryrdlock)(l), EM_SYS_FUTEX,
			      pthread_rwlock_timedrdlock, l, abstime);
}

EM_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict l,
					 const struct timespec *restrict abstime)
{
	return TRY_THEN_TIMED(REAL(pthread_rwlock_trywrlock)(l), EM_SYS_FUTEX,
			      pthread_rwlock_timedwrlock, l, abstime);
}

EM_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *restrict l, clockid_t clk,
					 const struct timespec *restrict abstime)
{
	return TRY_THEN_TIMED(REAL(pthread_rwlock_tryrdlock)(l), EM_SYS_FUTEX,
			      pthread_rwlock_clockrdlock, l, clk, abstime);
}

EM_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *restrict l, clockid_t clk,
					 const struct timespec *restrict abstime)
{
	return TRY_THEN_TIMED(REAL(pthread_rwlock_trywrlock)(l), EM_SYS_FUTEX,
			      pthread_rwlock_clockwrlock, l, clk, abstime);
}

/* Semaphores: sem_trywait fails with EAGAIN where sem_wait would block. It
 * sets errno doing so, which the program must not see: put it back. */
#define SEM_TRY_THEN_TIMED(s, name, ...)					\
	({									\
		int rc_, errno_ = errno;					\
		if (!timing())							\
			rc_ = REAL(name)(__VA_ARGS__);				\
		else if ((rc_ = REAL(sem_trywait)(s)) != 0 && errno == EAGAIN) { \
			errno = errno_;						\
			rc_ = TIMED(EM_SYS_FUTEX, name, __VA_ARGS__);		\
		}								\
		rc_;								\
	})

EM_EXPORT int sem_wait(sem_t *s)
{
	return SEM_TRY_THEN_TIMED(s, sem_wait, s);
}

EM_EXPORT int sem_timedwait(sem_t *restrict s, const struct timespec *restrict abstime)
{
	return SEM_TRY_THEN_TIMED(s, sem_timedwait, s, abstime);
}

EM_EXPORT int sem_clockwait(sem_t *restrict s, clockid_t clk, const struct timespec *restrict abstime)
{
	return SEM_TRY_THEN_TIMED(s, sem_clockwait, s, clk, abstime);
}

/* The condition variable functions have an old ABI version (GLIBC_2.2.5) as
 * well; programs linked today use GLIBC_2.3.2, which is what we forward to. */
static int (*cond_wait_real(void))(pthread_cond_t *, pthread_mutex_t *)
{
	static int (*f)(pthread_cond_t *, pthread_mutex_t *);

	if (!f) {
		f = dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2");
		if (!f)
			f = dlsym(RTLD_NEXT, "pthread_cond_wait");
	}
	return f;
}

static int (*cond_timedwait_real(void))(pthread_cond_t *, pthread_mutex_t *,
					const struct timespec *)
{
	static int (*f)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);

	if (!f) {
		f = dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
		if (!f)
			f = dlsym(RTLD_NEXT, "pthread_cond_timedwait");
	}
	return f;
}

EM_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	uint64_t t0 = em_sys_begin();
	int r = cond_wait_real()(c, m);

	em_sys_end(t0, EM_SYS_FUTEX, "pthread_cond_wait");
	return r;
}

EM_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				     const struct timespec *abstime)
{
	uint64_t t0 = em_sys_begin();
	int r = cond_timedwait_real()(c, m, abstime);

	em_sys_end(t0, EM_SYS_FUTEX, "pthread_cond_timedwait");
	return r;
}

EM_EXPORT int pthread_join(pthread_t t, void **ret)
{
	return TIMED(EM_SYS_FUTEX, pthread_join, t, ret);
}

EM_EXPORT int pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
				     clockid_t clk, const struct timespec *restrict abstime)
{
	return TIMED(EM_SYS_FUTEX, pthread_cond_clockwait, c, m, clk, abstime);
}

EM_EXPORT int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *abstime)
{
	return TIMED(EM_SYS_FUTEX, pthread_timedjoin_np, t, ret, abstime);
}

EM_EXPORT int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clk,
				   const struct timespec *abstime)
{
	return TIMED(EM_SYS_FUTEX, pthread_clockjoin_np, t, ret, clk, abstime);
}

/* ---- children ---- */

EM_EXPORT pid_t wait(int *status)
{
	return TIMED(EM_SYS_WAIT4, wait, status);
}

EM_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	return TIMED(EM_SYS_WAIT4, waitpid, pid, status, options);
}

EM_EXPORT pid_t wait3(int *status, int options, struct rusage *usage)
{
	return TIMED(EM_SYS_WAIT4, wait3, status, options, usage);
}

EM_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
	return TIMED(EM_SYS_WAIT4, wait4, pid, status, options, usage);
}

EM_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	return TIMED(EM_SYS_WAITID, waitid, type, id, info, options);
}

/* ---- signals ---- */

EM_EXPORT int sigwait(const sigset_t *restrict set, int *restrict sig)
{
	return TIMED(EM_SYS_RT_SIGTIMEDWAIT, sigwait, set, sig);
}

EM_EXPORT int sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info)
{
	return TIMED(EM_SYS_RT_SIGTIMEDWAIT, sigwaitinfo, set, info);
}

EM_EXPORT int sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info,
			   const struct timespec *restrict timeout)
{
	return TIMED(EM_SYS_RT_SIGTIMEDWAIT, sigtimedwait, set, info, timeout);
}

EM_EXPORT int sigsuspend(const sigset_t *mask)
{
	return TIMED(EM_SYS_RT_SIGSUSPEND, sigsuspend, mask);
}

EM_EXPORT int pause(void)
{
	return TIMED(EM_SYS_PAUSE, pause);
}

/* ---- file locks ---- */

EM_EXPORT int flock(int fd, int op)
{
	return TIMED(EM_SYS_FLOCK, flock, fd, op);
}

EM_EXPORT int lockf(int fd, int cmd, off_t len)
{
	return TIMED(EM_SYS_FCNTL, lockf, fd, cmd, len);
}

EM_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	return TIMED(EM_SYS_FCNTL, lockf64, fd, cmd, len);
}

/* fcntl is timed only for the commands that wait for a lock; the rest pass
 * straight through. Its third argument is read as a pointer, as glibc's own
 * fcntl reads it whatever the command. */
static int fcntl_cmd(int (*real)(int, int, ...), const char *name, int fd, int cmd, void *arg)
{
	uint64_t t0;
	int r;

	if (cmd != F_SETLKW && cmd != F_OFD_SETLKW)
		return real(fd, cmd, arg);
	t0 = em_sys_begin();
	r = real(fd, cmd, arg);
	em_sys_end(t0, EM_SYS_FCNTL, name);
	return r;
}

EM_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_cmd(REAL(fcntl), "fcntl", fd, cmd, arg);
}

EM_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_cmd(REAL(fcntl64), "fcntl64", fd, cmd, arg);
}
