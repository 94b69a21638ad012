/* SPDX-License-Identifier: MIT */
/*
 * stacks.h - the merged call tree behind every flame graph ember draws.
 *
 * The tree is not stored as linked nodes. It is stored the way flamegraph.pl
 * sees it: a list of stacks (root first, frames as interned name ids) with one
 * value per column. Sorting the stacks by frame name makes every subtree a
 * contiguous run, so one linear pass over the sorted list (em_stacks__walk)
 * visits every node of the merged tree in post-order with its total, self and
 * x offset. Memory is 4 bytes per frame of input plus the names, instead of a
 * node per prefix; a caller that only needs the wide nodes (the SVG) never
 * holds the rest.
 *
 * Columns are whatever the caller adds up: one sample type for an SVG, every
 * type of the profile for the HTML viewer, and the base profile's columns after
 * them for a diff.
 *
 * Names are (string, kind) pairs: "read" in user code and "read" as a syscall
 * leaf are different frames, drawn side by side in different colours.
 *
 * Functions returning int give 0 or a negative errno. Not thread-safe; not
 * async-signal-safe. Nothing here recurses on input data.
 */
#ifndef EMBER_FLAME_STACKS_H
#define EMBER_FLAME_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a frame is; selects its palette. */
enum em_fkind {
	EM_FK_USER,	/* the program's own code */
	EM_FK_SHLIB,	/* a shared library (its mapping's name contains ".so") */
	EM_FK_KERNEL,	/* kernel: "_[k]" suffix or a [kernel.kallsyms] mapping */
	EM_FK_INLINED,	/* inlined into the frame below it */
	EM_FK_SYSCALL,	/* the leaf of a syscall sample */
	EM_FK_THREAD,	/* a thread label, the root frame with --by-thread */
	EM_FK_NKINDS
};

/* Deeper stacks are cut at this depth (the root-most frames are kept). */
#define EM_STACKS_MAX_DEPTH 16384
/* 256 sample types (EM_PROFILE_MAX_TYPES), twice for a diff. */
#define EM_STACKS_MAX_COLS 512
/* Memory the stacks may take (names, frames, values, the sort's arrays): a
 * cap against hostile input. Hitting it is -EFBIG. Real profiles are far
 * below: 100,000 stacks of depth 8-64 take ~40 MiB. */
#define EM_STACKS_MAX_MEM (768ULL << 20)
#define EM_STACKS_MEM_ERR "the stacks need more than 768 MiB of memory (a cap against hostile input)"
/* The name id the walk reports for the root ("all"). */
#define EM_STACKS_ROOT UINT32_MAX

struct em_stacks;

/* Returns an empty set with ncols (1..EM_STACKS_MAX_COLS) columns, or NULL
 * with errno set (EINVAL, ENOMEM). */
struct em_stacks *em_stacks__new(unsigned int ncols);
/* NULL-safe. */
void em_stacks__free(struct em_stacks *st);

unsigned int em_stacks__ncols(const struct em_stacks *st);

/*
 * em_stacks__intern() - the id of the name (s, len bytes, kind), adding it if
 * new. s need not be NUL-terminated. Returns the id (>= 0), or -ENOMEM, or
 * -E2BIG when names exceed 4 GiB or 2^32 - 2 entries.
 */
int64_t em_stacks__intern(struct em_stacks *st, const char *s, size_t len, enum em_fkind kind);
size_t em_stacks__nnames(const struct em_stacks *st);
/* The name's bytes (NUL-terminated, but may contain no NUL only if the caller
 * put none in) and length. The pointer is valid until the next intern. */
const char *em_stacks__name(const struct em_stacks *st, uint32_t id, size_t *len);
enum em_fkind em_stacks__kind(const struct em_stacks *st, uint32_t id);

/*
 * em_stacks__add() - add a stack of depth name ids, root first, with one
 * value per column (all >= 0). A stack whose values are all zero is ignored.
 * Stacks deeper than EM_STACKS_MAX_DEPTH are cut there and counted (see
 * em_stacks__truncated). Returns 0, -EINVAL (depth 0, a negative value, an
 * unknown name id), -EOVERFLOW (a column's total would pass INT64_MAX),
 * -EBUSY (after sorting) or -ENOMEM.
 */
int em_stacks__add(struct em_stacks *st, const uint32_t *ids, size_t depth, const int64_t *vals);

/* Makes room for nrows more stacks of nframes frames in all, so a caller that
 * knows the sizes avoids regrowing. A hint only. Returns 0 or -ENOMEM. */
int em_stacks__reserve(struct em_stacks *st, size_t nrows, size_t nframes);

/* Number of stacks added (before merging identical ones). */
size_t em_stacks__count(const struct em_stacks *st);
/* How many stacks were cut at EM_STACKS_MAX_DEPTH. */
size_t em_stacks__truncated(const struct em_stacks *st);
/* Sum of every stack's value, per column (ncols entries). */
const int64_t *em_stacks__totals(const struct em_stacks *st);

/* Sorts the stacks by frame name (bytes, then kind), root first, the order of
 * flamegraph.pl's x axis. Adding is refused afterwards. 0 or -ENOMEM. */
int em_stacks__sort(struct em_stacks *st);

/* One node of the merged tree, as em_stacks__walk() reports it. */
struct em_flow_node {
	uint32_t name;		/* name id, or EM_STACKS_ROOT */
	uint32_t depth;		/* 0 for the root, 1 for the outermost frames */
	const int64_t *total;	/* per column: every stack through this node */
	const int64_t *self;	/* per column: the stacks that end at this node */
	const int64_t *start;	/* per column: sum of all stacks sorted before this node */
};

/* Return 0 to go on; anything else stops the walk and is returned. */
typedef int (*em_flow_fn)(const struct em_flow_node *n, void *ctx);

/*
 * em_stacks__walk() - visit every node of the merged call tree in post-order
 * (children before their parent, siblings in name order, root last). Sorts
 * first if needed. The arrays in *n are valid only during the callback.
 * Returns 0, -ENOMEM, or the callback's nonzero return.
 */
int em_stacks__walk(struct em_stacks *st, em_flow_fn fn, void *ctx);

/*
 * em_stacks__walk_pruned() - the same walk, but a node whose total is below
 * min[c] in every column c (min has ncols entries; INFINITY ignores a column)
 * is not visited, nor is anything under it; its value still counts in its
 * ancestors' totals. Finding where a subtree ends takes a binary search over
 * the sorted stacks, so the cost follows the nodes visited, not the size of
 * the input: what makes an SVG of a huge profile cheap. min == NULL visits
 * everything.
 */
int em_stacks__walk_pruned(struct em_stacks *st, const double *min, em_flow_fn fn, void *ctx);

/* Return 0 to go on; anything else stops and is returned. */
typedef int (*em_stack_fn)(const uint32_t *ids, size_t depth, const int64_t *vals, void *ctx);

/*
 * em_stacks__for_each() - call fn once per distinct stack, in sorted order,
 * with the values of identical stacks added up. Sorts first if needed.
 * Returns 0, -ENOMEM, or the callback's nonzero return.
 */
int em_stacks__for_each(struct em_stacks *st, em_stack_fn fn, void *ctx);

/*
 * em_stacks__functions() - per name and column, the self value (stacks whose
 * leaf it is) and the total value (stacks it appears in, counted once per
 * stack so recursion does not inflate it). *self and *total get new
 * nnames * ncols arrays indexed [name * ncols + col]; the caller frees them.
 * Returns 0 or -ENOMEM.
 */
int em_stacks__functions(const struct em_stacks *st, int64_t **self, int64_t **total);

#endif
