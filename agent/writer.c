// SPDX-License-Identifier: MIT
/*
 * writer.c - the agent's background thread. It drains the sample ring into
 * the collectors (collector.c: records -> symbolized pprof samples) and
 * writes the profiles atomically every interval and at exit. Everything slow
 * the agent does happens here, never in a handler or a hook; the
 * application's threads only ever wait for it at exit, with a bound.
 *
 * Collectors: one cumulative profile per enabled event (cpu, heap,
 * syscall), plus one per open HTTP window (/debug/pprof/profile?seconds=N,
 * /debug/pprof/syscall?seconds=N). All writer state is under w.lock.
 */
#include "afile.h"
#include "agent.h"
#include "backlog.h"
#include "heap.h"
#include "log.h"
#include "real.h"
#include "symbolize.h"
#include "syscalls.h"
#include "u64map.h"
#include "unwind_cache.h"
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	unsigned maps_gen;
	uint32_t unwind_gen;		/* the unwind cache's, read at the start of drain() */
	struct em_collector cpu, heap, sys;	/* cumulative; kind = -1 when off */
	bool have_cpu, have_heap, have_sys;
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
	if (n <= 0 && em_thread_exited_name(tid, buf)) {
		/* Gone already: the name it had when it exited. */
		n = (ssize_t)strlen(buf);
	}
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
		thread_name(tid);	/* creates the entry (the thread's exit name) */
		if (!em_u64map__get(&w.names.ix, (uint64_t)tid, &i))
			return;
	}
	snprintf(w.names.v[i].name, sizeof(w.names.v[i].name), "%.15s", name);
	w.names.v[i].stale = false;
}

static void for_each_collector(void (*fn)(struct em_collector *, const void *), const void *arg)
{
	if (w.have_cpu)
		fn(&w.cpu, arg);
	if (w.have_heap)
		fn(&w.heap, arg);
	if (w.have_sys)
		fn(&w.sys, arg);
	for (struct em_collector *c = w.windows; c; c = c->next)
		fn(c, arg);
}

static void forget_pcs(struct em_collector *c, const void *arg)
{
	(void)arg;
	em_collector__forget_pcs(c);
}

static void add(struct em_collector *c, const void *rec)
{
	em_collector__add(c, rec);
}

static void handle(const struct em_rec *r)
{
	if (r->kind == EM_REC_THREAD_NAME) {
		set_thread_name(r->tid, r->name);
		return;
	}
	em_unwind_learn(r, w.unwind_gen);
	for_each_collector(add, r);
}

static void drain(void)
{
	unsigned gen;

	/* In this order: see unwind_learn.c. */
	w.unwind_gen = em_unwind_cache_gen();
	gen = atomic_load(&em_maps_generation);
	em_collect_env.maps_fresh = false;

	if (gen != w.maps_gen) {
		/* dlclose: addresses may be reused by the next object loaded, so
		 * cached symbols for them are no longer trustworthy. */
		w.maps_gen = gen;
		em_proc__refresh(em_collect_env.proc);
		for_each_collector(forget_pcs, NULL);
	}
	/* Everything up to now: what the drainer has queued, and what is
	 * still in the ring. */
	em_backlog_pump();
	em_backlog_consume(em_backlog_take(), handle);
}

/* ---- output ---- */

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

static void write_one(struct em_collector *c, const char *kind, const char *default_type)
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
			em_warn("EMBER_OUTPUT: cannot create %s: %s; profiles are not written",
				w.dir, strerror(-err));
		w.dir_warned = true;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.%d.pb.gz", w.dir, kind, (int)getpid());
	err = em_collector__encode(c, default_type, &buf, &len);
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
	if (w.have_cpu)
		write_one(&w.cpu, "cpu", NULL);
	if (w.have_heap)
		write_one(&w.heap, "heap", NULL);
	if (w.have_sys)
		write_one(&w.sys, "syscall", NULL);
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

