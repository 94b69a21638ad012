// SPDX-License-Identifier: MIT
/* dlopen_loop LIB N [keep] - dlopen LIB, call its work function, dlclose it,
 * N times, while a second thread burns CPU: sampling lands in code that is
 * being loaded and unloaded. With "keep": open LIB once, after the agent has
 * started, call its work function N times and never close it (a plugin
 * loaded at start-up), with no second thread. */
#include "burn.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int stop;
static volatile uint64_t sink;

static void *background(void *arg)
{
	uint64_t x = 7;

	(void)arg;
	while (!atomic_load(&stop))
		x = spin(x, 1000);
	sink += x;
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 300;
	uint64_t sum = 0;
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: dlopen_loop LIB [N [keep]]\n");
		return 2;
	}
	if (argc > 3 && !strcmp(argv[3], "keep")) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		uint64_t (*fn)(uint64_t) = h ? (uint64_t(*)(uint64_t))dlsym(h, "dl_work") : NULL;

		if (!fn) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		for (int i = 0; i < n; i++)
			sum += fn((uint64_t)i) & 1;
		printf("dlopen_loop: %d calls, checksum %llu\n", n, (unsigned long long)sum);
		return 0;
	}
	pthread_create(&t, NULL, background, NULL);
	for (int i = 0; i < n; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		uint64_t (*fn)(uint64_t);

		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		fn = (uint64_t(*)(uint64_t))dlsym(h, "dl_work");
		sum += fn ? fn((uint64_t)i) & 1 : 0;
		dlclose(h);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("dlopen_loop: %d rounds, checksum %llu\n", n, (unsigned long long)sum);
	return 0;
}
