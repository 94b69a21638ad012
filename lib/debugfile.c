// SPDX-License-Identifier: MIT
/* debugfile.c - build ids, .gnu_debuglink, and finding separate debug files. */
#include "debugfile.h"
#include "log.h"
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* snprintf into a PATH_MAX buffer; false when the path does not fit (skip it). */
static bool EM_PRINTF(2, 3) path_fmt(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX;
}

static int scan_notes(Elf_Data *data, uint8_t *id, size_t cap)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data || !data->d_buf)
		return 0;
	/* gelf_getnote() checks that each note lies inside the data. */
	while (off < data->d_size &&
	       (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;

		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
			if (nh.n_descsz == 0)
				return -EINVAL;
			if (nh.n_descsz > cap)
				return -E2BIG;
			memcpy(id, (const char *)data->d_buf + desc_off, nh.n_descsz);
			return (int)nh.n_descsz;
		}
		off = next;
	}
	return 0;
}

int em_elf_build_id(Elf *elf, uint8_t *id, size_t cap)
{
	Elf_Scn *scn = NULL;
	size_t nph;
	int r;

	/* Sections first: a debug file's PT_NOTE offsets point at the binary's layout. */
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type != SHT_NOTE)
			continue;
		r = scan_notes(elf_getdata(scn, NULL), id, cap);
		if (r)
			return r;
	}
	if (elf_getphdrnum(elf, &nph) != 0)
		return 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
			continue;
		r = scan_notes(elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
						    ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR),
			       id, cap);
		if (r)
			return r;
	}
	return 0;
}

char *em_build_id_hex(const uint8_t *id, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

int em_elf_debuglink(Elf *elf, char name[EM_DEBUGLINK_NAME_MAX + 1], uint32_t *crc)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		const unsigned char *p;
		const char *sname;
		const char *ident;
		Elf_Data *d;
		GElf_Shdr sh;
		size_t len, crc_off;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".gnu_debuglink") != 0)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || sh.sh_type == SHT_NOBITS)
			return -EINVAL;
		p = d->d_buf;
		len = strnlen((const char *)p, d->d_size);
		/* Name, NUL, padding to 4, then the CRC in the file's byte order. */
		crc_off = (len + 4) & ~(size_t)3;
		if (len == 0 || len > EM_DEBUGLINK_NAME_MAX || len == d->d_size ||
		    crc_off + 4 > d->d_size || memchr(p, '/', len))
			return -EINVAL;
		memcpy(name, p, len + 1);
		ident = elf_getident(elf, NULL);
		if (ident && ident[EI_DATA] == ELFDATA2MSB)
			*crc = (uint32_t)p[crc_off] << 24 | (uint32_t)p[crc_off + 1] << 16 |
			       (uint32_t)p[crc_off + 2] << 8 | p[crc_off + 3];
		else
			*crc = (uint32_t)p[crc_off + 3] << 24 | (uint32_t)p[crc_off + 2] << 16 |
			       (uint32_t)p[crc_off + 1] << 8 | p[crc_off];
		return 0;
	}
	return -ENOENT;
}

int em_file_crc32(int fd, uint32_t *crc)
{
	unsigned char buf[1 << 16];
	uLong c = crc32(0L, Z_NULL, 0);
	uint64_t off = 0;
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if ((uint64_t)st.st_size > EM_DEBUG_MAX_BYTES)
		return -EFBIG;
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		c = crc32(c, buf, (uInt)r);
		off += (uint64_t)r;
		if (off > EM_DEBUG_MAX_BYTES)
			return -EFBIG;
	}
	*crc = (uint32_t)c;
	return 0;
}

/*
 * A truncated file can still have an intact header and build id note (notes
 * come first), so a candidate must also have every section's contents inside
 * the file before it is believed.
 */
static bool sections_inside(Elf *elf, uint64_t size)
{
	Elf_Scn *scn = NULL;
	size_t n;

	if (elf_getshdrnum(elf, &n) != 0 || n == 0)
		return false;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return false;
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset))
			return false;
	}
	return true;
}

