// SPDX-License-Identifier: MIT
/* input.c - load, recognise, type-match and fold the command's files (see input.h). */
#include "input.h"
#include "afile.h"
#include "folded.h"
#include "gz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same caps as lib's profile reader, so both commands refuse the same files. */
#define MAX_INPUT (1024ULL << 20)
#define MAX_DECOMPRESSED (256ULL << 20)

/* One file of the command line. */
struct src {
	const char *path;
	bool base;
	struct em_profile *prof;	/* pprof input, or NULL */
	char *text;			/* folded input, or NULL */
	size_t text_len;
	bool diff;			/* differential folded text: "stack BASE NEW" */
};

static int fail(char *err, size_t err_len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return rc;
}

static void src_release(struct src *s)
{
	em_profile__free(s->prof);
	free(s->text);
	s->prof = NULL;
	s->text = NULL;
}

static int src_load(struct src *s, char *err, size_t err_len)
{
	unsigned char *data, *raw = NULL;
	size_t len, n;
	char why[256];
	int rc = em_read_file(s->path, MAX_INPUT, &data, &len);

	if (rc == -EFBIG)
		return fail(err, err_len, rc, "%s: file exceeds the %llu MiB input cap", s->path,
			    MAX_INPUT >> 20);
	if (rc)
		return fail(err, err_len, rc, "%s: %s", s->path, strerror(-rc));
	if (len == 0) {
		free(data);
		return fail(err, err_len, -EINVAL, "%s: empty file", s->path);
	}
	n = len;
	if (em_is_gzip(data, len)) {
		rc = em_gunzip(data, len, MAX_DECOMPRESSED, &raw, &n, why, sizeof(why));
		free(data);
		if (rc)
			return fail(err, err_len, rc, "%s: %s", s->path, why);
		if (n == 0) {
			free(raw);
			return fail(err, err_len, -EINVAL, "%s: empty profile inside the gzip stream",
				    s->path);
		}
		data = raw;
	}
	if (em_folded__is_text(data, n)) {
		if (n > MAX_DECOMPRESSED) {
			free(data);
			return fail(err, err_len, -EFBIG, "%s: folded text exceeds the %llu MiB cap",
				    s->path, MAX_DECOMPRESSED >> 20);
		}
		s->text = (char *)data;
		s->text_len = n;
		s->diff = em_folded__is_diff(s->text, n);
		return 0;
	}
	s->prof = em_profile__decode(data, n, NULL, why, sizeof(why));
	free(data);
	if (!s->prof)
		return fail(err, err_len, -EINVAL, "%s: %s", s->path, why);
	if (s->prof->nsamples == 0)
		return fail(err, err_len, -EINVAL, "%s: the profile has no samples", s->path);
	return 0;
}

/* ---- sample types: a folded file has one, "samples" counted ---------------- */

static size_t src_ntypes(const struct src *s)
{
	return s->prof ? s->prof->nsample_types : 1;
}

static const char *src_type(const struct src *s, size_t i)
{
	return s->prof ? em_profile__string(s->prof, s->prof->sample_types[i].type) : "samples";
}

static const char *src_unit(const struct src *s, size_t i)
{
	return s->prof ? em_profile__string(s->prof, s->prof->sample_types[i].unit) : "count";
}

static int src_find(const struct src *s, const char *name)
{
	if (s->prof)
		return em_profile__sample_type_index(s->prof, name);
	return strcmp(name, "samples") ? -1 : 0;
}

static int no_type(const struct src *s, const char *name, char *err, size_t err_len)
{
	char have[512] = "";

	for (size_t i = 0; i < src_ntypes(s); i++) {
		strncat(have, i ? ", " : "", sizeof(have) - strlen(have) - 1);
		strncat(have, src_type(s, i), sizeof(have) - strlen(have) - 1);
	}
	return fail(err, err_len, -ENOENT, "%s: no sample type '%s' (the %s has: %s)", s->path,
		    name, s->prof ? "profile" : "folded file", *have ? have : "none");
}

/*
 * Whether every file has type `name` in `unit` and, for the types the user did
 * not ask for, no negative values. For the requested type a mismatch is an
 * error naming the file; other types are just left out of the switcher.
 */
