/* SPDX-License-Identifier: MIT */
/* burn.h - CPU-time helpers for test workloads: burn an exact amount of this
 * thread's CPU time, so known-answer tests know the true split. */
#ifndef EMBER_TEST_BURN_H
#define EMBER_TEST_BURN_H

#include <stdint.h>
#include <time.h>

static inline int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleep ms milliseconds of wall time, through interruptions. */
static inline void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Arithmetic the compiler cannot remove. */
static inline uint64_t spin(uint64_t x, int n)
{
	for (int i = 0; i < n; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

#endif
