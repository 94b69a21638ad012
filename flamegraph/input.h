/* SPDX-License-Identifier: MIT */
/*
 * input.h - from the files on the command line to the stacks to draw.
 *
 * Each file is read whole (capped), gunzipped when it is gzip (capped, so a
 * decompression bomb stops at 256 MiB), and recognised by content: folded
 * text, or a pprof profile decoded and fully validated by lib/profile.h.
 * Then the sample types are matched across files by name and unit, and every
 * file is folded into one em_stacks: the profiles' columns first, the diff
 * base's columns after them. Differential folded text ("stack BASE NEW", as
 * difffolded.pl writes) brings its own base column.
 *
 * Errors are one line naming the file: "cpu.pb.gz: truncated gzip stream".
 * Not thread-safe; not async-signal-safe.
 */
#ifndef EMBER_FLAME_INPUT_H
#define EMBER_FLAME_INPUT_H

#include "fold.h"
#include "layout.h"
#include "stacks.h"

#include <stdbool.h>
#include <stddef.h>

struct em_flame_request {
	char *const *inputs;		/* profiles to draw, merged */
	size_t ninputs;			/* >= 1 */
	char *const *bases;		/* --diff profiles, merged; may be empty */
	size_t nbases;
	const char *type;		/* --type; NULL: the first input's default */
	bool all_types;			/* every type all inputs share (the HTML switcher) */
	bool by_thread;
	struct em_fold_filter *filter;	/* NULL keeps every stack */
};

struct em_flame_data {
	struct em_stacks *st;
	struct em_flame_type *types;	/* ntypes entries; strings owned here */
	unsigned int ntypes;
	unsigned int sel;		/* index of the requested type in types */
	int64_t duration_nanos;		/* sum over the inputs (not the bases) */
	bool diff;			/* a base: --diff, or differential folded input */
	unsigned int nfolded;		/* inputs that were folded text (no labels) */
};

/*
 * em_flame_build() - load every file, pick the types and fold the samples.
 * On success *d owns the stacks (release with em_flame_data__release); the
 * total of the selected type is > 0. Returns 0 or a negative errno with the
 * reason in err, starting with the file it concerns.
 */
int em_flame_build(const struct em_flame_request *rq, struct em_flame_data *d, char *err,
		   size_t err_len);
/* NULL-safe; leaves *d zeroed. */
void em_flame_data__release(struct em_flame_data *d);

#endif
