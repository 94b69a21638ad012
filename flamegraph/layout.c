// SPDX-License-Identifier: MIT
/* layout.c - frame rectangles, colours, labels and texts shared by the writers. */
#include "layout.h"
#include "escape.h"
#include "u64map.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *em_flame_title(const struct em_flame_view *v)
{
	if (v->title)
		return v->title;
	if (v->diff)
		return v->icicle ? "Differential Icicle Graph" : "Differential Flame Graph";
	return v->icicle ? "Icicle Graph" : "Flame Graph";
}

void em_flame_value(const struct em_flame_type *t, int64_t v, char *buf, size_t len)
{
	em_format_value(v, t->unit, buf, len);
	/* A bare count says nothing; name what was counted, as flamegraph.pl's
	 * "45 samples" does. */
	if (!*t->unit || !strcmp(t->unit, "count")) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " %s", t->name);
	}
}

void em_flame_subtitle(const struct em_flame_view *v, const int64_t *totals, char *buf,
		       size_t len)
{
	const struct em_flame_type *t = &v->types[v->sel];
	char val[64];
	size_t n;

	n = (size_t)snprintf(buf, len, "Type: %s", t->name);
	if (v->duration_nanos > 0 && n < len) {
		em_format_value(v->duration_nanos, "nanoseconds", val, sizeof(val));
		n += (size_t)snprintf(buf + n, len - n, ", Duration: %s", val);
	}
	em_flame_value(t, totals[v->sel], val, sizeof(val));
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, ", Total: %s", val);
	if (v->diff && n < len) {
		em_flame_value(t, totals[v->ntypes + v->sel], val, sizeof(val));
		n += (size_t)snprintf(buf + n, len - n,
				      ", Base: %s (red grew, blue shrank, as shares of each total)",
				      val);
	}
	if (v->ninputs > 1 && n < len)
		snprintf(buf + n, len - n, ", %u profiles merged", v->ninputs);
}

/* Three independent shades in [0, 1) from the name. */
static void shades(const char *name, size_t len, double v[3])
{
	uint64_t h = em_hash_bytes(name, len, 0x656d626572ULL);	/* "ember" */

	for (int i = 0; i < 3; i++)
		v[i] = (double)((h >> (i * 21)) & 0x1fffff) / (double)0x200000;
}

static uint8_t u8(double x)
{
	return x <= 0 ? 0 : x >= 255 ? 255 : (uint8_t)x;
}

void em_flame_color(const char *name, size_t len, enum em_fkind kind, uint8_t rgb[3])
{
	double v[3];

	if (len == 1 && name[0] == '-') {
		/* flamegraph.pl's separator frame */
		rgb[0] = rgb[1] = rgb[2] = 160;
		return;
	}
	shades(name, len, v);
	/* The palettes of flamegraph.pl's mixed-mode ("java") colouring: user
	 * code red, libraries yellow, kernel orange, inlined aqua; ember adds
	 * purple syscall leaves and green thread roots. */
	switch (kind) {
	case EM_FK_SHLIB:
		rgb[0] = rgb[1] = u8(175 + 55 * v[0]);
		rgb[2] = u8(50 + 20 * v[1]);
		break;
	case EM_FK_KERNEL:
		rgb[0] = u8(225 + 30 * v[0]);
		rgb[1] = u8(125 + 50 * v[0]);
		rgb[2] = 0;
		break;
	case EM_FK_INLINED:
		rgb[0] = u8(50 + 60 * v[0]);
		rgb[1] = rgb[2] = u8(165 + 55 * v[1]);
		break;
	case EM_FK_SYSCALL:
		rgb[0] = rgb[2] = u8(190 + 65 * v[0]);
		rgb[1] = u8(80 + 60 * v[1]);
		break;
	case EM_FK_THREAD:
		rgb[0] = rgb[2] = u8(50 + 60 * v[0]);
		rgb[1] = u8(200 + 55 * v[1]);
		break;
	default:
		rgb[0] = u8(200 + 55 * v[0]);
		rgb[1] = u8(50 + 45 * v[1]);
		rgb[2] = u8(50 + 45 * v[2]);
		break;
	}
}

void em_flame_root_color(uint8_t rgb[3])
{
	rgb[0] = rgb[1] = rgb[2] = 210;
}

void em_flame_diff_color(double delta, double maxdelta, uint8_t rgb[3])
{
	double i = maxdelta > 0 ? fabs(delta) / maxdelta : 0;
	uint8_t other = u8(245 - 210 * (i > 1 ? 1 : i));

	if (delta > 0) {
		rgb[0] = 255;
		rgb[1] = rgb[2] = other;
	} else if (delta < 0) {
		rgb[2] = 255;
		rgb[0] = rgb[1] = other;
	} else {
		rgb[0] = rgb[1] = rgb[2] = 245;
	}
}

size_t em_flame_fit(const char *name, size_t len, double px, bool *dots)
{
	double per = EM_FLAME_FONT_SIZE * EM_FLAME_FONT_WIDTH;
	size_t chars = px > 0 ? (size_t)(px / per) : 0;

	*dots = false;
	if (chars < 3)
		return 0;
	if (em_utf8_count(name, len) <= chars)
		return len;
	*dots = true;
	return em_utf8_prefix(name, len, chars - 2);
}

/* ---- rectangles ------------------------------------------------------------ */

struct collect {
	unsigned int col;
	int base_col;
	double min_value;
	struct em_rect *r;
	size_t n, cap;
	uint32_t max_depth;
};

static int collect_node(const struct em_flow_node *nd, void *ctx)
{
	struct collect *c = ctx;
	int64_t w = nd->total[c->col];
	struct em_rect *r;

	if (w <= 0 || (double)w < c->min_value)
		return 0;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		struct em_rect *nr = realloc(c->r, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		c->r = nr;
		c->cap = ncap;
	}
	r = &c->r[c->n++];
	r->name = nd->name;
	r->depth = nd->depth;
	r->x = nd->start[c->col];
	r->w = w;
	r->base = c->base_col >= 0 ? nd->total[c->base_col] : 0;
	if (nd->depth > c->max_depth)
		c->max_depth = nd->depth;
	return 0;
}

static int rect_cmp(const void *a, const void *b)
{
	const struct em_rect *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->x < y->x ? -1 : x->x > y->x;
}

int em_layout__rects(struct em_stacks *st, unsigned int col, int base_col, double min_value,
		     struct em_rect **out, size_t *n, uint32_t *max_depth)
{
	struct collect c = { .col = col, .base_col = base_col, .min_value = min_value };
	unsigned int nc = em_stacks__ncols(st);
	double *min = malloc(nc * sizeof(*min));
	int rc;

	if (!min)
		return -ENOMEM;
	/* Only the drawn column decides what is too narrow. */
	for (unsigned int i = 0; i < nc; i++)
		min[i] = i == col ? min_value : INFINITY;
	rc = em_stacks__walk_pruned(st, min, collect_node, &c);
	free(min);
	if (rc) {
		free(c.r);
		return rc;
	}
	qsort(c.r, c.n, sizeof(*c.r), rect_cmp);
	*out = c.r;
	*n = c.n;
	*max_depth = c.max_depth;
	return 0;
}
