// SPDX-License-Identifier: MIT
/*
 * profile_decode.c - profile.proto bytes (gzipped or raw) into an em_profile,
 * validated the way pprof's CheckValid does and more: every string index in
 * range, ids nonzero and unique, every reference resolved, value counts equal
 * to the number of sample types.
 *
 * Input is untrusted. Three caps bound the work: the file size, the size after
 * gunzip, and the memory the protobuf decoder may allocate (a budgeted
 * ProtobufCAllocator; protobuf-c allocates per message, so a profile of many
 * empty messages can need ~40 bytes per input byte). Decoding is linear in the
 * input; nothing recurses on input data. Before decoding, prescan() walks the
 * message (two levels deep, linear) and computes an upper bound on what
 * protobuf-c will allocate, so a hostile profile is refused without first
 * allocating up to the cap.
 */
#include "afile.h"
#include "gz.h"
#include "profile.h"
#include "u64map.h"

#include "profile.pb-c.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024 * 1024ULL)
#define DEFAULT_MAX_INPUT (1024 * MiB)
#define DEFAULT_MAX_DECOMPRESSED (256 * MiB)
#define DEFAULT_MAX_DECODE_MEMORY (1024 * MiB)

typedef Perftools__Profiles__Profile pb_profile;

struct budget {
	size_t used, cap;
	bool exceeded;
};

static void *budget_alloc(void *data, size_t size)
{
	struct budget *b = data;

	if (size > b->cap - b->used) {
		b->exceeded = true;
		return NULL;
	}
	b->used += size;
	return malloc(size);
}

static void budget_free(void *data, void *ptr)
{
	(void)data;
	free(ptr);
}

static void *fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- prescan: bound protobuf-c's allocations without decoding ---- */

static bool read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (int shift = 0; shift < 64 && p < end; shift += 7) {
		uint8_t b = *p++;

		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*v = r;
			return true;
		}
	}
	return false;
}

enum scan_level { SCAN_PROFILE, SCAN_SAMPLE, SCAN_LOCATION, SCAN_LEAF };

/* Bytes protobuf-c allocates for one submessage in field `field` of a message
 * at `level` (its struct plus the pointer to it), or 0 if the field is not a
 * message. */
static size_t submessage_size(enum scan_level level, unsigned field)
{
	switch (level) {
	case SCAN_PROFILE:
		switch (field) {
		case 1: case 11: return sizeof(Perftools__Profiles__ValueType) + 8;
		case 2: return sizeof(Perftools__Profiles__Sample) + 8;
		case 3: return sizeof(Perftools__Profiles__Mapping) + 8;
		case 4: return sizeof(Perftools__Profiles__Location) + 8;
		case 5: return sizeof(Perftools__Profiles__Function) + 8;
		}
		return 0;
	case SCAN_SAMPLE:
		return field == 3 ? sizeof(Perftools__Profiles__Label) + 8 : 0;
	case SCAN_LOCATION:
		return field == 4 ? sizeof(Perftools__Profiles__Line) + 8 : 0;
	default:
		return 0;
	}
}

/*
 * bound() - an upper bound on what protobuf-c allocates to decode the message
 * in [p, end), without decoding it. Submessages count their struct size;
 * samples and locations are walked one level further (their labels and lines
 * are messages too). Anything else length-delimited is a string or a packed
 * scalar array, which decodes to at most 8 bytes per encoded byte (+ NUL and
 * pointer). Depth is fixed at two, so this is linear and never recurses on
 * input. Malformed framing stops the walk; the real decoder reports it.
 */
