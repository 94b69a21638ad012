// SPDX-License-Identifier: MIT
/*
 * gen_stacks - the flame graph benchmark input, as folded text and as pprof
 * with the same stacks and counts.
 *
 *   gen_stacks NSTACKS OUT_PREFIX     writes OUT_PREFIX.folded and .pb.gz
 *
 * NSTACKS unique stacks of depth 8 to 64 shaped like a call tree (four
 * callees per frame near the root, so prefixes are shared the way real
 * profiles share them), frames named from a pool of 4096 functions, 1 to 19
 * samples per stack (about 10 on average: 100,000 stacks give ~1,000,000
 * samples and ~25 MB of folded text). Deterministic: the same arguments
 * always give the same files. The pprof file has samples/count and
 * cpu/nanoseconds (10ms per sample), like ember's CPU profiles.
 */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 4096

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void die(const char *what)
{
	fprintf(stderr, "gen_stacks: %s failed\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? atol(argv[1]) : 0;
	unsigned int bits = 0;
	struct em_profile *p;
	uint64_t locs[POOL], stack[64];
	char path[4096];
	FILE *f;

	if (n <= 0) {
		fprintf(stderr, "usage: gen_stacks NSTACKS OUT_PREFIX\n");
		return 2;
	}
	while ((1L << bits) < n)
		bits++;
	p = em_profile__new();
	if (!p)
		die("profile");
	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	em_profile__set_period_type(p, "cpu", "nanoseconds", 10000000);
	for (int i = 0; i < POOL; i++) {
		char name[16];
		struct em_line ln = { 0, 1, 0 };

		snprintf(name, sizeof(name), "fn%04x", i);
		ln.function_id = em_profile__add_function(p, name, NULL, "bench.c", i);
		locs[i] = em_profile__add_location(p, 0, 0x1000 + (uint64_t)i * 16, &ln, 1, false);
		if (!locs[i])
			die("location");
	}
	snprintf(path, sizeof(path), "%s.folded", argv[2]);
	f = fopen(path, "w");
	if (!f)
		die("fopen");
	for (long k = 0; k < n; k++) {
		int depth = 8 + (int)(mix((uint64_t)k * 3 + 1) % 57);
		int64_t count = 1 + (int64_t)(mix((uint64_t)k * 3 + 2) % 19);
		int64_t v[2] = { count, count * 10000000 };

		for (int d = 0; d < depth; d++) {
			/* Frame d depends on the first 2*d bits of k: a tree with
			 * fan-out four until every stack is on its own branch. The
			 * leaf depends on all of k, so short stacks differ too. */
			unsigned int shift = bits > 2u * (unsigned)d ? bits - 2u * (unsigned)d : 0;

			if (d == depth - 1)
				shift = 0;
			uint64_t fn = mix(((uint64_t)d << 40) ^ ((uint64_t)k >> shift)) % POOL;

			fprintf(f, "%sfn%04x", d ? ";" : "", (unsigned int)fn);
			stack[depth - 1 - d] = locs[fn];	/* pprof: leaf first */
		}
		fprintf(f, " %lld\n", (long long)count);
		if (em_profile__add_sample(p, stack, (size_t)depth, v, NULL, 0))
			die("sample");
	}
	if (fclose(f))
		die("write folded");
	snprintf(path, sizeof(path), "%s.pb.gz", argv[2]);
	if (em_profile__write(p, path))
		die("write pprof");
	em_profile__free(p);
	return 0;
}
