// SPDX-License-Identifier: MIT
/*
 * symbolize_profile.c - em_symbolize_profile(): fill in functions for the
 * bare addresses of a profile (`ember symbolize`).
 *
 * A profile's locations cannot be edited in place (their hash index would go
 * stale), so the profile is rebuilt: header, mappings and functions copied,
 * locations symbolized or copied, samples re-added with remapped ids, and the
 * result swapped into the caller's struct.
 */
#include "symbolize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What is known about one mapping of the input profile. */
struct oldmap {
	struct em_elfmod *mod;	/* resolved module, or NULL */
	uint64_t new_id;
	bool needed;		/* has a location to symbolize */
};

/* Quality of the locations of one mapping of the output. */
struct acc {
	size_t n;
	bool fn, fl, ln, in;
};

struct ctx {
	struct em_profile *in, *out;
	struct em_symbolizer *s;
	const struct em_symbolize_opts *o;
	struct em_proc *proc;
	struct oldmap *maps;	/* by old mapping id */
	uint64_t *fn_ids;	/* old function id -> new */
	struct acc *acc;	/* by new mapping id */
	size_t cap_acc;
	struct em_line *lines;	/* scratch, EM_PROFILE_MAX_LINES */
	struct em_symbolize_stats st;
};

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static int64_t restr(struct ctx *c, int64_t i)
{
	return i > 0 ? em_profile__str(c->out, em_profile__string(c->in, i)) : 0;
}

static int copy_header(struct ctx *c)
{
	const struct em_profile *in = c->in;
	struct em_profile *out = c->out;

	for (size_t i = 0; i < in->nsample_types; i++)
		if (em_profile__add_sample_type(out, em_profile__string(in, in->sample_types[i].type),
						em_profile__string(in, in->sample_types[i].unit)) < 0)
			return -ENOMEM;
	if (in->period_type.type || in->period_type.unit || in->period)
		if (em_profile__set_period_type(out, em_profile__string(in, in->period_type.type),
						em_profile__string(in, in->period_type.unit),
						in->period) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < in->ncomments; i++)
		if (em_profile__add_comment(out, em_profile__string(in, in->comments[i])) < 0)
			return -ENOMEM;
	out->time_nanos = in->time_nanos;
	out->duration_nanos = in->duration_nanos;
	/* String-index scalars outside any hash index: set after interning. */
	out->default_sample_type = restr(c, in->default_sample_type);
	out->drop_frames = restr(c, in->drop_frames);
	out->keep_frames = restr(c, in->keep_frames);
	out->doc_url = restr(c, in->doc_url);
	if (out->default_sample_type < 0 || out->drop_frames < 0 || out->keep_frames < 0 ||
	    out->doc_url < 0)
		return -ENOMEM;
	return 0;
}

static bool build_id_ok(struct ctx *c, const struct em_elfmod *mod, const char *want,
			const char *file)
{
	char what[256];

	if (!*want || strcmp(mod->build_id_hex, want) == 0)
		return true;
	snprintf(what, sizeof(what), "build id mismatch (profile has %s, %s has %s); not used",
		 want, mod->path, *mod->build_id_hex ? mod->build_id_hex : "none");
	em_symbolizer__problem(c->s, file, what);
	return false;
}

/* Finds the module for old mapping m, in the order documented in symbolize.h. */
static struct em_elfmod *resolve(struct ctx *c, const struct em_mapping *m)
{
	const char *file = em_profile__string(c->in, m->file);
	const char *bid = em_profile__string(c->in, m->build_id);
	struct em_elfmod *mod;

	if (c->proc) {
		const struct em_map *pm = em_maps__find(em_proc__maps(c->proc), m->start);

		if (pm && pm->start == m->start && pm->offset == m->offset &&
		    strcmp(base_name(pm->path), base_name(file)) == 0) {
			mod = em_symbolizer__proc_module(c->s, c->proc, pm);
			if (mod && build_id_ok(c, mod, bid, file))
				return mod;
		}
	}
	for (size_t i = 0; i < c->o->nbinaries; i++) {
		mod = em_symbolizer__file_module(c->s, c->o->binaries[i]);
		if (mod && (*bid ? strcmp(mod->build_id_hex, bid) == 0
				 : strcmp(base_name(c->o->binaries[i]), base_name(file)) == 0))
			return mod;
	}
	if (*bid && (mod = em_symbolizer__build_id_module(c->s, bid)))
		return mod;
	if (file[0] != '/') {
		em_symbolizer__problem(c->s, *file ? file : "(mapping without a file)",
				       "cannot be symbolized from files (try --pid)");
		return NULL;
	}
	mod = em_symbolizer__file_module(c->s, file);
	return mod && build_id_ok(c, mod, bid, file) ? mod : NULL;
}

