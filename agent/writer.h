/* SPDX-License-Identifier: MIT */
/*
 * writer.h - collectors (profiles being filled from ring records) and the
 * writer thread's API for HTTP windows. Internal to the agent; used only on
 * the writer thread or under the writer's lock; not async-signal-safe.
 */
#ifndef EMBER_AGENT_WRITER_H
#define EMBER_AGENT_WRITER_H

#include "profile.h"
#include "ring.h"
#include "u64map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum em_collector_kind {
	EM_COLLECT_CPU,
	EM_COLLECT_HEAP,
	EM_COLLECT_SYSCALL,
};

/* What a collector needs from the writer to turn records into samples. */
struct em_collect_env {
	struct em_symbolizer *sym;
	struct em_proc *proc;
	uintptr_t self_lo, self_hi;	/* libember.so's own code: hidden from stacks */
	uintptr_t unw_lo, unw_hi;	/* libunwind-x86_64.so, which only the agent uses */
	const char *(*thread_name)(pid_t tid);
	bool maps_fresh;		/* maps re-read in this drain already */
};

extern struct em_collect_env em_collect_env;

/*
 * em_collect_cover() - make sure the maps have seen user address pc: when it
 * lies in none of them, the program mapped code since they were read
 * (dlopen), so they are read again, at most once per drain
 * (em_collect_env.maps_fresh, cleared by the writer).
 */
void em_collect_cover(uint64_t pc);

struct em_live;		/* heap: sampled allocations still live */

struct em_collector {
	enum em_collector_kind kind;
	struct em_profile *p;
	struct em_u64map pcs;		/* pprof address -> location id in p */
	int64_t start_wall_ns, start_mono_ns;
	/* marker frames */
	uint64_t loc_truncated, loc_depth, loc_skipped, loc_low_stack, loc_tail;
	uint64_t loc_in_agent, loc_overflow;
	/* Heap and syscall values are sums of fractional weights: kept as
	 * doubles per sample (nvalues each) and rounded when encoding. */
	double *acc;
	size_t acc_cap;
	struct em_live *live;
	struct em_collector *next;
};

int em_collector__init(struct em_collector *c, enum em_collector_kind kind);
void em_collector__free(struct em_collector *c);
/* Add one record (of a kind this collector takes; others are ignored). */
void em_collector__add(struct em_collector *c, const struct em_rec *r);
/* Forget cached symbols (after dlclose: addresses may be reused). */
void em_collector__forget_pcs(struct em_collector *c);
/* The profile with time, duration and the agent's counters, gzipped.
 * default_type overrides the profile's default sample type (or NULL). */
int em_collector__encode(struct em_collector *c, const char *default_type, uint8_t **out,
			 size_t *len);
/* A heap delta: the values c gained since `base` (a copy of c's
 * accumulators taken earlier, nbase samples long), encoded. */
int em_collector__encode_delta(struct em_collector *c, const double *base, size_t nbase,
			       const char *default_type, uint8_t **out, size_t *len);
/* Number of values per sample for this collector's kind. */
size_t em_collector__nvalues(const struct em_collector *c);

/*
 * HTTP windows: samples from now until close go into their own profile
 * (/debug/pprof/profile?seconds=N, /debug/pprof/syscall?seconds=N). Open
 * returns NULL on ENOMEM; close returns the encoded profile (caller frees
 * *out) and frees c. Called from HTTP threads; they take the writer's lock.
 */
struct em_collector *em_writer_window_open(enum em_collector_kind kind);
int em_writer_window_close(struct em_collector *c, uint8_t **out, size_t *len);

/*
 * The cumulative heap profile now (/debug/pprof/heap, /allocs), with the
 * given default sample type. With seconds > 0, the change over the next
 * seconds (Go's delta profile); sleep is how to wait (the HTTP server's
 * cancellable sleep), returning nonzero to give up.
 */
int em_writer_heap(const char *default_type, int seconds, int (*sleep)(void *arg, unsigned ms),
		   void *sleep_arg, uint8_t **out, size_t *len);

/* The name of the function containing addr in this process (the outermost
 * frame, not an inlined one), for /debug/pprof/symbol. 0, or -ENOENT. */
int em_writer_symbol_name(uint64_t addr, char *name, size_t len);

#endif
