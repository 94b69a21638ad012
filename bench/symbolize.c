// SPDX-License-Identifier: MIT
/*
 * bench/symbolize - how long the symbolizer takes for N addresses spread over
 * the code of libc and libstdc++, as the agent would call it: one
 * em_symbolizer__location() per address into a profile.
 *
 *   symbolize [-n N] [--seed S] [--symbols-only]
 *
 * cold: a new symbolizer (modules opened and loaded on first use, DWARF
 * units indexed as they are hit); warm: the same symbolizer again, into a
 * new profile; lookup: warm lookups without building a profile.
 */
#include "stamp.h"
#include "symbolize.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The executable mapping of the library whose file name starts with name. */
static const struct em_map *text_of(const struct em_maps *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *base = strrchr(m->v[i].path, '/');

		if ((m->v[i].prot & EM_MAP_X) && base && strncmp(base + 1, name, strlen(name)) == 0)
			return &m->v[i];
	}
	return NULL;
}

static void report(const char *what, struct stamp t0, size_t n, size_t resolved)
{
	struct stamp t = stamp_now();
	double cpu = t.cpu - t0.cpu;

	printf("  %-7s %8.1f ms cpu %8.1f ms wall  %6.2f us/address (cpu)  %zu resolved\n", what,
	       cpu * 1e3, (t.wall - t0.wall) * 1e3, cpu * 1e6 / (double)n, resolved);
}

/* One pass into a fresh profile; returns how many addresses got lines. */
static size_t pass(struct em_symbolizer *s, struct em_proc *p, const uint64_t *a, size_t n)
{
	struct em_profile *prof = em_profile__new();
	size_t resolved = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t id = em_symbolizer__location(s, p, prof, a[i]);

		if (!id) {
			fprintf(stderr, "symbolize: out of memory\n");
			exit(1);
		}
		resolved += prof->locations[id - 1].nlines > 0;
	}
	em_profile__free(prof);
	return resolved;
}

int main(int argc, char **argv)
{
	struct em_symbolizer_opts o = { 0 };
	const struct em_map *libc, *libstdcxx;
	struct em_symbolizer *s;
	struct em_symloc loc;
	struct em_proc *p;
	size_t n = 100000, resolved;
	uint64_t *addrs;
	struct stamp t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) | 1;
		else if (!strcmp(argv[i], "--symbols-only"))
			o.symbols_only = true;
		else {
			fprintf(stderr, "usage: symbolize [-n N] [--seed S] [--symbols-only]\n");
			return 2;
		}
	}
	/* libstdc++ is not linked in: load it, as a C++ program would have it. */
	if (!dlopen("libstdc++.so.6", RTLD_NOW)) {
		fprintf(stderr, "symbolize: cannot load libstdc++.so.6: %s\n", dlerror());
		return 1;
	}
	p = em_proc__new(0);
	libc = p ? text_of(em_proc__maps(p), "libc.so.6") : NULL;
	libstdcxx = p ? text_of(em_proc__maps(p), "libstdc++.so.6") : NULL;
	addrs = malloc(n * sizeof(*addrs));
	if (!libc || !libstdcxx || !addrs || !n) {
		fprintf(stderr, "symbolize: cannot find the code of libc and libstdc++\n");
		return 1;
	}
	/* Alternate between the two libraries, uniformly over each one's code. */
	for (size_t i = 0; i < n; i++) {
		const struct em_map *m = i % 2 ? libstdcxx : libc;

		addrs[i] = m->start + next_rand() % (m->end - m->start);
	}
	printf("symbolize: %zu addresses over libc.so.6 (%zu KiB of code) and libstdc++.so.6 "
	       "(%zu KiB), %s\n",
	       n, (size_t)(libc->end - libc->start) >> 10,
	       (size_t)(libstdcxx->end - libstdcxx->start) >> 10,
	       o.symbols_only ? "symbol tables only" : "symbol tables + DWARF where installed");
	s = em_symbolizer__new(&o);
	t = stamp_now();
	resolved = pass(s, p, addrs, n);
	report("cold", t, n, resolved);
	t = stamp_now();
	resolved = pass(s, p, addrs, n);
	report("warm", t, n, resolved);
	t = stamp_now();
	resolved = 0;
	for (size_t i = 0; i < n; i++)
		resolved += em_symbolizer__lookup(s, p, addrs[i], &loc) > 0;
	report("lookup", t, n, resolved);
	em_symbolizer__free(s);
	em_proc__free(p);
	free(addrs);
	return 0;
}
