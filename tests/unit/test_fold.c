// SPDX-License-Identifier: MIT
/* test_fold.c - pprof samples into flame graph stacks: names, inline
 * expansion, frame kinds, thread roots, empty and negative samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fold.h"
#include "folded.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t loc(struct em_profile *p, uint64_t mapping, uint64_t addr, uint64_t fn,
		    uint64_t inlined_fn)
{
	struct em_line lines[2] = { { inlined_fn, 1, 0 }, { fn, 2, 0 } };

	if (!fn)
		return em_profile__add_location(p, mapping, addr, NULL, 0, false);
	if (inlined_fn)
		return em_profile__add_location(p, mapping, addr, lines, 2, false);
	return em_profile__add_location(p, mapping, addr, &lines[1], 1, false);
}

static uint64_t mapping(struct em_profile *p, const char *file, uint64_t start)
{
	struct em_mapping m = { .start = start, .limit = start + 0x100000, .offset = 0x1000 };

	m.file = em_profile__str(p, file);
	return em_profile__add_mapping(p, &m);
}

/* A CPU profile with every kind of frame. */
static struct em_profile *mixed(void)
{
	struct em_profile *p = em_profile__new();
	uint64_t app = mapping(p, "/usr/bin/app", 0x400000);
	uint64_t libc = mapping(p, "/lib/x86_64-linux-gnu/libc.so.6", 0x7f0000000000);
	uint64_t kern = mapping(p, "[kernel.kallsyms]", 0xffffffff81000000);
	uint64_t f_main = em_profile__add_function(p, "main", NULL, "app.c", 1);
	uint64_t f_work = em_profile__add_function(p, "work", NULL, "app.c", 2);
	uint64_t f_help = em_profile__add_function(p, "helper", NULL, "app.h", 3);
	uint64_t f_memcpy = em_profile__add_function(p, "memcpy", NULL, "", 0);
	uint64_t f_sys = em_profile__add_function(p, "do_syscall_64", NULL, "", 0);
	uint64_t f_sched = em_profile__add_function(p, "schedule_[k]", NULL, "", 0);
	uint64_t f_write = em_profile__add_function(p, "write", NULL, "app.c", 9);
	uint64_t l_main = loc(p, app, 0x401000, f_main, 0);
	uint64_t l_work = loc(p, app, 0x401100, f_work, f_help);
	uint64_t l_memcpy = loc(p, libc, 0x7f0000000100, f_memcpy, 0);
	uint64_t l_kern = loc(p, kern, 0xffffffff81000100, f_sys, 0);
	/* file offset = address - start + mapping offset 0x1000 */
	uint64_t l_unsym = loc(p, libc, 0x7f0000002345, 0, 0);
	uint64_t l_sched = loc(p, 0, 0xffffffff82000000, f_sched, 0);
	uint64_t l_write = loc(p, app, 0x401200, f_write, 0);
	struct em_label worker = em_profile__label_str(p, "thread", "worker");
	struct em_label tid = em_profile__label_num(p, "tid", 42, NULL);
	struct em_label sys = em_profile__label_str(p, "syscall", "write");
	uint64_t s1[] = { l_memcpy, l_work, l_main }, s2[] = { l_kern, l_main };
	uint64_t s3[] = { l_unsym, l_main }, s5[] = { l_sched, l_main }, s6[] = { l_write, l_main };
	int64_t v1[] = { 1, 10 }, v2[] = { 2, 20 }, v3[] = { 3, 30 }, v4[] = { 1, 5 },
		v5[] = { 1, 1 }, v6[] = { 1, 2 };
	struct em_label l2[] = { tid, sys };

	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	assert_int_equal(em_profile__add_sample(p, s1, 3, v1, &worker, 1), 0);
	assert_int_equal(em_profile__add_sample(p, s2, 2, v2, l2, 2), 0);
	assert_int_equal(em_profile__add_sample(p, s3, 2, v3, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, NULL, 0, v4, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, s5, 2, v5, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, s6, 2, v6, &sys, 1), 0);
	return p;
}

static const char *folded(struct em_stacks *st, unsigned int col)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_int_equal(em_folded__write(f, st, col, -1), 0);
	fclose(f);
	return buf;
}

/* True when (name, kind) is already interned. */
static bool has(struct em_stacks *st, const char *name, enum em_fkind kind)
{
	size_t n = em_stacks__nnames(st);

	em_stacks__intern(st, name, strlen(name), kind);
	return em_stacks__nnames(st) == n;
}

