// SPDX-License-Identifier: MIT
/*
 * http.c - the server's sockets and threads: one accept thread, one detached thread per
 * connection, bounded in number, reference-counted so a handler still running after
 * em_http__stop() gave up waiting never touches freed memory.
 *
 * Every wait is a poll() on the socket and on stop_fd (an eventfd that becomes readable when
 * em_http__stop() begins), with a deadline, so no client can hold a thread forever and stop
 * wakes everything that is waiting.
 */
#include "http.h"
#include "http_msg.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINGER_MS	1000		/* draining an unread request before close */
#define LINGER_BYTES	(4 << 20)
#define LISTEN_BACKLOG	64

struct em_http {
	int lfd;
	int stop_fd;			/* eventfd, readable once em_http__stop() has begun */
	int port;
	const struct em_http_route *routes;
	void *ctx;
	struct em_http_opts opts;	/* defaults filled in */
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* signalled when a connection thread ends */
	unsigned nconns;		/* connection threads running */
	unsigned refs;			/* 1 for the owner + 1 per connection thread */
	/*
	 * The socket of each running connection, -1 when free. Only em_http__forget() reads
	 * it, in a forked child, without the lock: a slot is cleared before its fd is closed,
	 * so a stale slot can leak an fd in the child but never close someone else's.
	 */
	atomic_int *conn_fds;
};

struct em_http_conn {
	struct em_http *srv;
	int fd;
	unsigned slot;
	char buf[EM_HTTP_MAX_HEAD];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline. 0 when ready, -ETIMEDOUT, -ECANCELED on stop. */
static int wait_fd(struct em_http *s, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p[2] = { { fd, events, 0 }, { s->stop_fd, POLLIN, 0 } };
		int64_t left = deadline - now_ms();
		int r;

		if (left < 0)
			return -ETIMEDOUT;
		r = poll(p, 2, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (p[1].revents)
			return -ECANCELED;
		if (p[0].revents)
			return 0;
	}
}

/* Bytes read (> 0), 0 at end of stream, or a negative errno. */
static ssize_t recv_some(struct em_http_conn *c, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		int r = wait_fd(c->srv, c->fd, POLLIN, deadline);
		ssize_t n;

		if (r)
			return r;
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

/* Sends all of iov; each wait for room is bounded by io_timeout_ms, the whole by deadline. */
static int send_all(struct em_http_conn *c, struct iovec *iov, int niov, int64_t deadline)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)niov };

	while (msg.msg_iovlen) {
		int64_t stall = now_ms() + c->srv->opts.io_timeout_ms;
		ssize_t n;
		int r;

		/* MSG_NOSIGNAL: a client that went away gives EPIPE, never a SIGPIPE that
		 * would kill the host process. */
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -errno;
			r = wait_fd(c->srv, c->fd, POLLOUT, stall < deadline ? stall : deadline);
			if (r)
				return r;
			continue;
		}
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static void send_resp(struct em_http_conn *c, const struct em_http_resp *resp, bool head_only)
{
	char head[EM_HTTP_RESP_HEAD_MAX];
	struct iovec iov[2];
	size_t n = em_http_format_head(head, sizeof(head), resp, resp->body_len, time(NULL));

	if (!n)
		return;
	iov[0] = (struct iovec){ head, n };
	iov[1] = (struct iovec){ resp->body, head_only ? 0 : resp->body_len };
	send_all(c, iov, iov[1].iov_len ? 2 : 1,
		 now_ms() + 6 * (int64_t)c->srv->opts.io_timeout_ms);
}

static void send_error(struct em_http_conn *c, int status, const char *msg, bool head_only)
{
	struct em_http_resp resp = { 0 };

	em_http_resp_error(&resp, status, msg);
	if (status == 405)
		em_http_resp_header(&resp, "Allow", "GET, HEAD, POST");
	send_resp(c, &resp, head_only);
	em_http_resp_reset(&resp);
}

/*
 * Closing a socket with unread input makes the kernel send a reset, which can destroy the
 * response before the client reads it. When the request was not read to its end, say so
 * with a FIN and swallow what is still coming, briefly (Go and nginx do the same).
 */
static void linger(struct em_http_conn *c)
{
	int64_t deadline = now_ms() + LINGER_MS;
	size_t total = 0;
	ssize_t n;

	shutdown(c->fd, SHUT_WR);
	while (total < LINGER_BYTES && (n = recv_some(c, c->buf, sizeof(c->buf), deadline)) > 0)
		total += (size_t)n;
}

static const struct em_http_route *find_route(const struct em_http_route *r, const char *path)
{
	for (; r->path; r++)
		if (r->prefix ? !strncmp(path, r->path, strlen(r->path)) : !strcmp(path, r->path))
			return r;
	return NULL;
}

