// SPDX-License-Identifier: MIT
/* real.c - dlsym(RTLD_NEXT) table of the functions the agent wraps. */
#include "real.h"

#include <errno.h>
#include <stdatomic.h>

struct em_real_fns em_real;

/* dlsym returns the next definition after libember.so in lookup order:
 * libc's, or another preloaded library's wrapper, which we then chain to. */
#define LOOKUP(name)                                                           \
	do {                                                                   \
		void *p = dlsym(RTLD_NEXT, #name);                             \
		if (!p)                                                        \
			missing = -ENOENT;                                     \
		__atomic_store_n((void **)&em_real.name, p, __ATOMIC_RELEASE); \
	} while (0)

/* The legacy signal functions: a libc without them cannot have programs
 * calling them, and their wrappers fall back to sigaction. */
#define LOOKUP_OPTIONAL(name) \
	__atomic_store_n((void **)&em_real.name, dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE)

int em_real_init(void)
{
	static atomic_int done;
	int missing = 0;

	if (atomic_load_explicit(&done, memory_order_acquire))
		return 0;
	/* The allocator first: dlsym may allocate, and the malloc wrapper serves
	 * those requests from its arena until malloc is known. free is looked
	 * up before malloc so a pointer from the real malloc is never handed
	 * to a free we do not have yet. */
	LOOKUP(free);
	LOOKUP(calloc);
	LOOKUP(realloc);
	LOOKUP(posix_memalign);
	LOOKUP(aligned_alloc);
	LOOKUP(memalign);
	LOOKUP(valloc);
	LOOKUP(pvalloc);
	LOOKUP(malloc_usable_size);
	LOOKUP(malloc);
	LOOKUP(pthread_create);
	LOOKUP(dlclose);
	LOOKUP(sigaction);
	LOOKUP(signal);
	LOOKUP_OPTIONAL(bsd_signal);
	LOOKUP_OPTIONAL(ssignal);
	LOOKUP_OPTIONAL(sysv_signal);
	LOOKUP_OPTIONAL(__sysv_signal);
	LOOKUP_OPTIONAL(sigignore);
	LOOKUP_OPTIONAL(sighold);
	LOOKUP(sigset);
	LOOKUP_OPTIONAL(siginterrupt);
	LOOKUP(sigprocmask);
	LOOKUP(pthread_sigmask);
	LOOKUP(close);
	LOOKUP(dup2);
	LOOKUP(dup3);
	LOOKUP(_exit);
	LOOKUP(_Exit);
	if (!missing)
		atomic_store_explicit(&done, 1, memory_order_release);
	return missing;
}
