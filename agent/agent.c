// SPDX-License-Identifier: MIT
/*
 * agent.c - libember.so's life: the constructor reads the settings and starts
 * each enabled part (a part that cannot start warns once and stays off; the
 * program always runs on), fork handlers give a child its own profiles, and
 * exit, _exit, ember_stop() and the termination signals the program leaves
 * at SIG_DFL (exitsig.c) write the final profiles with a bounded wait.
 */
#include "agent.h"
#include "ember.h"
#include "endpoints.h"
#include "exitsig.h"
#include "heap.h"
#include "syscalls.h"
#include "log.h"
#include "real.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct em_stats em_stats;
struct em_config em_cfg;
struct em_ring *em_ring_q;
pid_t em_pid;
atomic_int em_running;

/* Ring slots: at 99 Hz the writer drains every 20-100 ms; 1024 records is
 * ten times what 100 busy threads produce between two drains. */
#define RING_SLOTS 1024
#define EXIT_FLUSH_MS 5000

/* finish(): not yet, writing the final profiles, written. */
enum { FINISH_NOT_YET, FINISH_WRITING, FINISH_DONE };
static atomic_int finish_state;

static void finish(int timeout_ms);

static const char *env(const char *name)
{
	return getenv(name);
}

static void warn_line(const char *msg)
{
	em_warn("%s", msg);
}

/* With EMBER_NO_CHILDREN, programs this one execs must not load the agent:
 * take libember.so out of LD_PRELOAD (the rest of it stays). */
static void drop_from_ld_preload(void)
{
	const char *v = getenv("LD_PRELOAD");
	char *copy, *out, *tok, *save = NULL;
	size_t n;

	if (!v)
		return;
	n = strlen(v) + 1;
	copy = strdup(v);
	out = calloc(1, n);
	if (!copy || !out) {
		free(copy);
		free(out);
		return;
	}
	for (tok = strtok_r(copy, " :", &save); tok; tok = strtok_r(NULL, " :", &save)) {
		const char *base = strrchr(tok, '/');

		if (!strcmp(base ? base + 1 : tok, "libember.so"))
			continue;
		if (*out)
			strcat(out, ":");
		strcat(out, tok);
	}
	if (*out)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
	free(copy);
	free(out);
}

static void fork_prepare(void)
{
	if (!atomic_load(&em_running) || getpid() != em_pid)
		return;
	em_tls_busy++;
	em_writer_fork_prepare();
	pthread_mutex_lock(&em_threads_lock);
	em_unwind_barrier_begin();
}

static void fork_parent(void)
{
	if (!atomic_load(&em_running) || getpid() != em_pid)
		return;
	em_unwind_barrier_end();
	pthread_mutex_unlock(&em_threads_lock);
	em_writer_fork_parent();
	em_tls_busy--;
}

static void fork_child(void)
{
	struct em_ring *old = em_ring_q;

	if (!atomic_load(&em_running))
		return;
	/* The child is a new process with one thread: fresh counters, a fresh
	 * ring (another thread may have been between claim and publish), its
	 * own profiles and writer, and a timer for this thread. */
	em_pid = getpid();
	memset(&em_stats, 0, sizeof(em_stats));
	em_unwind_after_fork_child();
	em_thread_after_fork_child();
	em_heap_after_fork_child();
	em_ring_q = em_ring__new(RING_SLOTS, em_cfg.max_depth);
	em_ring__free(old);
	if (!em_ring_q) {
		atomic_store(&em_running, 0);
		em_cpu_stop();
		em_heap_stop();
		em_sys_stop();
		em_tls_busy--;
		return;
	}
	em_writer_after_fork_child();
	em_endpoints_after_fork_child();
	em_exitsig_after_fork_child();
	if (em_tls_self)
		em_cpu_thread_start(em_tls_self);
	em_tls_busy--;
}

