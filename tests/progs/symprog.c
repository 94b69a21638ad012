// SPDX-License-Identifier: MIT
/*
 * symprog - a program whose stacks are known exactly, for the symbolizer's
 * tests. It is built several ways (tests/progs/progs.mk): frame pointers or
 * not, PIE or not, stripped with its debug info in a file found by build id or
 * by .gnu_debuglink. It prints
 *   pid PID
 *   stack exe LEAF MIDDLE MAIN LIBC     sym_leaf <- sym_helper (inlined) <- sym_middle <- main <- libc
 *   stack lib LEAF ENTRY MAIN            (when libsymlib.so loads) the same shape in a shared library
 *   ready
 * and stays alive for SECONDS (argv[1], default 30) so its maps can be read.
 * The library is loaded with dlopen from $SYMPROG_LIB, else from next to the
 * executable.
 */
#include "symprog.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SYMPROG_VARIANT
#define SYMPROG_VARIANT "default"
#endif

static volatile uintptr_t sink;

SYM_FRAME uintptr_t sym_leaf(uintptr_t *stack)
{
	stack[0] = SYM_HERE(); /* @leaf */
	stack[1] = SYM_CALLER();
	return stack[0] ^ sink;
}

SYM_INLINE uintptr_t sym_helper(uintptr_t *stack)
{
	uintptr_t r = sym_leaf(stack); /* @call-leaf */

	sink = r;
	return r + 1;
}

SYM_FRAME uintptr_t sym_middle(uintptr_t *stack)
{
	uintptr_t r = sym_helper(stack); /* @call-helper */

	stack[2] = SYM_CALLER();
	sink = r;
	return r * 3;
}

static void print_stack(const char *name, const uintptr_t *stack, int n)
{
	printf("stack %s", name);
	for (int i = 0; i < n; i++)
		printf(" 0x%lx", (unsigned long)stack[i]);
	printf("\n");
}

static void *open_lib(void)
{
	const char *env = getenv("SYMPROG_LIB");
	char path[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env)
		return dlopen(env, RTLD_NOW);
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	strcpy(slash + 1, "libsymlib.so");
	return dlopen(path, RTLD_NOW);
}

int main(int argc, char **argv)
{
	uintptr_t stack[SYM_STACK_MAX] = { 0 }, lib[SYM_STACK_MAX] = { 0 };
	int seconds = argc > 1 ? atoi(argv[1]) : 30;
	void *h = open_lib();
	uintptr_t (*entry)(uintptr_t *) = h ? (uintptr_t(*)(uintptr_t *))dlsym(h, "symlib_entry") : NULL;
	uintptr_t r;

	r = sym_middle(stack); /* @call-middle */
	stack[3] = SYM_CALLER();
	sink = r;
	printf("variant %s\npid %d\n", SYMPROG_VARIANT, (int)getpid());
	print_stack("exe", stack, 4);
	if (entry) {
		sink = entry(lib); /* @call-entry */
		print_stack("lib", lib, 3);
	}
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < seconds * 10; i++)
		usleep(100000);
	return 0;
}
