// SPDX-License-Identifier: MIT
/* elfmod.c - one ELF object: segments, build id, symbols, debug file, DWARF. */
#include "elfmod.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void init_libelf(void)
{
	/* Only records the version libelf must speak; repeating it is harmless. */
	elf_version(EV_CURRENT);
}

static int read_headers(struct em_elfmod *m)
{
	GElf_Ehdr eh;
	size_t nph;
	int n;

	if (elf_kind(m->elf) != ELF_K_ELF || !gelf_getehdr(m->elf, &eh))
		return -ENOEXEC;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	m->e_type = eh.e_type;
	if (elf_getphdrnum(m->elf, &nph) != 0)
		return -EINVAL;
	if (nph > EM_ELF_MAX_PHDRS)
		return -E2BIG;
	m->loads = calloc(nph ? nph : 1, sizeof(*m->loads));
	if (!m->loads)
		return -ENOMEM;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(m->elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_offset + ph.p_filesz < ph.p_offset || ph.p_vaddr + ph.p_memsz < ph.p_vaddr ||
		    ph.p_filesz > ph.p_memsz)
			return -EINVAL;
		m->loads[m->nloads++] = (struct em_load_seg){ ph.p_offset, ph.p_filesz, ph.p_vaddr,
							      ph.p_memsz, (ph.p_flags & PF_X) != 0 };
	}
	n = em_elf_build_id(m->elf, m->build_id, sizeof(m->build_id));
	if (n > 0) {
		m->build_id_len = (size_t)n;
		em_build_id_hex(m->build_id, m->build_id_len, m->build_id_hex);
	}
	return 0;
}

static struct em_elfmod *new_mod(const char *path)
{
	struct em_elfmod *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->fd = -1;
	m->debug.fd = -1;
	m->path = strdup(path ? path : "");
	if (!m->path) {
		free(m);
		return NULL;
	}
	return m;
}

struct em_elfmod *em_elfmod__open_fd(int fd, const char *path)
{
	struct em_elfmod *m;
	struct stat st;
	int err = -ENOMEM;

	init_libelf();
	m = new_mod(path);
	if (!m) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	m->fd = fd;
	m->from_file = true;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = -ENOEXEC;
		goto err_out;
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->size = st.st_size;
	m->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	m->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!m->elf) {
		err = -ENOEXEC;
		goto err_out;
	}
	err = read_headers(m);
	if (err)
		goto err_out;
	return m;

err_out:
	em_elfmod__free(m);
	errno = -err;
	return NULL;
}

struct em_elfmod *em_elfmod__open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	return em_elfmod__open_fd(fd, path);
}

struct em_elfmod *em_elfmod__open_image(void *image, size_t size, const char *name)
{
	struct em_elfmod *m;
	int err = -ENOMEM;

	init_libelf();
	m = new_mod(name);
	if (!m) {
		free(image);
		errno = ENOMEM;
		return NULL;
	}
	m->image = image;
	m->size = (off_t)size;
	m->elf = elf_memory(image, size);
	if (!m->elf) {
		err = -ENOEXEC;
		goto err_out;
	}
	err = read_headers(m);
	if (err)
		goto err_out;
	return m;

err_out:
	em_elfmod__free(m);
	errno = -err;
	return NULL;
}

/* Does elf have a section of this type, or with this name and file contents? */
static bool has_section(Elf *elf, Elf64_Word type, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *s;

		if (!gelf_getshdr(scn, &sh))
			return false;
		if (type && sh.sh_type == type)
			return true;
		if (name && sh.sh_type != SHT_NOBITS && sh.sh_size &&
		    (s = elf_strptr(elf, shstrndx, sh.sh_name)) && strcmp(s, name) == 0)
			return true;
	}
	return false;
}

static bool has_dwarf(Elf *elf)
{
	return has_section(elf, 0, ".debug_info") || has_section(elf, 0, ".zdebug_info");
}

