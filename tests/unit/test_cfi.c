// SPDX-License-Identifier: MIT
/*
 * test_cfi.c - compiled unwind rules (lib/cfi.c) read from this test
 * program's own .eh_frame, at addresses whose CFI is known: a function's
 * entry, the body of a frame-pointer function, the outermost frame, and the
 * packing; and the rule table the agent keeps them in (agent/unwind_cache.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfi.h"
#include "../../agent/unwind_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <unistd.h>

static struct {
	int fd;
	Elf *elf;
	Dwarf_CFI *cfi;
	uintptr_t bias;
} self;

static int setup(void **state)
{
	(void)state;
	elf_version(EV_CURRENT);
	self.fd = open("/proc/self/exe", O_RDONLY);
	self.elf = self.fd >= 0 ? elf_begin(self.fd, ELF_C_READ_MMAP, NULL) : NULL;
	self.cfi = self.elf ? dwarf_getcfi_elf(self.elf) : NULL;
	self.bias = _r_debug.r_map->l_addr;	/* the executable's load bias */
	return self.cfi ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	dwarf_cfi_end(self.cfi);
	elf_end(self.elf);
	close(self.fd);
	return 0;
}

static uint64_t vaddr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p - self.bias;
}

/* A leaf that never touches the stack, and a function that keeps a frame
 * pointer and calls out, so its body has an RBP-based CFA. */
