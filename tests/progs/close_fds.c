// SPDX-License-Identifier: MIT
/*
 * close_fds [MODE] - closes every file descriptor above stderr at start, as
 * daemons do, then works. MODE picks how:
 *
 *   (none)       close() on 3..4095, then reports the numbers of two new
 *                files (the lowest free ones, 3 and 4, agent or not)
 *   closefrom    closefrom(3)
 *   close_range  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC), then
 *                close_range(3, 64, 0) and close_range(65, ~0U, 0)
 *   dup2         dup2() one descriptor onto every number 3..1023, then
 *                close() each of them
 *
 * The agent keeps its own descriptors (the HTTP endpoint's) from 900 up, so
 * before closing, the modes plant descriptors of their own below, among and
 * above those numbers, and check afterwards that every one is gone: a guard
 * that skips the agent's must not skip anything else. Then they write and
 * read back a file, pass bytes from a thread through a pipe and burn 1 s of
 * CPU. They print no descriptor numbers: the agent's writer thread opens
 * files of its own now and then, which may take the lowest free number.
 * Each line is flushed, so a test can wait for the closing to be done.
 */
#include "burn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define FILE_BYTES	65536
#define PIPE_BYTES	4096

static volatile uint64_t sink;

static __attribute__((noinline)) void close_fds_burn(int64_t ns)
{
	int64_t until = thread_cpu_ns() + ns;
	uint64_t x = 17;

	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* One past the highest descriptor number this process may open. */
static int fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 65536)
		return 65536;
	return (int)rl.rlim_cur;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* ---- planted descriptors ---- */

static int planted[16], n_planted;

/* Descriptors at the lowest free numbers from each target up, so around and
 * past the agent's (at 900 up where the limit allows). */
static void plant(void)
{
	static const int targets[] = { 3, 40, 64, 65, 899, 900, 903, 1000, 4000, 20000 };
	int src = open("/dev/null", O_RDONLY), limit = fd_limit();

	if (src < 0) {
		perror("open /dev/null");
		exit(1);
	}
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		int fd;

		if (targets[i] >= limit)
			continue;
		fd = fcntl(src, F_DUPFD, targets[i]);
		if (fd >= 0)
			planted[n_planted++] = fd;
	}
	close(src);
}

static int planted_open(void)
{
	int n = 0;

	for (int i = 0; i < n_planted; i++)
		n += is_open(planted[i]);
	return n;
}

static int planted_without_cloexec(void)
{
	int n = 0;

	for (int i = 0; i < n_planted; i++)
		n += !(fcntl(planted[i], F_GETFD) & FD_CLOEXEC);
	return n;
}

/* ---- the modes ---- */

static void mode_closefrom(void)
{
	plant();
	closefrom(3);
	say("closefrom: %d descriptors planted, %d still open\n", n_planted, planted_open());
}

static void mode_close_range(void)
{
	int r;

	plant();
	/* Flags only, nothing closed: every planted descriptor gets FD_CLOEXEC. */
	r = close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	say("close_range cloexec: returned %d, %d planted descriptors still open, %d without FD_CLOEXEC\n",
	    r, planted_open(), planted_without_cloexec());
	/* Bounded, then to the end: the two shapes programs use. */
	r = close_range(3, 64, 0);
	r |= close_range(65, ~0U, 0);
	say("close_range: returned %d, %d planted descriptors still open\n", r, planted_open());
	/* A reversed range is the kernel's EINVAL, with or without the agent. */
	errno = 0;
	r = close_range(10, 5, 0);
	say("close_range(10, 5): returned %d, errno %s\n", r, errno == EINVAL ? "EINVAL" : "other");
}

static void mode_dup2(void)
{
	int limit = fd_limit() < 1024 ? fd_limit() : 1024;
	int src = open("/dev/null", O_RDONLY), bad_dup = 0, bad_close = 0, still = 0;

	if (src < 0) {
		perror("open /dev/null");
		exit(1);
	}
	for (int fd = 3; fd < limit; fd++)
		if (fd != src && dup2(src, fd) != fd)
			bad_dup++;
	for (int fd = 3; fd < limit; fd++)
		if (close(fd) != 0)
			bad_close++;
	for (int fd = 3; fd < limit; fd++)
		still += is_open(fd);
	say("dup2: %d failed dup2, %d failed close, %d descriptors still open\n",
	    bad_dup, bad_close, still);
}

/* ---- work with fresh descriptors ---- */

static void file_roundtrip(void)
{
	const char *dir = getenv("TMPDIR");
	static unsigned char out[FILE_BYTES], in[FILE_BYTES];
	char path[4096];
	ssize_t got = 0, r;
	int fd;

	snprintf(path, sizeof(path), "%s/close_fds.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	unlink(path);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 31 + 7);
	if (write(fd, out, sizeof(out)) != (ssize_t)sizeof(out) || lseek(fd, 0, SEEK_SET) != 0) {
		perror("write");
		exit(1);
	}
	while (got < (ssize_t)sizeof(in) && (r = read(fd, in + got, sizeof(in) - got)) > 0)
		got += r;
	close(fd);
	say("file: %zd bytes written, read back %s\n", got,
	    got == (ssize_t)sizeof(in) && !memcmp(in, out, sizeof(in)) ? "intact" : "CHANGED");
}

static void *pipe_writer(void *arg)
{
	int fd = *(int *)arg;
	unsigned char buf[PIPE_BYTES];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i ^ 0x5a);
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		perror("pipe write");
	close(fd);
	return NULL;
}

static void pipe_from_thread(void)
{
	unsigned char buf[PIPE_BYTES + 1];
	size_t got = 0, bad = 0;
	pthread_t t;
	ssize_t r;
	int p[2];

	if (pipe(p) != 0) {
		perror("pipe");
		exit(1);
	}
	if (pthread_create(&t, NULL, pipe_writer, &p[1]) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		exit(1);
	}
	while (got < sizeof(buf) && (r = read(p[0], buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)r;
	pthread_join(t, NULL);
	close(p[0]);
	for (size_t i = 0; i < got; i++)
		bad += buf[i] != (unsigned char)(i ^ 0x5a);
	say("pipe: %zu bytes from a thread, %zu wrong\n", got, bad);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int a, b;

	if (!*mode) {
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
		close_fds_burn(1200000000LL);
		a = open("/dev/null", O_RDONLY);
		b = open("/dev/zero", O_RDONLY);
		printf("new fds: %d %d\n", a, b);
		return 0;
	}
	if (!strcmp(mode, "closefrom")) {
		mode_closefrom();
	} else if (!strcmp(mode, "close_range")) {
		mode_close_range();
	} else if (!strcmp(mode, "dup2")) {
		mode_dup2();
	} else {
		fprintf(stderr, "usage: close_fds [closefrom|close_range|dup2]\n");
		return 2;
	}
	file_roundtrip();
	pipe_from_thread();
	close_fds_burn(1000000000LL);
	say("cpu: 1 s burnt\n");
	return 0;
}
