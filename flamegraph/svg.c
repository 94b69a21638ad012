// SPDX-License-Identifier: MIT
/* svg.c - the SVG flame graph writer (see svg.h). */
#include "svg.h"
#include "assets.h"
#include "escape.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct svg {
	FILE *f;
	const struct em_flame_view *v;
	struct em_stacks *st;
	const struct em_flame_type *type;
	int64_t total, base_total;
	double scale, height, maxdelta;
};

static void put_esc(FILE *f, const char *s)
{
	em_esc_xml(f, s, strlen(s));
}

static void header(struct svg *s, const int64_t *totals)
{
	FILE *f = s->f;
	double w = s->v->width, h = s->height;
	char sub[512];

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		   "xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\" "
		   "data-total=\"%" PRId64 "\" data-xpad=\"%d\" data-font-size=\"%d\" "
		   "data-font-width=\"%.2f\">\n",
		w, h, w, h, s->total, EM_FLAME_XPAD, EM_FLAME_FONT_SIZE, EM_FLAME_FONT_WIDTH);
	fprintf(f, "<!-- Flame graph written by ember flame. Frames: <g data-x data-w data-d> with "
		   "start and width in the profile's units and the depth. -->\n");
	fprintf(f, "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		   "<stop stop-color=\"%s\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
		   "</linearGradient></defs>\n",
		"#eeeeee", s->v->diff ? "#e0e0ff" : "#eeeeb0");
	fprintf(f, "<style type=\"text/css\">\n"
		   "text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		   "#title { text-anchor: middle; font-size: %dpx; }\n"
		   "#subtitle { text-anchor: middle; fill: rgb(100,100,100); }\n"
		   "#matched { text-anchor: end; }\n"
		   "#search, #ignorecase { opacity: 0.1; cursor: pointer; }\n"
		   "#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }\n"
		   "#unzoom { cursor: pointer; }\n"
		   "#frames rect { rx: 2px; ry: 2px; }\n"
		   "#frames > *:hover { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
		   ".hide { display: none; }\n"
		   ".parent { opacity: 0.5; }\n"
		   "</style>\n",
		EM_FLAME_FONT_SIZE, EM_FLAME_FONT_SIZE + 5);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", f);
	fwrite(em_asset_flame_svg_js, 1, em_asset_flame_svg_js_len, f);
	fputs("]]></script>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"url(#background)\"/>\n",
		w, h);
	fprintf(f, "<text id=\"title\" x=\"%.1f\" y=\"%d\">", w / 2, EM_FLAME_FONT_SIZE * 2);
	put_esc(f, em_flame_title(s->v));
	em_flame_subtitle(s->v, totals, sub, sizeof(sub));
	fprintf(f, "</text>\n<text id=\"subtitle\" x=\"%.1f\" y=\"%d\">", w / 2,
		EM_FLAME_FONT_SIZE * 7 / 2);
	put_esc(f, sub);
	fprintf(f, "</text>\n<text id=\"details\" x=\"%d\" y=\"%.0f\"> </text>\n", EM_FLAME_XPAD,
		h - EM_FLAME_BOTTOM / 2.0);
	fprintf(f, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		EM_FLAME_XPAD, EM_FLAME_FONT_SIZE * 2);
	fprintf(f, "<text id=\"search\" x=\"%.0f\" y=\"%d\">Search</text>\n",
		w - EM_FLAME_XPAD - 120, EM_FLAME_FONT_SIZE * 2);
	fprintf(f, "<text id=\"ignorecase\" x=\"%.0f\" y=\"%d\">ic</text>\n",
		w - EM_FLAME_XPAD - 16, EM_FLAME_FONT_SIZE * 2);
	fprintf(f, "<text id=\"matched\" class=\"hide\" x=\"%.0f\" y=\"%.0f\"> </text>\n",
		w - EM_FLAME_XPAD, h - EM_FLAME_BOTTOM / 2.0);
	fputs("<g id=\"frames\">\n", f);
}

static double share(int64_t v, int64_t total)
{
	return total > 0 ? (double)v / (double)total : 0;
}

