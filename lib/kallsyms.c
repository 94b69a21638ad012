// SPDX-License-Identifier: MIT
/* kallsyms.c - parse /proc/kallsyms into a sorted table. */
#include "kallsyms.h"
#include "afile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * One line: "ADDR TYPE NAME" optionally followed by "\t[MODULE]". Copies the
 * strings into *strs. Returns true for a text symbol worth keeping.
 */
static bool parse_line(const char *s, const char *e, struct em_ksym *k, char **strs,
		       bool *nonzero)
{
	const char *name, *name_end, *mod = NULL, *mod_end = NULL;
	uint64_t addr = 0;
	int digits = 0, d;
	char type;

	while (s < e && (d = hexval(*s)) >= 0) {
		if (++digits > 16)
			return false;
		addr = addr << 4 | (uint64_t)d;
		s++;
	}
	if (!digits || e - s < 3 || s[0] != ' ' || s[2] != ' ')
		return false;
	type = s[1];
	if (addr)
		*nonzero = true;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return false;
	name = s + 3;
	name_end = name;
	while (name_end < e && *name_end != '\t' && *name_end != ' ')
		name_end++;
	if (name_end == name || (name_end - name > 6 && memcmp(name, "__pfx_", 6) == 0))
		return false;
	s = name_end;
	while (s < e && (*s == '\t' || *s == ' '))
		s++;
	if (s < e && *s == '[') {
		mod = s + 1;
		mod_end = memchr(mod, ']', (size_t)(e - mod));
		if (!mod_end)
			return false;
	}
	k->addr = addr;
	k->name = *strs;
	memcpy(*strs, name, (size_t)(name_end - name));
	*strs += name_end - name;
	*(*strs)++ = '\0';
	k->module = *strs;
	if (mod) {
		memcpy(*strs, mod, (size_t)(mod_end - mod));
		*strs += mod_end - mod;
	}
	*(*strs)++ = '\0';
	return true;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct em_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Aliases: prefer the name with fewer leading underscores, then by name. */
	if (strspn(x->name, "_") != strspn(y->name, "_"))
		return strspn(x->name, "_") < strspn(y->name, "_") ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct em_kallsyms *em_kallsyms__parse(const char *buf, size_t len)
{
	struct em_kallsyms *k = calloc(1, sizeof(*k));
	const char *s = buf, *end = buf + len;
	size_t lines = 0, n = 0;
	bool nonzero = false;
	char *strs;
	int err = -ENOMEM;

	if (!k)
		return NULL;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	lines++;
	k->syms = calloc(lines, sizeof(*k->syms));
	/* Names and modules are substrings of their line, plus two NULs each. */
	k->strs = malloc(len + 2 * lines);
	if (!k->syms || !k->strs)
		goto err_out;
	strs = k->strs;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;

		if (parse_line(s, e, &k->syms[n], &strs, &nonzero))
			n++;
		s = nl ? nl + 1 : end;
	}
	if (!nonzero && len) {
		err = -EPERM;
		goto err_out;
	}
	if (n == 0) {
		err = -ENOENT;
		goto err_out;
	}
	qsort(k->syms, n, sizeof(*k->syms), ksym_cmp);
	/* Keep one name per address (the first in sort order). */
	k->n = 0;
	for (size_t i = 0; i < n; i++)
		if (k->n == 0 || k->syms[k->n - 1].addr != k->syms[i].addr)
			k->syms[k->n++] = k->syms[i];
	for (size_t i = 0; i < k->n; i++) {
		uint64_t a = k->syms[i].addr, cap = a + EM_KALLSYMS_MAX_SPAN;

		if (cap < a)
			cap = UINT64_MAX;
		k->syms[i].end = i + 1 < k->n && k->syms[i + 1].addr < cap ? k->syms[i + 1].addr : cap;
	}
	return k;

err_out:
	em_kallsyms__free(k);
	errno = -err;
	return NULL;
}

struct em_kallsyms *em_kallsyms__load(const char *path)
{
	unsigned char *buf;
	size_t len;
	struct em_kallsyms *k;
	int err;

	err = em_read_file(path ? path : "/proc/kallsyms", EM_KALLSYMS_MAX_BYTES, &buf, &len);
	if (err) {
		errno = -err;
		return NULL;
	}
	k = em_kallsyms__parse((const char *)buf, len);
	err = errno;
	free(buf);
	errno = err;
	return k;
}

const struct em_ksym *em_kallsyms__find(const struct em_kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k ? k->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= k->syms[lo - 1].end)
		return NULL;
	return &k->syms[lo - 1];
}

void em_kallsyms__free(struct em_kallsyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->strs);
	free(k);
}
