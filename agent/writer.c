// SPDX-License-Identifier: MIT
/*
 * writer.c - the agent's background thread. It drains the sample ring,
 * symbolizes each new PC once (lib/symbolize), aggregates samples into pprof
 * profiles (lib/profile) and writes them atomically every interval and at
 * exit. Everything slow the agent does happens here, never in a handler or a
 * hook; the application's threads only ever wait for it at exit, with a
 * bound.
 *
 * Collectors: the cumulative CPU profile, plus one per open HTTP window
 * (/debug/pprof/profile?seconds=N), each an em_profile with its own
 * pc -> location cache. All writer state is under w.lock.
 */
#include "afile.h"
#include "agent.h"
#include "log.h"
#include "real.h"
#include "symbolize.h"
#include "u64map.h"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Caps that keep the agent's memory bounded in a long-running process. */
#define MAX_SAMPLES	200000	/* unique stacks per profile; more fold into one */
#define MAX_THREAD_NAMES 65536

struct names {
	struct em_u64map ix;	/* tid -> index into v */
	struct {
		char name[16];
		bool stale;
	} *v;
	size_t n, cap;
};

static struct writer {
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;
	pthread_cond_t done;
	atomic_uint kick;		/* futex word */
	uint64_t flush_req, flush_done;	/* under lock */
	bool stopping;
	int64_t start_wall_ns, start_mono_ns, next_write_ns;
	struct em_symbolizer *sym;
	struct em_proc *proc;
	unsigned maps_gen;
	uintptr_t self_lo, self_hi;	/* libember.so's own code: hidden from stacks */
	struct em_collector cpu;
	struct em_collector *windows;	/* HTTP windows */
	struct names names;
	char dir[4096];
	bool dir_warned, write_warned;
} w = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- thread names ---- */

static const char *thread_name(pid_t tid)
{
	char path[64], buf[32];
	uint64_t i;
	ssize_t n;
	int fd;

	if (em_u64map__get(&w.names.ix, (uint64_t)tid, &i) && !w.names.v[i].stale)
		return w.names.v[i].name;
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (em_u64map__get(&w.names.ix, (uint64_t)tid, &i)) {
		/* Re-read after a write; keep the old name if the thread is gone. */
		if (n > 0)
			snprintf(w.names.v[i].name, sizeof(w.names.v[i].name), "%.*s", (int)n, buf);
		w.names.v[i].stale = false;
		return w.names.v[i].name;
	}
	if (n <= 0 || w.names.n >= MAX_THREAD_NAMES)
		return "?";
	if (w.names.n == w.names.cap) {
		size_t cap = w.names.cap ? w.names.cap * 2 : 64;
		void *v = realloc(w.names.v, cap * sizeof(*w.names.v));

		if (!v)
			return "?";
		w.names.v = v;
		w.names.cap = cap;
	}
	i = w.names.n++;
	snprintf(w.names.v[i].name, sizeof(w.names.v[i].name), "%.*s", (int)n, buf);
	w.names.v[i].stale = false;
	em_u64map__put(&w.names.ix, (uint64_t)tid, i);
	return w.names.v[i].name;
}

static void set_thread_name(pid_t tid, const char *name)
{
	uint64_t i;

	if (!em_u64map__get(&w.names.ix, (uint64_t)tid, &i)) {
		thread_name(tid);	/* creates the entry if the thread is still there */
		if (!em_u64map__get(&w.names.ix, (uint64_t)tid, &i))
			return;
	}
	snprintf(w.names.v[i].name, sizeof(w.names.v[i].name), "%.15s", name);
	w.names.v[i].stale = false;
}

/* ---- collectors ---- */

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
	}
	/* pprof names the profile after mapping[0], the main executable: add
	 * its mapping first, through the program's entry point. */
	if (w.sym && w.proc)
		em_symbolizer__location(w.sym, w.proc, p, getauxval(AT_ENTRY));
	return 0;
}

