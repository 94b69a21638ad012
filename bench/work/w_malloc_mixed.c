// SPDX-License-Identifier: MIT
/*
 * w_malloc_mixed - a malloc-heavy program of the realistic kind (the W2b/W2c
 * workload of ../shared/reference/performance-baselines.md): THREADS threads
 * each make OPS allocations of 16 B to 64 KiB (log-uniform) from 1000
 * distinct call stacks; 30% of the blocks join a long-lived set (256 per
 * thread, each replacing an older one), the rest are freed within 64
 * allocations. Every block gets its first cache line written, as a program
 * writes what it allocates. w_malloc is the other extreme: one call site,
 * nothing but malloc and free.
 *
 *   w_malloc_mixed [OPS] [THREADS]        (defaults 5000000, 2)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHORT 64
#define LONG 256

struct state {
	uint64_t x;
	void *shortlived[SHORT];
	void *longlived[LONG];
	uint64_t sum;
};

static long ops = 5000000;

static uint64_t next(struct state *s)
{
	s->x ^= s->x << 13;
	s->x ^= s->x >> 7;
	s->x ^= s->x << 17;
	return s->x;
}

/* One allocation and its bookkeeping, at the bottom of a 3-level call tree. */
static __attribute__((noinline)) void leaf(struct state *s, long i)
{
	uint64_t r = next(s);
	size_t n = (size_t)16 << (r % 12);		/* 16 B .. 32 KiB */
	unsigned char *p;
	void **slot;

	n += (size_t)((r >> 8) % n);			/* .. 64 KiB, log-uniform-ish */
	p = malloc(n);
	if (!p)
		abort();
	memset(p, (int)i, n < 64 ? n : 64);
	s->sum += p[n / 2];
	if ((r >> 32) % 10 < 3)
		slot = &s->longlived[(r >> 40) % LONG];
	else
		slot = &s->shortlived[(size_t)i % SHORT];
	free(*slot);
	*slot = p;
}

/* 10 x 10 x 10 distinct paths to leaf(): 1000 call stacks. */
#define LEVEL(name, callee)                                                        \
	static __attribute__((noinline)) void name##0(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##1(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##2(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##3(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##4(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##5(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##6(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##7(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##8(struct state *s, long i) { callee; } \
	static __attribute__((noinline)) void name##9(struct state *s, long i) { callee; }

typedef void (*fn_t)(struct state *, long);

LEVEL(c, leaf(s, i); __asm__ volatile(""))
static const fn_t cs[10] = { c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 };
LEVEL(b, cs[(i / 10) % 10](s, i); __asm__ volatile(""))
static const fn_t bs[10] = { b0, b1, b2, b3, b4, b5, b6, b7, b8, b9 };
LEVEL(a, bs[(i / 100) % 10](s, i); __asm__ volatile(""))
static const fn_t as_[10] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9 };

static void *worker(void *arg)
{
	struct state *s = calloc(1, sizeof(*s));
	uint64_t sum;

	if (!s)
		abort();
	s->x = 0x9e3779b97f4a7c15ULL * ((uintptr_t)arg + 1);
	for (long i = 0; i < ops; i++)
		as_[i % 10](s, i * 7919);
	for (int i = 0; i < SHORT; i++)
		free(s->shortlived[i]);
	for (int i = 0; i < LONG; i++)
		free(s->longlived[i]);
	sum = s->sum;
	free(s);
	return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
	long threads = argc > 2 ? atol(argv[2]) : 2;
	pthread_t t[64];
	uint64_t sum = 0;

	ops = argc > 1 ? atol(argv[1]) : 5000000;
	if (ops < 1 || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: w_malloc_mixed [OPS] [THREADS<=64]\n");
		return 2;
	}
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) != 0)
			return 1;
	for (long i = 0; i < threads; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (uint64_t)(uintptr_t)r;
	}
	printf("allocations %ld check %llu\n", ops * threads, (unsigned long long)(sum & 0xff));
	return 0;
}
