// SPDX-License-Identifier: MIT
/*
 * loader.c - dlclose: an object must not be unmapped while a signal handler
 * on another thread is reading its unwind tables. The wrapper waits for
 * in-flight unwinds (microseconds) and keeps new ones out until the object is
 * gone (samples landing then record their PC and say "not unwound"), then
 * flushes libunwind's cache and tells the writer that the maps changed.
 *
 * glibc's own internal unloads (iconv modules via __libc_dlclose) do not go
 * through this symbol; they are rare and documented in docs/design.md.
 */
#include "agent.h"
#include "real.h"

atomic_uint em_maps_generation;

EM_EXPORT int dlclose(void *handle)
{
	int rc;

	em_unwind_barrier_begin();
	rc = EM_REAL(dlclose)(handle);
	/* The maps first: a writer that sees the unwind cache's new
	 * generation then also sees that the maps changed (unwind_learn.c). */
	atomic_fetch_add(&em_maps_generation, 1);
	em_unwind_flush();
	em_unwind_barrier_end();
	return rc;
}