static size_t bound(const uint8_t *p, const uint8_t *end, enum scan_level level)
{
	size_t est = 0;

	while (p < end) {
		uint64_t key, len;
		size_t sub;

		if (!read_varint(&p, end, &key))
			break;
		switch (key & 7) {
		case 0:
			if (!read_varint(&p, end, &len))
				return est;
			est += 8;
			continue;
		case 1:
		case 5: {
			size_t w = (key & 7) == 1 ? 8 : 4;

			if ((size_t)(end - p) < w)
				return est;
			p += w;
			est += 8;
			continue;
		}
		case 2:
			break;
		default:
			return est;
		}
		if (!read_varint(&p, end, &len) || len > (uint64_t)(end - p))
			break;
		sub = submessage_size(level, (unsigned)(key >> 3));
		if (!sub)
			est += 8 * len + 16;
		else if (level == SCAN_PROFILE && (key >> 3) == 2)
			est += sub + bound(p, p + len, SCAN_SAMPLE);
		else if (level == SCAN_PROFILE && (key >> 3) == 4)
			est += sub + bound(p, p + len, SCAN_LOCATION);
		else
			est += sub + bound(p, p + len, SCAN_LEAF);
		p += len;
	}
	return est;
}

static void *fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

struct checker {
	const pb_profile *pb;
	char *err;
	size_t err_len;
	struct em_u64map mapping_ix, function_ix, location_ix;	/* id -> position */
};

static bool str_ok(struct checker *c, int64_t idx, const char *what, size_t n, const char *field)
{
	if (idx >= 0 && (uint64_t)idx < c->pb->n_string_table)
		return true;
	if (n == (size_t)-1)
		fail(c->err, c->err_len, "%s %s refers to string %lld, but the string table has %zu entries",
		     what, field, (long long)idx, c->pb->n_string_table);
	else
		fail(c->err, c->err_len,
		     "%s %zu %s refers to string %lld, but the string table has %zu entries", what, n,
		     field, (long long)idx, c->pb->n_string_table);
	return false;
}

static bool index_ids(struct checker *c, struct em_u64map *ix, size_t n, const char *what,
		      uint64_t (*id_of)(const pb_profile *, size_t))
{
	for (size_t i = 0; i < n; i++) {
		uint64_t id = id_of(c->pb, i), prev;

		if (id == 0) {
			fail(c->err, c->err_len, "%s %zu has id 0, which is reserved", what, i);
			return false;
		}
		if (em_u64map__get(ix, id, &prev)) {
			fail(c->err, c->err_len, "%s %zu repeats id %llu of %s %llu", what, i,
			     (unsigned long long)id, what, (unsigned long long)prev);
			return false;
		}
		if (em_u64map__put(ix, id, i) < 0) {
			fail(c->err, c->err_len, "out of memory");
			return false;
		}
	}
	return true;
}

static uint64_t mapping_id(const pb_profile *pb, size_t i) { return pb->mapping[i]->id; }
static uint64_t function_id(const pb_profile *pb, size_t i) { return pb->function[i]->id; }
static uint64_t location_id(const pb_profile *pb, size_t i) { return pb->location[i]->id; }

