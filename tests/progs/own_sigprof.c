// SPDX-License-Identifier: MIT
/*
 * own_sigprof [API] - installs its own SIGPROF handler after start (when the
 * agent already samples with SIGPROF) and drives it with setitimer
 * (ITIMER_PROF) for a second of CPU. API is how the handler is installed:
 * sigaction (the default), signal, bsd_signal, ssignal, sysv_signal,
 * __sysv_signal (what signal() becomes in a program built with -std=c11) or
 * sigset. glibc implements all of them with its internal sigaction, so each
 * is a way around a wrapper of sigaction alone.
 *
 * It must receive SIGPROF while its itimer runs, and none once the itimer
 * is stopped (a SIGPROF then can only come from someone else's timer); with
 * sigaction it also checks each signal's origin (a POSIX timer is not its
 * own). Prints a deterministic summary.
 */
#include "burn.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

typedef void (*handler_fn)(int);

/* glibc exports it; its header declares it only for old X/Open modes. */
extern handler_fn bsd_signal(int sig, handler_fn h);

static atomic_long mine, foreign, after;
static volatile sig_atomic_t stopped;
static volatile uint64_t sink;
static handler_fn (*install)(int, handler_fn);

static void on_prof(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (si->si_code == SI_TIMER)
		atomic_fetch_add(&foreign, 1);	/* a POSIX timer: not ours */
	else
		atomic_fetch_add(&mine, 1);
	if (stopped)
		atomic_fetch_add(&after, 1);
}

static void on_prof_plain(int sig)
{
	atomic_fetch_add(stopped ? &after : &mine, 1);
	/* System V semantics reset the handler on delivery: put it back, as
	 * programs written for them do. */
	if (install == sysv_signal || install == __sysv_signal)
		install(sig, on_prof_plain);
}

static void burn_cpu_ms(int64_t ms)
{
	int64_t until = thread_cpu_ns() + ms * 1000000LL;
	uint64_t x = 9;

	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
}

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"	/* sigset: the point */
static const struct {
	const char *name;
	handler_fn (*fn)(int, handler_fn);
} apis[] = {
	{ "signal", signal }, { "bsd_signal", bsd_signal }, { "ssignal", ssignal },
	{ "sysv_signal", sysv_signal }, { "__sysv_signal", __sysv_signal }, { "sigset", sigset },
};

int main(int argc, char **argv)
{
	const char *api = argc > 1 ? argv[1] : "sigaction";
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	bool was_set;

	if (!strcmp(api, "sigaction")) {
		struct sigaction sa, old;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_prof;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		if (sigaction(SIGPROF, &sa, &old) != 0) {
			perror("sigaction");
			return 1;
		}
		was_set = (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL;
	} else {
		handler_fn old;

		for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
			if (!strcmp(api, apis[i].name))
				install = apis[i].fn;
		if (!install) {
			fprintf(stderr, "own_sigprof: unknown API '%s'\n", api);
			return 2;
		}
		old = install(SIGPROF, on_prof_plain);
		if (old == SIG_ERR) {
			perror(api);
			return 1;
		}
		was_set = old != SIG_DFL;
	}
	/* What was there before must look like the default, agent or not. */
	printf("%s: previous SIGPROF handler: %s\n", api, was_set ? "set" : "default");
	setitimer(ITIMER_PROF, &it, NULL);
	burn_cpu_ms(1000);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	stopped = 1;
	burn_cpu_ms(300);
	printf("own SIGPROF received: %s\n", atomic_load(&mine) > 10 ? "yes" : "no");
	printf("foreign SIGPROF received: %ld\n", atomic_load(&foreign));
	printf("SIGPROF after the itimer stopped: %ld\n", atomic_load(&after));
	return 0;
}
