/* SPDX-License-Identifier: MIT */
/*
 * interpose.h - the two macros the blocking-call wrappers are made of
 * (interpose_syscalls.c, interpose_waits.c).
 *
 * REAL(name): the next definition of `name` after libember.so (libc's, or
 * another preloaded library's wrapper), found with dlsym on first use: a
 * wrapper may be called before the agent's constructor, by another
 * library's. Not async-signal-safe on that first call (dlsym).
 *
 * TIMED(which, name, args...): one call of REAL(name)(args...), timed and
 * handed to the sampler (syscalls.h) as kernel call `which` with `name` as
 * the stack's leaf: the function the program called. errno is the real
 * call's.
 */
#ifndef EMBER_AGENT_INTERPOSE_H
#define EMBER_AGENT_INTERPOSE_H

#include "syscalls.h"

#include <dlfcn.h>

#define REAL(name)                                                                     \
	({                                                                             \
		static __typeof__(&name) real_;                                        \
		__typeof__(&name) f_ = __atomic_load_n(&real_, __ATOMIC_ACQUIRE);      \
		if (__builtin_expect(!f_, 0)) {                                        \
			f_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name);               \
			__atomic_store_n(&real_, f_, __ATOMIC_RELEASE);                \
		}                                                                      \
		f_;                                                                    \
	})

#define TIMED(which, name, ...)                                                   \
	({                                                                        \
		uint64_t t0_ = em_sys_begin();                                    \
		__typeof__(REAL(name)(__VA_ARGS__)) r_ = REAL(name)(__VA_ARGS__); \
		em_sys_end(t0_, which, #name);                                    \
		r_;                                                               \
	})

#endif