static int note_quality(struct ctx *c, uint64_t mid, bool fn, bool fl, bool ln, bool in)
{
	struct acc *a;

	if (!mid)
		return 0;
	if (mid >= c->cap_acc) {
		size_t ncap = (mid + 1) * 2;
		struct acc *v = realloc(c->acc, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + c->cap_acc, 0, (ncap - c->cap_acc) * sizeof(*v));
		c->acc = v;
		c->cap_acc = ncap;
	}
	a = &c->acc[mid];
	if (a->n++ == 0) {
		a->fn = fn, a->fl = fl, a->ln = ln, a->in = in;
		return 0;
	}
	a->fn &= fn, a->fl &= fl, a->ln &= ln, a->in &= in;
	return 0;
}

static int copy_mappings(struct ctx *c)
{
	const struct em_profile *in = c->in;

	for (size_t i = 0; i < in->nlocations; i++) {
		const struct em_location *l = &in->locations[i];

		if (!l->nlines && l->address && l->mapping_id)
			c->maps[l->mapping_id].needed = true;
	}
	for (size_t i = 1; i <= in->nmappings; i++) {
		struct em_mapping m = in->mappings[i - 1];
		struct oldmap *om = &c->maps[i];

		/* Kernel addresses go to kallsyms, not to a file. */
		if (om->needed && strcmp(em_profile__string(in, m.file), EM_KERNEL_MAPPING) != 0)
			om->mod = resolve(c, &m);
		m.file = restr(c, m.file);
		/* A build id learnt from the file lets pprof find it again later. */
		if (om->mod && !m.build_id && om->mod->build_id_len)
			m.build_id = em_profile__str(c->out, om->mod->build_id_hex);
		else
			m.build_id = restr(c, m.build_id);
		if (m.file < 0 || m.build_id < 0 || !(om->new_id = em_profile__add_mapping(c->out, &m)))
			return -ENOMEM;
	}
	return 0;
}

static int copy_functions(struct ctx *c)
{
	for (size_t i = 1; i <= c->in->nfunctions; i++) {
		struct em_function f = c->in->functions[i - 1];

		f.name = restr(c, f.name);
		f.system_name = restr(c, f.system_name);
		f.filename = restr(c, f.filename);
		if (f.name < 0 || f.system_name < 0 || f.filename < 0 ||
		    !(c->fn_ids[i] = em_profile__add_function_idx(c->out, &f)))
			return -ENOMEM;
	}
	return 0;
}

/* A location that already has lines: copied, its quality read from its lines. */
static uint64_t copy_location(struct ctx *c, const struct em_location *l, uint64_t mid)
{
	struct em_line *lines = c->lines;
	bool fn = true, fl = true, ln = true, inl = false;

	for (uint32_t j = 0; j < l->nlines; j++) {
		const struct em_line *x = &c->in->lines[l->lines + j];
		const struct em_function *f = x->function_id ? &c->in->functions[x->function_id - 1]
							     : NULL;

		lines[j] = *x;
		lines[j].function_id = c->fn_ids[x->function_id];
		fn &= f && (f->name || f->system_name);
		fl &= f && f->filename;
		ln &= x->line > 0;
	}
	if (l->mapping_id)
		inl = c->in->mappings[l->mapping_id - 1].has_inline_frames;
	if (l->nlines && note_quality(c, mid, fn, fl, ln, inl) < 0)
		return 0;
	return em_profile__add_location(c->out, mid, l->address, lines, l->nlines, l->is_folded);
}

static uint64_t symbolize_location(struct ctx *c, const struct em_location *l)
{
	const struct em_mapping *m = l->mapping_id ? &c->in->mappings[l->mapping_id - 1] : NULL;
	uint64_t mid = l->mapping_id ? c->maps[l->mapping_id].new_id : 0;
	struct em_elfmod *mod = l->mapping_id ? c->maps[l->mapping_id].mod : NULL;
	struct em_symloc loc;

	memset(&loc, 0, sizeof(loc));
	if (l->address >= EM_KERNEL_MIN_ADDR) {
		if (c->o->kernel)
			em_symbolizer__lookup(c->s, NULL, l->address, &loc);
	} else if (mod && l->address >= m->start && l->address < m->limit) {
		em_symbolizer__lookup_module(c->s, mod, l->address - m->start + m->offset, m->offset,
					     &loc);
	} else if (!m && c->proc) {
		/* No mapping recorded: the live process says where the address is. */
		em_symbolizer__lookup(c->s, c->proc, l->address, &loc);
		if (loc.has_map) {
			struct em_mapping nm = {
				.start = loc.map_start,
				.limit = loc.map_limit,
				.offset = loc.map_offset,
				.file = em_profile__str(c->out, loc.map_file),
				.build_id = em_profile__str(c->out, loc.build_id),
			};

			if (nm.file < 0 || nm.build_id < 0 || !(mid = em_profile__add_mapping(c->out, &nm)))
				return 0;
		}
	}
	if (loc.nframes)
		c->st.symbolized++;
	else
		c->st.unresolved++;
	if (note_quality(c, mid, loc.functions, loc.filenames, loc.line_numbers,
			 loc.inline_frames) < 0)
		return 0;
	return em_symloc__add_location(c->out, &loc, mid, l->address);
}

