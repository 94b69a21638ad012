// SPDX-License-Identifier: MIT
/* symtab.c - ELF function symbols, sorted for binary search. */
#include "symtab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Lower rank wins among aliases at one address. Bit 31: no size. Bits 24-30:
 * leading underscores. Bits 20-23: binding. Bits 0-19: name length.
 */
static uint32_t rank_of(const char *name, const GElf_Sym *s)
{
	size_t us = strspn(name, "_"), len = strlen(name);
	uint32_t bind;

	switch (GELF_ST_BIND(s->st_info)) {
	case STB_GLOBAL:
		bind = 0;
		break;
	case STB_WEAK:
		bind = 1;
		break;
	case STB_LOCAL:
		bind = 2;
		break;
	default:
		bind = 3;
	}
	return (s->st_size ? 0u : 1u << 31) | (uint32_t)(us > 127 ? 127 : us) << 24 | bind << 20 |
	       (uint32_t)(len > 0xfffff ? 0xfffff : len);
}

static int grow(struct em_symtab *st, size_t need)
{
	struct em_sym *v;
	size_t cap;

	if (need <= st->cap)
		return 0;
	if (need > EM_SYMTAB_MAX_SYMS)
		return -E2BIG;
	cap = st->cap ? st->cap : 1024;
	while (cap < need)
		cap *= 2;
	v = realloc(st->syms, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	st->syms = v;
	st->cap = cap;
	return 0;
}

/* End of the section a symbol lives in, or 0 when it has none usable. */
static uint64_t section_end(Elf *elf, size_t shndx, uint64_t addr)
{
	Elf_Scn *scn = elf_getscn(elf, shndx);
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
		return 0;
	if (addr < sh.sh_addr || addr - sh.sh_addr >= sh.sh_size)
		return 0;
	return sh.sh_addr + sh.sh_size;
}

static long add_section(struct em_symtab *st, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
	size_t entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT), count, strsize;
	Elf_Scn *strscn;
	GElf_Shdr strsh;
	Elf_Data *data, *strdata;
	const char *strs;
	long added = 0;
	int err;

	if (sh->sh_type == SHT_NOBITS || sh->sh_size == 0)
		return 0;
	if (!entsize || sh->sh_entsize != entsize)
		return -EINVAL;
	count = sh->sh_size / entsize;
	if (count > EM_SYMTAB_MAX_SYMS)
		return -E2BIG;
	strscn = elf_getscn(elf, sh->sh_link);
	if (!strscn || !gelf_getshdr(strscn, &strsh) || strsh.sh_type != SHT_STRTAB)
		return -EINVAL;
	data = elf_getdata(scn, NULL);
	strdata = elf_getdata(strscn, NULL);
	if (!data || !data->d_buf || data->d_size / entsize < count || !strdata ||
	    !strdata->d_buf || strdata->d_size == 0)
		return -EINVAL;
	strs = strdata->d_buf;
	strsize = strdata->d_size;
	/* Every name must end inside the table; one NUL at the end guarantees it. */
	if (strs[strsize - 1] != '\0')
		return -EINVAL;
	for (size_t i = 1; i < count; i++) {
		GElf_Sym s;
		const char *name;
		uint64_t end;
		int type;

		if (!gelf_getsym(data, (int)i, &s))
			return -EINVAL;
		type = GELF_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
		    s.st_shndx >= SHN_LORESERVE || s.st_value == 0 || s.st_name == 0 ||
		    s.st_name >= strsize)
			continue;
		name = strs + s.st_name;
		if (!*name)
			continue;
		if (s.st_size) {
			end = s.st_value + s.st_size;
			if (end < s.st_value)
				continue;
		} else {
			end = section_end(elf, s.st_shndx, s.st_value);
			if (!end)
				continue;
		}
		err = grow(st, st->n + 1);
		if (err)
			return err;
		st->syms[st->n++] = (struct em_sym){ s.st_value, end, name, rank_of(name, &s) };
		added++;
	}
	return added;
}

long em_symtab__add_elf(struct em_symtab *st, Elf *elf)
{
	Elf_Scn *scn = NULL;
	long total = 0;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		long n;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		n = add_section(st, elf, scn, &sh);
		if (n < 0)
			return n;
		st->nsections++;
		total += n;
	}
	return total;
}

