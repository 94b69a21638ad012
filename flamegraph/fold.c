// SPDX-License-Identifier: MIT
/* fold.c - pprof samples into named, kinded stacks (see fold.h). */
#include "fold.h"
#include "frames.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_SEEN 1
#define MATCH_FOCUS 2
#define MATCH_IGNORE 4

/* Longer C++ names are cut here; escaping repairs a cut UTF-8 sequence. */
#define NAME_MAX_BYTES 4096

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

static uint8_t match_bits(struct em_fold_filter *f, const struct em_stacks *st, uint32_t id)
{
	const char *name;
	uint8_t bits = MATCH_SEEN;

	if (id < f->cap && f->cache[id])
		return f->cache[id];
	if (em_stacks__kind(st, id) != EM_FK_THREAD) {
		name = em_stacks__name(st, id, NULL);
		if (f->focus && regexec(f->focus, name, 0, NULL, 0) == 0)
			bits |= MATCH_FOCUS;
		if (f->ignore && regexec(f->ignore, name, 0, NULL, 0) == 0)
			bits |= MATCH_IGNORE;
	}
	if (id < f->cap)
		f->cache[id] = bits;
	return bits;
}

int em_fold_filter__keep(struct em_fold_filter *f, const struct em_stacks *st,
			 const uint32_t *ids, size_t depth)
{
	size_t nn = em_stacks__nnames(st);
	bool focused;

	if (!f || (!f->focus && !f->ignore))
		return 1;
	if (f->cap < nn) {
		size_t ncap = nn * 2 + 64;
		uint8_t *c = realloc(f->cache, ncap);

		if (!c)
			return -ENOMEM;
		memset(c + f->cap, 0, ncap - f->cap);
		f->cache = c;
		f->cap = ncap;
	}
	focused = !f->focus;
	for (size_t i = 0; i < depth; i++) {
		uint8_t m = match_bits(f, st, ids[i]);

		if (m & MATCH_IGNORE)
			return 0;
		focused |= (m & MATCH_FOCUS) != 0;
	}
	return focused;
}

void em_fold_filter__release(struct em_fold_filter *f)
{
	if (!f)
		return;
	free(f->cache);
	f->cache = NULL;
	f->cap = 0;
}

static bool ends_with(const char *s, size_t len, const char *sfx)
{
	size_t n = strlen(sfx);

	return len >= n && memcmp(s + len - n, sfx, n) == 0;
}

enum em_fkind em_fold_kind_of_name(const char *name, size_t len, size_t *shown_len)
{
	const char *so, *plus;

	*shown_len = len;
	if (ends_with(name, len, "_[k]")) {
		*shown_len = len - 4;
		return EM_FK_KERNEL;
	}
	if (ends_with(name, len, "_[i]")) {
		*shown_len = len - 4;
		return EM_FK_INLINED;
	}
	/* module+0xoffset, the name lib/frames.h gives an unsymbolized frame.
	 * This runs for every frame of a folded file, so look for the rare '+'
	 * first (memchr) before anything slower. */
	plus = memchr(name, '+', len);
	if (!plus || (size_t)(plus - name) + 2 >= len || plus[1] != '0' || plus[2] != 'x')
		return EM_FK_USER;
	for (so = name; so + 3 <= plus; so++)
		if (so[0] == '.' && so[1] == 's' && so[2] == 'o')
			break;
	if (so + 3 > plus || memchr(name, '/', (size_t)(plus - name)) ||
	    memchr(name, ' ', (size_t)(plus - name)))
		return EM_FK_USER;
	return EM_FK_SHLIB;
}

long em_fold_first_negative(const struct em_profile *p, int t)
{
	for (size_t i = 0; i < p->nsamples; i++)
		if (p->sample_values[p->samples[i].values + (size_t)t] < 0)
			return (long)i;
	return -1;
}

/* ---- one profile ------------------------------------------------------- */

struct folder {
	struct em_stacks *st;
	const struct em_profile *p;
	int64_t *cache;		/* [dense key * 2 + inlined] -> name id + 1 */
	size_t nkeys;
	/* Each location is expanded and named once: its name ids, innermost
	 * first, are pool[loc_off[lid - 1] .. + loc_len[lid - 1]). */
	size_t *loc_off;	/* SIZE_MAX until the location is first seen */
	uint32_t *loc_len;
	uint32_t *pool;
	size_t npool, cap_pool;
	struct em_frame *frames;	/* scratch for em_frames_of_location */
	size_t cap_frames;
	uint32_t *ids;		/* the stack being built, root first */
	size_t cap_ids;
	bool all_syscall;
	char name[NAME_MAX_BYTES];
};

static size_t dense_key(const struct em_profile *p, uint64_t key)
{
	if (key & EM_FRAME_ADDR_KEY)
		return p->nfunctions + (key & ~EM_FRAME_ADDR_KEY) - 1;
	return key - 1;
}

