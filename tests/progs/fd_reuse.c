// SPDX-License-Identifier: MIT
/*
 * fd_reuse - a program that closes every descriptor from 3 up and reuses the
 * numbers over and over (closefrom, then open), while another thread asks
 * the agent to write its profiles as often as it can (ember_flush, when the
 * agent is there). Each file the program writes must read back exactly as
 * written: if the agent's writer held a descriptor in the program's table,
 * closefrom() would close it under the writer, the program's next open()
 * would get the same number, and the writer's bytes would land in the
 * program's file.
 *
 *   fd_reuse [SECONDS]        (default 2)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int ember_flush(void) __attribute__((weak));

static atomic_int done;

static void *flusher(void *arg)
{
	(void)arg;
	while (!atomic_load(&done))
		if (ember_flush)
			ember_flush();
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2, end = now() + secs;
	char path[64], want[4096], got[sizeof(want) + 1];
	long rounds = 0, bad = 0;
	pthread_t t;

	snprintf(path, sizeof(path), "/tmp/fd_reuse.%d", (int)getpid());
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (char)('a' + i % 26);
	if (pthread_create(&t, NULL, flusher, NULL) != 0)
		return 1;
	while (now() < end || rounds < 100) {
		ssize_t n;
		int fd;

		closefrom(3);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return 1;
		if (write(fd, want, sizeof(want)) != (ssize_t)sizeof(want))
			bad++;
		usleep(200);	/* let the writer run between our write and our read */
		n = pread(fd, got, sizeof(got), 0);
		if (n != (ssize_t)sizeof(want) || memcmp(got, want, sizeof(want)) != 0)
			bad++;
		close(fd);
		rounds++;
	}
	atomic_store(&done, 1);
	pthread_join(t, NULL);
	unlink(path);
	printf("fd_reuse: %s\n", bad ? "files changed under the program" : "every file read back as written");
	return bad ? 1 : 0;
}
