// SPDX-License-Identifier: MIT
/* timers_user - a program that uses setitimer itself (ITIMER_REAL and
 * ITIMER_VIRTUAL) and counts its SIGALRM and SIGVTALRM. */
#include "burn.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static atomic_int alrm, vtalrm;
static volatile uint64_t sink;

static void on_alrm(int sig)
{
	(void)sig;
	atomic_fetch_add(&alrm, 1);
}

static void on_vtalrm(int sig)
{
	(void)sig;
	atomic_fetch_add(&vtalrm, 1);
}

int main(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	uint64_t x = 11;

	signal(SIGALRM, on_alrm);
	signal(SIGVTALRM, on_vtalrm);
	setitimer(ITIMER_REAL, &it, NULL);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	while (atomic_load(&alrm) < 20 || atomic_load(&vtalrm) < 20)
		x = spin(x, 1000);
	sink += x;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	printf("SIGALRM >= 20: yes\nSIGVTALRM >= 20: yes\n");
	return 0;
}
