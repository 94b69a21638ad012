/* SPDX-License-Identifier: MIT */
/*
 * cfi.h - one frame's unwind rule at one address, from the module's
 * .eh_frame (libdw parses the CFI), reduced to the few shapes x86-64
 * compilers emit, and packed into one 64-bit word a signal handler can
 * apply with a handful of instructions.
 *
 * The shapes (everything else is EM_CFI_UNSUPPORTED, for a full unwinder):
 *
 *     CFA        = RSP + off   or   RBP + off
 *     return to  = *(CFA + ra_off)               (ra_off -8 in practice)
 *     caller RBP = unchanged   or   *(CFA + rbp_off)
 *     caller RSP = CFA
 *
 * and EM_CFI_OUTERMOST: the CFI says the return address is undefined, which
 * is how _start and clone3 mark the root of every stack.
 *
 * An address is looked up as given: pass a return address minus one (the
 * call instruction), an interrupted PC as is (the leaf, or the frame a signal
 * interrupted).
 *
 * em_cfi_rule_of() is not async-signal-safe (libdw allocates); applying a
 * packed rule (em_cfi_unpack and the arithmetic) is.
 */
#ifndef EMBER_CFI_H
#define EMBER_CFI_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

enum em_cfi_kind {
	EM_CFI_NONE = 0,	/* never a valid packed rule: 0 means "nothing here" */
	EM_CFI_NORMAL,
	EM_CFI_OUTERMOST,
	EM_CFI_UNSUPPORTED,	/* a shape above could not express it */
};

struct em_cfi_rule {
	enum em_cfi_kind kind;
	bool cfa_rbp;		/* CFA from RBP (else RSP) */
	bool rbp_saved;		/* caller's RBP at CFA + rbp_off (else unchanged) */
	int32_t cfa_off;
	int16_t rbp_off;
	int8_t ra_off;
};

/*
 * em_cfi_rule_of() - the rule at link-time address vaddr of the module whose
 * CFI is cfi (dwarf_getcfi_elf). Returns 0 with *out filled (possibly
 * EM_CFI_UNSUPPORTED), or -ENOENT when the CFI covers no such address.
 */
int em_cfi_rule_of(Dwarf_CFI *cfi, uint64_t vaddr, struct em_cfi_rule *out);

/* Packing: nonzero for every kind but EM_CFI_NONE. */
uint64_t em_cfi_pack(const struct em_cfi_rule *r);

static inline enum em_cfi_kind em_cfi_kind_of(uint64_t w)
{
	return (enum em_cfi_kind)(w & 3);
}

static inline void em_cfi_unpack(uint64_t w, struct em_cfi_rule *r)
{
	r->kind = em_cfi_kind_of(w);
	r->cfa_rbp = (w >> 2) & 1;
	r->rbp_saved = (w >> 3) & 1;
	r->ra_off = (int8_t)(uint8_t)(w >> 8);
	r->rbp_off = (int16_t)(uint16_t)(w >> 16);
	r->cfa_off = (int32_t)(uint32_t)(w >> 32);
}

#endif
