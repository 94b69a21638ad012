/* SPDX-License-Identifier: MIT */
/*
 * folded.h - Brendan Gregg's folded stack format, read and written.
 *
 * One line per stack: frames root first, joined by ';', then whitespace and an
 * integer count ("main;work;leaf_a 30"). The reader is strict where
 * flamegraph.pl is lenient: a malformed line is an error naming its line
 * number, not a silently skipped line. The writer emits the most portable
 * form (one space, an integer), which flamegraph.pl, inferno and speedscope
 * all read.
 *
 * Not thread-safe; not async-signal-safe.
 */
#ifndef EMBER_FLAME_FOLDED_H
#define EMBER_FLAME_FOLDED_H

#include "fold.h"
#include "stacks.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * em_folded__is_text() - true when data looks like folded text rather than a
 * protobuf: no NUL byte anywhere, and no control character other than tab,
 * CR and LF in the first 4 KiB. (A pprof profile starts with field tags and
 * lengths, which are control bytes.)
 */
bool em_folded__is_text(const void *data, size_t len);

/*
 * em_folded__parse() - add every line of text (len bytes, no NUL) to column
 * col of st, through filter (NULL keeps all). With base_col >= 0 the text is
 * differential, every line "stack BASE NEW" (difffolded.pl's layout, which
 * flamegraph.pl draws as a differential graph): BASE goes to column
 * base_col, NEW to col. Frame suffixes "_[k]" and "_[i]" set the frame kind
 * and are removed. Blank lines are skipped.
 * *lines gets the number of stack lines, *kept (optional) those the filter
 * kept. Lines deeper than EM_STACKS_MAX_DEPTH are cut (em_stacks__truncated).
 * Returns 0, or a negative errno with "line N: reason" in err (-EINVAL for a
 * malformed line, -ERANGE for a count that is negative or too large,
 * -EOVERFLOW, -EFBIG (EM_STACKS_MAX_MEM), -ENOMEM).
 */
int em_folded__parse(struct em_stacks *st, const char *text, size_t len, unsigned int col,
		     int base_col, struct em_fold_filter *filter, size_t *lines, size_t *kept,
		     char *err, size_t err_len);

/* Whether the first stack line of text ends in two counts ("stack BASE NEW"):
 * a differential file, as difffolded.pl and `ember flame --diff -o x.folded`
 * write. */
bool em_folded__is_diff(const char *text, size_t len);

/*
 * em_folded__write() - write the stacks of st, one line per distinct stack in
 * sorted order, with the value of column col. With base_col >= 0 each line has
 * two counts, "stack BASE VALUE", the difffolded.pl layout flamegraph.pl draws
 * as a differential graph. Lines whose counts are all zero are left out. ';'
 * in names becomes ':' and line breaks become spaces; kernel and inlined
 * frames get their "_[k]"/"_[i]" suffix back. Returns 0, -EIO or -ENOMEM.
 */
int em_folded__write(FILE *f, struct em_stacks *st, unsigned int col, int base_col);

#endif
