// SPDX-License-Identifier: MIT
/*
 * test_elfmod.c - ELF modules: address translation for PIE, non-PIE and
 * shared objects, and survival of corrupt input. Corrupt binaries and debug
 * files (truncated, bytes flipped) must give errors or fewer answers, never a
 * crash or a bad read (run under ASan with make test SAN=1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "elfmod.h"
#include "progs.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/ember-elfmod.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The vaddr of a function, and the file offset a mapping would give for it. */
static void check_translation(const char *prog, const char *fn, uint16_t type)
{
	struct em_elfmod *m = em_elfmod__open(prog_path(prog));
	const struct em_load_seg *x = NULL;
	const struct em_sym *sym;
	struct em_symres res;
	uint64_t vaddr, off;

	assert_non_null(m);
	assert_int_equal(m->e_type, type);
	assert_int_equal(em_elfmod__load(m, NULL, 0), 0);
	sym = em_symtab__find_name(&m->syms, fn);
	assert_non_null(sym);
	for (size_t i = 0; i < m->nloads; i++)
		if (m->loads[i].exec)
			x = &m->loads[i];
	assert_non_null(x);
	/*
	 * The kernel maps the segment from the page below p_offset; a PC's file
	 * offset is (pc - map start) + map offset. Work it out from the page
	 * layout, independently of em_elfmod__vaddr()'s arithmetic.
	 */
	{
		uint64_t map_off = x->offset & ~4095ull, map_start = x->vaddr & ~4095ull;
		uint64_t bias = 0x7f0000000000ull * (type == ET_DYN);
		uint64_t pc = bias + sym->addr + 3;

		off = pc - (bias + map_start) + map_off;
	}
	assert_int_equal(em_elfmod__vaddr(m, off, x->offset & ~4095ull, &vaddr), 0);
	assert_int_equal(vaddr, sym->addr + 3);
	assert_true(em_elfmod__lookup(m, vaddr, &res) >= 1);
	assert_string_equal(res.frames[res.nframes - 1].name, fn);
	assert_true(res.from_dwarf);
	assert_int_equal(em_elfmod__vaddr(m, 1ull << 40, 0, &vaddr), -ENOENT);
	em_elfmod__free(m);
}

static void translates_pie_non_pie_and_shared_objects(void **state)
{
	(void)state;
	check_translation("symprog", "sym_middle", ET_DYN);
	check_translation("symprog-nopie", "sym_middle", ET_EXEC);
	check_translation("libsymlib.so", "symlib_entry", ET_DYN);
	check_translation("symcpp", "_ZN10ember_test10run_widgetEPm", ET_DYN);
}

static void rejects_what_is_not_an_executable(void **state)
{
	char path[128];
	struct stat st;

	(void)state;
	errno = 0;
	assert_null(em_elfmod__open("/nonexistent"));
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/text", tmpdir);
	assert_int_equal(spew(path, "hello, world\n", 13), 0);
	errno = 0;
	assert_null(em_elfmod__open(path));
	assert_int_equal(errno, ENOEXEC);
	errno = 0;
	assert_null(em_elfmod__open(tmpdir));
	assert_int_equal(errno, ENOEXEC);
	assert_int_equal(stat(path, &st), 0);
	em_elfmod__free(NULL);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* Corruption rounds per test; EMBER_ELF_ROUNDS=100000 for a long local run. */
static int rounds(void)
{
	const char *e = getenv("EMBER_ELF_ROUNDS");

	return e && atoi(e) > 0 ? atoi(e) : 300;
}

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Opens, loads and queries a (possibly corrupt) module; returns frames found. */
static unsigned exercise(const char *path, const char *const *dirs, size_t ndirs)
{
	struct em_debug_search s = { .dirs = dirs, .ndirs = ndirs, .root = "", .path = path };
	struct em_elfmod *m = em_elfmod__open(path);
	unsigned found = 0;
	struct em_symres res;

	if (!m)
		return 0;
	if (em_elfmod__load(m, &s, 0) == 0) {
		for (size_t i = 0; i < m->nloads; i++)
			for (uint64_t a = 0; a < m->loads[i].filesz && a < 0x4000; a += 0x41)
				found += em_elfmod__lookup(m, m->loads[i].vaddr + a, &res);
	}
	em_elfmod__free(m);
	return found;
}

static void corrupt_binaries_never_crash(void **state)
{
	char path[128];
	unsigned char *img, *copy;
	size_t len = 0;

	(void)state;
	img = slurp(prog_path("symprog"), &len);
	assert_non_null(img);
	copy = malloc(len);
	snprintf(path, sizeof(path), "%s/corrupt", tmpdir);
	assert_int_equal(spew(path, img, len), 0);
	assert_true(exercise(path, NULL, 0) > 10);
	for (size_t cut = 0; cut < len; cut += len / 40 + 1) {
		assert_int_equal(spew(path, img, cut), 0);
		exercise(path, NULL, 0);
	}
	for (int round = 0; round < rounds(); round++) {
		memcpy(copy, img, len);
		for (int k = 0, n = 1 + (int)(next_rand() % 16); k < n; k++) {
			/* Aim most flips at the headers, where they hurt most. */
			size_t at = round % 2 ? next_rand() % len : next_rand() % 512;

			copy[at] ^= (unsigned char)(1u << (next_rand() % 8));
		}
		assert_int_equal(spew(path, copy, len), 0);
		exercise(path, NULL, 0);
	}
	free(copy);
	free(img);
}

static void corrupt_debug_files_never_crash(void **state)
{
	struct em_elfmod *m = em_elfmod__open(prog_path("symprog-stripped-id"));
	char src[PATH_MAX], dir[128], dst[256], cmd[300];
	const char *dirs[] = { dir };
	unsigned char *img, *copy;
	size_t len = 0;
	unsigned good;

	(void)state;
	assert_non_null(m);
	snprintf(src, sizeof(src), "%s/.build-id/%.2s/%s.debug", prog_path("debug-root"),
		 m->build_id_hex, m->build_id_hex + 2);
	snprintf(dir, sizeof(dir), "%s/dbg", tmpdir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/.build-id/%.2s'", dir, m->build_id_hex);
	assert_int_equal(system(cmd), 0);
	snprintf(dst, sizeof(dst), "%s/.build-id/%.2s/%s.debug", dir, m->build_id_hex,
		 m->build_id_hex + 2);
	img = slurp(src, &len);
	assert_non_null(img);
	copy = malloc(len);
	assert_int_equal(spew(dst, img, len), 0);
	good = exercise(prog_path("symprog-stripped-id"), dirs, 1);
	assert_true(good > 10);
	for (int round = 0; round < rounds(); round++) {
		memcpy(copy, img, len);
		/* Leave the header alone so the file is found and parsed. */
		for (int k = 0, n = 1 + (int)(next_rand() % 8); k < n; k++)
			copy[64 + next_rand() % (len - 64)] ^= (unsigned char)(1u << (next_rand() % 8));
		assert_int_equal(spew(dst, copy, len), 0);
		exercise(prog_path("symprog-stripped-id"), dirs, 1);
	}
	free(copy);
	free(img);
	em_elfmod__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(translates_pie_non_pie_and_shared_objects),
		cmocka_unit_test(rejects_what_is_not_an_executable),
		cmocka_unit_test(corrupt_binaries_never_crash),
		cmocka_unit_test(corrupt_debug_files_never_crash),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
