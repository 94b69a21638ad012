// SPDX-License-Identifier: MIT
/*
 * thread_split - threads with a known split of CPU time, running at once:
 *   worker-1 800 ms, worker-2 400 ms, worker-3 200 ms, main 0 (it waits).
 * Each thread names itself, so the profile's thread label tells them apart.
 */
#include "burn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

struct job {
	const char *name;
	int64_t ms;
};

__attribute__((noinline)) static void burn_for(int64_t ns)
{
	int64_t until = thread_cpu_ns() + ns;
	uint64_t x = 3;

	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
}

static void *worker(void *arg)
{
	struct job *j = arg;

	pthread_setname_np(pthread_self(), j->name);
	burn_for(j->ms * 1000000LL);
	return NULL;
}

int main(void)
{
	struct job jobs[] = { { "worker-1", 800 }, { "worker-2", 400 }, { "worker-3", 200 } };
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, &jobs[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("thread_split done\n");
	return 0;
}
