// SPDX-License-Identifier: MIT
/* test_http.c - the HTTP server live on an ephemeral loopback port: headers, Go's error
 * format, every status it chooses, bodies, random bytes, parallel clients, limits, timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_test.h"

static bool has_header(const struct reply *r, const char *line)
{
	const char *end = strstr(r->raw, "\r\n\r\n"), *p = strstr(r->raw, line);

	return p && end && p < end && p[-1] == '\n' && !strncmp(p + strlen(line), "\r\n", 2);
}

static void serves_with_go_style_headers(void **state)
{
	int port;
	struct em_http *s = start(NULL, &port);
	struct reply *r = get(port, "/hello?name=pprof%21");

	(void)state;
	assert_int_equal(r->status, 200);
	assert_true(has_header(r, "Content-Type: text/plain; charset=utf-8"));
	assert_true(has_header(r, "Content-Length: 12"));
	assert_true(has_header(r, "Connection: close"));
	assert_true(has_header(r, "X-Content-Type-Options: nosniff"));
	assert_non_null(strstr(r->raw, "\r\nDate: "));
	assert_int_equal(r->body_len, 12);
	assert_memory_equal(r->body, "hello pprof!", 12);

	free(r);
	r = get(port, "/debug/pprof/goroutine%3Fx");
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "prefix /debug/pprof/goroutine?x");
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

static void unknown_paths_and_errors_use_gos_format(void **state)
{
	int port;
	struct em_http *s = start(NULL, &port);
	struct reply *r = get(port, "/debug/pprof");

	(void)state;
	assert_int_equal(r->status, 404);
	assert_true(has_header(r, "X-Go-Pprof: 1"));
	assert_true(has_header(r, "Content-Type: text/plain; charset=utf-8"));
	assert_true(has_header(r, "X-Content-Type-Options: nosniff"));
	assert_string_equal(r->body, "Unknown profile\n");
	free(r);

	r = get(port, "/fail");
	assert_int_equal(r->status, 500);
	assert_true(has_header(r, "X-Go-Pprof: 1"));
	assert_string_equal(r->body, "internal error: Input/output error\n");
	free(r);

	r = get(port, "/disposition");
	assert_int_equal(r->status, 400);
	assert_true(has_header(r, "X-Go-Pprof: 1"));
	assert_null(strstr(r->raw, "Content-Disposition"));
	assert_string_equal(r->body, "profile duration exceeds server's WriteTimeout\n");
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

static void bad_requests_get_their_status(void **state)
{
	static const struct {
		const char *raw;
		int status;
		const char *body;
	} cases[] = {
		{ "GARBAGE\r\n\r\n", 400, "malformed request line\n" },
		{ "PUT /hello HTTP/1.1\r\nHost: t\r\n\r\n", 405, NULL },
		{ "GET /hello HTTP/2.0\r\n\r\n", 505, NULL },
		{ "GET /hello HTTP/1.1\r\n\r\n", 400, "missing Host header\n" },
		{ "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n0\r\n\r\n", 411, NULL },
		{ "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\nxx", 413,
		  "request body too large (limit 1048576 bytes)\n" },
		{ "GET /hello HTTP/1.1\r\nHost: t\r\nExpect: x\r\n\r\n", 417, NULL },
		{ "GET /hello HTTP/1.1\r\nHost: t\r\n", 400, "incomplete request\n" },
		{ "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc", 400,
		  "request body shorter than Content-Length\n" },
	};
	int port;
	struct em_http *s = start(NULL, &port);
	struct reply *r = malloc(sizeof(*r));
	char *big = malloc(20000);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		exchange(port, cases[i].raw, strlen(cases[i].raw), true, r);
		if (r->status != cases[i].status)
			fail_msg("case %zu: got %d, want %d:\n%s", i, r->status, cases[i].status,
				 r->raw);
		assert_true(has_header(r, "X-Go-Pprof: 1"));
		if (cases[i].body)
			assert_string_equal(r->body, cases[i].body);
	}
	exchange(port, "PUT / HTTP/1.0\r\n\r\n", 18, true, r);
	assert_true(has_header(r, "Allow: GET, HEAD, POST"));

	/* 20000 bytes of headers, sent without waiting: 413, and the reply is not lost to a
	 * reset even though the server stopped reading at 8 KiB. */
	strcpy(big, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: ");
	memset(big + strlen(big), 'a', 20000 - strlen(big) - 4);
	memcpy(big + 20000 - 4, "\r\n\r\n", 4);
	exchange(port, big, 20000, false, r);
	assert_int_equal(r->status, 413);
	assert_string_equal(r->body, "request header too large (limit 8192 bytes)\n");

	/* HEAD: the handler's headers and length, no body. */
	exchange(port, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", 33, false, r);
	assert_int_equal(r->status, 200);
	assert_true(has_header(r, "Content-Length: 11"));
	assert_int_equal(r->body_len, 0);
	exchange(port, "HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n", 32, false, r);
	assert_int_equal(r->status, 404);
	assert_int_equal(r->body_len, 0);

	/* Connect and close: nothing sent back, nothing broken. */
	exchange(port, "", 0, true, r);
	assert_int_equal(r->len, 0);
	free(big);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

static void post_bodies_arrive_intact(void **state)
{
	size_t n = EM_HTTP_MAX_BODY, hl;
	char *req = malloc(n + 256), head[256];
	struct reply *r = malloc(sizeof(*r));
	int port, fd;
	struct em_http *s = start(NULL, &port);
	char cont[64] = "";
	double t0;

	(void)state;
	hl = (size_t)snprintf(req, 256, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: a/b\r\n"
				 "Content-Length: %zu\r\n\r\n", n);
	for (size_t i = 0; i < n; i++)
		req[hl + i] = (char)(i * 7 + i / 256);
	exchange(port, req, hl + n, false, r);
	assert_int_equal(r->status, 200);
	assert_true(has_header(r, "Content-Type: a/b"));
	assert_true(has_header(r, "X-Body-Len: 1048576"));
	assert_int_equal(r->body_len, n);
	assert_memory_equal(r->body, req + hl, n);

	/* Expect: 100-continue: the interim response comes before the body is sent. */
	t0 = now_s();
	fd = dial(port);
	assert_true(fd >= 0);
	hl = (size_t)snprintf(head, sizeof(head), "POST /echo HTTP/1.1\r\nHost: t\r\n"
				 "Expect: 100-continue\r\nContent-Length: 3\r\n\r\n");
	assert_int_equal(send(fd, head, hl, 0), (ssize_t)hl);
	assert_int_equal(recv(fd, cont, 25, MSG_WAITALL), 25);
	assert_string_equal(cont, "HTTP/1.1 100 Continue\r\n\r\n");
	assert_int_equal(send(fd, "a\0b", 3, 0), 3);
	read_reply(fd, r, t0);
	close(fd);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->body_len, 3);
	assert_memory_equal(r->body, "a\0b", 3);
	free(req);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

/*
 * A client uploading a too-large body all at once (no Expect) is answered 413 before the body
 * is read. Closing then would reset the connection under the client's send; the server
 * drains instead, so the upload completes and the client reads the 413.
 */
static void oversized_upload_still_reads_413(void **state)
{
	size_t body = 1500000, hl;
	char *req = calloc(1, body + 256);
	struct reply *r = malloc(sizeof(*r));
	int port;
	struct em_http *s = start(NULL, &port);
	int fd = dial(port), sndbuf = 65536;
	double t0 = now_s();

	(void)state;
	assert_true(fd >= 0);
	/* A small send buffer keeps the client sending long after the server has answered. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	hl = (size_t)snprintf(req, 256, "POST /echo HTTP/1.1\r\nHost: t\r\n"
				 "Content-Length: %zu\r\n\r\n", body);
	assert_int_equal(send(fd, req, hl + body, MSG_NOSIGNAL), (ssize_t)(hl + body));
	read_reply(fd, r, t0);
	close(fd);
	assert_int_equal(r->status, 413);
	free(req);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

static void random_bytes_never_break_it(void **state)
{
	static const int allowed[] = { 400, 405, 411, 413, 417, 505 };
	struct reply *r = malloc(sizeof(*r));
	unsigned seed = 12345;
	char junk[12000];
	int port;
	struct em_http *s = start(NULL, &port);

	(void)state;
	for (int i = 0; i < 300; i++) {
		size_t len = 1 + (size_t)rand_r(&seed) % sizeof(junk);
		bool ok = false;

		for (size_t j = 0; j < len; j++)
			junk[j] = (char)rand_r(&seed);
		if (i % 3 == 0)	/* give some a plausible start and line structure */
			memcpy(junk, "GET /x HTTP/1.1\r\n", len < 17 ? len : 17);
		if (i % 5 == 0 && len > 4)
			memcpy(junk + len / 2, "\r\n\r\n", 4);
		exchange(port, junk, len, true, r);
		for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			ok |= r->status == allowed[k];
		if (!ok)
			fail_msg("input %d (%zu bytes): status %d", i, len, r->status);
	}
	free(r);
	r = get(port, "/hello");
	assert_int_equal(r->status, 200);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}

static void slow_handler_does_not_block_others(void **state)
{
	int port;
	struct em_http *s = start(NULL, &port);
	struct bg *slow1 = bg_start(port, "/slow?ms=1500");
	struct reply *fast;

	(void)state;
	wait_for(&in_handler, 1);
	fast = get(port, "/hello");
	assert_int_equal(fast->status, 200);
	assert_true(fast->secs < 0.5);
	assert_int_equal(atomic_load(&in_handler), 1);	/* still sleeping meanwhile */
	pthread_join(slow1->t, NULL);
	assert_int_equal(slow1->r.status, 200);
	assert_true(slow1->r.secs > 1.4);
	assert_int_equal(atomic_load(&sleep_result), 0);
	free(fast);
	free(slow1);
	assert_int_equal(em_http__stop(s), 0);
}

static void over_the_limit_gets_503_at_once(void **state)
{
	struct em_http_opts o = { .max_conns = 2 };
	int port;
	struct em_http *s = start(&o, &port);
	struct bg *a = bg_start(port, "/slow?ms=1500"), *b = bg_start(port, "/slow?ms=1500");
	struct reply *r;

	(void)state;
	wait_for(&in_handler, 2);
	r = get(port, "/hello");
	assert_int_equal(r->status, 503);
	assert_true(r->secs < 0.5);
	assert_true(has_header(r, "X-Go-Pprof: 1"));
	assert_true(has_header(r, "Retry-After: 1"));
	assert_string_equal(r->body, "too many connections\n");
	free(r);
	pthread_join(a->t, NULL);
	pthread_join(b->t, NULL);
	assert_int_equal(a->r.status, 200);
	assert_int_equal(b->r.status, 200);
	r = get(port, "/hello");	/* slots come back */
	assert_int_equal(r->status, 200);
	free(r);
	free(a);
	free(b);
	assert_int_equal(em_http__stop(s), 0);
}

static void slow_clients_time_out(void **state)
{
	struct em_http_opts o = { .io_timeout_ms = 300 };
	struct reply *r = malloc(sizeof(*r));
	int port;
	struct em_http *s = start(&o, &port);

	(void)state;
	exchange(port, "GET /hello HT", 13, false, r);
	assert_int_equal(r->status, 408);
	assert_true(r->secs > 0.25 && r->secs < 2.0);
	exchange(port, "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nab", 44, false, r);
	assert_int_equal(r->status, 408);
	free(r);
	assert_int_equal(em_http__stop(s), 0);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serves_with_go_style_headers),
		cmocka_unit_test(unknown_paths_and_errors_use_gos_format),
		cmocka_unit_test(bad_requests_get_their_status),
		cmocka_unit_test(post_bodies_arrive_intact),
		cmocka_unit_test(oversized_upload_still_reads_413),
		cmocka_unit_test(random_bytes_never_break_it),
		cmocka_unit_test(slow_handler_does_not_block_others),
		cmocka_unit_test(over_the_limit_gets_503_at_once),
		cmocka_unit_test(slow_clients_time_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
