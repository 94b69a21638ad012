/* SPDX-License-Identifier: MIT */
/*
 * dwinfo.h - file, line and inline frames for an address, from DWARF (libdw).
 *
 * On open, only the compilation units' address ranges are read (one pass over
 * the unit headers). The first lookup in a unit indexes that unit's functions
 * and inlined calls once (sorted ranges with parent links), so each later
 * lookup is a binary search plus a walk up the inline chain. libdw's
 * dwarf_getscopes() would instead walk the unit's DIE tree on every call.
 *
 * Strings returned point into libdw's data and live as long as the em_dwinfo.
 * Not thread-safe (lookups build indexes lazily); not async-signal-safe.
 */
#ifndef EMBER_DWINFO_H
#define EMBER_DWINFO_H

#include <gelf.h>
#include <stdint.h>

/* Caps against corrupt or hostile DWARF. */
#define EM_DW_MAX_UNITS		(1u << 20)
#define EM_DW_MAX_RANGES	(1u << 23)	/* per table: units, or one unit's functions */
#define EM_DW_MAX_DEPTH		128		/* DIE nesting followed */
#define EM_DW_MAX_DIES		(1u << 24)	/* DIEs visited to index one unit */
#define EM_DW_MAX_DIE_RANGES	4096		/* address ranges of one DIE */
#define EM_DW_MAX_INLINE	64		/* frames returned for one address */

struct em_srcframe {
	const char *name;	/* linkage (mangled) name if any, else DW_AT_name; NULL if none */
	const char *file;	/* source file; NULL if unknown */
	int line;		/* 0 if unknown */
	int start_line;		/* declaration line of the function, 0 if unknown */
};

struct em_dwinfo;

/*
 * em_dwinfo__new() - open the DWARF of elf (which must outlive the result).
 * Returns NULL with errno ENOENT when elf has no usable DWARF, or ENOMEM.
 */
struct em_dwinfo *em_dwinfo__new(Elf *elf);

/*
 * em_dwinfo__lookup() - the source frames at a link-time address, innermost
 * (most deeply inlined) first, at most max (<= EM_DW_MAX_INLINE). The last
 * frame is the real function. When a unit covers addr but no function DIE
 * does, one frame with name NULL carries the line. Returns the number of
 * frames, or 0 when no unit covers addr (or its DWARF is unreadable).
 */
int em_dwinfo__lookup(struct em_dwinfo *d, uint64_t addr, struct em_srcframe *frames,
		      unsigned max);

/* NULL-safe. */
void em_dwinfo__free(struct em_dwinfo *d);

#endif
