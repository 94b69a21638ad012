// SPDX-License-Identifier: MIT
/*
 * collector.c - ring records into pprof samples, on the writer thread.
 *
 *   CPU      samples/count, cpu/nanoseconds; labels thread, tid
 *   heap     alloc_objects/count, alloc_space/bytes, inuse_objects/count,
 *            inuse_space/bytes (Go's layout); no labels
 *   syscall  calls/count, delay/nanoseconds; labels syscall, thread, tid
 *
 * Heap and syscall values are sums of per-sample weights (sampling.h), kept
 * as doubles and rounded only when a profile is encoded, so thousands of
 * weights like 1.16 do not each lose their fraction. The heap collector also
 * keeps the sampled allocations still live (address -> sample, size,
 * weight): a free takes its weight back out of inuse_*.
 */
#include "agent.h"
#include "sampling.h"
#include "symbolize.h"
#include "syscalls.h"
#include "writer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

/* Caps that keep the agent's memory bounded in a long-running process. */
#define MAX_SAMPLES	200000	/* unique stacks per profile; more fold into one */
#define MAX_LIVE	(1 << 22)	/* sampled live allocations tracked */

struct em_collect_env em_collect_env;

struct live_entry {
	uint64_t size;
	double weight;
	uint32_t sample;
	uint32_t next_free;	/* free list, +1; 0 = end */
};

struct em_live {
	struct em_u64map ix;	/* address -> entry index */
	struct live_entry *v;
	size_t n, cap;
	uint32_t free_head;	/* +1 */
};

