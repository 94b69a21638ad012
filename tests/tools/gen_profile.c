// SPDX-License-Identifier: MIT
/*
 * gen_profile - write profiles with known contents through lib's builder.
 *
 *   gen_profile known OUT.pb.gz     the known-answer CPU profile below
 *   gen_profile heap OUT.pb.gz      a 4-type heap profile (Go's layout)
 *   gen_profile shapes OUT.pb.gz    two types of opposite shapes: main;parse has
 *                                   alloc_space 3 MiB, inuse_space 1 MiB;
 *                                   main;cache the reverse (for type switching)
 *   gen_profile bench OUT.pb.gz [SAMPLES STACKS DEPTH]
 *                                   aggregation benchmark (prints timings)
 *
 * The known profile (cpu values in ns, period 10ms):
 *   main;work;leaf_a                      30 samples  300ms  thread=worker-1
 *   main;work;leaf_b (+ inlined helper)   10 samples  100ms  thread=worker-2
 *   main;leaf_a                            5 samples   50ms  thread=main
 * Flat: leaf_a 350ms, inlined_helper 100ms; cum: main 450ms, work 400ms.
 */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what)
{
	fprintf(stderr, "gen_profile: %s failed\n", what);
	exit(1);
}

static int known(const char *out)
{
	struct em_profile *p = em_profile__new();
	struct em_mapping m = { 0 };
	uint64_t mid, f_main, f_work, f_a, f_b, f_h, l_main, l_work, l_work2, l_a, l_b;
	struct em_line ln;

	if (!p)
		die("new");
	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	em_profile__set_period_type(p, "cpu", "nanoseconds", 10000000);
	p->time_nanos = 1700000000LL * 1000000000LL;
	p->duration_nanos = 1000000000LL;
	em_profile__add_comment(p, "written by gen_profile");
	m.start = 0x400000;
	m.limit = 0x500000;
	m.file = em_profile__str(p, "/usr/bin/demo");
	m.build_id = em_profile__str(p, "0123456789abcdef0123456789abcdef01234567");
	m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
	mid = em_profile__add_mapping(p, &m);
	f_main = em_profile__add_function(p, "main", NULL, "demo.c", 10);
	f_work = em_profile__add_function(p, "work", NULL, "demo.c", 20);
	f_a = em_profile__add_function(p, "leaf_a", NULL, "demo.c", 30);
	f_b = em_profile__add_function(p, "leaf_b", NULL, "demo.c", 40);
	f_h = em_profile__add_function(p, "inlined_helper", NULL, "helper.h", 5);
	if (!mid || !f_main || !f_work || !f_a || !f_b || !f_h)
		die("add");
	ln = (struct em_line){ f_main, 12, 0 };
	l_main = em_profile__add_location(p, mid, 0x401000, &ln, 1, false);
	ln = (struct em_line){ f_work, 22, 0 };
	l_work = em_profile__add_location(p, mid, 0x401100, &ln, 1, false);
	ln = (struct em_line){ f_work, 23, 0 };
	l_work2 = em_profile__add_location(p, mid, 0x401110, &ln, 1, false);
	ln = (struct em_line){ f_a, 31, 0 };
	l_a = em_profile__add_location(p, mid, 0x401200, &ln, 1, false);
	{
		struct em_line two[2] = { { f_h, 6, 0 }, { f_b, 41, 0 } };

		l_b = em_profile__add_location(p, mid, 0x401300, two, 2, false);
	}
	{
		uint64_t s1[] = { l_a, l_work, l_main }, s2[] = { l_b, l_work2, l_main },
			 s3[] = { l_a, l_main };
		int64_t v[2] = { 1, 10000000 };
		struct em_label w1 = em_profile__label_str(p, "thread", "worker-1");
		struct em_label w2 = em_profile__label_str(p, "thread", "worker-2");
		struct em_label mn = em_profile__label_str(p, "thread", "main");

		/* Added one by one, so aggregation is part of what is tested. */
		for (int i = 0; i < 30; i++)
			if (em_profile__add_sample(p, s1, 3, v, &w1, 1))
				die("sample");
		for (int i = 0; i < 10; i++)
			if (em_profile__add_sample(p, s2, 3, v, &w2, 1))
				die("sample");
		for (int i = 0; i < 5; i++)
			if (em_profile__add_sample(p, s3, 2, v, &mn, 1))
				die("sample");
	}
	if (em_profile__write(p, out))
		die("write");
	em_profile__free(p);
	return 0;
}

