/* SPDX-License-Identifier: MIT */
/*
 * symbolize.h - turn addresses into functions, files, lines and inline frames.
 *
 * Two objects:
 *  - struct em_symbolizer owns a cache of ELF modules keyed by build id (or,
 *    without one, by device, inode, size and mtime), each loaded lazily on its
 *    first lookup, plus kernel symbols (/proc/kallsyms, loaded on the first
 *    kernel address) and demangled names.
 *  - struct em_proc is one process as the symbolizer sees it: its memory map
 *    and how to open its files. Files are opened through /proc/PID/root, so a
 *    target in another mount namespace (a container) resolves with its own
 *    paths, and through /proc/PID/map_files when the file was deleted or
 *    replaced since it was mapped. pid 0 is the calling process itself.
 *
 * Addresses follow pprof: a leaf frame passes its exact PC, every other frame
 * its return address minus one. The symbolizer looks addresses up as given.
 * x86_64 kernel addresses (>= EM_KERNEL_MIN_ADDR) are looked up in kallsyms.
 *
 * Callers:
 *  - the LD_PRELOAD agent: em_proc__new(0), then em_symbolizer__location()
 *    per new PC from its writer thread, caching pc -> location id itself, and
 *    em_proc__refresh() after dlopen/dlclose;
 *  - the attach mode: em_proc__new(pid) for another process, same calls;
 *  - `ember symbolize`: em_symbolize_profile() (symbolize_profile.c).
 *
 * Thread safety: an em_symbolizer and the em_procs used with it belong to
 * one thread at a time (the caller serialises). Nothing here is
 * async-signal-safe: it allocates, opens files and maps them.
 *
 * Strings in results point into the symbolizer's modules and caches; they stay
 * valid until em_symbolizer__free().
 */
#ifndef EMBER_SYMBOLIZE_H
#define EMBER_SYMBOLIZE_H

#include "dwinfo.h"
#include "elfmod.h"
#include "procmaps.h"
#include "profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowest x86_64 kernel address (start of the canonical upper half). */
#define EM_KERNEL_MIN_ADDR	0xffff800000000000ULL
#define EM_KERNEL_MAPPING	"[kernel.kallsyms]"
/* Largest [vdso] image read from a process. */
#define EM_VDSO_MAX_BYTES	(1u << 20)

struct em_symbolizer_opts {
	const char *const *debug_dirs;	/* searched first (then $EMBER_DEBUG_DIRS) */
	size_t ndebug_dirs;
	const char *kallsyms_path;	/* NULL: /proc/kallsyms */
	bool symbols_only;		/* no DWARF: names only, no files, lines or inlines */
	bool warn;			/* one em_warn() per file that cannot be used;
					 * otherwise em_debug() (the agent's choice) */
};

struct em_symbolizer;
struct em_proc;

/* NULL with errno set (ENOMEM). opts may be NULL. */
struct em_symbolizer *em_symbolizer__new(const struct em_symbolizer_opts *opts);
/* NULL-safe. The em_procs used with it keep pointers to its modules: do not use
 * them afterwards (free them, or free them first). */
void em_symbolizer__free(struct em_symbolizer *s);

/*
 * em_proc__new() - read the memory map of pid (0: the calling process).
 * An em_proc remembers the modules it resolved in the first symbolizer it is
 * used with: use it with that symbolizer only. Returns NULL with errno set as
 * em_maps__load() does (ENOENT: no such process).
 */
struct em_proc *em_proc__new(int pid);
/* Re-read the maps (after dlopen/dlclose); modules already resolved for
 * unchanged mappings are kept. 0 or a negative errno (the old maps stay). */
int em_proc__refresh(struct em_proc *p);
const struct em_maps *em_proc__maps(const struct em_proc *p);
int em_proc__pid(const struct em_proc *p);
/* NULL-safe. */
void em_proc__free(struct em_proc *p);

struct em_symframe {
	const char *name;		/* demangled */
	const char *system_name;	/* as in the symbol table or DWARF */
	const char *file;		/* "" when unknown */
	int64_t line;			/* 0 when unknown */
	int64_t start_line;
};

