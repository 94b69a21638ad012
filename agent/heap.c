// SPDX-License-Identifier: MIT
/*
 * heap.c - the slow paths of allocation sampling (see heap.h for the maths)
 * and the live set of sampled allocations.
 *
 * The live set answers one question on every free: was this pointer
 * sampled? A 2^18-bit filter (32 KiB) gives "no" at once for almost every
 * pointer. Its 64-bit words belong to 4096 stripes, each a small array of
 * the live sampled addresses that fall there (heap.h), under a spinlock; after every
 * removal the stripe recomputes its word from what is left, so the filter
 * never keeps stale bits however long the program runs. Only sampled
 * allocations (thousands per second at most) and filter hits take a lock.
 *
 * The writer thread owns the profile side: records in the ring say "sampled
 * allocation (address, size, stack)" and "sampled address freed", in the
 * order they happened.
 */
#include "heap.h"
#include "backlog.h"
#include "real.h"
#include "sampling.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NSTRIPES (1u << EM_HEAP_STRIPES_LOG)
#define INLINE_SLOTS 3

struct stripe {
	atomic_flag lock;
	uint32_t n, cap;
	uintptr_t *more;		/* beyond INLINE_SLOTS; from the real malloc */
	uintptr_t slot[INLINE_SLOTS];
};

/* -1: a thread's first allocation, even malloc(0), takes the slow path,
 * which draws its countdown. */
__thread int64_t em_heap_left EM_TLS = -1;
_Alignas(64) atomic_ulong em_heap_filter[NSTRIPES];

static _Alignas(64) struct stripe stripes[NSTRIPES];
static __thread int seeded EM_TLS;
static atomic_int enabled;	/* 1 sampling, -1 off (for good), 0 not yet decided */
static double rate;

static void lock(struct stripe *s)
{
	while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire))
		__builtin_ia32_pause();
}

static void unlock(struct stripe *s)
{
	atomic_flag_clear_explicit(&s->lock, memory_order_release);
}

static uintptr_t *at(struct stripe *s, uint32_t i)
{
	return i < INLINE_SLOTS ? &s->slot[i] : &s->more[i - INLINE_SLOTS];
}

/* Called with em_tls_busy set, so the real malloc below is not sampled. */
static bool live_add(void *p)
{
	struct stripe *s = &stripes[em_heap_word_of(p)];

	lock(s);
	if (s->n >= INLINE_SLOTS + s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 8;
		uintptr_t *more = EM_REAL(realloc)(s->more, cap * sizeof(*more));

		if (!more) {
			unlock(s);
			return false;
		}
		s->more = more;
		s->cap = cap;
	}
	*at(s, s->n++) = (uintptr_t)p;
	atomic_fetch_or_explicit(&em_heap_filter[s - stripes], em_heap_bit_of(p), memory_order_relaxed);
	unlock(s);
	return true;
}

/* The pinned range (em_heap_pin): its words keep every bit. */
static atomic_uintptr_t pin_lo, pin_hi;

static uint64_t pinned_bits(unsigned word)
{
	uintptr_t lo = atomic_load_explicit(&pin_lo, memory_order_relaxed);
	uintptr_t hi = atomic_load_explicit(&pin_hi, memory_order_relaxed);
	unsigned first = em_heap_word_of((void *)lo), span;

	if (lo == hi)
		return 0;
	span = (unsigned)(((hi - 1) >> 10) - (lo >> 10));
	return ((word - first) & (NSTRIPES - 1)) <= span ? ~0ULL : 0;
}

void em_heap_pin(const void *lo, size_t len)
{
	uintptr_t a = (uintptr_t)lo;

	atomic_store(&pin_lo, a);
	atomic_store(&pin_hi, a + len);
	for (uintptr_t x = a & ~(uintptr_t)1023; x < a + len; x += 1024)
		atomic_store(&em_heap_filter[em_heap_word_of((void *)x)], ~0ULL);
}

