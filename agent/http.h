/* SPDX-License-Identifier: MIT */
/*
 * http.h - the agent's small HTTP/1.1 server, for Go-style /debug/pprof/... endpoints.
 *
 * One accept thread, plus one detached thread per connection, at most max_conns at once (the
 * next client gets 503 at once from the accept thread). One request per connection, always
 * answered with "Connection: close": go tool pprof and Grafana Alloy open a connection per
 * request anyway. A handler runs on its connection's thread and may block as long as it needs
 * (a 30 s CPU profile) without holding up other clients, the accept thread or any thread of
 * the application. Every status the server chooses itself uses Go's pprof error format, so
 * `go tool pprof` prints the reason. docs/agent-http.md lists limits and status codes.
 *
 * Ownership: routes, ctx and opts' functions must stay valid until em_http__stop() returns 0
 * (or, after -EBUSY, until the last handler has returned). Request fields are owned by the
 * server and valid during the handler call; a response body is owned by the server once
 * set through the em_http_resp_*() helpers.
 *
 * Thread safety: em_http__start/stop/forget are called by one controlling thread, never from
 * a handler. Handlers run concurrently, one per connection; the helpers below touch only
 * their own req/resp. Nothing in this module is async-signal-safe: it allocates, locks and
 * blocks.
 */
#ifndef EMBER_AGENT_HTTP_H
#define EMBER_AGENT_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EM_HTTP_MAX_HEAD	  8192		/* request line + headers; larger: 413 */
#define EM_HTTP_MAX_BODY	  (1 << 20)	/* Content-Length above this: 413 */
#define EM_HTTP_MAX_CONNS	  16		/* default: connections served at once */
#define EM_HTTP_IO_TIMEOUT_MS	  10000		/* default: see struct em_http_opts */
#define EM_HTTP_STOP_TIMEOUT_MS	  2000		/* default: em_http__stop()'s wait */
#define EM_HTTP_MAX_CTYPE	  128
#define EM_HTTP_MAX_EXTRA_HEADERS 512		/* bytes of extra response header lines */

enum em_http_method {
	EM_HTTP_GET = 1,
	EM_HTTP_HEAD,	/* served by the same handler; the server drops the body */
	EM_HTTP_POST,
};

struct em_http_conn;

/* A request as a handler sees it. All strings are NUL-terminated; none is NULL. */
struct em_http_req {
	enum em_http_method method;
	const char *method_name;	/* "GET", "HEAD" or "POST" */
	int version_minor;		/* 0 for HTTP/1.0, 1 for HTTP/1.1 */
	const char *path;		/* percent-decoded, starts with '/', never contains NUL */
	const char *query;		/* raw text after '?', not decoded; "" when none */
	const char *content_type;	/* the Content-Type header, "" when absent */
	const char *body;		/* body_len bytes (may contain NULs) + a NUL; "" when none */
	size_t body_len;
	struct em_http_conn *conn;	/* the server's; NULL when a test calls a handler directly */
};

/*
 * A response, zero-initialised by the server before the handler runs. Fill it through the
 * helpers, which validate what ends up on the wire; status 0 means 200, an empty
 * content_type means application/octet-stream. The server adds Date, Content-Length,
 * X-Content-Type-Options: nosniff and Connection: close itself.
 */
struct em_http_resp {
	int status;
	char content_type[EM_HTTP_MAX_CTYPE];
	char headers[EM_HTTP_MAX_EXTRA_HEADERS];	/* "Name: value\r\n" lines */
	size_t headers_len;
	void *body;					/* malloc'd; the server frees it */
	size_t body_len;
};

/*
 * A route: the first entry whose path equals the request path (or, with prefix, starts it)
 * gets the request. The table ends with a NULL path. fn returns 0 to send *resp, or a
 * negative errno to have the server send 500 "internal error: <strerror>" instead (whatever
 * it put in resp is freed). Paths matching no route get 404 "Unknown profile".
 */
struct em_http_route {
	const char *path;
	bool prefix;
	int (*fn)(void *ctx, const struct em_http_req *req, struct em_http_resp *resp);
};

struct em_http_opts {
	/*
	 * Creates every server thread (default: pthread_create). The agent interposes
	 * pthread_create to track the application's threads; a plain call from inside
	 * libember.so would bind to that interposer, so the agent passes the real one here.
	 * Threads are created detached (connections) or joinable (the accept thread) through
	 * the attr argument, with every signal blocked.
	 */
	int (*create_thread)(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			     void *arg);
	/* Called first thing on every server thread: the agent marks the thread as its own
	 * (no CPU samples, no allocation records). May be NULL. */
	void (*on_thread_start)(void);
	/* Called with each descriptor the server keeps (the listening socket, the stop
	 * eventfd, each accepted connection); returns the descriptor to use instead, or fd
	 * itself. The agent moves them to high numbers and guards them from the
	 * application's close() and dup2(). May be NULL. */
	int (*adopt_fd)(int fd);
	unsigned max_conns;		/* 0: EM_HTTP_MAX_CONNS */
	/* 0: EM_HTTP_IO_TIMEOUT_MS. The whole request head must arrive within it, then the
	 * body within as much again; a response must make progress at least that often and
	 * be sent within 6 times that. */
	unsigned io_timeout_ms;
	unsigned stop_timeout_ms;	/* 0: EM_HTTP_STOP_TIMEOUT_MS */
};

