// SPDX-License-Identifier: MIT
/* symbolize.c - the symbolizer: module cache, lookups, address -> profile location. */
#include "symbolize_priv.h"
#include "demangle.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- symbolizer --------------------------------------------------------- */

static char **copy_strv(const char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			for (size_t j = 0; j < i; j++)
				free(out[j]);
			free(out);
			return NULL;
		}
	}
	return out;
}

struct em_symbolizer *em_symbolizer__new(const struct em_symbolizer_opts *o)
{
	struct em_symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (o) {
		s->warn = o->warn;
		s->symbols_only = o->symbols_only;
		if (o->ndebug_dirs && !(s->opt_dirs = copy_strv(o->debug_dirs, o->ndebug_dirs)))
			goto err_out;
		if (o->kallsyms_path && !(s->kallsyms_path = strdup(o->kallsyms_path)))
			goto err_out;
	}
	s->env_dirs = em_debug_dirs_from_env();
	for (char **d = s->opt_dirs; d && *d && s->ndirs < MAX_DEBUG_DIRS; d++)
		s->dirs[s->ndirs++] = *d;
	for (char **d = s->env_dirs; d && *d && s->ndirs < MAX_DEBUG_DIRS; d++)
		s->dirs[s->ndirs++] = *d;
	return s;

err_out:
	em_symbolizer__free(s);
	errno = ENOMEM;
	return NULL;
}

void em_symbolizer__free(struct em_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nmods; i++) {
		em_elfmod__free(s->mods[i].mod);
		free(s->mods[i].root);
	}
	free(s->mods);
	for (char **d = s->opt_dirs; d && *d; d++)
		free(*d);
	free(s->opt_dirs);
	free(s->env_dirs);
	free(s->kallsyms_path);
	em_kallsyms__free(s->ksyms);
	em_u64map__clear(&s->demangled);
	for (size_t i = 0; i < s->ndm; i++)
		free(s->dm[i]);
	free(s->dm);
	for (size_t i = 0; i < s->nproblems; i++)
		free(s->problems[i]);
	free(s);
}

void em_symbolizer__problem(struct em_symbolizer *s, const char *file, const char *what)
{
	bool remembered = false;

	for (size_t i = 0; i < s->nproblems; i++)
		if (strcmp(s->problems[i], file) == 0)
			return;
	if (s->nproblems < MAX_PROBLEMS) {
		s->problems[s->nproblems] = strdup(file);
		remembered = s->problems[s->nproblems] != NULL;
		s->nproblems += remembered;
	}
	/* Past the cap a file could be reported again and again: keep those quiet. */
	if (s->warn && remembered)
		em_warn("%s: %s", file, what);
	else
		em_debug("%s: %s", file, what);
}

/* Demangled form of a raw name, cached by the name's (stable) address. */
static const char *demangled(struct em_symbolizer *s, const char *raw)
{
	uint64_t idx;
	char *d;

	if (!raw || raw[0] != '_' || raw[1] != 'Z')
		return raw;
	if (em_u64map__get(&s->demangled, (uint64_t)(uintptr_t)raw, &idx))
		return s->dm[idx] ? s->dm[idx] : raw;
	if (s->ndm == s->cap_dm) {
		size_t ncap = s->cap_dm ? s->cap_dm * 2 : 256;
		char **v = realloc(s->dm, ncap * sizeof(*v));

		if (!v)
			return raw;
		s->dm = v;
		s->cap_dm = ncap;
	}
	d = em_demangle(raw);
	if (em_u64map__put(&s->demangled, (uint64_t)(uintptr_t)raw, s->ndm) < 0) {
		free(d);
		return raw;
	}
	s->dm[s->ndm++] = d;
	return d ? d : raw;
}

struct em_elfmod *em_symbolizer__adopt(struct em_symbolizer *s, struct em_elfmod *m,
				       const char *root)
{
	for (size_t i = 0; i < s->nmods; i++) {
		struct em_elfmod *e = s->mods[i].mod;
		bool same = m->build_id_len
				    ? e->build_id_len == m->build_id_len &&
					      memcmp(e->build_id, m->build_id, m->build_id_len) == 0
				    : !e->build_id_len && e->dev == m->dev && e->ino == m->ino &&
					      e->size == m->size && e->mtime_ns == m->mtime_ns &&
					      e->from_file && m->from_file;

		if (same) {
			em_elfmod__free(m);
			return e;
		}
	}
	if (s->nmods == s->cap_mods) {
		size_t ncap = s->cap_mods ? s->cap_mods * 2 : 32;
		struct modent *v = realloc(s->mods, ncap * sizeof(*v));

		if (!v)
			goto nomem;
		s->mods = v;
		s->cap_mods = ncap;
	}
	s->mods[s->nmods].root = strdup(root ? root : "");
	if (!s->mods[s->nmods].root)
		goto nomem;
	s->mods[s->nmods++].mod = m;
	return m;
nomem:
	em_elfmod__free(m);
	return NULL;
}