/* Blocks of names made here, freed with the table. */
struct em_symtab_names {
	struct em_symtab_names *next;
	char data[];
};

static char *names_block(struct em_symtab *st, size_t len)
{
	struct em_symtab_names *b = malloc(sizeof(*b) + len);

	if (!b)
		return NULL;
	b->next = st->owned;
	st->owned = b;
	return b->data;
}

/* The section called name, with its header, or NULL. */
static Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			return NULL;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

long em_symtab__add_plt(struct em_symtab *st, Elf *elf)
{
	GElf_Shdr rsh, dsh, psh, strsh;
	Elf_Scn *rscn, *dscn, *pscn, *strscn;
	Elf_Data *rdata, *ddata, *strdata;
	size_t nrel, nsym, strsize, first, need = 0, off = 0;
	const char *strs;
	GElf_Ehdr eh;
	char *owned;
	long added = 0;
	int err;

	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64)
		return 0;
	rscn = section_named(elf, ".rela.plt", &rsh);
	if (!rscn || rsh.sh_type != SHT_RELA || rsh.sh_size == 0)
		return 0;
	/* Lazy-binding stubs follow a 16-byte header in .plt; with IBT the
	 * entry points are in .plt.sec, one per relocation, no header. */
	pscn = section_named(elf, ".plt.sec", &psh);
	first = 0;
	if (!pscn) {
		pscn = section_named(elf, ".plt", &psh);
		first = 16;
	}
	if (!pscn || psh.sh_type != SHT_PROGBITS || !(psh.sh_flags & SHF_EXECINSTR))
		return 0;
	dscn = elf_getscn(elf, rsh.sh_link);
	if (!dscn || !gelf_getshdr(dscn, &dsh) || dsh.sh_type != SHT_DYNSYM)
		return -EINVAL;
	strscn = elf_getscn(elf, dsh.sh_link);
	if (!strscn || !gelf_getshdr(strscn, &strsh) || strsh.sh_type != SHT_STRTAB)
		return -EINVAL;
	rdata = elf_getdata(rscn, NULL);
	ddata = elf_getdata(dscn, NULL);
	strdata = elf_getdata(strscn, NULL);
	if (!rdata || !ddata || !strdata || !strdata->d_buf || strdata->d_size == 0 ||
	    rsh.sh_entsize != gelf_fsize(elf, ELF_T_RELA, 1, EV_CURRENT) ||
	    dsh.sh_entsize != gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT))
		return -EINVAL;
	strs = strdata->d_buf;
	strsize = strdata->d_size;
	if (strs[strsize - 1] != '\0')
		return -EINVAL;
	nrel = rdata->d_size / rsh.sh_entsize;
	nsym = ddata->d_size / dsh.sh_entsize;
	/* The stubs must fit in the section: a count that says otherwise is
	 * not a layout we know, and nothing is named. */
	if (nrel > EM_SYMTAB_MAX_SYMS || first + nrel * 16 > psh.sh_size)
		return 0;
	/* One block for every "name@plt" (names are bounded by strsize). */
	for (size_t i = 0; i < nrel; i++) {
		GElf_Rela r;
		GElf_Sym s;
		size_t k;

		if (!gelf_getrela(rdata, (int)i, &r))
			return -EINVAL;
		k = GELF_R_SYM(r.r_info);
		if (k == 0 || k >= nsym || !gelf_getsym(ddata, (int)k, &s) || s.st_name >= strsize)
			continue;
		need += strlen(strs + s.st_name) + sizeof("@plt");
	}
	if (!need)
		return 0;
	owned = names_block(st, need);
	if (!owned)
		return -ENOMEM;
	for (size_t i = 0; i < nrel; i++) {
		uint64_t addr = psh.sh_addr + first + i * 16;
		GElf_Rela r;
		GElf_Sym s;
		size_t k, len;
		char *name;

		gelf_getrela(rdata, (int)i, &r);
		k = GELF_R_SYM(r.r_info);
		if (k == 0 || k >= nsym || !gelf_getsym(ddata, (int)k, &s) || s.st_name >= strsize ||
		    !strs[s.st_name])
			continue;
		len = strlen(strs + s.st_name);
		name = owned + off;
		memcpy(name, strs + s.st_name, len);
		memcpy(name + len, "@plt", sizeof("@plt"));
		off += len + sizeof("@plt");
		err = grow(st, st->n + 1);
		if (err)
			return err;
		/* Ranked below every real symbol, though none shares a stub's address. */
		st->syms[st->n++] = (struct em_sym){ addr, addr + 16, name, 0x7fffffffu };
		added++;
	}
	return added;
}

