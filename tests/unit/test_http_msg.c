// SPDX-License-Identifier: MIT
/* test_http_msg.c - the HTTP server's pure parts: request heads, escapes, queries, addresses,
 * response helpers and heads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../agent/http.h"
#include "../../agent/http_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf[16384];
static struct em_http_head h;
static const char *why;

/* Parses raw as the server does: the head is what em_http_head_len() finds (or all of it). */
static int parse(const char *raw)
{
	size_t len = strlen(raw), hlen;

	assert_true(len < sizeof(buf));
	memcpy(buf, raw, len + 1);
	hlen = em_http_head_len(buf, len);
	why = NULL;
	return em_http_parse_head(buf, hlen ? hlen : len, &h, &why);
}

static void parses_a_pprof_request(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /debug/pprof/profile?seconds=5 HTTP/1.1\r\n"
			       "Host: 127.0.0.1:6060\r\nUser-Agent: Go-http-client/1.1\r\n"
			       "Accept-Encoding: gzip\r\n\r\n"), 0);
	assert_int_equal(h.method, EM_HTTP_GET);
	assert_string_equal(h.method_name, "GET");
	assert_int_equal(h.version_minor, 1);
	assert_string_equal(h.path, "/debug/pprof/profile");
	assert_string_equal(h.query, "seconds=5");
	assert_string_equal(h.host, "127.0.0.1:6060");
	assert_int_equal(h.content_length, -1);
	assert_string_equal(h.content_type, "");
	assert_false(h.expect_continue);
}

static void parses_post_lf_lines_ows_and_case(void **state)
{
	(void)state;
	/* Leading empty lines, bare LF line ends, odd header case, spaces and tabs around
	 * values, an HTTP/1.0 request without Host. */
	assert_int_equal(parse("\r\n\nPOST /debug/pprof/symbol HTTP/1.0\n"
			       "content-LENGTH:\t 17 \t\ncontent-type: application/octet-stream\n"
			       "X-Empty:\nExpect: 100-Continue\n\n0x401000+0x401100"), 0);
	assert_int_equal(h.method, EM_HTTP_POST);
	assert_int_equal(h.version_minor, 0);
	assert_null(h.host);
	assert_int_equal(h.content_length, 17);
	assert_string_equal(h.content_type, "application/octet-stream");
	assert_true(h.expect_continue);
	assert_string_equal(h.query, "");
	/* The body after the head is left alone. */
	assert_int_equal(em_http_head_len("POST / HTTP/1.0\n\nbody", 21), 17);

	assert_int_equal(parse("HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
			       "Content-Length: 0\r\n\r\n"), 0);
	assert_int_equal(h.method, EM_HTTP_HEAD);
	assert_int_equal(h.content_length, 0);
}

