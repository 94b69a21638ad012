// SPDX-License-Identifier: MIT
/*
 * http_serve - the agent's HTTP server (agent/http.c) with canned Go-style pprof endpoints,
 * for tests/integration/http_server.sh.
 *
 *   http_serve [-c MAX_CONNS] [-t IO_TIMEOUT_MS] [-s STOP_TIMEOUT_MS] ADDR
 *
 * Prints "port N" once listening, serves until SIGTERM or SIGINT, then stops the server and
 * exits 0 when every connection had finished, 3 when a handler was still running, 1 when the
 * server did not start (the reason on stderr), 2 on bad usage.
 *
 *   /debug/pprof/profile?seconds=N  sleeps N s (Go's rule: default 30; above 60 is a 400),
 *                                   then sends a CPU profile whose one mapping has no file
 *                                   and no functions, so go tool pprof symbolizes it
 *                                   through POST /debug/pprof/symbol, as it does for Go
 *   /debug/pprof/symbol             GET and POST, canned symbols: main, work, leaf_a, leaf_b
 *                                   at 0x401000, 0x401100, 0x401200, 0x401300
 *   /debug/pprof/cmdline            argv joined with NUL bytes
 *   /debug/pprof/                   a small HTML index; any other name is 404 Unknown profile
 */
#include "../../agent/http.h"
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	uint64_t pc;
	const char *name;
} symbols[] = {
	{ 0x401000, "main" }, { 0x401100, "work" }, { 0x401200, "leaf_a" }, { 0x401300, "leaf_b" },
};

#define NSYMS (sizeof(symbols) / sizeof(symbols[0]))

/* main;work;leaf_a 30 samples, main;leaf_b 10 samples, 10 ms each, addresses only. */
static struct em_profile *cpu_profile(int64_t seconds)
{
	struct em_profile *p = em_profile__new();
	struct em_mapping m = { .start = 0x400000, .limit = 0x500000 };
	uint64_t mid, loc[NSYMS];
	int64_t v[2] = { 1, 10000000 };

	if (!p)
		return NULL;
	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	em_profile__set_period_type(p, "cpu", "nanoseconds", 10000000);
	p->duration_nanos = seconds * 1000000000;
	mid = em_profile__add_mapping(p, &m);
	for (size_t i = 0; i < NSYMS; i++)
		loc[i] = em_profile__add_location(p, mid, symbols[i].pc, NULL, 0, false);
	{
		uint64_t s1[] = { loc[2], loc[1], loc[0] }, s2[] = { loc[3], loc[0] };

		for (int i = 0; i < 30; i++)
			if (em_profile__add_sample(p, s1, 3, v, NULL, 0))
				goto err_out;
		for (int i = 0; i < 10; i++)
			if (em_profile__add_sample(p, s2, 2, v, NULL, 0))
				goto err_out;
	}
	return p;

err_out:
	em_profile__free(p);
	return NULL;
}

static int profile(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	struct em_profile *p;
	uint8_t *gz;
	size_t len;
	int64_t sec;
	int r;

	(void)ctx;
	if (em_http_query_int(req, "seconds", 30, 1, 60, &sec))
		return em_http_resp_error(resp, 400, "profile duration exceeds 60 seconds");
	r = em_http_sleep(req, (unsigned)sec * 1000);
	if (r == -ECANCELED)
		return em_http_resp_error(resp, 503, "server stopping");
	if (r)
		return r;	/* the client went away; its 500 goes nowhere */
	p = cpu_profile(sec);
	if (!p)
		return -ENOMEM;
	r = em_profile__encode_gz(p, &gz, &len);
	em_profile__free(p);
	if (r)
		return r;
	r = em_http_resp_take(resp, "application/octet-stream", gz, len);
	if (!r)
		r = em_http_resp_header(resp, "Content-Disposition", "attachment; filename=\"profile\"");
	return r;
}

/* Go's Symbol handler: "+"-separated addresses from the POST body or the raw query. */
static int symbol(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	const char *in = req->method == EM_HTTP_POST ? req->body : req->query;
	char out[4096];
	size_t n;

	(void)ctx;
	n = (size_t)snprintf(out, sizeof(out), "num_symbols: 1\n");
	for (const char *w = in; *w; w += strcspn(w, "+"), w += *w == '+') {
		uint64_t pc = strtoull(w, NULL, 0);

		for (size_t i = 0; i < NSYMS && n < sizeof(out) - 64; i++)
			if (pc && symbols[i].pc == pc)
				n += (size_t)snprintf(out + n, sizeof(out) - n, "%#" PRIx64 " %s\n", pc,
						      symbols[i].name);
	}
	return em_http_resp_bytes(resp, "text/plain; charset=utf-8", out, n);
}

static int cmdline(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	char buf[4096];
	FILE *f = fopen("/proc/self/cmdline", "re");
	size_t n = 0;

	(void)ctx;
	(void)req;
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n && buf[n - 1] == '\0')
		n--;	/* Go joins with NUL, without a trailing one */
	return em_http_resp_bytes(resp, "text/plain; charset=utf-8", buf, n);
}

static int idx(void *ctx, const struct em_http_req *req, struct em_http_resp *resp)
{
	static const char html[] = "<html><head><title>/debug/pprof/</title></head><body>\n"
				   "<a href=\"profile?seconds=30\">profile</a>\n"
				   "<a href=\"cmdline\">cmdline</a>\n</body></html>\n";

	(void)ctx;
	if (strcmp(req->path, "/debug/pprof/"))
		return em_http_resp_error(resp, 404, "Unknown profile");
	return em_http_resp_bytes(resp, "text/html; charset=utf-8", html, sizeof(html) - 1);
}

static const struct em_http_route routes[] = {
	{ "/debug/pprof/profile", false, profile },
	{ "/debug/pprof/symbol", false, symbol },
	{ "/debug/pprof/cmdline", false, cmdline },
	{ "/debug/pprof/", true, idx },
	{ NULL, false, NULL },
};

int main(int argc, char **argv)
{
	struct em_http_opts o = { 0 };
	struct em_http *s;
	sigset_t stop;
	char err[256];
	int opt, sig, r;

	while ((opt = getopt(argc, argv, "c:t:s:")) != -1) {
		if (opt == 'c')
			o.max_conns = (unsigned)atoi(optarg);
		else if (opt == 't')
			o.io_timeout_ms = (unsigned)atoi(optarg);
		else if (opt == 's')
			o.stop_timeout_ms = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: http_serve [-c N] [-t MS] [-s MS] ADDR\n");
		return 2;
	}
	/* Blocked before the server starts, so only sigwait() below ever takes them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	s = em_http__start(argv[optind], routes, NULL, &o, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "http_serve: %s\n", err);
		return 1;
	}
	printf("port %d\n", em_http__port(s));
	fflush(stdout);
	sigwait(&stop, &sig);
	r = em_http__stop(s);
	printf("stopped: %s\n", r ? "handlers still running" : "clean");
	return r ? 3 : 0;
}