static int type_usable(struct src *srcs, size_t n, const char *name, const char *unit, bool sel,
		       char *err, size_t err_len)
{
	for (size_t i = 0; i < n; i++) {
		int j = src_find(&srcs[i], name);

		if (j < 0)
			return sel ? no_type(&srcs[i], name, err, err_len) : 0;
		if (strcmp(src_unit(&srcs[i], (size_t)j), unit)) {
			if (!sel)
				return 0;
			return fail(err, err_len, -EINVAL,
				    "%s: sample type '%s' is in %s, but in %s in %s", srcs[i].path,
				    name, src_unit(&srcs[i], (size_t)j), unit, srcs[0].path);
		}
		if (!sel && srcs[i].prof && em_fold_first_negative(srcs[i].prof, j) >= 0)
			return 0;
	}
	return 1;
}

static int pick_types(const struct em_flame_request *rq, struct src *srcs, size_t n,
		      struct em_flame_data *d, char *err, size_t err_len)
{
	const struct src *first = &srcs[0];
	int sel = rq->type	  ? src_find(first, rq->type)
		  : first->prof ? em_profile__default_index(first->prof)
				: 0;
	size_t nt = src_ntypes(first);

	if (sel < 0)
		return no_type(first, rq->type ? rq->type : "(default)", err, err_len);
	d->types = calloc(nt, sizeof(*d->types));
	if (!d->types)
		return fail(err, err_len, -ENOMEM, "out of memory");
	for (size_t t = 0; t < nt; t++) {
		bool is_sel = t == (size_t)sel;
		int ok;

		if (!is_sel && !rq->all_types)
			continue;
		ok = type_usable(srcs, n, src_type(first, t), src_unit(first, t), is_sel, err,
				 err_len);
		if (ok < 0)
			return ok;
		if (!ok)
			continue;
		if (is_sel)
			d->sel = d->ntypes;
		d->types[d->ntypes].name = strdup(src_type(first, t));
		d->types[d->ntypes].unit = strdup(src_unit(first, t));
		if (!d->types[d->ntypes].name || !d->types[d->ntypes].unit) {
			d->ntypes++;
			return fail(err, err_len, -ENOMEM, "out of memory");
		}
		d->ntypes++;
	}
	return 0;
}

/* ---- folding -------------------------------------------------------------- */

static int fold_src(const struct em_flame_request *rq, struct src *s, struct em_flame_data *d,
		    size_t *kept, char *err, size_t err_len)
{
	unsigned int off = s->base ? d->ntypes : 0, nc = em_stacks__ncols(d->st);
	struct em_fold_opts o = { rq->by_thread, rq->filter };
	char why[256];
	int rc;

	if (s->text) {
		size_t lines;

		rc = em_folded__parse(d->st, s->text, s->text_len, off + d->sel,
				      s->diff ? (int)(d->ntypes + d->sel) : -1, rq->filter, &lines,
				      kept, why, sizeof(why));
		/* Text whose very first line does not parse is probably not meant
		 * as folded stacks at all; say what ember looked for. */
		if (rc == -EINVAL && lines == 1)
			return fail(err, err_len, rc,
				    "%s: neither a pprof profile nor folded stacks (%s)", s->path, why);
		if (rc)
			return fail(err, err_len, rc, "%s: %s", s->path, why);
		if (lines == 0)
			return fail(err, err_len, -EINVAL, "%s: no stacks in the file", s->path);
		return 0;
	} else {
		int cols[EM_STACKS_MAX_COLS];
		size_t k = 0;

		for (unsigned int c = 0; c < nc; c++)
			cols[c] = -1;
		for (unsigned int t = 0; t < d->ntypes; t++)
			cols[off + t] = src_find(s, d->types[t].name);
		rc = em_fold_profile(d->st, s->prof, cols, &o, &k, why, sizeof(why));
		*kept += k;
		if (rc)
			return fail(err, err_len, rc, "%s: %s", s->path, why);
		return 0;
	}
}

/* A differential folded file carries its own base: then every input must be
 * one, and there is no --diff. */
static int check_diff(const struct em_flame_request *rq, const struct src *srcs,
		      struct em_flame_data *d, char *err, size_t err_len)
{
	const char *a_diff = NULL;
	size_t ndiff = 0;