static enum em_fkind mapping_kind(const struct em_profile *p, uint64_t location_id)
{
	const struct em_location *l = &p->locations[location_id - 1];
	const char *file, *base;

	if (!l->mapping_id)
		return EM_FK_USER;
	file = em_profile__string(p, p->mappings[l->mapping_id - 1].file);
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (!strncmp(base, "[kernel", 7) || !strcmp(base, "[vmlinux]"))
		return EM_FK_KERNEL;
	if (strstr(base, ".so"))
		return EM_FK_SHLIB;
	return EM_FK_USER;
}

/* The name id of a frame; syscall marks the leaf of a syscall sample. */
static int64_t frame_id(struct folder *fo, const struct em_frame *fr, bool syscall)
{
	size_t slot = dense_key(fo->p, fr->key) * 2 + fr->inlined, len;
	enum em_fkind kind, mk;
	int64_t id;

	if (!syscall && fo->cache[slot])
		return fo->cache[slot] - 1;
	em_frame_name(fo->p, fr->key, fo->name, sizeof(fo->name));
	len = strlen(fo->name);
	mk = mapping_kind(fo->p, fr->location_id);
	if (ends_with(fo->name, len, "_[k]")) {
		len -= 4;
		kind = EM_FK_KERNEL;
	} else if (mk == EM_FK_KERNEL) {
		kind = EM_FK_KERNEL;
	} else if (syscall) {
		kind = EM_FK_SYSCALL;
	} else if (fr->inlined) {
		kind = EM_FK_INLINED;
	} else {
		kind = mk;
	}
	id = em_stacks__intern(fo->st, fo->name, len, kind);
	if (id >= 0 && !syscall)
		fo->cache[slot] = id + 1;
	return id;
}

static const char *const thread_keys[] = { "thread", "thread_name", "threadname", "thread_id",
					   "tid", NULL };

static int64_t thread_id(struct folder *fo, size_t si)
{
	const struct em_profile *p = fo->p;
	const struct em_sample *s = &p->samples[si];

	for (const char *const *k = thread_keys; *k; k++) {
		for (uint32_t j = 0; j < s->nlabels; j++) {
			const struct em_label *l = &p->sample_labels[s->labels + j];

			if (strcmp(em_profile__string(p, l->key), *k))
				continue;
			if (l->str)
				snprintf(fo->name, sizeof(fo->name), "%s", em_profile__string(p, l->str));
			else
				snprintf(fo->name, sizeof(fo->name), "%s %" PRId64, *k, l->num);
			return em_stacks__intern(fo->st, fo->name, strlen(fo->name), EM_FK_THREAD);
		}
	}
	return em_stacks__intern(fo->st, "[no thread]", 11, EM_FK_THREAD);
}

static bool is_syscall_sample(const struct folder *fo, size_t si)
{
	const struct em_profile *p = fo->p;
	const struct em_sample *s = &p->samples[si];

	if (fo->all_syscall)
		return true;
	for (uint32_t j = 0; j < s->nlabels; j++)
		if (!strcmp(em_profile__string(p, p->sample_labels[s->labels + j].key), "syscall"))
			return true;
	return false;
}

static int grow_u32(uint32_t **a, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	uint32_t *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*a, ncap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	*a = n;
	*cap = ncap;
	return 0;
}

/* Expands and names location lid the first time it is seen. */
static int cache_location(struct folder *fo, uint64_t lid)
{
	long n;

	if (fo->loc_off[lid - 1] != SIZE_MAX)
		return 0;
	n = em_frames_of_location(fo->p, lid, &fo->frames, &fo->cap_frames, 0);
	if (n < 0 || grow_u32(&fo->pool, &fo->cap_pool, fo->npool + (size_t)n))
		return -ENOMEM;
	for (long k = 0; k < n; k++) {
		int64_t id = frame_id(fo, &fo->frames[k], false);

		if (id < 0)
			return (int)id;
		fo->pool[fo->npool + (size_t)k] = (uint32_t)id;
	}
	fo->loc_off[lid - 1] = fo->npool;
	fo->loc_len[lid - 1] = (uint32_t)n;
	fo->npool += (size_t)n;
	return 0;
}

/* The leaf of a syscall sample gets the syscall palette (unless it is kernel code). */
static int64_t syscall_leaf(struct folder *fo, uint64_t lid)
{
	long n = em_frames_of_location(fo->p, lid, &fo->frames, &fo->cap_frames, 0);

	return n < 0 ? -ENOMEM : frame_id(fo, &fo->frames[0], true);
}