/* The bytes at [addr, addr + len) of the loaded section holding them (an
 * executable one if exec), or NULL. */
static const unsigned char *section_bytes(Elf *elf, uint64_t addr, uint64_t len, bool exec)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || (exec && !(sh.sh_flags & SHF_EXECINSTR)) ||
		    addr < sh.sh_addr || addr - sh.sh_addr >= sh.sh_size ||
		    len > sh.sh_addr + sh.sh_size - addr)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size != sh.sh_size)
			return NULL;
		return (const unsigned char *)d->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

static const unsigned char *code_at(Elf *elf, uint64_t addr, uint64_t len)
{
	return section_bytes(elf, addr, len, true);
}

static const unsigned char *code_or_data_at(Elf *elf, uint64_t addr, uint64_t len)
{
	return section_bytes(elf, addr, len, false);
}

/*
 * The function starts that .eh_frame_hdr lists (sorted, as the linker
 * writes them), with each FDE's address, for the common encoding: version
 * 1, eh_frame_ptr pcrel|sdata4, fde_count udata4, table datarel|sdata4
 * (GNU ld, gold and lld). Anything else is not read (NULL).
 */
struct fde_table {
	const unsigned char *tab;	/* pairs of int32: initial location, FDE */
	uint32_t n;
	uint64_t hdr_addr;
	Elf *elf;
};

static bool fde_table_init(Elf *elf, struct fde_table *t)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_named(elf, ".eh_frame_hdr", &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const unsigned char *h;

	if (!d || !d->d_buf || d->d_size < 12 || d->d_size != sh.sh_size)
		return false;
	h = d->d_buf;
	if (h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 || h[3] != 0x3b)
		return false;
	memcpy(&t->n, h + 8, 4);
	if (t->n > (d->d_size - 12) / 8)
		return false;
	t->tab = h + 12;
	t->hdr_addr = sh.sh_addr;
	t->elf = elf;
	return true;
}

static uint64_t fde_start(const struct fde_table *t, uint32_t i)
{
	int32_t v;

	memcpy(&v, t->tab + (size_t)i * 8, 4);
	return t->hdr_addr + (uint64_t)(int64_t)v;
}

/*
 * The code range [*start, *end) of the FDE that starts exactly at addr, or
 * false. The end is the FDE's own pc_range when its pc_begin decodes as
 * pcrel sdata4 to addr (which checks the encoding), else the next FDE's
 * start.
 */
static bool fde_at(const struct fde_table *t, uint64_t addr, uint64_t *end)
{
	uint32_t lo = 0, hi = t->n;
	const unsigned char *f;
	int32_t rel, pc_begin, fde_rel;
	uint32_t range;
	uint64_t fde;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (fde_start(t, mid) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n || fde_start(t, lo) != addr)
		return false;
	*end = lo + 1 < t->n ? fde_start(t, lo + 1) : 0;
	memcpy(&fde_rel, t->tab + (size_t)lo * 8 + 4, 4);
	fde = t->hdr_addr + (uint64_t)(int64_t)fde_rel;
	/* length (4), CIE pointer (4), pc_begin (4), pc_range (4) */
	f = code_or_data_at(t->elf, fde, 16);
	if (f) {
		memcpy(&rel, f + 4, 4);
		memcpy(&pc_begin, f + 8, 4);
		memcpy(&range, f + 12, 4);
		if (rel != 0 && fde + 8 + (uint64_t)(int64_t)pc_begin == addr && range)
			*end = addr + range;
	}
	return *end > addr;
}

struct part {
	uint64_t addr, end;
	size_t from;		/* index of the named function that jumps there */
};

static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* The entry stubs GCC leaves behind are a test and a jump (redis's
 * aeProcessEvents: 19 bytes); longer functions are not taken for stubs. */
#define SPLIT_SCAN_MAX 64

