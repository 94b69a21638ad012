// SPDX-License-Identifier: MIT
/*
 * sig_apis [kernel] - the old signal functions glibc builds on its internal
 * sigaction and sigprocmask (sysv_signal, sigignore, siginterrupt, sighold),
 * used on SIGPROF (the agent's sampling signal) and SIGTERM (whose default
 * the agent keeps its own handler behind). What the program sees must be
 * the same with and without the agent; it prints it deterministically.
 *
 * "raise" raises SIGPROF at its default action (the program must die of
 * it); "ignexec" ignores SIGPROF and execs a shell that sends itself one
 * (it must survive).
 *
 * With "kernel" it also prints what the kernel holds, read with raw system
 * calls that no wrapper sees: under the agent, SIGPROF must still have a
 * handler that restarts system calls (siginterrupt on the application's
 * behalf must not make our samples interrupt them) and must not be blocked
 * (sighold must not stop the sampling).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The old functions are the point of this program. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static void on_sig(int sig)
{
	(void)sig;
}

static const char *kind(void (*h)(int))
{
	return h == SIG_DFL ? "default" : h == SIG_IGN ? "ignored" : h == on_sig ? "own handler" : "other";
}

static void show(const char *what, int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (sigaction(sig, NULL, &sa) != 0) {
		printf("%s: sigaction failed\n", what);
		return;
	}
	printf("%-34s %-7s %-11s restart=%s resethand=%s\n", what, sig == SIGPROF ? "SIGPROF" : "SIGTERM",
	       kind(sa.sa_handler), sa.sa_flags & SA_RESTART ? "yes" : "no",
	       sa.sa_flags & SA_RESETHAND ? "yes" : "no");
}

/* The kernel's own record, as struct kernel_sigaction (not libc's). */
static void show_kernel(const char *what)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} k;
	unsigned long blocked = 0;

	memset(&k, 0, sizeof(k));
	if (syscall(SYS_rt_sigaction, SIGPROF, NULL, &k, 8) != 0 ||
	    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &blocked, 8) != 0) {
		printf("kernel: %s: cannot read\n", what);
		return;
	}
	printf("kernel, %s: SIGPROF %s, restart=%s, blocked=%s\n", what,
	       k.handler == (void *)SIG_DFL ? "default" : k.handler == (void *)SIG_IGN ? "ignored" : "handled",
	       k.flags & SA_RESTART ? "yes" : "no", blocked & (1UL << (SIGPROF - 1)) ? "yes" : "no");
}

static void blocked(const char *what, int sig)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("%-34s %-7s blocked=%s\n", what, sig == SIGPROF ? "SIGPROF" : "SIGTERM",
	       sigismember(&cur, sig) ? "yes" : "no");
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGTERM, SIGPROF };
	int kernel = argc > 1 && !strcmp(argv[1], "kernel");
	void (*h)(int);

	/* raise: SIGPROF left at its default ends the program, agent or not. */
	if (argc > 1 && !strcmp(argv[1], "raise")) {
		printf("raising SIGPROF\n");
		fflush(stdout);
		raise(SIGPROF);
		printf("survived SIGPROF\n");
		return 0;
	}
	/* ignexec: SIGPROF ignored, then exec: the new program inherits it
	 * ignored (only the kernel's disposition crosses exec). */
	if (argc > 1 && !strcmp(argv[1], "ignexec")) {
		signal(SIGPROF, SIG_IGN);
		execl("/bin/sh", "sh", "-c", "kill -PROF $$; echo survived SIGPROF after exec", (char *)NULL);
		return 1;
	}

	for (size_t i = 0; i < 2; i++) {
		int sig = sigs[i];

		show("at start", sig);
		siginterrupt(sig, 1);
		show("siginterrupt(1)", sig);
		h = signal(sig, SIG_DFL);
		printf("signal(SIG_DFL) returned %s\n", kind(h));
		show("signal(SIG_DFL) after it", sig);
		siginterrupt(sig, 0);
		show("siginterrupt(0)", sig);
		h = sysv_signal(sig, SIG_DFL);
		printf("sysv_signal(SIG_DFL) returned %s\n", kind(h));
		show("sysv_signal(SIG_DFL)", sig);
		h = sysv_signal(sig, SIG_DFL);
		printf("sysv_signal(SIG_DFL) returned %s\n", kind(h));
	}
	if (kernel)
		show_kernel("after siginterrupt(1) and back");
	/* siginterrupt on SIGPROF while the agent's handler is installed: the
	 * application's view changes, the kernel's handler keeps restarting. */
	siginterrupt(SIGPROF, 1);
	show("siginterrupt(1), left so", SIGPROF);
	if (kernel)
		show_kernel("siginterrupt(1) left so");
	siginterrupt(SIGPROF, 0);
	sighold(SIGTERM);
	blocked("sighold", SIGTERM);
	sigrelse(SIGTERM);
	blocked("sigrelse", SIGTERM);
	sighold(SIGPROF);
	if (kernel)
		show_kernel("sighold");
	sigrelse(SIGPROF);
	/* Ignored is ignored for the kernel too (so that it lasts across
	 * exec): the agent moves off SIGPROF. */
	for (size_t i = 0; i < 2; i++) {
		sigignore(sigs[i]);
		show("sigignore", sigs[i]);
		h = sysv_signal(sigs[i], SIG_DFL);
		printf("sysv_signal(SIG_DFL) returned %s\n", kind(h));
	}
	/* A handler of its own through sysv_signal: SIGTERM's is the
	 * program's, and so is SIGPROF's. */
	for (size_t i = 0; i < 2; i++) {
		h = sysv_signal(sigs[i], on_sig);
		printf("sysv_signal(handler) returned %s\n", kind(h));
		show("sysv_signal(handler)", sigs[i]);
	}
	return 0;
}
