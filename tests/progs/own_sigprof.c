// SPDX-License-Identifier: MIT
/*
 * own_sigprof - installs its own SIGPROF handler after start (when the agent
 * already samples with SIGPROF) and drives it with setitimer(ITIMER_PROF).
 * Every SIGPROF it receives must be its own (from the kernel's itimer, not a
 * POSIX timer), and it must receive some. Prints a deterministic summary.
 */
#include "burn.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static atomic_long mine, foreign;
static volatile uint64_t sink;

static void on_prof(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (si->si_code == SI_TIMER)
		atomic_fetch_add(&foreign, 1);	/* a POSIX timer: not ours */
	else
		atomic_fetch_add(&mine, 1);
}

int main(void)
{
	struct sigaction sa, old;
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	int64_t until;
	uint64_t x = 9;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGPROF, &sa, &old) != 0) {
		perror("sigaction");
		return 1;
	}
	/* What was there before must look like the default, agent or not. */
	printf("previous SIGPROF handler: %s\n",
	       (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL ? "set" : "default");
	setitimer(ITIMER_PROF, &it, NULL);
	until = thread_cpu_ns() + 1000000000LL;
	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	printf("own SIGPROF received: %s\n", atomic_load(&mine) > 10 ? "yes" : "no");
	printf("foreign SIGPROF received: %ld\n", atomic_load(&foreign));
	return 0;
}