static bool live_remove(void *p)
{
	struct stripe *s = &stripes[em_heap_word_of(p)];
	uint64_t word = 0;
	bool found = false;

	lock(s);
	for (uint32_t i = 0; i < s->n; i++) {
		if (*at(s, i) == (uintptr_t)p) {
			*at(s, i) = *at(s, s->n - 1);
			s->n--;
			found = true;
			break;
		}
	}
	if (found) {
		word = pinned_bits((unsigned)(s - stripes));
		for (uint32_t i = 0; i < s->n; i++)
			word |= em_heap_bit_of((void *)*at(s, i));
		atomic_store_explicit(&em_heap_filter[s - stripes], word, memory_order_relaxed);
	}
	unlock(s);
	return found;
}

void em_heap_forget(void *p)
{
	int saved_errno = errno;
	struct em_rec *rec;

	/* A free from a signal handler that interrupted our own slow path on
	 * this thread must not spin on a stripe this thread holds. */
	if (em_tls_busy)
		goto out;
	em_tls_busy++;
	if (live_remove(p)) {
		rec = em_backlog_claim_hook();
		if (rec) {
			rec->kind = EM_REC_HEAP_FREE;
			rec->flags = 0;
			rec->nframes = 0;
			rec->tid = 0;
			rec->addr = (uint64_t)(uintptr_t)p;
			em_backlog_hook_publish(rec);
		} else {
			/* The writer will keep counting it as in use: say so. */
			atomic_fetch_add_explicit(&em_stats.heap_lost_frees, 1,
						  memory_order_relaxed);
		}
	}
	em_tls_busy--;
out:
	errno = saved_errno;
}

/* The distance to the next sampled byte. At rate 1 every allocation is
 * recorded, malloc(0) and malloc(1) included: the countdown stays below
 * zero (an exponential draw, at least 1, would let small ones slip by). */
static int64_t next_mark(void)
{
	return rate <= 1 ? -1 : em_rand_exp(rate);
}

void em_heap_sample(void *p, size_t size, const char *fn, const ucontext_t *ctx)
{
	int saved_errno = errno;
	struct em_rec *rec;
	int on = atomic_load_explicit(&enabled, memory_order_relaxed);

	if (on <= 0) {
		/* Off for good: never come back here. Not decided yet (before the
		 * agent's constructor): stay on the slow path, it is rare. */
		if (on < 0)
			em_heap_left = INT64_MAX / 2;
		goto out;
	}
	if (!seeded) {
		/* A thread's first allocation: start its countdown properly
		 * (drawn, not zero), then decide about this allocation with it. */
		seeded = 1;
		em_heap_left = next_mark() - (int64_t)size;
		if (em_heap_left >= 0)
			goto out;
	}
	/* The next mark is a fresh exponential distance away (memoryless). */
	em_heap_left = next_mark();
	/* No getpid() check here (a system call per sample): a forked child
	 * has its own state by then (atfork), and a vfork child may not call
	 * malloc at all. */
	if (em_tls_busy || !p)
		goto out;
	em_tls_busy++;
	rec = em_backlog_hook_sample(EM_REC_HEAP_ALLOC, fn, ctx);
	if (rec) {
		rec->addr = (uint64_t)(uintptr_t)p;
		rec->v[0] = (int64_t)size;
		if (!live_add(p))
			rec->flags |= EM_REC_NOT_TRACKED;
		em_backlog_hook_publish(rec);
		atomic_fetch_add_explicit(&em_stats.heap_samples, 1, memory_order_relaxed);
	}
	em_tls_busy--;
out:
	errno = saved_errno;
}

void em_heap_init(void)
{
	rate = (double)em_cfg.heap_rate;
	atomic_store(&enabled, (em_cfg.events & EM_EVENT_HEAP) ? 1 : -1);
}

void em_heap_stop(void)
{
	atomic_store(&enabled, -1);
	/* Threads whose countdown already passed zero take the slow path
	 * once more and see "off"; nothing is recorded after this. */
}

void em_heap_after_fork_child(void)
{
	/* Other threads' locks and arrays may have been mid-change at fork;
	 * the parent's sampled allocations are not the child's to report. */
	for (unsigned i = 0; i < NSTRIPES; i++) {
		atomic_flag_clear(&stripes[i].lock);
		stripes[i].n = 0;
		/* The child has the parent's arena blocks: they stay pinned. */
		atomic_store(&em_heap_filter[i], pinned_bits(i));
	}
}
