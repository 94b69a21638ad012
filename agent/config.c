// SPDX-License-Identifier: MIT
/* config.c - EMBER_* environment variables into struct em_config. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void warnf(em_warn_fn warn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warnf(em_warn_fn warn, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(msg);
}

/* A bad value as quoted in a warning: at most 64 characters, so that a long
 * one cannot push what is used instead out of the message. */
static const char *shown(const char *v, char buf[72])
{
	if (strlen(v) <= 64)
		return v;
	snprintf(buf, 72, "%.61s...", v);
	return buf;
}

/* Unsigned integer in [lo, hi] with an optional unit suffix table. */
struct suffix {
	const char *name;
	uint64_t mult;
};

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, const struct suffix *sfx,
		      uint64_t *out)
{
	unsigned long long v;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end && sfx) {
		const struct suffix *x;
		size_t n = strlen(end);

		while (n && isspace((unsigned char)end[n - 1]))
			n--;
		for (x = sfx; x->name; x++)
			if (strlen(x->name) == n && strncasecmp(end, x->name, n) == 0)
				break;
		if (!x->name || (x->mult && v > ULLONG_MAX / x->mult))
			return false;
		v *= x->mult;
	} else if (*end) {
		return false;
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static const struct suffix size_sfx[] = {
	{ "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "kib", 1024 }, { "m", 1 << 20 },
	{ "mb", 1 << 20 }, { "mib", 1 << 20 }, { "g", 1 << 30 }, { "gb", 1 << 30 },
	{ "gib", 1 << 30 }, { NULL, 0 },
};

static const struct suffix time_sfx[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { NULL, 0 },
};

static const struct suffix sec_sfx[] = {
	{ "s", 1 }, { "m", 60 }, { "min", 60 }, { NULL, 0 },
};

long em_config_parse_events(const char *s, char *bad, size_t bad_len)
{
	long bits = 0;

	while (*s) {
		const char *e = s + strcspn(s, ",");
		size_t n = (size_t)(e - s);

		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 3 && !strncasecmp(s, "cpu", 3))
			bits |= EM_EVENT_CPU;
		else if (n == 4 && !strncasecmp(s, "heap", 4))
			bits |= EM_EVENT_HEAP;
		else if (n == 7 && !strncasecmp(s, "syscall", 7))
			bits |= EM_EVENT_SYSCALL;
		else if (n == 3 && !strncasecmp(s, "all", 3))
			bits |= EM_EVENTS_ALL;
		else if (n == 4 && !strncasecmp(s, "none", 4))
			;
		else if (n) {
			if (bad && bad_len)
				snprintf(bad, bad_len, "%.*s", (int)n, s);
			return -1;
		}
		s = *e ? e + 1 : e;
	}
	return bits;
}

/* An empty value is not passed here: like an unset variable, it keeps the default. */
static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "false") ||
		 !strcasecmp(s, "off"))
		*out = false;
	else
		return false;
	return true;
}

/* "PROF", "SIGPROF", "RTMIN+3", "SIGRTMAX-2", or a number. */
static int parse_signal(const char *s)
{
	uint64_t n;
	int base, sign;

	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (!strcasecmp(s, "PROF"))
		return SIGPROF;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		base = !strncasecmp(s, "RTMIN", 5) ? SIGRTMIN : SIGRTMAX;
		s += 5;
		if (!*s)
			return base;
		sign = *s == '+' ? 1 : *s == '-' ? -1 : 0;
		if (!sign || !parse_u64(s + 1, 0, 64, NULL, &n))
			return -1;
		base += sign * (int)n;
		return base >= SIGRTMIN && base <= SIGRTMAX ? base : -1;
	}
	if (parse_u64(s, 1, 64, NULL, &n) && ((int)n == SIGPROF ||
					      ((int)n >= SIGRTMIN && (int)n <= SIGRTMAX)))
		return (int)n;
	return -1;
}