static void decodes_paths_and_absolute_targets(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /debug/pprof/%70rofile%3Fx?a=%41+b HTTP/1.1\r\nHost: h\r\n\r\n"),
			 0);
	assert_string_equal(h.path, "/debug/pprof/profile?x");
	assert_string_equal(h.query, "a=%41+b");	/* raw */
	assert_int_equal(parse("GET /a+b%2fc HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(h.path, "/a+b/c");
	assert_int_equal(parse("GET http://127.0.0.1:6060/debug/pprof/heap?gc=1 HTTP/1.1\r\n"
			       "Host: h\r\n\r\n"), 0);
	assert_string_equal(h.path, "/debug/pprof/heap");
	assert_string_equal(h.query, "gc=1");
	assert_int_equal(parse("GET HTTP://host HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(h.path, "/");
	assert_int_equal(parse("GET http://host?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	assert_string_equal(h.path, "/");
	assert_string_equal(h.query, "q=1");
}

static void malformed_requests_get_400(void **state)
{
	static const char *const bad[] = {
		"\r\n\r\n",
		"GET\r\n\r\n",
		"GET /\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1 x\r\nHost: h\r\n\r\n",
		"GET / http/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.10\r\nHost: h\r\n\r\n",
		"GET / HTTP/a.b\r\nHost: h\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET x HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET * HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /% HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
		"GET / HTTP/1.1\r\n: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
		"Transfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n",		/* no blank line */
		"\x16\x03\x01\x02\x01\x01\xfc\x03\x03\n\n",	/* a TLS hello */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = parse(bad[i]);

		if (status != 400)
			fail_msg("case %zu: status %d, want 400", i, status);
		assert_non_null(why);
	}
}

static void unsupported_requests_get_their_status(void **state)
{
	static const struct {
		const char *raw;
		int status;
	} cases[] = {
		{ "PUT / HTTP/1.1\r\nHost: h\r\n\r\n", 405 },
		{ "get / HTTP/1.1\r\nHost: h\r\n\r\n", 405 },
		{ "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
		{ "BREW / HTTP/1.0\r\n\r\n", 405 },
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
		{ "GET / HTTP/0.9\r\n\r\n", 505 },
		{ "PUT / HTTP/2.0\r\n\r\n", 505 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 411 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 411 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n", 413 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		  413 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048576\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n", 417 },
		{ "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = parse(cases[i].raw);

		if (status != cases[i].status)
			fail_msg("case %zu: status %d, want %d", i, status, cases[i].status);
	}
}

static void finds_the_end_of_the_head(void **state)
{
	(void)state;
	assert_int_equal(em_http_head_len("", 0), 0);
	assert_int_equal(em_http_head_len("GET / HTTP/1.1\r\n", 16), 0);
	assert_int_equal(em_http_head_len("GET / HTTP/1.1\r\n\r", 17), 0);
	assert_int_equal(em_http_head_len("GET / HTTP/1.1\r\n\r\n", 18), 18);
	assert_int_equal(em_http_head_len("GET / HTTP/1.1\n\n", 16), 16);
	assert_int_equal(em_http_head_len("GET / HTTP/1.1\r\nA: b\r\n\r\nxx", 26), 24);
	/* Empty lines before the request line do not end it. */
	assert_int_equal(em_http_head_len("\r\n\r\n", 4), 0);
	assert_int_equal(em_http_head_len("\r\n\r\nGET / HTTP/1.0\n\n", 20), 20);
	/* Never reads past len. */
	assert_int_equal(em_http_head_len("GET / HTTP/1.1\n\n", 15), 0);
}

static void unescapes_with_bounds(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(em_http_unescape(out, sizeof(out), "a%20b+c", 7, true), 5);
	assert_string_equal(out, "a b c");
	assert_int_equal(em_http_unescape(out, sizeof(out), "a%20b+c", 7, false), 5);
	assert_string_equal(out, "a b+c");
	assert_int_equal(em_http_unescape(out, sizeof(out), "%41%4a%4A", 9, false), 3);
	assert_string_equal(out, "AJJ");
	assert_int_equal(em_http_unescape(out, sizeof(out), "%00x", 4, false), 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 'x');
	assert_int_equal(em_http_unescape(out, sizeof(out), "%", 1, false), -EINVAL);
	assert_int_equal(em_http_unescape(out, sizeof(out), "%4", 2, false), -EINVAL);
	assert_int_equal(em_http_unescape(out, sizeof(out), "%g1", 3, false), -EINVAL);
	/* src_len is respected even when the escape would continue past it. */
	assert_int_equal(em_http_unescape(out, sizeof(out), "%41", 2, false), -EINVAL);
	assert_int_equal(em_http_unescape(out, sizeof(out), "abcdefghij", 10, false), -ENOSPC);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(em_http_unescape(out, sizeof(out), "abcdefghij%", 11, false), -EINVAL);
	assert_int_equal(em_http_unescape(out, 0, "ab", 2, false), -ENOSPC);
	assert_int_equal(em_http_unescape(out, sizeof(out), "", 0, false), 0);
	assert_string_equal(out, "");
}

static int qget(const char *query, const char *key, char *out, size_t len)
{
	struct em_http_req req = { .query = query };

	return em_http_query_get(&req, key, out, len);
}

static void query_get_follows_go(void **state)
{
	char v[16];

	(void)state;
	assert_int_equal(qget("seconds=5&debug=1", "debug", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
	assert_int_equal(qget("a=1&a=2", "a", v, sizeof(v)), 1);
	assert_string_equal(v, "1");				/* the first value wins */
	assert_int_equal(qget("x=a+b%21", "x", v, sizeof(v)), 4);
	assert_string_equal(v, "a b!");
	assert_int_equal(qget("%73econds=7", "seconds", v, sizeof(v)), 1);
	assert_string_equal(v, "7");
	assert_int_equal(qget("flag&b=2", "flag", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(qget("k=", "k", v, sizeof(v)), 0);
	assert_int_equal(qget("", "k", v, sizeof(v)), -ENOENT);
	assert_int_equal(qget("&&k2=1&", "k", v, sizeof(v)), -ENOENT);
	strcpy(v, "default");
	assert_int_equal(qget("kk=1", "k", v, sizeof(v)), -ENOENT);
	assert_string_equal(v, "default");	/* untouched */
	/* A pair Go cannot decode is skipped, and so is one with ';'. */
	assert_int_equal(qget("k=%zz&k=2", "k", v, sizeof(v)), 1);
	assert_string_equal(v, "2");
	assert_int_equal(qget("k=1;x=2", "k", v, sizeof(v)), -ENOENT);
	assert_int_equal(qget("k=0123456789abcdefXYZ", "k", v, sizeof(v)), -ENOSPC);
	assert_int_equal(strlen(v), sizeof(v) - 1);
	assert_int_equal(qget("k=%00", "k", v, sizeof(v)), 1);	/* length says it all */
}

static int64_t qint(const char *query, int *ret)
{
	struct em_http_req req = { .query = query };
	int64_t out = -12345;

	*ret = em_http_query_int(&req, "seconds", 30, 1, 60, &out);
	return out;
}

static void query_int_uses_gos_seconds_rule(void **state)
{
	static const struct {
		const char *query;
		int64_t want;
		int ret;
	} cases[] = {
		{ "", 30, 0 },				/* missing */
		{ "seconds=", 30, 0 },
		{ "seconds=0", 30, 0 },			/* <= 0 */
		{ "seconds=-5", 30, 0 },
		{ "seconds=abc", 30, 0 },		/* not a number */
		{ "seconds=5s", 30, 0 },
		{ "seconds=1.5", 30, 0 },
		{ "seconds=+5", 30, 0 },		/* '+' is a space in a query */
		{ "seconds=%2B5", 5, 0 },		/* ParseInt accepts a '+' sign */
		{ "seconds=%205", 30, 0 },
		{ "seconds=99999999999999999999", 30, 0 },	/* overflow */
		{ "seconds=9223372036854775807", 60, -ERANGE },
		{ "seconds=7", 7, 0 },
		{ "seconds=007", 7, 0 },
		{ "seconds=60", 60, 0 },
		{ "seconds=61", 60, -ERANGE },		/* clamped; the handler chooses */
		{ "x=1&seconds=2", 2, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;
		int64_t got = qint(cases[i].query, &ret);

		if (got != cases[i].want || ret != cases[i].ret)
			fail_msg("'%s': got %lld (%d), want %lld (%d)", cases[i].query,
				 (long long)got, ret, (long long)cases[i].want, cases[i].ret);
	}
}

static void parses_listen_addresses(void **state)
{
	static const struct {
		const char *addr;
		int family;
		const char *ip;
		int port;
	} good[] = {
		{ "127.0.0.1:6060", AF_INET, "127.0.0.1", 6060 },
		{ ":6060", AF_INET, "127.0.0.1", 6060 },
		{ "localhost:0", AF_INET, "127.0.0.1", 0 },
		{ "0.0.0.0:65535", AF_INET, "0.0.0.0", 65535 },
		{ "10.1.2.3:80", AF_INET, "10.1.2.3", 80 },
		{ "[::1]:6060", AF_INET6, "::1", 6060 },
		{ "[::]:1", AF_INET6, "::", 1 },
	};
	static const char *const bad[] = {
		"6060", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
		"127.0.0.1:0x10", "127.0.0.1:60 ", "example.com:80", "::1:6060", "[::1:6060",
		"[::1]6060", "[127.0.0.1]:1", "256.0.0.1:1", "[]:1", ":",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
	};
	struct sockaddr_storage ss;
	char err[256], ip[64];
	socklen_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const void *a;
		int port;

		if (em_http_parse_addr(good[i].addr, &ss, &len, err, sizeof(err)))
			fail_msg("%s: %s", good[i].addr, err);
		assert_int_equal(ss.ss_family, good[i].family);
		if (ss.ss_family == AF_INET) {
			a = &((struct sockaddr_in *)&ss)->sin_addr;
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			assert_int_equal(len, sizeof(struct sockaddr_in));
		} else {
			a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			assert_int_equal(len, sizeof(struct sockaddr_in6));
		}
		inet_ntop(ss.ss_family, a, ip, sizeof(ip));
		assert_string_equal(ip, good[i].ip);
		assert_int_equal(port, good[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (em_http_parse_addr(bad[i], &ss, &len, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strchr(err, '\''));	/* the message quotes the address */
	}
	em_http_parse_addr("example.com:80", &ss, &len, err, sizeof(err));
	assert_string_equal(err, "'example.com:80': 'example.com' is not an IP address or "
				 "localhost (host names are not resolved)");
	em_http_parse_addr("::1:80", &ss, &len, err, sizeof(err));
	assert_string_equal(err, "'::1:80': an IPv6 address needs brackets, e.g. [::1]:6060");
}

static void response_helpers_validate_and_own(void **state)
{
	struct em_http_resp r = { 0 };
	char big[600];
	void *owned;

	(void)state;
	assert_int_equal(em_http_resp_header(&r, "Content-Disposition",
					     "attachment; filename=\"profile\""), 0);
	assert_int_equal(em_http_resp_header(&r, "X-Bad", "a\r\nInjected: 1"), -EINVAL);
	assert_int_equal(em_http_resp_header(&r, "X Bad", "v"), -EINVAL);
	assert_int_equal(em_http_resp_header(&r, "content-length", "5"), -EINVAL);
	assert_int_equal(em_http_resp_header(&r, "Connection", "keep-alive"), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(em_http_resp_header(&r, "X-Big", big), -ENOSPC);
	assert_string_equal(r.headers, "Content-Disposition: attachment; filename=\"profile\"\r\n");
	assert_int_equal(r.headers_len, strlen(r.headers));

	assert_int_equal(em_http_resp_bytes(&r, NULL, "a\0b", 3), 0);
	assert_string_equal(r.content_type, "application/octet-stream");
	assert_int_equal(r.body_len, 3);
	assert_memory_equal(r.body, "a\0b", 3);
	assert_int_equal(em_http_resp_bytes(&r, "text/x\r\nEvil: 1", "z", 1), -EINVAL);
	owned = malloc(4);
	assert_int_equal(em_http_resp_take(&r, "text/x\nEvil: 1", owned, 4), -EINVAL);
	owned = strdup("heap");
	assert_int_equal(em_http_resp_take(&r, "application/json", owned, 4), 0);
	assert_ptr_equal(r.body, owned);

	assert_int_equal(em_http_resp_text(&r, 201, "n=%d %s", 42, "ok"), 0);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_int_equal(r.body_len, 7);
	assert_memory_equal(r.body, "n=42 ok", 7);

	/* Go's serveError: the earlier Content-Disposition goes, X-Go-Pprof comes. */
	assert_int_equal(em_http_resp_error(&r, 400, "profile duration exceeds limit"), 0);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_string_equal(r.headers, "X-Go-Pprof: 1\r\n");
	assert_int_equal(r.body_len, strlen("profile duration exceeds limit\n"));
	assert_memory_equal(r.body, "profile duration exceeds limit\n", r.body_len);
	em_http_resp_reset(&r);
	assert_null(r.body);
	assert_int_equal(r.status, 0);
	em_http_resp_reset(NULL);
}

static void formats_response_heads(void **state)
{
	struct em_http_resp r = { 0 };
	char head[EM_HTTP_RESP_HEAD_MAX];
	size_t n;

	(void)state;
	em_http_resp_header(&r, "Content-Disposition", "attachment; filename=\"profile\"");
	n = em_http_format_head(head, sizeof(head), &r, 1234, 784111777);
	assert_int_equal(n, strlen(head));
	assert_string_equal(head, "HTTP/1.1 200 OK\r\n"
				  "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
				  "Content-Type: application/octet-stream\r\n"
				  "Content-Length: 1234\r\n"
				  "X-Content-Type-Options: nosniff\r\n"
				  "Content-Disposition: attachment; filename=\"profile\"\r\n"
				  "Connection: close\r\n\r\n");
	em_http_resp_error(&r, 404, "Unknown profile");
	n = em_http_format_head(head, sizeof(head), &r, r.body_len, -1);
	assert_string_equal(head, "HTTP/1.1 404 Not Found\r\n"
				  "Content-Type: text/plain; charset=utf-8\r\n"
				  "Content-Length: 16\r\n"
				  "X-Content-Type-Options: nosniff\r\n"
				  "X-Go-Pprof: 1\r\n"
				  "Connection: close\r\n\r\n");
	assert_int_equal(em_http_format_head(head, 20, &r, 0, -1), 0);
	assert_string_equal(em_http_reason(413), "Content Too Large");
	assert_string_equal(em_http_reason(503), "Service Unavailable");
	assert_string_equal(em_http_reason(299), "Unknown");
	em_http_resp_reset(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_pprof_request),
		cmocka_unit_test(parses_post_lf_lines_ows_and_case),
		cmocka_unit_test(decodes_paths_and_absolute_targets),
		cmocka_unit_test(malformed_requests_get_400),
		cmocka_unit_test(unsupported_requests_get_their_status),
		cmocka_unit_test(finds_the_end_of_the_head),
		cmocka_unit_test(unescapes_with_bounds),
		cmocka_unit_test(query_get_follows_go),
		cmocka_unit_test(query_int_uses_gos_seconds_rule),
		cmocka_unit_test(parses_listen_addresses),
		cmocka_unit_test(response_helpers_validate_and_own),
		cmocka_unit_test(formats_response_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
