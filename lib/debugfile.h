/* SPDX-License-Identifier: MIT */
/*
 * debugfile.h - build ids and separate debug files, the way GDB finds them.
 *
 * A stripped binary keeps two pointers to its debug information:
 *  - its GNU build id (NT_GNU_BUILD_ID note): the debug file lives at
 *    DIR/.build-id/xx/rest.debug, for each debug directory DIR;
 *  - a .gnu_debuglink section: a file name plus the CRC-32 of that file,
 *    looked for next to the binary, in its .debug/ subdirectory, and under
 *    DIR/<binary's directory>/.
 * A candidate is accepted only when its build id matches (by build id) or its
 * CRC matches (by debuglink): a stale debug file gives wrong lines, which is
 * worse than none.
 *
 * Debug directories, in order: the caller's list (the symbolizer puts
 * --debug-dir options and $EMBER_DEBUG_DIRS there), then ROOT/usr/lib/debug
 * for a target in another mount namespace, then /usr/lib/debug. At most 16
 * caller directories are searched.
 *
 * Thread-safe (no shared state); not async-signal-safe.
 */
#ifndef EMBER_DEBUGFILE_H
#define EMBER_DEBUGFILE_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EM_BUILD_ID_MAX		64	/* bytes; GNU ld writes 20 (SHA-1) */
#define EM_DEBUGLINK_NAME_MAX	255
/* A debug file bigger than this is not checksummed (nor trusted). */
#define EM_DEBUG_MAX_BYTES	(8ull << 30)

/*
 * em_elf_build_id() - copy the NT_GNU_BUILD_ID of elf (from note sections,
 * else PT_NOTE segments) into id. Returns its length, 0 when there is none,
 * -EINVAL for a malformed note, -E2BIG when longer than cap.
 */
int em_elf_build_id(Elf *elf, uint8_t *id, size_t cap);

/* Lowercase hex of id into out (2 * len + 1 bytes). Returns out. */
char *em_build_id_hex(const uint8_t *id, size_t len, char *out);

/*
 * em_elf_debuglink() - read .gnu_debuglink: the file name (copied into name,
 * NUL-terminated) and the CRC. Returns 0, -ENOENT when there is no such
 * section, -EINVAL when it is malformed.
 */
int em_elf_debuglink(Elf *elf, char name[EM_DEBUGLINK_NAME_MAX + 1], uint32_t *crc);

/* CRC-32 (zlib's, as GNU's debuglink uses) of a whole file. 0 or -errno/-EFBIG. */
int em_file_crc32(int fd, uint32_t *crc);

/* Where to look; all strings are borrowed. */
struct em_debug_search {
	const char *const *dirs;	/* caller's debug dirs (tried first) */
	size_t ndirs;
	const char *root;		/* "" or "/proc/PID/root": the target's filesystem */
	const char *path;		/* the binary's path as the target sees it */
	bool warn;			/* report rejected candidates with em_warn() */
};

struct em_debugfile {
	int fd;
	Elf *elf;
	char *path;	/* where it was found (malloc'd) */
};

/*
 * em_debugfile__find() - find the debug file of a binary, first by build id
 * (when id_len > 0), then by the debuglink of elf (when elf has one). A file
 * that is the binary itself (same device and inode as bin_fd) is skipped.
 * On success fills *out (release with em_debugfile__close) and returns 0;
 * returns -ENOENT when nothing acceptable was found.
 */
int em_debugfile__find(const struct em_debug_search *s, const uint8_t *id, size_t id_len,
		       Elf *elf, int bin_fd, struct em_debugfile *out);

/* Closes what find() opened. NULL-safe, idempotent. */
void em_debugfile__close(struct em_debugfile *d);

/*
 * em_debug_dirs_from_env() - split $EMBER_DEBUG_DIRS into a NULL-terminated
 * array (malloc'd, one block; free() it). Returns NULL when unset or empty.
 */
char **em_debug_dirs_from_env(void);

#endif