static bool check(struct checker *c)
{
	const pb_profile *pb = c->pb;

	if (pb->n_string_table == 0)
		return fail(c->err, c->err_len, "the string table is missing (string 0 must be \"\")"),
		       false;
	if (pb->string_table[0][0] != '\0')
		return fail(c->err, c->err_len, "string 0 must be \"\", but it has %zu bytes",
			    strlen(pb->string_table[0])),
		       false;
	if (pb->n_sample_type > EM_PROFILE_MAX_TYPES)
		return fail(c->err, c->err_len, "%zu sample types exceed the cap of %d",
			    pb->n_sample_type, EM_PROFILE_MAX_TYPES),
		       false;
	if (pb->n_sample && !pb->n_sample_type)
		return fail(c->err, c->err_len, "the profile has %zu samples but no sample types",
			    pb->n_sample),
		       false;
	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (!str_ok(c, pb->sample_type[i]->type, "sample type", i, "name") ||
		    !str_ok(c, pb->sample_type[i]->unit, "sample type", i, "unit"))
			return false;
	if (pb->period_type && (!str_ok(c, pb->period_type->type, "period type", -1, "name") ||
				!str_ok(c, pb->period_type->unit, "period type", -1, "unit")))
		return false;
	if (!str_ok(c, pb->drop_frames, "drop_frames", -1, "") ||
	    !str_ok(c, pb->keep_frames, "keep_frames", -1, "") ||
	    !str_ok(c, pb->default_sample_type, "default_sample_type", -1, "") ||
	    !str_ok(c, pb->doc_url, "doc_url", -1, ""))
		return false;
	for (size_t i = 0; i < pb->n_comment; i++)
		if (!str_ok(c, pb->comment[i], "comment", i, "text"))
			return false;

	if (!index_ids(c, &c->mapping_ix, pb->n_mapping, "mapping", mapping_id) ||
	    !index_ids(c, &c->function_ix, pb->n_function, "function", function_id) ||
	    !index_ids(c, &c->location_ix, pb->n_location, "location", location_id))
		return false;

	for (size_t i = 0; i < pb->n_mapping; i++)
		if (!str_ok(c, pb->mapping[i]->filename, "mapping", i, "filename") ||
		    !str_ok(c, pb->mapping[i]->build_id, "mapping", i, "build id"))
			return false;
	for (size_t i = 0; i < pb->n_function; i++) {
		const Perftools__Profiles__Function *f = pb->function[i];

		if (!str_ok(c, f->name, "function", i, "name") ||
		    !str_ok(c, f->system_name, "function", i, "system name") ||
		    !str_ok(c, f->filename, "function", i, "filename"))
			return false;
	}
	for (size_t i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *l = pb->location[i];

		if (l->mapping_id && !em_u64map__get(&c->mapping_ix, l->mapping_id, NULL))
			return fail(c->err, c->err_len,
				    "location %zu refers to mapping %llu, which does not exist", i,
				    (unsigned long long)l->mapping_id),
			       false;
		if (l->n_line > EM_PROFILE_MAX_LINES)
			return fail(c->err, c->err_len, "location %zu has %zu lines, over the cap of %d",
				    i, l->n_line, EM_PROFILE_MAX_LINES),
			       false;
		for (size_t j = 0; j < l->n_line; j++) {
			uint64_t fid = l->line[j]->function_id;

			if (fid && !em_u64map__get(&c->function_ix, fid, NULL))
				return fail(c->err, c->err_len,
					    "location %zu line %zu refers to function %llu, which does not exist",
					    i, j, (unsigned long long)fid),
				       false;
		}
	}
	for (size_t i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pb->sample[i];

		if (s->n_value != pb->n_sample_type)
			return fail(c->err, c->err_len,
				    "sample %zu has %zu values, but the profile has %zu sample types", i,
				    s->n_value, pb->n_sample_type),
			       false;
		if (s->n_location_id > EM_PROFILE_MAX_DEPTH)
			return fail(c->err, c->err_len,
				    "sample %zu has %zu locations, over the depth cap of %d", i,
				    s->n_location_id, EM_PROFILE_MAX_DEPTH),
			       false;
		if (s->n_label > EM_PROFILE_MAX_LABELS)
			return fail(c->err, c->err_len, "sample %zu has %zu labels, over the cap of %d",
				    i, s->n_label, EM_PROFILE_MAX_LABELS),
			       false;
		for (size_t j = 0; j < s->n_location_id; j++)
			if (!em_u64map__get(&c->location_ix, s->location_id[j], NULL))
				return fail(c->err, c->err_len,
					    "sample %zu refers to location %llu, which does not exist", i,
					    (unsigned long long)s->location_id[j]),
				       false;
		for (size_t j = 0; j < s->n_label; j++) {
			const Perftools__Profiles__Label *l = s->label[j];

			if (!str_ok(c, l->key, "sample", i, "label key") ||
			    !str_ok(c, l->str, "sample", i, "label value") ||
			    !str_ok(c, l->num_unit, "sample", i, "label unit"))
				return false;
		}
	}
	return true;
}

/* Copy the validated message into the model. Ids are renumbered 1..N; equal
 * strings, mappings, functions and locations collapse, equal samples add. */