	for (size_t i = 0; i < rq->ninputs + rq->nbases; i++) {
		if (!srcs[i].diff)
			continue;
		a_diff = srcs[i].path;
		if (srcs[i].base)
			return fail(err, err_len, -EINVAL,
				    "%s: a differential folded file (two counts a line) cannot be a "
				    "--diff base", srcs[i].path);
		if (rq->nbases)
			return fail(err, err_len, -EINVAL,
				    "%s: differential folded file (two counts a line): it has its "
				    "base already; drop --diff", srcs[i].path);
		ndiff++;
	}
	if (ndiff && ndiff != rq->ninputs)
		for (size_t i = 0; i < rq->ninputs; i++)
			if (!srcs[i].diff)
				return fail(err, err_len, -EINVAL,
					    "%s: not differential, but %s is (two counts a line); "
					    "merge differential files only with each other",
					    srcs[i].path, a_diff);
	d->diff = rq->nbases > 0 || ndiff > 0;
	return 0;
}

static int check_totals(const struct em_flame_request *rq, struct em_flame_data *d,
			size_t kept, char *err, size_t err_len)
{
	const char *path = rq->inputs[0];
	char more[48] = "";

	if (em_stacks__totals(d->st)[d->sel] > 0)
		return 0;
	if (rq->ninputs > 1)
		snprintf(more, sizeof(more), " (and %zu more)", rq->ninputs - 1);
	if (rq->filter && (rq->filter->focus || rq->filter->ignore) && kept == 0)
		return fail(err, err_len, -ENOENT, "%s%s: no stacks left after --focus/--ignore",
			    path, more);
	return fail(err, err_len, -ENOENT, "%s%s: every %s value is zero; nothing to draw", path,
		    more, d->types[d->sel].name);
}

int em_flame_build(const struct em_flame_request *rq, struct em_flame_data *d, char *err,
		   size_t err_len)
{
	size_t n = rq->ninputs + rq->nbases, kept = 0;
	struct src *srcs = calloc(n, sizeof(*srcs));
	int rc = 0;

	memset(d, 0, sizeof(*d));
	if (!srcs)
		return fail(err, err_len, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		srcs[i].base = i >= rq->ninputs;
		srcs[i].path = srcs[i].base ? rq->bases[i - rq->ninputs] : rq->inputs[i];
		rc = src_load(&srcs[i], err, err_len);
	}
	if (!rc)
		rc = check_diff(rq, srcs, d, err, err_len);
	if (!rc)
		rc = pick_types(rq, srcs, n, d, err, err_len);
	if (!rc) {
		d->st = em_stacks__new(d->ntypes * (d->diff ? 2 : 1));
		if (!d->st)
			rc = fail(err, err_len, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if (!srcs[i].base && srcs[i].prof)
			d->duration_nanos += srcs[i].prof->duration_nanos;
		if (!srcs[i].base && srcs[i].text)
			d->nfolded++;
		rc = fold_src(rq, &srcs[i], d, srcs[i].base ? &(size_t){ 0 } : &kept, err, err_len);
		/* All files are loaded first (their types decide the columns); each
		 * is freed as soon as its samples are in the stacks. */
		src_release(&srcs[i]);
	}
	if (!rc)
		rc = check_totals(rq, d, kept, err, err_len);
	/* Sorted now, while a failure can still name the file: the writers'
	 * walks then need no more than the wide frames. */
	if (!rc && (rc = em_stacks__sort(d->st)))
		rc = fail(err, err_len, rc, "%s: %s", rq->inputs[0],
			  rc == -EFBIG ? EM_STACKS_MEM_ERR : "out of memory");
	for (size_t i = 0; i < n; i++)
		src_release(&srcs[i]);
	free(srcs);
	if (rc)
		em_flame_data__release(d);
	return rc;
}

void em_flame_data__release(struct em_flame_data *d)
{
	if (!d)
		return;
	em_stacks__free(d->st);
	for (unsigned int t = 0; d->types && t < d->ntypes; t++) {
		free((char *)d->types[t].name);
		free((char *)d->types[t].unit);
	}
	free(d->types);
	memset(d, 0, sizeof(*d));
}
