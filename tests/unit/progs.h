/* SPDX-License-Identifier: MIT */
/*
 * progs.h - unit-test helpers for the test programs built by
 * tests/progs/progs.mk (make test builds them before running unit tests).
 */
#ifndef EMBER_TEST_PROGS_H
#define EMBER_TEST_PROGS_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OUTPUT/tests/progs/NAME, as tests/run.sh runs from the tree's root. */
static inline const char *prog_path(const char *name)
{
	static char buf[8][PATH_MAX];
	static int next;
	const char *out = getenv("OUTPUT");
	char *p = buf[next++ % 8];

	snprintf(p, PATH_MAX, "%s/tests/progs/%s", out && *out ? out : "build", name);
	return p;
}

/* Copies a file; returns 0 or -1. */
static inline int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[65536];
	size_t n;
	int err = 0;

	if (!in)
		return -1;
	out = fopen(to, "wb");
	if (!out) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = -1;
	fclose(in);
	if (fclose(out) != 0)
		err = -1;
	return err;
}

/* Reads a whole file into a malloc'd buffer. NULL on failure. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

static inline int spew(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -1;
	if (len && fwrite(data, 1, len, f) != len)
		err = -1;
	if (fclose(f) != 0)
		err = -1;
	return err;
}

#endif
