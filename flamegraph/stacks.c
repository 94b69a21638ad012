// SPDX-License-Identifier: MIT
/*
 * stacks.c - interned frame names, stacks with per-column values, and the
 * sorted walk that turns them into the merged call tree (see stacks.h).
 */
#include "stacks.h"
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct name_ent {
	uint32_t off;	/* into arena */
	uint32_t len;
	uint32_t hash;	/* low bits of the intern hash, a cheap first compare */
	uint8_t kind;
};

struct row {
	size_t off;	/* first frame in frames[] */
	uint32_t depth;
};

struct em_stacks {
	unsigned int ncols;
	char *arena;
	size_t arena_len, arena_cap;
	struct name_ent *names;
	size_t nnames, cap_names;
	uint32_t *slots;	/* open addressing: name id + 1, 0 = empty */
	size_t slot_cap;	/* power of two */
	uint32_t *frames;
	size_t nframes, cap_frames;
	struct row *rows;
	size_t nrows, cap_rows;
	int64_t *vals;		/* ncols per row */
	size_t cap_vals;
	int64_t *totals;
	size_t *order;		/* row indices in sorted order, once sorted */
	uint32_t *byrank;	/* once sorted, frames[] hold name ranks; this maps back */
	uint32_t max_depth;
	size_t truncated;
	size_t mem;		/* bytes of the arrays above, against EM_STACKS_MAX_MEM */
};

/* Takes bytes more from the budget: 0, or -EFBIG when over it. */
static int charge(struct em_stacks *st, size_t bytes)
{
	if (bytes > EM_STACKS_MAX_MEM - st->mem)
		return -EFBIG;
	st->mem += bytes;
	return 0;
}

static int grow(struct em_stacks *st, void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		ncap *= 2;
	}
	if (charge(st, (ncap - *cap) * elem))
		return -EFBIG;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

struct em_stacks *em_stacks__new(unsigned int ncols)
{
	struct em_stacks *st;

