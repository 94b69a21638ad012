// SPDX-License-Identifier: MIT
/*
 * bad_profile - write malformed pprof files for the reader's error tests.
 *
 *   bad_profile KIND OUT      (KIND from the table below; `bad_profile list`)
 *
 * Each kind breaks exactly one rule on top of an otherwise valid profile,
 * built directly with protobuf-c (lib's builder refuses to make these).
 */
#include "profile.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile P;

static char *strings[] = { "", "samples", "count", "main", "/bin/x" };

struct good {
	P p;
	Perftools__Profiles__ValueType vt, *vtp[1];
	Perftools__Profiles__Mapping m, *mp[1];
	Perftools__Profiles__Function f, *fp[1];
	Perftools__Profiles__Location l[2], *lp[2];
	Perftools__Profiles__Line ln, *lnp[1];
	Perftools__Profiles__Sample s[13], *sp[13];
	uint64_t locs[2];
	int64_t val[2];
};

static void make_good(struct good *g)
{
	memset(g, 0, sizeof(*g));
	perftools__profiles__profile__init(&g->p);
	perftools__profiles__value_type__init(&g->vt);
	g->vt.type = 1, g->vt.unit = 2;
	g->vtp[0] = &g->vt;
	g->p.n_sample_type = 1, g->p.sample_type = g->vtp;
	perftools__profiles__mapping__init(&g->m);
	g->m.id = 1, g->m.memory_start = 0x1000, g->m.memory_limit = 0x2000, g->m.filename = 4;
	g->mp[0] = &g->m;
	g->p.n_mapping = 1, g->p.mapping = g->mp;
	perftools__profiles__function__init(&g->f);
	g->f.id = 1, g->f.name = 3, g->f.system_name = 3;
	g->fp[0] = &g->f;
	g->p.n_function = 1, g->p.function = g->fp;
	perftools__profiles__line__init(&g->ln);
	g->ln.function_id = 1;
	g->lnp[0] = &g->ln;
	for (int i = 0; i < 2; i++) {
		perftools__profiles__location__init(&g->l[i]);
		g->l[i].id = (uint64_t)i + 1;
		g->l[i].mapping_id = 1;
		g->l[i].address = 0x1100 + (uint64_t)i;
		g->l[i].n_line = 1, g->l[i].line = g->lnp;
		g->lp[i] = &g->l[i];
	}
	g->p.n_location = 2, g->p.location = g->lp;
	g->locs[0] = 1, g->locs[1] = 2;
	g->val[0] = 1;
	/* 13 samples, so "sample 12" names the last one */
	for (int i = 0; i < 13; i++) {
		perftools__profiles__sample__init(&g->s[i]);
		g->s[i].n_location_id = 2, g->s[i].location_id = g->locs;
		g->s[i].n_value = 1, g->s[i].value = g->val;
		g->sp[i] = &g->s[i];
	}
	g->p.n_sample = 13, g->p.sample = g->sp;
	g->p.n_string_table = 5, g->p.string_table = strings;
}

static int write_all(const char *out, const void *buf, size_t len, int gzip)
{
	if (gzip) {
		gzFile z = gzopen(out, "wb6");

		if (!z || (len && gzwrite(z, buf, (unsigned)len) != (int)len) || gzclose(z) != Z_OK)
			return 1;
		return 0;
	} else {
		FILE *f = fopen(out, "wb");

		if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
			return 1;
		return 0;
	}
}

static int write_pb(const char *out, P *p, int gzip)
{
	size_t len = perftools__profiles__profile__get_packed_size(p);
	uint8_t *buf = malloc(len + 1);
	int rc;

	len = perftools__profiles__profile__pack(p, buf);
	rc = write_all(out, buf, len, gzip);
	free(buf);
	return rc;
}

/* A 1 MB gzip file that inflates to ~1 GB of empty Sample messages (12 00). */
static int bomb(const char *out)
{
	static uint8_t chunk[1 << 16];
	gzFile z = gzopen(out, "wb9");

	if (!z)
		return 1;
	for (size_t i = 0; i < sizeof(chunk); i += 2)
		chunk[i] = 0x12, chunk[i + 1] = 0x00;
	for (int i = 0; i < 16384; i++)
		if (gzwrite(z, chunk, sizeof(chunk)) != (int)sizeof(chunk))
			return 1;
	return gzclose(z) != Z_OK;
}

/* Inflates to ~200 MB (under the decompression cap) of empty samples, which
 * protobuf-c would need gigabytes to hold: the decode memory cap must stop it. */
