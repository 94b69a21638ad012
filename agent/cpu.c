// SPDX-License-Identifier: MIT
/*
 * cpu.c - CPU sampling: one CLOCK_THREAD_CPUTIME_ID timer per thread, each
 * delivering a signal to its own thread (SIGEV_THREAD_ID) every 1/HZ seconds
 * of that thread's CPU time, so threads are sampled in proportion to the CPU
 * they use (a process-wide setitimer lands wherever the kernel chooses).
 *
 * The signal: SIGPROF, unless something installed a handler for it before
 * us; then the highest free real-time signal. If the application installs a
 * handler for our signal later, the sigaction wrappers call
 * em_cpu_yield_signal() first and we move every timer to a free signal, so
 * the application gets exactly the disposition it asked for and never sees
 * one of our signals. The application's view of our signal (what sigaction
 * reports as the old action) is kept in app_action.
 */
#include "agent.h"
#include "log.h"
#include "real.h"
#include "sampling.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Distinguishes our timer signals from any other sender of the same signal. */
#define EM_TIMER_COOKIE ((void *)0x656d626572UL)	/* "ember" */

static atomic_int cur_signal;		/* 0 = off */
static atomic_int stopped;
static int64_t period_ns;
static struct sigaction app_action;	/* the application's view of cur_signal */

int em_cpu_signal(void)
{
	return atomic_load_explicit(&cur_signal, memory_order_relaxed);
}

struct sigaction *em_cpu_app_action(int sig)
{
	return sig && sig == em_cpu_signal() ? &app_action : NULL;
}

/*
 * Someone else's signal (raise, kill, sigqueue, an itimer) on ours while
 * the program leaves it at SIG_DFL: without the agent it would end the
 * program (SIGPROF and the real-time signals all terminate by default), so
 * it must. The default goes back in place and the signal is sent again to
 * this thread, to be delivered as our handler returns.
 */
static void default_action(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	atomic_store(&stopped, 1);
	EM_REAL(sigaction)(sig, &dfl, NULL);
	syscall(SYS_tgkill, getpid(), gettid(), sig);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	struct em_thread *t = em_tls_self;
	struct em_rec *rec;
	uint16_t flags;
	bool busy;

	if (si->si_code != SI_TIMER || si->si_value.sival_ptr != EM_TIMER_COOKIE) {
		atomic_fetch_add_explicit(&em_stats.foreign_signals, 1, memory_order_relaxed);
		if (app_action.sa_handler == SIG_DFL && !(app_action.sa_flags & SA_SIGINFO))
			default_action(sig);
		goto out;
	}
	atomic_fetch_add_explicit(&em_stats.cpu_signals, 1, memory_order_relaxed);
	if (t)
		atomic_fetch_add_explicit(&t->expiries, 1 + (si->si_overrun > 0 ? si->si_overrun : 0),
					  memory_order_relaxed);
	if (atomic_load_explicit(&stopped, memory_order_relaxed) || !t || getpid() != em_pid)
		goto out;
	/* Agent code was running on this thread (a hook's slow path): its CPU
	 * is the program's all the same, so it is sampled, but only with
	 * cached rules, as that code may be inside libunwind. */
	busy = em_tls_busy != 0;
	if (busy)
		atomic_fetch_add_explicit(&em_stats.busy, 1, memory_order_relaxed);
	em_tls_busy++;
	rec = em_ring__claim(em_ring_q);
	if (!rec) {
		atomic_fetch_add_explicit(&em_stats.ring_full, 1, memory_order_relaxed);
		em_writer_kick();
		em_tls_busy--;
		goto out;
	}
	rec->kind = EM_REC_CPU;
	rec->tid = t->tid;
	/* A sample stands for every timer expiry since the last delivery. */
	rec->v[0] = 1 + (si->si_overrun > 0 ? si->si_overrun : 0);
	rec->v[1] = rec->v[0] * period_ns;
	rec->nframes = em_unwind_signal(uc, t, busy, rec->frames, em_ring__max_frames(em_ring_q),
					&flags);
	rec->flags = flags;
	em_stats_count_stack(flags);
	em_ring__publish(em_ring_q, rec);
	atomic_fetch_add_explicit(&em_stats.cpu_samples, 1, memory_order_relaxed);
	if (em_ring__used(em_ring_q) * 2 > em_ring__capacity(em_ring_q))
		em_writer_kick();
	em_tls_busy--;
out:
	errno = saved_errno;
}

