// SPDX-License-Identifier: MIT
/*
 * signals.c - the signal functions the agent wraps so that it never takes a
 * signal away from the application:
 *
 *  - sigaction and every libc function that reaches sigaction internally
 *    (signal and its aliases bsd_signal and ssignal, sysv_signal and
 *    __sysv_signal, sigset, sigignore, siginterrupt): a handler installed
 *    for the signal the CPU sampler uses moves the sampler elsewhere first
 *    (em_cpu_yield_signal); queries and SIG_DFL/SIG_IGN see and set the
 *    application's own view of that signal, as if the agent were not
 *    there. The termination signals (SIGHUP, SIGINT, SIGQUIT, SIGTERM) go
 *    to exitsig.c, which keeps its handler in place exactly while the
 *    application's disposition is SIG_DFL, and reports SIG_DFL for it.
 *  - sigprocmask/pthread_sigmask/sighold: the sampler's signal is never
 *    blocked, so threads that block "everything" are still sampled and a
 *    sigwaitinfo() on a full set never receives one of our timer signals.
 *    While the agent's unwinder runs (all signals already blocked) the
 *    calls libunwind makes around its cache lock are skipped: they are
 *    redundant there and cost two system calls per frame.
 */
#include "agent.h"
#include "exitsig.h"
#include "real.h"

#include <errno.h>
#include <string.h>

/* A handler, or SIG_IGN: either way the program takes the signal for
 * itself (and an ignored signal must stay ignored across exec, which only
 * the kernel's own disposition does). */
static bool takes_signal(const struct sigaction *act)
{
	if (act->sa_flags & SA_SIGINFO)
		return act->sa_sigaction != NULL;
	return act->sa_handler != SIG_DFL;
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
	if (act && takes_signal(act)) {
		em_cpu_yield_signal(sig);
		rc = EM_REAL(sigaction)(sig, act, NULL);
		if (rc == 0 && old)
			*old = prev;
		return rc;
	}
	/* A query, or SIG_DFL: our handler stays (a signal not from our timers
	 * then does what SIG_DFL does: cpu.c) and the application sees its own. */
	if (act)
		*app = *act;
	if (old)
		*old = prev;
	return 0;
}

/* Whether the application asked, through siginterrupt(), that a managed
 * signal interrupt system calls: signal() then installs its handler without
 * SA_RESTART, as glibc's does. Only ever set for signals we manage; glibc
 * keeps the same record for the others. */
static sigset_t app_intr;

static bool managed(int sig)
{
	return em_cpu_app_action(sig) || em_exitsig_manages(sig);
}

/* signal() and its variants as glibc implements them, through the sigaction
 * wrapper: the handler with FLAGS, and the signal itself blocked in its
 * handler when BLOCK_SELF. */
static sighandler_t via_sigaction(int sig, sighandler_t h, int flags, bool block_self)
{
	struct sigaction sa, old;

	if (h == SIG_ERR || sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (block_self)
		sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	return (old.sa_flags & SA_SIGINFO) ? (sighandler_t)(void *)old.sa_sigaction
					  : old.sa_handler;
}

/* BSD semantics, glibc's signal(): SA_RESTART unless siginterrupt() said
 * otherwise, the signal blocked in its handler. */
static sighandler_t bsd(int sig, sighandler_t h)
{
	return via_sigaction(sig, h, sigismember(&app_intr, sig) == 1 ? 0 : SA_RESTART, true);
}

/* Signals the agent does not manage go to the real function of the name
 * called, so another interposer's wrapper of it is reached as without us. */
EM_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	return managed(sig) ? bsd(sig, h) : EM_REAL(signal)(sig, h);
}

/* Aliases of signal() inside libc, so calls to them never reach the wrapper
 * above. (glibc's header declares bsd_signal only for old X/Open modes.) */
sighandler_t bsd_signal(int sig, sighandler_t h);

EM_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return managed(sig) || !EM_REAL(bsd_signal) ? bsd(sig, h) : em_real.bsd_signal(sig, h);
}

EM_EXPORT sighandler_t ssignal(int sig, sighandler_t h)
{
	return managed(sig) || !EM_REAL(ssignal) ? bsd(sig, h) : em_real.ssignal(sig, h);
}

/* System V semantics: reset to SIG_DFL on delivery, not blocked in its own
 * handler, system calls interrupted. __sysv_signal is what signal() becomes
 * in a program built in a strict standard mode (-std=c11 without
 * _DEFAULT_SOURCE), so this is not only for old code. Built on the sigaction
 * wrapper, as glibc builds it on its own sigaction. */
EM_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
	if (!managed(sig) && EM_REAL(sysv_signal))
		return em_real.sysv_signal(sig, h);
	return via_sigaction(sig, h, SA_RESETHAND | SA_NODEFER, false);
}

EM_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h)
{
	if (!managed(sig) && EM_REAL(__sysv_signal))
		return em_real.__sysv_signal(sig, h);
	return via_sigaction(sig, h, SA_RESETHAND | SA_NODEFER, false);
}

EM_EXPORT int sigignore(int sig)
{
	struct sigaction sa;

	if (!managed(sig) && EM_REAL(sigignore))
		return em_real.sigignore(sig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* glibc's siginterrupt() reads and rewrites the installed action, which for
 * a managed signal is ours: toggling SA_RESTART on the sampler's handler
 * would let our samples interrupt the application's system calls. Managed
 * signals get it on the application's view instead. */
EM_EXPORT int siginterrupt(int sig, int flag)
{
	struct sigaction sa;

	if (!managed(sig) && EM_REAL(siginterrupt))
		return em_real.siginterrupt(sig, flag);
	if (sigaction(sig, NULL, &sa) != 0)
		return -1;
	if (flag) {
		sigaddset(&app_intr, sig);
		sa.sa_flags &= ~SA_RESTART;
	} else {
		sigdelset(&app_intr, sig);
		sa.sa_flags |= SA_RESTART;
	}
	return sigaction(sig, &sa, NULL);
}

/* System V sigset() as glibc implements it, through the sigaction and
 * sigprocmask wrappers: no flags, and the signal unblocked after (or
 * blocked, for SIG_HOLD, which the sampler's signal never is); the result is
 * SIG_HOLD if it was blocked before. */
static sighandler_t sysv_sigset(int sig, sighandler_t h)
{
	struct sigaction sa, old;
	sigset_t set, oset;

	sigemptyset(&set);
	if (sigaddset(&set, sig) != 0)
		return SIG_ERR;
	if (h == SIG_HOLD) {
		if (sigprocmask(SIG_BLOCK, &set, &oset) != 0)
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
	if (sigprocmask(SIG_UNBLOCK, &set, &oset) != 0)
		return SIG_ERR;
	return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
}

EM_EXPORT sighandler_t sigset(int sig, sighandler_t h)
{
	if (!managed(sig))
		return EM_REAL(sigset)(sig, h);
	return sysv_sigset(sig, h);
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

/* glibc's sighold() blocks through its internal sigprocmask. */
EM_EXPORT int sighold(int sig)
{
	sigset_t set;

	if ((!sig || sig != em_cpu_signal()) && EM_REAL(sighold))
		return em_real.sighold(sig);
	sigemptyset(&set);
	if (sigaddset(&set, sig) != 0)
		return -1;
	return sigprocmask(SIG_BLOCK, &set, NULL);
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
