/* SPDX-License-Identifier: MIT */
/*
 * svg.h - one self-contained SVG flame graph in flamegraph.pl's convention:
 * frames as titled rectangles sized by value, names cut to fit, colours by
 * kind and name, title and subtitle, and an embedded script (hover, zoom,
 * regex search) that needs no network. Without the script it is still the
 * complete static picture. The output depends only on the input: the same
 * stacks give the same bytes.
 */
#ifndef EMBER_FLAME_SVG_H
#define EMBER_FLAME_SVG_H

#include "layout.h"
#include "stacks.h"

#include <stdio.h>

/*
 * em_svg__write() - draw column v->sel of st (with v->diff, coloured by its
 * change against column v->ntypes + v->sel) to f. The total of the drawn
 * column must be > 0. Returns 0, -EINVAL (nothing to draw), -ENOMEM or -EIO.
 */
int em_svg__write(FILE *f, struct em_stacks *st, const struct em_flame_view *v);

#endif
