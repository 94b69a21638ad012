// SPDX-License-Identifier: MIT
/*
 * w_malloc - a malloc-heavy workload for the allocation benchmarks: two
 * threads each make OPS allocations of 16..271 bytes (a fixed pseudo-random
 * sequence) and free each one 256 allocations later, so a small live set
 * churns the way a request-handling service's does. Nothing else happens
 * between calls: this is close to the worst case for an allocation hook.
 *
 *   w_malloc [OPS] [THREADS] [KEEP]        (defaults 10000000, 2, 0)
 *
 * KEEP: first allocate KEEP blocks of 4 KiB that stay until exit, as a
 * long-running program's data does; a heap profiler then always has some
 * sampled blocks live, and every free must be checked against them.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 256

static long ops = 10000000;

static void *worker(void *arg)
{
	void *live[LIVE] = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15ULL * ((uintptr_t)arg + 1), sum = 0;

	for (long i = 0; i < ops; i++) {
		size_t slot = (size_t)i % LIVE, n;
		unsigned char *p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 16 + (x & 255);
		free(live[slot]);
		p = malloc(n);
		if (!p)
			abort();
		p[0] = (unsigned char)i;	/* touch it, as a real program would */
		sum += p[0];
		live[slot] = p;
	}
	for (size_t i = 0; i < LIVE; i++)
		free(live[i]);
	return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
	long threads = argc > 2 ? atol(argv[2]) : 2, keep = argc > 3 ? atol(argv[3]) : 0;
	pthread_t t[64];
	uint64_t sum = 0;
	void **kept = keep > 0 ? calloc((size_t)keep, sizeof(*kept)) : NULL;

	ops = argc > 1 ? atol(argv[1]) : 10000000;
	if (ops < 1 || threads < 1 || threads > 64 || keep < 0 || (keep && !kept)) {
		fprintf(stderr, "usage: w_malloc [OPS] [THREADS<=64] [KEEP]\n");
		return 2;
	}
	for (long i = 0; i < keep; i++) {
		kept[i] = malloc(4096);
		if (!kept[i])
			abort();
		memset(kept[i], (int)i, 4096);
	}
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) != 0)
			return 1;
	for (long i = 0; i < threads; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (uint64_t)(uintptr_t)r;
	}
	printf("allocations %ld check %llu\n", ops * threads, (unsigned long long)(sum & 0xff));
	for (long i = 0; i < keep; i++)
		free(kept[i]);
	free(kept);
	return 0;
}
