// SPDX-License-Identifier: MIT
/*
 * cmd_top.c - `ember top`: the flat/cum table people know from `pprof -top`,
 * one row per function (inlined functions count as their own rows, as pprof
 * does), values formatted in the sample type's unit.
 */
#include "cmds.h"
#include "frames.h"
#include "log.h"
#include "units.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct row {
	uint64_t key;
	int64_t flat, cum;
	size_t last_sample;	/* +1; counts cum once per sample under recursion */
};

struct top_opts {
	const char *type;
	long n;
	bool cum;
};

static const struct top_opts *sort_opts;
static const struct em_profile *sort_prof;

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int64_t kx = sort_opts->cum ? x->cum : x->flat, ky = sort_opts->cum ? y->cum : y->flat;
	char nx[256], ny[256];

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->cum != y->cum)
		return x->cum > y->cum ? -1 : 1;
	return strcmp(em_frame_name(sort_prof, x->key, nx, sizeof(nx)),
		      em_frame_name(sort_prof, y->key, ny, sizeof(ny)));
}

static size_t dense_index(const struct em_profile *p, uint64_t key)
{
	if (key & EM_FRAME_ADDR_KEY)
		return p->nfunctions + (key & ~EM_FRAME_ADDR_KEY) - 1;
	return key - 1;
}

static void print_header(const struct em_profile *p, int ti, int64_t total)
{
	const char *unit = em_profile__string(p, p->sample_types[ti].unit);
	char tot[64];

	if (p->nmappings) {
		const char *file = em_profile__string(p, p->mappings[0].file);
		const char *base = strrchr(file, '/');

		if (*file)
			printf("File: %s\n", base ? base + 1 : file);
	}
	printf("Type: %s\n", em_profile__string(p, p->sample_types[ti].type));
	if (p->time_nanos) {
		time_t t = (time_t)(p->time_nanos / 1000000000);
		struct tm tm;
		char when[64];

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("Time: %s\n", when);
	}
	em_format_value(total, unit, tot, sizeof(tot));
	if (p->duration_nanos) {
		char dur[64];

		em_format_value(p->duration_nanos, "nanoseconds", dur, sizeof(dur));
		if (!strcmp(unit, "nanoseconds"))
			printf("Duration: %s, Total samples = %s (%.2f%%)\n", dur, tot,
			       100.0 * (double)total / (double)p->duration_nanos);
		else
			printf("Duration: %s, Total = %s\n", dur, tot);
	} else {
		printf("Total: %s\n", tot);
	}
}

static int top(const struct em_profile *p, const struct top_opts *o, const char *path)
{
	size_t nkeys = p->nfunctions + p->nlocations, nrows = 0;
	struct row *rows = calloc(nkeys ? nkeys : 1, sizeof(*rows));
	struct em_frame *frames = NULL;
	size_t cap = 0, shown;
	int64_t total = 0, sum = 0, shown_total = 0;
	const char *unit;
	int ti;

	if (!rows) {
		em_err("%s: out of memory", path);
		return 1;
	}
	ti = o->type ? em_profile__sample_type_index(p, o->type) : em_profile__default_index(p);
	if (ti < 0) {
		char have[512] = "";

		for (size_t i = 0; i < p->nsample_types; i++) {
			strncat(have, i ? ", " : "", sizeof(have) - strlen(have) - 1);
			strncat(have, em_profile__string(p, p->sample_types[i].type),
				sizeof(have) - strlen(have) - 1);
		}
		if (o->type)
			em_err("%s: no sample type '%s' (the profile has: %s)", path, o->type,
			       *have ? have : "none");
		else
			em_err("%s: the profile has no sample types", path);
		free(rows);
		return 1;
	}
	unit = em_profile__string(p, p->sample_types[ti].unit);
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = p->sample_values[p->samples[i].values + ti];
		long n = em_frames_of_sample(p, i, &frames, &cap);

		if (n < 0) {
			em_err("%s: out of memory", path);
			free(rows);
			free(frames);
			return 1;
		}
		total += v;
		for (long j = 0; j < n; j++) {
			struct row *r = &rows[dense_index(p, frames[j].key)];

			r->key = frames[j].key;
			if (j == 0)
				r->flat += v;
			if (r->last_sample != i + 1) {
				r->cum += v;
				r->last_sample = i + 1;
			}
		}
	}
	free(frames);
	for (size_t i = 0; i < nkeys; i++)
		if (rows[i].key && (rows[i].flat || rows[i].cum))
			rows[nrows++] = rows[i];
	sort_opts = o;
	sort_prof = p;
	qsort(rows, nrows, sizeof(*rows), row_cmp);
	shown = o->n && (size_t)o->n < nrows ? (size_t)o->n : nrows;
	for (size_t i = 0; i < shown; i++)
		shown_total += rows[i].flat;

	print_header(p, ti, total);
	{
		char st[64], tt[64], pc[32];

		em_format_value(shown_total, unit, st, sizeof(st));
		em_format_value(total, unit, tt, sizeof(tt));
		em_format_percent(shown_total, total, pc, sizeof(pc));
		printf("Showing top %zu of %zu functions, flat %s (%s) of %s total\n", shown, nrows,
		       st, pc, tt);
	}
	printf("%10s %7s %7s %10s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%", "function");
	for (size_t i = 0; i < shown; i++) {
		char flat[64], cum[64], fp[32], sp[32], cp[32], name[1024];

		sum += rows[i].flat;
		em_format_value(rows[i].flat, unit, flat, sizeof(flat));
		em_format_value(rows[i].cum, unit, cum, sizeof(cum));
		em_format_percent(rows[i].flat, total, fp, sizeof(fp));
		em_format_percent(sum, total, sp, sizeof(sp));
		em_format_percent(rows[i].cum, total, cp, sizeof(cp));
		printf("%10s %7s %7s %10s %7s  %s\n", flat, fp, sp, cum, cp,
		       em_frame_name(p, rows[i].key, name, sizeof(name)));
	}
	free(rows);
	if (fflush(stdout) != 0) {
		em_err("top: writing output failed");
		return 1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ember top PROFILE [--type NAME] [-n N] [--cum]\n\n"
		   "Print the functions with the most samples, like `pprof -top`.\n\n"
		   "  PROFILE          a pprof profile, gzipped or raw ('-' reads stdin)\n"
		   "  -t, --type NAME  sample type to show (cpu, alloc_space, inuse_space, delay, ...);\n"
		   "                   default: the profile's default type (pprof's rule)\n"
		   "  -n, --nodes N    show the top N functions (default 20; 0 shows all)\n"
		   "  -c, --cum        sort by cumulative value instead of flat\n\n"
		   "Columns: flat is the value with the function as the leaf, cum the value with\n"
		   "the function anywhere on the stack; sum%% is the running total of flat%%.\n");
}

static int run(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "cum", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct top_opts o = { .n = 20 };
	struct em_profile *p;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+t:n:ch", long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.type = optarg;
			break;
		case 'n':
			o.n = em_parse_count("top", "-n", optarg);
			if (o.n < 0)
				return EXIT_USAGE;
			break;
		case 'c':
			o.cum = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return em_usage_error("top", "unknown or incomplete option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return em_usage_error("top", optind == argc ? "missing PROFILE"
							     : "expected one PROFILE");
	p = em_load_profile(argv[optind]);
	if (!p)
		return 1;
	rc = top(p, &o, argv[optind]);
	em_profile__free(p);
	return rc;
}

const struct em_cmd em_cmd_top = {
	.name = "top",
	.summary = "print the top functions of a profile (like pprof -top)",
	.run = run,
	.usage = usage,
};
