// SPDX-License-Identifier: MIT
/* cfi.c - reduce libdw's view of a frame's CFI to the shapes in cfi.h. */
#include "cfi.h"

#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>

#define REG_RBP 6	/* DWARF register numbers, x86-64 psABI */
#define REG_RSP 7
#define REG_RA	16

/* CFA = a register + offset: libdw gives one DW_OP_bregx (or DW_OP_bregN). */
static bool cfa_of(Dwarf_Frame *f, struct em_cfi_rule *r)
{
	Dwarf_Op *ops;
	size_t n;
	uint64_t reg;
	int64_t off;

	if (dwarf_frame_cfa(f, &ops, &n) != 0 || n != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx) {
		reg = ops[0].number;
		off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		off = (int64_t)ops[0].number;
	} else {
		return false;
	}
	if ((reg != REG_RSP && reg != REG_RBP) || off < INT32_MIN || off > INT32_MAX)
		return false;
	r->cfa_rbp = reg == REG_RBP;
	r->cfa_off = (int32_t)off;
	return true;
}

/*
 * Where the caller's value of regno is. 1: saved at CFA + *off; 0: the same
 * as in this frame; -1: undefined; -2: anything else.
 */
static int saved_at(Dwarf_Frame *f, int regno, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t n;

	if (dwarf_frame_register(f, regno, mem, &ops, &n) != 0)
		return -2;
	if (n == 0)
		return ops ? -1 : 0;	/* ops == mem: undefined; NULL: same value */
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return -2;
	if (n == 1) {
		*off = 0;
		return 1;
	}
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;	/* negative offsets wrap: two's complement */
		return 1;
	}
	return -2;
}

int em_cfi_rule_of(Dwarf_CFI *cfi, uint64_t vaddr, struct em_cfi_rule *out)
{
	Dwarf_Frame *f;
	Dwarf_Addr lo, hi;
	bool signal_frame = false;
	int64_t ra_off = 0, rbp_off = 0;
	int ra, rbp;

	*out = (struct em_cfi_rule){ .kind = EM_CFI_UNSUPPORTED };
	if (!cfi || dwarf_cfi_addrframe(cfi, vaddr, &f) != 0)
		return -ENOENT;
	if (dwarf_frame_info(f, &lo, &hi, &signal_frame) != REG_RA || signal_frame ||
	    !cfa_of(f, out))
		goto out;
	ra = saved_at(f, REG_RA, &ra_off);
	if (ra == -1) {
		out->kind = EM_CFI_OUTERMOST;
		goto out;
	}
	rbp = saved_at(f, REG_RBP, &rbp_off);
	if (ra != 1 || ra_off < INT8_MIN || ra_off > INT8_MAX || rbp < 0 ||
	    rbp_off < INT16_MIN || rbp_off > INT16_MAX)
		goto out;
	out->kind = EM_CFI_NORMAL;
	out->ra_off = (int8_t)ra_off;
	out->rbp_saved = rbp == 1;
	out->rbp_off = out->rbp_saved ? (int16_t)rbp_off : 0;
out:
	free(f);
	return 0;
}

uint64_t em_cfi_pack(const struct em_cfi_rule *r)
{
	return ((uint64_t)r->kind & 3) | ((uint64_t)r->cfa_rbp << 2) | ((uint64_t)r->rbp_saved << 3) |
	       ((uint64_t)(uint8_t)r->ra_off << 8) | ((uint64_t)(uint16_t)r->rbp_off << 16) |
	       ((uint64_t)(uint32_t)r->cfa_off << 32);
}
