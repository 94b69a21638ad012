// SPDX-License-Identifier: MIT
/* dwinfo.c - address -> inline chain + file:line, with a lazy per-unit index. */
#include "dwinfo.h"
#include "u64map.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Address ranges of one kind of thing, sorted by lo. */
struct range {
	uint64_t lo, hi;
	uint32_t item;	/* unit index, or function index within a unit */
	uint32_t depth;	/* nesting depth (functions only): deeper sorts later */
	int32_t up;	/* the innermost earlier range containing lo, or -1 */
};

struct fn {
	Dwarf_Off off;	/* DIE offset of the subprogram or inlined_subroutine */
	int32_t parent;	/* enclosing function's index, -1 for a top-level one */
	/* Filled on first use (see describe()), so repeat lookups skip libdw. */
	bool described, inlined;
	int decl_line, call_line;
	const char *name, *call_file;
};

struct unit {
	Dwarf_Off off;		/* offset of the unit DIE */
	Dwarf_Die die;		/* the unit DIE, once indexed */
	bool cplusplus;
	struct fn *fns;
	size_t nfns, cap_fns;
	struct range *ranges;
	size_t nranges, cap_ranges;
	bool indexed, broken;
};

struct em_dwinfo {
	Dwarf *dw;
	struct unit *units;
	size_t nunits;
	struct range *ranges;	/* units' ranges */
	size_t nranges;
	/* strings built here: absolute file names, qualified C++ names */
	char **strs;
	size_t nstrs, cap_strs;
	struct em_u64map abs_ix;	/* libdw's relative file name pointer -> strs index */
	struct em_u64map qual_ix;	/* DIE offset -> strs index of its qualified name */
};

/* Keeps p (malloc'd) in d->strs under key in ix. Returns p, or NULL (p freed). */
static const char *keep_str(struct em_dwinfo *d, struct em_u64map *ix, uint64_t key, char *p)
{
	if (!p)
		return NULL;
	if (d->nstrs == d->cap_strs) {
		size_t ncap = d->cap_strs ? d->cap_strs * 2 : 64;
		char **v = realloc(d->strs, ncap * sizeof(*v));

		if (!v)
			goto fail;
		d->strs = v;
		d->cap_strs = ncap;
	}
	if (em_u64map__put(ix, key, d->nstrs) < 0)
		goto fail;
	d->strs[d->nstrs++] = p;
	return p;
fail:
	free(p);
	return NULL;
}

static int grow(void **v, size_t *cap, size_t need, size_t elem, size_t max)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	if (need > max)
		return -E2BIG;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Appends the PC ranges of die; returns how many, or a negative errno. */
static int add_ranges(Dwarf_Die *die, struct range **v, size_t *n, size_t *cap, uint32_t item,
		      uint32_t depth)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	int added = 0;

	/* The count is capped too: a hostile range list must not pin us here. */
	while (added < EM_DW_MAX_DIE_RANGES && (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (grow((void **)v, cap, *n + 1, sizeof(**v), EM_DW_MAX_RANGES))
			return -E2BIG;
		(*v)[(*n)++] = (struct range){ lo, hi, item, depth, -1 };
		added++;
	}
	return added;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

/*
 * Sorts v and links each range to the innermost earlier range that contains
 * its start (a stack sweep: ranges that ended before it are popped). Ranges
 * nest, so every range containing an address is on the "up" chain of the
 * last range starting at or before it.
 */
static int sort_and_link(struct range *v, size_t n)
{
	int32_t *stack;
	size_t sp = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), range_cmp);
	stack = malloc(n * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		while (sp && v[stack[sp - 1]].hi <= v[i].lo)
			sp--;
		v[i].up = sp ? stack[sp - 1] : -1;
		stack[sp++] = (int32_t)i;
	}
	free(stack);
	return 0;
}

/*
 * The innermost range containing addr: from the last range starting at or
 * before addr, up the chain until one contains it. The walk is as long as
 * the nesting is deep, whatever the number of ranges.
 */
