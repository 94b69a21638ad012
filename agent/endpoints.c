// SPDX-License-Identifier: MIT
/*
 * endpoints.c - the /debug/pprof/... routes the agent serves (EMBER_HTTP),
 * shaped like Go's net/http/pprof so `go tool pprof http://HOST:PORT/...`
 * and Grafana Alloy's pyroscope.scrape work against any preloaded program.
 * The server itself is http.c; this file only answers requests.
 */
#include "agent.h"
#include "endpoints.h"
#include "fdguard.h"
#include "http.h"
#include "log.h"
#include "real.h"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PROFILE_SECONDS 3600
#define MAX_SYMBOL_ADDRS    100000

static struct em_http *server;

static int h_index(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	char page[8192];

	(void)ctx, (void)req;
	snprintf(page, sizeof(page),
		 "<html><head><title>/debug/pprof/</title></head><body>\n"
		 "<h1>ember agent, pid %d</h1>\n"
		 "<p>Profiles (read them with <code>go tool pprof URL</code>):</p>\n"
		 "<table>\n"
		 "<tr><td><a href=\"profile?seconds=30\">profile</a></td>"
		 "<td>CPU profile over the next <code>seconds</code> (default 30)%s</td></tr>\n"
		 "<tr><td><a href=\"heap\">heap</a></td><td>sampled live allocations "
		 "(inuse_space; also alloc_*)%s</td></tr>\n"
		 "<tr><td><a href=\"allocs\">allocs</a></td><td>sampled allocations since start "
		 "(alloc_space)%s</td></tr>\n"
		 "<tr><td><a href=\"syscall?seconds=30\">syscall</a></td><td>time blocked in "
		 "system calls over the next <code>seconds</code>%s</td></tr>\n"
		 "<tr><td><a href=\"cmdline\">cmdline</a></td><td>the program's command line</td></tr>\n"
		 "<tr><td><a href=\"symbol\">symbol</a></td><td>address to function name, for "
		 "pprof</td></tr>\n"
		 "</table>\n"
		 "<p>Agent: %u Hz; %lu CPU, %lu heap and %lu syscall samples; %lu dropped (ring "
		 "full); %lu truncated stacks.</p>\n"
		 "</body></html>\n",
		 (int)getpid(), em_cpu_signal() ? "" : " <b>(CPU profiling is off)</b>",
		 em_cfg.events & EM_EVENT_HEAP ? "" : " <b>(off)</b>",
		 em_cfg.events & EM_EVENT_HEAP ? "" : " <b>(off)</b>",
		 em_cfg.events & EM_EVENT_SYSCALL ? "" : " <b>(off)</b>", em_cfg.hz,
		 atomic_load(&em_stats.cpu_samples), atomic_load(&em_stats.heap_samples),
		 atomic_load(&em_stats.syscall_samples), atomic_load(&em_stats.ring_full),
		 atomic_load(&em_stats.truncated));
	return em_http_resp_bytes(resp, "text/html; charset=utf-8", page, strlen(page));
}

/* Samples of one kind over the next secs seconds, as Go's /profile does. */
static int window(const struct em_http_req *req, struct em_http_resp *resp,
		  enum em_collector_kind kind, int64_t secs, const char *name)
{
	struct em_collector *c = em_writer_window_open(kind);
	char disp[64];
	uint8_t *buf;
	size_t len;
	int rc;

	if (!c)
		return -ENOMEM;
	rc = em_http_sleep(req, (unsigned)secs * 1000);
	if (em_writer_window_close(c, &buf, &len) != 0)
		return -ENOMEM;
	if (rc != 0) {
		free(buf);
		return em_http_resp_error(resp, 503, "profiling stopped early");
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	em_http_resp_header(resp, "Content-Disposition", disp);
	return em_http_resp_take(resp, "application/octet-stream", buf, len);
}

static int h_profile(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	int64_t secs;

	(void)ctx;
	/* Go's rule: missing, zero, negative or not a number means 30. */
	if (em_http_query_int(req, "seconds", 30, 1, MAX_PROFILE_SECONDS, &secs) != 0)
		return em_http_resp_error(resp, 400, "seconds must be at most 3600");
	if (!em_cpu_signal())
		return em_http_resp_error(resp, 500,
					  "Could not enable CPU profiling: CPU sampling is off in "
					  "this process (EMBER_EVENTS, or no free signal)");
	return window(req, resp, EM_COLLECT_CPU, secs, "profile");
}

static int h_syscall(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	int64_t secs;

	(void)ctx;
	if (em_http_query_int(req, "seconds", 30, 1, MAX_PROFILE_SECONDS, &secs) != 0)
		return em_http_resp_error(resp, 400, "seconds must be at most 3600");
	if (!(em_cfg.events & EM_EVENT_SYSCALL))
		return em_http_resp_error(resp, 404,
					  "syscall profiling is off in this process (EMBER_EVENTS)");
	return window(req, resp, EM_COLLECT_SYSCALL, secs, "syscall");
}

static int sleep_for(void *req, unsigned ms)
{
	return em_http_sleep(req, ms);
}

/* Go's /heap and /allocs: the same data, a different default sample type;
 * ?seconds=N gives the change over the next N seconds. */
static int heap(const struct em_http_req *req, struct em_http_resp *resp, const char *name,
		const char *default_type)
{
	char debug[16] = "0", disp[64];
	int64_t secs = 0;
	uint8_t *buf;
	size_t len;
	int err;

	if (!(em_cfg.events & EM_EVENT_HEAP))
		return em_http_resp_error(resp, 404,
					  "heap profiling is off in this process (EMBER_EVENTS)");
	em_http_query_get(req, "debug", debug, sizeof(debug));
	if (strcmp(debug, "0"))
		return em_http_resp_error(resp, 400, "only debug=0 (pprof's format) is served");
	if (em_http_query_get(req, "seconds", disp, sizeof(disp)) >= 0 &&
	    em_http_query_int(req, "seconds", 0, 1, MAX_PROFILE_SECONDS, &secs) != 0)
		return em_http_resp_error(resp, 400, "seconds must be at most 3600");
	err = em_writer_heap(default_type, (int)secs, sleep_for, (void *)req, &buf, &len);
	if (err == -ECANCELED)
		return em_http_resp_error(resp, 503, "profiling stopped early");
	if (err)
		return err;
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s%s\"", name, secs ? "-delta" : "");
	em_http_resp_header(resp, "Content-Disposition", disp);
	return em_http_resp_take(resp, "application/octet-stream", buf, len);
}