void em_config_parse(struct em_config *c, em_getenv_fn get, em_warn_fn warn)
{
	const char *v;
	uint64_t n;
	char bad[64], sh[72];

	memset(c, 0, sizeof(*c));
	snprintf(c->output, sizeof(c->output), "ember-out");
	c->events = EM_EVENTS_ALL;
	c->hz = EM_DEFAULT_HZ;
	c->interval = EM_DEFAULT_INTERVAL;
	c->max_depth = EM_DEFAULT_DEPTH;
	c->tid_label = true;
	c->heap_rate = EM_DEFAULT_HEAP_RATE;
	c->syscall_rate = EM_DEFAULT_SYSCALL_RATE;

	if ((v = get("EMBER_OUTPUT")) && *v) {
		if (strlen(v) >= sizeof(c->output) - 64)
			warnf(warn, "EMBER_OUTPUT: path is too long; using '%s'", c->output);
		else
			snprintf(c->output, sizeof(c->output), "%s", v);
	}
	if ((v = get("EMBER_EVENTS")) && *v) {
		long bits = em_config_parse_events(v, bad, sizeof(bad));

		if (bits < 0)
			warnf(warn, "EMBER_EVENTS: unknown event '%s' (known: cpu, heap, syscall); "
				    "using cpu,heap,syscall", bad);
		else
			c->events = (unsigned)bits;
	}
	if ((v = get("EMBER_HZ"))) {
		if (parse_u64(v, 1, EM_MAX_HZ, NULL, &n))
			c->hz = (unsigned)n;
		else
			warnf(warn, "EMBER_HZ: '%s' is not a rate from 1 to %d samples per second; "
				    "using %d", shown(v, sh), EM_MAX_HZ, EM_DEFAULT_HZ);
	}
	if ((v = get("EMBER_INTERVAL"))) {
		if (parse_u64(v, 0, 86400, sec_sfx, &n))
			c->interval = (unsigned)n;
		else
			warnf(warn, "EMBER_INTERVAL: '%s' is not a number of seconds (0-86400); "
				    "using %d", shown(v, sh), EM_DEFAULT_INTERVAL);
	}
	if ((v = get("EMBER_HTTP")) && *v) {
		const char *colon = strrchr(v, ':');

		/* Port 0 asks for any free port (EMBER_VERBOSE=1 prints it). */
		if (!colon || !parse_u64(colon + 1, 0, 65535, NULL, &n) ||
		    strlen(v) >= sizeof(c->http))
			warnf(warn, "EMBER_HTTP: '%s' is not HOST:PORT (e.g. 127.0.0.1:6060); "
				    "the HTTP endpoints are off", shown(v, sh));
		else
			snprintf(c->http, sizeof(c->http), "%s", v);
	}
	if ((v = get("EMBER_NO_CHILDREN")) && *v && !parse_bool(v, &c->no_children))
		warnf(warn, "EMBER_NO_CHILDREN: '%s' is not 0 or 1; using 0", shown(v, sh));
	if ((v = get("EMBER_MAX_DEPTH"))) {
		if (parse_u64(v, 4, EM_MAX_DEPTH_LIMIT, NULL, &n))
			c->max_depth = (unsigned)n;
		else
			warnf(warn, "EMBER_MAX_DEPTH: '%s' is not a depth from 4 to %d; using %d",
			      shown(v, sh), EM_MAX_DEPTH_LIMIT, EM_DEFAULT_DEPTH);
	}
	if ((v = get("EMBER_SIGNAL")) && *v && strcasecmp(v, "auto")) {
		int sig = parse_signal(v);

		if (sig < 0)
			warnf(warn, "EMBER_SIGNAL: '%s' is not PROF or RTMIN+N; choosing automatically",
			      shown(v, sh));
		else
			c->signal = sig;
	}
	if ((v = get("EMBER_TID_LABEL")) && *v && !parse_bool(v, &c->tid_label))
		warnf(warn, "EMBER_TID_LABEL: '%s' is not 0 or 1; using 1", shown(v, sh));
	if ((v = get("EMBER_HEAP_RATE"))) {
		if (parse_u64(v, 1, 1ULL << 40, size_sfx, &n))
			c->heap_rate = n;
		else
			warnf(warn, "EMBER_HEAP_RATE: '%s' is not a byte count (e.g. 524288 or 512k); "
				    "using %d", shown(v, sh), EM_DEFAULT_HEAP_RATE);
	}
	if ((v = get("EMBER_SYSCALL_RATE"))) {
		if (parse_u64(v, 1, 3600ULL * 1000000000ULL, time_sfx, &n))
			c->syscall_rate = n;
		else
			warnf(warn, "EMBER_SYSCALL_RATE: '%s' is not a duration (e.g. 1000000 or 1ms); "
				    "using %d", shown(v, sh), EM_DEFAULT_SYSCALL_RATE);
	}
	if ((v = get("EMBER_VERBOSE")) && *v && !parse_bool(v, &c->verbose))
		warnf(warn, "EMBER_VERBOSE: '%s' is not 0 or 1; using 0", shown(v, sh));
	if ((v = get("EMBER_UNWIND")) && *v) {
		if (!strcmp(v, "cached"))
			c->unwind = EM_UNWIND_CACHED;
		else if (!strcmp(v, "libunwind"))
			c->unwind = EM_UNWIND_LIBUNWIND;
		else if (!strcmp(v, "verify"))
			c->unwind = EM_UNWIND_VERIFY;
		else
			warnf(warn, "EMBER_UNWIND: '%s' is not cached, libunwind or verify; "
				    "using cached", shown(v, sh));
	}
}
