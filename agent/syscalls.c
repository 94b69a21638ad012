// SPDX-License-Identifier: MIT
/* syscalls.c - the sampled path of syscall timing and the tick clock. */
#include "backlog.h"
#include "sampling.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

const char *const em_sys_names[EM_SYS_COUNT] = {
	[EM_SYS_READ] = "read",
	[EM_SYS_WRITE] = "write",
	[EM_SYS_PREAD64] = "pread64",
	[EM_SYS_PWRITE64] = "pwrite64",
	[EM_SYS_READV] = "readv",
	[EM_SYS_WRITEV] = "writev",
	[EM_SYS_RECVFROM] = "recvfrom",
	[EM_SYS_RECVMSG] = "recvmsg",
	[EM_SYS_SENDTO] = "sendto",
	[EM_SYS_SENDMSG] = "sendmsg",
	[EM_SYS_ACCEPT] = "accept",
	[EM_SYS_ACCEPT4] = "accept4",
	[EM_SYS_CONNECT] = "connect",
	[EM_SYS_POLL] = "poll",
	[EM_SYS_PPOLL] = "ppoll",
	[EM_SYS_PSELECT6] = "pselect6",
	[EM_SYS_EPOLL_WAIT] = "epoll_wait",
	[EM_SYS_EPOLL_PWAIT] = "epoll_pwait",
	[EM_SYS_CLOCK_NANOSLEEP] = "clock_nanosleep",
	[EM_SYS_OPENAT] = "openat",
	[EM_SYS_CLOSE] = "close",
	[EM_SYS_FSYNC] = "fsync",
	[EM_SYS_FDATASYNC] = "fdatasync",
	[EM_SYS_FUTEX] = "futex",
	[EM_SYS_EPOLL_PWAIT2] = "epoll_pwait2",
	[EM_SYS_PREADV] = "preadv",
	[EM_SYS_PWRITEV] = "pwritev",
	[EM_SYS_PREADV2] = "preadv2",
	[EM_SYS_PWRITEV2] = "pwritev2",
	[EM_SYS_RECVMMSG] = "recvmmsg",
	[EM_SYS_SENDMMSG] = "sendmmsg",
	[EM_SYS_SENDFILE] = "sendfile",
	[EM_SYS_SPLICE] = "splice",
	[EM_SYS_WAIT4] = "wait4",
	[EM_SYS_WAITID] = "waitid",
	[EM_SYS_RT_SIGTIMEDWAIT] = "rt_sigtimedwait",
	[EM_SYS_RT_SIGSUSPEND] = "rt_sigsuspend",
	[EM_SYS_PAUSE] = "pause",
	[EM_SYS_FLOCK] = "flock",
	[EM_SYS_FCNTL] = "fcntl",
};

atomic_int em_sys_on;
int em_sys_tsc;
__thread int64_t em_sys_left EM_TLS;

static __thread int seeded EM_TLS;
static double rate_ns;
/* ticks per nanosecond, as the bits of a double (written by the writer). */
static atomic_uint_least64_t ticks_per_ns_bits;
static uint64_t base_tsc;
static int64_t base_ns;

static void set_ticks_per_ns(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	atomic_store_explicit(&ticks_per_ns_bits, b, memory_order_relaxed);
}

/* 0 until first needed: then measured against the baseline taken at start
 * (over 20 us at least), so start-up never waits for a calibration. */
static double ticks_per_ns(void)
{
	uint64_t b = atomic_load_explicit(&ticks_per_ns_bits, memory_order_relaxed), t;
	int64_t ns;
	double d;

	memcpy(&d, &b, sizeof(d));
	if (d > 0)
		return d;
	do {
		t = __rdtsc();
		ns = em_now_ns();
	} while (ns - base_ns < 20000);
	d = (double)(t - base_tsc) / (double)(ns - base_ns);
	set_ticks_per_ns(d);	/* threads racing here store about the same value */
	return d;
}

double em_sys_ns(uint64_t ticks)
{
	return (double)ticks / ticks_per_ns();
}

void em_sys_sample(uint64_t ticks, enum em_sys which, const char *fn, const ucontext_t *ctx)
{
	int saved_errno = errno;
	double tpn = ticks_per_ns();
	struct em_rec *rec;

	if (!seeded) {
		/* A thread's first call: start its countdown properly (drawn,
		 * not zero), then decide about this call with it. */
		seeded = 1;
		em_sys_left = em_rand_exp(rate_ns * tpn) - (int64_t)ticks;
		if (em_sys_left >= 0)
			goto out;
	}
	em_sys_left = em_rand_exp(rate_ns * tpn);
	if (em_tls_busy || getpid() != em_pid)
		goto out;
	em_tls_busy++;
	rec = em_backlog_hook_sample(EM_REC_SYSCALL, fn, ctx);
	if (rec) {
		rec->v[0] = (int64_t)((double)ticks / tpn);
		rec->aux = which;
		em_backlog_hook_publish(rec);
		atomic_fetch_add_explicit(&em_stats.syscall_samples, 1, memory_order_relaxed);
	}
	em_tls_busy--;
out:
	errno = saved_errno;
}

/* The TSC is a trustworthy clock exactly when the kernel uses it as one. */
static bool kernel_uses_tsc(void)
{
	char buf[32] = "";
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n >= 3 && !strncmp(buf, "tsc", 3) && (n == 3 || buf[3] == '\n');
}

void em_sys_calibrate(void)
{
	uint64_t t;
	int64_t ns;

	if (!em_sys_tsc)
		return;
	t = __rdtsc();
	ns = em_now_ns();
	/* The longer the baseline, the better: from start-up to now. */
	if (ns - base_ns > 50000000)
		set_ticks_per_ns((double)(t - base_tsc) / (double)(ns - base_ns));
}

void em_sys_stop(void)
{
	atomic_store(&em_sys_on, 0);
}

void em_sys_init(void)
{
	rate_ns = (double)em_cfg.syscall_rate;
	em_sys_tsc = 0;
	set_ticks_per_ns(1.0);
	if (!(em_cfg.events & EM_EVENT_SYSCALL))
		return;		/* em_sys_on stays 0: the wrappers time nothing */
	if (kernel_uses_tsc()) {
		base_tsc = __rdtsc();
		base_ns = em_now_ns();
		set_ticks_per_ns(0);	/* measured on first use (ticks_per_ns) */
		em_sys_tsc = 1;
	}
	atomic_store(&em_sys_on, 1);
}
