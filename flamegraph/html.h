/* SPDX-License-Identifier: MIT */
/*
 * html.h - one self-contained HTML flame graph viewer: the profile's tree as
 * embedded JSON, with the viewer's script and style (flamegraph/viewer/)
 * inlined. A Content-Security-Policy forbids every network request, so the
 * file works the same from file://, a mail attachment or an air-gapped host.
 *
 * The viewer draws on a canvas and touches only what is visible; the file
 * holds at most EM_HTML_MAX_NODES frames (the widest ones over all sample
 * types, so a frame is never present without its parent) and the
 * EM_HTML_MAX_FUNCS heaviest functions for the table.
 */
#ifndef EMBER_FLAME_HTML_H
#define EMBER_FLAME_HTML_H

#include "layout.h"
#include "stacks.h"

#include <stdio.h>

#define EM_HTML_MAX_NODES 250000
#define EM_HTML_MAX_FUNCS 20000

/*
 * em_html__write() - write the viewer for every type column of st (v->types;
 * with v->diff the base columns follow) to f, showing v->sel first.
 * max_nodes of 0 means EM_HTML_MAX_NODES. Returns 0, -ENOMEM or -EIO.
 */
int em_html__write(FILE *f, struct em_stacks *st, const struct em_flame_view *v,
		   size_t max_nodes);

#endif
