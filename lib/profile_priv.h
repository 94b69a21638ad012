/* SPDX-License-Identifier: MIT */
/*
 * profile_priv.h - em_profile internals shared by profile.c, profile_encode.c
 * and profile_decode.c. Nothing outside lib/profile*.c includes this.
 */
#ifndef EMBER_PROFILE_PRIV_H
#define EMBER_PROFILE_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct str_chunk;

/*
 * Open-addressing table (linear probing). A slot holds the element's
 * position + 1 in its low 32 bits (0 marks an empty slot) and the top 32
 * bits of the element's hash in its high bits, so a probe that meets another
 * element is rejected without touching that element's hash or data (one
 * cache miss saved per probe in a table bigger than the cache).
 */
struct em_index {
	uint64_t *slots;
	size_t cap;	/* power of two */
	size_t len;
};

struct em_profile_priv {
	struct str_chunk *chunks;	/* string storage */
	uint64_t *str_hash, *map_hash, *fn_hash, *loc_hash, *sample_hash;
	struct em_index str_ix, map_ix, fn_ix, loc_ix, sample_ix;
	size_t cap_strings, cap_str_hash;
	size_t cap_sample_types, cap_comments;
	size_t cap_mappings, cap_map_hash;
	size_t cap_functions, cap_fn_hash;
	size_t cap_locations, cap_loc_hash, cap_lines;
	size_t cap_samples, cap_sample_hash;
	size_t nsample_locs, cap_sample_locs;
	size_t nsample_values, cap_sample_values;
	size_t nsample_labels, cap_sample_labels;
};

/* Grow *arr (of elem-sized items, capacity *cap) to hold need items. 0 or -ENOMEM. */
int em_grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif
