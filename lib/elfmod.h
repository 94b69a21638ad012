/* SPDX-License-Identifier: MIT */
/*
 * elfmod.h - one ELF object (executable, shared library, vDSO) as a
 * symbolization unit: its load segments, build id, symbol table, separate
 * debug file and DWARF.
 *
 * Opening reads only the ELF header, program headers and build id, so a
 * module can be identified (and deduplicated by build id) cheaply. The symbol
 * table, debug file and DWARF are loaded by em_elfmod__load(), which the
 * symbolizer calls on the first lookup that needs them.
 *
 * Addresses: em_elfmod__vaddr() turns a file offset (what /proc/PID/maps and
 * pprof mappings give) into the link-time virtual address that symbols and
 * DWARF use, from the PT_LOAD segment holding that offset. This one rule is
 * right for PIE executables, shared libraries and non-PIE executables alike:
 * the load bias never needs to be computed separately.
 *
 * Files are mapped read-only (libelf ELF_C_READ_MMAP). Not thread-safe; not
 * async-signal-safe.
 */
#ifndef EMBER_ELFMOD_H
#define EMBER_ELFMOD_H

#include "debugfile.h"
#include "dwinfo.h"
#include "symtab.h"

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EM_ELF_MAX_PHDRS 4096

struct em_load_seg {
	uint64_t offset, filesz, vaddr, memsz;
	bool exec;
};

/* Fields are read-only for users. */
struct em_elfmod {
	char *path;		/* display path (the target's view); malloc'd */
	int fd;			/* -1 for an in-memory image */
	bool from_file;		/* opened from a file (dev/ino/size/mtime identify it) */
	Elf *elf;
	void *image;		/* in-memory image (vDSO), owned */
	uint16_t e_type;	/* ET_EXEC, ET_DYN */
	struct em_load_seg *loads;
	size_t nloads;
	uint8_t build_id[EM_BUILD_ID_MAX];
	size_t build_id_len;	/* 0: none */
	char build_id_hex[2 * EM_BUILD_ID_MAX + 1];

	/* identity of the opened file, for caching modules without a build id */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;

	/* filled by em_elfmod__load() */
	bool loaded;
	struct em_symtab syms;
	struct em_debugfile debug;	/* fd -1 when none */
	struct em_dwinfo *dw;		/* NULL without DWARF */
	const char *load_error;		/* static text when the symbol table was unusable */
};

/*
 * em_elfmod__open_fd() - take ownership of fd (closed on failure too) and
 * read the ELF headers and build id. path is what users will see.
 * Returns NULL with errno set: ENOEXEC (not an ELF executable or shared
 * object), EINVAL (malformed headers), E2BIG (too many program headers),
 * ENOMEM.
 */
struct em_elfmod *em_elfmod__open_fd(int fd, const char *path);

/* As above for a file path. */
struct em_elfmod *em_elfmod__open(const char *path);

/* As above for an in-memory image (the vDSO); takes ownership of image (malloc'd). */
struct em_elfmod *em_elfmod__open_image(void *image, size_t size, const char *name);

/* Skip DWARF: names from the symbol tables only (cheaper, no files or lines). */
#define EM_ELFMOD_SYMBOLS_ONLY 1u

/*
 * em_elfmod__load() - read the symbol tables, find the separate debug file
 * (when the binary lacks .symtab or DWARF; s NULL: do not search) and open
 * DWARF. flags: EM_ELFMOD_*. Idempotent. Missing pieces are not errors: the
 * module resolves what it can. Returns 0, or -ENOMEM.
 */
int em_elfmod__load(struct em_elfmod *m, const struct em_debug_search *s, unsigned flags);

/*
 * em_elfmod__vaddr() - file offset -> link-time address. map_offset is the
 * file offset at which the mapping holding file_offset starts (maps' and
 * pprof's "offset"). It is needed only when m is a separate debug file
 * standing in for its binary: strip zeroes such a file's segment offsets, so
 * the mapping is taken to be the executable segment and the address is
 * counted from there. Returns 0, or -ENOENT when no segment holds it.
 */
int em_elfmod__vaddr(const struct em_elfmod *m, uint64_t file_offset, uint64_t map_offset,
		     uint64_t *vaddr);

struct em_symres {
	struct em_srcframe frames[EM_DW_MAX_INLINE];	/* innermost first */
	unsigned nframes;	/* 0: unresolved */
	bool from_dwarf;	/* a DWARF function covered it: inline frames are complete */
};

/*
 * em_elfmod__lookup() - symbolize a link-time address (after
 * em_elfmod__load()). Frame names are raw (possibly mangled). DWARF names
 * win; the symbol table names the function when DWARF has no function there,
 * or when there is no DWARF. Returns the number of frames (0: unresolved).
 */
unsigned em_elfmod__lookup(struct em_elfmod *m, uint64_t vaddr, struct em_symres *res);

/* NULL-safe. */
void em_elfmod__free(struct em_elfmod *m);

#endif
