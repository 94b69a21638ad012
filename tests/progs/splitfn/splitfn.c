// SPDX-License-Identifier: MIT
/*
 * splitfn - a function GCC splits (partial inlining): events_process keeps
 * only its early return and jumps to events_process.part.0, the body.
 * Built -O2 -rdynamic, then stripped (tests/unit/test_symtab checks that the
 * body is named events_process.part from the stub's jump and .eh_frame).
 * Not in tests/progs/ itself: it is built its own way (progs.mk).
 */
#include <stdio.h>

volatile long sink;

int events_process(int flags, long n)
{
	long acc = 0;

	if (!(flags & 3))
		return 0;
	for (long i = 0; i < n; i++) {
		acc += i * flags;
		if (acc % 7 == 3)
			sink += acc;
		if (acc % 11 == 5)
			sink ^= i;
		if (acc % 13 == 1)
			printf("%ld\n", acc);
	}
	return (int)acc;
}

int main(int argc, char **argv)
{
	(void)argv;
	return events_process(argc, 1000) & 1;
}