size_t em_collector__nvalues(const struct em_collector *c)
{
	switch (c->kind) {
	case EM_COLLECT_HEAP:
		return 4;
	default:
		return 2;
	}
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int em_collector__init(struct em_collector *c, enum em_collector_kind kind)
{
	struct em_profile *p = em_profile__new();

	memset(c, 0, sizeof(*c));
	if (!p)
		return -ENOMEM;
	c->p = p;
	c->kind = kind;
	c->start_wall_ns = wall_ns();
	c->start_mono_ns = em_now_ns();
	switch (kind) {
	case EM_COLLECT_CPU:
		em_profile__add_sample_type(p, "samples", "count");
		em_profile__add_sample_type(p, "cpu", "nanoseconds");
		em_profile__set_period_type(p, "cpu", "nanoseconds", 1000000000LL / em_cfg.hz);
		break;
	case EM_COLLECT_HEAP:
		em_profile__add_sample_type(p, "alloc_objects", "count");
		em_profile__add_sample_type(p, "alloc_space", "bytes");
		em_profile__add_sample_type(p, "inuse_objects", "count");
		em_profile__add_sample_type(p, "inuse_space", "bytes");
		em_profile__set_period_type(p, "space", "bytes", (int64_t)em_cfg.heap_rate);
		c->live = calloc(1, sizeof(*c->live));
		if (!c->live)
			return -ENOMEM;
		break;
	case EM_COLLECT_SYSCALL:
		em_profile__add_sample_type(p, "calls", "count");
		em_profile__add_sample_type(p, "delay", "nanoseconds");
		em_profile__set_period_type(p, "delay", "nanoseconds",
					    (int64_t)em_cfg.syscall_rate);
		break;
	}
	/* pprof names the profile after mapping[0], the main executable: add
	 * its mapping first, through the program's entry point. */
	if (em_collect_env.sym && em_collect_env.proc)
		em_symbolizer__location(em_collect_env.sym, em_collect_env.proc, p,
					getauxval(AT_ENTRY));
	return 0;
}

void em_collector__free(struct em_collector *c)
{
	em_profile__free(c->p);
	em_u64map__clear(&c->pcs);
	free(c->acc);
	if (c->live) {
		em_u64map__clear(&c->live->ix);
		free(c->live->v);
		free(c->live);
	}
	c->p = NULL;
	c->acc = NULL;
	c->live = NULL;
}

void em_collector__forget_pcs(struct em_collector *c)
{
	em_u64map__clear(&c->pcs);
}

static uint64_t marker(struct em_collector *c, uint64_t *cache, const char *name)
{
	struct em_line ln = { 0 };

	if (*cache)
		return *cache;
	ln.function_id = em_profile__add_function(c->p, name, name, "", 0);
	if (!ln.function_id)
		return 0;
	*cache = em_profile__add_location(c->p, 0, 0, &ln, 1, false);
	return *cache;
}

void em_collect_cover(uint64_t pc)
{
	if (pc >= EM_KERNEL_MIN_ADDR || em_collect_env.maps_fresh || !em_collect_env.proc ||
	    em_maps__find(em_proc__maps(em_collect_env.proc), pc))
		return;
	em_collect_env.maps_fresh = true;
	em_proc__refresh(em_collect_env.proc);
}

/* The location id of pprof address addr in c, symbolizing it the first time. */
static uint64_t location_of(struct em_collector *c, uint64_t addr)
{
	uint64_t id;

	if (em_u64map__get(&c->pcs, addr, &id))
		return id;
	em_collect_cover(addr);
	id = em_symbolizer__location(em_collect_env.sym, em_collect_env.proc, c->p, addr);
	if (id)
		em_u64map__put(&c->pcs, addr, id);
	return id;
}

/*
 * The leaf of a hook record: the function the program called (malloc, read,
 * usleep, ...), by name. Not the wrapper's own code address: whether the
 * wrapper has a frame of its own, and which of the agent's helpers are
 * inlined into it, is the compiler's choice, and the profile should say what
 * the program did, not how the agent is built.
 */
static uint64_t hook_location(struct em_collector *c, const char *fn)
{
	/* Cached by the literal's address, tagged apart from code addresses
	 * (user space is below 2^47). */
	const uint64_t key = (uint64_t)(uintptr_t)fn | (1ULL << 63);
	struct em_line ln = { 0 };
	uint64_t id;

	if (em_u64map__get(&c->pcs, key, &id))
		return id;
	ln.function_id = em_profile__add_function(c->p, fn, fn, "", 0);
	if (!ln.function_id)
		return 0;
	id = em_profile__add_location(c->p, 0, 0, &ln, 1, false);
	if (id)
		em_u64map__put(&c->pcs, key, id);
	return id;
}

static bool is_unwinder(uint64_t pc)
{
	return pc >= em_collect_env.unw_lo && pc < em_collect_env.unw_hi;
}

static bool is_self(uint64_t pc)
{
	return (pc >= em_collect_env.self_lo && pc < em_collect_env.self_hi) || is_unwinder(pc);
}

/*
 * For a CPU sample taken while the agent's own code ran on a program's
 * thread (a hook's slow path; the getcontext a hook starts with): the index
 * of the first frame that is the program's, past the agent's outermost
 * frame; r->nframes when none is known to be (the walk did not get past
 * the agent). 0 for any other sample.
 */
static uint32_t agent_work_frames(const struct em_rec *r)
{
	uint32_t k = 0;

	if (r->kind != EM_REC_CPU || !r->nframes ||
	    !((r->flags & EM_REC_IN_AGENT) || is_unwinder(r->frames[0] & ~EM_PC_EXACT)))
		return 0;
	for (uint32_t i = 0; i < r->nframes; i++)
		if (is_self(r->frames[i] & ~EM_PC_EXACT))
			k = i + 1;
	return k ? k : r->nframes;
}

/*
 * A record's stack as location ids, leaf first. pprof wants the leaf's exact
 * PC and, for every other frame, the call instruction: return address - 1
 * (except after a signal frame, where the PC is exact). Frames in
 * libember.so are dropped (the agent is not part of the program's profile);
 * a hook record's leaf is the function the program called. CPU the agent's
 * own work took is the program's all the same: it is shown where the
 * program called into the agent, as a leaf that says what it is. A stack
 * cut short ends in a frame that says so. Returns the number of locations,
 * 0 on ENOMEM.
 */
static size_t stack_of(struct em_collector *c, const struct em_rec *r, uint64_t *locs)
{
	bool hook = r->flags & EM_REC_HOOK;
	uint32_t first = agent_work_frames(r);
	size_t n = 0;

	if (hook) {
		locs[n] = hook_location(c, r->fn ? r->fn : "?");
		if (!locs[n++])
			return 0;
	} else if (first) {
		locs[n] = marker(c, &c->loc_in_agent, "[ember: the profiler's own work]");
		if (!locs[n++])
			return 0;
	}
	for (uint32_t i = first; i < r->nframes && n < EM_MAX_DEPTH_LIMIT; i++) {
		uint64_t pc = r->frames[i], addr;

		if (is_self(pc & ~EM_PC_EXACT))
			continue;
		if ((i == 0 && !hook) || (pc & EM_PC_EXACT))
			addr = pc & ~EM_PC_EXACT;
		else
			addr = pc - 1;
		locs[n] = location_of(c, addr);
		if (!locs[n])
			return 0;
		n++;
	}
	if (r->flags & EM_REC_LOADER_SKIPPED)
		locs[n] = marker(c, &c->loc_skipped, "[not unwound: dlclose or fork in progress]");
	else if (r->flags & EM_REC_LOW_STACK)
		locs[n] = marker(c, &c->loc_low_stack, "[not unwound: too little stack left]");
	else if (r->flags & EM_REC_UNSAMPLED_TAIL)
		locs[n] = marker(c, &c->loc_tail, "[CPU just before the thread ended: not sampled]");
	else if (r->flags & EM_REC_DEPTH_LIMIT)
		locs[n] = marker(c, &c->loc_depth, "[truncated: EMBER_MAX_DEPTH reached]");
	else if (r->flags & EM_REC_TRUNCATED)
		locs[n] = marker(c, &c->loc_truncated, "[truncated: unwinding stopped]");
	else
		locs[n] = 0;
	if (locs[n])
		n++;
	if (c->p->nsamples >= MAX_SAMPLES) {
		/* Keep totals right even when the stack table is full. */
		locs[0] = marker(c, &c->loc_overflow, "[other stacks: the stack table is full]");
		n = locs[0] ? 1 : 0;
	}
	return n;
}

static size_t thread_labels(struct em_collector *c, const struct em_rec *r, struct em_label *l)
{
	size_t n = 0;

	l[n++] = em_profile__label_str(c->p, "thread", em_collect_env.thread_name(r->tid));
	if (em_cfg.tid_label)
		l[n++] = em_profile__label_num(c->p, "tid", r->tid, NULL);
	return n;
}

/* The accumulators of sample idx (grown as samples appear). */
static double *acc_of(struct em_collector *c, long idx)
{
	size_t nv = em_collector__nvalues(c), need = ((size_t)idx + 1) * nv;

	if (need > c->acc_cap) {
		size_t cap = c->acc_cap ? c->acc_cap * 2 : 1024;
		double *acc;

		while (cap < need)
			cap *= 2;
		acc = realloc(c->acc, cap * sizeof(*acc));
		if (!acc)
			return NULL;
		memset(acc + c->acc_cap, 0, (cap - c->acc_cap) * sizeof(*acc));
		c->acc = acc;
		c->acc_cap = cap;
	}
	return c->acc + (size_t)idx * nv;
}

static void live_put(struct em_live *l, uint64_t addr, uint32_t sample, uint64_t size, double w)
{
	uint32_t i;
	uint64_t old;

	if (em_u64map__get(&l->ix, addr, &old)) {
		/* A free we never saw (ring full): the newer allocation wins. */
		i = (uint32_t)old;
	} else if (l->free_head) {
		i = l->free_head - 1;
		l->free_head = l->v[i].next_free;
	} else {
		if (l->n >= MAX_LIVE)
			return;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 1024;
			struct live_entry *v = realloc(l->v, cap * sizeof(*v));

			if (!v)
				return;
			l->v = v;
			l->cap = cap;
		}
		i = (uint32_t)l->n++;
	}
	l->v[i] = (struct live_entry){ size, w, sample, 0 };
	if (em_u64map__put(&l->ix, addr, i) < 0) {
		l->v[i].next_free = l->free_head;
		l->free_head = i + 1;
	}
}

