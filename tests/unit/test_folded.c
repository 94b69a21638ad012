// SPDX-License-Identifier: MIT
/* test_folded.c - the folded format: strict parsing with line numbers, frame
 * kinds from suffixes, the --focus/--ignore filter, and the portable writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "folded.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(struct em_stacks *st, const char *text, char *err, size_t *lines)
{
	size_t n;

	return em_folded__parse(st, text, strlen(text), 0, -1, NULL, lines ? lines : &n, NULL, err,
				256);
}

/* Writes st as folded text into a static buffer. */
static const char *write_folded(struct em_stacks *st, unsigned int col, int base_col)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	assert_int_equal(em_folded__write(f, st, col, base_col), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void parses_and_merges(void **state)
{
	struct em_stacks *st = em_stacks__new(1);
	char err[256] = "";
	size_t lines;

	(void)state;
	assert_int_equal(parse(st, "main;work;leaf 30\n\n  main;work;leaf\t12\r\n"
				   "main;do work 5   \nmain 0\n",
			       err, &lines),
			 0);
	assert_int_equal(lines, 4);
	assert_int_equal(em_stacks__totals(st)[0], 47);
	assert_string_equal(write_folded(st, 0, -1), "main;do work 5\nmain;work;leaf 42\n");
	em_stacks__free(st);
}

/* difffolded.pl's layout: "stack BASE NEW", BASE to the base column. */
static void differential_lines(void **state)
{
	const char *text = "main;gc;mark 10 12\nmain;init 10 0\nmain;do work 3 4\n";
	struct em_stacks *st = em_stacks__new(2);
	char err[256] = "";
	size_t lines;

	(void)state;
	assert_true(em_folded__is_diff(text, strlen(text)));
	assert_true(em_folded__is_diff("\n  \na;b 1 2\n", 12));
	assert_false(em_folded__is_diff("a;b 12\n", 7));
	assert_false(em_folded__is_diff("a;do work 12\n", 13));	/* a name with a space */
	assert_false(em_folded__is_diff("5 12\n", 5));		/* no stack before them */
	assert_false(em_folded__is_diff("", 0));
	assert_int_equal(em_folded__parse(st, text, strlen(text), 0, 1, NULL, &lines, NULL, err,
					  sizeof(err)),
			 0);
	assert_int_equal(lines, 3);
	assert_int_equal(em_stacks__totals(st)[0], 16);		/* new */
	assert_int_equal(em_stacks__totals(st)[1], 23);		/* base */
	assert_string_equal(write_folded(st, 0, 1),
			    "main;do work 3 4\nmain;gc;mark 10 12\nmain;init 10 0\n");
	em_stacks__free(st);
	/* Every line of a differential file needs both counts. */
	st = em_stacks__new(2);
	assert_int_equal(em_folded__parse(st, "a;b 1 2\na;c 3\n", 14, 0, 1, NULL, &lines, NULL,
					  err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 2: one count, but the file is differential (its first "
				 "line has two: BASE NEW)");
	em_stacks__free(st);
}

struct bad {
	const char *text, *err;
};

static void malformed_lines_name_their_number(void **state)
{
	static const struct bad cases[] = {
		{ "a;b 1\na;b\n", "line 2: no count at the end of the line" },
		{ "a 1\n\n 12\n", "line 3: no stack before the count" },
		{ "a;b -5\n", "line 1: count '-5' is negative" },
		{ "a;b 1.5\n", "line 1: count '1.5' is not an integer" },
		{ "a;b 1e3\n", "line 1: count '1e3' is not an integer" },
		{ "a;b 12x\n", "line 1: count '12x' is not a number" },
		{ "a;b 99999999999999999999\n", "line 1: count '99999999999999999999' is too large" },
		{ "a 9223372036854775807\nb 1\n",
		  "line 2: the counts add up to more than a 64-bit total" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct em_stacks *st = em_stacks__new(1);
		char err[256] = "";

		assert_true(parse(st, cases[i].text, err, NULL) < 0);
		assert_string_equal(err, cases[i].err);
		em_stacks__free(st);
	}
}

static void kinds_from_suffixes(void **state)
{
	struct em_stacks *st = em_stacks__new(1);
	char err[256];
	size_t len;

	(void)state;
	assert_int_equal(parse(st, "main;libc.so.6+0x1f00;sys_read_[k];memcpy_[i] 3\n", err, NULL),
			 0);
	/* names in order of first appearance */
	assert_int_equal(em_stacks__kind(st, 0), EM_FK_USER);
	assert_int_equal(em_stacks__kind(st, 1), EM_FK_SHLIB);
	assert_int_equal(em_stacks__kind(st, 2), EM_FK_KERNEL);
	assert_string_equal(em_stacks__name(st, 2, &len), "sys_read");
	assert_int_equal(em_stacks__kind(st, 3), EM_FK_INLINED);
	assert_string_equal(em_stacks__name(st, 3, NULL), "memcpy");
	/* Written back with the suffixes, so flamegraph.pl colours them too. */
	assert_string_equal(write_folded(st, 0, -1),
			    "main;libc.so.6+0x1f00;sys_read_[k];memcpy_[i] 3\n");
	em_stacks__free(st);
	assert_int_equal(em_fold_kind_of_name("a/b.so x+0x1", 12, &len), EM_FK_USER);
	assert_int_equal(em_fold_kind_of_name("plain_[j]", 9, &len), EM_FK_USER);
	assert_int_equal(len, 9);
}

static void writer_sanitizes_names(void **state)
{
	struct em_stacks *st = em_stacks__new(2);
	const char *names[] = { "ns::f(a;b)", "two\nlines\r" };
	uint32_t ids[2];
	int64_t v[2] = { 7, 3 };

	(void)state;
	for (int i = 0; i < 2; i++)
		ids[i] = (uint32_t)em_stacks__intern(st, names[i], strlen(names[i]), EM_FK_USER);
	assert_int_equal(em_stacks__add(st, ids, 2, v), 0);
	assert_string_equal(write_folded(st, 0, -1), "ns::f(a:b);two lines  7\n");
	/* difffolded layout: base first */
	assert_string_equal(write_folded(st, 0, 1), "ns::f(a:b);two lines  3 7\n");
	em_stacks__free(st);
}

static void focus_and_ignore(void **state)
{
	struct em_stacks *st = em_stacks__new(1);
	struct em_fold_filter f = { 0 };
	regex_t focus, ignore;
	const char *text = "main;work;leaf_a 30\nmain;work;leaf_b 10\nmain;leaf_a 5\nmain;idle 7\n";
	size_t lines, kept;
	char err[256];

	(void)state;
	assert_int_equal(regcomp(&focus, "^leaf_", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&ignore, "^work$", REG_EXTENDED | REG_NOSUB), 0);
	f.focus = &focus;
	f.ignore = &ignore;
	assert_int_equal(em_folded__parse(st, text, strlen(text), 0, -1, &f, &lines, &kept, err,
					  sizeof(err)),
			 0);
	assert_int_equal(lines, 4);
	assert_int_equal(kept, 1);
	assert_string_equal(write_folded(st, 0, -1), "main;leaf_a 5\n");
	em_fold_filter__release(&f);
	em_fold_filter__release(NULL);
	regfree(&focus);
	regfree(&ignore);
	em_stacks__free(st);
}

static void text_detection(void **state)
{
	(void)state;
	assert_true(em_folded__is_text("a;b 1\n", 6));
	assert_false(em_folded__is_text("", 0));
	assert_false(em_folded__is_text("\x0a\x04\x08\x01\x10\x02", 6));	/* protobuf tags */
	assert_false(em_folded__is_text("a;b 1\n\0", 7));
}

static void deep_lines_are_cut(void **state)
{
	size_t n = (EM_STACKS_MAX_DEPTH + 50) * 2 + 8;
	char *text = malloc(n), err[256];
	struct em_stacks *st = em_stacks__new(1);
	size_t len = 0, lines;

	(void)state;
	for (int i = 0; i < EM_STACKS_MAX_DEPTH + 50; i++)
		len += (size_t)sprintf(text + len, "%sf", i ? ";" : "");
	len += (size_t)sprintf(text + len, " 1\n");
	assert_int_equal(em_folded__parse(st, text, len, 0, -1, NULL, &lines, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(em_stacks__truncated(st), 1);
	free(text);
	em_stacks__free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_merges),
		cmocka_unit_test(differential_lines),
		cmocka_unit_test(malformed_lines_name_their_number),
		cmocka_unit_test(kinds_from_suffixes),
		cmocka_unit_test(writer_sanitizes_names),
		cmocka_unit_test(focus_and_ignore),
		cmocka_unit_test(text_detection),
		cmocka_unit_test(deep_lines_are_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
