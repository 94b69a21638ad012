// SPDX-License-Identifier: MIT
/*
 * signals.c - the signal functions the agent wraps so that it never takes a
 * signal away from the application:
 *
 *  - sigaction/signal/sigset: a handler installed for the signal the CPU
 *    sampler uses moves the sampler elsewhere first (em_cpu_yield_signal);
 *    queries and SIG_DFL/SIG_IGN see and set the application's own view of
 *    that signal, as if the agent were not there. The termination signals
 *    (SIGHUP, SIGINT, SIGQUIT, SIGTERM) go to exitsig.c, which keeps its
 *    handler in place exactly while the application's disposition is
 *    SIG_DFL, and reports SIG_DFL for it.
 *  - sigprocmask/pthread_sigmask: the sampler's signal is never blocked, so
 *    threads that block "everything" are still sampled and a sigwaitinfo()
 *    on a full set never receives one of our timer signals. While the
 *    agent's unwinder runs (all signals already blocked) the calls libunwind
 *    makes around its cache lock are skipped: they are redundant there and
 *    cost two system calls per frame.
 */
#include "agent.h"
#include "exitsig.h"
#include "real.h"

#include <errno.h>
#include <string.h>

static bool installs_handler(const struct sigaction *act)
{
	if (act->sa_flags & SA_SIGINFO)
		return act->sa_sigaction != NULL;
	return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

EM_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction *app, prev;
	int rc;

	if (em_exitsig_manages(sig))
		return em_exitsig_sigaction(sig, act, old);
	app = em_cpu_app_action(sig);
	if (!app)
		return EM_REAL(sigaction)(sig, act, old);
	prev = *app;
	if (act && installs_handler(act)) {
		em_cpu_yield_signal(sig);
		rc = EM_REAL(sigaction)(sig, act, NULL);
		if (rc == 0 && old)
			*old = prev;
		return rc;
	}
	/* A query, or SIG_DFL/SIG_IGN: our handler stays (it ignores signals
	 * that are not from our timers) and the application sees its own. */
	if (act)
		*app = *act;
	if (old)
		*old = prev;
	return 0;
}

/* glibc's signal() and sigset() call sigaction internally, bypassing the
 * wrapper above, so they are wrapped too (BSD semantics, as glibc's:
 * SA_RESTART, the signal itself blocked in its handler). */
static sighandler_t via_sigaction(int sig, sighandler_t h)
{
	struct sigaction sa, old;

	if (h == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	return (old.sa_flags & SA_SIGINFO) ? (sighandler_t)(void *)old.sa_sigaction
					  : old.sa_handler;
}

EM_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	if (!em_cpu_app_action(sig) && !em_exitsig_manages(sig))
		return EM_REAL(signal)(sig, h);
	return via_sigaction(sig, h);
}

/* System V sigset() as glibc implements it, through the sigaction wrapper:
 * no flags, and the signal unblocked after (or blocked, for SIG_HOLD); the
 * result is SIG_HOLD if it was blocked before. */
static sighandler_t sysv_sigset(int sig, sighandler_t h)
{
	struct sigaction sa, old;
	sigset_t set, oset;

	sigemptyset(&set);
	if (sigaddset(&set, sig) != 0)
		return SIG_ERR;
	if (h == SIG_HOLD) {
		if (EM_REAL(sigprocmask)(SIG_BLOCK, &set, &oset) != 0)
			return SIG_ERR;
		if (sigismember(&oset, sig))
			return SIG_HOLD;
		if (sigaction(sig, NULL, &old) != 0)
			return SIG_ERR;
		return old.sa_handler;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	if (EM_REAL(sigprocmask)(SIG_UNBLOCK, &set, &oset) != 0)
		return SIG_ERR;
	return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
}

EM_EXPORT sighandler_t sigset(int sig, sighandler_t h)
{
	if (em_exitsig_manages(sig))
		return sysv_sigset(sig, h);
	if (!em_cpu_app_action(sig) || h == SIG_HOLD)
		return EM_REAL(sigset)(sig, h);
	return via_sigaction(sig, h);
}

static int mask(int (*real)(int, const sigset_t *, sigset_t *), int how, const sigset_t *set,
		sigset_t *old)
{
	int sig = em_cpu_signal();

	if (set && sig && how != SIG_UNBLOCK && sigismember(set, sig) == 1) {
		sigset_t copy = *set;

		sigdelset(&copy, sig);
		return real(how, &copy, old);
	}
	return real(how, set, old);
}

EM_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (em_tls_unwinding) {
		/* libunwind saving and restoring the mask inside our unwinder,
		 * where every signal is blocked already. */
		if (old)
			sigfillset(old);
		return 0;
	}
	return mask(EM_REAL(sigprocmask), how, set, old);
}

EM_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (em_tls_unwinding) {
		if (old)
			sigfillset(old);
		return 0;
	}
	return mask(EM_REAL(pthread_sigmask), how, set, old);
}
