// SPDX-License-Identifier: MIT
/* u64map.c - linear-probing uint64 -> uint64 map. */
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>

void em_u64map__clear(struct em_u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = m->vals = NULL;
	m->used = NULL;
	m->cap = m->len = 0;
}

static size_t slot_of(const struct em_u64map *m, uint64_t key)
{
	size_t mask = m->cap - 1;
	size_t i = em_hash64(key) & mask;

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

bool em_u64map__get(const struct em_u64map *m, uint64_t key, uint64_t *val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = slot_of(m, key);
	if (!m->used[i])
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

static int grow(struct em_u64map *m)
{
	struct em_u64map n = { 0 };

	n.cap = m->cap ? m->cap * 2 : 64;
	n.keys = malloc(n.cap * sizeof(*n.keys));
	n.vals = malloc(n.cap * sizeof(*n.vals));
	n.used = calloc(n.cap, 1);
	if (!n.keys || !n.vals || !n.used) {
		em_u64map__clear(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->used[i]) {
			size_t j = slot_of(&n, m->keys[i]);

			n.used[j] = 1;
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
		}
	}
	n.len = m->len;
	em_u64map__clear(m);
	*m = n;
	return 0;
}

int em_u64map__put(struct em_u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	/* Keep the load factor under 1/2 so probes stay short. */
	if ((m->len + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	i = slot_of(m, key);
	if (!m->used[i]) {
		m->used[i] = 1;
		m->keys[i] = key;
		m->len++;
	}
	m->vals[i] = val;
	return 0;
}

bool em_u64map__del(struct em_u64map *m, uint64_t key, uint64_t *val)
{
	size_t mask, i, j;

	if (!m->cap)
		return false;
	mask = m->cap - 1;
	i = slot_of(m, key);
	if (!m->used[i])
		return false;
	if (val)
		*val = m->vals[i];
	/* Shift later members of the probe run back into the hole, unless their
	 * home slot lies cyclically in (i, j], where they already are reachable. */
	for (j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		size_t home = em_hash64(m->keys[j]) & mask;

		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
	m->used[i] = 0;
	m->len--;
	return true;
}

uint64_t em_hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i = 0;

	/* Eight bytes at a time, then the tail; the final mix spreads the bits. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		__builtin_memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return em_hash64(h ^ len);
}
