/* SPDX-License-Identifier: MIT */
/*
 * procmaps.h - a process's memory map (/proc/PID/maps) as a sorted array.
 *
 * em_maps__parse() is a pure function over a buffer, so the tricky cases (paths
 * with spaces, " (deleted)", anonymous and pseudo mappings such as [vdso],
 * [heap], [stack]) are unit-tested without /proc. em_maps__load() reads a live
 * process. The kernel prints paths as the reading process sees them; a target
 * in another mount namespace shows paths of its own namespace, which callers
 * open through /proc/PID/root or /proc/PID/map_files (see symbolize.h).
 *
 * Not thread-safe (one owner at a time); not async-signal-safe (allocates).
 */
#ifndef EMBER_PROCMAPS_H
#define EMBER_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps for untrusted input: the kernel allows 65530 maps by default. */
#define EM_MAPS_MAX_BYTES	(64u << 20)
#define EM_MAPS_MAX_ENTRIES	(1u << 20)

enum em_map_kind {
	EM_MAP_ANON,	/* no path at all */
	EM_MAP_FILE,	/* a path starting with '/' (memfd and SysV shm included) */
	EM_MAP_PSEUDO,	/* [vdso], [vsyscall], [heap], [stack], [anon:name], ... */
};

#define EM_MAP_R 1u
#define EM_MAP_W 2u
#define EM_MAP_X 4u
#define EM_MAP_P 8u	/* private (copy on write); shared otherwise */

struct em_map {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of start */
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	uint8_t prot;		/* EM_MAP_* bits */
	uint8_t kind;		/* enum em_map_kind */
	bool deleted;		/* the kernel appended " (deleted)"; stripped from path */
	const char *path;	/* "" when anonymous; owned by the em_maps */
};

struct em_maps {
	struct em_map *v;	/* sorted by start, non-overlapping */
	size_t n;
	char *strs;		/* storage for the paths */
};

/*
 * em_maps__parse() - parse the text of a /proc/PID/maps file. A newline in a
 * path, which the kernel prints as "\012", is restored. Returns a new table,
 * or NULL with errno set: EINVAL for a malformed line, E2BIG past
 * EM_MAPS_MAX_ENTRIES, ENOMEM.
 */
struct em_maps *em_maps__parse(const char *buf, size_t len);

/*
 * em_maps__load() - read /proc/PID/maps (pid 0: the calling process).
 * Returns NULL with errno set (ENOENT when the process is gone, EACCES, EFBIG
 * past EM_MAPS_MAX_BYTES, or as em_maps__parse()).
 */
struct em_maps *em_maps__load(int pid);

/* The mapping containing addr, or NULL. O(log n). */
const struct em_map *em_maps__find(const struct em_maps *m, uint64_t addr);

/* NULL-safe. */
void em_maps__free(struct em_maps *m);

#endif
