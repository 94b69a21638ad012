// SPDX-License-Identifier: MIT
/*
 * html.c - the HTML viewer writer (see html.h). The page skeleton is
 * viewer/viewer.html; its @@NAME@@ markers are replaced here with the title,
 * the style sheet, the JSON data and the script.
 */
#include "html.h"
#include "assets.h"
#include "escape.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Node scores are bucketed by 1/16 of a power of two of their share. */
#define NBUCKETS 1024

struct html {
	FILE *f;
	struct em_stacks *st;
	const struct em_flame_view *v;
	const int64_t *totals;
	unsigned int ncols;		/* columns per node: types, plus bases in a diff */
	size_t hist[NBUCKETS];
	size_t nodes, kept, omitted;
	int cutoff;			/* keep nodes with bucket <= cutoff */
	int64_t *remap;			/* name id -> index in "names" + 1 */
	uint32_t *used;			/* names in order of first use */
	size_t nused;
};

/* The node's bucket: its largest share of any type's total, on a log scale;
 * -1 when it has no value in any drawn (non-base) column. */
static int bucket(const struct html *h, const int64_t *total)
{
	double best = 0;

	for (unsigned int c = 0; c < h->v->ntypes; c++)
		if (h->totals[c] > 0 && (double)total[c] / (double)h->totals[c] > best)
			best = (double)total[c] / (double)h->totals[c];
	if (best <= 0)
		return -1;
	best = -log2(best) * 16;
	return best >= NBUCKETS - 1 ? NBUCKETS - 1 : (int)best;
}

static int count_node(const struct em_flow_node *n, void *ctx)
{
	struct html *h = ctx;
	int b = bucket(h, n->total);

	if (b >= 0)
		h->hist[b]++;
	return 0;
}

/* Widest-first cut that keeps at most max nodes. A child's share is never
 * above its parent's, so the kept set always includes every kept node's
 * ancestors. */
static void choose_cutoff(struct html *h, size_t max)
{
	size_t sum = 0;

	h->cutoff = -1;
	for (int b = 0; b < NBUCKETS; b++) {
		if (sum + h->hist[b] > max)
			break;
		sum += h->hist[b];
		h->cutoff = b;
	}
	/* Bucket 0 holds the root (and frames with all of a type's value); it
	 * is always kept so the viewer has a tree to draw. */
	if (h->cutoff < 0) {
		h->cutoff = 0;
		sum = h->hist[0];
	}
	h->kept = sum;
	for (int b = 0; b < NBUCKETS; b++)
		h->nodes += h->hist[b];
	h->omitted = h->nodes - h->kept;
}

static int64_t name_index(struct html *h, uint32_t id)
{
	if (id == EM_STACKS_ROOT)
		return -1;
	if (!h->remap[id]) {
		h->used[h->nused++] = id;
		h->remap[id] = (int64_t)h->nused;
	}
	return h->remap[id] - 1;
}

static int write_node(const struct em_flow_node *n, void *ctx)
{
	struct html *h = ctx;
	int b = bucket(h, n->total);

	if (b < 0 || b > h->cutoff)
		return 0;
	fprintf(h->f, "%s%" PRIu32 ",%" PRId64, h->kept++ ? ",\n" : "", n->depth,
		name_index(h, n->name));
	for (unsigned int c = 0; c < h->ncols; c++)
		fprintf(h->f, ",%" PRId64, n->total[c]);
	return ferror(h->f) ? -EIO : 0;
}

/* The heaviest functions for the table: by their largest share of any type. */
struct func {
	uint32_t id;
	double score;
};

