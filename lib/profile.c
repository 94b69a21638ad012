// SPDX-License-Identifier: MIT
/*
 * profile.c - the em_profile model: interning, deduplication, aggregation and
 * merging. Encoding lives in profile_encode.c, decoding in profile_decode.c.
 *
 * Every deduplicated kind (strings, mappings, functions, locations, samples)
 * keeps a 64-bit hash per element and an open-addressing table of element
 * indices, so adding a million samples costs a hash and a compare each.
 */
#include "profile.h"
#include "profile_priv.h"
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STR_CHUNK (64 * 1024)

struct str_chunk {
	struct str_chunk *next;
	size_t used, cap;
	char data[];
};

int em_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		ncap *= 2;
	}
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* ---- open-addressing index over element positions ---- */

typedef bool (*eq_fn)(const struct em_profile *p, size_t item, const void *key);

#define SLOT_ITEM(v) ((uint32_t)(v))
#define SLOT_TAG(h)  ((h) & 0xffffffff00000000ULL)

static int index_grow(struct em_index *ix, const uint64_t *hashes)
{
	size_t ncap = ix->cap ? ix->cap * 2 : 256;
	uint64_t *slots = calloc(ncap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < ix->cap; i++) {
		uint64_t v = ix->slots[i];
		size_t j;

		if (!v)
			continue;
		j = hashes[SLOT_ITEM(v) - 1] & (ncap - 1);
		while (slots[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = v;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = ncap;
	return 0;
}

/* Returns the element index matching key, or -1 with *slot set to the empty
 * slot where it belongs. */
static long index_find(const struct em_profile *p, const struct em_index *ix, uint64_t h,
		       eq_fn eq, const void *key, size_t *slot)
{
	size_t mask, i;

	if (!ix->cap) {
		*slot = 0;
		return -1;
	}
	mask = ix->cap - 1;
	for (i = h & mask; ix->slots[i]; i = (i + 1) & mask) {
		uint64_t v = ix->slots[i];
		size_t item = SLOT_ITEM(v) - 1;

		/* The tag stands in for the full hash: the element's own hash
		 * would be one more cache miss, and eq() decides anyway. */
		if (SLOT_TAG(v) == SLOT_TAG(h) && eq(p, item, key))
			return (long)item;
	}
	*slot = i;
	return -1;
}

/* Make room for one more element; must be called before index_find() when the
 * caller intends to insert at the returned slot. */
static int index_reserve(struct em_index *ix, const uint64_t *hashes)
{
	if ((ix->len + 1) * 4 > ix->cap * 3)
		return index_grow(ix, hashes);
	return 0;
}

static void index_insert(struct em_index *ix, size_t slot, size_t item, uint64_t h)
{
	ix->slots[slot] = SLOT_TAG(h) | (uint32_t)(item + 1);
	ix->len++;
}

/* ---- lifecycle ---- */

struct em_profile *em_profile__new(void)
{
	struct em_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->priv = calloc(1, sizeof(*p->priv));
	if (!p->priv || em_profile__str(p, "") != 0) {
		em_profile__free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void em_profile__free(struct em_profile *p)
{
	struct em_profile_priv *v;

	if (!p)
		return;
	v = p->priv;
	if (v) {
		struct str_chunk *c = v->chunks;

		while (c) {
			struct str_chunk *next = c->next;

			free(c);
			c = next;
		}
		free(v->str_hash);
		free(v->map_hash);
		free(v->fn_hash);
		free(v->loc_hash);
		free(v->sample_hash);
		free(v->str_ix.slots);
		free(v->map_ix.slots);
		free(v->fn_ix.slots);
		free(v->loc_ix.slots);
		free(v->sample_ix.slots);
		free(v);
	}
	free(p->strings);
	free(p->sample_types);
	free(p->samples);
	free(p->sample_locs);
	free(p->sample_values);
	free(p->sample_labels);
	free(p->mappings);
	free(p->locations);
	free(p->lines);
	free(p->functions);
	free(p->comments);
	free(p);
}

/* ---- strings ---- */

struct str_key {
	const char *s;
	size_t len;
};

static bool str_eq(const struct em_profile *p, size_t item, const void *key)
{
	const struct str_key *k = key;
	const char *s = p->strings[item];

	return strncmp(s, k->s, k->len) == 0 && s[k->len] == '\0';
}

static char *str_store(struct em_profile_priv *v, const char *s, size_t len)
{
	struct str_chunk *c = v->chunks;
	char *dst;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > STR_CHUNK / 4 ? len + 1 : STR_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		/* A big string gets its own chunk behind the current one, so the
		 * current chunk keeps filling up. */
		if (cap != STR_CHUNK && v->chunks) {
			c->next = v->chunks->next;
			v->chunks->next = c;
		} else {
			c->next = v->chunks;
			v->chunks = c;
		}
	}
	dst = c->data + c->used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	c->used += len + 1;
	return dst;
}

int64_t em_profile__strn(struct em_profile *p, const char *s, size_t len)
{
	struct em_profile_priv *v = p->priv;
	struct str_key key = { s ? s : "", s ? len : 0 };
	uint64_t h;
	size_t slot;
	long found;
	char *copy;

	/* Interned strings never contain NUL: a name is cut at its first NUL,
	 * exactly as a C consumer would read it. */
	key.len = strnlen(key.s, key.len);
	h = em_hash_bytes(key.s, key.len, 0);
	if (index_reserve(&v->str_ix, v->str_hash) < 0)
		return -ENOMEM;
	found = index_find(p, &v->str_ix, h, str_eq, &key, &slot);
	if (found >= 0)
		return found;
	if (em_grow((void **)&p->strings, &v->cap_strings, p->nstrings + 1, sizeof(*p->strings)) ||
	    em_grow((void **)&v->str_hash, &v->cap_str_hash, p->nstrings + 1, sizeof(*v->str_hash)))
		return -ENOMEM;
	copy = str_store(v, key.s, key.len);
	if (!copy)
		return -ENOMEM;
	p->strings[p->nstrings] = copy;
	v->str_hash[p->nstrings] = h;
	index_insert(&v->str_ix, slot, p->nstrings, h);
	return (int64_t)p->nstrings++;
}

int64_t em_profile__str(struct em_profile *p, const char *s)
{
	return em_profile__strn(p, s, s ? strlen(s) : 0);
}

const char *em_profile__string(const struct em_profile *p, int64_t i)
{
	if (i < 0 || (uint64_t)i >= p->nstrings)
		return "";
	return p->strings[i];
}

/* ---- profile-level fields ---- */

int em_profile__add_sample_type(struct em_profile *p, const char *type, const char *unit)
{
	struct em_profile_priv *v = p->priv;
	int64_t t, u;

	if (p->nsamples)
		return -EBUSY;
	if (p->nsample_types >= EM_PROFILE_MAX_TYPES)
		return -E2BIG;
	t = em_profile__str(p, type);
	u = em_profile__str(p, unit);
	if (t < 0 || u < 0)
		return -ENOMEM;
	if (em_grow((void **)&p->sample_types, &v->cap_sample_types, p->nsample_types + 1,
		    sizeof(*p->sample_types)))
		return -ENOMEM;
	p->sample_types[p->nsample_types].type = t;
	p->sample_types[p->nsample_types].unit = u;
	return (int)p->nsample_types++;
}

int em_profile__set_period_type(struct em_profile *p, const char *type, const char *unit,
				int64_t period)
{
	int64_t t = em_profile__str(p, type), u = em_profile__str(p, unit);

	if (t < 0 || u < 0)
		return -ENOMEM;
	p->period_type.type = t;
	p->period_type.unit = u;
	p->period = period;
	return 0;
}

int em_profile__set_default_sample_type(struct em_profile *p, const char *type)
{
	int64_t t = em_profile__str(p, type);

	if (t < 0)
		return -ENOMEM;
	p->default_sample_type = t;
	return 0;
}

int em_profile__add_comment(struct em_profile *p, const char *text)
{
	struct em_profile_priv *v = p->priv;
	int64_t t = em_profile__str(p, text);

	if (t < 0 || em_grow((void **)&p->comments, &v->cap_comments, p->ncomments + 1,
			     sizeof(*p->comments)))
		return -ENOMEM;
	p->comments[p->ncomments++] = t;
	return 0;
}

int em_profile__sample_type_index(const struct em_profile *p, const char *name)
{
	for (size_t i = 0; i < p->nsample_types; i++)
		if (strcmp(em_profile__string(p, p->sample_types[i].type), name) == 0)
			return (int)i;
	/* pprof accepts the pre-"inuse_" names of heap profiles. */
	for (size_t i = 0; i < p->nsample_types; i++) {
		const char *t = em_profile__string(p, p->sample_types[i].type);

		if (strncmp(t, "inuse_", 6) == 0 && strcmp(t + 6, name) == 0)
			return (int)i;
	}
	return -1;
}

int em_profile__default_index(const struct em_profile *p)
{
	if (!p->nsample_types)
		return -1;
	if (p->default_sample_type > 0) {
		const char *want = em_profile__string(p, p->default_sample_type);

		for (size_t i = 0; i < p->nsample_types; i++)
			if (strcmp(em_profile__string(p, p->sample_types[i].type), want) == 0)
				return (int)i;
	}
	return (int)p->nsample_types - 1;
}

/* ---- mappings ---- */

static uint64_t mapping_hash(const struct em_mapping *m)
{
	uint64_t k[5] = { m->start, m->limit, m->offset, (uint64_t)m->file,
			  (uint64_t)m->build_id };

	return em_hash_bytes(k, sizeof(k), 1);
}

static bool mapping_eq(const struct em_profile *p, size_t item, const void *key)
{
	const struct em_mapping *a = &p->mappings[item], *b = key;

	return a->start == b->start && a->limit == b->limit && a->offset == b->offset &&
	       a->file == b->file && a->build_id == b->build_id;
}

uint64_t em_profile__add_mapping(struct em_profile *p, const struct em_mapping *m)
{
	struct em_profile_priv *v = p->priv;
	uint64_t h = mapping_hash(m);
	size_t slot;
	long found;

	if ((uint64_t)m->file >= p->nstrings || (uint64_t)m->build_id >= p->nstrings)
		return 0;
	if (index_reserve(&v->map_ix, v->map_hash) < 0)
		return 0;
	found = index_find(p, &v->map_ix, h, mapping_eq, m, &slot);
	if (found >= 0) {
		struct em_mapping *e = &p->mappings[found];

		e->has_functions |= m->has_functions;
		e->has_filenames |= m->has_filenames;
		e->has_line_numbers |= m->has_line_numbers;
		e->has_inline_frames |= m->has_inline_frames;
		return (uint64_t)found + 1;
	}
	if (em_grow((void **)&p->mappings, &v->cap_mappings, p->nmappings + 1, sizeof(*m)) ||
	    em_grow((void **)&v->map_hash, &v->cap_map_hash, p->nmappings + 1, sizeof(h)))
		return 0;
	p->mappings[p->nmappings] = *m;
	v->map_hash[p->nmappings] = h;
	index_insert(&v->map_ix, slot, p->nmappings, h);
	return ++p->nmappings;
}

void em_profile__set_mapping_flags(struct em_profile *p, uint64_t id, bool functions,
				   bool filenames, bool line_numbers, bool inline_frames)
{
	struct em_mapping *m;

	if (id == 0 || id > p->nmappings)
		return;
	m = &p->mappings[id - 1];
	m->has_functions = functions;
	m->has_filenames = filenames;
	m->has_line_numbers = line_numbers;
	m->has_inline_frames = inline_frames;
}

/* ---- functions ---- */

static bool function_eq(const struct em_profile *p, size_t item, const void *key)
{
	return memcmp(&p->functions[item], key, sizeof(struct em_function)) == 0;
}

uint64_t em_profile__add_function_idx(struct em_profile *p, const struct em_function *f)
{
	struct em_profile_priv *v = p->priv;
	uint64_t h = em_hash_bytes(f, sizeof(*f), 2);
	size_t slot;
	long found;

	if ((uint64_t)f->name >= p->nstrings || (uint64_t)f->system_name >= p->nstrings ||
	    (uint64_t)f->filename >= p->nstrings)
		return 0;
	if (index_reserve(&v->fn_ix, v->fn_hash) < 0)
		return 0;
	found = index_find(p, &v->fn_ix, h, function_eq, f, &slot);
	if (found >= 0)
		return (uint64_t)found + 1;
	if (em_grow((void **)&p->functions, &v->cap_functions, p->nfunctions + 1, sizeof(*f)) ||
	    em_grow((void **)&v->fn_hash, &v->cap_fn_hash, p->nfunctions + 1, sizeof(h)))
		return 0;
	p->functions[p->nfunctions] = *f;
	v->fn_hash[p->nfunctions] = h;
	index_insert(&v->fn_ix, slot, p->nfunctions, h);
	return ++p->nfunctions;
}

uint64_t em_profile__add_function(struct em_profile *p, const char *name, const char *system_name,
				  const char *filename, int64_t start_line)
{
	struct em_function f = {
		.name = em_profile__str(p, name),
		.system_name = em_profile__str(p, system_name ? system_name : name),
		.filename = em_profile__str(p, filename),
		.start_line = start_line,
	};

	if (f.name < 0 || f.system_name < 0 || f.filename < 0)
		return 0;
	return em_profile__add_function_idx(p, &f);
}

/* ---- locations ---- */

struct loc_key {
	uint64_t mapping_id, address;
	const struct em_line *lines;
	size_t nlines;
	bool is_folded;
};

static uint64_t location_hash(const struct loc_key *k)
{
	uint64_t h = em_hash_bytes(k->lines, k->nlines * sizeof(*k->lines), 3);
	uint64_t w[4] = { k->mapping_id, k->address, k->is_folded, h };

	return em_hash_bytes(w, sizeof(w), 4);
}

static bool location_eq(const struct em_profile *p, size_t item, const void *key)
{
	const struct em_location *l = &p->locations[item];
	const struct loc_key *k = key;

	return l->mapping_id == k->mapping_id && l->address == k->address &&
	       l->is_folded == k->is_folded && l->nlines == k->nlines &&
	       (k->nlines == 0 ||
		memcmp(&p->lines[l->lines], k->lines, k->nlines * sizeof(*k->lines)) == 0);
}

uint64_t em_profile__add_location(struct em_profile *p, uint64_t mapping_id, uint64_t address,
				  const struct em_line *lines, size_t nlines, bool is_folded)
{
	struct em_profile_priv *v = p->priv;
	struct loc_key k = { mapping_id, address, lines, nlines, is_folded };
	struct em_location *l;
	uint64_t h;
	size_t slot;
	long found;

	if (nlines > EM_PROFILE_MAX_LINES || mapping_id > p->nmappings)
		return 0;
	for (size_t i = 0; i < nlines; i++)
		if (lines[i].function_id > p->nfunctions)
			return 0;
	h = location_hash(&k);
	if (index_reserve(&v->loc_ix, v->loc_hash) < 0)
		return 0;
	found = index_find(p, &v->loc_ix, h, location_eq, &k, &slot);
	if (found >= 0)
		return (uint64_t)found + 1;
	if (em_grow((void **)&p->locations, &v->cap_locations, p->nlocations + 1, sizeof(*l)) ||
	    em_grow((void **)&v->loc_hash, &v->cap_loc_hash, p->nlocations + 1, sizeof(h)) ||
	    em_grow((void **)&p->lines, &v->cap_lines, p->nlines + nlines, sizeof(*lines)))
		return 0;
	l = &p->locations[p->nlocations];
	l->mapping_id = mapping_id;
	l->address = address;
	l->lines = p->nlines;
	l->nlines = (uint32_t)nlines;
	l->is_folded = is_folded;
	if (nlines)
		memcpy(&p->lines[p->nlines], lines, nlines * sizeof(*lines));
	p->nlines += nlines;
	v->loc_hash[p->nlocations] = h;
	index_insert(&v->loc_ix, slot, p->nlocations, h);
	return ++p->nlocations;
}

/* ---- samples ---- */

struct sample_key {
	const uint64_t *locs;
	size_t nlocs;
	const struct em_label *labels;
	size_t nlabels;
};

static bool sample_eq(const struct em_profile *p, size_t item, const void *key)
{
	const struct em_sample *s = &p->samples[item];
	const struct sample_key *k = key;

	return s->nlocs == k->nlocs && s->nlabels == k->nlabels &&
	       memcmp(&p->sample_locs[s->locs], k->locs, k->nlocs * sizeof(*k->locs)) == 0 &&
	       (k->nlabels == 0 || memcmp(&p->sample_labels[s->labels], k->labels,
					  k->nlabels * sizeof(*k->labels)) == 0);
}

static int label_cmp(const struct em_label *a, const struct em_label *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->str != b->str)
		return a->str < b->str ? -1 : 1;
	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	if (a->num_unit != b->num_unit)
		return a->num_unit < b->num_unit ? -1 : 1;
	return 0;
}

int em_profile__add_sample(struct em_profile *p, const uint64_t *loc_ids, size_t nlocs,
			   const int64_t *values, const struct em_label *labels, size_t nlabels)
{
	long i = em_profile__add_sample_idx(p, loc_ids, nlocs, values, labels, nlabels);

	return i < 0 ? (int)i : 0;
}

long em_profile__add_sample_idx(struct em_profile *p, const uint64_t *loc_ids, size_t nlocs,
				const int64_t *values, const struct em_label *labels,
				size_t nlabels)
{
	struct em_profile_priv *v = p->priv;
	struct em_label sorted[16], *lab = sorted;
	struct sample_key k;
	struct em_sample *s;
	size_t slot, nt = p->nsample_types;
	uint64_t h;
	long found;
	long err = 0;

	if (!nt || nlocs > EM_PROFILE_MAX_DEPTH || nlabels > EM_PROFILE_MAX_LABELS)
		return -EINVAL;
	for (size_t i = 0; i < nlocs; i++)
		if (loc_ids[i] == 0 || loc_ids[i] > p->nlocations)
			return -EINVAL;
	for (size_t i = 0; i < nlabels; i++)
		if ((uint64_t)labels[i].key >= p->nstrings || (uint64_t)labels[i].str >= p->nstrings ||
		    (uint64_t)labels[i].num_unit >= p->nstrings)
			return -EINVAL;
	/* Canonical label order (insertion sort: samples carry a few labels). */
	if (nlabels > 16) {
		lab = malloc(nlabels * sizeof(*lab));
		if (!lab)
			return -ENOMEM;
	}
	for (size_t i = 0; i < nlabels; i++) {
		size_t j = i;

		while (j > 0 && label_cmp(&lab[j - 1], &labels[i]) > 0) {
			lab[j] = lab[j - 1];
			j--;
		}
		lab[j] = labels[i];
	}
	k = (struct sample_key){ loc_ids, nlocs, lab, nlabels };
	h = em_hash_bytes(loc_ids, nlocs * sizeof(*loc_ids), 5);
	if (nlabels)
		h ^= em_hash_bytes(lab, nlabels * sizeof(*lab), 6);
	if (index_reserve(&v->sample_ix, v->sample_hash) < 0) {
		err = -ENOMEM;
		goto out;
	}
	found = index_find(p, &v->sample_ix, h, sample_eq, &k, &slot);
	if (found >= 0) {
		int64_t *dst = &p->sample_values[p->samples[found].values];

		for (size_t i = 0; values && i < nt; i++)
			dst[i] = (int64_t)((uint64_t)dst[i] + (uint64_t)values[i]);
		err = found;
		goto out;
	}
	if (em_grow((void **)&p->samples, &v->cap_samples, p->nsamples + 1, sizeof(*s)) ||
	    em_grow((void **)&v->sample_hash, &v->cap_sample_hash, p->nsamples + 1, sizeof(h)) ||
	    em_grow((void **)&p->sample_locs, &v->cap_sample_locs, v->nsample_locs + nlocs,
		    sizeof(*loc_ids)) ||
	    em_grow((void **)&p->sample_values, &v->cap_sample_values, v->nsample_values + nt,
		    sizeof(*values)) ||
	    em_grow((void **)&p->sample_labels, &v->cap_sample_labels, v->nsample_labels + nlabels,
		    sizeof(*lab))) {
		err = -ENOMEM;
		goto out;
	}
	s = &p->samples[p->nsamples];
	s->locs = v->nsample_locs;
	s->nlocs = (uint32_t)nlocs;
	s->values = v->nsample_values;
	s->labels = v->nsample_labels;
	s->nlabels = (uint32_t)nlabels;
	if (nlocs)
		memcpy(&p->sample_locs[s->locs], loc_ids, nlocs * sizeof(*loc_ids));
	if (values)
		memcpy(&p->sample_values[s->values], values, nt * sizeof(*values));
	else
		memset(&p->sample_values[s->values], 0, nt * sizeof(*values));
	if (nlabels)
		memcpy(&p->sample_labels[s->labels], lab, nlabels * sizeof(*lab));
	v->nsample_locs += nlocs;
	v->nsample_values += nt;
	v->nsample_labels += nlabels;
	v->sample_hash[p->nsamples] = h;
	index_insert(&v->sample_ix, slot, p->nsamples, h);
	err = (long)p->nsamples++;
out:
	if (lab != sorted)
		free(lab);
	return err;
}

struct em_label em_profile__label_str(struct em_profile *p, const char *key, const char *val)
{
	struct em_label l = { 0 };

	l.key = em_profile__str(p, key);
	l.str = em_profile__str(p, val);
	if (l.key < 0 || l.str < 0)
		l.key = l.str = 0;
	return l;
}

struct em_label em_profile__label_num(struct em_profile *p, const char *key, int64_t num,
				      const char *unit)
{
	struct em_label l = { 0 };

	l.key = em_profile__str(p, key);
	l.num = num;
	l.num_unit = unit ? em_profile__str(p, unit) : 0;
	if (l.key < 0 || l.num_unit < 0)
		l.key = l.num_unit = 0;
	return l;
}

/* ---- merge ---- */

static int64_t remap_str(struct em_profile *dst, const struct em_profile *src, int64_t i)
{
	if (i <= 0)
		return 0;
	return em_profile__str(dst, em_profile__string(src, i));
}

static int merge_header(struct em_profile *dst, const struct em_profile *src)
{
	if (dst->nsample_types == 0 && dst->nsamples == 0) {
		for (size_t i = 0; i < src->nsample_types; i++) {
			int err = em_profile__add_sample_type(
				dst, em_profile__string(src, src->sample_types[i].type),
				em_profile__string(src, src->sample_types[i].unit));

			if (err < 0)
				return err;
		}
		dst->period_type.type = remap_str(dst, src, src->period_type.type);
		dst->period_type.unit = remap_str(dst, src, src->period_type.unit);
		dst->period = src->period;
		dst->default_sample_type = remap_str(dst, src, src->default_sample_type);
		dst->drop_frames = remap_str(dst, src, src->drop_frames);
		dst->keep_frames = remap_str(dst, src, src->keep_frames);
		dst->doc_url = remap_str(dst, src, src->doc_url);
		dst->time_nanos = src->time_nanos;
		dst->duration_nanos = src->duration_nanos;
		for (size_t i = 0; i < src->ncomments; i++)
			if (em_profile__add_comment(dst, em_profile__string(src, src->comments[i])))
				return -ENOMEM;
		return 0;
	}
	if (dst->nsample_types != src->nsample_types)
		return -EINVAL;
	for (size_t i = 0; i < src->nsample_types; i++) {
		if (strcmp(em_profile__string(dst, dst->sample_types[i].type),
			   em_profile__string(src, src->sample_types[i].type)) ||
		    strcmp(em_profile__string(dst, dst->sample_types[i].unit),
			   em_profile__string(src, src->sample_types[i].unit)))
			return -EINVAL;
	}
	if (src->period > dst->period)
		dst->period = src->period;
	dst->duration_nanos += src->duration_nanos;
	if (src->time_nanos && (!dst->time_nanos || src->time_nanos < dst->time_nanos))
		dst->time_nanos = src->time_nanos;
	return 0;
}

int em_profile__merge(struct em_profile *dst, const struct em_profile *src)
{
	uint64_t *map_ids = NULL, *fn_ids = NULL, *loc_ids = NULL, *stack = NULL;
	struct em_label *labels = NULL;
	struct em_line *lines = NULL;
	size_t stack_cap = 0, label_cap = 0, line_cap = 0;
	int err;

	err = merge_header(dst, src);
	if (err)
		return err;
	err = -ENOMEM;
	map_ids = calloc(src->nmappings + 1, sizeof(*map_ids));
	fn_ids = calloc(src->nfunctions + 1, sizeof(*fn_ids));
	loc_ids = calloc(src->nlocations + 1, sizeof(*loc_ids));
	if (!map_ids || !fn_ids || !loc_ids)
		goto out;
	for (size_t i = 0; i < src->nmappings; i++) {
		struct em_mapping m = src->mappings[i];

		m.file = remap_str(dst, src, m.file);
		m.build_id = remap_str(dst, src, m.build_id);
		if (m.file < 0 || m.build_id < 0 || !(map_ids[i + 1] = em_profile__add_mapping(dst, &m)))
			goto out;
	}
	for (size_t i = 0; i < src->nfunctions; i++) {
		struct em_function f = src->functions[i];

		f.name = remap_str(dst, src, f.name);
		f.system_name = remap_str(dst, src, f.system_name);
		f.filename = remap_str(dst, src, f.filename);
		if (f.name < 0 || f.system_name < 0 || f.filename < 0 ||
		    !(fn_ids[i + 1] = em_profile__add_function_idx(dst, &f)))
			goto out;
	}
	for (size_t i = 0; i < src->nlocations; i++) {
		const struct em_location *l = &src->locations[i];

		if (em_grow((void **)&lines, &line_cap, l->nlines, sizeof(*lines)))
			goto out;
		for (size_t j = 0; j < l->nlines; j++) {
			lines[j] = src->lines[l->lines + j];
			lines[j].function_id = fn_ids[lines[j].function_id];
		}
		loc_ids[i + 1] = em_profile__add_location(dst, map_ids[l->mapping_id], l->address,
							  lines, l->nlines, l->is_folded);
		if (!loc_ids[i + 1])
			goto out;
	}
	for (size_t i = 0; i < src->nsamples; i++) {
		const struct em_sample *s = &src->samples[i];

		if (em_grow((void **)&stack, &stack_cap, s->nlocs, sizeof(*stack)) ||
		    em_grow((void **)&labels, &label_cap, s->nlabels, sizeof(*labels)))
			goto out;
		for (size_t j = 0; j < s->nlocs; j++)
			stack[j] = loc_ids[src->sample_locs[s->locs + j]];
		for (size_t j = 0; j < s->nlabels; j++) {
			const struct em_label *l = &src->sample_labels[s->labels + j];

			labels[j].key = remap_str(dst, src, l->key);
			labels[j].str = remap_str(dst, src, l->str);
			labels[j].num = l->num;
			labels[j].num_unit = remap_str(dst, src, l->num_unit);
			if (labels[j].key < 0 || labels[j].str < 0 || labels[j].num_unit < 0)
				goto out;
		}
		err = em_profile__add_sample(dst, stack, s->nlocs, &src->sample_values[s->values],
					     labels, s->nlabels);
		if (err)
			goto out;
	}
	err = 0;
out:
	free(map_ids);
	free(fn_ids);
	free(loc_ids);
	free(stack);
	free(labels);
	free(lines);
	return err;
}