static int add_sample(struct folder *fo, size_t si, const int64_t *vals,
		      const struct em_fold_opts *o, size_t *kept)
{
	const struct em_profile *p = fo->p;
	const struct em_sample *s = &p->samples[si];
	size_t depth = 0;
	int64_t id;
	int rc;

	if (grow_u32(&fo->ids, &fo->cap_ids, 2))
		return -ENOMEM;
	if (o->by_thread) {
		id = thread_id(fo, si);
		if (id < 0)
			return (int)id;
		fo->ids[depth++] = (uint32_t)id;
	}
	if (s->nlocs == 0) {
		/* pprof allows a sample without locations; keep its value visible. */
		id = em_stacks__intern(fo->st, "[no stack]", 10, EM_FK_USER);
		if (id < 0)
			return (int)id;
		fo->ids[depth++] = (uint32_t)id;
	}
	/* sample_locs are leaf first and each location innermost first; stacks
	 * are root first, so both are copied backwards. */
	for (size_t j = s->nlocs; j-- > 0;) {
		uint64_t lid = p->sample_locs[s->locs + j];
		const uint32_t *span;
		uint32_t len;

		rc = cache_location(fo, lid);
		if (rc)
			return rc;
		len = fo->loc_len[lid - 1];
		if (grow_u32(&fo->ids, &fo->cap_ids, depth + len + 1))
			return -ENOMEM;
		span = fo->pool + fo->loc_off[lid - 1];
		for (uint32_t k = len; k-- > 0;)
			fo->ids[depth++] = span[k];
	}
	if (s->nlocs && is_syscall_sample(fo, si)) {
		id = syscall_leaf(fo, p->sample_locs[s->locs]);
		if (id < 0)
			return (int)id;
		fo->ids[depth - 1] = (uint32_t)id;
	}
	rc = em_fold_filter__keep(o->filter, fo->st, fo->ids, depth);
	if (rc <= 0)
		return rc;
	if (kept)
		(*kept)++;
	return em_stacks__add(fo->st, fo->ids, depth, vals);
}

static void folder_free(struct folder *fo)
{
	if (!fo)
		return;
	free(fo->cache);
	free(fo->loc_off);
	free(fo->loc_len);
	free(fo->pool);
	free(fo->frames);
	free(fo->ids);
	free(fo);
}

static struct folder *folder_new(struct em_stacks *st, const struct em_profile *p)
{
	struct folder *fo = calloc(1, sizeof(*fo));
	size_t nl = p->nlocations ? p->nlocations : 1;

	if (!fo)
		return NULL;
	fo->st = st;
	fo->p = p;
	fo->nkeys = p->nfunctions + p->nlocations;
	fo->cache = calloc(fo->nkeys * 2 + 1, sizeof(*fo->cache));
	fo->loc_off = malloc(nl * sizeof(*fo->loc_off));
	fo->loc_len = calloc(nl, sizeof(*fo->loc_len));
	if (!fo->cache || !fo->loc_off || !fo->loc_len) {
		folder_free(fo);
		return NULL;
	}
	for (size_t i = 0; i < nl; i++)
		fo->loc_off[i] = SIZE_MAX;
	for (size_t t = 0; t < p->nsample_types; t++)
		if (!strncmp(em_profile__string(p, p->sample_types[t].type), "syscall", 7))
			fo->all_syscall = true;
	return fo;
}

int em_fold_profile(struct em_stacks *st, const struct em_profile *p, const int *type_of_col,
		    const struct em_fold_opts *o, size_t *kept, char *err, size_t err_len)
{
	static const struct em_fold_opts none;
	unsigned int nc = em_stacks__ncols(st);
	struct folder *fo = folder_new(st, p);
	int64_t *vals = calloc(nc, sizeof(*vals));
	int rc = 0;

	if (!o)
		o = &none;
	if (!fo || !vals) {
		rc = fail(err, err_len, -ENOMEM, "out of memory");
		goto out;
	}
	/* Sizing the stacks once saves regrowing (and copying) them while adding;
	 * inlined frames may add some more. */
	{
		size_t nframes = 0;

		for (size_t i = 0; i < p->nsamples; i++)
			nframes += p->samples[i].nlocs + 1;
		em_stacks__reserve(st, p->nsamples, nframes);
	}
	for (size_t i = 0; i < p->nsamples && !rc; i++) {
		for (unsigned int c = 0; c < nc; c++) {
			int t = type_of_col[c];

			vals[c] = t < 0 ? 0 : p->sample_values[p->samples[i].values + (size_t)t];
			if (vals[c] < 0) {
				rc = fail(err, err_len, -EINVAL,
					  "sample %zu has a negative %s value (%" PRId64
					  "); a flame graph needs values >= 0",
					  i, em_profile__string(p, p->sample_types[t].type), vals[c]);
				goto out;
			}
		}
		rc = add_sample(fo, i, vals, o, kept);
	}
	if (rc == -EOVERFLOW)
		fail(err, err_len, rc, "the values add up to more than a 64-bit total");
	else if (rc == -E2BIG)
		fail(err, err_len, rc, "too many distinct frame names");
	else if (rc == -EFBIG)
		fail(err, err_len, rc, EM_STACKS_MEM_ERR);
	else if (rc)
		fail(err, err_len, rc, "out of memory");
out:
	folder_free(fo);
	free(vals);
	return rc;
}