static int func_cmp(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int write_funcs(struct html *h)
{
	size_t nn = em_stacks__nnames(h->st), nf = 0, nc = h->ncols, nt = h->v->ntypes;
	int64_t *self, *total;
	struct func *fs = malloc((nn ? nn : 1) * sizeof(*fs));
	int rc = fs ? em_stacks__functions(h->st, &self, &total) : -ENOMEM;

	if (rc) {
		free(fs);
		return rc;
	}
	for (size_t i = 0; i < nn; i++) {
		double best = 0;

		for (size_t c = 0; c < nt; c++)
			if (h->totals[c] > 0 && (double)total[i * nc + c] / (double)h->totals[c] > best)
				best = (double)total[i * nc + c] / (double)h->totals[c];
		if (best > 0 && em_stacks__kind(h->st, (uint32_t)i) != EM_FK_THREAD)
			fs[nf++] = (struct func){ (uint32_t)i, best };
	}
	qsort(fs, nf, sizeof(*fs), func_cmp);
	if (nf > EM_HTML_MAX_FUNCS)
		nf = EM_HTML_MAX_FUNCS;
	fputs("],\n\"funcs\":[", h->f);
	for (size_t i = 0; i < nf; i++) {
		fprintf(h->f, "%s%" PRId64, i ? ",\n" : "", name_index(h, fs[i].id));
		for (size_t c = 0; c < nt; c++)
			fprintf(h->f, ",%" PRId64, self[fs[i].id * nc + c]);
		for (size_t c = 0; c < nt; c++)
			fprintf(h->f, ",%" PRId64, total[fs[i].id * nc + c]);
	}
	fprintf(h->f, "],\n\"nfuncs\":%zu", nf);
	free(fs);
	free(self);
	free(total);
	return 0;
}

static void write_names(struct html *h)
{
	static const char *const kinds[] = { "user", "shlib", "kernel", "inlined", "syscall",
					     "thread" };

	fputs(",\n\"kinds\":[", h->f);
	for (int k = 0; k < EM_FK_NKINDS; k++)
		fprintf(h->f, "%s\"%s\"", k ? "," : "", kinds[k]);
	fputs("],\n\"names\":[", h->f);
	for (size_t i = 0; i < h->nused; i++) {
		size_t len;
		const char *s = em_stacks__name(h->st, h->used[i], &len);
		enum em_fkind kind = em_stacks__kind(h->st, h->used[i]);
		uint8_t rgb[3];

		em_flame_color(s, len, kind, rgb);
		fputs(i ? ",\n[" : "[", h->f);
		em_esc_json(h->f, s, len);
		fprintf(h->f, ",%d,\"#%02x%02x%02x\"]", (int)kind, rgb[0], rgb[1], rgb[2]);
	}
	fputs("]", h->f);
}

static void write_header(struct html *h)
{
	const struct em_flame_view *v = h->v;
	const char *title = em_flame_title(v);
	uint8_t root[3];

	em_flame_root_color(root);
	fputs("{\"version\":1,\"title\":", h->f);
	em_esc_json(h->f, title, strlen(title));
	fputs(",\n\"types\":[", h->f);
	for (unsigned int t = 0; t < v->ntypes; t++) {
		fputs(t ? ",{\"name\":" : "{\"name\":", h->f);
		em_esc_json(h->f, v->types[t].name, strlen(v->types[t].name));
		fputs(",\"unit\":", h->f);
		em_esc_json(h->f, v->types[t].unit, strlen(v->types[t].unit));
		fprintf(h->f, ",\"total\":%" PRId64, h->totals[t]);
		if (v->diff)
			fprintf(h->f, ",\"base\":%" PRId64, h->totals[v->ntypes + t]);
		fputs("}", h->f);
	}
	fprintf(h->f,
		"],\n\"sel\":%u,\"diff\":%s,\"icicle\":%s,\"duration\":%" PRId64
		",\"inputs\":%u,\"bases\":%u,\"rootColor\":\"#%02x%02x%02x\",\"ncols\":%u,"
		"\"omitted\":%zu,\n\"nodes\":[",
		v->sel, v->diff ? "true" : "false", v->icicle ? "true" : "false",
		v->duration_nanos, v->ninputs, v->nbases, root[0], root[1], root[2], h->ncols,
		h->omitted);
}

static int write_data(struct html *h)
{
	double *min = malloc(h->ncols * sizeof(*min));
	/* bucket <= cutoff means a share above 2^-((cutoff + 1) / 16); skip
	 * only subtrees safely below that (write_node decides exactly). */
	double share = exp2(-(h->cutoff + 1) / 16.0) * 0.999;
	int rc;

	if (!min)
		return -ENOMEM;
	for (unsigned int c = 0; c < h->ncols; c++)
		min[c] = c < h->v->ntypes && h->totals[c] > 0 ? share * (double)h->totals[c]
							      : INFINITY;
	write_header(h);
	h->kept = 0;
	rc = em_stacks__walk_pruned(h->st, min, write_node, h);
	free(min);
	if (!rc)
		rc = write_funcs(h);
	if (!rc) {
		write_names(h);
		fputs("}", h->f);
	}
	return rc;
}

/* Copies the template up to the next @@MARKER@@; returns the marker or NULL at the end. */
static const char *copy_until_marker(FILE *f, const char **pos, char *marker, size_t len)
{
	const char *p = *pos, *m = strstr(p, "@@"), *e;

	if (!m || !(e = strstr(m + 2, "@@"))) {
		fputs(p, f);
		*pos = p + strlen(p);
		return NULL;
	}
	fwrite(p, 1, (size_t)(m - p), f);
	snprintf(marker, len, "%.*s", (int)(e - m - 2), m + 2);
	*pos = e + 2;
	return marker;
}

int em_html__write(FILE *f, struct em_stacks *st, const struct em_flame_view *v,
		   size_t max_nodes)
{
	struct html h = { .f = f, .st = st, .v = v, .totals = em_stacks__totals(st) };
	size_t nn = em_stacks__nnames(st);
	const char *pos = em_asset_viewer_html, *m;
	char marker[32];
	int rc;

	h.ncols = em_stacks__ncols(st);
	rc = em_stacks__walk(st, count_node, &h);
	if (rc)
		return rc;
	choose_cutoff(&h, max_nodes ? max_nodes : EM_HTML_MAX_NODES);
	h.remap = calloc(nn ? nn : 1, sizeof(*h.remap));
	h.used = malloc((nn ? nn : 1) * sizeof(*h.used));
	if (!h.remap || !h.used) {
		rc = -ENOMEM;
		goto out;
	}
	while (!rc && (m = copy_until_marker(f, &pos, marker, sizeof(marker)))) {
		if (!strcmp(m, "TITLE"))
			em_esc_xml(f, em_flame_title(v), strlen(em_flame_title(v)));
		else if (!strcmp(m, "STYLE"))
			fwrite(em_asset_viewer_css, 1, em_asset_viewer_css_len, f);
		else if (!strcmp(m, "SCRIPT"))
			fwrite(em_asset_viewer_js, 1, em_asset_viewer_js_len, f);
		else if (!strcmp(m, "DATA"))
			rc = write_data(&h);
	}
	if (!rc && ferror(f))
		rc = -EIO;
out:
	free(h.remap);
	free(h.used);
	return rc;
}