static int h_heap(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	(void)ctx;
	return heap(req, resp, "heap", "inuse_space");
}

static int h_allocs(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	(void)ctx;
	return heap(req, resp, "allocs", "alloc_space");
}

static int h_cmdline(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	char buf[65536];
	ssize_t n;
	int fd;

	(void)ctx, (void)req;
	/* Go joins os.Args with NUL bytes: exactly /proc/self/cmdline, minus
	 * its final NUL. */
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -errno;
	if (n > 0 && buf[n - 1] == '\0')
		n--;
	return em_http_resp_bytes(resp, "text/plain; charset=utf-8", buf, (size_t)n);
}

/* pprof's symbolz protocol: addresses as 0x-hex joined by '+', in the raw
 * query (GET) or the body (POST); the answer is "num_symbols: 1" and one
 * "0x<addr> <name>" line per resolved address. */
static int h_symbol(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	const char *in = req->method == EM_HTTP_POST ? req->body : req->query;
	size_t cap = 4096, len = 0, n = 0;
	char *out = malloc(cap);

	(void)ctx;
	if (!out)
		return -ENOMEM;
	len = (size_t)snprintf(out, cap, "num_symbols: 1\n");
	while (*in && n < MAX_SYMBOL_ADDRS) {
		char name[1024], *end;
		uint64_t addr;
		int w;

		while (*in == '+' || *in == ' ' || *in == '\n' || *in == '\r')
			in++;
		if (!*in)
			break;
		errno = 0;
		addr = strtoull(in, &end, 0);
		if (end == in || errno) {
			free(out);
			return em_http_resp_error(resp, 400, "malformed address list");
		}
		in = end;
		n++;
		if (em_writer_symbol_name(addr, name, sizeof(name)) != 0)
			continue;
		if (cap - len < strlen(name) + 40) {
			char *grown = realloc(out, cap * 2 + strlen(name));

			if (!grown) {
				free(out);
				return -ENOMEM;
			}
			out = grown;
			cap = cap * 2 + strlen(name);
		}
		w = snprintf(out + len, cap - len, "0x%" PRIx64 " %s\n", addr, name);
		if (w > 0)
			len += (size_t)w;
	}
	return em_http_resp_take(resp, "text/plain; charset=utf-8", out, len);
}

static const struct em_http_route routes[] = {
	{ "/debug/pprof/", false, h_index },
	{ "/debug/pprof", false, h_index },
	{ "/debug/pprof/profile", false, h_profile },
	{ "/debug/pprof/heap", false, h_heap },
	{ "/debug/pprof/allocs", false, h_allocs },
	{ "/debug/pprof/syscall", false, h_syscall },
	{ "/debug/pprof/cmdline", false, h_cmdline },
	{ "/debug/pprof/symbol", false, h_symbol },
	{ NULL, false, NULL },
};

/* The application dup2()s onto our listening socket's number: it wants that
 * number, so the endpoints go away (once, with a warning). */
static void on_takeover(void)
{
	struct em_http *s = server;

	if (!s)
		return;
	server = NULL;
	em_tls_busy++;
	em_http__stop(s);
	em_tls_busy--;
	em_warn("the program reused the HTTP endpoint's descriptor; /debug/pprof is off");
}

void em_endpoints_start(void)
{
	struct em_http_opts opts = { 0 };
	char err[256];

	if (!em_cfg.http[0])
		return;
	opts.create_thread = EM_REAL(pthread_create);
	opts.on_thread_start = em_thread_mark_agent;
	opts.adopt_fd = em_fdguard_adopt;
	em_fdguard_on_takeover = on_takeover;
	server = em_http__start(em_cfg.http, routes, NULL, &opts, err, sizeof(err));
	if (!server)
		em_warn("EMBER_HTTP: %s; the /debug/pprof endpoints are off", err);
	else
		em_debug("serving /debug/pprof on %s (port %d)", em_cfg.http, em_http__port(server));
}

void em_endpoints_stop(void)
{
	struct em_http *s = server;

	server = NULL;
	em_http__stop(s);
}

void em_endpoints_after_fork_child(void)
{
	em_http__forget(server);
	server = NULL;
}