static int memory_bomb(const char *out)
{
	static uint8_t chunk[1 << 16];
	gzFile z = gzopen(out, "wb9");

	if (!z)
		return 1;
	for (size_t i = 0; i < sizeof(chunk); i += 2)
		chunk[i] = 0x12, chunk[i + 1] = 0x00;
	for (int i = 0; i < 3200; i++)
		if (gzwrite(z, chunk, sizeof(chunk)) != (int)sizeof(chunk))
			return 1;
	return gzclose(z) != Z_OK;
}

static const char *kinds =
	"empty random truncated gzip-garbage no-strings string0 string-range dangling-location "
	"dangling-mapping dangling-function id-zero duplicate-id value-count no-sample-types "
	"bomb memory-bomb zero-samples negative-values raw-valid deep-recursion";

int main(int argc, char **argv)
{
	struct good g;
	const char *k, *out;
	char *bad_strings[] = { "x", "samples", "count", "main", "/bin/x" };
	static uint64_t dangling[] = { 1, 7 };
	static int64_t two_values[] = { 1, 2 };
	static uint64_t deep[65536];

	if (argc == 2 && !strcmp(argv[1], "list")) {
		puts(kinds);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: bad_profile KIND OUT | bad_profile list\n");
		return 2;
	}
	k = argv[1], out = argv[2];
	make_good(&g);
	if (!strcmp(k, "empty"))
		return write_all(out, "", 0, 0);
	if (!strcmp(k, "random")) {
		uint8_t junk[4096];
		uint32_t x = 12345;

		for (size_t i = 0; i < sizeof(junk); i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (uint8_t)(x >> 16) | 0x07;	/* wire type 7: invalid */
		}
		return write_all(out, junk, sizeof(junk), 0);
	}
	if (!strcmp(k, "truncated")) {
		FILE *f;
		long n;
		char *buf;

		if (write_pb(out, &g.p, 1))
			return 1;
		f = fopen(out, "rb");
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		buf = malloc((size_t)n);
		if (fread(buf, 1, (size_t)n, f) != (size_t)n)
			return 1;
		fclose(f);
		n = write_all(out, buf, (size_t)n / 2, 0);
		free(buf);
		return (int)n;
	}
	if (!strcmp(k, "gzip-garbage")) {
		/* Not text either: a NUL and control bytes, as binary junk has. */
		static const char junk[] = "\xff\xff\xff\xff\x01\x02 this is not a profile\0\x7f";

		return write_all(out, junk, sizeof(junk) - 1, 1);
	}
	if (!strcmp(k, "no-strings"))
		g.p.n_string_table = 0;
	else if (!strcmp(k, "string0"))
		g.p.string_table = bad_strings;
	else if (!strcmp(k, "string-range"))
		g.f.name = 99;
	else if (!strcmp(k, "dangling-location"))
		g.s[12].location_id = dangling;
	else if (!strcmp(k, "dangling-mapping"))
		g.l[1].mapping_id = 5;
	else if (!strcmp(k, "dangling-function"))
		g.ln.function_id = 9;
	else if (!strcmp(k, "id-zero"))
		g.m.id = 0;
	else if (!strcmp(k, "duplicate-id"))
		g.l[1].id = 1;
	else if (!strcmp(k, "value-count"))
		g.s[3].n_value = 2, g.s[3].value = two_values;
	else if (!strcmp(k, "no-sample-types"))
		g.p.n_sample_type = 0;
	else if (!strcmp(k, "bomb"))
		return bomb(out);
	else if (!strcmp(k, "memory-bomb"))
		return memory_bomb(out);
	else if (!strcmp(k, "zero-samples"))
		g.p.n_sample = 0;
	else if (!strcmp(k, "negative-values"))
		g.val[0] = -5;
	else if (!strcmp(k, "raw-valid"))
		return write_pb(out, &g.p, 0);
	else if (!strcmp(k, "deep-recursion")) {
		/* Valid: a sample 65536 frames deep (the reader's cap), all the
		 * same location: runaway recursion, not a reference cycle (pprof
		 * ids cannot form one). */
		for (size_t i = 0; i < 65536; i++)
			deep[i] = 1;
		g.s[0].n_location_id = 65536, g.s[0].location_id = deep;
	}
	else {
		fprintf(stderr, "bad_profile: unknown kind '%s' (one of: %s)\n", k, kinds);
		return 2;
	}
	return write_pb(out, &g.p, 1);
}
