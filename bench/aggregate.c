// SPDX-License-Identifier: MIT
/*
 * bench/aggregate - how fast lib's pprof builder aggregates and writes:
 * N samples (default 1,000,000) over U unique stacks (default 50,000) of
 * depth D (default 30), two values each and a thread label, then gzip-encode
 * and write the file atomically, as the agent's writer does every interval.
 *
 *   aggregate [-n N] [-u U] [-d D] [-l LOCATIONS] [-o FILE]
 *
 * Stacks share their outer frames (a call tree: main, a few dispatchers,
 * then many leaves) and draw the rest from L distinct locations (default
 * U / 2, one function each), the shape real profiles have. Samples pick
 * stacks with a skewed distribution (a few hot stacks, a long tail), from a
 * fixed seed. A sample's stack is computed from its number, not read from
 * a table, so like the agent's (fresh from the unwinder) it is in cache.
 * Each phase prints this process's CPU time and the wall time.
 */
#include "profile.h"
#include "stamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void report(const char *what, struct stamp t0, const char *extra)
{
	struct stamp t = stamp_now();

	printf("  %-28s cpu %8.1f ms   wall %8.1f ms   %s\n", what, (t.cpu - t0.cpu) * 1e3,
	       (t.wall - t0.wall) * 1e3, extra);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void usage(void)
{
	fprintf(stderr, "usage: aggregate [-n SAMPLES] [-u UNIQUE] [-d DEPTH] [-l LOCATIONS] [-o FILE]\n");
	exit(2);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Stack s, leaf first, as location ids (ids are 1..nloc in creation order):
 * the outermost 4 frames from a small tree (main and 3 levels of 8-way
 * dispatch), the rest spread over the other locations. */
static void stack_of(size_t s, size_t d, size_t nloc, uint64_t *out)
{
	out[d - 1] = 1;
	out[d - 2] = 2 + s % 8;
	out[d - 3] = 10 + s % 64;
	out[d - 4] = 74 + s % 512;
	for (size_t k = 0; k + 4 < d; k++)
		out[k] = 586 + mix64(s * 1024 + k) % (nloc - 585);
}

int main(int argc, char **argv)
{
	size_t n = 1000000, u = 50000, d = 30, nloc = 0;
	const char *out = "build/bench/aggregate.pb.gz";
	struct em_profile *p;
	struct em_label lab[2];
	uint64_t stack[1000];
	struct stamp t0, all;
	char extra[128];
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-n"))
			n = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-u"))
			u = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-d"))
			d = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-l"))
			nloc = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-o"))
			out = argv[++i];
		else
			usage();
	}
	if (!nloc)
		nloc = u / 2;
	if (!n || !u || d < 4 || d > 1000 || nloc < 1000)
		usage();
	p = em_profile__new();
	if (!p) {
		fprintf(stderr, "aggregate: out of memory\n");
		return 1;
	}

	all = t0 = stamp_now();
	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	em_profile__set_period_type(p, "cpu", "nanoseconds", 10101010);
	for (size_t i = 0; i < nloc; i++) {
		char name[64];
		struct em_line ln = { 0 };

		snprintf(name, sizeof(name), "function_%zu", i);
		ln.function_id = em_profile__add_function(p, name, name, "src/bench.c", (int64_t)i);
		ln.line = (int64_t)i + 3;
		if (!ln.function_id ||
		    em_profile__add_location(p, 0, 0x400000 + i * 16, &ln, 1, false) != i + 1) {
			fprintf(stderr, "aggregate: out of memory\n");
			return 1;
		}
	}
	snprintf(extra, sizeof(extra), "%zu functions and locations", nloc);
	report("functions, locations", t0, extra);

	lab[0] = em_profile__label_str(p, "thread", "worker");
	lab[1] = em_profile__label_num(p, "tid", 4242, NULL);

	t0 = stamp_now();
	for (size_t i = 0; i < n; i++) {
		/* Skewed: half the samples on 1% of the stacks. */
		uint64_t r = next_rand();
		size_t s = (r & 1) ? (r >> 1) % (u / 100 + 1) : (r >> 1) % u;
		int64_t v[2] = { 1, 10101010 };

		stack_of(s, d, nloc, stack);
		if (em_profile__add_sample(p, stack, d, v, lab, 2) != 0) {
			fprintf(stderr, "aggregate: em_profile__add_sample failed\n");
			return 1;
		}
	}
	snprintf(extra, sizeof(extra), "%zu samples -> %zu unique (depth %zu)", n, p->nsamples, d);
	report("add samples", t0, extra);

	t0 = stamp_now();
	if (em_profile__write(p, out) != 0) {
		fprintf(stderr, "aggregate: cannot write %s\n", out);
		return 1;
	}
	snprintf(extra, sizeof(extra), "%s, %lld bytes", out,
		 stat(out, &st) == 0 ? (long long)st.st_size : -1LL);
	report("encode, gzip, write", t0, extra);
	report("total", all, "");
	em_profile__free(p);
	return 0;
}
