// SPDX-License-Identifier: MIT
/*
 * profile_encode.c - em_profile to profile.proto bytes with protobuf-c, then
 * gzip. The protobuf-c message tree points into the model's own arrays (ids,
 * values, strings), so only the small per-message structs are allocated.
 */
#include "afile.h"
#include "gz.h"
#include "profile.h"
#include "profile_priv.h"

#include "profile.pb-c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

/* All allocations of one encode, freed together. */
struct enc {
	pb_value_type *vt;
	pb_value_type **vtp;
	pb_sample *s;
	pb_sample **sp;
	pb_label *lab;
	pb_label **labp;
	pb_mapping *m;
	pb_mapping **mp;
	pb_location *l;
	pb_location **lp;
	pb_line *ln;
	pb_line **lnp;
	pb_function *f;
	pb_function **fp;
};

static void enc_free(struct enc *e)
{
	free(e->vt);
	free(e->vtp);
	free(e->s);
	free(e->sp);
	free(e->lab);
	free(e->labp);
	free(e->m);
	free(e->mp);
	free(e->l);
	free(e->lp);
	free(e->ln);
	free(e->lnp);
	free(e->f);
	free(e->fp);
}

#define ALLOC(ptr, n) ((ptr) = calloc((n) ? (n) : 1, sizeof(*(ptr))))

static int build(const struct em_profile *p, pb_profile *pb, struct enc *e,
		 pb_value_type *period_type)
{
	const struct em_profile_priv *v = p->priv;
	size_t nlabels = v->nsample_labels;

	if (!ALLOC(e->vt, p->nsample_types) || !ALLOC(e->vtp, p->nsample_types) ||
	    !ALLOC(e->s, p->nsamples) || !ALLOC(e->sp, p->nsamples) || !ALLOC(e->lab, nlabels) ||
	    !ALLOC(e->labp, nlabels) || !ALLOC(e->m, p->nmappings) ||
	    !ALLOC(e->mp, p->nmappings) || !ALLOC(e->l, p->nlocations) ||
	    !ALLOC(e->lp, p->nlocations) || !ALLOC(e->ln, p->nlines) ||
	    !ALLOC(e->lnp, p->nlines) || !ALLOC(e->f, p->nfunctions) ||
	    !ALLOC(e->fp, p->nfunctions))
		return -ENOMEM;

	for (size_t i = 0; i < p->nsample_types; i++) {
		perftools__profiles__value_type__init(&e->vt[i]);
		e->vt[i].type = p->sample_types[i].type;
		e->vt[i].unit = p->sample_types[i].unit;
		e->vtp[i] = &e->vt[i];
	}
	pb->n_sample_type = p->nsample_types;
	pb->sample_type = e->vtp;

	for (size_t i = 0; i < nlabels; i++) {
		const struct em_label *l = &p->sample_labels[i];

		perftools__profiles__label__init(&e->lab[i]);
		e->lab[i].key = l->key;
		e->lab[i].str = l->str;
		e->lab[i].num = l->num;
		e->lab[i].num_unit = l->num_unit;
		e->labp[i] = &e->lab[i];
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct em_sample *s = &p->samples[i];

		perftools__profiles__sample__init(&e->s[i]);
		e->s[i].n_location_id = s->nlocs;
		e->s[i].location_id = &p->sample_locs[s->locs];
		e->s[i].n_value = p->nsample_types;
		e->s[i].value = &p->sample_values[s->values];
		e->s[i].n_label = s->nlabels;
		e->s[i].label = &e->labp[s->labels];
		e->sp[i] = &e->s[i];
	}
	pb->n_sample = p->nsamples;
	pb->sample = e->sp;

	for (size_t i = 0; i < p->nmappings; i++) {
		const struct em_mapping *m = &p->mappings[i];
		pb_mapping *o = &e->m[i];

		perftools__profiles__mapping__init(o);
		o->id = i + 1;
		o->memory_start = m->start;
		o->memory_limit = m->limit;
		o->file_offset = m->offset;
		o->filename = m->file;
		o->build_id = m->build_id;
		o->has_functions = m->has_functions;
		o->has_filenames = m->has_filenames;
		o->has_line_numbers = m->has_line_numbers;
		o->has_inline_frames = m->has_inline_frames;
		e->mp[i] = o;
	}
	pb->n_mapping = p->nmappings;
	pb->mapping = e->mp;

	for (size_t i = 0; i < p->nlines; i++) {
		perftools__profiles__line__init(&e->ln[i]);
		e->ln[i].function_id = p->lines[i].function_id;
		e->ln[i].line = p->lines[i].line;
		e->ln[i].column = p->lines[i].column;
		e->lnp[i] = &e->ln[i];
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct em_location *l = &p->locations[i];
		pb_location *o = &e->l[i];

		perftools__profiles__location__init(o);
		o->id = i + 1;
		o->mapping_id = l->mapping_id;
		o->address = l->address;
		o->n_line = l->nlines;
		o->line = &e->lnp[l->lines];
		o->is_folded = l->is_folded;
		e->lp[i] = o;
	}
	pb->n_location = p->nlocations;
	pb->location = e->lp;

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct em_function *f = &p->functions[i];
		pb_function *o = &e->f[i];

		perftools__profiles__function__init(o);
		o->id = i + 1;
		o->name = f->name;
		o->system_name = f->system_name;
		o->filename = f->filename;
		o->start_line = f->start_line;
		e->fp[i] = o;
	}
	pb->n_function = p->nfunctions;
	pb->function = e->fp;

	pb->n_string_table = p->nstrings;
	pb->string_table = (char **)p->strings;
	pb->drop_frames = p->drop_frames;
	pb->keep_frames = p->keep_frames;
	pb->time_nanos = p->time_nanos;
	pb->duration_nanos = p->duration_nanos;
	if (p->period_type.type || p->period_type.unit) {
		period_type->type = p->period_type.type;
		period_type->unit = p->period_type.unit;
		pb->period_type = period_type;
	}
	pb->period = p->period;
	pb->n_comment = p->ncomments;
	pb->comment = p->comments;
	pb->default_sample_type = p->default_sample_type;
	pb->doc_url = p->doc_url;
	return 0;
}

