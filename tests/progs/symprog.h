/* SPDX-License-Identifier: MIT */
/*
 * symprog.h - helpers for the symbolization test programs (symprog, symcpp,
 * symlib): each records a stack of pprof addresses whose functions, lines and
 * inline frames are known from the source. Lines the tests look up carry
 * "@marker" comments (found with grep -n).
 *
 * pprof addresses: the leaf is its exact PC, every caller its return address
 * minus one, which lies inside the call instruction.
 */
#ifndef EMBER_SYMPROG_H
#define EMBER_SYMPROG_H

#include <stdint.h>

/*
 * The address of this very instruction: the lea loads its own address (label
 * 1), not the next instruction's, which may already belong to the next line.
 */
#define SYM_HERE()                                                                  \
	({                                                                          \
		uintptr_t pc_;                                                      \
		__asm__ volatile("1: lea 1b(%%rip), %0" : "=r"(pc_));               \
		pc_;                                                                \
	})

/* The caller's call instruction: the return address minus one. */
#define SYM_CALLER() ((uintptr_t)__builtin_return_address(0) - 1)

/* noipa: no inlining, cloning or other interprocedural change, so names stay exact. */
#define SYM_FRAME __attribute__((noipa))
#define SYM_INLINE static inline __attribute__((always_inline))

#define SYM_STACK_MAX 8

#endif
