/* SPDX-License-Identifier: MIT */
/*
 * ring.h - the bounded, lock-free queue that carries samples from signal
 * handlers and allocation/syscall hooks (many producers, any thread) to the
 * agent's writer thread (one consumer).
 *
 * Fixed-size slots in one anonymous mapping made at start (pages are touched
 * as they are used); Vyukov's bounded MPMC algorithm: each slot carries a
 * sequence number, producers claim a position with a CAS, write the record in
 * place and publish it by storing the sequence. No locks and no allocation on
 * the producer side, so em_ring__claim()/em_ring__publish() are
 * async-signal-safe and may nest (a signal landing between a hook's claim and
 * publish simply claims the next slot).
 */
#ifndef EMBER_AGENT_RING_H
#define EMBER_AGENT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum em_rec_kind {
	EM_REC_CPU = 1,		/* v[0] = samples (1 + timer overruns) */
	EM_REC_HEAP_ALLOC,	/* v[0] = size; addr = pointer */
	EM_REC_HEAP_FREE,	/* addr = pointer of a sampled allocation */
	EM_REC_SYSCALL,		/* v[0] = ns; aux = index in the syscall name table */
	EM_REC_THREAD_NAME,	/* name = the thread's name, at its exit */
};

#define EM_REC_TRUNCATED	(1u << 0)	/* the unwinder stopped before the root */
#define EM_REC_DEPTH_LIMIT	(1u << 1)	/* stopped at max_depth */
#define EM_REC_LOADER_SKIPPED	(1u << 2)	/* not unwound: dlclose or fork in progress */
#define EM_REC_HOOK		(1u << 3)	/* from a wrapper: fn is the function the program
						 * called (the leaf), every frame is a return
						 * address, the agent's own frames come first */
#define EM_REC_NOT_TRACKED	(1u << 4)	/* a sampled allocation the live set could not hold */
#define EM_REC_SLOW_UNWIND	(1u << 5)	/* walked by libunwind: the writer learns its
						 * addresses' rules (unwind_cache.h) */
#define EM_REC_LOW_STACK	(1u << 6)	/* not unwound: too little of the thread's
						 * stack left for libunwind */
#define EM_REC_UNSAMPLED_TAIL	(1u << 7)	/* CPU expiries owed at the end of a thread's
						 * sampling: no stack (frames[0], if any, is
						 * its start routine) */
#define EM_REC_IN_AGENT		(1u << 8)	/* not unwound: the signal came while the
						 * agent's own code ran on the thread */

struct em_rec {
	uint16_t kind;
	uint16_t flags;
	uint32_t nframes;	/* frames[0] is the leaf (exact PC), the rest return addresses */
	int32_t tid;
	uint32_t pad;
	int64_t v[2];
	uint64_t addr;
	uint64_t aux;
	char name[16];		/* thread name (EM_REC_THREAD_NAME) */
	const char *fn;		/* EM_REC_HOOK: the hooked function's name, a literal in
				 * libember.so (mapped for the life of the process) */
	uint64_t frames[];	/* max_frames entries */
};

struct em_ring;

/*
 * em_ring__new() - a ring of nslots records (rounded up to a power of two)
 * with room for max_frames frames each. Not async-signal-safe (mmap once).
 * Returns NULL with errno set.
 */
struct em_ring *em_ring__new(size_t nslots, unsigned max_frames);
/* Unmaps the ring. Only when no producer can run any more. NULL-safe. */
void em_ring__free(struct em_ring *r);

/* Capacity of one record, in frames. */
unsigned em_ring__max_frames(const struct em_ring *r);

/*
 * em_ring__claim() - reserve the next free slot and return its record for the
 * caller to fill, or NULL when the ring is full (the caller counts a drop).
 * Async-signal-safe, lock-free. Must be followed by em_ring__publish().
 */
struct em_rec *em_ring__claim(struct em_ring *r);
/* Make a claimed record visible to the consumer. Async-signal-safe. */
void em_ring__publish(struct em_ring *r, struct em_rec *rec);

/*
 * em_ring__peek() - the oldest published record, or NULL if none (or if the
 * oldest claimed record is still being written). Consumer only (one thread).
 * em_ring__release() frees it for producers.
 */
struct em_rec *em_ring__peek(struct em_ring *r);
void em_ring__release(struct em_ring *r);

/* Records claimed and not yet released (approximate under concurrency). */
size_t em_ring__used(const struct em_ring *r);
size_t em_ring__capacity(const struct em_ring *r);

#endif