void em_collector__free(struct em_collector *c)
{
	em_profile__free(c->p);
	em_u64map__clear(&c->pcs);
	c->p = NULL;
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

/* The location id of pprof address addr in c, symbolizing it the first time. */
static uint64_t location_of(struct em_collector *c, uint64_t addr)
{
	uint64_t id;

	if (em_u64map__get(&c->pcs, addr, &id))
		return id;
	id = em_symbolizer__location(w.sym, w.proc, c->p, addr);
	if (id)
		em_u64map__put(&c->pcs, addr, id);
	return id;
}

static bool is_self(uint64_t pc)
{
	return pc >= w.self_lo && pc < w.self_hi;
}

/*
 * Add one record's stack to c. pprof wants the leaf's exact PC and, for every
 * other frame, the call instruction: return address - 1 (unless the frame
 * follows a signal frame, where the PC is exact). Frames in libember.so
 * itself are dropped: the agent is not part of the program's profile.
 */
static void add_record(struct em_collector *c, const struct em_rec *r, const int64_t *values)
{
	uint64_t locs[EM_MAX_DEPTH_LIMIT + 2];
	struct em_label labels[2];
	size_t n = 0, nl = 0;

	for (uint32_t i = 0; i < r->nframes && n < EM_MAX_DEPTH_LIMIT; i++) {
		uint64_t pc = r->frames[i], addr;

		if (is_self(pc & ~EM_PC_EXACT))
			continue;
		if (i == 0 || (pc & EM_PC_EXACT))
			addr = pc & ~EM_PC_EXACT;
		else
			addr = pc - 1;
		if (!(locs[n] = location_of(c, addr)))
			return;
		n++;
	}
	if (r->flags & EM_REC_LOADER_SKIPPED)
		locs[n] = marker(c, &c->loc_skipped, "[not unwound: dlclose or fork in progress]");
	else if (r->flags & EM_REC_DEPTH_LIMIT)
		locs[n] = marker(c, &c->loc_depth, "[truncated: EMBER_MAX_DEPTH reached]");
	else if (r->flags & EM_REC_TRUNCATED)
		locs[n] = marker(c, &c->loc_truncated, "[truncated: unwinding stopped]");
	else
		locs[n] = 0;
	if (locs[n])
		n++;
	labels[nl++] = em_profile__label_str(c->p, "thread", thread_name(r->tid));
	if (em_cfg.tid_label)
		labels[nl++] = em_profile__label_num(c->p, "tid", r->tid, NULL);
	if (c->p->nsamples >= MAX_SAMPLES) {
		/* Keep totals right even when the stack table is full. */
		n = 0;
		locs[n++] = marker(c, &c->loc_overflow, "[other stacks: EMBER stack table full]");
		nl = 0;
	}
	em_profile__add_sample(c->p, locs, n, values, labels, nl);
}

static void drain(void)
{
	struct em_rec *r;
	unsigned gen = atomic_load(&em_maps_generation);

	if (gen != w.maps_gen) {
		/* dlclose: addresses may be reused by the next object loaded, so
		 * cached symbols for them are no longer trustworthy. */
		w.maps_gen = gen;
		em_proc__refresh(w.proc);
		em_u64map__clear(&w.cpu.pcs);
		for (struct em_collector *c = w.windows; c; c = c->next)
			em_u64map__clear(&c->pcs);
	}
	while ((r = em_ring__peek(em_ring_q))) {
		switch (r->kind) {
		case EM_REC_CPU: {
			int64_t v[2] = { r->v[0], r->v[1] };

			add_record(&w.cpu, r, v);
			for (struct em_collector *c = w.windows; c; c = c->next)
				if (c->kind == EM_COLLECT_CPU)
					add_record(c, r, v);
			break;
		}
		case EM_REC_THREAD_NAME:
			set_thread_name(r->tid, r->name);
			break;
		default:
			break;
		}
		em_ring__release(em_ring_q);
	}
}

/* ---- output ---- */

/* Stamp time and duration on the collector's profile and encode it, with the
 * agent's counters as comments of this output only. */
int em_collector__encode(struct em_collector *c, uint8_t **out, size_t *len)
{
	struct em_profile *p = c->p;
	char a[128], b[384];
	const char *comments[2] = { a, b };

	p->time_nanos = c->start_wall_ns;
	p->duration_nanos = em_now_ns() - c->start_mono_ns;
	snprintf(a, sizeof(a), "ember %s, pid %d, %u Hz", EMBER_VERSION, (int)getpid(), em_cfg.hz);
	snprintf(b, sizeof(b),
		 "ember: %lu samples, %lu dropped (ring full), %lu skipped (agent busy), "
		 "%lu truncated stacks, %lu not unwound (dlclose/fork), %lu timer failures",
		 atomic_load(&em_stats.cpu_samples), atomic_load(&em_stats.ring_full),
		 atomic_load(&em_stats.busy), atomic_load(&em_stats.truncated),
		 atomic_load(&em_stats.loader_skipped), atomic_load(&em_stats.timer_failures));
	return em_profile__encode_gz_comments(p, comments, 2, out, len);
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void write_one(struct em_collector *c, const char *kind)
{
	char path[4200];
	uint8_t *buf;
	size_t len;
	int err;

	if (!c->p->nsamples && !w.stopping)
		return;
	err = mkdir_p(w.dir);
	if (err) {
		if (!w.dir_warned)
			em_warn("cannot create %s: %s; profiles are not written", w.dir,
				strerror(-err));
		w.dir_warned = true;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.%d.pb.gz", w.dir, kind, (int)getpid());
	err = em_collector__encode(c, &buf, &len);
	if (!err) {
		err = em_write_file_atomic(path, buf, len);
		free(buf);
	}
	if (err && !w.write_warned) {
		em_warn("cannot write %s: %s", path, strerror(-err));
		w.write_warned = true;
	}
	em_debug("wrote %s (%zu samples)", path, c->p->nsamples);
}

static void write_all(void)
{
	if (em_cfg.events & EM_EVENT_CPU)
		write_one(&w.cpu, "cpu");
	for (size_t i = 0; i < w.names.n; i++)
		w.names.v[i].stale = true;
}

/* ---- the thread ---- */

static void wait_for_work(int64_t timeout_ns)
{
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };

	/* Sleep until kicked (ring half full, a flush request) or the timeout. */
	if (atomic_exchange(&w.kick, 0))
		return;
	syscall(SYS_futex, &w.kick, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	atomic_store(&w.kick, 0);
}

void em_writer_kick(void)
{
	unsigned zero = 0;

	/* Async-signal-safe: an atomic and a futex wake, only on the 0 -> 1 edge. */
	if (atomic_compare_exchange_strong(&w.kick, &zero, 1))
		syscall(SYS_futex, &w.kick, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void step(void)
{
	int64_t now = em_now_ns();

	drain();
	if (w.flush_req != w.flush_done || w.stopping ||
	    (em_cfg.interval && now >= w.next_write_ns)) {
		write_all();
		w.next_write_ns = now + (int64_t)em_cfg.interval * 1000000000LL;
		w.flush_done = w.flush_req;
		pthread_cond_broadcast(&w.done);
	}
}

static void *writer_main(void *arg)
{
	(void)arg;
	for (;;) {
		/* Drain often enough that the ring never fills at 1000 Hz on a few
		 * dozen threads; sleep longer when idle. */
		wait_for_work(em_ring__used(em_ring_q) ? 20000000 : 100000000);
		pthread_mutex_lock(&w.lock);
		step();
		if (w.stopping) {
			pthread_mutex_unlock(&w.lock);
			break;
		}
		pthread_mutex_unlock(&w.lock);
	}
	return NULL;
}

static int wait_done(uint64_t req, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	while (w.flush_done < req && rc == 0)
		rc = pthread_cond_timedwait(&w.done, &w.lock, &ts);
	return w.flush_done >= req ? 0 : -ETIMEDOUT;
}

int em_writer_flush(int timeout_ms)
{
	uint64_t req;
	int err;

	if (pthread_mutex_lock(&w.lock) != 0)
		return -EDEADLK;
	req = ++w.flush_req;
	if (!w.thread_running) {
		step();
		pthread_mutex_unlock(&w.lock);
		return 0;
	}
	em_writer_kick();
	err = wait_done(req, timeout_ms);
	pthread_mutex_unlock(&w.lock);
	return err;
}

void em_writer_shutdown(int timeout_ms)
{
	struct timespec ts;
	uint64_t req;

	/* The writer may be mid-way through a write: wait for it, but never
	 * forever, and never if this thread is the writer. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000 + 1;
	if (pthread_mutex_timedlock(&w.lock, &ts) != 0)
		return;
	w.stopping = true;
	req = ++w.flush_req;
	if (!w.thread_running) {
		step();
		pthread_mutex_unlock(&w.lock);
		return;
	}
	em_writer_kick();
	wait_done(req, timeout_ms);
	pthread_mutex_unlock(&w.lock);
}

static void find_self(void)
{
	struct dl_find_object fo;

	if (_dl_find_object((void *)find_self, &fo) == 0) {
		w.self_lo = (uintptr_t)fo.dlfo_map_start;
		w.self_hi = (uintptr_t)fo.dlfo_map_end;
	}
}

static int setup_state(void)
{
	struct em_symbolizer_opts so = { 0 };
	char cwd[PATH_MAX];

	/* Absolute now: the program may chdir later. */
	if (em_cfg.output[0] == '/' || !getcwd(cwd, sizeof(cwd)) ||
	    strlen(cwd) + strlen(em_cfg.output) + 2 > sizeof(w.dir))
		snprintf(w.dir, sizeof(w.dir), "%s", em_cfg.output);
	else
		snprintf(w.dir, sizeof(w.dir), "%.2047s/%.2047s", cwd, em_cfg.output);
	so.warn = false;
	w.sym = em_symbolizer__new(&so);
	w.proc = em_proc__new(0);
	if (!w.sym || !w.proc)
		return -ENOMEM;
	w.maps_gen = atomic_load(&em_maps_generation);
	w.start_wall_ns = wall_ns();
	w.start_mono_ns = em_now_ns();
	w.next_write_ns = w.start_mono_ns + (int64_t)em_cfg.interval * 1000000000LL;
	if (em_collector__init(&w.cpu, EM_COLLECT_CPU) < 0)
		return -ENOMEM;
	return 0;
}

int em_writer_start(void)
{
	pthread_condattr_t ca;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_REALTIME);
	pthread_cond_init(&w.done, &ca);
	pthread_condattr_destroy(&ca);
	find_self();
	em_tls_busy++;
	err = setup_state();
	em_tls_busy--;
	if (err)
		return err;
	err = em_thread_spawn(&w.thread, writer_main, NULL);
	if (err)
		return -err;
	w.thread_running = true;
	return 0;
}

void em_writer_fork_prepare(void)
{
	pthread_mutex_lock(&w.lock);
}

void em_writer_fork_parent(void)
{
	pthread_mutex_unlock(&w.lock);
}

/* In a forked child: the writer thread is gone and the profiles so far belong
 * to the parent. Start over with empty profiles under the child's pid. */
void em_writer_after_fork_child(void)
{
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.done, NULL);
	w.thread_running = false;
	w.flush_req = w.flush_done = 0;
	w.windows = NULL;	/* the parent's HTTP windows */
	em_collector__free(&w.cpu);
	em_proc__free(w.proc);
	w.proc = em_proc__new(0);
	w.start_wall_ns = wall_ns();
	w.start_mono_ns = em_now_ns();
	w.next_write_ns = w.start_mono_ns + (int64_t)em_cfg.interval * 1000000000LL;
	em_collector__init(&w.cpu, EM_COLLECT_CPU);
	if (em_thread_spawn(&w.thread, writer_main, NULL) == 0)
		w.thread_running = true;
}

/* ---- HTTP windows ---- */

struct em_collector *em_writer_window_open(enum em_collector_kind kind)
{
	struct em_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_lock(&w.lock);
	drain();	/* samples before the window belong to the cumulative profile only */
	if (em_collector__init(c, kind) < 0) {
		pthread_mutex_unlock(&w.lock);
		free(c);
		return NULL;
	}
	c->next = w.windows;
	w.windows = c;
	pthread_mutex_unlock(&w.lock);
	return c;
}

int em_writer_window_close(struct em_collector *c, uint8_t **out, size_t *len)
{
	struct em_collector **pp;
	int err;

	pthread_mutex_lock(&w.lock);
	drain();
	for (pp = &w.windows; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	err = em_collector__encode(c, out, len);
	pthread_mutex_unlock(&w.lock);
	em_collector__free(c);
	free(c);
	return err;
}

int em_writer_symbol_name(uint64_t addr, char *name, size_t len)
{
	struct em_symloc loc;
	int err = -ENOENT;

	pthread_mutex_lock(&w.lock);
	if (w.sym && w.proc && em_symbolizer__lookup(w.sym, w.proc, addr, &loc) > 0) {
		snprintf(name, len, "%s", loc.frames[loc.nframes - 1].name);
		err = 0;
	}
	pthread_mutex_unlock(&w.lock);
	return err;
}
