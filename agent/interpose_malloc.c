// SPDX-License-Identifier: MIT
/*
 * interpose_malloc.c - the malloc family, and nothing else: each wrapper calls
 * the next allocator in line (glibc's, or jemalloc/tcmalloc if the program
 * loaded one after us) and tells the sampler about the result (heap.h).
 *
 * Bootstrap: dlsym() itself may allocate before the real functions are
 * known. Those requests are served from a small static arena; free() and
 * realloc() recognise its pointers (heaptrack's approach).
 */
#include "heap.h"
#include "real.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define ARENA_SIZE (64 * 1024)

static _Alignas(16) unsigned char arena[ARENA_SIZE];
static atomic_size_t arena_used;

static void *boot_malloc(size_t n);
static void boot_free(void *p);

/*
 * What malloc and free jump to on their common path. They start at the
 * bootstrap functions below, never NULL, so the hot paths test nothing but
 * the sampler's state; ready_publish() points them at the real allocator once
 * dlsym has found it. A cache line of their own: read on every call,
 * written once.
 */
static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	char pad[64 - 2 * sizeof(void *)];
} _Alignas(64) next = { boot_malloc, boot_free, { 0 } };

static bool in_arena(const void *p)
{
	return (uintptr_t)p - (uintptr_t)arena < ARENA_SIZE;
}

/* 16-byte header holding the size, so realloc can copy out of the arena. */
static void *arena_alloc(size_t n, bool zero)
{
	size_t need = ((n + 15) & ~(size_t)15) + 16;
	size_t off = atomic_fetch_add(&arena_used, need);
	unsigned char *p;

	(void)zero;	/* static storage is zeroed and never reused */
	if (off + need > ARENA_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	/* From now on every free of an arena address takes the slow path
	 * (free_flagged). Before this pointer is handed out, by every caller
	 * (idempotent, and the arena is rarely used at all). */
	em_heap_pin(arena, sizeof(arena));
	p = arena + off;
	memcpy(p, &n, sizeof(n));
	return p + 16;
}

static size_t arena_size(const void *p)
{
	size_t n;

	memcpy(&n, (const unsigned char *)p - 16, sizeof(n));
	return n;
}

/* The real allocator, or NULL while dlsym is still finding it (then the
 * caller uses the arena). */
static bool ready(void)
{
	static __thread int resolving EM_TLS;

	if (__builtin_expect(em_real.malloc != NULL, 1))
		return true;
	if (resolving)
		return false;
	resolving = 1;
	em_real_init();
	resolving = 0;
	return em_real.malloc != NULL;
}

/* Once the real allocator is known, malloc and free go straight to it.
 * Racing threads store the same values. */
static bool ready_publish(void)
{
	if (!ready() || !em_real.free)
		return false;
	__atomic_store_n(&next.free, em_real.free, __ATOMIC_RELEASE);
	__atomic_store_n(&next.malloc, em_real.malloc, __ATOMIC_RELEASE);
	return true;
}

/* Until then: find the real allocator, or serve dlsym's own requests from
 * the arena. */
static void *boot_malloc(size_t n)
{
	return ready_publish() ? em_real.malloc(n) : arena_alloc(n, false);
}

static void boot_free(void *p)
{
	if (ready_publish() && p && !in_arena(p))
		em_real.free(p);
}

/*
 * malloc and free are the hottest functions in many programs, so their
 * common path is a test and a tail call into the real allocator, with no
 * stack frame of their own: malloc subtracts the size from the sampler's
 * countdown (an allocation that then fails only moves the next sample
 * point); free tests the pointer's bit in the live set's filter (heap.h).
 * Everything rare lives in out-of-line functions.
 */
static __attribute__((noinline)) void *malloc_slow(size_t n)
{
	ucontext_t ctx;
	void *p;

	if (!ready())
		return arena_alloc(n, false);
	p = em_real.malloc(n);
	/* The countdown was already taken; em_heap_sample draws the next.
	 * malloc jumped here, so this frame's caller is the program's. */
	em_unwind_getcontext(&ctx);
	em_heap_sample(p, n, "malloc", &ctx);
	return p;
}

EM_EXPORT void *malloc(size_t n)
{
	if (__builtin_expect((em_heap_left -= (int64_t)n) >= 0, 1))
		return next.malloc(n);
	return malloc_slow(n);
}

/*
 * free's bit in the live set's filter is set: p may be a sampled allocation
 * still live (else a false positive, which em_heap_forget sorts out), or a
 * block from the arena, which is not the real allocator's to free.
 */
static __attribute__((noinline)) void free_flagged(void *p)
{
	if (in_arena(p))
		return;
	if (p)
		em_heap_forget(p);
	next.free(p);
}

EM_EXPORT void free(void *p)
{
	if (__builtin_expect(!em_heap_maybe_live(p), 1)) {
		next.free(p);
		return;
	}
	free_flagged(p);
}

EM_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!ready())
		return arena_alloc(total, true);
	p = em_real.calloc(n, size);
	if (p)
		em_heap_alloc(p, total, "calloc");
	return p;
}

static void *realloc_as(void *old, size_t n, const char *fn)
{
	void *p;

	if (old && in_arena(old)) {
		size_t keep = arena_size(old);

		p = malloc(n);
		if (p)
			memcpy(p, old, keep < n ? keep : n);
		return p;
	}
	if (!ready())
		return arena_alloc(n, false);
	/* Forget the old block first: once the real realloc has freed it,
	 * another thread may be handed the same address. */
	em_heap_free(old);
	p = em_real.realloc(old, n);
	if (p && n)
		em_heap_alloc(p, n, fn);
	return p;
}

EM_EXPORT void *realloc(void *old, size_t n)
{
	return realloc_as(old, n, "realloc");
}

EM_EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_as(old, total, "reallocarray");
}

EM_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	int rc;

	if (!ready())
		return ENOMEM;
	rc = em_real.posix_memalign(out, align, n);
	if (rc == 0 && *out)
		em_heap_alloc(*out, n, "posix_memalign");
	return rc;
}

EM_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	void *p;

	if (!ready())
		return NULL;
	p = em_real.aligned_alloc(align, n);
	if (p)
		em_heap_alloc(p, n, "aligned_alloc");
	return p;
}

EM_EXPORT void *memalign(size_t align, size_t n)
{
	void *p;

	if (!ready())
		return NULL;
	p = em_real.memalign(align, n);
	if (p)
		em_heap_alloc(p, n, "memalign");
	return p;
}

EM_EXPORT void *valloc(size_t n)
{
	void *p;

	if (!ready())
		return NULL;
	p = em_real.valloc(n);
	if (p)
		em_heap_alloc(p, n, "valloc");
	return p;
}

EM_EXPORT void *pvalloc(size_t n)
{
	void *p;

	if (!ready())
		return NULL;
	p = em_real.pvalloc(n);
	if (p)
		em_heap_alloc(p, n, "pvalloc");
	return p;
}

EM_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (in_arena(p))
		return arena_size(p);
	return ready() ? em_real.malloc_usable_size(p) : 0;
}
