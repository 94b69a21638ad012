/* SPDX-License-Identifier: MIT */
/*
 * u64map.h - open-addressing hash map from uint64_t keys to uint64_t values.
 *
 * Used wherever ember needs an id remap or an address cache. Not thread-safe;
 * not async-signal-safe (grows with realloc). Key 0 is allowed.
 */
#ifndef EMBER_U64MAP_H
#define EMBER_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct em_u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap;	/* power of two, or 0 */
	size_t len;
};

/* A zeroed struct is an empty map; no constructor needed. */
void em_u64map__clear(struct em_u64map *m);	/* frees storage, map stays usable */
/* Returns true and sets *val when key is present. */
bool em_u64map__get(const struct em_u64map *m, uint64_t key, uint64_t *val);
/* Inserts or overwrites. Returns 0 or -ENOMEM. */
int em_u64map__put(struct em_u64map *m, uint64_t key, uint64_t val);
/* Removes key; returns true and sets *val (if val) when it was present.
 * Backward-shift deletion: no tombstones, so a map whose keys churn forever
 * stays as small as its live contents. */
bool em_u64map__del(struct em_u64map *m, uint64_t key, uint64_t *val);

/* 64-bit mix (splitmix64 finaliser); good enough to spread addresses and ids. */
static inline uint64_t em_hash64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* FNV-1a style hash over bytes, finished with em_hash64. */
uint64_t em_hash_bytes(const void *data, size_t len, uint64_t seed);

#endif
