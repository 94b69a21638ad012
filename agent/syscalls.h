/* SPDX-License-Identifier: MIT */
/*
 * syscalls.h - sampling blocking calls by the time they take.
 *
 * The same Poisson construction as heap.h, on time instead of bytes: each
 * thread keeps the time left until its next mark, drawn from an exponential
 * distribution with mean R (EMBER_SYSCALL_RATE, 1 ms by default). A call that
 * took d subtracts d and is sampled (with its stack) when the countdown goes
 * below zero, i.e. with probability 1 - exp(-d/R); it then stands for
 * 1/(1 - exp(-d/R)) calls and d/(1 - exp(-d/R)) of delay, which keeps both
 * estimates unbiased however short or long calls are.
 *
 * A call that is not sampled costs two clock reads and a subtraction. The
 * clock is the CPU's time-stamp counter when the kernel itself uses it as
 * its clocksource (rdtsc: ~11 ns here, against ~30 ns for the vDSO's
 * clock_gettime, which would add ~20% to a 1-byte write to /dev/null), else
 * CLOCK_MONOTONIC. The countdown runs in those ticks; only the sampled path
 * converts to nanoseconds.
 */
#ifndef EMBER_AGENT_SYSCALLS_H
#define EMBER_AGENT_SYSCALLS_H

#include "agent.h"

#include <x86intrin.h>

/* The kernel's names for what each wrapper ends up calling (label values). */
enum em_sys {
	EM_SYS_READ, EM_SYS_WRITE, EM_SYS_PREAD64, EM_SYS_PWRITE64, EM_SYS_READV, EM_SYS_WRITEV,
	EM_SYS_RECVFROM, EM_SYS_RECVMSG, EM_SYS_SENDTO, EM_SYS_SENDMSG, EM_SYS_ACCEPT,
	EM_SYS_ACCEPT4, EM_SYS_CONNECT, EM_SYS_POLL, EM_SYS_PPOLL, EM_SYS_PSELECT6,
	EM_SYS_EPOLL_WAIT, EM_SYS_EPOLL_PWAIT, EM_SYS_CLOCK_NANOSLEEP, EM_SYS_OPENAT,
	EM_SYS_CLOSE, EM_SYS_FSYNC, EM_SYS_FDATASYNC, EM_SYS_FUTEX,
	EM_SYS_EPOLL_PWAIT2, EM_SYS_PREADV, EM_SYS_PWRITEV, EM_SYS_PREADV2, EM_SYS_PWRITEV2,
	EM_SYS_RECVMMSG, EM_SYS_SENDMMSG, EM_SYS_SENDFILE, EM_SYS_SPLICE,
	EM_SYS_WAIT4, EM_SYS_WAITID, EM_SYS_RT_SIGTIMEDWAIT, EM_SYS_RT_SIGSUSPEND, EM_SYS_PAUSE,
	EM_SYS_FLOCK, EM_SYS_FCNTL,
	EM_SYS_COUNT
};

extern const char *const em_sys_names[EM_SYS_COUNT] EM_HIDDEN;
extern atomic_int em_sys_on EM_HIDDEN;
extern int em_sys_tsc EM_HIDDEN;
extern __thread int64_t em_sys_left EM_TLS EM_HIDDEN;

/* which: the kernel's name for the call (label); fn: the function the
 * program called (a string literal), the sample's leaf frame. */
void em_sys_sample(uint64_t ticks, enum em_sys which, const char *fn,
		   const ucontext_t *ctx) EM_HIDDEN;

static inline uint64_t em_sys_ticks(void)
{
	return em_sys_tsc ? __rdtsc() : (uint64_t)em_now_ns();
}

/* Start timing a call: 0 when not timing. The agent's own calls are timed
 * too and dropped on the sampled path (em_sys_sample checks em_tls_busy),
 * which keeps a thread-local load off every call. */
static inline uint64_t em_sys_begin(void)
{
	if (__builtin_expect(!atomic_load_explicit(&em_sys_on, memory_order_relaxed), 0))
		return 0;
	return em_sys_ticks() | 1;
}

/* The call returned. Leaves errno alone on the common path; the sampled path
 * saves and restores it. */
static inline __attribute__((always_inline)) void em_sys_end(uint64_t t0, enum em_sys which,
							     const char *fn)
{
	uint64_t d;

	if (!t0)
		return;
	d = em_sys_ticks() - t0;
	if (__builtin_expect((em_sys_left -= (int64_t)d) < 0, 0)) {
		/* In the wrapper's own frame, so that unwinding starts there. */
		ucontext_t ctx;

		em_unwind_getcontext(&ctx);
		em_sys_sample(d, which, fn, &ctx);
	}
}

void em_sys_init(void) EM_HIDDEN;
/* Refine the tick rate against CLOCK_MONOTONIC (writer thread, now and then). */
void em_sys_calibrate(void) EM_HIDDEN;
/* Ticks to nanoseconds. */
double em_sys_ns(uint64_t ticks) EM_HIDDEN;

#endif
