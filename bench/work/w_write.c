// SPDX-License-Identifier: MIT
/*
 * w_write - a syscall-heavy workload for the syscall benchmarks: N 1-byte
 * write()s to /dev/null (the `dd bs=1` worst case for a syscall tracer:
 * the call itself is as cheap as a system call gets).
 *
 *   w_write [N]        (default 2000000)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000, ok = 0;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	char c = 'x';

	if (fd < 0 || n < 1) {
		fprintf(stderr, "usage: w_write [N]\n");
		return 2;
	}
	for (long i = 0; i < n; i++)
		ok += write(fd, &c, 1) == 1;
	close(fd);
	printf("writes %ld\n", ok);
	return ok == n ? 0 : 1;
}
