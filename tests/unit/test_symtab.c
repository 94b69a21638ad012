// SPDX-License-Identifier: MIT
/* test_symtab.c - ELF symbol tables: lookups, aliases, and corrupt sections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "progs.h"
#include "symtab.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct open_elf {
	int fd;
	Elf *elf;
};

static Elf *open_elf(const char *path, struct open_elf *o)
{
	elf_version(EV_CURRENT);
	o->fd = open(path, O_RDONLY);
	assert_true(o->fd >= 0);
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(o->elf);
	return o->elf;
}

static void close_elf(struct open_elf *o)
{
	elf_end(o->elf);
	close(o->fd);
}

static void finds_functions_of_the_test_program(void **state)
{
	struct em_symtab st = { 0 };
	struct open_elf o;
	const struct em_sym *mid, *s;

	(void)state;
	assert_true(em_symtab__add_elf(&st, open_elf(prog_path("symprog"), &o)) > 10);
	em_symtab__finish(&st);
	mid = em_symtab__find_name(&st, "sym_middle");
	assert_non_null(mid);
	assert_true(mid->end > mid->addr);
	for (uint64_t a = mid->addr; a < mid->end; a++) {
		s = em_symtab__find(&st, a);
		assert_non_null(s);
		assert_string_equal(s->name, "sym_middle");
	}
	assert_non_null(em_symtab__find_name(&st, "sym_leaf"));
	assert_non_null(em_symtab__find_name(&st, "main"));
	/* Sorted, one entry per address. */
	for (size_t i = 1; i < st.n; i++)
		assert_true(st.syms[i - 1].addr < st.syms[i].addr);
	assert_null(em_symtab__find(&st, 0));
	assert_null(em_symtab__find(&st, st.syms[0].addr - 1));
	em_symtab__clear(&st);
	close_elf(&o);
}

static void stripped_binary_has_only_dynamic_symbols(void **state)
{
	struct em_symtab st = { 0 };
	struct open_elf o;

	(void)state;
	em_symtab__add_elf(&st, open_elf(prog_path("symprog-stripped-bare"), &o));
	em_symtab__finish(&st);
	assert_null(em_symtab__find_name(&st, "sym_middle"));
	assert_null(em_symtab__find_name(&st, "main"));
	em_symtab__clear(&st);
	close_elf(&o);
}

static void aliases_prefer_the_plain_name(void **state)
{
	struct em_symtab st = { 0 };
	struct open_elf o;
	const struct em_sym *w;

	(void)state;
	/* libc exports write and __write at one address (both weak). */
	assert_true(em_symtab__add_elf(&st, open_elf("/lib/x86_64-linux-gnu/libc.so.6", &o)) > 1000);
	em_symtab__finish(&st);
	w = em_symtab__find_name(&st, "write");
	assert_non_null(w);
	assert_string_equal(em_symtab__find(&st, w->addr)->name, "write");
	assert_null(em_symtab__find_name(&st, "__write"));
	em_symtab__clear(&st);
	close_elf(&o);
}

/* PLT stubs are named after their targets, in .rela.plt order, 16 bytes
 * apart after .plt's header (objdump -d -j .plt shows the same). */
static void plt_stubs_are_named(void **state)
{
	const char *progs[] = { "symprog", "symprog-stripped-bare" };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct em_symtab st = { 0 };
		const struct em_sym *g, *p;
		struct open_elf o;
		Elf *elf = open_elf(prog_path(progs[k]), &o);

		em_symtab__add_elf(&st, elf);
		assert_true(em_symtab__add_plt(&st, elf) >= 8);
		em_symtab__finish(&st);
		g = em_symtab__find_name(&st, "getenv@plt");
		p = em_symtab__find_name(&st, "putchar@plt");
		assert_non_null(g);
		assert_non_null(p);
		assert_int_equal(g->end - g->addr, 16);
		assert_int_equal(p->addr, g->addr + 16);	/* .rela.plt order */
		assert_ptr_equal(em_symtab__find(&st, g->addr + 11), g);
		assert_string_equal(em_symtab__find(&st, p->addr)->name, "putchar@plt");
		em_symtab__clear(&st);	/* frees the names too (ASan checks) */
		close_elf(&o);
	}
}

/* A function GCC split into a stub and a body: stripped, the body is named
 * after the stub from its jump and its FDE, with the bounds the full
 * symbol table gives events_process.part.0. */