static void dispatch(struct em_http_conn *c, struct em_http_req *req)
{
	const struct em_http_route *route = find_route(c->srv->routes, req->path);
	bool head_only = req->method == EM_HTTP_HEAD;
	struct em_http_resp resp = { 0 };
	char msg[128], ebuf[64];
	int r;

	if (!route) {
		send_error(c, 404, "Unknown profile", head_only);
		return;
	}
	r = route->fn(c->srv->ctx, req, &resp);
	if (r < 0 || resp.status < 0 || (resp.status && (resp.status < 200 || resp.status > 599))) {
		snprintf(msg, sizeof(msg), "internal error: %s",
			 r < 0 ? strerror_r(-r, ebuf, sizeof(ebuf)) : "bad status from handler");
		em_http_resp_reset(&resp);
		em_http_resp_error(&resp, 500, msg);
	}
	send_resp(c, &resp, head_only);
	em_http_resp_reset(&resp);
}

/* Reads and answers one request. Returns true when input may be left unread. */
static bool serve(struct em_http_conn *c)
{
	struct em_http *s = c->srv;
	int64_t deadline = now_ms() + s->opts.io_timeout_ms;
	struct em_http_req req = { 0 };
	struct em_http_head h;
	size_t n = 0, hlen = 0, have, cl;
	const char *why;
	char *body = NULL;
	ssize_t r;
	int status;

	while (!hlen) {
		if (n == sizeof(c->buf)) {
			send_error(c, 413, "request header too large (limit 8192 bytes)", false);
			return true;
		}
		r = recv_some(c, c->buf + n, sizeof(c->buf) - n, deadline);
		if (r == 0 && n == 0)
			return false;	/* connected and closed, e.g. a port check */
		if (r == 0 || r == -ETIMEDOUT) {
			send_error(c, r ? 408 : 400, r ? "request timeout" : "incomplete request",
				   false);
			return true;
		}
		if (r < 0)
			return false;	/* stopping, or the connection broke */
		n += (size_t)r;
		hlen = em_http_head_len(c->buf, n);
	}
	status = em_http_parse_head(c->buf, hlen, &h, &why);
	if (status) {
		/* The method is known even for most bad requests; HEAD gets no body. */
		send_error(c, status, why, h.method == EM_HTTP_HEAD);
		return true;
	}

	have = n - hlen;
	cl = h.content_length > 0 ? (size_t)h.content_length : 0;
	body = malloc(cl + 1);
	if (!body) {
		send_error(c, 500, "out of memory", h.method == EM_HTTP_HEAD);
		return true;
	}
	memcpy(body, c->buf + hlen, have < cl ? have : cl);
	if (have < cl && h.expect_continue && h.version_minor >= 1) {
		struct iovec iov = { (void *)"HTTP/1.1 100 Continue\r\n\r\n", 25 };

		send_all(c, &iov, 1, now_ms() + s->opts.io_timeout_ms);
	}
	/* The body gets its own deadline: 1 MiB may take longer than a head. */
	deadline = now_ms() + s->opts.io_timeout_ms;
	while (have < cl) {
		r = recv_some(c, body + have, cl - have, deadline);
		if (r == 0)
			send_error(c, 400, "request body shorter than Content-Length", false);
		else if (r == -ETIMEDOUT)
			send_error(c, 408, "request timeout", false);
		if (r <= 0) {
			free(body);
			return true;
		}
		have += (size_t)r;
	}
	body[cl] = '\0';

	req.method = h.method;
	req.method_name = h.method_name;
	req.version_minor = h.version_minor > 1 ? 1 : h.version_minor;
	req.path = h.path;
	req.query = h.query;
	req.content_type = h.content_type;
	req.body = body;
	req.body_len = cl;
	req.conn = c;
	dispatch(c, &req);
	free(body);
	return n - hlen > cl;	/* pipelined bytes after the request */
}

static void server_free(struct em_http *s);

/* Closes the connection and drops its reference to the server; the last one frees it. */
static void conn_end(struct em_http_conn *c)
{
	struct em_http *s = c->srv;
	bool last;

	atomic_store(&s->conn_fds[c->slot], -1);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&s->lock);
	s->nconns--;
	last = --s->refs == 0;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	if (last)
		server_free(s);
}

static void *conn_main(void *arg)
{
	struct em_http_conn *c = arg;

	if (c->srv->opts.on_thread_start)
		c->srv->opts.on_thread_start();
	pthread_setname_np(pthread_self(), "ember-http-conn");
	if (serve(c))
		linger(c);
	conn_end(c);
	return NULL;
}