/* A cached module opened from the same file as fd, if any (saves elf_begin). */
static struct em_elfmod *cached_by_file(struct em_symbolizer *s, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return NULL;
	for (size_t i = 0; i < s->nmods; i++) {
		struct em_elfmod *e = s->mods[i].mod;

		if (e->from_file && e->dev == st.st_dev && e->ino == st.st_ino &&
		    e->size == st.st_size &&
		    e->mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec)
			return e;
	}
	return NULL;
}

struct em_elfmod *em_symbolizer__module_fd(struct em_symbolizer *s, int fd, const char *path,
					   const char *root)
{
	struct em_elfmod *m = cached_by_file(s, fd);
	char what[128];

	if (m) {
		close(fd);
		return m;
	}
	m = em_elfmod__open_fd(fd, path);
	if (!m) {
		snprintf(what, sizeof(what), "not usable for symbols (%s)",
			 errno == ENOEXEC ? "not an ELF executable or shared library"
			 : errno == EINVAL ? "malformed ELF headers"
			 : errno == E2BIG  ? "too many program headers"
					   : strerror(errno));
		em_symbolizer__problem(s, path, what);
		return NULL;
	}
	return em_symbolizer__adopt(s, m, root);
}

struct em_elfmod *em_symbolizer__file_module(struct em_symbolizer *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		em_symbolizer__problem(s, path, strerror(errno));
		return NULL;
	}
	return em_symbolizer__module_fd(s, fd, path, "");
}

struct em_elfmod *em_symbolizer__build_id_module(struct em_symbolizer *s, const char *hex)
{
	const char *dirs[MAX_DEBUG_DIRS + 1];
	size_t n = 0, len = strlen(hex);
	char path[PATH_MAX];

	for (size_t i = 0; i < s->nmods; i++)
		if (strcmp(s->mods[i].mod->build_id_hex, hex) == 0 && len)
			return s->mods[i].mod;
	if (len < 4 || len > 2 * EM_BUILD_ID_MAX || strspn(hex, "0123456789abcdef") != len)
		return NULL;
	for (size_t i = 0; i < s->ndirs; i++)
		dirs[n++] = s->dirs[i];
	dirs[n++] = "/usr/lib/debug";
	for (size_t i = 0; i < n; i++) {
		/* The binary itself (debuginfod's layout), then the debug file. */
		for (int dbg = 0; dbg < 2; dbg++) {
			struct em_elfmod *m;
			int fd;

			snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s%s", dirs[i], hex, hex + 2,
				 dbg ? ".debug" : "");
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			m = em_symbolizer__module_fd(s, fd, path, "");
			if (m && strcmp(m->build_id_hex, hex) == 0)
				return m;
		}
	}
	return NULL;
}

/* ---- lookups ------------------------------------------------------------ */

static struct modent *entry_of(struct em_symbolizer *s, const struct em_elfmod *mod)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (s->mods[i].mod == mod)
			return &s->mods[i];
	return NULL;
}

unsigned em_symbolizer__lookup_module(struct em_symbolizer *s, struct em_elfmod *mod,
				      uint64_t off, uint64_t map_offset, struct em_symloc *out)
{
	struct em_symres res;
	uint64_t vaddr;

	out->nframes = 0;
	out->functions = out->filenames = out->line_numbers = out->inline_frames = false;
	if (!mod->loaded) {
		struct modent *e = entry_of(s, mod);
		struct em_debug_search ds = {
			.dirs = s->dirs,
			.ndirs = s->ndirs,
			.root = e ? e->root : "",
			.path = mod->path,
			.warn = s->warn,
		};

		if (em_elfmod__load(mod, &ds, s->symbols_only ? EM_ELFMOD_SYMBOLS_ONLY : 0) < 0)
			return 0;
		if (mod->load_error)
			em_symbolizer__problem(s, mod->path, mod->load_error);
	}
	if (em_elfmod__vaddr(mod, off, map_offset, &vaddr) < 0 ||
	    !em_elfmod__lookup(mod, vaddr, &res))
		return 0;
	out->functions = out->filenames = out->line_numbers = true;
	out->inline_frames = res.from_dwarf;
	for (unsigned i = 0; i < res.nframes; i++) {
		const struct em_srcframe *f = &res.frames[i];
		struct em_symframe *o = &out->frames[i];

		o->system_name = f->name ? f->name : "";
		o->name = f->name ? demangled(s, f->name) : "";
		o->file = f->file ? f->file : "";
		o->line = f->line;
		o->start_line = f->start_line;
		out->functions &= *o->name != '\0';
		out->filenames &= *o->file != '\0';
		out->line_numbers &= o->line > 0;
	}
	out->nframes = res.nframes;
	return out->nframes;
}

