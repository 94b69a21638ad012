// SPDX-License-Identifier: MIT
/* flush_api - uses the agent's exported API when it is there (weak symbols,
 * so the program also runs without the agent): ember_flush() must write the
 * profile before the program ends. */
#include "burn.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int ember_flush(void) __attribute__((weak));
const char *ember_version(void) __attribute__((weak));

static volatile uint64_t sink;

int main(void)
{
	const char *dir = getenv("EMBER_OUTPUT");
	int64_t until = thread_cpu_ns() + 300000000LL;
	uint64_t x = 23;
	char path[4096];
	struct stat st;

	while (thread_cpu_ns() < until)
		x = spin(x, 1000);
	sink += x;
	if (!ember_flush) {
		printf("agent: absent\n");
		return 0;
	}
	printf("agent: %s\n", ember_version());
	printf("ember_flush: %d\n", ember_flush());
	snprintf(path, sizeof(path), "%s/cpu.%d.pb.gz", dir ? dir : "ember-out", (int)getpid());
	printf("profile after flush: %s\n", stat(path, &st) == 0 && st.st_size > 0 ? "yes" : "no");
	return 0;
}
