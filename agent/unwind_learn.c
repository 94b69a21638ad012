// SPDX-License-Identifier: MIT
/*
 * unwind_learn.c - the writer's side of unwind_cache.h: for each stack that
 * libunwind had to walk, compile the rule at each of its addresses from the
 * module's CFI (lib/cfi.h) and publish it, so the next stack through the
 * same addresses takes the fast walk.
 *
 * Runs under the writer's lock (from drain(), on the writer thread or an
 * HTTP thread), which makes it the cache's single writer. Not
 * async-signal-safe.
 *
 * dlclose: a rule must never outlive its object in the cache. dlclose bumps
 * em_maps_generation, then the cache's generation; drain() reads the
 * cache's generation, then em_maps_generation (re-reading the maps if it
 * changed), and learns in the generation it read. So a rule learned from
 * maps that still show an unloaded object carries an old generation, and
 * the cache drops it.
 */
#include "agent.h"
#include "cfi.h"
#include "symbolize.h"
#include "unwind_cache.h"
#include "writer.h"

#include <stdlib.h>

/* Module -> its CFI (dwarf_getcfi_elf), or 1 when it has none. Modules live
 * as long as the symbolizer, which lives as long as the process. */
static struct em_u64map cfis;

static Dwarf_CFI *cfi_of(struct em_elfmod *m)
{
	uint64_t v;
	Dwarf_CFI *cfi;

	if (em_u64map__get(&cfis, (uintptr_t)m, &v))
		return v == 1 ? NULL : (Dwarf_CFI *)(uintptr_t)v;
	cfi = m->elf ? dwarf_getcfi_elf(m->elf) : NULL;
	if (em_u64map__put(&cfis, (uintptr_t)m, cfi ? (uintptr_t)cfi : 1) < 0 && cfi) {
		dwarf_cfi_end(cfi);
		return NULL;
	}
	return cfi;
}

/* The packed rule at pc (exact, or the call before a return address). 0
 * when pc lies in no mapping the symbolizer knows (not learned: the maps may
 * catch up later). */
static uint64_t rule_at(uint64_t pc, bool exact)
{
	struct em_cfi_rule r = { .kind = EM_CFI_UNSUPPORTED };
	const struct em_map *map;
	struct em_elfmod *m;
	uint64_t vaddr;
	Dwarf_CFI *cfi;

	em_collect_cover(pc);
	map = em_maps__find(em_proc__maps(em_collect_env.proc), pc);
	if (!map)
		return 0;
	m = map->kind == EM_MAP_ANON ? NULL
				     : em_symbolizer__proc_module(em_collect_env.sym,
								  em_collect_env.proc, map);
	if (m && (cfi = cfi_of(m)) &&
	    em_elfmod__vaddr(m, pc - map->start + map->offset, map->offset, &vaddr) == 0)
		em_cfi_rule_of(cfi, exact ? vaddr : vaddr - 1, &r);
	return em_cfi_pack(&r);
}

void em_unwind_learn(const struct em_rec *r, uint32_t gen)
{
	if (!(r->flags & EM_REC_SLOW_UNWIND))
		return;
	atomic_fetch_add_explicit(&em_stats.slow_unwinds, 1, memory_order_relaxed);
	for (uint32_t i = 0; i < r->nframes; i++) {
		bool exact = i == 0 || (r->frames[i] & EM_PC_EXACT);
		uint64_t pc = r->frames[i] & ~EM_PC_EXACT, key = em_unwind_key(pc, exact), rule;

		rule = em_unwind_cache_find(key, gen);
		if (!rule) {
			rule = rule_at(pc, exact);
			if (!rule)
				return;
			em_unwind_cache_put(key, rule, gen);
		}
		/* The fast walk cannot go past this frame: no use learning more. */
		if (em_cfi_kind_of(rule) != EM_CFI_NORMAL)
			return;
	}
}