static void names_and_kinds(void **state)
{
	struct em_profile *p = mixed();
	struct em_stacks *st = em_stacks__new(1);
	int cols[] = { 1 };
	char err[256];
	size_t kept = 0;

	(void)state;
	assert_int_equal(em_fold_profile(st, p, cols, NULL, &kept, err, sizeof(err)), 0);
	assert_int_equal(kept, 6);
	assert_string_equal(folded(st, 0), "[no stack] 5\n"
					   "main;do_syscall_64_[k] 20\n"
					   "main;libc.so.6+0x3345 30\n"
					   "main;schedule_[k] 1\n"
					   "main;work;helper_[i];memcpy 10\n"
					   "main;write 2\n");
	assert_true(has(st, "main", EM_FK_USER));
	assert_true(has(st, "memcpy", EM_FK_SHLIB));
	assert_true(has(st, "libc.so.6+0x3345", EM_FK_SHLIB));
	assert_true(has(st, "helper", EM_FK_INLINED));
	assert_true(has(st, "do_syscall_64", EM_FK_KERNEL));	/* kernel beats syscall leaf */
	assert_true(has(st, "schedule", EM_FK_KERNEL));
	assert_true(has(st, "write", EM_FK_SYSCALL));
	em_stacks__free(st);
	em_profile__free(p);
}

static void thread_roots(void **state)
{
	struct em_profile *p = mixed();
	struct em_stacks *st = em_stacks__new(1);
	struct em_fold_opts o = { .by_thread = true };
	int cols[] = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(em_fold_profile(st, p, cols, &o, NULL, err, sizeof(err)), 0);
	assert_string_equal(folded(st, 0), "[no thread];[no stack] 1\n"
					   "[no thread];main;libc.so.6+0x3345 3\n"
					   "[no thread];main;schedule_[k] 1\n"
					   "[no thread];main;write 1\n"
					   "tid 42;main;do_syscall_64_[k] 2\n"
					   "worker;main;work;helper_[i];memcpy 1\n");
	assert_true(has(st, "worker", EM_FK_THREAD));
	em_stacks__free(st);
	em_profile__free(p);
}

static void several_columns_and_filter(void **state)
{
	struct em_profile *p = mixed();
	struct em_stacks *st = em_stacks__new(3);
	struct em_fold_filter f = { 0 };
	struct em_fold_opts o = { .filter = &f };
	regex_t ignore;
	int cols[] = { 1, -1, 0 };
	char err[256];

	(void)state;
	assert_int_equal(regcomp(&ignore, "^(memcpy|write)$", REG_EXTENDED | REG_NOSUB), 0);
	f.ignore = &ignore;
	assert_int_equal(em_fold_profile(st, p, cols, &o, NULL, err, sizeof(err)), 0);
	assert_int_equal(em_stacks__totals(st)[0], 56);
	assert_int_equal(em_stacks__totals(st)[1], 0);
	assert_int_equal(em_stacks__totals(st)[2], 7);
	em_fold_filter__release(&f);
	regfree(&ignore);
	em_stacks__free(st);
	em_profile__free(p);
}

static void syscall_profiles_mark_every_leaf(void **state)
{
	struct em_profile *p = em_profile__new();
	struct em_stacks *st = em_stacks__new(1);
	uint64_t fn = em_profile__add_function(p, "read", NULL, "", 0);
	uint64_t l = loc(p, 0, 0x10, fn, 0);
	int64_t v = 3;
	int cols[] = { 0 };
	char err[256];

	(void)state;
	em_profile__add_sample_type(p, "syscalls", "count");
	assert_int_equal(em_profile__add_sample(p, &l, 1, &v, NULL, 0), 0);
	assert_int_equal(em_fold_profile(st, p, cols, NULL, NULL, err, sizeof(err)), 0);
	assert_true(has(st, "read", EM_FK_SYSCALL));
	em_stacks__free(st);
	em_profile__free(p);
}

static void negative_values_are_refused(void **state)
{
	struct em_profile *p = em_profile__new();
	struct em_stacks *st = em_stacks__new(1);
	uint64_t fn = em_profile__add_function(p, "f", NULL, "", 0);
	uint64_t l = loc(p, 0, 0x10, fn, 0), l2 = loc(p, 0, 0x20, fn, 0);
	int64_t good[] = { 1, 4 }, bad[] = { -5, 4 };
	int cols[] = { 0 };
	char err[256];

	(void)state;
	em_profile__add_sample_type(p, "delta", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	assert_int_equal(em_profile__add_sample(p, &l, 1, good, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, &l2, 1, bad, NULL, 0), 0);
	assert_int_equal(em_fold_first_negative(p, 0), 1);
	assert_int_equal(em_fold_first_negative(p, 1), -1);
	assert_int_equal(em_fold_profile(st, p, cols, NULL, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "sample 1 has a negative delta value (-5); a flame graph needs "
				 "values >= 0");
	em_stacks__free(st);
	em_profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_and_kinds),
		cmocka_unit_test(thread_roots),
		cmocka_unit_test(several_columns_and_filter),
		cmocka_unit_test(syscall_profiles_mark_every_leaf),
		cmocka_unit_test(negative_values_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
