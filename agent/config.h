/* SPDX-License-Identifier: MIT */
/*
 * config.h - the agent's settings, read from EMBER_* environment variables.
 *
 * em_config_parse() is a pure function of a getenv-like lookup, so it can be
 * unit-tested without touching the environment. Every bad value produces one
 * warning naming the variable and what was used instead; the agent runs on.
 * docs/agent.md lists every variable with its default and unit.
 */
#ifndef EMBER_AGENT_CONFIG_H
#define EMBER_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EM_EVENT_CPU	 (1u << 0)
#define EM_EVENT_HEAP	 (1u << 1)
#define EM_EVENT_SYSCALL (1u << 2)
#define EM_EVENTS_ALL	 (EM_EVENT_CPU | EM_EVENT_HEAP | EM_EVENT_SYSCALL)

#define EM_DEFAULT_HZ		99
#define EM_MAX_HZ		10000
#define EM_DEFAULT_INTERVAL	10
#define EM_DEFAULT_DEPTH	128
#define EM_MAX_DEPTH_LIMIT	1024
#define EM_DEFAULT_HEAP_RATE	524288		/* bytes, Go's MemProfileRate */
#define EM_DEFAULT_SYSCALL_RATE	1000000		/* nanoseconds */

/* EMBER_UNWIND: how stacks are walked (unwind.c, unwind_cache.h). */
enum em_unwind_mode {
	EM_UNWIND_CACHED,	/* cached rules, libunwind for what they cannot walk */
	EM_UNWIND_LIBUNWIND,	/* libunwind for every stack */
	EM_UNWIND_VERIFY,	/* both; libunwind's stack is kept, differences counted */
};

struct em_config {
	char output[4096];	/* EMBER_OUTPUT: directory for profile files */
	unsigned events;	/* EMBER_EVENTS: EM_EVENT_* bits */
	unsigned hz;		/* EMBER_HZ: CPU samples per CPU-second */
	unsigned interval;	/* EMBER_INTERVAL: seconds between periodic writes; 0 = at exit only */
	char http[256];		/* EMBER_HTTP: host:port to serve /debug/pprof, "" = off */
	bool no_children;	/* EMBER_NO_CHILDREN: exec'd children are not profiled */
	unsigned max_depth;	/* EMBER_MAX_DEPTH: frames kept per stack */
	int signal;		/* EMBER_SIGNAL: 0 = automatic (SIGPROF unless taken) */
	bool tid_label;		/* EMBER_TID_LABEL: add the numeric tid label */
	uint64_t heap_rate;	/* EMBER_HEAP_RATE: mean bytes between heap samples */
	uint64_t syscall_rate;	/* EMBER_SYSCALL_RATE: mean ns of blocking between samples */
	bool verbose;		/* EMBER_VERBOSE */
	enum em_unwind_mode unwind;	/* EMBER_UNWIND */
};

/* A lookup like getenv(3); the parser never stores the returned pointers. */
typedef const char *(*em_getenv_fn)(const char *name);
/* Receives one complete warning line (without "ember: warning: "). */
typedef void (*em_warn_fn)(const char *msg);

/* Fills *c from the lookup, using defaults for unset variables and warning
 * (through warn) about bad ones. Never fails. */
void em_config_parse(struct em_config *c, em_getenv_fn get, em_warn_fn warn);

/* Parses an events list like "cpu,heap" into EM_EVENT_* bits. Returns the bits,
 * or -1 naming the first bad word in bad (NUL-terminated, cut to bad_len). */
long em_config_parse_events(const char *s, char *bad, size_t bad_len);

#endif
