/* SPDX-License-Identifier: MIT */
/*
 * symtab.h - the function symbols of an ELF object (.symtab and .dynsym) as
 * one sorted array, looked up by binary search on the link-time address.
 *
 * Names are not copied: they point into the string tables of the Elf handles
 * they came from, which must stay open for as long as the table is used (the
 * em_elfmod that owns both guarantees it). Every count, index and string
 * offset is validated, so a corrupt file yields an error, never a bad read.
 *
 * Not thread-safe while being built; lookups are read-only. Not
 * async-signal-safe.
 */
#ifndef EMBER_SYMTAB_H
#define EMBER_SYMTAB_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

/* More symbols than any real binary has (Chromium: ~1.5M); caps corrupt counts. */
#define EM_SYMTAB_MAX_SYMS (1u << 24)

struct em_sym {
	uint64_t addr, end;	/* [addr, end), link-time (ELF virtual) addresses */
	const char *name;	/* raw, possibly mangled; points into the ELF */
	uint32_t rank;		/* used while sorting: which alias wins */
};

/* A zeroed struct is an empty table. */
struct em_symtab {
	struct em_sym *syms;	/* sorted by addr after em_symtab__finish() */
	size_t n, cap;
	size_t nsections;	/* symbol sections that were read */
	struct em_symtab_names *owned;	/* names made here ("write@plt") */
};

struct em_symtab_names;

/*
 * em_symtab__add_elf() - append the function symbols (STT_FUNC, STT_GNU_IFUNC,
 * defined) of elf's .symtab and .dynsym sections. May be called for several
 * files of the same object (the binary and its debug file). A symbol without
 * a size extends to the next symbol or the end of its section.
 * Returns the number of symbols added (>= 0), or -EINVAL for a malformed
 * symbol section, -E2BIG past EM_SYMTAB_MAX_SYMS, -ENOMEM.
 */
long em_symtab__add_elf(struct em_symtab *st, Elf *elf);

/*
 * em_symtab__add_plt() - name the PLT stubs of an x86-64 object after the
 * functions they jump to ("clock_gettime@plt", as perf and objdump do), from
 * .rela.plt and .dynsym: a sample that lands in a stub is attributed rather
 * than left as a bare address. Uses .plt.sec when the object has one (IBT),
 * else .plt after its 16-byte header. Returns the number of stubs named
 * (0 for other machines or objects without a PLT), -EINVAL for malformed
 * sections, -ENOMEM.
 */
long em_symtab__add_plt(struct em_symtab *st, Elf *elf);

/*
 * em_symtab__add_split_parts() - name the outlined bodies of functions in an
 * object whose local symbols were stripped. GCC's partial inlining moves the
 * body of foo into a local foo.part.N and leaves foo a short stub (a test
 * and a jump) that callers can inline; stripped, the body has no name and
 * every stack through it shows a bare address (redis-server's event loop,
 * aeProcessEvents, on Debian). A range is named "foo.part" when the named
 * function foo is a stub of at most 64 bytes with a jmp whose target is
 * exactly the start of an unnamed code range that .eh_frame describes; that
 * FDE bounds the new symbol. A stray byte pattern that happened to decode
 * as a jump would have to land exactly on an unnamed FDE start, so code is
 * never attributed by guesswork. The one ambiguity: a stub that tail-calls
 * some other static function looks the same, and that function is then
 * shown as foo.part (it is what foo runs). x86-64 only; call after
 * em_symtab__finish(), then finish again. Returns the number named, or
 * -ENOMEM.
 */
long em_symtab__add_split_parts(struct em_symtab *st, Elf *elf);

/*
 * em_symtab__finish() - sort, keep one name per address and settle the ends
 * of unsized symbols. Aliases at one address are ranked: sized first, then
 * fewer leading underscores ("write" over "__write"), then global over weak
 * over local, then the shorter name. Call once, after the last add.
 */
void em_symtab__finish(struct em_symtab *st);

/* The symbol containing addr, or NULL. O(log n). */
const struct em_sym *em_symtab__find(const struct em_symtab *st, uint64_t addr);

/* The first symbol called name, or NULL. O(n); for tests and tools. */
const struct em_sym *em_symtab__find_name(const struct em_symtab *st, const char *name);

/* Frees the array; the table is empty and reusable afterwards. NULL-safe. */
void em_symtab__clear(struct em_symtab *st);

#endif