__attribute__((constructor)) static void agent_start(void)
{
	static int started;
	int err;

	if (started++)
		return;
	if (em_real_init() != 0)
		goto off;
	em_config_parse(&em_cfg, env, warn_line);
	em_log_verbose = em_cfg.verbose;
	if (!em_cfg.events)
		goto off;
	if (em_cfg.no_children)
		drop_from_ld_preload();
	em_pid = getpid();
	em_tls_busy++;
	em_ring_q = em_ring__new(RING_SLOTS, em_cfg.max_depth);
	if (!em_ring_q || em_thread_init() != 0) {
		em_warn("cannot allocate the sample ring: %s; profiling is off", strerror(errno));
		goto busy_off;
	}
	/* Register this thread before the sampler exists (no timer yet), so the
	 * unwinder's one-time set-up runs here and not in a signal handler. */
	em_thread_attach();
	if (em_unwind_init() != 0) {
		em_warn("cannot set up libunwind; profiling is off");
		goto busy_off;
	}
	err = em_writer_start();
	if (err) {
		em_warn("cannot start the writer thread: %s; profiling is off", strerror(-err));
		goto busy_off;
	}
	if (em_cfg.events & EM_EVENT_CPU) {
		err = em_cpu_init();
		if (err)
			em_warn("no free signal for CPU sampling (%s); CPU profiling is off",
				strerror(-err));
	}
	em_sys_init();
	em_heap_init();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	atomic_store(&em_running, 1);
	em_endpoints_start();
	err = em_exitsig_init(finish);
	if (err)
		em_warn("cannot start the final-write thread: %s; termination signals "
			"write no final profile",
			strerror(-err));
	em_tls_busy--;
	if (em_tls_self)
		em_cpu_thread_start(em_tls_self);
	em_debug("agent started in pid %d: %u Hz, writing to %s every %us", (int)em_pid,
		 em_cfg.hz, em_cfg.output, em_cfg.interval);
	return;

busy_off:
	em_tls_busy--;
off:
	/* Every wrapper must learn that the agent is off, or the malloc
	 * wrappers would keep asking (their "not decided yet" slow path). */
	em_heap_stop();
	em_sys_stop();
}

/* Stop sampling and write the final profiles. Only the process that owns
 * the state (not a vfork child sharing it) and only once: a second caller
 * (exit() on one thread while a termination signal is handled on another)
 * waits for the first, within its own bound, rather than let the process
 * end half-way through the write. */
static void finish(int timeout_ms)
{
	const struct timespec tick = { 0, 10000000 };
	int state = FINISH_NOT_YET;
	struct em_thread *t;

	if (!atomic_load(&em_running) || getpid() != em_pid)
		return;
	if (!atomic_compare_exchange_strong(&finish_state, &state, FINISH_WRITING)) {
		em_tls_busy++;
		for (int ms = 0; ms < timeout_ms && atomic_load(&finish_state) == FINISH_WRITING;
		     ms += 10)
			nanosleep(&tick, NULL);
		em_tls_busy--;
		return;
	}
	em_tls_busy++;
	em_cpu_stop();
	em_heap_stop();
	em_sys_stop();
	if (pthread_mutex_trylock(&em_threads_lock) == 0) {
		for (t = em_threads; t; t = t->next)
			em_cpu_thread_stop(t);
		pthread_mutex_unlock(&em_threads_lock);
	}
	/* Open /profile windows end now, so their clients get an answer. */
	em_endpoints_stop();
	em_writer_shutdown(timeout_ms);
	atomic_store(&finish_state, FINISH_DONE);
	em_tls_busy--;
}

__attribute__((destructor)) static void agent_stop(void)
{
	finish(EXIT_FLUSH_MS);
}

/* _exit skips destructors; forked children commonly end with it, and their
 * profile is written here. The wait is bounded: if _exit is called from a
 * signal handler that interrupted code holding a lock the writer needs, the
 * process still exits after a second. */
EM_EXPORT void _exit(int status)
{
	if (!em_tls_busy)
		finish(1000);
	EM_REAL(_exit)(status);
}

EM_EXPORT void _Exit(int status)
{
	if (!em_tls_busy)
		finish(1000);
	EM_REAL(_Exit)(status);
}

EM_EXPORT int ember_flush(void)
{
	int err;

	if (!atomic_load(&em_running) || getpid() != em_pid)
		return -ENOTCONN;
	em_tls_busy++;
	err = em_writer_flush(10000);
	em_tls_busy--;
	return err;
}

EM_EXPORT void ember_stop(void)
{
	finish(EXIT_FLUSH_MS);
}

/*
 * glibc ends the process when its last thread ends, and counts the agent's
 * threads among them: a program whose main thread calls pthread_exit()
 * would otherwise wait for them for ever. finish() ends the writer and
 * drainer threads and the HTTP server's; the final-write thread is told to
 * end too. The last of them to go then exits the process with status 0, as
 * the program's last thread would have.
 */
void em_agent_last_thread(void)
{
	finish(EXIT_FLUSH_MS);
	em_exitsig_quit();
}

EM_EXPORT const char *ember_version(void)
{
	return EMBER_VERSION;
}
