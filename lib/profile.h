/* SPDX-License-Identifier: MIT */
/*
 * profile.h - ember's in-memory pprof profile: build, merge, encode, decode.
 *
 * One model serves every part of ember: the agent builds profiles with it, the
 * reader decodes files into it, and `ember top`/`ember flame` walk it. The wire
 * format is google/pprof's profile.proto (lib/proto/profile.proto), encoded and
 * decoded with protobuf-c and compressed with zlib.
 *
 * Conventions
 *  - Strings are interned: a string is an index into strings[]; index 0 is "".
 *  - Mappings, functions and locations are deduplicated and numbered 1..N in
 *    the order they were first added, so id k is element k-1 of its array (the
 *    numbering Parca requires and every other consumer accepts). A decoded
 *    profile is renumbered the same way.
 *  - Samples with the same stack and labels are aggregated: their values add.
 *  - Location addresses follow pprof's rule: the leaf is the exact PC, every
 *    other frame is its return address minus one (the call instruction), so
 *    symbolizing the address gives the line of the call. Callers adjust.
 *  - A location's lines run innermost first; the last line is the function the
 *    others were inlined into.
 *
 * The struct fields are public for reading; change them only through the
 * functions below (the hash indexes must stay in sync), except the plain
 * scalars time_nanos, duration_nanos and period which may be assigned.
 *
 * Functions returning int give 0 (or an index/id) on success and a negative
 * errno on failure. Id-returning functions give 0 on failure (ids are >= 1).
 * Nothing here is thread-safe or async-signal-safe: the agent builds profiles
 * on its writer thread, never in a signal handler or a malloc hook.
 */
#ifndef EMBER_PROFILE_H
#define EMBER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct em_value_type {
	int64_t type;	/* string index, e.g. "cpu" */
	int64_t unit;	/* string index, e.g. "nanoseconds" */
};

struct em_label {
	int64_t key;		/* string index */
	int64_t str;		/* string index; 0 for a numeric label */
	int64_t num;
	int64_t num_unit;	/* string index or 0 */
};

struct em_mapping {
	uint64_t start, limit, offset;	/* runtime range and file offset of its first byte */
	int64_t file;			/* string index: path or pseudo-name like [vdso] */
	int64_t build_id;		/* string index: lowercase hex GNU build id */
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct em_function {
	int64_t name;		/* string index, demangled */
	int64_t system_name;	/* string index, as in the symbol table */
	int64_t filename;	/* string index */
	int64_t start_line;
};

struct em_line {
	uint64_t function_id;	/* 0 when unknown */
	int64_t line;
	int64_t column;
};

struct em_location {
	uint64_t mapping_id;	/* 0 when unknown */
	uint64_t address;
	size_t lines;		/* index of the first line in em_profile.lines */
	uint32_t nlines;
	bool is_folded;
};

struct em_sample {
	size_t locs;		/* index of the leaf's location id in sample_locs */
	size_t values;		/* index of the first value in sample_values */
	size_t labels;		/* index of the first label in sample_labels */
	uint32_t nlocs;
	uint32_t nlabels;
};

struct em_profile_priv;

struct em_profile {
	const char **strings;
	size_t nstrings;

	struct em_value_type *sample_types;
	size_t nsample_types;

	struct em_sample *samples;
	size_t nsamples;
	uint64_t *sample_locs;		/* location ids of all samples, leaf first */
	int64_t *sample_values;		/* nsample_types values per sample */
	struct em_label *sample_labels;	/* sorted by key within a sample */

	struct em_mapping *mappings;
	size_t nmappings;
	struct em_location *locations;
	size_t nlocations;
	struct em_line *lines;
	size_t nlines;
	struct em_function *functions;
	size_t nfunctions;

	struct em_value_type period_type;
	int64_t period;
	int64_t time_nanos;
	int64_t duration_nanos;
	int64_t drop_frames, keep_frames;	/* string indices */
	int64_t default_sample_type;		/* string index of a type name, 0 = unset */
	int64_t doc_url;
	int64_t *comments;			/* string indices */
	size_t ncomments;

