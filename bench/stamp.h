/* SPDX-License-Identifier: MIT */
/*
 * stamp.h - timing for the benchmark programs in bench/: wall time and this
 * process's CPU time (the steadier figure on a shared machine).
 */
#ifndef EMBER_BENCH_STAMP_H
#define EMBER_BENCH_STAMP_H

#include <time.h>

struct stamp {
	double wall, cpu;	/* seconds */
};

static inline struct stamp stamp_now(void)
{
	struct timespec w, c;

	clock_gettime(CLOCK_MONOTONIC, &w);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	return (struct stamp){ (double)w.tv_sec + (double)w.tv_nsec / 1e9,
			       (double)c.tv_sec + (double)c.tv_nsec / 1e9 };
}

#endif