static const struct range *find_range(const struct range *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;
	int32_t i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = (int32_t)lo - 1; i >= 0; i = v[i].up)
		if (addr < v[i].hi)
			return &v[i];
	return NULL;
}

struct em_dwinfo *em_dwinfo__new(Elf *elf)
{
	struct em_dwinfo *d = calloc(1, sizeof(*d));
	size_t cap_units = 0, cap_ranges = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	int err = -ENOMEM;

	if (!d)
		return NULL;
	d->dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!d->dw) {
		err = -ENOENT;
		goto err_out;
	}
	while (dwarf_get_units(d->dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		int n;

		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		if (grow((void **)&d->units, &cap_units, d->nunits + 1, sizeof(*d->units),
			 EM_DW_MAX_UNITS)) {
			err = -E2BIG;
			goto err_out;
		}
		n = add_ranges(&cudie, &d->ranges, &d->nranges, &cap_ranges, (uint32_t)d->nunits, 0);
		if (n < 0) {
			err = n;
			goto err_out;
		}
		if (n == 0)
			continue;
		memset(&d->units[d->nunits], 0, sizeof(d->units[0]));
		d->units[d->nunits++].off = dwarf_dieoffset(&cudie);
	}
	if (d->nranges == 0) {
		err = -ENOENT;
		goto err_out;
	}
	err = sort_and_link(d->ranges, d->nranges);
	if (err)
		goto err_out;
	return d;

err_out:
	em_dwinfo__free(d);
	errno = -err;
	return NULL;
}

/* Tags whose children may hold functions or inlined calls. */
static bool may_contain_code(int tag)
{
	switch (tag) {
	case DW_TAG_subprogram:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_lexical_block:
	case DW_TAG_namespace:
	case DW_TAG_class_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_module:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
		return true;
	default:
		return false;
	}
}

/*
 * Visits every DIE of the unit (iteratively, depth capped) and records each
 * subprogram or inlined_subroutine that has code, with its ranges and the
 * nearest enclosing such function as its parent.
 */
static int index_unit(struct unit *u, Dwarf_Die *cudie)
{
	struct frame {
		Dwarf_Die die;
		int32_t fn;	/* enclosing function index for this level */
	} *stack;
	size_t visits = 0;
	int sp = 0, err = 0;

	stack = malloc(EM_DW_MAX_DEPTH * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	if (dwarf_child(cudie, &stack[0].die) == 0) {
		stack[0].fn = -1;
		sp = 1;
	}
	while (sp > 0 && !err && ++visits <= EM_DW_MAX_DIES) {
		struct frame *f = &stack[sp - 1];
		int tag = dwarf_tag(&f->die), n = 0;
		int32_t inner = f->fn;
		Dwarf_Die child, sib;

		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			uint32_t idx = (uint32_t)u->nfns;

			n = add_ranges(&f->die, &u->ranges, &u->nranges, &u->cap_ranges, idx,
				       (uint32_t)sp);
			if (n < 0) {
				err = n;
				break;
			}
			if (n > 0) {
				if (grow((void **)&u->fns, &u->cap_fns, u->nfns + 1,
					 sizeof(*u->fns), EM_DW_MAX_RANGES)) {
					err = -E2BIG;
					break;
				}
				u->fns[u->nfns++] = (struct fn){ .off = dwarf_dieoffset(&f->die),
								 .parent = f->fn };
				inner = (int32_t)idx;
			}
		}
		/* A function without code (a declaration, an abstract instance) holds none. */
		if (may_contain_code(tag) && (n > 0 || (tag != DW_TAG_subprogram &&
							tag != DW_TAG_inlined_subroutine)) &&
		    sp < EM_DW_MAX_DEPTH && dwarf_child(&f->die, &child) == 0) {
			stack[sp].die = child;
			stack[sp].fn = inner;
			sp++;
			continue;
		}
		/*
		 * Next sibling, climbing up while a level is exhausted. A sibling
		 * must lie further on: a DW_AT_sibling pointing back would loop.
		 */
		while (sp > 0) {
			if (dwarf_siblingof(&stack[sp - 1].die, &sib) == 0 &&
			    dwarf_dieoffset(&sib) > dwarf_dieoffset(&stack[sp - 1].die)) {
				stack[sp - 1].die = sib;
				break;
			}
			sp--;
		}
	}
	free(stack);
	if (err)
		return err;
	return sort_and_link(u->ranges, u->nranges);
}

