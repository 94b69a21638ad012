// SPDX-License-Identifier: MIT
/* test_procmaps.c - /proc/PID/maps parsing: odd paths, pseudo maps, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "procmaps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SAMPLE[] =
	"55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1053 /usr/bin/my prog\n"
	"55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 1053 /usr/bin/my prog\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
	"7f1000000000-7f1000010000 r-xp 00002000 08:02 777                        "
	"/tmp/old lib.so (deleted)\n"
	"7f2000000000-7f2000001000 r-xs 00000000 00:05 42 /memfd:jit (deleted)\n"
	"7f3000000000-7f3000001000 r-xp 00000000 fd:01 99 /opt/a\\012b.so\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
	"7ffd10000000-7ffd10002000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

static void parses_paths_with_spaces_deleted_and_pseudo(void **state)
{
	struct em_maps *m = em_maps__parse(SAMPLE, strlen(SAMPLE));

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->n, 10);
	assert_string_equal(m->v[0].path, "/usr/bin/my prog");
	assert_int_equal(m->v[1].start, 0x55d0c0a01000ULL);
	assert_int_equal(m->v[1].end, 0x55d0c0a02000ULL);
	assert_int_equal(m->v[1].offset, 0x1000);
	assert_int_equal(m->v[1].prot, EM_MAP_R | EM_MAP_X | EM_MAP_P);
	assert_int_equal(m->v[1].dev_major, 0xfd);
	assert_int_equal(m->v[1].dev_minor, 1);
	assert_int_equal(m->v[1].inode, 1053);
	assert_int_equal(m->v[1].kind, EM_MAP_FILE);
	assert_false(m->v[1].deleted);
	assert_string_equal(m->v[2].path, "[heap]");
	assert_int_equal(m->v[2].kind, EM_MAP_PSEUDO);
	assert_string_equal(m->v[3].path, "");
	assert_int_equal(m->v[3].kind, EM_MAP_ANON);
	assert_string_equal(m->v[4].path, "/tmp/old lib.so");
	assert_true(m->v[4].deleted);
	assert_int_equal(m->v[4].offset, 0x2000);
	assert_string_equal(m->v[5].path, "/memfd:jit");
	assert_true(m->v[5].deleted);
	assert_int_equal(m->v[5].prot, EM_MAP_R | EM_MAP_X);
	assert_string_equal(m->v[6].path, "/opt/a\nb.so");
	assert_string_equal(m->v[7].path, "[stack]");
	assert_string_equal(m->v[8].path, "[vdso]");
	assert_int_equal(m->v[8].kind, EM_MAP_PSEUDO);
	assert_string_equal(m->v[9].path, "[vsyscall]");
	assert_int_equal(m->v[9].start, 0xffffffffff600000ULL);
	em_maps__free(m);
}

static void find_uses_half_open_ranges(void **state)
{
	struct em_maps *m = em_maps__parse(SAMPLE, strlen(SAMPLE));

	(void)state;
	assert_non_null(m);
	assert_ptr_equal(em_maps__find(m, 0x55d0c0a01000ULL), &m->v[1]);
	assert_ptr_equal(em_maps__find(m, 0x55d0c0a01fffULL), &m->v[1]);
	assert_ptr_equal(em_maps__find(m, 0x55d0c0a00fffULL), &m->v[0]);
	assert_null(em_maps__find(m, 0x55d0c0a02000ULL));
	assert_null(em_maps__find(m, 0x1000));
	assert_null(em_maps__find(m, UINT64_MAX));
	assert_ptr_equal(em_maps__find(m, 0x7f1000000123ULL), &m->v[4]);
	assert_null(em_maps__find(NULL, 0x1000));
	em_maps__free(m);
}

static void unsorted_input_is_sorted(void **state)
{
	const char txt[] = "2000-3000 r-xp 00000000 00:00 0 /b\n"
			   "1000-2000 r-xp 00000000 00:00 0 /a\n";
	struct em_maps *m = em_maps__parse(txt, strlen(txt));

	(void)state;
	assert_non_null(m);
	assert_string_equal(m->v[0].path, "/a");
	assert_string_equal(em_maps__find(m, 0x2800)->path, "/b");
	em_maps__free(m);
}

static void malformed_lines_are_rejected(void **state)
{
	static const char *const bad[] = {
		"zzzz-2000 r-xp 00000000 00:00 0 /a\n",
		"1000 r-xp 00000000 00:00 0 /a\n",
		"1000-2000 rqxp 00000000 00:00 0 /a\n",
		"1000-2000 r-xp 0000000g 00:00 0 /a\n",
		"1000-2000 r-xp 00000000 0000 0 /a\n",
		"1000-2000 r-xp 00000000 00:00 x /a\n",
		"2000-1000 r-xp 00000000 00:00 0 /a\n",
		"1000-2000 r-x",
		"11111111111111111-2000 r-xp 00000000 00:00 0 /a\n",
		"1000-2000 r-xp 00000000 00:00 99999999999999999999999 /a\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(em_maps__parse(bad[i], strlen(bad[i])));
		assert_int_equal(errno, EINVAL);
	}
}

static void empty_input_is_an_empty_table(void **state)
{
	struct em_maps *m = em_maps__parse("", 0);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->n, 0);
	assert_null(em_maps__find(m, 0));
	em_maps__free(m);
	em_maps__free(NULL);
}

static void loads_own_maps_and_finds_own_code(void **state)
{
	struct em_maps *m = em_maps__load(0);
	const struct em_map *e;

	(void)state;
	assert_non_null(m);
	e = em_maps__find(m, (uint64_t)(uintptr_t)&loads_own_maps_and_finds_own_code);
	assert_non_null(e);
	assert_int_equal(e->kind, EM_MAP_FILE);
	assert_true(e->prot & EM_MAP_X);
	assert_non_null(strstr(e->path, "test_procmaps"));
	em_maps__free(m);
	errno = 0;
	assert_null(em_maps__load(999999999));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_paths_with_spaces_deleted_and_pseudo),
		cmocka_unit_test(find_uses_half_open_ranges),
		cmocka_unit_test(unsorted_input_is_sorted),
		cmocka_unit_test(malformed_lines_are_rejected),
		cmocka_unit_test(empty_input_is_an_empty_table),
		cmocka_unit_test(loads_own_maps_and_finds_own_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