/* Removes addr; fills *e and returns true if it was live. */
static bool live_take(struct em_live *l, uint64_t addr, struct live_entry *e)
{
	uint64_t i;

	if (!em_u64map__del(&l->ix, addr, &i))
		return false;
	*e = l->v[i];
	l->v[i].next_free = l->free_head;
	l->free_head = (uint32_t)i + 1;
	return true;
}

static void add_heap(struct em_collector *c, const struct em_rec *r)
{
	uint64_t locs[EM_MAX_DEPTH_LIMIT + 2];
	struct live_entry e;
	double w, *a;
	size_t n;
	long idx;

	if (r->kind == EM_REC_HEAP_FREE) {
		if (live_take(c->live, r->addr, &e) && (a = acc_of(c, e.sample))) {
			a[2] -= e.weight;
			a[3] -= e.weight * (double)e.size;
		}
		return;
	}
	n = stack_of(c, r, locs);
	if (!n)
		return;
	idx = em_profile__add_sample_idx(c->p, locs, n, NULL, NULL, 0);
	if (idx < 0 || !(a = acc_of(c, idx)))
		return;
	w = em_sample_weight((double)r->v[0], (double)em_cfg.heap_rate);
	a[0] += w;
	a[1] += w * (double)r->v[0];
	if (r->flags & EM_REC_NOT_TRACKED)
		return;		/* its free will never be seen: not in use either */
	a[2] += w;
	a[3] += w * (double)r->v[0];
	live_put(c->live, r->addr, (uint32_t)idx, (uint64_t)r->v[0], w);
}

static void add_syscall(struct em_collector *c, const struct em_rec *r)
{
	uint64_t locs[EM_MAX_DEPTH_LIMIT + 2];
	struct em_label labels[3];
	size_t n, nl;
	double w, *a;
	long idx;

	n = stack_of(c, r, locs);
	if (!n)
		return;
	labels[0] = em_profile__label_str(c->p, "syscall",
					  r->aux < EM_SYS_COUNT ? em_sys_names[r->aux] : "?");
	nl = 1 + thread_labels(c, r, labels + 1);
	idx = em_profile__add_sample_idx(c->p, locs, n, NULL, labels, nl);
	if (idx < 0 || !(a = acc_of(c, idx)))
		return;
	w = em_sample_weight((double)r->v[0], (double)em_cfg.syscall_rate);
	a[0] += w;
	a[1] += w * (double)r->v[0];
}

