// SPDX-License-Identifier: MIT
/*
 * exitsig.c - the final profile on a termination signal (exitsig.h has the
 * contract). Two halves:
 *
 *  - on_fatal(), the handler: it only flips futex words and waits with a
 *    bound; the final write runs on this module's thread, which blocks every
 *    signal like all of the agent's threads. The signal may have landed while
 *    the interrupted thread holds the malloc lock, so the handler itself must
 *    never need anything the writer needs; at worst the writer blocks and the
 *    handler gives up after EM_EXITSIG_WAIT_MS.
 *  - em_exitsig_sigaction(), behind the sigaction wrappers (signals.c): the
 *    kernel's disposition is the truth, and wherever it is our handler the
 *    application is shown its own SIG_DFL action instead.
 */
#include "agent.h"
#include "exitsig.h"
#include "log.h"
#include "real.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The termination signals (the glibc manual's "Termination Signals", less
 * SIGKILL): what a terminal, a supervisor or a user sends to end a program.
 * Not SIGUSR1/SIGUSR2 (the application's own; it handles them or they are
 * a mistake), SIGPIPE and SIGALRM (raised by the program's own actions), nor
 * the faults (SIGSEGV, SIGBUS, SIGABRT, ...: the process state is suspect,
 * and crash handlers and core dumps must see the fault as it was).
 */
static const int managed[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
#define NMANAGED (sizeof(managed) / sizeof(managed[0]))

/* Our handler's flags; the C library adds its own (SA_RESTORER). */
#define OUR_FLAGS (SA_NODEFER | SA_RESTART)
/* xs.req once the thread was told to end instead (em_exitsig_quit). */
#define QUIT_REQ 2u

static struct {
	void (*final_write)(int timeout_ms);
	atomic_int ready;		/* init done: the wrappers consult us */
	atomic_int thread_pid;		/* the process whose thread can write; 0 = none */
	atomic_uint req;		/* futex word: nonzero once a signal asked */
	atomic_uint done;		/* futex word: 1 once the final write returned */
	atomic_int dying;		/* the first signal's number, 0 = none yet */
	atomic_int waiting;		/* its handler is waiting for the write */
	atomic_llong first_ns;		/* when it arrived (CLOCK_MONOTONIC) */
	/* What the application set for each signal while ours was in place:
	 * SIG_DFL with its flags and mask, as the kernel would report it. */
	struct sigaction view[NSIG];
	int extra_flags;		/* what the C library adds to every action */
	void (*restorer)(void);
	atomic_int flags_known;
	pthread_t thread;
} xs;

static void futex_wake_all(atomic_uint *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void futex_wait(atomic_uint *word, unsigned val, const struct timespec *rel)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, rel, NULL, 0);
}

static bool is_managed(int sig)
{
	for (size_t i = 0; i < NMANAGED; i++)
		if (managed[i] == sig)
			return true;
	return false;
}

/* ---- the handler (async-signal-safe) ---- */

/* Die of sig as if no handler had been there: SIG_DFL, unblocked, raised on
 * this thread. Returns only if that did not end the process (a tracer
 * discarded the signal). */
static void die(int sig)
{
	struct sigaction dfl;
	sigset_t set;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	EM_REAL(sigaction)(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	EM_REAL(pthread_sigmask)(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), gettid(), sig);
}

static void wait_done(int64_t deadline_ns)
{
	while (!atomic_load(&xs.done)) {
		int64_t left = deadline_ns - em_now_ns();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		/* EINTR (a duplicate signal on this thread) just loops. */
		futex_wait(&xs.done, 0, &ts);
	}
}

static void on_fatal(int sig)
{
	int saved_errno = errno, first = 0;
	int64_t now = em_now_ns(), t0;

	if (getpid() != atomic_load(&xs.thread_pid)) {
		/* A vfork child (our memory is its parent's: touch nothing), or
		 * a forked child whose thread does not exist (yet). */
		die(sig);
		goto out;
	}
	if (!atomic_compare_exchange_strong(&xs.dying, &first, sig)) {
		/* A second termination signal, on this thread (SA_NODEFER) or
		 * another one. */
		if (!atomic_load(&xs.waiting)) {
			die(sig);
			goto out;
		}
		t0 = atomic_load(&xs.first_ns);
		if (!t0 || now - t0 < EM_EXITSIG_DUP_MS * 1000000LL)
			goto out;	/* the same request twice: the wait goes on */
		die(first);		/* the exit status stays the first signal's */
		goto out;
	}
	if (atomic_load(&xs.req) == QUIT_REQ) {
		die(sig);	/* the final profiles are written already */
		goto out;
	}
	atomic_store(&xs.first_ns, now);
	atomic_store(&xs.waiting, 1);
	atomic_store(&xs.req, 1);
	futex_wake_all(&xs.req);
	wait_done(now + EM_EXITSIG_WAIT_MS * 1000000LL);
	atomic_store(&xs.waiting, 0);
	die(sig);
out:
	errno = saved_errno;
}

static bool is_ours(const struct sigaction *sa)
{
	return sa->sa_handler == on_fatal;
}

static int install(int sig, struct sigaction *prev)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	/* Nothing else runs on a dying thread, except another termination
	 * signal (SA_NODEFER: the same one too), which may end the wait. */
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < NMANAGED; i++)
		sigdelset(&sa.sa_mask, managed[i]);
	/* SA_RESTART: a duplicate, which returns, leaves system calls going. */
	sa.sa_flags = OUR_FLAGS;
	return EM_REAL(sigaction)(sig, &sa, prev);
}

