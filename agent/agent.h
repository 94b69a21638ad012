/* SPDX-License-Identifier: MIT */
/*
 * agent.h - what the agent's modules share: per-thread state, counters and
 * the module entry points. Internal to libember.so (hidden visibility).
 *
 * Module map (docs/design.md has the long form):
 *   agent.c    constructor/destructor, fork, exit, the ember_* API
 *   real.c     the real libc functions behind every interposed name
 *   thread.c   per-thread state, pthread_create wrapper, thread registry
 *   unwind.c   libunwind with our own accessors (signal- and hook-safe)
 *   cpu.c      per-thread CPU-time timers and the sampling signal handler
 *   signals.c  sigaction/signal/sigprocmask wrappers (never steal a signal)
 *   loader.c   dlclose wrapper (unwinding barrier, symbol cache flush)
 *   writer.c   background thread: drain the ring, symbolize, write profiles
 *   ring.c     lock-free queue from handlers/hooks to the writer
 *
 * Signal-safety rule: everything reachable from a signal handler or an
 * allocation/syscall hook is marked "async-signal-safe" in its header and
 * uses only atomics, TLS and preallocated memory.
 */
#ifndef EMBER_AGENT_H
#define EMBER_AGENT_H

#include "config.h"
#include "ring.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <ucontext.h>

#define EM_HIDDEN __attribute__((visibility("hidden")))
/* The interposed libc names and ember_*: the only symbols libember.so exports
 * (agent/exports.map lists them; hidden symbols cannot be exported). */
#define EM_EXPORT __attribute__((visibility("default")))
#define EM_TLS	  __attribute__((tls_model("initial-exec")))

/* One per thread the agent knows (created through pthread_create, or the
 * thread that loaded the agent). Owned by thread.c; freed at thread exit. */
struct em_thread {
	pid_t tid;
	uintptr_t stack_lo, stack_hi;	/* readable stack, for the unwinder */
	uintptr_t start_fn;		/* its start routine, 0 if not created by us */
	timer_t timer;
	bool has_timer;
	/* Since the timer was armed: the thread's CPU clock then, the first
	 * expiry's distance (a random phase), and expiries delivered. */
	int64_t armed_cpu_ns, phase_ns;
	atomic_long expiries;
	struct em_thread *prev, *next;	/* registry, under em_threads_lock */
};

/*
 * Per-thread TLS, initial-exec so access never allocates (safe in signal
 * handlers and malloc hooks).
 *   em_tls_self  - this thread's em_thread, or NULL
 *   em_tls_busy  - nonzero while agent code runs on this thread: handlers and
 *                  hooks that find it set do nothing (re-entrancy guard), and
 *                  the agent's own threads keep it set for their whole life
 *   em_tls_exited - set once the thread's em_thread is gone (its exit
 *                  destructor ran): it is never attached again, and what it
 *                  still does (later destructors' malloc and free) is
 *                  recorded without a stack
 */
extern __thread struct em_thread *em_tls_self EM_TLS EM_HIDDEN;
extern __thread int em_tls_busy EM_TLS EM_HIDDEN;
extern __thread int em_tls_exited EM_TLS EM_HIDDEN;

/* Counters for what handlers and hooks could not do; reported in profile
 * comments and on the /debug/pprof/ index, never printed from a handler. */
struct em_stats {
	atomic_ulong cpu_signals;	/* timer signals handled */
	atomic_ulong cpu_samples;	/* records queued */
	atomic_ulong ring_full;		/* dropped: ring full */
	atomic_ulong busy;		/* CPU samples taken while agent code ran there */
	atomic_ulong truncated;		/* stacks cut short by the unwinder */
	atomic_ulong depth_limited;	/* stacks cut at EMBER_MAX_DEPTH */
	atomic_ulong loader_skipped;	/* not unwound: dlclose or fork in progress */
	atomic_ulong low_stack;		/* not unwound: too little stack left */
	atomic_ulong foreign_signals;	/* our signal, not from our timer: ignored */
	atomic_ulong timer_failures;	/* threads whose timer could not be created */
	atomic_ulong heap_samples;	/* sampled allocations queued */
	atomic_ulong heap_lost_frees;	/* frees of sampled allocations the writer never saw */
	atomic_ulong syscall_samples;	/* sampled blocking calls queued */
	atomic_ulong slow_unwinds;	/* stacks libunwind walked (not all rules cached);
					 * counted by the writer */
	atomic_ulong unwind_verified;	/* EMBER_UNWIND=verify: cached walk = libunwind's */
	atomic_ulong unwind_mismatches;	/* EMBER_UNWIND=verify: they differed */
};

