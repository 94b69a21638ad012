// SPDX-License-Identifier: MIT
/*
 * libsymlib.so - the shared-library half of symprog: symlib_entry() records
 * symlib_leaf <- symlib_helper (inlined) <- symlib_entry <- its caller.
 */
#include "../symprog.h"

static volatile uintptr_t symlib_sink;

SYM_FRAME static uintptr_t symlib_leaf(uintptr_t *stack)
{
	stack[0] = SYM_HERE(); /* @lib-leaf */
	stack[1] = SYM_CALLER();
	return stack[0] ^ symlib_sink;
}

SYM_INLINE uintptr_t symlib_helper(uintptr_t *stack)
{
	uintptr_t r = symlib_leaf(stack); /* @lib-call-leaf */

	symlib_sink = r;
	return r + 1;
}

__attribute__((visibility("default"))) SYM_FRAME uintptr_t symlib_entry(uintptr_t *stack)
{
	uintptr_t r = symlib_helper(stack); /* @lib-call-helper */

	stack[2] = SYM_CALLER();
	symlib_sink = r;
	return r * 5;
}