/*
 * Over the connection limit, the accept thread answers by itself without ever blocking:
 * whatever part of the request already arrived is read first so close() does not reset the
 * connection, and the short 503 fits in any socket buffer.
 */
static void reject_busy(int fd)
{
	struct em_http_resp resp = { 0 };
	static const char msg[] = "too many connections\n";
	char head[EM_HTTP_RESP_HEAD_MAX], junk[4096];
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	for (int i = 0; i < 16 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	resp.status = 503;
	strcpy(resp.content_type, "text/plain; charset=utf-8");
	em_http_resp_header(&resp, "X-Go-Pprof", "1");
	em_http_resp_header(&resp, "Retry-After", "1");
	iov[0] = (struct iovec){ head, em_http_format_head(head, sizeof(head), &resp,
							  sizeof(msg) - 1, time(NULL)) };
	iov[1] = (struct iovec){ (void *)msg, sizeof(msg) - 1 };
	sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	close(fd);
}

static void start_conn(struct em_http *s, int fd)
{
	struct timeval tv = { s->opts.io_timeout_ms / 1000, s->opts.io_timeout_ms % 1000 * 1000 };
	struct em_http_conn *c = NULL;
	pthread_attr_t attr;
	pthread_t t;
	unsigned slot = 0;
	int r = -1;

	pthread_mutex_lock(&s->lock);
	if (s->nconns < s->opts.max_conns) {
		s->nconns++;
		s->refs++;
		r = 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (r) {
		reject_busy(fd);
		return;
	}
	/* A free slot exists: one is cleared before its thread stops counting in nconns. */
	while (atomic_load(&s->conn_fds[slot]) != -1)
		slot++;
	atomic_store(&s->conn_fds[slot], fd);
	/* Backstops only: every read and write below is already bounded by a poll(). */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	c = malloc(sizeof(*c));
	if (c) {
		*c = (struct em_http_conn){ .srv = s, .fd = fd, .slot = slot };
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = s->opts.create_thread(&t, &attr, conn_main, c);
		pthread_attr_destroy(&attr);
		if (!r)
			return;
		free(c);
	}
	atomic_store(&s->conn_fds[slot], -1);
	pthread_mutex_lock(&s->lock);
	s->nconns--;
	s->refs--;	/* the owner's reference remains: never the last */
	pthread_mutex_unlock(&s->lock);
	reject_busy(fd);
}

static void *accept_main(void *arg)
{
	struct em_http *s = arg;

	if (s->opts.on_thread_start)
		s->opts.on_thread_start();
	pthread_setname_np(pthread_self(), "ember-http");
	for (;;) {
		struct pollfd p[2] = { { s->lfd, POLLIN, 0 }, { s->stop_fd, POLLIN, 0 } };
		struct timespec backoff = { 0, 100000000 };
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				nanosleep(&backoff, NULL);	/* ENOMEM: try again later */
			continue;
		}
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			/* Out of the program's way at once, as the listener: a
			 * connection lives as long as its profile is taken, and a
			 * closefrom() of the program's must not take it (nor the
			 * program's next file its number). */
			if (s->opts.adopt_fd)
				fd = s->opts.adopt_fd(fd);
			start_conn(s, fd);
		} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			/* Out of fds or memory: the connection stays queued and poll() would
			 * report it again at once. Back off instead of spinning. */
			poll(&p[1], 1, 100);
		}
	}
	return NULL;
}

static void server_free(struct em_http *s)
{
	if (!s)
		return;
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
	free(s->conn_fds);
	free(s);
}

static struct em_http *server_new(const struct em_http_route *routes, void *ctx,
				  const struct em_http_opts *opts)
{
	struct em_http *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->lfd = s->stop_fd = -1;
	s->routes = routes;
	s->ctx = ctx;
	s->refs = 1;
	if (opts)
		s->opts = *opts;
	if (!s->opts.create_thread)
		s->opts.create_thread = pthread_create;
	if (!s->opts.max_conns)
		s->opts.max_conns = EM_HTTP_MAX_CONNS;
	if (!s->opts.io_timeout_ms)
		s->opts.io_timeout_ms = EM_HTTP_IO_TIMEOUT_MS;
	if (!s->opts.stop_timeout_ms)
		s->opts.stop_timeout_ms = EM_HTTP_STOP_TIMEOUT_MS;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->changed, &ca);
	pthread_condattr_destroy(&ca);
	s->conn_fds = malloc(s->opts.max_conns * sizeof(*s->conn_fds));
	if (!s->conn_fds) {
		server_free(s);
		return NULL;
	}
	for (unsigned i = 0; i < s->opts.max_conns; i++)
		atomic_init(&s->conn_fds[i], -1);
	return s;
}

