/* SPDX-License-Identifier: MIT */
/*
 * fold.h - pprof profiles into flame graph stacks: frame names (inlined
 * frames expanded, unsymbolized addresses as module+0xoffset, via
 * lib/frames.h), frame kinds for the palettes, thread roots, and the
 * --focus/--ignore filter shared with the folded-text reader.
 *
 * Kinds, strongest first: kernel (a "_[k]" name suffix, which is removed, or a
 * mapping named [kernel.kallsyms]/[kernel...]); syscall (the leaf of a sample
 * labelled syscall=..., or of every sample when a sample type's name starts
 * with "syscall"); inlined (lib/frames.h says so); shared library (the
 * mapping's file name contains ".so"); user code otherwise.
 *
 * Not thread-safe; not async-signal-safe. Nothing recurses on input data.
 */
#ifndef EMBER_FLAME_FOLD_H
#define EMBER_FLAME_FOLD_H

#include "profile.h"
#include "stacks.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * --focus keeps only stacks with a frame matching it; --ignore drops stacks
 * with a frame matching it. Thread frames are not matched. Both regexes are
 * compiled by the caller (POSIX extended, REG_NOSUB) and stay owned by it.
 * Zero-initialise, set focus/ignore (either may be NULL), and release with
 * em_fold_filter__release(); match results are cached per name.
 */
struct em_fold_filter {
	const regex_t *focus;
	const regex_t *ignore;
	uint8_t *cache;		/* per name id: 0 unknown, else MATCH_* bits | 1 */
	size_t cap;
};

/* 1 to keep the stack, 0 to drop it, -ENOMEM. NULL f keeps everything. */
int em_fold_filter__keep(struct em_fold_filter *f, const struct em_stacks *st,
			 const uint32_t *ids, size_t depth);
/* NULL-safe; leaves the regexes alone. */
void em_fold_filter__release(struct em_fold_filter *f);

/*
 * em_fold_kind_of_name() - the kind a folded-text frame name implies, and the
 * length of the name to show: "_[k]" (kernel) and "_[i]" (inlined) suffixes
 * are removed, as flamegraph.pl does; "libfoo.so.1+0x12" (an unsymbolized
 * address in a shared library) is a shared library frame.
 */
enum em_fkind em_fold_kind_of_name(const char *name, size_t len, size_t *shown_len);

struct em_fold_opts {
	bool by_thread;			/* thread label as the root frame */
	struct em_fold_filter *filter;	/* NULL: keep every stack */
};

/*
 * em_fold_profile() - add every sample of p to st. type_of_col has one entry
 * per column of st: the sample type index whose value goes to that column, or
 * -1 for a column this profile does not contribute to. Samples kept by the
 * filter are added; *kept (optional) counts them. Returns 0, or a negative
 * errno with a one-line reason in err: -EINVAL for a negative value ("sample 3
 * has a negative cpu value (-5) ..."), -EOVERFLOW, -ENOMEM.
 */
int em_fold_profile(struct em_stacks *st, const struct em_profile *p, const int *type_of_col,
		    const struct em_fold_opts *o, size_t *kept, char *err, size_t err_len);

/* The first sample with a negative value of sample type t, or -1. */
long em_fold_first_negative(const struct em_profile *p, int t);

#endif