/*
 * Opens root:path (path as the target sees it, root "" for our own view) as
 * an ELF file. Returns 0 and fills fd/elf, or a negative errno.
 */
static int open_elf(const char *root, const char *path, int *fd_out, Elf **elf_out,
		    struct stat *st)
{
	int fd = em_open_in_root(root, path);
	Elf *elf;

	if (fd < 0)
		return fd;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) ||
	    (uint64_t)st->st_size > EM_DEBUG_MAX_BYTES) {
		close(fd);
		return -EINVAL;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !sections_inside(elf, (uint64_t)st->st_size)) {
		elf_end(elf);
		close(fd);
		return -EINVAL;
	}
	*fd_out = fd;
	*elf_out = elf;
	return 0;
}

static bool same_file(int bin_fd, const struct stat *st)
{
	struct stat bst;

	return bin_fd >= 0 && fstat(bin_fd, &bst) == 0 && bst.st_dev == st->st_dev &&
	       bst.st_ino == st->st_ino;
}

/* A candidate: a path in the view of root ("" for ours). */
struct cand {
	const char *root;
	char path[PATH_MAX];
	char shown[PATH_MAX];	/* root + path, for messages */
};

static bool cand_set(struct cand *c, const char *root, const char *fmt, ...) EM_PRINTF(3, 4);

static bool cand_set(struct cand *c, const char *root, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path, sizeof(c->path), fmt, ap);
	va_end(ap);
	c->root = root ? root : "";
	return n >= 0 && n < (int)sizeof(c->path) && path_fmt(c->shown, "%s%s", c->root, c->path);
}

static int keep_file(const struct cand *c, int fd, Elf *elf, struct em_debugfile *out)
{
	out->path = strdup(c->shown);
	if (!out->path) {
		elf_end(elf);
		close(fd);
		return -ENOMEM;
	}
	/* libelf reads the debug file through its mapping from now on. */
	elf_cntl(elf, ELF_C_FDDONE);
	close(fd);
	out->fd = -1;
	out->elf = elf;
	return 0;
}

static void report(const struct em_debug_search *s, const char *fmt, const char *path,
		   unsigned long a, unsigned long b)
{
	char msg[PATH_MAX + 200];

	snprintf(msg, sizeof(msg), fmt, path, a, b);
	if (s->warn)
		em_warn("%s", msg);
	else
		em_debug("%s", msg);
}

static int try_build_id(const struct em_debug_search *s, const struct cand *c, const uint8_t *id,
			size_t id_len, int bin_fd, struct em_debugfile *out)
{
	uint8_t got[EM_BUILD_ID_MAX];
	struct stat st;
	Elf *elf;
	int fd, n;

	if (open_elf(c->root, c->path, &fd, &elf, &st) < 0)
		return -ENOENT;
	n = em_elf_build_id(elf, got, sizeof(got));
	if (!same_file(bin_fd, &st) && n == (int)id_len && memcmp(got, id, id_len) == 0)
		return keep_file(c, fd, elf, out);
	if (!same_file(bin_fd, &st))
		report(s, "%s: build id does not match the binary's (%lu vs %lu bytes); ignored",
		       c->shown, (unsigned long)(n > 0 ? n : 0), (unsigned long)id_len);
	elf_end(elf);
	close(fd);
	return -ENOENT;
}

static int try_debuglink(const struct em_debug_search *s, const struct cand *c, uint32_t want,
			 int bin_fd, struct em_debugfile *out)
{
	struct stat st;
	uint32_t crc;
	Elf *elf;
	int fd, err;

	if (open_elf(c->root, c->path, &fd, &elf, &st) < 0)
		return -ENOENT;
	if (same_file(bin_fd, &st))
		goto reject;
	err = em_file_crc32(fd, &crc);
	if (err == 0 && crc == want)
		return keep_file(c, fd, elf, out);
	if (err == 0)
		report(s, "%s: debuglink CRC mismatch (binary wants 0x%08lx, file has 0x%08lx); ignored",
		       c->shown, (unsigned long)want, (unsigned long)crc);
reject:
	elf_end(elf);
	close(fd);
	return -ENOENT;
}

