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

static void frame(struct svg *s, const struct em_rect *r)
{
	FILE *f = s->f;
	size_t len, shown;
	const char *name = r->name == EM_STACKS_ROOT ? "all" : em_stacks__name(s->st, r->name, &len);
	double x = EM_FLAME_XPAD + (double)r->x * s->scale, w = (double)r->w * s->scale;
	double y = s->v->icicle ? EM_FLAME_TOP + (double)r->depth * EM_FLAME_FRAME_H
				: s->height - EM_FLAME_BOTTOM - (double)(r->depth + 1) * EM_FLAME_FRAME_H;
	char val[64];
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

	fprintf(f, "<g data-x=\"%" PRId64 "\" data-w=\"%" PRId64 "\" data-d=\"%" PRIu32 "\"><title>",
		r->x, r->w, r->depth);
	em_esc_xml(f, name, len);
	em_flame_value(s->type, r->w, val, sizeof(val));
	fprintf(f, " (%s, %.2f%%", val, 100 * share(r->w, s->total));
	if (s->v->diff) {
		double d = 100 * (share(r->w, s->total) - share(r->base, s->base_total));

		em_flame_value(s->type, r->base, val, sizeof(val));
		/* "-0.00" would read as a shrink; print changes that round to 0 as +0.00. */
		fprintf(f, "; base %s, %.2f%%; %+.2f%%", val, 100 * share(r->base, s->base_total),
			fabs(d) < 0.005 ? 0.0 : d);
	}
	fprintf(f, ")</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
		   "fill=\"rgb(%u,%u,%u)\" rx=\"2\" ry=\"2\"/><text x=\"%.1f\" y=\"%.1f\">",
		x, y, w, EM_FLAME_FRAME_H - 1, rgb[0], rgb[1], rgb[2], x + 3,
		y + (EM_FLAME_FRAME_H - 1) / 2.0 + 3);
	shown = em_flame_fit(name, len, w, &dots);
	em_esc_xml(f, name, shown);
	if (dots)
		fputs("..", f);
	fputs("</text></g>\n", f);
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
