// SPDX-License-Identifier: MIT
/*
 * interpose_syscalls.c - the blocking libc entry points, and nothing else:
 * each wrapper times the real call and hands the duration to the sampler
 * (syscalls.h). glibc reaches some of these internally without the PLT
 * (sleep and usleep call nanosleep directly), so every entry point a program
 * can call has its own wrapper. close() is timed in fdguard.c, which also
 * guards it.
 *
 * Each real function is found with dlsym on first use (it may be called
 * before the agent's constructor, by another library's). Each wrapper passes
 * its own name, which becomes the stack's leaf in the syscall profile: the
 * function the program called (read, usleep, pthread_mutex_lock, ...).
 *
 * The fortified entry points (__read_chk, __open_2, ...) reach the system
 * call without passing through read() and friends; programs built with
 * -D_FORTIFY_SOURCE (Debian's default build flags) call them wherever a
 * buffer's size is known. Each has a wrapper that forwards to its own real
 * function (keeping its check) and is named in the profile as called.
 *
 * glibc's double-underscore names (__read, __libc_malloc, ...) are left
 * alone on purpose: their callers are mostly other interposers reaching for
 * the real function from inside their own read() or malloc(), and a wrapper
 * there would count a call twice or send it round in a loop.
 */
#include "real.h"
#include "syscalls.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define REAL(name)                                                                     \
	({                                                                             \
		static __typeof__(&name) real_;                                        \
		__typeof__(&name) f_ = __atomic_load_n(&real_, __ATOMIC_ACQUIRE);      \
		if (__builtin_expect(!f_, 0)) {                                        \
			f_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name);               \
			__atomic_store_n(&real_, f_, __ATOMIC_RELEASE);                \
		}                                                                      \
		f_;                                                                    \
	})

/* Time one call of the real function `name` as syscall `which`. */
#define TIMED(which, name, ...)                                \
	({                                                     \
		uint64_t t0_ = em_sys_begin();                 \
		__typeof__(REAL(name)(__VA_ARGS__)) r_ = REAL(name)(__VA_ARGS__); \
		em_sys_end(t0_, which, #name);                 \
		r_;                                            \
	})

EM_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	return TIMED(EM_SYS_READ, read, fd, buf, n);
}

EM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	return TIMED(EM_SYS_WRITE, write, fd, buf, n);
}

EM_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return TIMED(EM_SYS_PREAD64, pread, fd, buf, n, off);
}

EM_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	return TIMED(EM_SYS_PREAD64, pread64, fd, buf, n, off);
}

EM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return TIMED(EM_SYS_PWRITE64, pwrite, fd, buf, n, off);
}

EM_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return TIMED(EM_SYS_PWRITE64, pwrite64, fd, buf, n, off);
}

EM_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	return TIMED(EM_SYS_READV, readv, fd, iov, n);
}

EM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	return TIMED(EM_SYS_WRITEV, writev, fd, iov, n);
}

EM_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return TIMED(EM_SYS_RECVFROM, recv, fd, buf, n, flags);
}

EM_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags,
			   __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return TIMED(EM_SYS_RECVFROM, recvfrom, fd, buf, n, flags, addr, len);
}

EM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return TIMED(EM_SYS_RECVMSG, recvmsg, fd, msg, flags);
}

EM_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return TIMED(EM_SYS_SENDTO, send, fd, buf, n, flags);
}

EM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
			 socklen_t len)
{
	return TIMED(EM_SYS_SENDTO, sendto, fd, buf, n, flags, addr, len);
}

EM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return TIMED(EM_SYS_SENDMSG, sendmsg, fd, msg, flags);
}

EM_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return TIMED(EM_SYS_ACCEPT, accept, fd, addr, len);
}

EM_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
	return TIMED(EM_SYS_ACCEPT4, accept4, fd, addr, len, flags);
}

EM_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return TIMED(EM_SYS_CONNECT, connect, fd, addr, len);
}

EM_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return TIMED(EM_SYS_POLL, poll, fds, n, timeout);
}

EM_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		    const sigset_t *mask)
{
	return TIMED(EM_SYS_PPOLL, ppoll, fds, n, timeout, mask);
}

/* glibc 2.36 implements select() with the pselect6 system call. */
EM_EXPORT int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
		     struct timeval *restrict timeout)
{
	return TIMED(EM_SYS_PSELECT6, select, n, r, w, e, timeout);
}

EM_EXPORT int pselect(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
		      const struct timespec *restrict timeout, const sigset_t *restrict mask)
{
	return TIMED(EM_SYS_PSELECT6, pselect, n, r, w, e, timeout, mask);
}

EM_EXPORT int epoll_wait(int fd, struct epoll_event *ev, int n, int timeout)
{
	return TIMED(EM_SYS_EPOLL_WAIT, epoll_wait, fd, ev, n, timeout);
}