struct em_http;

/*
 * em_http__start() - listen on addr and serve routes with ctx.
 * addr is "HOST:PORT": an IPv4 address, "localhost" (127.0.0.1; names are never resolved),
 * "[IPv6]", "0.0.0.0" or "[::]" (all interfaces; [::] also takes IPv4), or an empty host
 * (":6060") for 127.0.0.1. Port 0 picks a free port (see em_http__port()). opts may be NULL.
 * Returns the running server, or NULL with errno set and a one-line reason in err, e.g.
 * "127.0.0.1:6060: Address already in use".
 */
struct em_http *em_http__start(const char *addr, const struct em_http_route *routes, void *ctx,
			       const struct em_http_opts *opts, char *err, size_t err_len);

/* The port the server listens on (useful after port 0). */
int em_http__port(const struct em_http *s);

/*
 * em_http__stop() - stop accepting (the port is free when this returns), wake handlers
 * waiting in em_http_sleep() and requests still being read or written, and wait up to
 * stop_timeout_ms for connection threads to finish. Never hangs. NULL-safe.
 * Returns 0 when every connection has finished, or -EBUSY when handlers are still running:
 * they keep the server's memory alive and finish on their own, and ctx must stay valid
 * until they have.
 */
int em_http__stop(struct em_http *s);

/*
 * em_http__forget() - in a forked child only: close the listening socket and the sockets of
 * connections in flight that the child inherited, and free the server, without touching
 * threads (the child has none of the server's) or locks (which may have been held at fork
 * time). A connection's own memory stays allocated in the child: its thread owned it.
 * Call it from a pthread_atfork child handler; the parent's server is unaffected. NULL-safe.
 */
void em_http__forget(struct em_http *s);

/*
 * em_http_sleep() - sleep ms milliseconds inside a handler, as Go's pprof handlers do with
 * the request's context. Returns 0 after the full time, -ECANCELED as soon as the server is
 * stopping, or -ECONNRESET as soon as the client has closed its side (pprof gave up; like
 * Go, a client that half-closes after its request counts as gone). ms == 0 just checks.
 * Without a server (req->conn == NULL) it simply sleeps.
 */
int em_http_sleep(const struct em_http_req *req, unsigned ms);

/*
 * em_http_query_get() - the first value of key in the query string, decoded like Go's
 * url.ParseQuery ('+' is a space, %XX; pairs with bad escapes or ';' are skipped), into buf,
 * NUL-terminated. Returns the value's length (it may contain NULs), -ENOENT when key is absent
 * (buf untouched, so it can hold a default), or -ENOSPC when the value does not fit (buf
 * holds a prefix).
 */
int em_http_query_get(const struct em_http_req *req, const char *key, char *buf, size_t len);

/*
 * em_http_query_int() - an integer parameter with Go's pprof rule: *out = dflt when the key
 * is missing, not a decimal integer (strconv.ParseInt), or <= 0. Otherwise returns 0 with
 * *out = the value when it is in [min, max], or -ERANGE with *out clamped into [min, max];
 * the handler decides whether that is a 400 (Go: "profile duration exceeds ...").
 */
int em_http_query_int(const struct em_http_req *req, const char *key, int64_t dflt, int64_t min,
		      int64_t max, int64_t *out);

/*
 * Response helpers. Each replaces what it sets (the body is freed first) and returns 0, or
 * -EINVAL for a value that would break the response (CR/LF, a header the server owns:
 * Content-Length, Content-Type, Connection, Transfer-Encoding, Date), -ENOSPC when the extra
 * headers are full, or -ENOMEM.
 */
int em_http_resp_header(struct em_http_resp *resp, const char *name, const char *value);
/* A copy of data, len bytes, with content_type (NULL: application/octet-stream). */
int em_http_resp_bytes(struct em_http_resp *resp, const char *content_type, const void *data,
		       size_t len);
/* As em_http_resp_bytes() but takes buf (malloc'd) without copying; frees it on error. */
int em_http_resp_take(struct em_http_resp *resp, const char *content_type, void *buf,
		      size_t len);
/* status and a printf-formatted text/plain; charset=utf-8 body. */
int em_http_resp_text(struct em_http_resp *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Go's pprof serveError(): status, text/plain; charset=utf-8, X-Go-Pprof: 1, body msg + "\n",
 * and every extra header set before dropped (Go drops Content-Disposition).
 */
int em_http_resp_error(struct em_http_resp *resp, int status, const char *msg);
/* Frees the body and clears resp. NULL-safe. The server calls it after sending. */
void em_http_resp_reset(struct em_http_resp *resp);

#endif
