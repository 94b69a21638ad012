// SPDX-License-Identifier: MIT
/* frames.c - samples as named frames (inline-expanded, leaf first). */
#include "frames.h"
#include "profile_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

long em_frames_of_location(const struct em_profile *p, uint64_t lid, struct em_frame **buf,
			   size_t *cap, size_t n)
{
	const struct em_location *l = &p->locations[lid - 1];
	size_t add = l->nlines ? l->nlines : 1;

	if (em_grow((void **)buf, cap, n + add, sizeof(**buf)))
		return -ENOMEM;
	if (!l->nlines) {
		(*buf)[n++] = (struct em_frame){ EM_FRAME_ADDR_KEY | lid, lid, false };
		return (long)n;
	}
	for (size_t k = 0; k < l->nlines; k++) {
		uint64_t fid = p->lines[l->lines + k].function_id;
		struct em_frame *f = &(*buf)[n++];

		f->key = fid ? fid : (EM_FRAME_ADDR_KEY | lid);
		f->location_id = lid;
		f->inlined = k + 1 < l->nlines;
	}
	return (long)n;
}

long em_frames_of_sample(const struct em_profile *p, size_t i, struct em_frame **buf, size_t *cap)
{
	const struct em_sample *s = &p->samples[i];
	long n = 0;

	for (size_t j = 0; j < s->nlocs && n >= 0; j++)
		n = em_frames_of_location(p, p->sample_locs[s->locs + j], buf, cap, (size_t)n);
	return n;
}

const char *em_frame_name(const struct em_profile *p, uint64_t key, char *buf, size_t len)
{
	const struct em_location *l;
	const struct em_mapping *m;
	const char *file, *base;

	if (!(key & EM_FRAME_ADDR_KEY)) {
		const struct em_function *f;

		if (key == 0 || key > p->nfunctions) {
			snprintf(buf, len, "??");
			return buf;
		}
		f = &p->functions[key - 1];
		snprintf(buf, len, "%s",
			 *em_profile__string(p, f->name) ? em_profile__string(p, f->name)
							 : *em_profile__string(p, f->system_name)
								   ? em_profile__string(p, f->system_name)
								   : "??");
		return buf;
	}
	key &= ~EM_FRAME_ADDR_KEY;
	if (key == 0 || key > p->nlocations) {
		snprintf(buf, len, "??");
		return buf;
	}
	l = &p->locations[key - 1];
	if (!l->mapping_id) {
		snprintf(buf, len, "0x%" PRIx64, l->address);
		return buf;
	}
	m = &p->mappings[l->mapping_id - 1];
	file = em_profile__string(p, m->file);
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (!*base)
		base = "??";
	if (l->address >= m->start && l->address < m->limit)
		snprintf(buf, len, "%s+0x%" PRIx64, base, l->address - m->start + m->offset);
	else
		snprintf(buf, len, "%s@0x%" PRIx64, base, l->address);
	return buf;
}
