// SPDX-License-Identifier: MIT
/* libsigowner.so - preloaded after libember.so (so its constructor runs
 * first), it owns SIGPROF before the agent starts; with SIGOWNER_ALL=1 it
 * owns every real-time signal too, leaving the agent none. At exit it
 * reports how many signals it got that were not its own kind (POSIX timer
 * signals, which only the agent would create): the agent must have chosen
 * another signal, or none. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long foreign;

static void on_prof(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (si->si_code == SI_TIMER)
		atomic_fetch_add(&foreign, 1);
}

__attribute__((constructor)) static void own_sigprof(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGPROF, &sa, NULL);
	if (getenv("SIGOWNER_ALL") && !strcmp(getenv("SIGOWNER_ALL"), "1"))
		for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
			sigaction(sig, &sa, NULL);
}

__attribute__((destructor)) static void report(void)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "sigowner: foreign timer signals %ld\n", atomic_load(&foreign));

	if (write(2, msg, (size_t)n) < 0)
		return;
}