	struct em_profile_priv *priv;
};

/* Limits that keep profiles bounded, named in error messages. */
#define EM_PROFILE_MAX_DEPTH	 65536	/* locations in one sample */
#define EM_PROFILE_MAX_LABELS	 4096	/* labels on one sample */
#define EM_PROFILE_MAX_TYPES	 256	/* sample types */
#define EM_PROFILE_MAX_LINES	 4096	/* lines (inline depth) in one location */

/* Returns a new empty profile (strings[0] == ""), or NULL with errno set. */
struct em_profile *em_profile__new(void);
/* NULL-safe. */
void em_profile__free(struct em_profile *p);

/* Interns s (NULL means ""). Returns its index (>= 0) or -ENOMEM. */
int64_t em_profile__str(struct em_profile *p, const char *s);
int64_t em_profile__strn(struct em_profile *p, const char *s, size_t len);
/* The string at index i, or "" when i is out of range. */
const char *em_profile__string(const struct em_profile *p, int64_t i);

/*
 * Sample types must all be added before the first sample. Returns the new
 * type's position (>= 0), -EBUSY after samples exist, -E2BIG past
 * EM_PROFILE_MAX_TYPES, or -ENOMEM.
 */
int em_profile__add_sample_type(struct em_profile *p, const char *type, const char *unit);
int em_profile__set_period_type(struct em_profile *p, const char *type, const char *unit,
				int64_t period);
int em_profile__set_default_sample_type(struct em_profile *p, const char *type);
int em_profile__add_comment(struct em_profile *p, const char *text);

/*
 * The position of the sample type whose type name is `name`, or -1. Accepts
 * pprof's legacy spelling: "space" matches "inuse_space" when only that exists.
 */
int em_profile__sample_type_index(const struct em_profile *p, const char *name);
/* pprof's default: default_sample_type when it names a type, else the last. -1 if none. */
int em_profile__default_index(const struct em_profile *p);

/*
 * em_profile__add_mapping() - add or find a mapping. Mappings are equal when
 * start, limit, offset, file and build id are; the has_* flags of an existing
 * equal mapping are ORed with m's. Returns its id, or 0 on -ENOMEM.
 */
uint64_t em_profile__add_mapping(struct em_profile *p, const struct em_mapping *m);
/* Sets the has_* flags of mapping `id` exactly. */
void em_profile__set_mapping_flags(struct em_profile *p, uint64_t id, bool functions,
				   bool filenames, bool line_numbers, bool inline_frames);

/* Add or find a function (all four fields compared). Returns its id, or 0. */
uint64_t em_profile__add_function(struct em_profile *p, const char *name, const char *system_name,
				  const char *filename, int64_t start_line);
uint64_t em_profile__add_function_idx(struct em_profile *p, const struct em_function *f);

/*
 * em_profile__add_location() - add or find a location with these lines
 * (innermost first; nlines may be 0 for an unsymbolized address). Returns its
 * id, or 0 on -ENOMEM or nlines > EM_PROFILE_MAX_LINES.
 */
uint64_t em_profile__add_location(struct em_profile *p, uint64_t mapping_id, uint64_t address,
				  const struct em_line *lines, size_t nlines, bool is_folded);

/*
 * em_profile__add_sample() - add values to the sample with this stack (leaf
 * first) and labels, creating it if new. values has nsample_types entries.
 * Label order does not matter. Returns 0, -EINVAL (no sample types, a location
 * id that does not exist, too deep), or -ENOMEM.
 */
int em_profile__add_sample(struct em_profile *p, const uint64_t *loc_ids, size_t nlocs,
			   const int64_t *values, const struct em_label *labels, size_t nlabels);

/*
 * em_profile__add_sample_idx() - as em_profile__add_sample(), returning the
 * sample's position in samples[] (>= 0) or a negative errno. With values
 * NULL the sample is found or created with zero values: callers that keep
 * their own (fractional) accumulators per sample use this.
 */
long em_profile__add_sample_idx(struct em_profile *p, const uint64_t *loc_ids, size_t nlocs,
				const int64_t *values, const struct em_label *labels,
				size_t nlabels);

/* Helpers to make labels from C strings. */
struct em_label em_profile__label_str(struct em_profile *p, const char *key, const char *val);
struct em_label em_profile__label_num(struct em_profile *p, const char *key, int64_t num,
				      const char *unit);

/*
 * em_profile__merge() - add every sample of src into dst, with its stacks,
 * functions and mappings. An empty dst (no sample types) takes src's types and
 * period. Otherwise the sample types must match by type and unit (-EINVAL).
 * The larger period is kept, durations add, the earlier time is kept.
 */
int em_profile__merge(struct em_profile *dst, const struct em_profile *src);

/* Serialise as raw protobuf. *out is malloc'd; caller frees. */
int em_profile__encode(const struct em_profile *p, uint8_t **out, size_t *out_len);
/* Serialise and gzip (what pprof and Pyroscope expect on disk and on the wire). */
int em_profile__encode_gz(const struct em_profile *p, uint8_t **out, size_t *out_len);
/*
 * Serialise and gzip with extra comments appended for this output only (the
 * profile itself is not changed, so a long-lived profile written every few
 * seconds does not accumulate strings).
 */
int em_profile__encode_gz_comments(const struct em_profile *p, const char *const *comments,
				   size_t ncomments, uint8_t **out, size_t *out_len);
/* Serialise, gzip and write to path atomically (temp file + rename). */
int em_profile__write(const struct em_profile *p, const char *path);

/* Caps for reading untrusted input. Zero fields take the defaults. */
struct em_read_limits {
	size_t max_input;		/* bytes of the file itself (default 1 GiB) */
	size_t max_decompressed;	/* bytes after gunzip (default 256 MiB) */
	size_t max_decode_memory;	/* bytes the protobuf decoder may allocate (default 2 GiB) */
};

/*
 * em_profile__decode() - decode a gzipped or raw pprof profile and validate it
 * fully (string indices in range, ids nonzero and unique, references resolve,
 * value counts match sample types, caps respected). Returns the profile, or
 * NULL with a one-line reason in err, e.g.
 *   "sample 12 refers to location 7, which does not exist".
 * Never reads past len, never allocates past the limits.
 */
struct em_profile *em_profile__decode(const void *data, size_t len,
				      const struct em_read_limits *lim, char *err, size_t err_len);
/* As above from a file ("-" is stdin). err gets the reason without the path. */
struct em_profile *em_profile__read_file(const char *path, const struct em_read_limits *lim,
					 char *err, size_t err_len);

#endif