/* Lexically removes "." and "dir/.." components from an absolute path, in place. */
static void clean_path(char *path)
{
	char *out = path, *s = path;

	while (*s) {
		char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len == 0 || (len == 1 && s[0] == '.')) {
			/* skip */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (out > path)
				while (--out > path && *out != '/')
					;
		} else {
			*out++ = '/';
			memmove(out, s, len);
			out += len;
		}
		s += len + (e != NULL);
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/*
 * Line tables may name files relative to the unit's DW_AT_comp_dir (GCC does
 * for sources given as relative paths); pprof and editors want the full path.
 * Joined names are cached by libdw's string pointer, so each is built once.
 */
static const char *absolute(struct em_dwinfo *d, Dwarf_Die *cudie, const char *file)
{
	Dwarf_Attribute a;
	const char *dir, *res;
	uint64_t idx;
	char *p;

	if (!file || file[0] == '/')
		return file;
	if (em_u64map__get(&d->abs_ix, (uint64_t)(uintptr_t)file, &idx))
		return d->strs[idx];
	dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &a));
	if (!dir || dir[0] != '/')
		return file;
	p = malloc(strlen(dir) + strlen(file) + 3);
	if (!p)
		return file;
	strcpy(p, dir);
	strcat(p, "/");
	strcat(p, file);
	clean_path(p);
	res = keep_str(d, &d->abs_ix, (uint64_t)(uintptr_t)file, p);
	return res ? res : file;
}

static bool is_cplusplus(Dwarf_Die *cudie)
{
	int lang = dwarf_srclang(cudie);

	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

/*
 * A C++ function without a linkage name (an inline function with internal
 * linkage, say) has only its bare DW_AT_name; qualify it with the namespaces
 * and classes around its declaration, as addr2line does. libdw has no parent
 * links, so dwarf_getscopes_die() walks the unit: the result is cached.
 */
static const char *qualified(struct em_dwinfo *d, Dwarf_Die *die, const char *name)
{
	Dwarf_Die mem, *decl = die, *scopes = NULL;
	Dwarf_Attribute a;
	size_t len = strlen(name) + 1;
	uint64_t idx, key;
	const char *res;
	char *p;
	int n;

	/* The declaration sits in the scope: follow origin, then specification. */
	if (dwarf_attr(decl, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &mem))
		decl = &mem;
	if (dwarf_attr(decl, DW_AT_specification, &a) && dwarf_formref_die(&a, &mem))
		decl = &mem;
	key = dwarf_dieoffset(decl);
	if (em_u64map__get(&d->qual_ix, key, &idx))
		return d->strs[idx];
	n = dwarf_getscopes_die(decl, &scopes);
	for (int i = n - 2; i >= 1; i--) {
		const char *sn = dwarf_diename(&scopes[i]);

		len += strlen(sn ? sn : "(anonymous namespace)") + 2;
	}
	p = malloc(len);
	if (p) {
		p[0] = '\0';
		for (int i = n - 2; i >= 1; i--) {
			const char *sn = dwarf_diename(&scopes[i]);

			strcat(p, sn ? sn : "(anonymous namespace)");
			strcat(p, "::");
		}
		strcat(p, name);
	}
	free(scopes);
	res = keep_str(d, &d->qual_ix, key, p);
	return res ? res : name;
}

static const char *die_name(struct em_dwinfo *d, Dwarf_Die *die, bool cplusplus)
{
	Dwarf_Attribute a;
	const char *s;

	s = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!s)
		s = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	if (s)
		return s;
	s = dwarf_diename(die);
	return s && cplusplus ? qualified(d, die, s) : s;
}