static int heap(const char *out)
{
	struct em_profile *p = em_profile__new();
	uint64_t f1, f2, l1, l2;
	struct em_line ln;

	em_profile__add_sample_type(p, "alloc_objects", "count");
	em_profile__add_sample_type(p, "alloc_space", "bytes");
	em_profile__add_sample_type(p, "inuse_objects", "count");
	em_profile__add_sample_type(p, "inuse_space", "bytes");
	em_profile__set_period_type(p, "space", "bytes", 524288);
	f1 = em_profile__add_function(p, "alloc_big", NULL, "h.c", 1);
	f2 = em_profile__add_function(p, "main", NULL, "h.c", 9);
	ln = (struct em_line){ f1, 2, 0 };
	l1 = em_profile__add_location(p, 0, 0, &ln, 1, false);
	ln = (struct em_line){ f2, 10, 0 };
	l2 = em_profile__add_location(p, 0, 0, &ln, 1, false);
	{
		uint64_t s[] = { l1, l2 };
		int64_t v[4] = { 4, 4 << 20, 1, 1 << 20 };

		if (em_profile__add_sample(p, s, 2, v, NULL, 0))
			die("sample");
	}
	if (em_profile__write(p, out))
		die("write");
	em_profile__free(p);
	return 0;
}

static int shapes(const char *out)
{
	struct em_profile *p = em_profile__new();
	uint64_t f_main, f_parse, f_cache, l_main, l_parse, l_cache;
	struct em_line ln = { 0, 1, 0 };

	if (!p)
		die("new");
	em_profile__add_sample_type(p, "alloc_space", "bytes");
	em_profile__add_sample_type(p, "inuse_space", "bytes");
	f_main = em_profile__add_function(p, "main", NULL, "s.c", 1);
	f_parse = em_profile__add_function(p, "parse", NULL, "s.c", 2);
	f_cache = em_profile__add_function(p, "cache", NULL, "s.c", 3);
	ln.function_id = f_main;
	l_main = em_profile__add_location(p, 0, 0x10, &ln, 1, false);
	ln.function_id = f_parse;
	l_parse = em_profile__add_location(p, 0, 0x20, &ln, 1, false);
	ln.function_id = f_cache;
	l_cache = em_profile__add_location(p, 0, 0x30, &ln, 1, false);
	{
		uint64_t s1[] = { l_parse, l_main }, s2[] = { l_cache, l_main };
		int64_t v1[] = { 3 << 20, 1 << 20 }, v2[] = { 1 << 20, 3 << 20 };

		if (em_profile__add_sample(p, s1, 2, v1, NULL, 0) ||
		    em_profile__add_sample(p, s2, 2, v2, NULL, 0))
			die("sample");
	}
	if (em_profile__write(p, out))
		die("write");
	em_profile__free(p);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1,000,000 samples over 50,000 unique stacks of depth 30 (defaults). */
static int bench(const char *out, long nsamples, long nstacks, long depth)
{
	struct em_profile *p = em_profile__new();
	uint64_t *locs = malloc((size_t)depth * sizeof(*locs)), nfuncs = 2000;
	uint64_t *ids = malloc(nfuncs * sizeof(*ids));
	double t0, t1, t2;
	uint64_t seed = 42;

	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	for (uint64_t i = 0; i < nfuncs; i++) {
		char name[32];
		struct em_line ln;

		snprintf(name, sizeof(name), "func_%04llu", (unsigned long long)i);
		ln.function_id = em_profile__add_function(p, name, NULL, "bench.c", (int64_t)i);
		ln.line = (int64_t)i;
		ln.column = 0;
		ids[i] = em_profile__add_location(p, 0, 0x1000 + i * 16, &ln, 1, false);
	}
	t0 = now();
	for (long s = 0; s < nsamples; s++) {
		/* Stack k (of nstacks) is a deterministic function of k. */
		uint64_t k = (uint64_t)(s * 7919) % (uint64_t)nstacks, x = k * 2654435761ULL + 1;
		int64_t v[2] = { 1, 10101010 };

		for (long d = 0; d < depth; d++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			locs[d] = ids[(x >> 33) % nfuncs];
		}
		if (em_profile__add_sample(p, locs, (size_t)depth, v, NULL, 0))
			die("sample");
		seed ^= k;
	}
	t1 = now();
	if (em_profile__write(p, out))
		die("write");
	t2 = now();
	printf("samples=%ld unique=%zu depth=%ld add=%.3fs write=%.3fs total=%.3fs\n", nsamples,
	       p->nsamples, depth, t1 - t0, t2 - t1, t2 - t0);
	em_profile__free(p);
	free(locs);
	free(ids);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "known"))
		return known(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "heap"))
		return heap(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "shapes"))
		return shapes(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "bench"))
		return bench(argv[2], argc > 3 ? atol(argv[3]) : 1000000,
			     argc > 4 ? atol(argv[4]) : 50000, argc > 5 ? atol(argv[5]) : 30);
	fprintf(stderr, "usage: gen_profile known|heap|shapes|bench OUT [SAMPLES STACKS DEPTH]\n");
	return 2;
}