static int listen_on(struct em_http *s, const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, zero = 0;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);

	/* Non-blocking: a client that resets between poll() and accept() must not leave the
	 * accept thread blocked where em_http__stop() cannot wake it. */
	s->lfd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd >= 0 && s->opts.adopt_fd)
		s->lfd = s->opts.adopt_fd(s->lfd);
	if (s->lfd < 0)
		return -errno;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr))
		setsockopt(s->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s->lfd, (const struct sockaddr *)ss, len) || listen(s->lfd, LISTEN_BACKLOG) ||
	    getsockname(s->lfd, (struct sockaddr *)&bound, &blen))
		return -errno;
	s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						    : ((struct sockaddr_in *)&bound)->sin_port);
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd >= 0 && s->opts.adopt_fd)
		s->stop_fd = s->opts.adopt_fd(s->stop_fd);
	return s->stop_fd < 0 ? -errno : 0;
}

struct em_http *em_http__start(const char *addr, const struct em_http_route *routes, void *ctx,
			       const struct em_http_opts *opts, char *err, size_t err_len)
{
	struct sockaddr_storage ss;
	sigset_t all, old;
	struct em_http *s;
	char ebuf[64];
	socklen_t len;
	int r;

	if (!addr || !routes) {
		snprintf(err, err_len, "no address or routes");
		errno = EINVAL;
		return NULL;
	}
	if (em_http_parse_addr(addr, &ss, &len, err, err_len)) {
		errno = EINVAL;
		return NULL;
	}
	s = server_new(routes, ctx, opts);
	if (!s) {
		snprintf(err, err_len, "%s: out of memory", addr);
		errno = ENOMEM;
		return NULL;
	}
	r = listen_on(s, &ss, len);
	if (r) {
		snprintf(err, err_len, "%s: %s", addr, strerror_r(-r, ebuf, sizeof(ebuf)));
		goto err_out;
	}
	/*
	 * Server threads run with every signal blocked, inherited from the mask at creation
	 * (the accept thread passes it on to connection threads). The application's handlers
	 * expect to run on its own threads: a process-directed SIGTERM, SIGCHLD or SIGUSR1
	 * delivered here could run a handler against state this thread knows nothing about,
	 * or, in a program that blocks signals everywhere and sigwait()s for them in one
	 * thread, take the default action and kill the process. The profiler's own sampling
	 * signal must not land here either. glibc keeps its internal signals (thread
	 * cancellation, setxid) unblockable, so setuid() in the application still works. The
	 * calling thread's mask is changed only for the duration of the create call.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = s->opts.create_thread(&s->acceptor, NULL, accept_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		snprintf(err, err_len, "%s: cannot start the server thread: %s", addr,
			 strerror_r(r, ebuf, sizeof(ebuf)));
		r = -r;
		goto err_out;
	}
	return s;

err_out:
	server_free(s);
	errno = -r;
	return NULL;
}

int em_http__port(const struct em_http *s)
{
	return s ? s->port : -1;
}

int em_http__stop(struct em_http *s)
{
	uint64_t one = 1;
	struct timespec until;
	unsigned left;
	bool last;

	if (!s)
		return 0;
	/* Cannot block or fail: the counter goes from 0 to 1 once. */
	while (write(s->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(s->acceptor, NULL);
	close(s->lfd);
	s->lfd = -1;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += s->opts.stop_timeout_ms / 1000;
	until.tv_nsec += (long)(s->opts.stop_timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->lock);
	while (s->nconns && pthread_cond_timedwait(&s->changed, &s->lock, &until) != ETIMEDOUT)
		;
	left = s->nconns;
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last)
		server_free(s);
	return left ? -EBUSY : 0;
}

void em_http__forget(struct em_http *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->opts.max_conns; i++) {
		int fd = atomic_exchange(&s->conn_fds[i], -1);

		if (fd >= 0)
			close(fd);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	/* No pthread_*_destroy: the lock may have been held by a thread at fork time. */
	free(s->conn_fds);
	free(s);
}

int em_http_sleep(const struct em_http_req *req, unsigned ms)
{
	struct em_http_conn *c = req->conn;
	int64_t deadline = now_ms() + ms;

	if (!c) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		return 0;
	}
	for (;;) {
		/* POLLRDHUP: the client's FIN, with any pipelined bytes left unread. */
		struct pollfd p[2] = { { c->fd, POLLRDHUP, 0 }, { c->srv->stop_fd, POLLIN, 0 } };
		int64_t left = deadline - now_ms();
		int r;

		r = poll(p, 2, left <= 0 ? 0 : left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && p[1].revents)
			return -ECANCELED;
		if (r > 0 && p[0].revents)
			return -ECONNRESET;
		if (left <= 0)
			return 0;
	}
}
