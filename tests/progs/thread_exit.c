// SPDX-License-Identifier: MIT
/*
 * thread_exit N MS - N short-lived threads, four at a time, each named
 * "job-<i>", each burning MS ms of its own CPU in job_burn and keeping a
 * 1 MiB block in a pthread key whose destructor frees it when the thread
 * ends. Known answers: N x MS of CPU, every sample's thread named job-<i>,
 * and nothing in use at exit. What threads like these lose in a profiler:
 * the CPU since the last scheduler tick when they end (a 10 ms thread can
 * lose half of it), the name once they are gone from /proc, and frees that
 * run after the profiler's own key destructor.
 */
#include "burn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t key;
static int64_t burn_ms = 10;
static volatile uint64_t sink;

static void key_free_block(void *p)
{
	free(p);
}

__attribute__((noinline)) static void job_burn(void)
{
	int64_t until = thread_cpu_ns() + burn_ms * 1000000LL;
	uint64_t x = 3;

	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
}

__attribute__((noinline)) static void *job_keep_block(void)
{
	char *p = malloc(1 << 20);

	if (p)
		memset(p, 1, 4096);
	return p;
}

static void *job_main(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "job-%d", (int)(intptr_t)arg);
	pthread_setname_np(pthread_self(), name);
	pthread_setspecific(key, job_keep_block());
	job_burn();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	pthread_t t[4];

	if (argc > 2)
		burn_ms = atoi(argv[2]);
	if (pthread_key_create(&key, key_free_block) != 0)
		return 1;
	for (int i = 0; i < n; i += 4) {
		int k = 0;

		for (; k < 4 && i + k < n; k++)
			if (pthread_create(&t[k], NULL, job_main, (void *)(intptr_t)(i + k)) != 0)
				return 1;
		while (k-- > 0)
			pthread_join(t[k], NULL);
	}
	printf("thread_exit done\n");
	return 0;
}