static unsigned lookup_kernel(struct em_symbolizer *s, uint64_t addr, struct em_symloc *out)
{
	const struct em_ksym *k;

	if (!s->ksyms_tried) {
		s->ksyms_tried = true;
		s->ksyms = em_kallsyms__load(s->kallsyms_path);
		if (!s->ksyms)
			em_symbolizer__problem(
				s, s->kallsyms_path ? s->kallsyms_path : "/proc/kallsyms",
				errno == EPERM ? "kernel addresses are hidden (sysctl kernel.kptr_restrict)"
					       : strerror(errno));
	}
	out->has_map = true;
	out->map_file = EM_KERNEL_MAPPING;
	out->map_start = EM_KERNEL_MIN_ADDR;
	out->map_limit = UINT64_MAX;
	out->map_offset = 0;
	k = em_kallsyms__find(s->ksyms, addr);
	if (!k)
		return 0;
	out->frames[0] = (struct em_symframe){ k->name, k->name, "", 0, 0 };
	out->nframes = 1;
	out->functions = true;
	return 1;
}

unsigned em_symbolizer__lookup(struct em_symbolizer *s, struct em_proc *proc, uint64_t addr,
			       struct em_symloc *out)
{
	const struct em_map *m;
	struct em_elfmod *mod;

	out->has_map = false;
	out->map_file = out->build_id = "";
	out->map_start = out->map_limit = out->map_offset = 0;
	out->nframes = 0;
	out->functions = out->filenames = out->line_numbers = out->inline_frames = false;
	if (addr >= EM_KERNEL_MIN_ADDR)
		return lookup_kernel(s, addr, out);
	m = proc ? em_maps__find(proc->maps, addr) : NULL;
	/* Anonymous code (JIT) has no file to describe: no mapping. */
	if (!m || m->kind == EM_MAP_ANON)
		return 0;
	out->has_map = true;
	out->map_file = m->path;
	out->map_start = m->start;
	out->map_limit = m->end;
	out->map_offset = m->offset;
	mod = em_symbolizer__proc_module(s, proc, m);
	if (!mod)
		return 0;
	out->build_id = mod->build_id_hex;
	return em_symbolizer__lookup_module(s, mod, addr - m->start + m->offset, m->offset, out);
}

uint64_t em_symloc__add_location(struct em_profile *p, const struct em_symloc *loc,
				 uint64_t mapping_id, uint64_t addr)
{
	struct em_line lines[EM_DW_MAX_INLINE];

	for (unsigned i = 0; i < loc->nframes; i++) {
		const struct em_symframe *f = &loc->frames[i];

		lines[i].function_id =
			em_profile__add_function(p, f->name, f->system_name, f->file, f->start_line);
		lines[i].line = f->line;
		lines[i].column = 0;
		if (!lines[i].function_id)
			return 0;
	}
	return em_profile__add_location(p, mapping_id, addr, lines, loc->nframes, false);
}

uint64_t em_symbolizer__location(struct em_symbolizer *s, struct em_proc *proc,
				 struct em_profile *p, uint64_t addr)
{
	struct em_symloc loc;
	uint64_t mid = 0;

	em_symbolizer__lookup(s, proc, addr, &loc);
	if (loc.has_map) {
		struct em_mapping m = {
			.start = loc.map_start,
			.limit = loc.map_limit,
			.offset = loc.map_offset,
			.file = em_profile__str(p, loc.map_file),
			.build_id = em_profile__str(p, loc.build_id),
		};
		size_t before = p->nmappings;
		const struct em_mapping *e;

		if (m.file < 0 || m.build_id < 0 || !(mid = em_profile__add_mapping(p, &m)))
			return 0;
		e = &p->mappings[mid - 1];
		/* A new mapping takes this address's quality; an old one keeps the AND. */
		if (p->nmappings > before)
			em_profile__set_mapping_flags(p, mid, loc.functions, loc.filenames,
						      loc.line_numbers, loc.inline_frames);
		else
			em_profile__set_mapping_flags(p, mid, e->has_functions && loc.functions,
						      e->has_filenames && loc.filenames,
						      e->has_line_numbers && loc.line_numbers,
						      e->has_inline_frames && loc.inline_frames);
	}
	return em_symloc__add_location(p, &loc, mid, addr);
}
