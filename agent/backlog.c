// SPDX-License-Identifier: MIT
/* backlog.c - the drainer thread and the queue between it and the writer. */
#include "agent.h"
#include "backlog.h"

#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK_BYTES (256 * 1024)
#define MAX_BYTES   (16u << 20)
/* Consumed chunks kept for reuse: a chunk is above glibc's mmap threshold,
 * so freeing and allocating them at the sample rate would mmap, fault in
 * and munmap 256 KiB each time (and every munmap interrupts the program's
 * other CPUs to flush their TLBs). */
#define SPARE_CHUNKS 4

struct em_backlog_chunk {
	struct em_backlog_chunk *next;
	size_t used;
	unsigned char data[CHUNK_BYTES];
};

static struct {
	pthread_mutex_t lock;
	struct em_backlog_chunk *head, *tail;
	struct em_backlog_chunk *spare;	/* consumed, for reuse */
	unsigned nspare;
	size_t bytes;
	atomic_uint kick;	/* futex word */
	atomic_int stop;
	pthread_t thread;
	bool running;
	void (*wake)(void);
} bl = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t rec_size(const struct em_rec *r)
{
	return sizeof(*r) + (size_t)r->nframes * sizeof(r->frames[0]);
}

/* A free or a thread's name lost would leave the profile wrong for good
 * (a block "in use" forever, a thread named "?"); a sample lost is only
 * one sample less. They may use a second MAX_BYTES before they too are
 * dropped. */
static bool precious(const struct em_rec *r)
{
	return r->kind == EM_REC_HEAP_FREE || r->kind == EM_REC_THREAD_NAME;
}

/* Called with bl.lock held. */
static bool append(const struct em_rec *r)
{
	size_t n = rec_size(r);
	struct em_backlog_chunk *c = bl.tail;

	if (bl.bytes + n > (precious(r) ? 2 * MAX_BYTES : MAX_BYTES))
		return false;
	if (!c || CHUNK_BYTES - c->used < n) {
		if (bl.spare) {
			c = bl.spare;
			bl.spare = c->next;
			bl.nspare--;
		} else {
			c = malloc(sizeof(*c));
			if (!c)
				return false;
		}
		c->next = NULL;
		c->used = 0;
		if (bl.tail)
			bl.tail->next = c;
		else
			bl.head = c;
		bl.tail = c;
	}
	memcpy(c->data + c->used, r, n);
	c->used += n;
	bl.bytes += n;
	return true;
}

size_t em_backlog_pump(void)
{
	struct em_rec *r;
	size_t n = 0;

	pthread_mutex_lock(&bl.lock);
	while ((r = em_ring__peek(em_ring_q))) {
		if (!append(r))
			/* Counted where the profile's comment will say it. */
			atomic_fetch_add(r->kind == EM_REC_HEAP_FREE ? &em_stats.heap_lost_frees
								 : &em_stats.ring_full, 1);
		em_ring__release(em_ring_q);
		n++;
	}
	pthread_mutex_unlock(&bl.lock);
	return n;
}

struct em_backlog_chunk *em_backlog_take(void)
{
	struct em_backlog_chunk *list;

	pthread_mutex_lock(&bl.lock);
	list = bl.head;
	bl.head = bl.tail = NULL;
	bl.bytes = 0;
	pthread_mutex_unlock(&bl.lock);
	return list;
}

void em_backlog_consume(struct em_backlog_chunk *list, void (*fn)(const struct em_rec *r))
{
	while (list) {
		struct em_backlog_chunk *next = list->next;

		for (size_t off = 0; off < list->used;) {
			const struct em_rec *r = (const struct em_rec *)(list->data + off);

			fn(r);
			off += rec_size(r);
		}
		pthread_mutex_lock(&bl.lock);
		if (bl.nspare < SPARE_CHUNKS) {
			list->next = bl.spare;
			bl.spare = list;
			bl.nspare++;
			list = NULL;
		}
		pthread_mutex_unlock(&bl.lock);
		free(list);
		list = next;
	}
}

size_t em_backlog_bytes(void)
{
	size_t n;

	pthread_mutex_lock(&bl.lock);
	n = bl.bytes;
	pthread_mutex_unlock(&bl.lock);
	return n;
}

