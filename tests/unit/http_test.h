/* SPDX-License-Identifier: MIT */
/*
 * http_test.h - shared by test_http.c and test_http_life.c: the handlers and routes of the
 * test server, and a tiny blocking client that sends raw bytes and reads the reply to EOF.
 * Include after cmocka.h. Handlers never call cmocka asserts (they run off the test thread):
 * a wrong ctx becomes a 500 the test then sees.
 */
#ifndef EMBER_TESTS_HTTP_TEST_H
#define EMBER_TESTS_HTTP_TEST_H

#include "../../agent/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- handlers ------------------------------------------------------------------------ */

static atomic_int in_handler;		/* handlers currently running */
static atomic_int sleep_result = 1;	/* what em_http_sleep() returned in /slow */
static atomic_int release_block;
static atomic_int block_done;
static __thread int marked;		/* set by on_thread_start */

static int hello(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	char name[32] = "world";

	if (ctx != &in_handler)
		return -EINVAL;	/* no cmocka asserts off the test's thread */
	em_http_query_get(req, "name", name, sizeof(name));
	return em_http_resp_text(resp, 200, "hello %s", name);
}

static int echo(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	char len[32];

	(void)ctx;
	snprintf(len, sizeof(len), "%zu", req->body_len);
	em_http_resp_header(resp, "X-Body-Len", len);
	em_http_resp_header(resp, "X-Method", req->method_name);
	return em_http_resp_bytes(resp, req->content_type, req->body, req->body_len);
}

static int slow(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	int64_t ms;
	int r;

	(void)ctx;
	em_http_query_int(req, "ms", 1000, 1, 60000, &ms);
	atomic_fetch_add(&in_handler, 1);
	r = em_http_sleep(req, (unsigned)ms);
	atomic_store(&sleep_result, r);
	atomic_fetch_sub(&in_handler, 1);
	if (r)
		return em_http_resp_error(resp, 500, "cancelled");
	return em_http_resp_text(resp, 200, "slept %lld", (long long)ms);
}

/* Blocks without em_http_sleep(), so stop cannot wake it. */
static int block(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	(void)ctx;
	(void)req;
	atomic_fetch_add(&in_handler, 1);
	while (!atomic_load(&release_block))
		usleep(10000);
	atomic_fetch_sub(&in_handler, 1);
	atomic_store(&block_done, 1);
	return em_http_resp_text(resp, 200, "released");
}

static int failing(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	(void)ctx;
	(void)req;
	em_http_resp_text(resp, 200, "this body is dropped");
	return -EIO;
}

static int disposition(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	(void)ctx;
	(void)req;
	em_http_resp_header(resp, "Content-Disposition", "attachment; filename=\"profile\"");
	return em_http_resp_error(resp, 400, "profile duration exceeds server's WriteTimeout");
}

static int show_sigmask(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	sigset_t cur;

	(void)ctx;
	(void)req;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	return em_http_resp_text(resp, 200, "marked=%d prof=%d term=%d int=%d", marked,
				 sigismember(&cur, SIGPROF), sigismember(&cur, SIGTERM),
				 sigismember(&cur, SIGINT));
}

static int prefixed(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	(void)ctx;
	return em_http_resp_text(resp, 200, "prefix %s", req->path);
}

static const struct em_http_route routes[] = {
	{ "/hello", false, hello },
	{ "/echo", false, echo },
	{ "/slow", false, slow },
	{ "/block", false, block },
	{ "/fail", false, failing },
	{ "/disposition", false, disposition },
	{ "/sigmask", false, show_sigmask },
	{ "/debug/pprof/", true, prefixed },
	{ NULL, false, NULL },
};

/* ---- a tiny client ------------------------------------------------------------------- */

struct reply {
	char raw[1 << 21];
	size_t len;
	int status;
	const char *body;	/* after the blank line, or "" */
	size_t body_len;
	double secs;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A connected socket, or -1. The helpers up to try_exchange() assert nothing, so background
 * client threads can use them. */
static int dial(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void read_reply(int fd, struct reply *r, double t0)
{
	ssize_t n;
	char *sep;

	r->len = 0;
	while (r->len < sizeof(r->raw) - 1 &&
	       (n = recv(fd, r->raw + r->len, sizeof(r->raw) - 1 - r->len, 0)) > 0)
		r->len += (size_t)n;
	r->raw[r->len] = '\0';
	r->secs = now_s() - t0;
	r->status = 0;
	sscanf(r->raw, "HTTP/1.1 %d ", &r->status);
	sep = strstr(r->raw, "\r\n\r\n");
	r->body = sep ? sep + 4 : "";
	r->body_len = sep ? r->len - (size_t)(sep + 4 - r->raw) : 0;
}

/* Sends raw (len bytes), optionally half-closes, reads the reply to EOF. 0 or -1. */
static int try_exchange(int port, const void *raw, size_t len, bool shut, struct reply *r)
{
	double t0 = now_s();
	int fd = dial(port);

	r->status = 0;
	if (fd < 0)
		return -1;
	if (len && send(fd, raw, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	if (shut)
		shutdown(fd, SHUT_WR);
	read_reply(fd, r, t0);
	close(fd);
	return 0;
}

static void exchange(int port, const void *raw, size_t len, bool shut, struct reply *r)
{
	assert_int_equal(try_exchange(port, raw, len, shut, r), 0);
}

static struct reply *get(int port, const char *path)
{
	struct reply *r = malloc(sizeof(*r));
	char req[512];

	assert_non_null(r);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
	exchange(port, req, strlen(req), false, r);
	return r;
}

static struct em_http *start(const struct em_http_opts *opts, int *port)
{
	char err[256] = "";
	struct em_http *s = em_http__start("127.0.0.1:0", routes, &in_handler, opts, err,
					   sizeof(err));

	if (!s)
		fail_msg("start: %s", err);
	*port = em_http__port(s);
	assert_true(*port > 0);
	return s;
}

static void wait_for(atomic_int *v, int want)
{
	for (int i = 0; i < 500 && atomic_load(v) != want; i++)
		usleep(10000);
	assert_int_equal(atomic_load(v), want);
}

struct bg {
	pthread_t t;
	int port;
	char path[64];
	struct reply r;
};

static void *bg_get(void *arg)
{
	struct bg *b = arg;
	char req[128];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", b->path);
	try_exchange(b->port, req, strlen(req), false, &b->r);	/* status 0 on failure */
	return NULL;
}

static struct bg *bg_start(int port, const char *path)
{
	struct bg *b = calloc(1, sizeof(*b));

	b->port = port;
	snprintf(b->path, sizeof(b->path), "%s", path);
	pthread_create(&b->t, NULL, bg_get, b);
	return b;
}

#endif