static int copy_samples(struct ctx *c, const uint64_t *loc_ids)
{
	const struct em_profile *in = c->in;
	uint64_t *stack = malloc((EM_PROFILE_MAX_DEPTH + 1) * sizeof(*stack));
	struct em_label *labels = malloc((EM_PROFILE_MAX_LABELS + 1) * sizeof(*labels));
	int err = -ENOMEM;

	if (!stack || !labels)
		goto out;
	for (size_t i = 0; i < in->nsamples; i++) {
		const struct em_sample *s = &in->samples[i];

		for (uint32_t j = 0; j < s->nlocs; j++)
			stack[j] = loc_ids[in->sample_locs[s->locs + j]];
		for (uint32_t j = 0; j < s->nlabels; j++) {
			const struct em_label *l = &in->sample_labels[s->labels + j];

			labels[j] = (struct em_label){ restr(c, l->key), restr(c, l->str), l->num,
						       restr(c, l->num_unit) };
			if (labels[j].key < 0 || labels[j].str < 0 || labels[j].num_unit < 0)
				goto out;
		}
		err = em_profile__add_sample(c->out, stack, s->nlocs, &in->sample_values[s->values],
					     labels, s->nlabels);
		if (err)
			goto out;
	}
	err = 0;
out:
	free(stack);
	free(labels);
	return err;
}

static int rebuild(struct ctx *c)
{
	const struct em_profile *in = c->in;
	uint64_t *loc_ids = calloc(in->nlocations + 1, sizeof(*loc_ids));
	int err = -ENOMEM;

	if (!loc_ids)
		return -ENOMEM;
	if ((err = copy_header(c)) || (err = copy_mappings(c)) || (err = copy_functions(c)))
		goto out;
	err = -ENOMEM;
	for (size_t i = 0; i < in->nlocations; i++) {
		const struct em_location *l = &in->locations[i];

		if (l->nlines || !l->address) {
			c->st.already += l->nlines != 0;
			if (!l->nlines)
				c->st.unresolved++;
			loc_ids[i + 1] = copy_location(
				c, l, l->mapping_id ? c->maps[l->mapping_id].new_id : 0);
		} else {
			loc_ids[i + 1] = symbolize_location(c, l);
		}
		if (!loc_ids[i + 1])
			goto out;
	}
	err = copy_samples(c, loc_ids);
	if (err)
		goto out;
	for (size_t id = 1; id <= c->out->nmappings && id < c->cap_acc; id++) {
		const struct acc *a = &c->acc[id];

		if (a->n)
			em_profile__set_mapping_flags(c->out, id, a->fn, a->fl, a->ln, a->in);
	}
out:
	free(loc_ids);
	return err;
}

int em_symbolize_profile(struct em_profile *p, struct em_symbolizer *s,
			 const struct em_symbolize_opts *o, struct em_symbolize_stats *stats)
{
	static const struct em_symbolize_opts none;
	struct ctx c = { .in = p, .s = s, .o = o ? o : &none };
	struct em_profile tmp;
	int err = -ENOMEM;

	c.st.locations = p->nlocations;
	if (c.o->pid > 0) {
		c.proc = em_proc__new(c.o->pid);
		if (!c.proc)
			return -errno;
	}
	c.out = em_profile__new();
	c.maps = calloc(p->nmappings + 1, sizeof(*c.maps));
	c.fn_ids = calloc(p->nfunctions + 1, sizeof(*c.fn_ids));
	c.lines = malloc(EM_PROFILE_MAX_LINES * sizeof(*c.lines));
	if (c.out && c.maps && c.fn_ids && c.lines)
		err = rebuild(&c);
	if (!err) {
		/* Swap the contents: the caller's pointer now holds the new profile. */
		tmp = *p;
		*p = *c.out;
		*c.out = tmp;
		if (stats)
			*stats = c.st;
	}
	em_profile__free(c.out);
	em_proc__free(c.proc);
	free(c.maps);
	free(c.fn_ids);
	free(c.lines);
	free(c.acc);
	return err;
}
