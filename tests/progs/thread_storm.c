// SPDX-License-Identifier: MIT
/* thread_storm - create and join threads by the thousand, 16 at a time, each
 * doing a little CPU work, while the agent samples at its highest rate. */
#include "burn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *work(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	return (void *)(uintptr_t)(spin(i, 20000) & 0xff);
}

int main(int argc, char **argv)
{
	int total = argc > 1 ? atoi(argv[1]) : 3000, done = 0;
	uint64_t sum = 0;

	while (done < total) {
		pthread_t t[16];
		int n = total - done < 16 ? total - done : 16;

		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, work, (void *)(uintptr_t)(done + i)) != 0) {
				perror("pthread_create");
				return 1;
			}
		for (int i = 0; i < n; i++) {
			void *r;

			pthread_join(t[i], &r);
			sum += (uintptr_t)r;
		}
		done += n;
	}
	printf("threads: %d checksum: %llu\n", done, (unsigned long long)sum);
	return 0;
}
