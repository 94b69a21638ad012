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

	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 || st->owned)
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
	owned = malloc(need);
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
		if (err) {
			free(owned);
			return err;
		}
		/* Ranked below every real symbol, though none shares a stub's address. */
		st->syms[st->n++] = (struct em_sym){ addr, addr + 16, name, 0x7fffffffu };
		added++;
	}
	st->owned = owned;
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
	free(st->owned);
	memset(st, 0, sizeof(*st));
}
