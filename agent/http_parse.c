// SPDX-License-Identifier: MIT
/*
 * http_parse.c - what the HTTP server reads: request heads, percent-escapes, query strings
 * and listen addresses. Everything here reads untrusted bytes, so every loop is bounded by an
 * explicit length and every malformed input maps to a status code, never to a crash.
 */
#include "http_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 §5.6.2 token characters: visible ASCII except the delimiters. */
static bool is_tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

bool em_http_is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t em_http_unescape(char *dst, size_t dst_len, const char *src, size_t src_len,
			 bool plus_is_space)
{
	size_t r = 0, w = 0;
	bool full = false;

	while (r < src_len) {
		char c = src[r++];

		if (c == '%') {
			int hi = r < src_len ? hexval(src[r]) : -1;
			int lo = r + 1 < src_len ? hexval(src[r + 1]) : -1;

			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			r += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		/* Keep scanning when dst is full, so a bad escape later still says -EINVAL. */
		if (w + 1 < dst_len)
			dst[w++] = c;
		else
			full = true;
	}
	if (dst_len)
		dst[w] = '\0';
	return full ? -ENOSPC : (ssize_t)w;
}

size_t em_http_head_len(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	for (; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The next line of [*p, end), NUL-terminated in place without its CRLF or LF; NULL if none. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));

	if (!nl)
		return NULL;
	*p = nl + 1;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	return line;
}

/* "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3). Returns the major version, -1 if malformed. */
static int parse_version(const char *v, int *minor)
{
	if (strncmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9' || v[8])
		return -1;
	*minor = v[7] - '0';
	return v[5] - '0';
}

/* The request target: origin-form "/p?q" or absolute-form "http://host/p?q". */
static int parse_target(char *t, struct em_http_head *h, const char **why)
{
	char *q;
	ssize_t n;

	for (const char *c = t; *c; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
			*why = "invalid character in request target";
			return 400;
		}
	}
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		char *auth = strstr(t, "://") + 3, *slash = auth + strcspn(auth, "/?");

		if (*slash != '/') {
			/* "http://host" or "http://host?q": the path is "/" (RFC 9112 §3.2.2). */
			h->query = *slash == '?' ? slash + 1 : "";
			strcpy(h->root, "/");
			h->path = h->root;
			return 0;
		}
		t = slash;
	}
	if (t[0] != '/') {
		*why = "request target must start with /";
		return 400;
	}
	q = strchr(t, '?');
	h->query = "";
	if (q) {
		*q = '\0';
		h->query = q + 1;
	}
	n = em_http_unescape(t, strlen(t) + 1, t, strlen(t), false);
	if (n < 0 || strlen(t) != (size_t)n) {
		/* A decoded NUL would silently cut the path a handler sees. */
		*why = "malformed percent-encoding in path";
		return 400;
	}
	h->path = t;
	return 0;
}

static int parse_request_line(char *line, struct em_http_head *h, int *major, const char **why)
{
	char *sp1 = strchr(line, ' '), *sp2, *target;

	*why = "malformed request line";
	if (!sp1)
		return 400;
	*sp1 = '\0';
	target = sp1 + 1;
	sp2 = strchr(target, ' ');
	if (!sp2)
		return 400;
	*sp2 = '\0';
	if (!em_http_is_token(line) || !*target)
		return 400;
	*major = parse_version(sp2 + 1, &h->version_minor);
	if (*major < 0)
		return 400;
	h->method_name = line;
	return parse_target(target, h, why);
}

/* 1*DIGIT, saturated just above the body limit so huge values give 413, not 400. */
static bool parse_length(const char *v, long long *out)
{
	long long n = 0;

	if (!*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (*v - '0');
		if (n > EM_HTTP_MAX_BODY)
			n = EM_HTTP_MAX_BODY + 1LL;
	}
	*out = n;
	return true;
}

struct head_flags {
	bool te;
	bool bad_expect;
};

static int parse_header(char *line, struct em_http_head *h, struct head_flags *f,
			const char **why)
{
	char *colon = strchr(line, ':'), *v, *e;
	long long n;

	*why = "malformed header";
	if (*line == ' ' || *line == '\t') {
		*why = "obsolete header line folding";
		return 400;
	}
	if (!colon)
		return 400;
	*colon = '\0';
	/* A token: this also rejects a space before the colon (RFC 9112 §5.1). */
	if (!em_http_is_token(line))
		return 400;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 ? *c != '\t' : *c == 0x7f)
			return 400;

	if (!strcasecmp(line, "Host")) {
		if (h->host) {
			*why = "duplicate Host header";
			return 400;
		}
		h->host = v;
	} else if (!strcasecmp(line, "Content-Length")) {
		if (!parse_length(v, &n) || (h->content_length >= 0 && n != h->content_length)) {
			*why = "malformed Content-Length";
			return 400;
		}
		h->content_length = n;
	} else if (!strcasecmp(line, "Transfer-Encoding")) {
		f->te = true;
	} else if (!strcasecmp(line, "Content-Type")) {
		h->content_type = v;
	} else if (!strcasecmp(line, "Expect")) {
		if (!strcasecmp(v, "100-continue"))
			h->expect_continue = true;
		else
			f->bad_expect = true;
	}
	return 0;
}