static int install_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	/* Every signal blocked while we sample: nothing can re-enter libunwind
	 * on this thread (see unwind.c), and SA_RESTART keeps interrupted
	 * system calls of the application going. */
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	return EM_REAL(sigaction)(sig, &sa, NULL);
}

/* A signal nobody handles: SIG_DFL, and not the one in use now. */
static bool signal_is_free(int sig)
{
	struct sigaction cur;

	if (EM_REAL(sigaction)(sig, NULL, &cur) != 0)
		return false;
	return !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL;
}

static int pick_signal(int avoid)
{
	if (avoid != SIGPROF && signal_is_free(SIGPROF))
		return SIGPROF;
	/* From the top of the real-time range down: libraries that use RT
	 * signals (glibc's own, Boehm GC, ...) take them from the bottom. */
	for (int sig = SIGRTMAX - 1; sig > SIGRTMIN + 2; sig--)
		if (sig != avoid && signal_is_free(sig))
			return sig;
	return 0;
}

/* A thread's CPU clock, read from any thread of the process (the clock id
 * glibc's pthread_getcpuclockid() makes of a thread id). */
static int64_t thread_cpu_ns(pid_t tid)
{
	clockid_t clk = (clockid_t)((~(unsigned)tid << 3) | 6);
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The first expiry comes at a random point of the first period, not at its
 * end: a thread's expected number of samples is then exactly its CPU time
 * over the period, however short it lives. (At a full period, a thread that
 * used 5 ms at 99 Hz was never sampled, and every thread lost the part of
 * a period it ended in.)
 */
static int arm(struct em_thread *t, int sig)
{
	struct sigevent sev;
	struct itimerspec its;
	int64_t phase = em_rand_uniform(period_ns);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_ptr = EM_TIMER_COOKIE;
	sev._sigev_un._tid = t->tid;
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &t->timer) != 0)
		return -errno;
	its.it_interval.tv_sec = period_ns / 1000000000;
	its.it_interval.tv_nsec = period_ns % 1000000000;
	its.it_value.tv_sec = phase / 1000000000;
	its.it_value.tv_nsec = phase % 1000000000;
	t->armed_cpu_ns = thread_cpu_ns(t->tid);
	t->phase_ns = phase;
	atomic_store_explicit(&t->expiries, 0, memory_order_relaxed);
	if (t->armed_cpu_ns < 0 || timer_settime(t->timer, 0, &its, NULL) != 0) {
		int err = t->armed_cpu_ns < 0 ? -EINVAL : -errno;

		timer_delete(t->timer);
		return err;
	}
	t->has_timer = true;
	return 0;
}

int em_cpu_thread_start(struct em_thread *t)
{
	int sig, err = 0;

	/* Under the registry lock, so a concurrent em_cpu_yield_signal() and
	 * this thread never both arm a timer for it. */
	pthread_mutex_lock(&em_threads_lock);
	sig = em_cpu_signal();
	if (sig && !t->has_timer && !atomic_load(&stopped)) {
		err = arm(t, sig);
		if (err)
			atomic_fetch_add(&em_stats.timer_failures, 1);
	}
	pthread_mutex_unlock(&em_threads_lock);
	return err;
}

void em_cpu_thread_stop(struct em_thread *t)
{
	if (t->has_timer) {
		/* Deleting a POSIX timer also drops its pending signal. */
		timer_delete(t->timer);
		t->has_timer = false;
	}
}

