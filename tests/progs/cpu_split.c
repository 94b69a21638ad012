// SPDX-License-Identifier: MIT
/*
 * cpu_split - a known split of CPU time, built without frame pointers:
 *   burn_a          50%   (plain loop)
 *   burn_b          25%   (plain loop)
 *   compare_ints    25%   (inside glibc's qsort, called from sort_work)
 * Each phase runs until this thread has used its share of CPU time, so the
 * split is exact whatever the machine. The total is argv[1] ms (default 2000).
 */
#include "burn.h"

#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

__attribute__((noinline)) static void burn_a(int64_t until)
{
	uint64_t x = 1;

	while (thread_cpu_ns() < until)
		x = spin(x, 2000);
	sink += x;
}

__attribute__((noinline)) static void burn_b(int64_t until)
{
	uint64_t x = 2;

	while (thread_cpu_ns() < until)
		x = spin(x, 2000);
	sink += x;
}

__attribute__((noinline)) static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	/* The comparator is where the time goes. */
	sink += spin((uint64_t)x, 400);
	return (x > y) - (x < y);
}

__attribute__((noinline)) static void sort_work(int64_t until)
{
	int v[512];

	while (thread_cpu_ns() < until) {
		for (int i = 0; i < 512; i++)
			v[i] = (i * 7919) % 512;
		qsort(v, 512, sizeof(v[0]), compare_ints);
	}
}

int main(int argc, char **argv)
{
	int64_t total = (argc > 1 ? atoll(argv[1]) : 2000) * 1000000LL;
	int64_t t0 = thread_cpu_ns();

	/* Interleaved rounds, so a slow start or end does not favour a phase;
	 * few of them, because a timer signal is delivered when the thread
	 * next runs, and on a busy machine that can be just after a phase
	 * switch: fewer switches, less blur at the edges. */
	for (int round = 0; round < 4; round++) {
		int64_t base = t0 + total * round / 4, step = total / 4;

		burn_a(base + step / 2);
		burn_b(base + step * 3 / 4);
		sort_work(base + step);
	}
	printf("cpu_split done\n");
	return 0;
}
