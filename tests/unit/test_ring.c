// SPDX-License-Identifier: MIT
/* test_ring.c - the agent's sample ring: wrap-around, full, many producers, signals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../agent/ring.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static void fills_wraps_and_reports_full(void **state)
{
	struct em_ring *r = em_ring__new(5, 16);	/* rounds up to 8 */
	struct em_rec *rec;

	(void)state;
	assert_non_null(r);
	assert_int_equal(em_ring__capacity(r), 8);
	assert_int_equal(em_ring__max_frames(r), 16);
	assert_null(em_ring__peek(r));
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 8; i++) {
			rec = em_ring__claim(r);
			assert_non_null(rec);
			rec->tid = round * 100 + i;
			rec->nframes = 16;
			for (int f = 0; f < 16; f++)
				rec->frames[f] = (uint64_t)(i * 1000 + f);
			em_ring__publish(r, rec);
		}
		assert_null(em_ring__claim(r));
		assert_int_equal(em_ring__used(r), 8);
		for (int i = 0; i < 8; i++) {
			rec = em_ring__peek(r);
			assert_non_null(rec);
			assert_int_equal(rec->tid, round * 100 + i);
			assert_int_equal(rec->frames[15], (uint64_t)(i * 1000 + 15));
			em_ring__release(r);
		}
		assert_null(em_ring__peek(r));
	}
	em_ring__free(r);
}

static void claimed_but_unpublished_blocks_the_consumer_in_order(void **state)
{
	struct em_ring *r = em_ring__new(4, 1);
	struct em_rec *a, *b;

	(void)state;
	a = em_ring__claim(r);
	b = em_ring__claim(r);
	b->tid = 2;
	em_ring__publish(r, b);
	assert_null(em_ring__peek(r));	/* a is still being written */
	a->tid = 1;
	em_ring__publish(r, a);
	assert_int_equal(em_ring__peek(r)->tid, 1);
	em_ring__release(r);
	assert_int_equal(em_ring__peek(r)->tid, 2);
	em_ring__release(r);
	em_ring__free(r);
}

#define PRODUCERS 4
#define PER_PRODUCER 200000

static struct em_ring *shared;
static atomic_long dropped;

static void *produce(void *arg)
{
	long id = (long)arg;

	for (long i = 0; i < PER_PRODUCER; i++) {
		struct em_rec *rec;

		while (!(rec = em_ring__claim(shared)))
			atomic_fetch_add(&dropped, 1);	/* full: retry (test only) */
		rec->tid = (int32_t)id;
		rec->v[0] = i;
		rec->nframes = 1;
		rec->frames[0] = (uint64_t)(id << 32 | (uint64_t)i);
		em_ring__publish(shared, rec);
	}
	return NULL;
}

static void many_producers_every_record_once_in_per_producer_order(void **state)
{
	pthread_t t[PRODUCERS];
	long next[PRODUCERS] = { 0 };
	long got = 0;

	(void)state;
	shared = em_ring__new(256, 1);
	for (long i = 0; i < PRODUCERS; i++)
		pthread_create(&t[i], NULL, produce, (void *)i);
	while (got < PRODUCERS * PER_PRODUCER) {
		struct em_rec *rec = em_ring__peek(shared);

		if (!rec)
			continue;
		assert_in_range(rec->tid, 0, PRODUCERS - 1);
		assert_int_equal(rec->v[0], next[rec->tid]);
		assert_int_equal(rec->frames[0], (uint64_t)rec->tid << 32 | (uint64_t)rec->v[0]);
		next[rec->tid]++;
		got++;
		em_ring__release(shared);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(t[i], NULL);
	assert_null(em_ring__peek(shared));
	em_ring__free(shared);
}

static atomic_long from_signal;

static void on_alarm(int sig)
{
	struct em_rec *rec = em_ring__claim(shared);

	(void)sig;
	if (rec) {
		rec->tid = -1;
		em_ring__publish(shared, rec);
		atomic_fetch_add(&from_signal, 1);
	}
}

static void producer_interrupted_by_a_signal_producer(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	long main_pushed = 0, sig_seen = 0, main_seen = 0;
	struct timespec t0, t1;

	(void)state;
	shared = em_ring__new(1024, 4);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct em_rec *rec = em_ring__claim(shared);

		if (rec) {
			rec->tid = 1;
			em_ring__publish(shared, rec);
			main_pushed++;
		}
		while ((rec = em_ring__peek(shared))) {
			if (rec->tid == -1)
				sig_seen++;
			else
				main_seen++;
			em_ring__release(shared);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 1);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	for (struct em_rec *rec; (rec = em_ring__peek(shared)); em_ring__release(shared))
		rec->tid == -1 ? sig_seen++ : main_seen++;
	assert_true(atomic_load(&from_signal) > 10);
	assert_int_equal(sig_seen, atomic_load(&from_signal));
	assert_int_equal(main_seen, main_pushed);
	em_ring__free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fills_wraps_and_reports_full),
		cmocka_unit_test(claimed_but_unpublished_blocks_the_consumer_in_order),
		cmocka_unit_test(many_producers_every_record_once_in_per_producer_order),
		cmocka_unit_test(producer_interrupted_by_a_signal_producer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