struct em_symloc {
	/* The mapping the address lies in (has_map false: none known). */
	bool has_map;
	const char *map_file;		/* path as the target sees it, or [vdso], [kernel.kallsyms] */
	uint64_t map_start, map_limit, map_offset;
	const char *build_id;		/* lowercase hex, "" when none */
	/* What the address is: frames innermost first; 0 frames = unresolved. */
	unsigned nframes;
	struct em_symframe frames[EM_DW_MAX_INLINE];
	/* How much of that is known, for the mapping's has_* flags. */
	bool functions, filenames, line_numbers, inline_frames;
};

/*
 * em_symbolizer__lookup() - symbolize one address of proc (proc may be NULL
 * for kernel addresses). Always fills *out; returns out->nframes.
 */
unsigned em_symbolizer__lookup(struct em_symbolizer *s, struct em_proc *proc, uint64_t addr,
			       struct em_symloc *out);

/*
 * em_symbolizer__location() - symbolize addr and add it to p: the mapping
 * (maps start/limit/offset of the segment holding addr, path, build id), the
 * functions and lines (innermost inline first) and the location, whose id is
 * returned (0 on ENOMEM). An address that does not resolve gets a location
 * with no lines, shown as "libfoo.so+0x1a2b" by ember and symbolizable later
 * by pprof through its mapping's build id. The mapping's has_* flags are kept
 * honest incrementally: each is true only while every address added to that
 * mapping had that level of detail (Go's rule for has_functions).
 */
uint64_t em_symbolizer__location(struct em_symbolizer *s, struct em_proc *proc,
				 struct em_profile *p, uint64_t addr);

/* Adds loc's functions and lines and the location (helper of the above, also used
 * by em_symbolize_profile()). Returns the location id, or 0 on ENOMEM. */
uint64_t em_symloc__add_location(struct em_profile *p, const struct em_symloc *loc,
				 uint64_t mapping_id, uint64_t addr);

/* The module for one mapping of proc (opened on first use). NULL when it
 * cannot be opened or is not ELF. */
struct em_elfmod *em_symbolizer__proc_module(struct em_symbolizer *s, struct em_proc *proc,
					     const struct em_map *map);
/* A module from a file on this machine (for --binary and mapping paths). */
struct em_elfmod *em_symbolizer__file_module(struct em_symbolizer *s, const char *path);
/* A module by build id: one already cached, else DIR/.build-id/xx/rest(.debug)
 * in the debug directories. build_id is lowercase hex. */
struct em_elfmod *em_symbolizer__build_id_module(struct em_symbolizer *s, const char *build_id);

/*
 * em_symbolizer__lookup_module() - symbolize the byte at file offset off of
 * mod, in a mapping that starts at file offset map_offset; fills the frames
 * and quality of *out (not the mapping fields). Loads the module on first
 * use. Returns out->nframes.
 */
unsigned em_symbolizer__lookup_module(struct em_symbolizer *s, struct em_elfmod *mod,
				      uint64_t off, uint64_t map_offset, struct em_symloc *out);

/* Reports a problem with a file once per symbolizer (em_warn or em_debug). */
void em_symbolizer__problem(struct em_symbolizer *s, const char *file, const char *what);

/* ---- ember symbolize ---------------------------------------------------- */

struct em_symbolize_opts {
	int pid;			/* > 0: resolve mappings through this live process */
	const char *const *binaries;	/* local files, matched by build id or basename */
	size_t nbinaries;
	bool kernel;			/* resolve kernel addresses with this machine's
					 * kallsyms (only right on the profiled boot) */
};

struct em_symbolize_stats {
	size_t locations;	/* locations in the profile */
	size_t symbolized;	/* newly given lines */
	size_t already;		/* had lines before */
	size_t unresolved;	/* left without lines */
};

/*
 * em_symbolize_profile() - give lines to every location of p that has an
 * address but none, resolving each mapping through opts (the --pid process,
 * a --binary file matching its build id or basename, the mapping's own file
 * checked against its build id, or a debug file found by build id).
 * Locations that already have lines are kept. Mapping has_* flags are set
 * from what the locations now carry. p is rebuilt in place (ids may change).
 * Files that cannot be used are reported through em_symbolizer__problem().
 * Returns 0, -ENOMEM, or the error of reading opts->pid's maps (-ENOENT: no
 * such process); p is unchanged on error. stats may be NULL.
 */
int em_symbolize_profile(struct em_profile *p, struct em_symbolizer *s,
			 const struct em_symbolize_opts *opts, struct em_symbolize_stats *stats);

#endif
