// SPDX-License-Identifier: MIT
/*
 * ring.c - bounded lock-free MPSC queue of fixed-size sample records
 * (Dmitry Vyukov's bounded MPMC algorithm, used with a single consumer).
 */
#include "ring.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>

struct slot {
	_Atomic size_t seq;
	size_t pad[7];		/* keep the record 64-byte aligned */
	struct em_rec rec;
};

struct em_ring {
	size_t mask;
	size_t slot_size;
	unsigned max_frames;
	size_t map_len;
	unsigned char *slots;
	/* Producers and the consumer touch different cache lines. */
	_Alignas(64) _Atomic size_t enq;
	_Alignas(64) _Atomic size_t deq;
};

static struct slot *slot_at(const struct em_ring *r, size_t pos)
{
	return (struct slot *)(r->slots + (pos & r->mask) * r->slot_size);
}

struct em_ring *em_ring__new(size_t nslots, unsigned max_frames)
{
	struct em_ring *r;
	size_t n = 2, len;
	void *m;

	while (n < nslots)
		n *= 2;
	m = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	r = m;
	r->mask = n - 1;
	r->max_frames = max_frames;
	r->slot_size = (sizeof(struct slot) + max_frames * sizeof(uint64_t) + 63) & ~(size_t)63;
	len = n * r->slot_size;
	/* MAP_NORESERVE: pages become resident only as slots are first used. */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED) {
		int err = errno;

		munmap(r, sizeof(*r));
		errno = err;
		return NULL;
	}
	r->slots = m;
	r->map_len = len;
	for (size_t i = 0; i < n; i++)
		atomic_init(&slot_at(r, i)->seq, i);
	atomic_init(&r->enq, 0);
	atomic_init(&r->deq, 0);
	return r;
}

void em_ring__free(struct em_ring *r)
{
	if (!r)
		return;
	munmap(r->slots, r->map_len);
	munmap(r, sizeof(*r));
}

unsigned em_ring__max_frames(const struct em_ring *r)
{
	return r->max_frames;
}

struct em_rec *em_ring__claim(struct em_ring *r)
{
	size_t pos = atomic_load_explicit(&r->enq, memory_order_relaxed);

	for (;;) {
		struct slot *s = slot_at(r, pos);
		size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		intptr_t dif = (intptr_t)seq - (intptr_t)pos;

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&r->enq, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				/* Remember our position for publish (in the padding). */
				s->pad[0] = pos;
				return &s->rec;
			}
			/* pos was reloaded by the failed CAS */
		} else if (dif < 0) {
			return NULL;	/* full: the slot still holds an unconsumed record */
		} else {
			pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
		}
	}
}

void em_ring__publish(struct em_ring *r, struct em_rec *rec)
{
	struct slot *s = (struct slot *)((unsigned char *)rec - offsetof(struct slot, rec));

	(void)r;
	atomic_store_explicit(&s->seq, s->pad[0] + 1, memory_order_release);
}

struct em_rec *em_ring__peek(struct em_ring *r)
{
	size_t pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
	struct slot *s = slot_at(r, pos);
	size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);

	return seq == pos + 1 ? &s->rec : NULL;
}

void em_ring__release(struct em_ring *r)
{
	size_t pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
	struct slot *s = slot_at(r, pos);

	atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
	atomic_store_explicit(&r->deq, pos + 1, memory_order_relaxed);
}

size_t em_ring__used(const struct em_ring *r)
{
	size_t e = atomic_load_explicit(&r->enq, memory_order_relaxed);
	size_t d = atomic_load_explicit(&r->deq, memory_order_relaxed);

	return e - d;
}

size_t em_ring__capacity(const struct em_ring *r)
{
	return r->mask + 1;
}