long em_symtab__add_split_parts(struct em_symtab *st, Elf *elf)
{
	struct part *parts = NULL;
	size_t nparts = 0, cap = 0, need = 0, off = 0, nsyms = st->n;
	struct fde_table fdes;
	GElf_Ehdr eh;
	char *names;
	long added = 0;
	int err;

	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 || !nsyms)
		return 0;
	if (!fde_table_init(elf, &fdes))
		return 0;
	for (size_t i = 0; i < nsyms; i++) {
		const struct em_sym *s = &st->syms[i];
		uint64_t len = s->end - s->addr;
		const unsigned char *b;

		if (len < 5 || len > SPLIT_SCAN_MAX || !(b = code_at(elf, s->addr, len)))
			continue;
		for (uint64_t k = 0; k + 5 <= len; k++) {
			uint64_t ilen, target, end;
			int32_t rel;

			if (b[k] != 0xe9)			/* jmp rel32 */
				continue;
			ilen = 5;
			memcpy(&rel, b + k + ilen - 4, 4);
			target = s->addr + k + ilen + (uint64_t)(int64_t)rel;
			if ((target >= s->addr && target < s->end) || em_symtab__find(st, target))
				continue;
			if (!fde_at(&fdes, target, &end))
				continue;
			if (nparts == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct part *np = realloc(parts, ncap * sizeof(*np));

				if (!np) {
					added = -ENOMEM;
					goto out;
				}
				parts = np;
				cap = ncap;
			}
			parts[nparts++] = (struct part){ target, end, i };
			need += strlen(s->name) + sizeof(".part");
		}
	}
	if (!nparts)
		goto out;
	/* Several jumps to one part (a stub's, a caller's): sorted by address,
	 * stable by origin, the first names it. */
	qsort(parts, nparts, sizeof(*parts), part_cmp);
	names = names_block(st, need);
	if (!names) {
		added = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nparts; i++) {
		const char *from = st->syms[parts[i].from].name;
		size_t len = strlen(from);
		char *name;

		if (i && parts[i - 1].addr == parts[i].addr)
			continue;
		name = names + off;
		memcpy(name, from, len);
		memcpy(name + len, ".part", sizeof(".part"));
		off += len + sizeof(".part");
		err = grow(st, st->n + 1);
		if (err) {
			added = err;
			goto out;
		}
		st->syms[st->n++] = (struct em_sym){ parts[i].addr, parts[i].end, name, 0x7fffffffu };
		added++;
	}
out:
	free(parts);
	return added;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct em_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

void em_symtab__finish(struct em_symtab *st)
{
	size_t n = 0;

	if (!st->n)
		return;
	qsort(st->syms, st->n, sizeof(*st->syms), sym_cmp);
	for (size_t i = 0; i < st->n; i++) {
		if (n && st->syms[n - 1].addr == st->syms[i].addr) {
			/* The winning alias takes the widest extent of the group. */
			if (!(st->syms[i].rank >> 31) && st->syms[i].end > st->syms[n - 1].end)
				st->syms[n - 1].end = st->syms[i].end;
			continue;
		}
		st->syms[n++] = st->syms[i];
	}
	st->n = n;
	/* An unsized symbol stops where the next one starts. */
	for (size_t i = 0; i + 1 < n; i++)
		if ((st->syms[i].rank >> 31) && st->syms[i].end > st->syms[i + 1].addr)
			st->syms[i].end = st->syms[i + 1].addr;
}

const struct em_sym *em_symtab__find(const struct em_symtab *st, uint64_t addr)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * The nearest symbol below addr usually contains it. When it does not,
	 * addr may still lie in a larger symbol that encloses the nearest one
	 * (hand-written assembly with inner entry points): look a few back.
	 */
	for (size_t i = lo, tries = 0; i > 0 && tries < 8; i--, tries++)
		if (addr < st->syms[i - 1].end)
			return &st->syms[i - 1];
	return NULL;
}

const struct em_sym *em_symtab__find_name(const struct em_symtab *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->syms[i].name, name) == 0)
			return &st->syms[i];
	return NULL;
}

void em_symtab__clear(struct em_symtab *st)
{
	if (!st)
		return;
	free(st->syms);
	while (st->owned) {
		struct em_symtab_names *next = st->owned->next;

		free(st->owned);
		st->owned = next;
	}
	memset(st, 0, sizeof(*st));
}
