// SPDX-License-Identifier: MIT
/* procmaps.c - parse /proc/PID/maps. */
#include "procmaps.h"
#include "afile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DELETED[] = " (deleted)";

/* Parses hex digits at *p up to a non-hex char; rejects empty and overflow. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < end) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v >> 60)
			return false;
		v = v << 4 | d;
		s++;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/*
 * Copies the path [s, e) to dst, turning the kernel's "\012" escape back into a
 * newline (seq_file_path() escapes only '\n'). Returns the copied length.
 */
static size_t copy_path(char *dst, const char *s, const char *e)
{
	size_t n = 0;

	while (s < e) {
		if (e - s >= 4 && memcmp(s, "\\012", 4) == 0) {
			dst[n++] = '\n';
			s += 4;
		} else {
			dst[n++] = *s++;
		}
	}
	dst[n] = '\0';
	return n;
}

/* Parses one line [s, e) without its newline into *m; the path goes to *strs. */
static int parse_line(const char *s, const char *e, struct em_map *m, char **strs)
{
	static const char perm_chars[4] = { 'r', 'w', 'x', 'p' };
	uint64_t major, minor;
	size_t n;

	if (!parse_hex(&s, e, &m->start) || !expect(&s, e, '-') || !parse_hex(&s, e, &m->end) ||
	    !expect(&s, e, ' ') || e - s < 5)
		return -EINVAL;
	m->prot = 0;
	for (int i = 0; i < 4; i++) {
		if (s[i] == perm_chars[i])
			m->prot |= (uint8_t)(1u << i);
		else if (s[i] != '-' && !(i == 3 && s[i] == 's'))
			return -EINVAL;
	}
	s += 4;
	if (!expect(&s, e, ' ') || !parse_hex(&s, e, &m->offset) || !expect(&s, e, ' ') ||
	    !parse_hex(&s, e, &major) || !expect(&s, e, ':') || !parse_hex(&s, e, &minor) ||
	    !expect(&s, e, ' ') || !parse_dec(&s, e, &m->inode))
		return -EINVAL;
	if (m->end < m->start || major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	m->dev_major = (uint32_t)major;
	m->dev_minor = (uint32_t)minor;
	if (s < e && *s != ' ')
		return -EINVAL;
	/* The path starts after the padding; everything up to the newline is the path. */
	while (s < e && *s == ' ')
		s++;
	m->deleted = false;
	if ((size_t)(e - s) > sizeof(DELETED) - 1 && s[0] == '/' &&
	    memcmp(e - (sizeof(DELETED) - 1), DELETED, sizeof(DELETED) - 1) == 0) {
		m->deleted = true;
		e -= sizeof(DELETED) - 1;
	}
	n = copy_path(*strs, s, e);
	m->path = *strs;
	*strs += n + 1;
	if (n == 0)
		m->kind = EM_MAP_ANON;
	else if (m->path[0] == '/')
		m->kind = EM_MAP_FILE;
	else
		m->kind = EM_MAP_PSEUDO;
	return 0;
}

static int map_cmp(const void *a, const void *b)
{
	const struct em_map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct em_maps *em_maps__parse(const char *buf, size_t len)
{
	struct em_maps *m = calloc(1, sizeof(*m));
	size_t lines = 0, cap;
	const char *s = buf, *end = buf + len;
	char *strs;
	bool sorted = true;
	int err = -ENOMEM;

	if (!m)
		return NULL;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	lines += len && buf[len - 1] != '\n';
	if (lines > EM_MAPS_MAX_ENTRIES) {
		err = -E2BIG;
		goto err_out;
	}
	cap = lines ? lines : 1;
	m->v = calloc(cap, sizeof(*m->v));
	/* Each path is a substring of its line, plus a NUL: len + lines bounds it. */
	m->strs = malloc(len + lines + 1);
	if (!m->v || !m->strs)
		goto err_out;
	strs = m->strs;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;

		if (e > s) {
			err = parse_line(s, e, &m->v[m->n], &strs);
			if (err)
				goto err_out;
			if (m->n && m->v[m->n].start < m->v[m->n - 1].start)
				sorted = false;
			m->n++;
		}
		s = nl ? nl + 1 : end;
	}
	if (!sorted)
		qsort(m->v, m->n, sizeof(*m->v), map_cmp);
	return m;

err_out:
	em_maps__free(m);
	errno = -err;
	return NULL;
}

struct em_maps *em_maps__load(int pid)
{
	char path[64];
	unsigned char *buf;
	size_t len;
	struct em_maps *m;
	int err;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	err = em_read_file(path, EM_MAPS_MAX_BYTES, &buf, &len);
	if (err) {
		errno = -err;
		return NULL;
	}
	m = em_maps__parse((const char *)buf, len);
	err = errno;
	free(buf);
	errno = err;
	return m;
}

const struct em_map *em_maps__find(const struct em_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m ? m->n : 0;

	/* First entry with start > addr; the one before it may contain addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= m->v[lo - 1].end)
		return NULL;
	return &m->v[lo - 1];
}

void em_maps__free(struct em_maps *m)
{
	if (!m)
		return;
	free(m->v);
	free(m->strs);
	free(m);
}