static int encode(const struct em_profile *p, const char *const *extra, size_t nextra,
		  uint8_t **out, size_t *out_len)
{
	pb_profile pb = PERFTOOLS__PROFILES__PROFILE__INIT;
	pb_value_type period_type = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	struct enc e = { 0 };
	char **strings = NULL;
	int64_t *comments = NULL;
	uint8_t *buf;
	size_t len;
	int err;

	err = build(p, &pb, &e, &period_type);
	if (err) {
		enc_free(&e);
		return err;
	}
	if (nextra) {
		/* Extra strings go after the table, extra comments after the
		 * profile's own: indices stay valid, the profile is untouched. */
		strings = malloc((p->nstrings + nextra) * sizeof(*strings));
		comments = malloc((p->ncomments + nextra) * sizeof(*comments));
		if (!strings || !comments) {
			free(strings);
			free(comments);
			enc_free(&e);
			return -ENOMEM;
		}
		memcpy(strings, p->strings, p->nstrings * sizeof(*strings));
		memcpy(comments, p->comments, p->ncomments * sizeof(*comments));
		for (size_t i = 0; i < nextra; i++) {
			strings[p->nstrings + i] = (char *)extra[i];
			comments[p->ncomments + i] = (int64_t)(p->nstrings + i);
		}
		pb.string_table = strings;
		pb.n_string_table = p->nstrings + nextra;
		pb.comment = comments;
		pb.n_comment = p->ncomments + nextra;
	}
	len = perftools__profiles__profile__get_packed_size(&pb);
	buf = malloc(len ? len : 1);
	if (!buf) {
		free(strings);
		free(comments);
		enc_free(&e);
		return -ENOMEM;
	}
	*out_len = perftools__profiles__profile__pack(&pb, buf);
	*out = buf;
	free(strings);
	free(comments);
	enc_free(&e);
	return 0;
}

/*
 * gzip level 1, as Go's runtime/pprof writes (gzip.BestSpeed): the agent
 * compresses every profile every interval inside the host process, and
 * level 6 costs about three times the CPU for files ~15% smaller.
 */
#define EM_PROFILE_GZIP_LEVEL 1

int em_profile__encode(const struct em_profile *p, uint8_t **out, size_t *out_len)
{
	return encode(p, NULL, 0, out, out_len);
}

int em_profile__encode_gz_comments(const struct em_profile *p, const char *const *comments,
				   size_t ncomments, uint8_t **out, size_t *out_len)
{
	uint8_t *raw;
	size_t raw_len;
	int err = encode(p, comments, ncomments, &raw, &raw_len);

	if (err)
		return err;
	err = em_gzip(raw, raw_len, EM_PROFILE_GZIP_LEVEL, out, out_len);
	free(raw);
	return err;
}

int em_profile__encode_gz(const struct em_profile *p, uint8_t **out, size_t *out_len)
{
	uint8_t *raw;
	size_t raw_len;
	int err = em_profile__encode(p, &raw, &raw_len);

	if (err)
		return err;
	err = em_gzip(raw, raw_len, EM_PROFILE_GZIP_LEVEL, out, out_len);
	free(raw);
	return err;
}

int em_profile__write(const struct em_profile *p, const char *path)
{
	uint8_t *gz;
	size_t gz_len;
	int err = em_profile__encode_gz(p, &gz, &gz_len);

	if (err)
		return err;
	err = em_write_file_atomic(path, gz, gz_len);
	free(gz);
	return err;
}