void em_backlog_kick(void)
{
	unsigned zero = 0;

	/* Async-signal-safe: an atomic and a futex wake, on the 0 -> 1 edge. */
	if (atomic_compare_exchange_strong(&bl.kick, &zero, 1))
		syscall(SYS_futex, &bl.kick, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

struct em_rec *em_backlog_claim_hook(void)
{
	struct em_rec *rec = em_ring__claim(em_ring_q);
	int64_t deadline;

	if (rec)
		return rec;
	if (!bl.running)
		goto full;
	deadline = em_now_ns() + 20000000;
	do {
		em_backlog_kick();
		sched_yield();
		if ((rec = em_ring__claim(em_ring_q)))
			return rec;
	} while (em_now_ns() < deadline);
full:
	atomic_fetch_add_explicit(&em_stats.ring_full, 1, memory_order_relaxed);
	return NULL;
}

struct em_rec *em_backlog_hook_sample(uint16_t kind, const char *fn, const ucontext_t *ctx)
{
	struct em_thread *t = em_tls_self ? em_tls_self : em_thread_attach();
	struct em_rec *rec = em_backlog_claim_hook();
	uint16_t flags;

	if (!rec)
		return NULL;
	rec->kind = kind;
	rec->tid = t ? t->tid : (pid_t)gettid();
	rec->addr = 0;
	rec->aux = 0;
	rec->v[0] = rec->v[1] = 0;
	rec->fn = fn;
	/* Frames from the wrapper (or its slow path) on, then the program's;
	 * the writer drops the agent's frames and puts fn as the leaf. */
	rec->nframes = em_unwind_context(t, ctx, rec->frames, em_ring__max_frames(em_ring_q),
					 &flags);
	rec->flags = flags | EM_REC_HOOK;
	em_stats_count_stack(flags);
	return rec;
}

void em_backlog_hook_publish(struct em_rec *rec)
{
	em_ring__publish(em_ring_q, rec);
	if (em_ring__used(em_ring_q) * 2 > em_ring__capacity(em_ring_q))
		em_backlog_kick();
}

static void *drainer_main(void *arg)
{
	(void)arg;
	/* It uses no descriptors; sharing the table would only slow down every
	 * fd-based call of a single-threaded program (em_thread_private_fds). */
	em_thread_private_fds();
	while (!atomic_load(&bl.stop)) {
		/* 10 ms while samples flow keeps the ring far from full at
		 * thousands of samples a second; idle, wake rarely. */
		struct timespec ts = { 0, em_ring__used(em_ring_q) ? 10000000 : 50000000 };

		if (!atomic_exchange(&bl.kick, 0))
			syscall(SYS_futex, &bl.kick, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		atomic_store(&bl.kick, 0);
		if (em_backlog_pump() && bl.wake)
			bl.wake();
	}
	return NULL;
}

int em_backlog_start(void (*wake)(void))
{
	int err;

	bl.wake = wake;
	atomic_store(&bl.stop, 0);
	err = em_thread_spawn(&bl.thread, drainer_main, NULL);
	if (err)
		return -err;
	bl.running = true;
	return 0;
}

void em_backlog_stop(void)
{
	atomic_store(&bl.stop, 1);
	/* Nobody drains from now on: hooks must not wait for room. */
	bl.running = false;
	em_backlog_kick();
}

void em_backlog_fork_prepare(void)
{
	pthread_mutex_lock(&bl.lock);
}

void em_backlog_fork_parent(void)
{
	pthread_mutex_unlock(&bl.lock);
}

void em_backlog_after_fork_child(void)
{
	struct em_backlog_chunk *c = bl.head;

	pthread_mutex_init(&bl.lock, NULL);
	while (c) {
		struct em_backlog_chunk *next = c->next;

		free(c);
		c = next;
	}
	bl.head = bl.tail = NULL;
	bl.bytes = 0;
	while (bl.spare) {
		c = bl.spare->next;
		free(bl.spare);
		bl.spare = c;
	}
	bl.nspare = 0;
	atomic_store(&bl.kick, 0);
	bl.running = false;
	em_backlog_start(bl.wake);
}
