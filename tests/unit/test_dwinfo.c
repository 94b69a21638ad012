// SPDX-License-Identifier: MIT
/* test_dwinfo.c - DWARF lookups: inline chains, call sites, names, file paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dwinfo.h"
#include "progs.h"
#include "symtab.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct obj {
	int fd;
	Elf *elf;
	struct em_symtab syms;
	struct em_dwinfo *dw;
};

static void open_obj(const char *prog, struct obj *o)
{
	elf_version(EV_CURRENT);
	memset(o, 0, sizeof(*o));
	o->fd = open(prog_path(prog), O_RDONLY);
	assert_true(o->fd >= 0);
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(o->elf);
	assert_true(em_symtab__add_elf(&o->syms, o->elf) >= 0);
	em_symtab__finish(&o->syms);
	o->dw = em_dwinfo__new(o->elf);
}

static void close_obj(struct obj *o)
{
	em_dwinfo__free(o->dw);
	em_symtab__clear(&o->syms);
	elf_end(o->elf);
	close(o->fd);
}

static int line_of(const char *src, const char *marker)
{
	char buf[512];
	FILE *f = fopen(src, "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		if (strstr(buf, marker)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	fail_msg("marker %s not in %s", marker, src);
	return 0;
}

/* The single call instruction in [sym, end) whose chain includes callee inlined. */
static int chain_at_call(struct obj *o, const char *fn, const char *inlined,
			 struct em_srcframe *frames)
{
	const struct em_sym *s = em_symtab__find_name(&o->syms, fn);

	assert_non_null(s);
	for (uint64_t a = s->addr; a < s->end; a++) {
		int n = em_dwinfo__lookup(o->dw, a, frames, EM_DW_MAX_INLINE);

		if (n >= 2 && frames[0].name && !strcmp(frames[0].name, inlined))
			return n;
	}
	return 0;
}

static void inline_chain_has_call_sites(void **state)
{
	const char *src = "tests/progs/symprog.c";
	struct em_srcframe f[EM_DW_MAX_INLINE];
	struct obj o;

	(void)state;
	open_obj("symprog", &o);
	assert_non_null(o.dw);
	assert_int_equal(chain_at_call(&o, "sym_middle", "sym_helper", f), 2);
	assert_string_equal(f[1].name, "sym_middle");
	/* The outer frame sits at the line that called the inlined helper. */
	assert_int_equal(f[1].line, line_of(src, "@call-helper"));
	assert_int_equal(f[0].start_line, line_of(src, "SYM_INLINE uintptr_t sym_helper"));
	/* Relative source names were joined with the unit's directory. */
	assert_true(f[0].file[0] == '/');
	assert_non_null(strstr(f[0].file, "/tests/progs/symprog.c"));
	assert_null(strstr(f[0].file, "/./"));
	assert_int_equal(f[1].file[0], '/');
	close_obj(&o);
}

static void cxx_names_are_linkage_names_or_qualified(void **state)
{
	struct em_srcframe f[EM_DW_MAX_INLINE];
	struct obj o;

	(void)state;
	open_obj("symcpp", &o);
	assert_int_equal(chain_at_call(&o, "_ZN10ember_test10run_widgetEPm", "ember_test::twice", f),
			 2);
	assert_string_equal(f[1].name, "_ZN10ember_test10run_widgetEPm");
	close_obj(&o);
}

static void addresses_outside_units_are_not_found(void **state)
{
	struct em_srcframe f[EM_DW_MAX_INLINE];
	struct obj o;

	(void)state;
	open_obj("symprog", &o);
	assert_int_equal(em_dwinfo__lookup(o.dw, 0, f, EM_DW_MAX_INLINE), 0);
	assert_int_equal(em_dwinfo__lookup(o.dw, UINT64_MAX, f, EM_DW_MAX_INLINE), 0);
	assert_int_equal(em_dwinfo__lookup(NULL, 0x1000, f, EM_DW_MAX_INLINE), 0);
	/* max bounds the chain: only the innermost frame. */
	assert_int_equal(chain_at_call(&o, "sym_middle", "sym_helper", f), 2);
	{
		const struct em_sym *s = em_symtab__find_name(&o.syms, "sym_middle");
		int best = 0;

		for (uint64_t a = s->addr; a < s->end; a++) {
			int n = em_dwinfo__lookup(o.dw, a, f, 1);

			assert_true(n <= 1);
			best = n > best ? n : best;
		}
		assert_int_equal(best, 1);
	}
	close_obj(&o);
}

static void no_dwarf_is_enoent(void **state)
{
	struct obj o;

	(void)state;
	errno = 0;
	open_obj("symprog-stripped-link", &o);
	assert_null(o.dw);
	assert_int_equal(errno, ENOENT);
	close_obj(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inline_chain_has_call_sites),
		cmocka_unit_test(cxx_names_are_linkage_names_or_qualified),
		cmocka_unit_test(addresses_outside_units_are_not_found),
		cmocka_unit_test(no_dwarf_is_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
