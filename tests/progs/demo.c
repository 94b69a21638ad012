// SPDX-License-Identifier: MIT
/*
 * demo - a small service-like workload for `make demo`: a producer thread
 * queues requests; three worker threads parse each one, compute a checksum
 * (the CPU hot spot), render a response into an allocated buffer, write it to
 * /dev/null and, for one request in ten, wait for a slow "backend"
 * (nanosleep). Runs for argv[1] seconds (default 3).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_LEN 64

struct request {
	unsigned id;
	char text[256];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct request q[QUEUE_LEN];
	unsigned head, tail;
	int done;
} queue = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
};

static int devnull;
static unsigned long served[3];

__attribute__((noinline)) static unsigned parse_request(struct request *r, char **fields, int max)
{
	char *save = NULL, *tok;
	unsigned n = 0;

	for (tok = strtok_r(r->text, " &=", &save); tok && n < (unsigned)max;
	     tok = strtok_r(NULL, " &=", &save))
		fields[n++] = tok;
	return n;
}

__attribute__((noinline)) static uint64_t compute_checksum(char **fields, unsigned n)
{
	uint64_t h = 1469598103934665603ULL;

	/* Deliberately expensive: the hot spot a profile should find. */
	for (int round = 0; round < 400; round++)
		for (unsigned i = 0; i < n; i++)
			for (const char *p = fields[i]; *p; p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

__attribute__((noinline)) static char *render_response(unsigned id, uint64_t sum, unsigned n)
{
	size_t len = 512 + n * 64;
	char *out = malloc(len);

	if (out)
		snprintf(out, len, "HTTP/1.1 200 OK\r\nX-Request: %u\r\nX-Fields: %u\r\n\r\n%016llx\n",
			 id, n, (unsigned long long)sum);
	return out;
}

__attribute__((noinline)) static void send_response(const char *resp)
{
	if (write(devnull, resp, strlen(resp)) < 0)
		perror("write");
}

__attribute__((noinline)) static void wait_for_backend(void)
{
	struct timespec ts = { 0, 2000000 };	/* 2 ms */

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void handle_request(struct request *r)
{
	char *fields[32];
	unsigned n = parse_request(r, fields, 32);
	uint64_t sum = compute_checksum(fields, n);
	char *resp = render_response(r->id, sum, n);

	if (r->id % 10 == 0)
		wait_for_backend();
	if (resp)
		send_response(resp);
	free(resp);
}

static void *worker(void *arg)
{
	long idx = (long)arg;
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", (int)(idx + 1) % 10);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		struct request r;

		pthread_mutex_lock(&queue.lock);
		while (queue.head == queue.tail && !queue.done)
			pthread_cond_wait(&queue.not_empty, &queue.lock);
		if (queue.head == queue.tail && queue.done) {
			pthread_mutex_unlock(&queue.lock);
			return NULL;
		}
		r = queue.q[queue.head++ % QUEUE_LEN];
		pthread_cond_signal(&queue.not_full);
		pthread_mutex_unlock(&queue.lock);
		handle_request(&r);
		served[idx]++;
	}
}

static void *producer(void *arg)
{
	time_t end = time(NULL) + (long)(intptr_t)arg;
	unsigned id = 0;

	pthread_setname_np(pthread_self(), "acceptor");
	while (time(NULL) < end) {
		struct request r = { .id = ++id };

		snprintf(r.text, sizeof(r.text),
			 "GET /api/items?user=%u&page=%u&sort=name&filter=active&session=%08x", id % 97,
			 id % 13, id * 2654435761u);
		pthread_mutex_lock(&queue.lock);
		while (queue.tail - queue.head == QUEUE_LEN)
			pthread_cond_wait(&queue.not_full, &queue.lock);
		queue.q[queue.tail++ % QUEUE_LEN] = r;
		pthread_cond_signal(&queue.not_empty);
		pthread_mutex_unlock(&queue.lock);
	}
	pthread_mutex_lock(&queue.lock);
	queue.done = 1;
	pthread_cond_broadcast(&queue.not_empty);
	pthread_mutex_unlock(&queue.lock);
	return NULL;
}

int main(int argc, char **argv)
{
	long secs = argc > 1 ? atol(argv[1]) : 3;
	pthread_t prod, work[3];

	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pthread_create(&prod, NULL, producer, (void *)(intptr_t)secs);
	for (long i = 0; i < 3; i++)
		pthread_create(&work[i], NULL, worker, (void *)i);
	pthread_join(prod, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(work[i], NULL);
	printf("demo: served %lu requests\n", served[0] + served[1] + served[2]);
	return 0;
}
