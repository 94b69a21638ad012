/* SPDX-License-Identifier: MIT */
/*
 * writer.h - collectors (profiles being filled by the writer thread) and the
 * HTTP windows built on them. Internal to the agent; not async-signal-safe.
 */
#ifndef EMBER_AGENT_WRITER_H
#define EMBER_AGENT_WRITER_H

#include "profile.h"
#include "u64map.h"

#include <stddef.h>
#include <stdint.h>

enum em_collector_kind {
	EM_COLLECT_CPU,
};

struct em_collector {
	enum em_collector_kind kind;
	struct em_profile *p;
	struct em_u64map pcs;		/* pprof address -> location id in p */
	int64_t start_wall_ns, start_mono_ns;
	uint64_t loc_truncated, loc_depth, loc_skipped, loc_overflow;	/* marker frames */
	struct em_collector *next;
};

int em_collector__init(struct em_collector *c, enum em_collector_kind kind);
void em_collector__free(struct em_collector *c);
/* The profile with time, duration and the agent's counters, gzipped. */
int em_collector__encode(struct em_collector *c, uint8_t **out, size_t *len);

/*
 * An HTTP window: samples from now until close go into their own profile
 * (pprof's /debug/pprof/profile?seconds=N). Open returns NULL on ENOMEM;
 * close returns the encoded profile (caller frees *out) and frees c.
 * Called from HTTP threads; they take the writer's lock briefly.
 */
struct em_collector *em_writer_window_open(enum em_collector_kind kind);
int em_writer_window_close(struct em_collector *c, uint8_t **out, size_t *len);

/* The name of the function containing addr in this process (the outermost
 * frame, not an inlined one), for /debug/pprof/symbol. 0, or -ENOENT. */
int em_writer_symbol_name(uint64_t addr, char *name, size_t len);

#endif
