/* SPDX-License-Identifier: MIT */
/*
 * http_msg.h - the pure parts of the HTTP server, internal to agent/http*.c and its tests:
 * parsing a request head, percent-decoding, parsing a listen address (http_parse.c) and
 * formatting a response head (http_resp.c). No I/O, no threads, no globals: every function
 * is reentrant (none is async-signal-safe).
 */
#ifndef EMBER_AGENT_HTTP_MSG_H
#define EMBER_AGENT_HTTP_MSG_H

#include "http.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* Room for any response head em_http_format_head() writes. */
#define EM_HTTP_RESP_HEAD_MAX (EM_HTTP_MAX_EXTRA_HEADERS + EM_HTTP_MAX_CTYPE + 256)

/* A parsed request head. Strings point into the parsed buffer or are static. */
struct em_http_head {
	enum em_http_method method;
	const char *method_name;
	int version_minor;
	char *path;			/* decoded in place */
	const char *query;
	const char *host;		/* NULL when absent */
	const char *content_type;	/* "" when absent */
	long long content_length;	/* -1 when absent */
	bool expect_continue;		/* Expect: 100-continue */
	char root[2];			/* "/" for an absolute-form target without a path */
};

/*
 * em_http_head_len() - the length of the request head at the start of buf, up to and
 * including the blank line that ends it (CRLF or bare LF line ends; empty lines before the
 * request line are part of it, RFC 9112 §2.2), or 0 while it is incomplete.
 */
size_t em_http_head_len(const char *buf, size_t len);

/*
 * em_http_parse_head() - parse the head buf[0..len) (len from em_http_head_len()) in place,
 * never reading past len. Returns 0 and fills *h, or the HTTP status to answer with *why
 * set to a static one-line reason:
 *   400 malformed request line, target, header, percent-escape, Content-Length; missing or
 *       duplicate Host in HTTP/1.1; both Transfer-Encoding and Content-Length
 *   405 a method other than GET, HEAD, POST        411 Transfer-Encoding (chunked) bodies
 *   413 Content-Length > EM_HTTP_MAX_BODY          417 an Expect other than 100-continue
 *   505 an HTTP major version other than 1
 */
int em_http_parse_head(char *buf, size_t len, struct em_http_head *h, const char **why);

/*
 * em_http_unescape() - percent-decode src[0..src_len) into dst (NUL-terminated; dst may be
 * src). plus_is_space: '+' decodes to ' ' (query strings). Returns the decoded length,
 * -EINVAL for a bad escape, or -ENOSPC when dst is too small (dst then holds a prefix).
 */
ssize_t em_http_unescape(char *dst, size_t dst_len, const char *src, size_t src_len,
			 bool plus_is_space);

/*
 * em_http_parse_addr() - "HOST:PORT" as em_http__start() documents it, into *ss and *len.
 * Returns 0, or -EINVAL with a one-line reason in err.
 */
int em_http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len, char *err,
		       size_t err_len);

/* RFC 9110 token: non-empty, visible ASCII except delimiters (method and header names). */
bool em_http_is_token(const char *s);

/* The reason phrase of a status code ("Not Found"); "Unknown" for codes it does not name. */
const char *em_http_reason(int status);

/*
 * em_http_format_head() - the status line and headers of resp (status 0 is 200) for a body
 * of body_len bytes, dated now (omitted when now < 0). Returns the length written, or 0
 * when buf (at least EM_HTTP_RESP_HEAD_MAX bytes suffice) is too small.
 */
size_t em_http_format_head(char *buf, size_t len, const struct em_http_resp *resp,
			   size_t body_len, time_t now);

#endif
