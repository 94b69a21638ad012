// SPDX-License-Identifier: MIT
/*
 * tiny_stack [KIB] - two threads on the smallest stack glibc allows
 * (PTHREAD_STACK_MIN, 16 KiB, of which TLS and glibc's own use leave about
 * 9 KiB), each using KIB (default 4) of it before burning a second of CPU
 * in tiny_stack_burn with allocations and writes to /dev/null. Without the
 * agent it runs fine; the agent's handler and hooks run on this stack too,
 * and must not overflow it.
 */
#include "burn.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile uint64_t sink;
static int use_bytes = 4096;

__attribute__((noinline)) static void tiny_stack_burn(void)
{
	int64_t until = thread_cpu_ns() + 1000000000LL;
	int fd = open("/dev/null", O_WRONLY);
	uint64_t x = 5;

	while (thread_cpu_ns() < until) {
		void *p = malloc(256);

		x = spin(x, 2000);
		sink += (uintptr_t)p;
		free(p);
		if (fd >= 0 && write(fd, "x", 1) != 1)
			abort();
	}
	if (fd >= 0)
		close(fd);
	sink += x;
}

static void *run(void *arg)
{
	/* The program's own use of its stack, before the work. */
	volatile char *used = __builtin_alloca((size_t)use_bytes);

	(void)arg;
	memset((char *)used, 1, (size_t)use_bytes);
	tiny_stack_burn();
	sink += used[0];
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t[2];

	if (argc > 1)
		use_bytes = atoi(argv[1]) * 1024;
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN) != 0)
		return 1;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], &attr, run, NULL) != 0)
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("tiny_stack done\n");
	return 0;
}