static int die_udata(Dwarf_Die *die, unsigned int at, Dwarf_Word *out)
{
	Dwarf_Attribute a;

	return dwarf_attr(die, at, &a) ? dwarf_formudata(&a, out) : -1;
}

/* Reads what frames need from a function's DIE, once. */
static void describe(struct em_dwinfo *d, struct unit *u, struct fn *f)
{
	Dwarf_Files *files;
	Dwarf_Word file_idx, call_line;
	size_t nfiles;
	Dwarf_Die die;
	int decl = 0;

	f->described = true;
	if (!dwarf_offdie(d->dw, f->off, &die))
		return;
	f->name = die_name(d, &die, u->cplusplus);
	if (dwarf_decl_line(&die, &decl) == 0 && decl > 0)
		f->decl_line = decl;
	f->inlined = dwarf_tag(&die) == DW_TAG_inlined_subroutine;
	if (!f->inlined)
		return;
	/* Where this copy was inlined: the caller's file and line. */
	if (die_udata(&die, DW_AT_call_file, &file_idx) == 0 &&
	    dwarf_getsrcfiles(&u->die, &files, &nfiles) == 0 && file_idx < nfiles)
		f->call_file = absolute(d, &u->die, dwarf_filesrc(files, file_idx, NULL, NULL));
	if (die_udata(&die, DW_AT_call_line, &call_line) == 0 && call_line <= INT32_MAX)
		f->call_line = (int)call_line;
}

int em_dwinfo__lookup(struct em_dwinfo *d, uint64_t addr, struct em_srcframe *frames,
		      unsigned max)
{
	const struct range *ur, *fr;
	struct unit *u;
	Dwarf_Line *line;
	unsigned n = 0;
	int32_t fi;

	if (!d || !max)
		return 0;
	if (max > EM_DW_MAX_INLINE)
		max = EM_DW_MAX_INLINE;
	ur = find_range(d->ranges, d->nranges, addr);
	if (!ur)
		return 0;
	u = &d->units[ur->item];
	if (u->broken)
		return 0;
	if (!u->indexed) {
		u->indexed = true;
		if (!dwarf_offdie(d->dw, u->off, &u->die) || index_unit(u, &u->die) < 0) {
			u->broken = true;
			return 0;
		}
		u->cplusplus = is_cplusplus(&u->die);
	}
	frames[0] = (struct em_srcframe){ NULL, NULL, 0, 0 };
	line = dwarf_getsrc_die(&u->die, addr);
	if (line) {
		int l = 0;

		frames[0].file = absolute(d, &u->die, dwarf_linesrc(line, NULL, NULL));
		if (dwarf_lineno(line, &l) == 0 && l > 0)
			frames[0].line = l;
	}
	fr = find_range(u->ranges, u->nranges, addr);
	if (!fr)
		return 1;
	/* Walk out from the innermost inlined call to the real function. */
	for (fi = (int32_t)fr->item; fi >= 0 && n < max; fi = u->fns[fi].parent) {
		struct fn *f = &u->fns[fi];

		if (!f->described)
			describe(d, u, f);
		frames[n].name = f->name;
		frames[n].start_line = f->decl_line;
		n++;
		if (!f->inlined || n == max)
			break;
		/* The caller's frame is at the call site of this inlined copy. */
		frames[n] = (struct em_srcframe){ NULL, f->call_file, f->call_line, 0 };
	}
	return n ? (int)n : 1;
}

void em_dwinfo__free(struct em_dwinfo *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nunits; i++) {
		free(d->units[i].fns);
		free(d->units[i].ranges);
	}
	free(d->units);
	free(d->ranges);
	for (size_t i = 0; i < d->nstrs; i++)
		free(d->strs[i]);
	free(d->strs);
	em_u64map__clear(&d->abs_ix);
	em_u64map__clear(&d->qual_ix);
	if (d->dw)
		dwarf_end(d->dw);
	free(d);
}