	if (ncols == 0 || ncols > EM_STACKS_MAX_COLS) {
		errno = EINVAL;
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->ncols = ncols;
	st->totals = calloc(ncols, sizeof(*st->totals));
	if (!st->totals) {
		free(st);
		errno = ENOMEM;
		return NULL;
	}
	return st;
}

void em_stacks__free(struct em_stacks *st)
{
	if (!st)
		return;
	free(st->arena);
	free(st->names);
	free(st->slots);
	free(st->frames);
	free(st->rows);
	free(st->vals);
	free(st->totals);
	free(st->order);
	free(st->byrank);
	free(st);
}

unsigned int em_stacks__ncols(const struct em_stacks *st)
{
	return st->ncols;
}

size_t em_stacks__nnames(const struct em_stacks *st)
{
	return st->nnames;
}

const char *em_stacks__name(const struct em_stacks *st, uint32_t id, size_t *len)
{
	if (id >= st->nnames) {
		if (len)
			*len = 3;
		return "all";
	}
	if (len)
		*len = st->names[id].len;
	return st->arena + st->names[id].off;
}

enum em_fkind em_stacks__kind(const struct em_stacks *st, uint32_t id)
{
	return id < st->nnames ? (enum em_fkind)st->names[id].kind : EM_FK_USER;
}

static int rehash(struct em_stacks *st)
{
	size_t ncap = st->slot_cap ? st->slot_cap * 2 : 1024, mask = ncap - 1;
	uint32_t *slots;

	if (charge(st, (ncap - st->slot_cap) * sizeof(*slots)))
		return -EFBIG;
	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	/* The stored 32-bit hash is the low half of the 64-bit one, which is all
	 * the slot index uses while the table is below 2^32 slots. */
	for (size_t i = 0; i < st->nnames; i++) {
		size_t j = st->names[i].hash & mask;

		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = (uint32_t)i + 1;
	}
	free(st->slots);
	st->slots = slots;
	st->slot_cap = ncap;
	return 0;
}

int64_t em_stacks__intern(struct em_stacks *st, const char *s, size_t len, enum em_fkind kind)
{
	uint32_t h = (uint32_t)em_hash_bytes(s, len, (uint64_t)kind + 1);
	struct name_ent *e;
	size_t j, mask;

	int rc;

	if (st->nnames + 1 > st->slot_cap / 2 && (rc = rehash(st)))
		return rc;
	mask = st->slot_cap - 1;
	for (j = h & mask; st->slots[j]; j = (j + 1) & mask) {
		e = &st->names[st->slots[j] - 1];
		if (e->hash == h && e->len == len && e->kind == kind &&
		    memcmp(st->arena + e->off, s, len) == 0)
			return st->slots[j] - 1;
	}
	if (st->nnames >= UINT32_MAX - 2 || st->arena_len + len + 1 > UINT32_MAX)
		return -E2BIG;
	if ((rc = grow(st, (void **)&st->names, &st->cap_names, st->nnames + 1,
		       sizeof(*st->names))) ||
	    (rc = grow(st, (void **)&st->arena, &st->arena_cap, st->arena_len + len + 1, 1)))
		return rc;
	e = &st->names[st->nnames];
	e->off = (uint32_t)st->arena_len;
	e->len = (uint32_t)len;
	e->hash = h;
	e->kind = (uint8_t)kind;
	if (len)
		memcpy(st->arena + st->arena_len, s, len);
	st->arena[st->arena_len + len] = '\0';
	st->arena_len += len + 1;
	/* Names added after sorting are unranked; they cannot be in any stack,
	 * since adding stacks is refused from then on. */
	st->slots[j] = (uint32_t)st->nnames + 1;
	return (int64_t)st->nnames++;
}

int em_stacks__add(struct em_stacks *st, const uint32_t *ids, size_t depth, const int64_t *vals)
{
	unsigned int nc = st->ncols;
	bool any = false;
	struct row *r;
	int rc;

	if (st->order)
		return -EBUSY;
	if (depth == 0)
		return -EINVAL;
	for (unsigned int c = 0; c < nc; c++) {
		int64_t t;

		if (vals[c] < 0)
			return -EINVAL;
		if (__builtin_add_overflow(st->totals[c], vals[c], &t))
			return -EOVERFLOW;
		any |= vals[c] != 0;
	}
	if (!any)
		return 0;
	if (depth > EM_STACKS_MAX_DEPTH) {
		depth = EM_STACKS_MAX_DEPTH;
		st->truncated++;
	}
	for (size_t i = 0; i < depth; i++)
		if (ids[i] >= st->nnames)
			return -EINVAL;
	if ((rc = grow(st, (void **)&st->frames, &st->cap_frames, st->nframes + depth,
		       sizeof(*st->frames))) ||
	    (rc = grow(st, (void **)&st->rows, &st->cap_rows, st->nrows + 1, sizeof(*st->rows))) ||
	    (rc = grow(st, (void **)&st->vals, &st->cap_vals, (st->nrows + 1) * nc,
		       sizeof(*st->vals))))
		return rc;
	memcpy(st->frames + st->nframes, ids, depth * sizeof(*ids));
	r = &st->rows[st->nrows];
	r->off = st->nframes;
	r->depth = (uint32_t)depth;
	memcpy(st->vals + st->nrows * nc, vals, nc * sizeof(*vals));
	for (unsigned int c = 0; c < nc; c++)
		st->totals[c] += vals[c];
	st->nframes += depth;
	st->nrows++;
	if (depth > st->max_depth)
		st->max_depth = (uint32_t)depth;
	return 0;
}

int em_stacks__reserve(struct em_stacks *st, size_t nrows, size_t nframes)
{
	int rc;

	if ((rc = grow(st, (void **)&st->frames, &st->cap_frames, nframes, sizeof(*st->frames))) ||
	    (rc = grow(st, (void **)&st->rows, &st->cap_rows, nrows, sizeof(*st->rows))) ||
	    (rc = grow(st, (void **)&st->vals, &st->cap_vals, nrows * st->ncols,
		       sizeof(*st->vals))))
		return rc;
	return 0;
}

size_t em_stacks__count(const struct em_stacks *st)
{
	return st->nrows;
}

size_t em_stacks__truncated(const struct em_stacks *st)
{
	return st->truncated;
}

const int64_t *em_stacks__totals(const struct em_stacks *st)
{
	return st->totals;
}

/* ---- sorting ------------------------------------------------------------ */

static int name_cmp(const void *a, const void *b, void *arg)
{
	const struct em_stacks *st = arg;
	const struct name_ent *x = &st->names[*(const uint32_t *)a];
	const struct name_ent *y = &st->names[*(const uint32_t *)b];
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(st->arena + x->off, st->arena + y->off, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct em_stacks *st = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct row *x = &st->rows[i], *y = &st->rows[j];
	const uint32_t *fx = st->frames + x->off, *fy = st->frames + y->off;
	uint32_t n = x->depth < y->depth ? x->depth : y->depth;

	for (uint32_t k = 0; k < n; k++)
		if (fx[k] != fy[k])
			return fx[k] < fy[k] ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	/* Identical stacks: input order, so the result never depends on qsort. */
	return i < j ? -1 : i > j;
}

int em_stacks__sort(struct em_stacks *st)
{
	size_t nn = st->nnames ? st->nnames : 1;
	uint32_t *rank;

	if (st->order)
		return 0;
	if (charge(st, nn * sizeof(*st->byrank) + nn * sizeof(*rank) +
			       (st->nrows ? st->nrows : 1) * sizeof(*st->order)))
		return -EFBIG;
	st->byrank = malloc(nn * sizeof(*st->byrank));
	rank = malloc(nn * sizeof(*rank));
	st->order = malloc((st->nrows ? st->nrows : 1) * sizeof(*st->order));
	if (!st->byrank || !rank || !st->order) {
		free(st->byrank);
		free(rank);
		free(st->order);
		st->byrank = NULL;
		st->order = NULL;
		return -ENOMEM;
	}
	/* Rank the names once and store ranks in the frames: comparing two
	 * stacks is then a plain integer comparison per frame. */
	for (size_t i = 0; i < st->nnames; i++)
		st->byrank[i] = (uint32_t)i;
	qsort_r(st->byrank, st->nnames, sizeof(*st->byrank), name_cmp, st);
	for (size_t i = 0; i < st->nnames; i++)
		rank[st->byrank[i]] = (uint32_t)i;
	for (size_t i = 0; i < st->nframes; i++)
		st->frames[i] = rank[st->frames[i]];
	free(rank);
	for (size_t i = 0; i < st->nrows; i++)
		st->order[i] = i;
	qsort_r(st->order, st->nrows, sizeof(*st->order), row_cmp, st);
	return 0;
}

/* ---- the walk ------------------------------------------------------------ */

struct flow {
	unsigned int nc;
	const uint32_t *byrank;
	uint32_t *path;		/* path[d]: name rank at depth d (1..open) */
	int64_t *start, *self;	/* (depth) * nc + col */
	int64_t *cursor, *total;
	size_t open;
	em_flow_fn fn;
	void *ctx;
};

static int emit(struct flow *f, size_t d)
{
	struct em_flow_node n;

	for (unsigned int c = 0; c < f->nc; c++)
		f->total[c] = f->cursor[c] - f->start[d * f->nc + c];
	n.name = d ? f->byrank[f->path[d]] : EM_STACKS_ROOT;
	n.depth = (uint32_t)d;
	n.total = f->total;
	n.self = f->self + d * f->nc;
	n.start = f->start + d * f->nc;
	return f->fn(&n, f->ctx);
}

/* Closes the open frames deeper than depth keep, innermost first. */
static int close_to(struct flow *f, size_t keep)
{
	int rc;

	for (; f->open > keep; f->open--) {
		rc = emit(f, f->open);
		if (rc)
			return rc;
	}
	return 0;
}

/* Whether sorted row k starts with the d frames at pre. */
static bool has_prefix(const struct em_stacks *st, size_t k, const uint32_t *pre, uint32_t d)
{
	const struct row *r = &st->rows[st->order[k]];

	return r->depth >= d && memcmp(st->frames + r->off, pre, d * sizeof(*pre)) == 0;
}

/*
 * The first sorted row after i that does not share row i's first d frames:
 * the end of the subtree row i's frame at depth d roots. Rows with a common
 * prefix are contiguous in sorted order, so an exponential then binary search
 * finds it in O(d log n).
 */
static size_t run_end(const struct em_stacks *st, size_t i, uint32_t d)
{
	const uint32_t *pre = st->frames + st->rows[st->order[i]].off;
	size_t lo = i, hi, step = 1;

	while (lo + step < st->nrows && has_prefix(st, lo + step, pre, d)) {
		lo += step;
		step *= 2;
	}
	hi = lo + step < st->nrows ? lo + step : st->nrows;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (has_prefix(st, mid, pre, d))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* prefix[k * nc + c]: sum of column c over the first k sorted rows. */
static int64_t *prefix_sums(const struct em_stacks *st)
{
	size_t nc = st->ncols;
	int64_t *p = malloc((st->nrows + 1) * nc * sizeof(*p));

	if (!p)
		return NULL;
	for (size_t c = 0; c < nc; c++)
		p[c] = 0;
	for (size_t k = 0; k < st->nrows; k++)
		for (size_t c = 0; c < nc; c++)
			p[(k + 1) * nc + c] = p[k * nc + c] + st->vals[st->order[k] * nc + c];
	return p;
}

static void open_frame(struct flow *f, size_t d, uint32_t rank)
{
	f->path[d] = rank;
	/* Loops, not memcpy/memset: nc is usually 1. */
	for (size_t c = 0; c < f->nc; c++) {
		f->start[d * f->nc + c] = f->cursor[c];
		f->self[d * f->nc + c] = 0;
	}
}

/* Whether rows [i, j) add up to less than min[c] in every column. */
static bool narrow(const int64_t *sums, size_t nc, size_t i, size_t j, const double *min)
{
	for (size_t c = 0; c < nc; c++)
		if (!((double)(sums[j * nc + c] - sums[i * nc + c]) < min[c]))
			return false;
	return true;
}

int em_stacks__walk_pruned(struct em_stacks *st, const double *min, em_flow_fn fn, void *ctx)
{
	struct flow f = { .nc = st->ncols, .fn = fn, .ctx = ctx };
	size_t levels = (size_t)st->max_depth + 1, nc = st->ncols;
	int64_t *sums = NULL;
	int rc = em_stacks__sort(st);

	if (rc)
		return rc;
	f.byrank = st->byrank;
	f.path = malloc(levels * sizeof(*f.path));
	f.start = calloc(levels * nc, sizeof(*f.start));
	f.self = calloc(levels * nc, sizeof(*f.self));
	f.cursor = calloc(nc, sizeof(*f.cursor));
	f.total = calloc(nc, sizeof(*f.total));
	if (min)
		sums = prefix_sums(st);
	if (!f.path || !f.start || !f.self || !f.cursor || !f.total || (min && !sums)) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < st->nrows;) {
		size_t r = st->order[i], common = 0, d, j = i + 1;
		const struct row *row = &st->rows[r];
		const uint32_t *fr = st->frames + row->off;
		const int64_t *v = st->vals + r * nc;

		while (common < f.open && common < row->depth && f.path[common + 1] == fr[common])
			common++;
		rc = close_to(&f, common);
		if (rc)
			goto out;
		for (d = common + 1; d <= row->depth; d++) {
			/* A subtree narrower than min is skipped whole: its rows
			 * only move the cursor, so its ancestors still count it. */
			if (sums) {
				j = run_end(st, i, (uint32_t)d);
				if (narrow(sums, nc, i, j, min))
					break;
			}
			open_frame(&f, d, fr[d - 1]);
		}
		f.open = d - 1;
		if (d <= row->depth) {
			for (size_t c = 0; c < nc; c++)
				f.cursor[c] = sums[j * nc + c];
			i = j;
			continue;
		}
		for (size_t c = 0; c < nc; c++) {
			f.self[row->depth * nc + c] += v[c];
			f.cursor[c] += v[c];
		}
		i++;
	}
	rc = close_to(&f, 0);
	if (!rc)
		rc = emit(&f, 0);
out:
	free(sums);
	free(f.path);
	free(f.start);
	free(f.self);
	free(f.cursor);
	free(f.total);
	return rc;
}

int em_stacks__walk(struct em_stacks *st, em_flow_fn fn, void *ctx)
{
	return em_stacks__walk_pruned(st, NULL, fn, ctx);
}

int em_stacks__for_each(struct em_stacks *st, em_stack_fn fn, void *ctx)
{
	size_t nc = st->ncols;
	int64_t *sum;
	uint32_t *ids;
	int rc = em_stacks__sort(st);

	if (rc)
		return rc;
	sum = calloc(nc, sizeof(*sum));
	ids = malloc(((size_t)st->max_depth + 1) * sizeof(*ids));
	if (!sum || !ids) {
		free(sum);
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < st->nrows; i++) {
		const struct row *row = &st->rows[st->order[i]];
		const int64_t *v = st->vals + st->order[i] * nc;
		const struct row *next = i + 1 < st->nrows ? &st->rows[st->order[i + 1]] : NULL;

		for (size_t c = 0; c < nc; c++)
			sum[c] += v[c];
		if (next && next->depth == row->depth &&
		    memcmp(st->frames + next->off, st->frames + row->off,
			   row->depth * sizeof(*st->frames)) == 0)
			continue;
		for (uint32_t d = 0; d < row->depth; d++)
			ids[d] = st->byrank[st->frames[row->off + d]];
		rc = fn(ids, row->depth, sum, ctx);
		if (rc)
			break;
		memset(sum, 0, nc * sizeof(*sum));
	}
	free(sum);
	free(ids);
	return rc;
}

int em_stacks__functions(const struct em_stacks *st, int64_t **self, int64_t **total)
{
	size_t nc = st->ncols, nn = st->nnames ? st->nnames : 1;
	size_t *last = calloc(nn, sizeof(*last));
	int64_t *s = calloc(nn * nc, sizeof(*s)), *t = calloc(nn * nc, sizeof(*t));

	if (!last || !s || !t) {
		free(last);
		free(s);
		free(t);
		return -ENOMEM;
	}
	for (size_t r = 0; r < st->nrows; r++) {
		const struct row *row = &st->rows[r];
		const uint32_t *fr = st->frames + row->off;
		const int64_t *v = st->vals + r * nc;

		for (uint32_t d = 0; d < row->depth; d++) {
			/* Sorted stacks hold ranks; map them back to name ids. */
			size_t id = st->order ? st->byrank[fr[d]] : fr[d];

			if (d + 1 == row->depth)
				for (size_t c = 0; c < nc; c++)
					s[id * nc + c] += v[c];
			if (last[id] == r + 1)
				continue;	/* recursion: once per stack */
			last[id] = r + 1;
			for (size_t c = 0; c < nc; c++)
				t[id * nc + c] += v[c];
		}
	}
	free(last);
	*self = s;
	*total = t;
	return 0;
}