int em_elfmod__load(struct em_elfmod *m, const struct em_debug_search *s, unsigned flags)
{
	bool want_dwarf = !(flags & EM_ELFMOD_SYMBOLS_ONLY);
	bool main_symtab, main_dwarf;
	Elf *dw_elf;
	long n;

	if (m->loaded)
		return 0;
	m->loaded = true;
	main_symtab = has_section(m->elf, SHT_SYMTAB, NULL);
	main_dwarf = want_dwarf && has_dwarf(m->elf);
	if ((!main_symtab || (want_dwarf && !main_dwarf)) && m->fd >= 0 && s) {
		int err = em_debugfile__find(s, m->build_id, m->build_id_len, m->elf, m->fd,
					     &m->debug);

		if (err == -ENOMEM)
			return err;
		if (err == 0)
			em_debug("%s: debug file %s", m->path, m->debug.path);
	}
	/* Everything from here on reads through libelf's mapping: give the
	 * descriptor back. Inside the agent a held descriptor would shift the
	 * host program's file numbers and count against its RLIMIT_NOFILE. */
	if (m->fd >= 0) {
		elf_cntl(m->elf, ELF_C_FDDONE);
		close(m->fd);
		m->fd = -1;
	}
	n = em_symtab__add_elf(&m->syms, m->elf);
	if (n >= 0 && !main_symtab && m->debug.elf)
		n = em_symtab__add_elf(&m->syms, m->debug.elf);
	if (n >= 0 && em_symtab__add_plt(&m->syms, m->elf) == -ENOMEM)
		n = -ENOMEM;	/* a PLT we cannot read only leaves its stubs unnamed */
	if (n == -ENOMEM)
		return -ENOMEM;
	if (n < 0) {
		/* A corrupt table is dropped whole rather than trusted in part. */
		m->load_error = n == -E2BIG ? "symbol table too large" : "malformed symbol table";
		em_symtab__clear(&m->syms);
	}
	em_symtab__finish(&m->syms);
	/* Stripped of local symbols everywhere: name the outlined parts of
	 * exported functions (foo.part, foo.cold) from their jumps and CFI. */
	if (!main_symtab && !(m->debug.elf && has_section(m->debug.elf, SHT_SYMTAB, NULL))) {
		long k = em_symtab__add_split_parts(&m->syms, m->elf);

		if (k == -ENOMEM)
			return -ENOMEM;
		if (k > 0)
			em_symtab__finish(&m->syms);
	}
	dw_elf = !want_dwarf				 ? NULL
		 : m->debug.elf && has_dwarf(m->debug.elf) ? m->debug.elf
		 : main_dwarf				 ? m->elf
							 : NULL;
	if (dw_elf) {
		m->dw = em_dwinfo__new(dw_elf);
		if (!m->dw && errno == ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

int em_elfmod__vaddr(const struct em_elfmod *m, uint64_t off, uint64_t map_offset,
		     uint64_t *vaddr)
{
	const struct em_load_seg *x = NULL;
	size_t nexec = 0;

	/*
	 * Exact segment first. Then allow the page-aligned start: the kernel
	 * maps from the page boundary below p_offset, and an address in that
	 * slack still belongs to the segment's page.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->nloads; i++) {
			const struct em_load_seg *s = &m->loads[i];
			uint64_t start = pass ? s->offset & ~(uint64_t)4095 : s->offset;

			if (off >= start && off < s->offset + s->filesz) {
				*vaddr = s->vaddr - (s->offset - off);
				return 0;
			}
		}
	}
	/* A debug file: its one executable segment has no contents here. */
	for (size_t i = 0; i < m->nloads; i++) {
		if (m->loads[i].exec) {
			x = &m->loads[i];
			nexec++;
		}
	}
	if (nexec == 1 && x->filesz == 0 && off >= map_offset) {
		uint64_t v = (x->vaddr & ~(uint64_t)4095) + (off - map_offset);

		if (v >= x->vaddr && v - x->vaddr < x->memsz) {
			*vaddr = v;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned em_elfmod__lookup(struct em_elfmod *m, uint64_t vaddr, struct em_symres *res)
{
	const struct em_sym *sym = em_symtab__find(&m->syms, vaddr);
	int n = em_dwinfo__lookup(m->dw, vaddr, res->frames, EM_DW_MAX_INLINE);

	res->nframes = 0;
	res->from_dwarf = false;
	if (n > 0) {
		struct em_srcframe *outer = &res->frames[n - 1];

		res->nframes = (unsigned)n;
		/* A unit without a function DIE here still gave the line. */
		res->from_dwarf = n > 1 || outer->name != NULL;
		if (!outer->name && sym)
			outer->name = sym->name;
		if (!outer->name)
			res->nframes = 0;
		return res->nframes;
	}
	if (!sym)
		return 0;
	res->frames[0] = (struct em_srcframe){ sym->name, NULL, 0, 0 };
	res->nframes = 1;
	return 1;
}

void em_elfmod__free(struct em_elfmod *m)
{
	if (!m)
		return;
	em_dwinfo__free(m->dw);
	em_symtab__clear(&m->syms);
	em_debugfile__close(&m->debug);
	if (m->elf)
		elf_end(m->elf);
	if (m->fd >= 0)
		close(m->fd);
	free(m->image);
	free(m->loads);
	free(m->path);
	free(m);
}