static struct em_profile *convert(struct checker *c)
{
	const pb_profile *pb = c->pb;
	struct em_profile *p = em_profile__new();
	int64_t *str = NULL;
	uint64_t *map = NULL, *fn = NULL, *loc = NULL, *stack = NULL;
	struct em_line *lines = NULL;
	struct em_label *labels = NULL;
	size_t stack_cap = 0, line_cap = 0, label_cap = 0;

	if (!p)
		goto nomem;
	str = malloc(pb->n_string_table * sizeof(*str));
	map = calloc(pb->n_mapping + 1, sizeof(*map));
	fn = calloc(pb->n_function + 1, sizeof(*fn));
	loc = calloc(pb->n_location + 1, sizeof(*loc));
	if (!str || !map || !fn || !loc)
		goto nomem;
	for (size_t i = 0; i < pb->n_string_table; i++)
		if ((str[i] = em_profile__str(p, pb->string_table[i])) < 0)
			goto nomem;
	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (em_profile__add_sample_type(p, p->strings[str[pb->sample_type[i]->type]],
						p->strings[str[pb->sample_type[i]->unit]]) < 0)
			goto nomem;
	if (pb->period_type) {
		p->period_type.type = str[pb->period_type->type];
		p->period_type.unit = str[pb->period_type->unit];
	}
	p->period = pb->period;
	p->time_nanos = pb->time_nanos;
	p->duration_nanos = pb->duration_nanos;
	p->drop_frames = str[pb->drop_frames];
	p->keep_frames = str[pb->keep_frames];
	p->default_sample_type = str[pb->default_sample_type];
	p->doc_url = str[pb->doc_url];
	for (size_t i = 0; i < pb->n_comment; i++)
		if (em_profile__add_comment(p, p->strings[str[pb->comment[i]]]) < 0)
			goto nomem;

	/* Position i of each kind keeps new id in map[i] (ids looked up via the
	 * checker's id -> position index). */
	for (size_t i = 0; i < pb->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = pb->mapping[i];
		struct em_mapping em = {
			.start = m->memory_start,
			.limit = m->memory_limit,
			.offset = m->file_offset,
			.file = str[m->filename],
			.build_id = str[m->build_id],
			.has_functions = m->has_functions,
			.has_filenames = m->has_filenames,
			.has_line_numbers = m->has_line_numbers,
			.has_inline_frames = m->has_inline_frames,
		};

		if (!(map[i] = em_profile__add_mapping(p, &em)))
			goto nomem;
	}
	for (size_t i = 0; i < pb->n_function; i++) {
		const Perftools__Profiles__Function *f = pb->function[i];
		struct em_function ef = {
			.name = str[f->name],
			.system_name = str[f->system_name],
			.filename = str[f->filename],
			.start_line = f->start_line,
		};

		if (!(fn[i] = em_profile__add_function_idx(p, &ef)))
			goto nomem;
	}
	for (size_t i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *l = pb->location[i];
		uint64_t mid = 0, pos;

		if (l->mapping_id && em_u64map__get(&c->mapping_ix, l->mapping_id, &pos))
			mid = map[pos];
		if (l->n_line > line_cap) {
			free(lines);
			line_cap = l->n_line;
			lines = malloc(line_cap * sizeof(*lines));
			if (!lines)
				goto nomem;
		}
		for (size_t j = 0; j < l->n_line; j++) {
			uint64_t fid = 0;

			if (l->line[j]->function_id &&
			    em_u64map__get(&c->function_ix, l->line[j]->function_id, &pos))
				fid = fn[pos];
			lines[j].function_id = fid;
			lines[j].line = l->line[j]->line;
			lines[j].column = l->line[j]->column;
		}
		if (!(loc[i] = em_profile__add_location(p, mid, l->address, lines, l->n_line,
							l->is_folded)))
			goto nomem;
	}
	for (size_t i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pb->sample[i];

		if (s->n_location_id > stack_cap) {
			free(stack);
			stack_cap = s->n_location_id;
			stack = malloc(stack_cap * sizeof(*stack));
			if (!stack)
				goto nomem;
		}
		if (s->n_label > label_cap) {
			free(labels);
			label_cap = s->n_label;
			labels = malloc(label_cap * sizeof(*labels));
			if (!labels)
				goto nomem;
		}
		for (size_t j = 0; j < s->n_location_id; j++) {
			uint64_t pos = 0;

			em_u64map__get(&c->location_ix, s->location_id[j], &pos);
			stack[j] = loc[pos];
		}
		for (size_t j = 0; j < s->n_label; j++) {
			labels[j].key = str[s->label[j]->key];
			labels[j].str = str[s->label[j]->str];
			labels[j].num = s->label[j]->num;
			labels[j].num_unit = str[s->label[j]->num_unit];
		}
		if (em_profile__add_sample(p, stack, s->n_location_id, s->value, labels, s->n_label))
			goto nomem;
	}
	free(str);
	free(map);
	free(fn);
	free(loc);
	free(stack);
	free(lines);
	free(labels);
	return p;
nomem:
	free(str);
	free(map);
	free(fn);
	free(loc);
	free(stack);
	free(lines);
	free(labels);
	em_profile__free(p);
	return fail(c->err, c->err_len, "out of memory");
}

