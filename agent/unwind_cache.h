/* SPDX-License-Identifier: MIT */
/*
 * unwind_cache.h - unwind rules by address, so that most stacks are walked
 * without libunwind.
 *
 * libunwind interprets each frame's DWARF CFI on every step: about 900
 * instructions a frame here, behind a global lock, and (in a hook) two
 * sigprocmask system calls around the walk. Yet a program's samples pass
 * through a small set of addresses again and again. So the writer thread
 * compiles the CFI at each address it has seen in a stack into one word
 * (lib/cfi.h) and publishes it here; the unwinder looks each frame up and,
 * when every frame of a stack is known, walks it in a few dozen
 * instructions a frame, reading only the thread's own stack. Any address
 * not (yet) here, or whose rule is not one of the simple shapes, sends the
 * whole stack to libunwind as before, flagged EM_REC_SLOW_UNWIND so that
 * the writer learns its addresses.
 *
 * The table: 4-way sets of 4096, each slot a seqlock around (key, rule,
 * generation). One writer (the writer thread; em_unwind_cache_put), any
 * number of readers, in signal handlers too (em_unwind_cache_find:
 * async-signal-safe, lock-free, never waits). A reader that races with a
 * write sees a miss. Keys are addresses, with bit 63 set when the rule is
 * for the address itself (a leaf's exact PC) rather than for the call
 * before it (a return address). em_unwind_cache_flush() (after dlclose)
 * makes every rule stale at once by bumping the generation: addresses of
 * an unloaded object may be reused by the next.
 *
 * Memory: 384 KiB of zeroed .bss, touched as it fills; bounded.
 */
#ifndef EMBER_AGENT_UNWIND_CACHE_H
#define EMBER_AGENT_UNWIND_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#define EM_UNWIND_KEY_EXACT (1ULL << 63)

/* The key of the rule a frame needs: its PC, exact or a return address. */
static inline uint64_t em_unwind_key(uint64_t pc, bool exact)
{
	return exact ? pc | EM_UNWIND_KEY_EXACT : pc;
}

/* The current generation (read once per walk, passed to find). */
uint32_t em_unwind_cache_gen(void);

/* The packed rule (lib/cfi.h) for key, or 0. Async-signal-safe. */
uint64_t em_unwind_cache_find(uint64_t key, uint32_t gen);

/* Publish a rule (nonzero) learned in generation gen; one writer at a time.
 * A rule learned before a flush is dropped. */
void em_unwind_cache_put(uint64_t key, uint64_t rule, uint32_t gen);

/* Every rule is stale from now on. Any thread; async-signal-safe. */
void em_unwind_cache_flush(void);

#endif
