// SPDX-License-Identifier: MIT
/* close_fds - closes every file descriptor above stderr at start, as daemons
 * do, then works, opens files and reports their numbers (which must be the
 * lowest free ones, 3 and 4, agent or not). */
#include "burn.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static volatile uint64_t sink;

int main(void)
{
	int64_t until;
	uint64_t x = 17;
	int a, b;

	for (int fd = 3; fd < 4096; fd++)
		close(fd);
	until = thread_cpu_ns() + 1200000000LL;
	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
	a = open("/dev/null", O_RDONLY);
	b = open("/dev/zero", O_RDONLY);
	printf("new fds: %d %d\n", a, b);
	return 0;
}
