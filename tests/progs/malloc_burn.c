// SPDX-License-Identifier: MIT
/*
 * malloc_burn [MS] - one thread that spends MS ms (default 1000) of CPU
 * allocating and freeing small blocks in alloc_churn. Under
 * EMBER_HEAP_RATE=1 most of that CPU is the profiler's own (a stack walk
 * per allocation), and the CPU profile must say so, not hide it or lose it.
 */
#include "burn.h"

#include <stdlib.h>

static void *volatile sink;

__attribute__((noinline)) static void alloc_churn(int64_t ms)
{
	int64_t until = thread_cpu_ns() + ms * 1000000LL;

	while (thread_cpu_ns() < until)
		for (int i = 0; i < 100; i++) {
			sink = malloc(64);
			free(sink);
		}
}

int main(int argc, char **argv)
{
	alloc_churn(argc > 1 ? atoi(argv[1]) : 1000);
	return 0;
}