extern struct em_stats em_stats EM_HIDDEN;

/* Count what the unwinder's flags (EM_REC_*) say about a stack.
 * Async-signal-safe. */
static inline void em_stats_count_stack(uint16_t flags)
{
	if (flags & EM_REC_TRUNCATED)
		atomic_fetch_add_explicit(&em_stats.truncated, 1, memory_order_relaxed);
	if (flags & EM_REC_DEPTH_LIMIT)
		atomic_fetch_add_explicit(&em_stats.depth_limited, 1, memory_order_relaxed);
	if (flags & EM_REC_LOADER_SKIPPED)
		atomic_fetch_add_explicit(&em_stats.loader_skipped, 1, memory_order_relaxed);
	if (flags & EM_REC_LOW_STACK)
		atomic_fetch_add_explicit(&em_stats.low_stack, 1, memory_order_relaxed);
}
extern struct em_config em_cfg EM_HIDDEN;
extern struct em_ring *em_ring_q EM_HIDDEN;
/* The process the agent's state belongs to; differs from getpid() in a vfork
 * child, which shares our memory and must not touch it. */
extern pid_t em_pid EM_HIDDEN;

/* ---- thread.c ---- */
extern pthread_mutex_t em_threads_lock EM_HIDDEN;
extern struct em_thread *em_threads EM_HIDDEN;	/* registry list head */
/* Registers the calling thread: stack bounds, tid, CPU timer. Normal context. */
struct em_thread *em_thread_attach(void) EM_HIDDEN;
/* Marks the calling thread as the agent's own (never sampled or recorded). */
void em_thread_mark_agent(void) EM_HIDDEN;
/* Creates a thread with the real pthread_create, all signals blocked in it,
 * marked as the agent's. Returns 0 or an errno value. */
int em_thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg) EM_HIDDEN;
/*
 * em_thread_private_fds() - give the calling agent thread a descriptor table
 * of its own (unshare(CLONE_FILES)), emptied of the program's descriptors
 * but for 0-2 (/dev/null where the program had none). For threads that
 * use no descriptor of the program's: the writer (its files can then
 * neither take the program's numbers nor be closed by its closefrom), the
 * drainer. It also keeps the program's own system calls fast: the kernel
 * skips reference counting on every fd-based call while a table has one
 * user, and a single-threaded program keeps that with the agent loaded.
 * Returns true if the table is private; false (nothing changed) without
 * close_range (kernel < 5.9) or when unshare is refused (seccomp).
 */
bool em_thread_private_fds(void) EM_HIDDEN;
/* The name a thread had when it exited, if it is among the last 256 to
 * exit: true and NAME filled (NUL-terminated). Normal context (a mutex). */
bool em_thread_exited_name(pid_t tid, char name[16]) EM_HIDDEN;
/* In a forked child: forget every thread but the caller. */
void em_thread_after_fork_child(void) EM_HIDDEN;
/* agent.c: the program's last thread is ending (pthread_exit from the last
 * one): final profiles now, then every agent thread ends, so that the
 * process ends when that thread does, as it would without the agent.
 * Normal context, on that thread. */
void em_agent_last_thread(void) EM_HIDDEN;
int em_thread_init(void) EM_HIDDEN;

/* ---- cpu.c ---- */
int em_cpu_init(void) EM_HIDDEN;
/* Creates and arms t's timer (normal context). 0 or -errno. */
int em_cpu_thread_start(struct em_thread *t) EM_HIDDEN;
/*
 * em_cpu_thread_settle() - t's thread exits: deletes its timer and queues,
 * as one sample, the expiries the kernel owed it but had not delivered. CPU
 * timers fire only at the scheduler's tick, so up to a tick of CPU since
 * the last one would otherwise be lost, and a thread that lives for a few
 * milliseconds would be missed altogether. (The thread that ends the whole
 * process is not settled: its last tick's worth, where no stack but its
 * exit path is known, stays unsampled.) Normal context, on t's own thread,
 * em_tls_busy set.
 */
void em_cpu_thread_settle(struct em_thread *t) EM_HIDDEN;
/* Deletes t's timer. */
void em_cpu_thread_stop(struct em_thread *t) EM_HIDDEN;
/* Stops all sampling (exit): handlers return at once from now on. */
void em_cpu_stop(void) EM_HIDDEN;
/* Stop heap and syscall sampling (exit): the hooks only call through. */
void em_heap_stop(void) EM_HIDDEN;
void em_sys_stop(void) EM_HIDDEN;
/* The signal the CPU sampler uses now, or 0 when off. Async-signal-safe. */
int em_cpu_signal(void) EM_HIDDEN;
/* The application installs a handler for sig: if it is ours, move our timers
 * to a free signal first. Called by the sigaction wrappers. */