/* What the C library adds to the action it passes to the kernel (x86-64
 * glibc: SA_RESTORER and its restorer), and thus reports back: learned from
 * our own action once it is installed on sig. */
static void learn_flags(int sig)
{
	struct sigaction back;

	if (atomic_load(&xs.flags_known) || EM_REAL(sigaction)(sig, NULL, &back) != 0 ||
	    !is_ours(&back))
		return;
	xs.extra_flags = back.sa_flags & ~OUR_FLAGS;
	xs.restorer = back.sa_restorer;
	atomic_store(&xs.flags_known, 1);
}

/* ---- the final-write thread ---- */

static void *thread_main(void *arg)
{
	(void)arg;
	/* The final write stops the HTTP server through its descriptors (in
	 * the program's table); without the server this thread needs none,
	 * and sharing the table would slow every fd-based call of a
	 * single-threaded program (em_thread_private_fds). */
	if (!em_cfg.http[0])
		em_thread_private_fds();
	while (!atomic_load(&xs.req))
		futex_wait(&xs.req, 0, NULL);
	if (atomic_load(&xs.req) == QUIT_REQ)
		return NULL;
	xs.final_write(EM_EXITSIG_WAIT_MS);
	atomic_store(&xs.done, 1);
	futex_wake_all(&xs.done);
	/* The process is about to die of the signal; nothing more to do. */
	for (;;)
		futex_wait(&xs.done, 1, NULL);
	return NULL;
}

void em_exitsig_quit(void)
{
	unsigned none = 0;

	/* Only if no signal asked for the final write first. */
	if (atomic_compare_exchange_strong(&xs.req, &none, QUIT_REQ))
		futex_wake_all(&xs.req);
}

static int start_thread(void)
{
	int err;

	atomic_store(&xs.req, 0);
	atomic_store(&xs.done, 0);
	atomic_store(&xs.dying, 0);
	atomic_store(&xs.waiting, 0);
	atomic_store(&xs.first_ns, 0);
	err = em_thread_spawn(&xs.thread, thread_main, NULL);
	if (err)
		return -err;
	pthread_detach(xs.thread);
	atomic_store(&xs.thread_pid, (int)getpid());
	return 0;
}

int em_exitsig_init(void (*final_write)(int timeout_ms))
{
	struct sigaction cur;
	int err, n = 0;

	if (getpid() == 1) {
		/* A pid namespace's init: the kernel drops SIG_DFL signals
		 * sent to it, so re-raising would not end it. Leave it be. */
		em_debug("exitsig: pid 1, termination signals left alone");
		return 0;
	}
	xs.final_write = final_write;
	for (size_t i = 0; i < NMANAGED; i++) {
		if (EM_REAL(sigaction)(managed[i], NULL, &cur) == 0)
			xs.view[managed[i]] = cur;
	}
	err = start_thread();
	if (err)
		return err;
	/* From now on queries go through em_exitsig_sigaction, which asks the
	 * kernel: right before, during and after the installs below. */
	atomic_store_explicit(&xs.ready, 1, memory_order_release);
	for (size_t i = 0; i < NMANAGED; i++) {
		int sig = managed[i];

		/* Only SIG_DFL: SIG_IGN (nohup, a shell's background job) and
		 * handlers installed before us stay as they are. */
		if (xs.view[sig].sa_handler != SIG_DFL || install(sig, NULL) != 0)
			continue;
		learn_flags(sig);
		n++;
	}
	em_debug("exitsig: final profile on %d termination signal(s)", n);
	return 0;
}

void em_exitsig_after_fork_child(void)
{
	if (!atomic_load(&xs.ready))
		return;
	atomic_store(&xs.thread_pid, 0);
	if (start_thread() != 0)
		em_debug("exitsig: no final-write thread in the child; signals just end it");
}

bool em_exitsig_manages(int sig)
{
	return atomic_load_explicit(&xs.ready, memory_order_acquire) && is_managed(sig);
}

int em_exitsig_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction k, view;
	int rc;

	if (act && act->sa_handler == SIG_DFL && getpid() == atomic_load(&xs.thread_pid)) {
		/* SIG_DFL: our handler (back) in place, and remembered as what
		 * the kernel would hold (the C library's flags, no SIGKILL or
		 * SIGSTOP in the mask). */
		view = *act;
		rc = install(sig, &k);
		if (rc == 0) {
			learn_flags(sig);
			view.sa_flags |= xs.extra_flags;
			if (xs.extra_flags)
				view.sa_restorer = xs.restorer;
			sigdelset(&view.sa_mask, SIGKILL);
			sigdelset(&view.sa_mask, SIGSTOP);
			if (is_ours(&k))
				k = xs.view[sig];
			xs.view[sig] = view;
		}
	} else {
		/* A query, a handler or SIG_IGN (the application's wins), or
		 * any call in a vfork child (which must not write our state). */
		rc = EM_REAL(sigaction)(sig, act, &k);
		if (rc == 0 && is_ours(&k))
			k = xs.view[sig];
	}
	if (rc == 0 && old)
		*old = k;
	return rc;
}