static void split_function_bodies_are_named(void **state)
{
	struct em_symtab full = { 0 }, st = { 0 };
	const struct em_sym *part, *got;
	struct open_elf o, os;
	Elf *elf;

	(void)state;
	em_symtab__add_elf(&full, open_elf(prog_path("splitfn"), &o));
	em_symtab__finish(&full);
	part = em_symtab__find_name(&full, "events_process.part.0");
	if (!part) {
		em_symtab__clear(&full);
		close_elf(&o);
		skip();	/* this compiler did not split the function */
	}
	elf = open_elf(prog_path("splitfn-stripped"), &os);
	em_symtab__add_elf(&st, elf);
	em_symtab__finish(&st);
	assert_null(em_symtab__find(&st, part->addr));	/* stripped: a bare address */
	assert_true(em_symtab__add_split_parts(&st, elf) >= 1);
	em_symtab__finish(&st);
	got = em_symtab__find(&st, part->addr + (part->end - part->addr) / 2);
	assert_non_null(got);
	assert_string_equal(got->name, "events_process.part");
	assert_int_equal(got->addr, part->addr);
	assert_int_equal(got->end, part->end);
	/* the stub keeps its own name, and nothing past the body is claimed */
	assert_string_equal(em_symtab__find(&st, em_symtab__find_name(&full, "events_process")->addr)->name,
			    "events_process");
	got = em_symtab__find(&st, part->end);
	assert_true(!got || strcmp(got->name, "events_process.part") != 0);
	em_symtab__clear(&st);
	em_symtab__clear(&full);
	close_elf(&os);
	close_elf(&o);
}

/* Copies symprog to a temp file with its .symtab section header changed by fn. */
static char *patched_copy(void (*fn)(unsigned char *img, Elf64_Shdr *symtab, Elf64_Shdr *all))
{
	static char path[] = "/tmp/ember-symtab.XXXXXX";
	unsigned char *img;
	size_t len = 0;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	int fd;

	img = slurp(prog_path("symprog"), &len);
	assert_non_null(img);
	eh = (Elf64_Ehdr *)img;
	assert_true(eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) <= len);
	sh = (Elf64_Shdr *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB) {
			fn(img, &sh[i], sh);
			break;
		}
	strcpy(path, "/tmp/ember-symtab.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(spew(path, img, len), 0);
	free(img);
	return path;
}

static long load_patched(void (*fn)(unsigned char *, Elf64_Shdr *, Elf64_Shdr *))
{
	struct em_symtab st = { 0 };
	struct open_elf o;
	char *path = patched_copy(fn);
	long n;

	n = em_symtab__add_elf(&st, open_elf(path, &o));
	em_symtab__finish(&st);
	/* Whatever was added must be safe to look up. */
	for (size_t i = 0; i < st.n; i++)
		(void)strlen(st.syms[i].name);
	em_symtab__clear(&st);
	close_elf(&o);
	unlink(path);
	return n;
}

static void huge_count(unsigned char *img, Elf64_Shdr *s, Elf64_Shdr *all)
{
	(void)img, (void)all;
	s->sh_size = (uint64_t)s->sh_entsize * (EM_SYMTAB_MAX_SYMS + 1ull);
}

static void past_eof(unsigned char *img, Elf64_Shdr *s, Elf64_Shdr *all)
{
	(void)img, (void)all;
	s->sh_size = (uint64_t)s->sh_entsize * 1000000;
}

static void zero_entsize(unsigned char *img, Elf64_Shdr *s, Elf64_Shdr *all)
{
	(void)img, (void)all;
	s->sh_entsize = 0;
}

static void bad_link(unsigned char *img, Elf64_Shdr *s, Elf64_Shdr *all)
{
	(void)img, (void)all;
	s->sh_link = 60000;
}

static void unterminated_strtab(unsigned char *img, Elf64_Shdr *s, Elf64_Shdr *all)
{
	Elf64_Shdr *str = &all[s->sh_link];

	memset(img + str->sh_offset, 'A', str->sh_size);
}

static void names_out_of_range(unsigned char *img, Elf64_Shdr *s, Elf64_Shdr *all)
{
	Elf64_Sym *sym = (Elf64_Sym *)(img + s->sh_offset);

	(void)all;
	for (size_t i = 0; i < s->sh_size / sizeof(*sym); i++)
		sym[i].st_name = 0x7fffffff;
}

static void corrupt_symbol_sections_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(load_patched(huge_count), -E2BIG);
	assert_int_equal(load_patched(past_eof), -EINVAL);
	assert_int_equal(load_patched(zero_entsize), -EINVAL);
	assert_int_equal(load_patched(bad_link), -EINVAL);
	assert_int_equal(load_patched(unterminated_strtab), -EINVAL);
	/* Names past the string table are skipped one by one (the .dynsym still loads). */
	assert_true(load_patched(names_out_of_range) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_functions_of_the_test_program),
		cmocka_unit_test(stripped_binary_has_only_dynamic_symbols),
		cmocka_unit_test(aliases_prefer_the_plain_name),
		cmocka_unit_test(plt_stubs_are_named),
		cmocka_unit_test(split_function_bodies_are_named),
		cmocka_unit_test(corrupt_symbol_sections_are_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