void em_cpu_yield_signal(int sig) EM_HIDDEN;
/* How the application asked its disposition of our signal to be (what it
 * would have without us); NULL if the signal is not ours. */
struct sigaction *em_cpu_app_action(int sig) EM_HIDDEN;

/* ---- unwind.c ---- */
int em_unwind_init(void) EM_HIDDEN;
/*
 * em_unwind_signal() - unwind the interrupted context uc of the calling
 * thread t into pcs (leaf first: the exact PC, then return addresses; a PC
 * that is exact because it follows a signal frame has EM_PC_EXACT set).
 * Async-signal-safe; never allocates, never takes the loader lock, reads only
 * the thread's stack and loaded objects. A stack whose every address has a
 * simple rule in the unwind cache (unwind_cache.h) is walked with those;
 * any other goes to libunwind and is flagged EM_REC_SLOW_UNWIND. Returns
 * the number of frames and sets EM_REC_* flags in *flags. CACHED_ONLY: the
 * signal interrupted the agent's own code, which may be inside libunwind:
 * the cached rules or the PC alone (EM_REC_IN_AGENT).
 */
unsigned em_unwind_signal(const void *uc, const struct em_thread *t, bool cached_only,
			  uint64_t *pcs, unsigned max, uint16_t *flags) EM_HIDDEN;
/*
 * em_unwind_context() - unwind from a hook (normal context, em_tls_busy
 * set), starting at the registers em_unwind_getcontext() saved in a
 * function whose frame is still live (the wrapper the program called: the
 * agent's helpers below it then cost no unwinding steps). Frames are return
 * addresses, the first one in that function. Cached rules first, as above;
 * blocks every signal while libunwind runs. Never allocates; pcs is the
 * output buffer.
 */
unsigned em_unwind_context(const struct em_thread *t, const ucontext_t *ctx, uint64_t *pcs,
			   unsigned max, uint16_t *flags) EM_HIDDEN;
/* libunwind's getcontext: the caller's registers, no system call. */
extern int _Ux86_64_getcontext(ucontext_t *uc);
#define em_unwind_getcontext(ctx) _Ux86_64_getcontext(ctx)
/* Wait until no unwinding is in flight and keep new ones out (dlclose, fork).
 * Normal context only. Nests. */
void em_unwind_barrier_begin(void) EM_HIDDEN;
void em_unwind_barrier_end(void) EM_HIDDEN;
/* After dlclose: forget cached unwind info (libunwind's and our rules). */
void em_unwind_flush(void) EM_HIDDEN;
/* Writer (under its lock): learn the rules at the addresses of a record
 * flagged EM_REC_SLOW_UNWIND (unwind_learn.c). gen: the unwind cache's
 * generation, read before the writer last checked em_maps_generation. */
void em_unwind_learn(const struct em_rec *r, uint32_t gen) EM_HIDDEN;
/* In a forked child: no other thread is unwinding any more. */
void em_unwind_after_fork_child(void) EM_HIDDEN;
/* True while this thread's unwinder runs with all signals blocked; the
 * sigprocmask wrapper then skips libunwind's redundant mask changes. */
extern __thread int em_tls_unwinding EM_TLS EM_HIDDEN;

#define EM_PC_EXACT (1ULL << 63)

/* ---- loader.c ---- */
/* Bumped by every dlclose; the writer re-reads maps when it changes. */
extern atomic_uint em_maps_generation EM_HIDDEN;

/* ---- writer.c ---- */
int em_writer_start(void) EM_HIDDEN;
/* Drain and write every profile now; waits up to timeout_ms. 0 or -errno. */
int em_writer_flush(int timeout_ms) EM_HIDDEN;
/* Final flush at exit: stop the writer after one last write. */
void em_writer_shutdown(int timeout_ms) EM_HIDDEN;
/* Wake the writer because the ring is filling up. Async-signal-safe. */
void em_writer_kick(void) EM_HIDDEN;
void em_writer_after_fork_child(void) EM_HIDDEN;
void em_writer_fork_prepare(void) EM_HIDDEN;
void em_writer_fork_parent(void) EM_HIDDEN;

/* ---- helpers ---- */
/* Monotonic nanoseconds (vDSO; async-signal-safe). */
static inline int64_t em_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