/* The debug directories to search, in order, each with the root it lives in. */
static size_t debug_dirs(const struct em_debug_search *s, struct cand *dirs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->ndirs && n < max - 2; i++)
		n += cand_set(&dirs[n], "", "%s", s->dirs[i]);
	if (s->root && *s->root)
		n += cand_set(&dirs[n], s->root, "/usr/lib/debug");
	n += cand_set(&dirs[n], "", "/usr/lib/debug");
	return n;
}

/* The debuglink candidates, in GDB's order, for link name `link`. */
static int find_by_debuglink(const struct em_debug_search *s, const struct cand *dirs,
			     size_t ndirs, const char *link, uint32_t crc, int bin_fd,
			     struct em_debugfile *out, struct cand *c)
{
	const char *slash;
	int len;

	if (!s->path || !(slash = strrchr(s->path, '/')))
		return -ENOENT;
	len = (int)(slash - s->path);
	if (cand_set(c, s->root, "%.*s/%s", len, s->path, link) &&
	    try_debuglink(s, c, crc, bin_fd, out) == 0)
		return 0;
	if (cand_set(c, s->root, "%.*s/.debug/%s", len, s->path, link) &&
	    try_debuglink(s, c, crc, bin_fd, out) == 0)
		return 0;
	for (size_t i = 0; i < ndirs; i++)
		if (cand_set(c, dirs[i].root, "%s%.*s/%s", dirs[i].path, len, s->path, link) &&
		    try_debuglink(s, c, crc, bin_fd, out) == 0)
			return 0;
	return -ENOENT;
}

int em_debugfile__find(const struct em_debug_search *s, const uint8_t *id, size_t id_len,
		       Elf *elf, int bin_fd, struct em_debugfile *out)
{
	enum { MAX_DIRS = 18 };
	char hex[2 * EM_BUILD_ID_MAX + 1], link[EM_DEBUGLINK_NAME_MAX + 1];
	struct cand *dirs, *c;
	size_t ndirs;
	uint32_t crc;
	int err = -ENOENT;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	dirs = malloc((MAX_DIRS + 1) * sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	c = &dirs[MAX_DIRS];
	ndirs = debug_dirs(s, dirs, MAX_DIRS);
	if (id_len >= 2 && id_len <= EM_BUILD_ID_MAX) {
		em_build_id_hex(id, id_len, hex);
		for (size_t i = 0; i < ndirs && err; i++)
			if (cand_set(c, dirs[i].root, "%s/.build-id/%.2s/%s.debug", dirs[i].path, hex,
				     hex + 2))
				err = try_build_id(s, c, id, id_len, bin_fd, out);
	}
	if (err && elf && em_elf_debuglink(elf, link, &crc) == 0)
		err = find_by_debuglink(s, dirs, ndirs, link, crc, bin_fd, out, c);
	free(dirs);
	return err;
}

void em_debugfile__close(struct em_debugfile *d)
{
	if (!d)
		return;
	elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	d->elf = NULL;
	d->fd = -1;
	d->path = NULL;
}

char **em_debug_dirs_from_env(void)
{
	const char *env = getenv("EMBER_DEBUG_DIRS");
	size_t n = 1, len;
	char **v, *s;

	if (!env || !*env)
		return NULL;
	len = strlen(env);
	for (const char *p = env; *p; p++)
		n += *p == ':';
	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v)
		return NULL;
	s = (char *)(v + n + 1);
	memcpy(s, env, len + 1);
	n = 0;
	for (char *save, *tok = strtok_r(s, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		v[n++] = tok;
	v[n] = NULL;
	if (n == 0) {
		free(v);
		return NULL;
	}
	return v;
}
