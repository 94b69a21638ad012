// SPDX-License-Identifier: MIT
/* libdlwork.so - loaded and unloaded in a loop by dlopen_loop. */
#include "burn.h"

uint64_t dl_work(uint64_t seed);

__attribute__((noinline)) uint64_t dl_work(uint64_t seed)
{
	return spin(seed, 200000);
}
