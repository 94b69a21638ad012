// SPDX-License-Identifier: MIT
/*
 * children MODE - every way a process makes another, while sampling:
 *   fork        fork without exec: the child burns CPU and exits normally
 *   fork-exit   fork without exec, the child ends with _exit()
 *   fork-exec   fork + exec of this program in "leaf" mode
 *   vfork       vfork + exec
 *   spawn       posix_spawn
 *   leaf        burn ~200 ms and print "leaf done"
 * Prints one deterministic line per child and its exit status.
 */
#include "burn.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile uint64_t sink;

__attribute__((noinline)) static void child_work(int ms)
{
	int64_t until = thread_cpu_ns() + ms * 1000000LL;
	uint64_t x = 5;

	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
}

static int wait_for(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";
	char *leaf[] = { argv[0], "leaf", NULL };
	pid_t pid;

	if (!strcmp(mode, "leaf")) {
		child_work(200);
		printf("leaf done\n");
		return 3;
	}
	child_work(100);	/* the parent works too */
	fflush(stdout);
	if (!strcmp(mode, "fork") || !strcmp(mode, "fork-exit")) {
		pid = fork();
		if (pid == 0) {
			child_work(300);
			printf("child done\n");
			fflush(stdout);
			if (!strcmp(mode, "fork-exit"))
				_exit(4);
			exit(4);
		}
	} else if (!strcmp(mode, "fork-exec")) {
		pid = fork();
		if (pid == 0) {
			execv(argv[0], leaf);
			_exit(127);
		}
	} else if (!strcmp(mode, "vfork")) {
		pid = vfork();
		if (pid == 0) {
			execv(argv[0], leaf);
			_exit(127);
		}
	} else if (!strcmp(mode, "spawn")) {
		if (posix_spawn(&pid, argv[0], NULL, NULL, leaf, environ) != 0) {
			perror("posix_spawn");
			return 1;
		}
	} else {
		fprintf(stderr, "children: unknown mode %s\n", mode);
		return 2;
	}
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	printf("%s: child exited %d\n", mode, wait_for(pid));
	child_work(100);
	return 0;
}
