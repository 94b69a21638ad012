// SPDX-License-Identifier: MIT
/*
 * interpose_syscalls.c - the blocking libc entry points for I/O and sleep,
 * and nothing else: each wrapper times the real call and hands the duration
 * to the sampler (syscalls.h). glibc reaches some of these internally
 * without the PLT (sleep and usleep call nanosleep directly), so every entry
 * point a program can call has its own wrapper. close() is timed in
 * fdguard.c, which also guards it; locks, semaphores, joins and waits for
 * children or signals are in interpose_waits.c.
 *
 * Each wrapper passes its own name, which becomes the stack's leaf in the
 * syscall profile: the function the program called (read, usleep, ...).
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
#include "interpose.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

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

/* glibc 2.35's epoll_pwait2; dlsym finds nothing on an older libc, and a
 * program calling it cannot have been linked against one. */
EM_EXPORT int epoll_pwait2(int fd, struct epoll_event *ev, int n, const struct timespec *timeout,
			   const sigset_t *mask)
{
	return TIMED(EM_SYS_EPOLL_PWAIT2, epoll_pwait2, fd, ev, n, timeout, mask);
}

/* The vectored, batched and zero-copy relatives of read and write. */
EM_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	return TIMED(EM_SYS_PREADV, preadv, fd, iov, n, off);
}

EM_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int n, off64_t off)
{
	return TIMED(EM_SYS_PREADV, preadv64, fd, iov, n, off);
}

EM_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	return TIMED(EM_SYS_PWRITEV, pwritev, fd, iov, n, off);
}

EM_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int n, off64_t off)
{
	return TIMED(EM_SYS_PWRITEV, pwritev64, fd, iov, n, off);
}

EM_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	return TIMED(EM_SYS_PREADV2, preadv2, fd, iov, n, off, flags);
}

EM_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int n, off64_t off, int flags)
{
	return TIMED(EM_SYS_PREADV2, preadv64v2, fd, iov, n, off, flags);
}

EM_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	return TIMED(EM_SYS_PWRITEV2, pwritev2, fd, iov, n, off, flags);
}

EM_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int n, off64_t off, int flags)
{
	return TIMED(EM_SYS_PWRITEV2, pwritev64v2, fd, iov, n, off, flags);
}

EM_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
		       struct timespec *timeout)
{
	return TIMED(EM_SYS_RECVMMSG, recvmmsg, fd, v, n, flags, timeout);
}

EM_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	return TIMED(EM_SYS_SENDMMSG, sendmmsg, fd, v, n, flags);
}

EM_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
	return TIMED(EM_SYS_SENDFILE, sendfile, out, in, off, n);
}

EM_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
	return TIMED(EM_SYS_SENDFILE, sendfile64, out, in, off, n);
}

EM_EXPORT ssize_t splice(int in, off64_t *off_in, int out, off64_t *off_out, size_t n,
			 unsigned int flags)
{
	return TIMED(EM_SYS_SPLICE, splice, in, off_in, out, off_out, n, flags);
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
