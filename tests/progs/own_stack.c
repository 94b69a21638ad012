// SPDX-License-Identifier: MIT
/*
 * own_stack - spends its CPU in generated code (no unwind info) that runs
 * on a stack of its own, as JIT-compiled code and some coroutine libraries
 * do. The agent cannot unwind out of it and must say so with a
 * "[truncated: unwinding stopped]" frame, never guess and never read
 * memory it has not checked.
 *
 *   own_stack [ITERATIONS]        (default 2e9, about a second)
 *
 * x86-64 only (the generated code is machine code).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const unsigned char code[] = {
	0x48, 0x89, 0xe0,	/* mov %rsp, %rax: keep the real stack */
	0x48, 0x89, 0xf4,	/* mov %rsi, %rsp: switch to ours */
	0x48, 0xff, 0xcf,	/* 1: dec %rdi */
	0x75, 0xfb,		/*    jnz 1b */
	0x48, 0x89, 0xc4,	/* mov %rax, %rsp */
	0xc3,			/* ret */
};

__attribute__((noinline)) static void run_generated(uint64_t n)
{
	unsigned char *text = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (text == MAP_FAILED || stack == MAP_FAILED)
		exit(1);
	memcpy(text, code, sizeof(code));
	if (mprotect(text, 4096, PROT_READ | PROT_EXEC) != 0)
		exit(1);
	((void (*)(uint64_t, void *))(uintptr_t)text)(n, stack + 65536 - 64);
}

int main(int argc, char **argv)
{
	run_generated(argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000000ULL);
	puts("own_stack done");
	return 0;
}
