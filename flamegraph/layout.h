/* SPDX-License-Identifier: MIT */
/*
 * layout.h - what the SVG and HTML writers share: the view (types, title,
 * geometry), frame rectangles, colours and label fitting.
 *
 * Geometry follows flamegraph.pl so the pictures look familiar: 16 px frames,
 * 12 px Verdana, 10 px side margins, names cut to fit with "..", and frames
 * narrower than --min-width (0.1 px) left out; their value still counts in
 * their parent's width, so the parent simply shows it as its own.
 *
 * Colours are a function of the frame's name and kind only (a 64-bit hash of
 * the name picks a shade inside the kind's palette), so the same function has
 * the same colour in every graph ember draws. Pure; thread-safe.
 */
#ifndef EMBER_FLAME_LAYOUT_H
#define EMBER_FLAME_LAYOUT_H

#include "stacks.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EM_FLAME_FRAME_H 16
#define EM_FLAME_FONT_SIZE 12
#define EM_FLAME_FONT_WIDTH 0.59	/* average glyph width / font size, for Verdana */
#define EM_FLAME_XPAD 10
#define EM_FLAME_TOP (EM_FLAME_FONT_SIZE * 5)		/* title and subtitle */
#define EM_FLAME_BOTTOM (EM_FLAME_FONT_SIZE * 2 + 10)	/* details line */

struct em_flame_type {
	const char *name;	/* "cpu", "alloc_space", "samples" */
	const char *unit;	/* "nanoseconds", "bytes", "count" */
};

/* What to draw. Column t holds type t; in a diff, column ntypes + t holds the
 * base profile's values of type t. */
struct em_flame_view {
	const char *title;		/* NULL: "Flame Graph", "Icicle Graph", ... */
	const struct em_flame_type *types;
	unsigned int ntypes;
	unsigned int sel;		/* the type drawn (SVG) or shown first (HTML) */
	bool diff;
	bool icicle;
	double width;			/* image width in px */
	double min_width;		/* px; narrower frames are left out */
	int64_t duration_nanos;		/* sum over the inputs; 0 when unknown */
	unsigned int ninputs;
	unsigned int nbases;
};

/* The title to show: view->title, or the default for the mode. */
const char *em_flame_title(const struct em_flame_view *v);

/*
 * em_flame_subtitle() - "Type: cpu, Duration: 1s, Total: 450ms" (plus
 * "Base: ..." for a diff and the number of profiles when several were
 * merged), from the column totals of the stacks. Writes into buf.
 */
void em_flame_subtitle(const struct em_flame_view *v, const int64_t *totals, char *buf,
		       size_t len);

/* A value in its type's unit: "450ms", "12.0MiB", "45 samples". */
void em_flame_value(const struct em_flame_type *t, int64_t v, char *buf, size_t len);

/* A frame's fill colour, from its kind's palette and its name's hash. */
void em_flame_color(const char *name, size_t len, enum em_fkind kind, uint8_t rgb[3]);
/* The grey of the root frame ("all"). */
void em_flame_root_color(uint8_t rgb[3]);
/*
 * em_flame_diff_color() - difffolded colouring: red when delta > 0 (grew),
 * blue when < 0 (shrank), white-ish at 0, saturating at |delta| == maxdelta.
 */
void em_flame_diff_color(double delta, double maxdelta, uint8_t rgb[3]);

/*
 * em_flame_fit() - the label for a frame px wide: the number of bytes of name
 * to show, with *dots set when ".." must follow. Returns 0 when not even three
 * characters fit (no label), as flamegraph.pl does.
 */
size_t em_flame_fit(const char *name, size_t len, double px, bool *dots);

/* One frame to draw, in value units of the drawn column. */
struct em_rect {
	uint32_t name;		/* name id, EM_STACKS_ROOT for the root */
	uint32_t depth;		/* 0 = root */
	int64_t x, w;		/* start and width */
	int64_t base;		/* diff: the base column's total for this frame */
};

/*
 * em_layout__rects() - the frames of column col that are at least min_value
 * wide, sorted by depth then x. base_col < 0 means no diff. *out is malloc'd
 * (caller frees); *n gets the count, *max_depth the deepest drawn depth.
 * Returns 0 or -ENOMEM.
 */
int em_layout__rects(struct em_stacks *st, unsigned int col, int base_col, double min_value,
		     struct em_rect **out, size_t *n, uint32_t *max_depth);

#endif
