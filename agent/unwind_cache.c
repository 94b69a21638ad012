// SPDX-License-Identifier: MIT
/* unwind_cache.c - the rule table of unwind_cache.h. */
#include "unwind_cache.h"

#include <stdatomic.h>
#include <stddef.h>

#define SETS_LOG 12
#define WAYS	 4

struct slot {
	atomic_uint seq;	/* odd while the writer changes the slot */
	atomic_uint gen;
	_Atomic uint64_t key;
	_Atomic uint64_t rule;
};

static _Alignas(64) struct slot table[1u << SETS_LOG][WAYS];
static _Alignas(64) atomic_uint generation = 1;	/* 0 marks an empty slot */
static unsigned victim;	/* round robin, writer only */

static struct slot *set_of(uint64_t key)
{
	/* Return addresses differ in their low bits: Fibonacci hashing spreads
	 * them (and the exact bit) over the sets. */
	return table[(key * 0x9e3779b97f4a7c15ULL) >> (64 - SETS_LOG)];
}

uint32_t em_unwind_cache_gen(void)
{
	return atomic_load_explicit(&generation, memory_order_acquire);
}

uint64_t em_unwind_cache_find(uint64_t key, uint32_t gen)
{
	struct slot *set = set_of(key);

	for (int i = 0; i < WAYS; i++) {
		struct slot *s = &set[i];
		unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		uint64_t k, rule;
		unsigned g;

		if (seq & 1)
			continue;
		k = atomic_load_explicit(&s->key, memory_order_relaxed);
		rule = atomic_load_explicit(&s->rule, memory_order_relaxed);
		g = atomic_load_explicit(&s->gen, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) == seq && k == key &&
		    g == gen)
			return rule;
	}
	return 0;
}

void em_unwind_cache_put(uint64_t key, uint64_t rule, uint32_t gen)
{
	struct slot *set = set_of(key), *s = NULL;
	unsigned cur = atomic_load_explicit(&generation, memory_order_acquire), seq;

	if (gen != cur || !rule)
		return;
	/* The same key again, else a free or stale slot, else round robin. */
	for (int i = 0; i < WAYS && !s; i++)
		if (atomic_load_explicit(&set[i].key, memory_order_relaxed) == key)
			s = &set[i];
	for (int i = 0; i < WAYS && !s; i++)
		if (atomic_load_explicit(&set[i].gen, memory_order_relaxed) != cur)
			s = &set[i];
	if (!s)
		s = &set[victim++ % WAYS];
	seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->key, key, memory_order_relaxed);
	atomic_store_explicit(&s->rule, rule, memory_order_relaxed);
	atomic_store_explicit(&s->gen, gen, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

void em_unwind_cache_flush(void)
{
	/* Skip 0, the generation of a slot never written. */
	if (atomic_fetch_add(&generation, 1) + 1 == 0)
		atomic_fetch_add(&generation, 1);
}