int em_http_parse_head(char *buf, size_t len, struct em_http_head *h, const char **why)
{
	static const struct {
		const char *name;
		enum em_http_method m;
	} methods[] = { { "GET", EM_HTTP_GET }, { "HEAD", EM_HTTP_HEAD }, { "POST", EM_HTTP_POST } };
	struct head_flags f = { 0 };
	char *p = buf, *end = buf + len, *line;
	int major = 0, status;

	memset(h, 0, sizeof(*h));
	h->content_type = "";
	h->content_length = -1;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	line = next_line(&p, end);
	if (!line) {
		*why = "malformed request line";
		return 400;
	}
	status = parse_request_line(line, h, &major, why);
	if (status)
		return status;
	while ((line = next_line(&p, end)) && *line) {
		status = parse_header(line, h, &f, why);
		if (status)
			return status;
	}
	if (!line) {
		*why = "request head does not end with an empty line";
		return 400;
	}

	/* Syntax is fine; now what the server will not do, most fundamental first. */
	if (major != 1) {
		*why = "HTTP version not supported";
		return 505;
	}
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(h->method_name, methods[i].name))
			h->method = methods[i].m;
	if (!h->method) {
		*why = "method not allowed (GET, HEAD or POST)";
		return 405;
	}
	if (h->version_minor >= 1 && !h->host) {
		*why = "missing Host header";	/* RFC 9112 §3.2: a MUST */
		return 400;
	}
	if (f.te && h->content_length >= 0) {
		/* The classic request-smuggling signal (RFC 9112 §6.3): refuse it outright. */
		*why = "both Transfer-Encoding and Content-Length";
		return 400;
	}
	if (f.te) {
		*why = "chunked request bodies are not supported; send Content-Length";
		return 411;
	}
	if (h->content_length > EM_HTTP_MAX_BODY) {
		*why = "request body too large (limit 1048576 bytes)";
		return 413;
	}
	if (f.bad_expect) {
		*why = "only Expect: 100-continue is supported";
		return 417;
	}
	return 0;
}

/* ---- query helpers --------------------------------------------------------------------- */

int em_http_query_get(const struct em_http_req *req, const char *key, char *buf, size_t len)
{
	const char *pair = req->query, *amp;
	char kbuf[256];

	for (; pair; pair = amp ? amp + 1 : NULL) {
		const char *eq;
		size_t plen;
		ssize_t n;

		amp = strchr(pair, '&');
		plen = amp ? (size_t)(amp - pair) : strlen(pair);
		/* Go 1.17+ rejects pairs with ';' (they used to be separators). */
		if (!plen || memchr(pair, ';', plen))
			continue;
		eq = memchr(pair, '=', plen);
		n = em_http_unescape(kbuf, sizeof(kbuf), pair, eq ? (size_t)(eq - pair) : plen,
				     true);
		if (n < 0 || (size_t)n != strlen(key) || memcmp(kbuf, key, (size_t)n))
			continue;
		if (!eq)
			eq = pair + plen - 1;	/* "key" alone: an empty value */
		n = em_http_unescape(buf, len, eq + 1, (size_t)(pair + plen - eq - 1), true);
		if (n == -EINVAL)
			continue;		/* Go skips a pair it cannot decode */
		return (int)n;
	}
	return -ENOENT;		/* buf untouched: it may hold the caller's default */
}

/* strconv.ParseInt(s, 10, 64): optional sign, then digits only, no overflow. */
static bool parse_go_int(const char *s, size_t len, int64_t *out)
{
	bool neg = false;
	uint64_t n = 0, lim;
	size_t i = 0;

	if (len && (s[0] == '+' || s[0] == '-'))
		neg = s[i++] == '-';
	if (i == len)
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (n > (lim - (uint64_t)(s[i] - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - n) : (int64_t)n;
	return true;
}

int em_http_query_int(const struct em_http_req *req, const char *key, int64_t dflt, int64_t min,
		      int64_t max, int64_t *out)
{
	char buf[64];
	int n = em_http_query_get(req, key, buf, sizeof(buf));
	int64_t v;

	*out = dflt;
	if (n < 0 || !parse_go_int(buf, (size_t)n, &v) || v <= 0)
		return 0;
	if (v < min || v > max) {
		*out = v < min ? min : max;
		return -ERANGE;
	}
	*out = v;
	return 0;
}

/* ---- listen addresses -------------------------------------------------------------------- */

int em_http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len, char *err,
		       size_t err_len)
{
	const char *colon = strrchr(addr, ':'), *p;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[64];
	size_t hlen;
	long port = 0;

	memset(ss, 0, sizeof(*ss));
	if (!colon) {
		snprintf(err, err_len, "'%s': not HOST:PORT (e.g. 127.0.0.1:6060)", addr);
		return -EINVAL;
	}
	for (p = colon + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	if (p == colon + 1 || *p || port > 65535) {
		snprintf(err, err_len, "'%s': the port must be a number from 0 to 65535", addr);
		return -EINVAL;
	}
	hlen = (size_t)(colon - addr);
	if (hlen >= sizeof(host)) {
		snprintf(err, err_len, "'%.64s...': host too long", addr);
		return -EINVAL;
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';

	if (!hlen || !strcmp(host, "localhost")) {
		/* Loopback by default: the endpoints expose the process's insides. */
		strcpy(host, "127.0.0.1");
	}
	if (host[0] == '[' && hlen >= 2 && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			*len = sizeof(*in6);
			return 0;
		}
		host[hlen - 1] = ']';
	} else if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (strchr(host, ':') && host[0] != '[')
		snprintf(err, err_len, "'%s': an IPv6 address needs brackets, e.g. [::1]:6060",
			 addr);
	else
		snprintf(err, err_len, "'%s': '%s' is not an IP address or localhost "
			 "(host names are not resolved)", addr, host);
	return -EINVAL;
}
