/* SPDX-License-Identifier: MIT */
/*
 * sampling.h - the random draws behind the heap and syscall samplers: a
 * per-thread xorshift generator and exponentially distributed distances.
 * Pure computation on TLS: safe in hooks and signal handlers.
 */
#ifndef EMBER_AGENT_SAMPLING_H
#define EMBER_AGENT_SAMPLING_H

#include <stdint.h>

/* A distance with mean `mean` from an exponential distribution (>= 1). */
int64_t em_rand_exp(double mean) __attribute__((visibility("hidden")));
/* A whole number drawn uniformly from 1..n (n >= 1). */
int64_t em_rand_uniform(int64_t n) __attribute__((visibility("hidden")));
/* Seed this thread's generator explicitly (tests; otherwise seeded lazily
 * from the thread id and the clock). */
void em_rand_seed(uint64_t seed) __attribute__((visibility("hidden")));

/*
 * em_sample_weight() - how many events one sample of size x (bytes, or
 * nanoseconds) stands for when sampling at mean spacing rate: 1/(1 -
 * exp(-x/rate)), the inverse of its chance of being sampled. rate <= 1
 * means everything was recorded: weight 1.
 */
double em_sample_weight(double x, double rate) __attribute__((visibility("hidden")));

#endif