static void add_cpu(struct em_collector *c, const struct em_rec *r)
{
	uint64_t locs[EM_MAX_DEPTH_LIMIT + 2];
	struct em_label labels[2];
	int64_t v[2] = { r->v[0], r->v[1] };
	size_t n = stack_of(c, r, locs), nl;

	if (!n)
		return;
	nl = thread_labels(c, r, labels);
	em_profile__add_sample(c->p, locs, n, v, labels, nl);
}

void em_collector__add(struct em_collector *c, const struct em_rec *r)
{
	switch (c->kind) {
	case EM_COLLECT_CPU:
		if (r->kind == EM_REC_CPU)
			add_cpu(c, r);
		break;
	case EM_COLLECT_HEAP:
		if (r->kind == EM_REC_HEAP_ALLOC || r->kind == EM_REC_HEAP_FREE)
			add_heap(c, r);
		break;
	case EM_COLLECT_SYSCALL:
		if (r->kind == EM_REC_SYSCALL)
			add_syscall(c, r);
		break;
	}
}

/* Round the accumulators into the profile's values (minus base, if any). */
static void settle(struct em_collector *c, const double *base, size_t nbase)
{
	size_t nv = em_collector__nvalues(c);

	if (!c->acc)
		return;
	for (size_t i = 0; i < c->p->nsamples; i++) {
		int64_t *dst = &c->p->sample_values[c->p->samples[i].values];

		for (size_t k = 0; k < nv; k++) {
			double v = (i + 1) * nv <= c->acc_cap ? c->acc[i * nv + k] : 0;

			if (base && i < nbase)
				v -= base[i * nv + k];
			dst[k] = llround(v);
		}
	}
}

static int encode(struct em_collector *c, const char *default_type, uint8_t **out, size_t *len)
{
	struct em_profile *p = c->p;
	char a[128], b[768];
	const char *comments[2] = { a, b };
	int64_t saved_default = p->default_sample_type;
	int err;

	p->time_nanos = c->start_wall_ns;
	p->duration_nanos = em_now_ns() - c->start_mono_ns;
	if (default_type)
		em_profile__set_default_sample_type(p, default_type);
	snprintf(a, sizeof(a), "ember %s, pid %d, %u Hz, heap rate %llu B, syscall rate %llu ns",
		 EMBER_VERSION, (int)getpid(), em_cfg.hz, (unsigned long long)em_cfg.heap_rate,
		 (unsigned long long)em_cfg.syscall_rate);
	snprintf(b, sizeof(b),
		 "ember agent since start: %lu CPU samples, %lu heap samples, %lu syscall samples, "
		 "%lu dropped (ring full), %lu in the agent's own code, %lu truncated stacks, "
		 "%lu cut at EMBER_MAX_DEPTH, %lu not unwound (dlclose/fork), %lu not unwound "
		 "(little stack left), %lu timer failures, %lu frees not seen, %lu stacks walked "
		 "by libunwind",
		 atomic_load(&em_stats.cpu_samples), atomic_load(&em_stats.heap_samples),
		 atomic_load(&em_stats.syscall_samples), atomic_load(&em_stats.ring_full),
		 atomic_load(&em_stats.busy), atomic_load(&em_stats.truncated),
		 atomic_load(&em_stats.depth_limited),
		 atomic_load(&em_stats.loader_skipped), atomic_load(&em_stats.low_stack),
		 atomic_load(&em_stats.timer_failures),
		 atomic_load(&em_stats.heap_lost_frees), atomic_load(&em_stats.slow_unwinds));
	if (em_cfg.unwind == EM_UNWIND_VERIFY)
		snprintf(b + strlen(b), sizeof(b) - strlen(b),
			 "; EMBER_UNWIND=verify: %lu stacks walked the same with cached rules, %lu "
			 "differently", atomic_load(&em_stats.unwind_verified),
			 atomic_load(&em_stats.unwind_mismatches));
	err = em_profile__encode_gz_comments(p, comments, 2, out, len);
	p->default_sample_type = saved_default;
	return err;
}

int em_collector__encode(struct em_collector *c, const char *default_type, uint8_t **out,
			 size_t *len)
{
	settle(c, NULL, 0);
	return encode(c, default_type, out, len);
}

int em_collector__encode_delta(struct em_collector *c, const double *base, size_t nbase,
			       const char *default_type, uint8_t **out, size_t *len)
{
	int err;

	settle(c, base, nbase);
	err = encode(c, default_type, out, len);
	settle(c, NULL, 0);
	return err;
}
