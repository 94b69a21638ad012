/* SPDX-License-Identifier: MIT */
/*
 * heap.h - allocation sampling by bytes, and the set of sampled allocations
 * still live.
 *
 * The maths (as in Go's runtime and tcmalloc): think of all bytes ever
 * allocated as one stream, and mark bytes in it by a Poisson process with
 * mean spacing R (EMBER_HEAP_RATE, 512 KiB by default). An allocation is
 * sampled when it contains a marked byte, which for an allocation of S bytes
 * happens with probability
 *
 *     p(S) = 1 - exp(-S / R)        (S = 4 KiB: 0.78%, 1 MiB: 86%, 1 GiB: ~100%)
 *
 * Each thread keeps the distance to its next mark, drawn from an exponential
 * distribution with mean R; an allocation subtracts its size and is sampled
 * when the distance goes below zero, then a fresh distance is drawn (the
 * process is memoryless, so nothing carries over). A sampled allocation
 * stands for 1/p(S) allocations and S/p(S) bytes: adding those weights gives
 * unbiased estimates of objects and bytes per stack (pprof's unsampling
 * formula, applied per allocation). R = 1 samples everything with weight 1.
 *
 * Cost: an unsampled malloc costs one TLS subtract and a branch; an
 * unsampled free costs one load of a global counter, and when sampled
 * allocations are live, one bit test in a 32 KiB filter.
 */
#ifndef EMBER_AGENT_HEAP_H
#define EMBER_AGENT_HEAP_H

#include "agent.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes this thread may still allocate before its next sample. Starts at 0,
 * so each thread's first allocation takes the slow path, which draws. */
extern __thread int64_t em_heap_left EM_TLS EM_HIDDEN;
/* Sampled allocations currently in the live set (0: frees skip the filter). */
extern atomic_long em_heap_live_n EM_HIDDEN;
extern atomic_ulong em_heap_filter[] EM_HIDDEN;

/* Slow paths (not inlined). Preserve errno. fn is the name of the function
 * the program called (a string literal): the sample's leaf frame. ctx holds
 * the registers of that function (em_unwind_getcontext), where the stack is
 * unwound from. */
void em_heap_sample(void *p, size_t size, const char *fn, const ucontext_t *ctx) EM_HIDDEN;
void em_heap_forget(void *p) EM_HIDDEN;

#define EM_HEAP_STRIPES_LOG 12
#define EM_HEAP_FILTER_LOG  18	/* bits; 64 per stripe */

static inline uint64_t em_heap_hash(const void *p)
{
	/* Fibonacci hashing of the address without its alignment bits. */
	return ((uint64_t)(uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL;
}

/* After a successful allocation of size bytes at p. Not async-signal-safe
 * by nature (it is called from malloc); re-entrancy-safe. */
static inline __attribute__((always_inline)) void em_heap_alloc(void *p, size_t size,
								 const char *fn)
{
	if (__builtin_expect((em_heap_left -= (int64_t)size) < 0, 0)) {
		/* In the wrapper's own frame, so that unwinding starts there. */
		ucontext_t ctx;

		em_unwind_getcontext(&ctx);
		em_heap_sample(p, size, fn, &ctx);
	}
}

/* Before p is released (free, realloc): drop it from the live set if it was
 * sampled. */
static inline void em_heap_free(void *p)
{
	uint64_t h;

	if (__builtin_expect(atomic_load_explicit(&em_heap_live_n, memory_order_relaxed) == 0, 1) ||
	    !p)
		return;
	h = em_heap_hash(p);
	if (atomic_load_explicit(&em_heap_filter[h >> (64 - EM_HEAP_STRIPES_LOG)],
				 memory_order_relaxed) &
	    (1ULL << ((h >> (64 - EM_HEAP_FILTER_LOG)) & 63)))
		em_heap_forget(p);
}

/* Start sampling (after the agent's configuration is read). */
void em_heap_init(void) EM_HIDDEN;
/* In a forked child: the live set was the parent's; start empty. */
void em_heap_after_fork_child(void) EM_HIDDEN;

#endif
