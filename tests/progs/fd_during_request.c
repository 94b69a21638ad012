// SPDX-License-Identifier: MIT
/*
 * fd_during_request FILE - what a daemon does at start-up while somebody
 * is already taking a profile from /debug/pprof: waits 1 s (the client
 * connects meanwhile), opens and closes a file, closefrom(3), then writes
 * FILE in two halves 3 s apart (the profile request ends meanwhile). It
 * prints the descriptor numbers it got and any write or close error; the
 * agent's connection must neither take the program's numbers nor close
 * the program's file when the request ends.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int a, fd;

	if (argc != 2)
		return 2;
	sleep(1);
	a = open("/dev/null", O_RDONLY);
	printf("first open: fd %d\n", a);
	close(a);
	closefrom(3);
	fd = open(argv[1], O_CREAT | O_TRUNC | O_WRONLY, 0644);
	printf("file: fd %d\n", fd);
	if (write(fd, "hello\n", 6) != 6)
		printf("write 1: %m\n");
	sleep(3);
	if (write(fd, "world\n", 6) != 6)
		printf("write 2: %m\n");
	if (close(fd) != 0)
		printf("close: %m\n");
	return 0;
}
