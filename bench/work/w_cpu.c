// SPDX-License-Identifier: MIT
/*
 * w_cpu - a CPU-bound workload for the CPU-sampling benchmarks: THREADS
 * threads each run ROUNDS rounds of a hash loop at the bottom of a 30-deep
 * recursion (compiled -O2, no frame pointers). The amount of work is fixed,
 * so wall and CPU time compare across runs and profilers.
 *
 *   w_cpu [ROUNDS] [THREADS]        (defaults 8000, 1)
 *
 * At exit it prints one line: "cpu_seconds S", the CPU time of the worker
 * threads alone (CLOCK_THREAD_CPUTIME_ID, summed), which is what a CPU
 * profiler at H Hz should turn into H * S samples.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long rounds = 8000;
static double cpu_total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((noinline)) uint64_t mix(uint64_t x, long n)
{
	for (long i = 0; i < n; i++) {
		x ^= x >> 31;
		x *= 0x7fb5d329728ea185ULL;
		x ^= x >> 27;
	}
	return x;
}

static __attribute__((noinline)) uint64_t descend(int depth, uint64_t x)
{
	uint64_t r;

	if (depth == 0)
		return mix(x, 100000);
	r = descend(depth - 1, x + (uint64_t)depth);
	__asm__ volatile("" : "+r"(r));	/* not a tail call: keep every frame */
	return r;
}

static void *worker(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg, acc = 0;
	struct timespec ts;

	for (long i = 0; i < rounds; i++)
		acc += descend(30, x + (uint64_t)i);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	pthread_mutex_lock(&lock);
	cpu_total += (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	pthread_mutex_unlock(&lock);
	return (void *)(uintptr_t)acc;
}

int main(int argc, char **argv)
{
	long threads = argc > 2 ? atol(argv[2]) : 1;
	pthread_t t[256];
	uint64_t sum = 0;

	rounds = argc > 1 ? atol(argv[1]) : 8000;
	if (rounds < 1 || threads < 1 || threads > 256) {
		fprintf(stderr, "usage: w_cpu [ROUNDS] [THREADS<=256]\n");
		return 2;
	}
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)) != 0)
			return 1;
	for (long i = 0; i < threads; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (uint64_t)(uintptr_t)r;
	}
	printf("cpu_seconds %.6f check %llx\n", cpu_total, (unsigned long long)(sum & 0xfff));
	return 0;
}
