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
 * unsampled free one bit test in a 32 KiB filter (below).
 */
#ifndef EMBER_AGENT_HEAP_H
#define EMBER_AGENT_HEAP_H

#include "agent.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes this thread may still allocate before its next sample. Starts at 0,
 * so each thread's first allocation takes the slow path, which draws. */
extern __thread int64_t em_heap_left EM_TLS EM_HIDDEN;
/*
 * The live set's filter: one bit per 16-byte address slot, 2^18 bits, so
 * addresses 4 MiB apart share a bit. Set for every sampled allocation still
 * live (and for the malloc wrapper's bootstrap arena, em_heap_pin), never
 * stale: a removal recomputes its word from what is left. Every free tests
 * its bit and goes straight to the real free when it is clear; that test
 * is all an unsampled free costs, with or without sampled blocks live.
 */
extern atomic_ulong em_heap_filter[] EM_HIDDEN;

/* Slow paths (not inlined). Preserve errno. fn is the name of the function
 * the program called (a string literal): the sample's leaf frame. ctx holds
 * the registers of that function (em_unwind_getcontext), where the stack is
 * unwound from. */
void em_heap_sample(void *p, size_t size, const char *fn, const ucontext_t *ctx) EM_HIDDEN;
void em_heap_forget(void *p) EM_HIDDEN;

#define EM_HEAP_STRIPES_LOG 12	/* filter words, one per stripe */

/*
 * Where an address sits in the filter: its bits 4..9 pick the bit, bits
 * 10..21 the word (and the stripe). Taken straight from the address, not
 * hashed, so that the filter has the heap's locality: the frees of a
 * working set of a few hundred KiB read a few dozen filter words that stay
 * in cache, not a random line of 32 KiB each (which cost most of the hook's
 * time in w_malloc). The false-positive rate is the share of bits set, as
 * with any hash: with 10,000 sampled blocks live (5 GB in use at the
 * default rate), 4%, and a false positive costs a lookup under a stripe's
 * lock.
 */
static inline unsigned em_heap_word_of(const void *p)
{
	return ((uintptr_t)p >> 10) & ((1u << EM_HEAP_STRIPES_LOG) - 1);
}

static inline uint64_t em_heap_bit_of(const void *p)
{
	return 1ULL << (((uintptr_t)p >> 4) & 63);
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

/* Whether p may be a sampled allocation still live: one bit of the live
 * set's filter (false positives are sorted out by em_heap_forget). */
static inline bool em_heap_maybe_live(const void *p)
{
	return atomic_load_explicit(&em_heap_filter[em_heap_word_of(p)], memory_order_relaxed) &
	       em_heap_bit_of(p);
}

/* Before p is released (realloc): drop it from the live set if it was
 * sampled. */
static inline void em_heap_free(void *p)
{
	if (__builtin_expect(em_heap_maybe_live(p), 0) && p)
		em_heap_forget(p);
}

/* Set every filter bit of [lo, lo + len) for good (len < 4 MiB): frees of
 * those addresses always take the slow path. Before any of them is handed
 * out; idempotent. */
void em_heap_pin(const void *lo, size_t len) EM_HIDDEN;

/* Start sampling (after the agent's configuration is read). */
void em_heap_init(void) EM_HIDDEN;
/* In a forked child: the live set was the parent's; start empty. */
void em_heap_after_fork_child(void) EM_HIDDEN;

#endif
