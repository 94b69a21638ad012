// SPDX-License-Identifier: MIT
/*
 * exit_modes MODE MS - burn CPU for MS milliseconds (default 1500) in
 * named functions, then leave by MODE:
 *   return   return from main       _exit    _exit(5)
 *   abort    abort()                wait     keep burning until killed
 */
#include "burn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile uint64_t sink;

__attribute__((noinline)) static void exit_modes_work(int64_t ms)
{
	int64_t until = thread_cpu_ns() + ms * 1000000LL;
	uint64_t x = 13;

	while (ms < 0 || thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "return";
	int64_t ms = argc > 2 ? atoll(argv[2]) : 1500;

	printf("exit_modes %s\n", mode);
	fflush(stdout);
	exit_modes_work(strcmp(mode, "wait") ? ms : -1);
	if (!strcmp(mode, "_exit"))
		_exit(5);
	if (!strcmp(mode, "abort"))
		abort();
	return 0;
}