void em_cpu_thread_settle(struct em_thread *t)
{
	int64_t used, owed;
	struct em_rec *rec;
	bool had;

	if (!t)
		return;
	/* Timer first: from here on nothing is delivered, and what it owed
	 * is what its schedule says minus what came. */
	pthread_mutex_lock(&em_threads_lock);
	had = t->has_timer;
	em_cpu_thread_stop(t);
	pthread_mutex_unlock(&em_threads_lock);
	if (!had || atomic_load(&stopped) || !em_ring_q)
		return;
	used = thread_cpu_ns(t->tid) - t->armed_cpu_ns;
	if (t->armed_cpu_ns < 0 || used < t->phase_ns)
		return;
	owed = 1 + (used - t->phase_ns) / period_ns -
	       atomic_load_explicit(&t->expiries, memory_order_relaxed);
	if (owed <= 0)
		return;
	rec = em_ring__claim(em_ring_q);
	if (!rec) {
		atomic_fetch_add_explicit(&em_stats.ring_full, 1, memory_order_relaxed);
		return;
	}
	/* Where in the thread that CPU went is not known: under its start
	 * routine when we know it, with a frame that says so. */
	rec->kind = EM_REC_CPU;
	rec->tid = t->tid;
	rec->flags = EM_REC_UNSAMPLED_TAIL;
	rec->nframes = 0;
	if (t->start_fn)
		rec->frames[rec->nframes++] = (uint64_t)t->start_fn | EM_PC_EXACT;
	rec->v[0] = owed;
	rec->v[1] = owed * period_ns;
	em_ring__publish(em_ring_q, rec);
}

void em_cpu_stop(void)
{
	atomic_store(&stopped, 1);
}

int em_cpu_init(void)
{
	int sig = em_cfg.signal;

	period_ns = 1000000000LL / em_cfg.hz;
	if (sig && !signal_is_free(sig)) {
		em_warn("EMBER_SIGNAL: signal %d already has a handler; choosing another", sig);
		sig = 0;
	}
	if (!sig)
		sig = pick_signal(0);
	if (!sig)
		return -EBUSY;
	if (install_handler(sig) != 0)
		return -errno;
	memset(&app_action, 0, sizeof(app_action));
	app_action.sa_handler = SIG_DFL;
	atomic_store(&cur_signal, sig);
	return 0;
}

/* The registry lock is held only for short list updates, but the caller may
 * be a signal handler that interrupted this very thread inside one: try for a
 * bounded time rather than wait. */
static bool lock_registry_briefly(void)
{
	for (int i = 0; i < 1000; i++) {
		if (pthread_mutex_trylock(&em_threads_lock) == 0)
			return true;
		sched_yield();
	}
	return false;
}

void em_cpu_yield_signal(int sig)
{
	struct em_thread *t;
	int next;

	if (!sig || sig != em_cpu_signal())
		return;
	if (!lock_registry_briefly()) {
		/* Cannot reach the timers safely: stop using the signal. Timers
		 * already armed keep firing into the application's handler,
		 * which is why this path warns. */
		atomic_store(&cur_signal, 0);
		em_warn("cpu: the application took signal %d while ember was busy with it; "
			"CPU profiling is off", sig);
		return;
	}
	next = pick_signal(sig);
	if (!next || install_handler(next) != 0) {
		for (t = em_threads; t; t = t->next)
			em_cpu_thread_stop(t);
		atomic_store(&cur_signal, 0);
		pthread_mutex_unlock(&em_threads_lock);
		em_warn("cpu: the application installed a handler for signal %d and no other "
			"signal is free; CPU profiling is off", sig);
		return;
	}
	/* Old timers go first: deleting a timer also drops its pending signal,
	 * so the application never receives one of ours. */
	for (t = em_threads; t; t = t->next) {
		em_cpu_thread_stop(t);
		if (arm(t, next) != 0)
			atomic_fetch_add(&em_stats.timer_failures, 1);
	}
	atomic_store(&cur_signal, next);
	memset(&app_action, 0, sizeof(app_action));
	app_action.sa_handler = SIG_DFL;
	pthread_mutex_unlock(&em_threads_lock);
	em_debug("cpu: the application installed a handler for signal %d; sampling moved to %d",
		 sig, next);
}
