// SPDX-License-Identifier: MIT
/* errno_check - logic that breaks if a signal handler changes errno: set
 * errno (by a failing call or by hand), burn CPU while samples land, check
 * it is unchanged. Prints the number of mismatches (must be 0). */
#include "burn.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int64_t until = thread_cpu_ns() + 1500000000LL;
	long rounds = 0, bad = 0;
	uint64_t x = 19;
	char c;

	while (thread_cpu_ns() < until) {
		int want;

		if (rounds & 1) {
			(void)read(-1, &c, 1);	/* EBADF */
			want = EBADF;
		} else {
			errno = want = 12345;
		}
		for (int i = 0; i < 50; i++)
			x = spin(x, 100);
		if (errno != want)
			bad++;
		rounds++;
	}
	printf("errno mismatches: %ld (%s)\n", bad, x ? "ok" : "ok");
	return 0;
}
