// SPDX-License-Identifier: MIT
/*
 * sys_fortify - blocking calls as a program built with -D_FORTIFY_SOURCE=2
 * (Debian's default build flags) makes them: where a buffer's size is known
 * and the length is not a constant, read() is compiled to __read_chk(),
 * recv() to __recv_chk(), poll() to __poll_chk(), and open() with flags
 * that are not a constant to __open_2(); none of them goes through read(),
 * recv(), poll() or open(). Each part blocks for a known time:
 *   via_read      read on a pipe fed after 100 ms, twice      ~200 ms
 *   via_recv      recv on a socket pair, the same              ~200 ms
 *   via_recvfrom  recvfrom, the same                           ~200 ms
 *   via_poll      poll on a pipe nobody writes, 100 ms x 2     ~200 ms
 *   via_ppoll     ppoll, the same                              ~200 ms
 *   via_open      open on a FIFO a thread opens after 100 ms   ~200 ms
 *   via_pread     1000 preads of /dev/zero                     1000 calls
 * It prints on stderr what each part really took ("truth NAME NS"). The
 * test reads its dynamic symbols to make sure the compiler did fortify it.
 */
#define _FORTIFY_SOURCE 2
#include "burn.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile size_t len = 16;	/* not a constant: keeps the _chk calls */
static volatile int flags_ro = O_RDONLY;	/* likewise for __open_2 */
static int feed_fd;
static const char *fifo;

/* Writes one byte to feed_fd after 100 ms. */
static void *feeder(void *arg)
{
	(void)arg;
	nap_ms(100);
	if (write(feed_fd, "x", 1) != 1)
		abort();
	return NULL;
}

/* Opens the FIFO for writing after 100 ms, which lets the reader's open()
 * return. */
static void *fifo_opener(void *arg)
{
	int fd;

	(void)arg;
	nap_ms(100);
	fd = open(fifo, O_WRONLY);
	if (fd < 0)
		abort();
	close(fd);
	return NULL;
}

static void after(void *(*fn)(void *))
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, NULL) != 0)
		abort();
	pthread_detach(t);
}

static void truth(const char *name, int64_t t0)
{
	fprintf(stderr, "truth %s %lld\n", name, (long long)(mono_ns() - t0));
}

__attribute__((noinline)) static void via_read(int rd, int wr)
{
	char buf[64];
	int64_t t0 = mono_ns();

	feed_fd = wr;
	for (int i = 0; i < 2; i++) {
		after(feeder);
		if (read(rd, buf, len) != 1)
			abort();
	}
	truth("via_read", t0);
}

__attribute__((noinline)) static void via_recv(int rd, int wr)
{
	char buf[64];
	int64_t t0 = mono_ns();

	feed_fd = wr;
	for (int i = 0; i < 2; i++) {
		after(feeder);
		if (recv(rd, buf, len, 0) != 1)
			abort();
	}
	truth("via_recv", t0);
}

__attribute__((noinline)) static void via_recvfrom(int rd, int wr)
{
	char buf[64];
	int64_t t0 = mono_ns();

	feed_fd = wr;
	for (int i = 0; i < 2; i++) {
		after(feeder);
		if (recvfrom(rd, buf, len, 0, NULL, NULL) != 1)
			abort();
	}
	truth("via_recvfrom", t0);
}

__attribute__((noinline)) static void via_poll(int rd)
{
	struct pollfd p[2] = { { .fd = rd, .events = POLLIN }, { .fd = -1 } };
	nfds_t n = len / 16;	/* 1, not a constant */
	int64_t t0 = mono_ns();

	for (int i = 0; i < 2; i++)
		if (poll(p, n, 100) != 0)
			abort();
	truth("via_poll", t0);
}

__attribute__((noinline)) static void via_ppoll(int rd)
{
	struct pollfd p[2] = { { .fd = rd, .events = POLLIN }, { .fd = -1 } };
	struct timespec ts = { 0, 100000000L };
	nfds_t n = len / 16;
	int64_t t0 = mono_ns();

	for (int i = 0; i < 2; i++)
		if (ppoll(p, n, &ts, NULL) != 0)
			abort();
	truth("via_ppoll", t0);
}

__attribute__((noinline)) static void via_open(void)
{
	int64_t t0 = mono_ns();

	for (int i = 0; i < 2; i++) {
		int fd;

		after(fifo_opener);
		fd = open(fifo, flags_ro);
		if (fd < 0)
			abort();
		close(fd);
	}
	truth("via_open", t0);
}

__attribute__((noinline)) static void via_pread(void)
{
	char buf[64];
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		abort();
	for (int i = 0; i < 1000; i++)
		if (pread(fd, buf, len, 0) != (ssize_t)len)
			abort();
	close(fd);
}

int main(int argc, char **argv)
{
	int p[2], s[2];

	if (argc != 2) {
		fprintf(stderr, "usage: sys_fortify FIFO-PATH\n");
		return 2;
	}
	fifo = argv[1];
	unlink(fifo);
	if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0 || mkfifo(fifo, 0600) != 0) {
		perror("sys_fortify");
		return 1;
	}
	via_read(p[0], p[1]);
	via_recv(s[0], s[1]);
	via_recvfrom(s[0], s[1]);
	via_poll(p[0]);
	via_ppoll(p[0]);
	via_open();
	via_pread();
	unlink(fifo);
	printf("done\n");
	return 0;
}