EM_EXPORT int epoll_pwait(int fd, struct epoll_event *ev, int n, int timeout,
			  const sigset_t *mask)
{
	return TIMED(EM_SYS_EPOLL_PWAIT, epoll_pwait, fd, ev, n, timeout, mask);
}

/* nanosleep, usleep and sleep all end in clock_nanosleep in the kernel. */
EM_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return TIMED(EM_SYS_CLOCK_NANOSLEEP, nanosleep, req, rem);
}

EM_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
			      struct timespec *rem)
{
	return TIMED(EM_SYS_CLOCK_NANOSLEEP, clock_nanosleep, clk, flags, req, rem);
}

EM_EXPORT int usleep(useconds_t us)
{
	return TIMED(EM_SYS_CLOCK_NANOSLEEP, usleep, us);
}

EM_EXPORT unsigned int sleep(unsigned int s)
{
	return TIMED(EM_SYS_CLOCK_NANOSLEEP, sleep, s);
}

/* open's mode argument exists only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, mode)                                                     \
	do {                                                                      \
		if ((flags) & O_CREAT || ((flags) & O_TMPFILE) == O_TMPFILE) {    \
			va_list ap_;                                              \
			va_start(ap_, flags);                                     \
			mode = (mode_t)va_arg(ap_, int);                          \
			va_end(ap_);                                              \
		}                                                                 \
	} while (0)

EM_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return TIMED(EM_SYS_OPENAT, open, path, flags, mode);
}

EM_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return TIMED(EM_SYS_OPENAT, open64, path, flags, mode);
}

EM_EXPORT int openat(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return TIMED(EM_SYS_OPENAT, openat, dir, path, flags, mode);
}

EM_EXPORT int openat64(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return TIMED(EM_SYS_OPENAT, openat64, dir, path, flags, mode);
}

EM_EXPORT int fsync(int fd)
{
	return TIMED(EM_SYS_FSYNC, fsync, fd);
}

EM_EXPORT int fdatasync(int fd)
{
	return TIMED(EM_SYS_FDATASYNC, fdatasync, fd);
}

/*
 * A mutex costs a timed wait only when it is contended: try first. trylock
 * and lock agree on every outcome but one: an error-checking mutex the
 * caller already holds, where trylock says EBUSY and lock says EDEADLK; the
 * timed lock below then gives the caller lock's answer.
 */
EM_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	uint64_t t0;
	int r;

	if (!atomic_load_explicit(&em_sys_on, memory_order_relaxed) || em_tls_busy)
		return REAL(pthread_mutex_lock)(m);
	r = REAL(pthread_mutex_trylock)(m);
	if (r != EBUSY)
		return r;
	t0 = em_sys_begin();
	r = REAL(pthread_mutex_lock)(m);
	em_sys_end(t0, EM_SYS_FUTEX, "pthread_mutex_lock");
	return r;
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

/* ---- the fortified entry points (-D_FORTIFY_SOURCE) ---- */

/* Declared by glibc's headers only when the including file is fortified. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *restrict buf, size_t n, size_t buflen, int flags,
		       __SOCKADDR_ARG addr, socklen_t *restrict len);
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		const sigset_t *mask, size_t fdslen);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dir, const char *path, int flags);
int __openat64_2(int dir, const char *path, int flags);

EM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	return TIMED(EM_SYS_READ, __read_chk, fd, buf, n, buflen);
}

EM_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	return TIMED(EM_SYS_PREAD64, __pread_chk, fd, buf, n, off, buflen);
}

EM_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	return TIMED(EM_SYS_PREAD64, __pread64_chk, fd, buf, n, off, buflen);
}

EM_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	return TIMED(EM_SYS_RECVFROM, __recv_chk, fd, buf, n, buflen, flags);
}

EM_EXPORT ssize_t __recvfrom_chk(int fd, void *restrict buf, size_t n, size_t buflen, int flags,
				 __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return TIMED(EM_SYS_RECVFROM, __recvfrom_chk, fd, buf, n, buflen, flags, addr, len);
}

EM_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	return TIMED(EM_SYS_POLL, __poll_chk, fds, n, timeout, fdslen);
}

EM_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
			  const sigset_t *mask, size_t fdslen)
{
	return TIMED(EM_SYS_PPOLL, __ppoll_chk, fds, n, timeout, mask, fdslen);
}

/* open() without a mode argument, when the flags are not a constant. */
EM_EXPORT int __open_2(const char *path, int flags)
{
	return TIMED(EM_SYS_OPENAT, __open_2, path, flags);
}

EM_EXPORT int __open64_2(const char *path, int flags)
{
	return TIMED(EM_SYS_OPENAT, __open64_2, path, flags);
}

EM_EXPORT int __openat_2(int dir, const char *path, int flags)
{
	return TIMED(EM_SYS_OPENAT, __openat_2, dir, path, flags);
}

EM_EXPORT int __openat64_2(int dir, const char *path, int flags)
{
	return TIMED(EM_SYS_OPENAT, __openat64_2, dir, path, flags);
}