/* Appends the decimal form of v at p; returns the new end. */
static char *put_int(char *p, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char tmp[24];
	int n = 0;

	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * Appends v (>= 0) with one or two decimals, rounded half up. printf's exact
 * decimal expansion of doubles took half the time of writing an SVG with
 * 170,000 frames; coordinates need nothing that careful.
 */
static char *put_fixed(char *p, double v, int decimals)
{
	int64_t scale = decimals == 2 ? 100 : 10, x = (int64_t)(v * (double)scale + 0.5);

	p = put_int(p, x / scale);
	*p++ = '.';
	if (decimals == 2 && x % scale < 10)
		*p++ = '0';
	return put_int(p, x % scale);
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static void frame(struct svg *s, const struct em_rect *r)
{
	FILE *f = s->f;
	size_t len, shown;
	const char *name = r->name == EM_STACKS_ROOT ? "all" : em_stacks__name(s->st, r->name, &len);
	double x = EM_FLAME_XPAD + (double)r->x * s->scale, w = (double)r->w * s->scale;
	double y = s->v->icicle ? EM_FLAME_TOP + (double)r->depth * EM_FLAME_FRAME_H
				: s->height - EM_FLAME_BOTTOM - (double)(r->depth + 1) * EM_FLAME_FRAME_H;
	char buf[512], val[64], *p = buf;
	uint8_t rgb[3];
	bool dots;

	if (r->name == EM_STACKS_ROOT)
		len = 3;
	if (s->v->diff)
		em_flame_diff_color(share(r->w, s->total) - share(r->base, s->base_total),
				    s->maxdelta, rgb);
	else if (r->name == EM_STACKS_ROOT)
		em_flame_root_color(rgb);
	else
		em_flame_color(name, len, em_stacks__kind(s->st, r->name), rgb);

	p = put_str(p, "<g data-x=\"");
	p = put_int(p, r->x);
	p = put_str(p, "\" data-w=\"");
	p = put_int(p, r->w);
	p = put_str(p, "\" data-d=\"");
	p = put_int(p, r->depth);
	p = put_str(p, "\"><title>");
	fwrite(buf, 1, (size_t)(p - buf), f);
	em_esc_xml(f, name, len);

	em_flame_value(s->type, r->w, val, sizeof(val));
	p = put_str(buf, " (");
	p = put_str(p, val);
	p = put_str(p, ", ");
	p = put_fixed(p, 100 * share(r->w, s->total), 2);
	p = put_str(p, "%");
	fwrite(buf, 1, (size_t)(p - buf), f);
	if (s->v->diff) {
		double d = 100 * (share(r->w, s->total) - share(r->base, s->base_total));

		em_flame_value(s->type, r->base, val, sizeof(val));
		/* "-0.00" would read as a shrink; print changes that round to 0 as +0.00. */
		fprintf(f, "; base %s, %.2f%%; %+.2f%%", val, 100 * share(r->base, s->base_total),
			fabs(d) < 0.005 ? 0.0 : d);
	}
	p = put_str(buf, ")</title><rect x=\"");
	p = put_fixed(p, x, 1);
	p = put_str(p, "\" y=\"");
	p = put_fixed(p, y, 1);
	p = put_str(p, "\" width=\"");
	p = put_fixed(p, w, 1);
	p = put_str(p, "\" height=\"");
	p = put_int(p, EM_FLAME_FRAME_H - 1);
	p = put_str(p, "\" fill=\"rgb(");
	p = put_int(p, rgb[0]);
	*p++ = ',';
	p = put_int(p, rgb[1]);
	*p++ = ',';
	p = put_int(p, rgb[2]);
	p = put_str(p, ")\"/>");
	/* No label fits in most frames of a big profile; leave the element out
	 * (the script adds one when a zoom makes room). */
	shown = em_flame_fit(name, len, w, &dots);
	if (shown) {
		p = put_str(p, "<text x=\"");
		p = put_fixed(p, x + 3, 1);
		p = put_str(p, "\" y=\"");
		p = put_fixed(p, y + (EM_FLAME_FRAME_H - 1) / 2.0 + 3, 1);
		p = put_str(p, "\">");
		fwrite(buf, 1, (size_t)(p - buf), f);
		em_esc_xml(f, name, shown);
		p = put_str(buf, dots ? "..</text>" : "</text>");
	}
	p = put_str(p, "</g>\n");
	fwrite(buf, 1, (size_t)(p - buf), f);
}

int em_svg__write(FILE *f, struct em_stacks *st, const struct em_flame_view *v)
{
	const int64_t *totals = em_stacks__totals(st);
	struct svg s = { .f = f, .v = v, .st = st, .type = &v->types[v->sel] };
	struct em_rect *rects = NULL;
	uint32_t max_depth = 0;
	size_t n = 0;
	int rc;

	s.total = totals[v->sel];
	s.base_total = v->diff ? totals[v->ntypes + v->sel] : 0;
	if (s.total <= 0)
		return -EINVAL;
	s.scale = (v->width - 2 * EM_FLAME_XPAD) / (double)s.total;
	rc = em_layout__rects(st, v->sel, v->diff ? (int)(v->ntypes + v->sel) : -1,
			      v->min_width / s.scale, &rects, &n, &max_depth);
	if (rc)
		return rc;
	s.height = EM_FLAME_TOP + EM_FLAME_BOTTOM + (double)(max_depth + 1) * EM_FLAME_FRAME_H;
	for (size_t i = 0; v->diff && i < n; i++) {
		double d = fabs(share(rects[i].w, s.total) - share(rects[i].base, s.base_total));

		if (d > s.maxdelta)
			s.maxdelta = d;
	}
	header(&s, totals);
	for (size_t i = 0; i < n; i++)
		frame(&s, &rects[i]);
	fputs("</g>\n</svg>\n", f);
	free(rects);
	return ferror(f) ? -EIO : 0;
}