struct em_profile *em_profile__decode(const void *data, size_t len,
				      const struct em_read_limits *lim, char *err, size_t err_len)
{
	size_t max_dec = lim && lim->max_decompressed ? lim->max_decompressed
						      : DEFAULT_MAX_DECOMPRESSED;
	size_t max_mem = lim && lim->max_decode_memory ? lim->max_decode_memory
						       : DEFAULT_MAX_DECODE_MEMORY;
	struct budget budget = { 0, max_mem, false };
	ProtobufCAllocator alloc = { budget_alloc, budget_free, &budget };
	struct checker c = { .err = err, .err_len = err_len };
	struct em_profile *p = NULL;
	uint8_t *raw = NULL;
	const uint8_t *buf = data;
	size_t n = len;
	pb_profile *pb;
	char gzerr[160];

	if (len == 0)
		return fail(err, err_len, "empty file");
	if (em_is_gzip(data, len)) {
		if (em_gunzip(data, len, max_dec, &raw, &n, gzerr, sizeof(gzerr)) < 0)
			return fail(err, err_len, "%s", gzerr);
		buf = raw;
		if (n == 0) {
			free(raw);
			return fail(err, err_len, "empty profile inside the gzip stream");
		}
	} else if (len > max_dec) {
		return fail(err, err_len, "profile size exceeds the %zu MiB cap", max_dec >> 20);
	}
	if (bound(buf, buf + n, SCAN_PROFILE) > max_mem) {
		free(raw);
		return fail(err, err_len, "decoding needs more than the %zu MiB memory cap",
			    max_mem >> 20);
	}
	pb = perftools__profiles__profile__unpack(&alloc, n, buf);
	if (!pb) {
		free(raw);
		if (budget.exceeded)
			return fail(err, err_len,
				    "decoding needs more than the %zu MiB memory cap", max_mem >> 20);
		return fail(err, err_len, "not a pprof profile (protobuf decoding failed)");
	}
	c.pb = pb;
	if (check(&c))
		p = convert(&c);
	em_u64map__clear(&c.mapping_ix);
	em_u64map__clear(&c.function_ix);
	em_u64map__clear(&c.location_ix);
	perftools__profiles__profile__free_unpacked(pb, &alloc);
	free(raw);
	return p;
}

struct em_profile *em_profile__read_file(const char *path, const struct em_read_limits *lim,
					 char *err, size_t err_len)
{
	size_t max_in = lim && lim->max_input ? lim->max_input : DEFAULT_MAX_INPUT;
	struct em_profile *p;
	unsigned char *data;
	size_t len;
	int rc;

	rc = em_read_file(path, max_in, &data, &len);
	if (rc == -EFBIG)
		return fail(err, err_len, "file exceeds the %zu MiB input cap", max_in >> 20);
	if (rc < 0)
		return fail(err, err_len, "%s", strerror(-rc));
	p = em_profile__decode(data, len, lim, err, err_len);
	free(data);
	return p;
}
