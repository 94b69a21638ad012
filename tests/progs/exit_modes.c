// SPDX-License-Identifier: MIT
/*
 * exit_modes MODE MS - burn CPU for MS milliseconds (default 1500) in
 * named functions, then leave by MODE:
 *   return   return from main       _exit    _exit(5)
 *   abort    abort()                wait     keep burning until killed
 *   pthread_exit  main ends with pthread_exit() after starting a worker
 *            that burns MS more and returns: the process ends (status 0)
 *            when the worker does
 */
#include "burn.h"

#include <pthread.h>
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

static void *exit_modes_worker(void *arg)
{
	exit_modes_work(*(int64_t *)arg);
	printf("worker done\n");
	fflush(stdout);
	return NULL;
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
	if (!strcmp(mode, "pthread_exit")) {
		static int64_t worker_ms;
		pthread_t t;

		worker_ms = ms;
		if (pthread_create(&t, NULL, exit_modes_worker, &worker_ms) != 0)
			return 1;
		pthread_exit(NULL);
	}
	return 0;
}