/* Wake the writer thread (flush requests, records queued by the drainer). */
static void wake_writer(void)
{
	unsigned zero = 0;

	if (atomic_compare_exchange_strong(&w.kick, &zero, 1))
		syscall(SYS_futex, &w.kick, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void em_writer_kick(void)
{
	/* The ring is filling: the drainer empties it (async-signal-safe). */
	em_backlog_kick();
}

static void step(void)
{
	int64_t now = em_now_ns();

	em_sys_calibrate();
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
	/* Its files (a temp file per write, binaries to symbolize) must not
	 * take the program's numbers, nor be closed by its closefrom(). */
	em_thread_private_fds();
	for (;;) {
		/* The drainer wakes us when records are queued; otherwise look
		 * every 100 ms for the periodic write. */
		wait_for_work(100000000);
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
	struct timespec ts;
	uint64_t req;
	int err;

	/* The writer may hold its lock while it symbolizes a big module: wait,
	 * but within the caller's bound. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000 + 1;
	if (pthread_mutex_timedlock(&w.lock, &ts) != 0)
		return -ETIMEDOUT;
	req = ++w.flush_req;
	if (!w.thread_running) {
		step();
		pthread_mutex_unlock(&w.lock);
		return 0;
	}
	wake_writer();
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
	em_backlog_stop();
	req = ++w.flush_req;
	if (!w.thread_running) {
		step();
		pthread_mutex_unlock(&w.lock);
		return;
	}
	wake_writer();
	wait_done(req, timeout_ms);
	pthread_mutex_unlock(&w.lock);
}

static void find_self(void)
{
	struct dl_find_object fo;

	if (_dl_find_object((void *)find_self, &fo) == 0) {
		em_collect_env.self_lo = (uintptr_t)fo.dlfo_map_start;
		em_collect_env.self_hi = (uintptr_t)fo.dlfo_map_end;
	}
	/* The generic ("remote") libunwind the agent walks stacks with;
	 * programs that use libunwind use its local flavour, another object.
	 * A hook saves its registers with its getcontext before it marks
	 * itself busy, so samples land there. */
	if (_dl_find_object((void *)_Ux86_64_getcontext, &fo) == 0) {
		em_collect_env.unw_lo = (uintptr_t)fo.dlfo_map_start;
		em_collect_env.unw_hi = (uintptr_t)fo.dlfo_map_end;
	}
}

static int init_collectors(void)
{
	w.have_cpu = em_cfg.events & EM_EVENT_CPU;
	w.have_heap = em_cfg.events & EM_EVENT_HEAP;
	w.have_sys = em_cfg.events & EM_EVENT_SYSCALL;
	if ((w.have_cpu && em_collector__init(&w.cpu, EM_COLLECT_CPU) < 0) ||
	    (w.have_heap && em_collector__init(&w.heap, EM_COLLECT_HEAP) < 0) ||
	    (w.have_sys && em_collector__init(&w.sys, EM_COLLECT_SYSCALL) < 0))
		return -ENOMEM;
	return 0;
}

static void free_collectors(void)
{
	if (w.have_cpu)
		em_collector__free(&w.cpu);
	if (w.have_heap)
		em_collector__free(&w.heap);
	if (w.have_sys)
		em_collector__free(&w.sys);
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
	em_collect_env.sym = em_symbolizer__new(&so);
	em_collect_env.proc = em_proc__new(0);
	em_collect_env.thread_name = thread_name;
	if (!em_collect_env.sym || !em_collect_env.proc)
		return -ENOMEM;
	w.maps_gen = atomic_load(&em_maps_generation);
	w.start_wall_ns = wall_ns();
	w.start_mono_ns = em_now_ns();
	w.next_write_ns = w.start_mono_ns + (int64_t)em_cfg.interval * 1000000000LL;
	return init_collectors();
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
	/* Without a drainer the writer still drains the ring itself, only
	 * less promptly while it symbolizes. */
	err = em_backlog_start(wake_writer);
	if (err)
		em_warn("cannot start the drainer thread: %s", strerror(-err));
	return 0;
}

void em_writer_fork_prepare(void)
{
	pthread_mutex_lock(&w.lock);
	em_backlog_fork_prepare();
}

void em_writer_fork_parent(void)
{
	em_backlog_fork_parent();
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
	free_collectors();
	em_proc__free(em_collect_env.proc);
	em_collect_env.proc = em_proc__new(0);
	w.start_wall_ns = wall_ns();
	w.start_mono_ns = em_now_ns();
	w.next_write_ns = w.start_mono_ns + (int64_t)em_cfg.interval * 1000000000LL;
	init_collectors();
	/* The backlog's lock was held across fork (prepare took it): reset it
	 * before any thread of the child can wait on it, then start threads. */
	em_backlog_after_fork_child();
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
	err = em_collector__encode(c, NULL, out, len);
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
	if (em_collect_env.sym && em_collect_env.proc &&
	    em_symbolizer__lookup(em_collect_env.sym, em_collect_env.proc, addr, &loc) > 0) {
		snprintf(name, len, "%s", loc.frames[loc.nframes - 1].name);
		err = 0;
	}
	pthread_mutex_unlock(&w.lock);
	return err;
}

int em_writer_heap(const char *default_type, int seconds, int (*sleep)(void *arg, unsigned ms),
		   void *sleep_arg, uint8_t **out, size_t *len)
{
	struct em_collector *c = &w.heap;
	int64_t wall0, mono0, saved_wall, saved_mono;
	double *base = NULL;
	size_t nbase = 0, nv;
	int err;

	pthread_mutex_lock(&w.lock);
	if (!w.have_heap) {
		pthread_mutex_unlock(&w.lock);
		return -ENOENT;
	}
	drain();
	if (seconds <= 0) {
		err = em_collector__encode(c, default_type, out, len);
		pthread_mutex_unlock(&w.lock);
		return err;
	}
	/* Go's delta profile: the values gained over the window. Keep a copy
	 * of the accumulators now and subtract it at the end. */
	nv = em_collector__nvalues(c);
	nbase = c->p->nsamples;
	base = malloc((nbase ? nbase : 1) * nv * sizeof(*base));
	if (base && nbase) {
		size_t have = c->acc_cap < nbase * nv ? c->acc_cap : nbase * nv;

		memset(base, 0, nbase * nv * sizeof(*base));
		if (have)
			memcpy(base, c->acc, have * sizeof(*base));
	}
	pthread_mutex_unlock(&w.lock);
	if (!base)
		return -ENOMEM;
	wall0 = (int64_t)time(NULL) * 1000000000LL;
	mono0 = em_now_ns();
	if (sleep(sleep_arg, (unsigned)seconds * 1000) != 0) {
		free(base);
		return -ECANCELED;
	}
	pthread_mutex_lock(&w.lock);
	drain();
	saved_wall = c->start_wall_ns;
	saved_mono = c->start_mono_ns;
	c->start_wall_ns = wall0;
	c->start_mono_ns = mono0;
	err = em_collector__encode_delta(c, base, nbase, default_type, out, len);
	c->start_wall_ns = saved_wall;
	c->start_mono_ns = saved_mono;
	pthread_mutex_unlock(&w.lock);
	free(base);
	return err;
}
