// SPDX-License-Identifier: MIT
/* sampling.c - per-thread random numbers and exponential draws. */
#include "agent.h"
#include "sampling.h"

#include <math.h>
#include <unistd.h>

static __thread uint64_t rng EM_TLS;

void em_rand_seed(uint64_t seed)
{
	rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static uint64_t next(void)
{
	uint64_t x = rng;

	if (!x)
		x = (uint64_t)gettid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)em_now_ns();
	/* xorshift64* (Vigna): fast, and good enough to place sample points. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng = x ? x : 1;
	return x * 0x2545f4914f6cdd1dULL;
}

int64_t em_rand_exp(double mean)
{
	/* u in (0, 1]: 53 random bits, never 0, so log() is finite. */
	double u = (double)((next() >> 11) + 1) * (1.0 / 9007199254740992.0);
	double d = -log(u) * mean;

	if (d < 1)
		return 1;
	if (d > 9e18)
		return INT64_MAX / 2;
	return (int64_t)d;
}

int64_t em_rand_uniform(int64_t n)
{
	return n <= 1 ? 1 : 1 + (int64_t)(next() % (uint64_t)n);
}

double em_sample_weight(double x, double rate)
{
	if (rate <= 1 || x <= 0)
		return 1.0;
	/* expm1 keeps precision when x/rate is tiny (weights in the thousands). */
	return -1.0 / expm1(-x / rate);
}