__attribute__((noinline)) int leaf(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

static void *volatile body_pc;

__attribute__((noinline)) static void note_return_address(void)
{
	body_pc = __builtin_return_address(0);
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) int with_frame(int x)
{
	note_return_address();
	return x + 2;
}

static void entry_of_a_function(void **state)
{
	struct em_cfi_rule r;

	(void)state;
	assert_int_equal(em_cfi_rule_of(self.cfi, vaddr_of((void *)leaf), &r), 0);
	assert_int_equal(r.kind, EM_CFI_NORMAL);
	assert_false(r.cfa_rbp);
	assert_int_equal(r.cfa_off, 8);		/* just the return address pushed */
	assert_int_equal(r.ra_off, -8);
	assert_false(r.rbp_saved);
}

static void body_of_a_frame_pointer_function(void **state)
{
	struct em_cfi_rule r;

	(void)state;
	assert_int_equal(with_frame(1), 3);
	assert_non_null(body_pc);
	/* The call before the return address, as the unwinder looks it up. */
	assert_int_equal(em_cfi_rule_of(self.cfi, vaddr_of(body_pc) - 1, &r), 0);
	assert_int_equal(r.kind, EM_CFI_NORMAL);
	assert_true(r.cfa_rbp);
	assert_int_equal(r.cfa_off, 16);
	assert_int_equal(r.ra_off, -8);
	assert_true(r.rbp_saved);
	assert_int_equal(r.rbp_off, -16);
}

static void outermost_frame(void **state)
{
	GElf_Ehdr eh;
	struct em_cfi_rule r;

	(void)state;
	/* _start's CFI marks the return address undefined (glibc's
	 * cfi_undefined(rip)): the root of the main thread's stack. */
	assert_non_null(gelf_getehdr(self.elf, &eh));
	assert_int_equal(em_cfi_rule_of(self.cfi, eh.e_entry, &r), 0);
	assert_int_equal(r.kind, EM_CFI_OUTERMOST);
}

static void no_cfi_there(void **state)
{
	struct em_cfi_rule r;

	(void)state;
	assert_int_equal(em_cfi_rule_of(self.cfi, 0, &r), -ENOENT);
	assert_int_equal(em_cfi_rule_of(NULL, vaddr_of((void *)leaf), &r), -ENOENT);
}

static void packs_and_unpacks(void **state)
{
	struct em_cfi_rule in = { .kind = EM_CFI_NORMAL, .cfa_rbp = true, .rbp_saved = true,
				  .cfa_off = -2000000000, .rbp_off = -32768, .ra_off = -128 };
	struct em_cfi_rule out;
	uint64_t w = em_cfi_pack(&in);

	(void)state;
	assert_int_not_equal(w, 0);
	em_cfi_unpack(w, &out);
	assert_int_equal(out.kind, in.kind);
	assert_true(out.cfa_rbp && out.rbp_saved);
	assert_int_equal(out.cfa_off, in.cfa_off);
	assert_int_equal(out.rbp_off, in.rbp_off);
	assert_int_equal(out.ra_off, in.ra_off);
	in = (struct em_cfi_rule){ .kind = EM_CFI_OUTERMOST, .cfa_off = 8, .ra_off = 127 };
	em_cfi_unpack(em_cfi_pack(&in), &out);
	assert_int_equal(out.kind, EM_CFI_OUTERMOST);
	assert_false(out.cfa_rbp || out.rbp_saved);
	assert_int_equal(out.cfa_off, 8);
	assert_int_equal(out.ra_off, 127);
	assert_int_equal(em_cfi_kind_of(em_cfi_pack(&in)), EM_CFI_OUTERMOST);
}

static void cache_finds_what_was_put(void **state)
{
	uint32_t gen = em_unwind_cache_gen();
	uint64_t pc = 0x7f0000001234;

	(void)state;
	assert_int_equal(em_unwind_cache_find(em_unwind_key(pc, false), gen), 0);
	em_unwind_cache_put(em_unwind_key(pc, false), 0x1111, gen);
	em_unwind_cache_put(em_unwind_key(pc, true), 0x2222, gen);
	assert_int_equal(em_unwind_cache_find(em_unwind_key(pc, false), gen), 0x1111);
	/* The exact PC and the return address are different rules. */
	assert_int_equal(em_unwind_cache_find(em_unwind_key(pc, true), gen), 0x2222);
	em_unwind_cache_put(em_unwind_key(pc, false), 0x3333, gen);
	assert_int_equal(em_unwind_cache_find(em_unwind_key(pc, false), gen), 0x3333);
	assert_int_equal(em_unwind_cache_find(em_unwind_key(pc + 1, false), gen), 0);
}

static void cache_flush_makes_rules_stale(void **state)
{
	uint32_t gen = em_unwind_cache_gen();
	uint64_t key = em_unwind_key(0x7f0000005678, false);

	(void)state;
	em_unwind_cache_put(key, 0x4444, gen);
	assert_int_equal(em_unwind_cache_find(key, gen), 0x4444);
	em_unwind_cache_flush();
	assert_int_not_equal(em_unwind_cache_gen(), gen);
	assert_int_equal(em_unwind_cache_find(key, em_unwind_cache_gen()), 0);
	/* A rule learned before the flush is dropped, not published. */
	em_unwind_cache_put(key, 0x5555, gen);
	assert_int_equal(em_unwind_cache_find(key, em_unwind_cache_gen()), 0);
	em_unwind_cache_put(key, 0x6666, em_unwind_cache_gen());
	assert_int_equal(em_unwind_cache_find(key, em_unwind_cache_gen()), 0x6666);
}

static void cache_stays_bounded(void **state)
{
	uint32_t gen = em_unwind_cache_gen();
	unsigned found = 0;

	(void)state;
	/* Four times the slots: old keys give way, recent ones are found. */
	for (uint64_t i = 0; i < 65536; i++)
		em_unwind_cache_put(em_unwind_key(0x500000000000 + 16 * i, false), i + 1, gen);
	for (uint64_t i = 65536 - 1024; i < 65536; i++)
		found += em_unwind_cache_find(em_unwind_key(0x500000000000 + 16 * i, false), gen) ==
			 i + 1;
	assert_true(found > 900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entry_of_a_function),
		cmocka_unit_test(body_of_a_frame_pointer_function),
		cmocka_unit_test(outermost_frame),
		cmocka_unit_test(no_cfi_there),
		cmocka_unit_test(packs_and_unpacks),
		cmocka_unit_test(cache_finds_what_was_put),
		cmocka_unit_test(cache_flush_makes_rules_stale),
		cmocka_unit_test(cache_stays_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
