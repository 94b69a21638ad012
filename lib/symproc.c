// SPDX-License-Identifier: MIT
/*
 * symproc.c - struct em_proc: a process's maps, and opening its files as it
 * sees them (its root directory, or map_files for deleted ones).
 */
#include "rootfs.h"
#include "symbolize_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int attach_maps(struct em_proc *p, struct em_maps *maps)
{
	struct em_elfmod **mods = calloc(maps->n + 1, sizeof(*mods));
	uint8_t *state = calloc(maps->n + 1, 1);

	if (!mods || !state) {
		free(mods);
		free(state);
		return -ENOMEM;
	}
	/* Carry resolved modules over to mappings that did not change. */
	for (size_t i = 0, j = 0; p->maps && i < maps->n; i++) {
		const struct em_map *a = &maps->v[i];

		while (j < p->maps->n && p->maps->v[j].start < a->start)
			j++;
		if (j < p->maps->n) {
			const struct em_map *b = &p->maps->v[j];

			if (b->start == a->start && b->end == a->end && b->offset == a->offset &&
			    b->inode == a->inode && b->deleted == a->deleted &&
			    strcmp(b->path, a->path) == 0) {
				mods[i] = p->mods[j];
				state[i] = p->state[j];
			}
		}
	}
	em_maps__free(p->maps);
	free(p->mods);
	free(p->state);
	p->maps = maps;
	p->mods = mods;
	p->state = state;
	return 0;
}

struct em_proc *em_proc__new(int pid)
{
	struct em_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid > 0 ? pid : 0;
	if (p->pid)
		snprintf(p->root, sizeof(p->root), "/proc/%d/root", p->pid);
	if (em_proc__refresh(p) < 0) {
		int err = errno;

		em_proc__free(p);
		errno = err;
		return NULL;
	}
	return p;
}

int em_proc__refresh(struct em_proc *p)
{
	struct em_maps *maps = em_maps__load(p->pid);
	int err;

	if (!maps)
		return -errno;
	err = attach_maps(p, maps);
	if (err) {
		em_maps__free(maps);
		errno = -err;
	}
	return err;
}

const struct em_maps *em_proc__maps(const struct em_proc *p)
{
	return p->maps;
}

int em_proc__pid(const struct em_proc *p)
{
	return p->pid;
}

void em_proc__free(struct em_proc *p)
{
	if (!p)
		return;
	em_maps__free(p->maps);
	free(p->mods);
	free(p->state);
	free(p);
}

/* The [vdso] image: read from our own memory, or another process's via /proc/PID/mem. */
static struct em_elfmod *vdso_module(struct em_symbolizer *s, struct em_proc *p,
				     const struct em_map *m)
{
	size_t len = (size_t)(m->end - m->start);
	struct em_elfmod *mod;
	char path[64];
	void *buf;
	int fd;

	if (len == 0 || len > EM_VDSO_MAX_BYTES || !(buf = malloc(len)))
		return NULL;
	if (!p->pid) {
		memcpy(buf, (const void *)(uintptr_t)m->start, len);
	} else {
		snprintf(path, sizeof(path), "/proc/%d/mem", p->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || pread(fd, buf, len, (off_t)m->start) != (ssize_t)len) {
			if (fd >= 0)
				close(fd);
			free(buf);
			return NULL;
		}
		close(fd);
	}
	mod = em_elfmod__open_image(buf, len, "[vdso]");
	return mod ? em_symbolizer__adopt(s, mod, "") : NULL;
}

/*
 * Opens a mapped file: through the target's root unless it was deleted, and
 * through map_files when the path is gone or now names a different file
 * (a package upgrade replaced it). map_files needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE (kernel 5.9+), so it is the second choice.
 */
static int open_mapped(const struct em_proc *p, const struct em_map *m)
{
	char path[128];
	struct stat st;
	int fd = -1, fd2;

	if (!m->deleted) {
		fd = em_open_in_root(p->root, m->path);
		if (fd >= 0 && (!m->inode || (fstat(fd, &st) == 0 && st.st_ino == m->inode)))
			return fd;
	}
	if (p->pid)
		snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, p->pid,
			 m->start, m->end);
	else
		snprintf(path, sizeof(path), "/proc/self/map_files/%" PRIx64 "-%" PRIx64, m->start,
			 m->end);
	fd2 = open(path, O_RDONLY | O_CLOEXEC);
	if (fd2 < 0)
		return fd;	/* the path (inode differs, e.g. overlayfs) or -1 */
	if (fd >= 0)
		close(fd);
	return fd2;
}

struct em_elfmod *em_symbolizer__proc_module(struct em_symbolizer *s, struct em_proc *p,
					     const struct em_map *m)
{
	size_t i = (size_t)(m - p->maps->v);
	struct em_elfmod *mod = NULL;
	int fd;

	if (i >= p->maps->n)
		return NULL;
	if (p->state[i] != MOD_UNKNOWN)
		return p->mods[i];
	if (m->kind == EM_MAP_PSEUDO && strcmp(m->path, "[vdso]") == 0) {
		mod = vdso_module(s, p, m);
	} else if (m->kind == EM_MAP_FILE) {
		fd = open_mapped(p, m);
		if (fd >= 0)
			mod = em_symbolizer__module_fd(s, fd, m->path, p->root);
		else
			em_symbolizer__problem(s, m->path, "cannot open it (nor its map_files entry)");
	}
	p->mods[i] = mod;
	p->state[i] = mod ? MOD_OK : MOD_FAILED;
	return mod;
}

