// SPDX-License-Identifier: MIT
/* test_kallsyms.c - kernel symbol parsing from a buffer, and lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kallsyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char TEXT[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81001000 T __pfx_do_one\n"
	"ffffffff81001010 T do_one\n"
	"ffffffff81001080 t local_helper\n"
	"ffffffff81002000 D some_data\n"
	"ffffffff81003000 W weak_fn\n"
	"ffffffffc0a01000 t ext4_readdir\t[ext4]\n"
	"ffffffffc0a00000 T ext4_open\t[ext4]\n"
	"garbage line\n"
	"ffffffff81004000 T\n";

static void parses_text_symbols_with_modules(void **state)
{
	struct em_kallsyms *k = em_kallsyms__parse(TEXT, strlen(TEXT));
	const struct em_ksym *s;

	(void)state;
	assert_non_null(k);
	/* _stext/_text collapse into one; data, __pfx_, garbage dropped. */
	assert_int_equal(k->n, 6);
	s = em_kallsyms__find(k, 0xffffffff81001010ULL);
	assert_non_null(s);
	assert_string_equal(s->name, "do_one");
	assert_string_equal(s->module, "");
	s = em_kallsyms__find(k, 0xffffffff8100107fULL);
	assert_string_equal(s->name, "do_one");
	s = em_kallsyms__find(k, 0xffffffff81001080ULL);
	assert_string_equal(s->name, "local_helper");
	/* Padding before do_one counts towards the function before it. */
	s = em_kallsyms__find(k, 0xffffffff81001004ULL);
	assert_string_equal(s->name, "_stext");
	s = em_kallsyms__find(k, 0xffffffffc0a01234ULL);
	assert_non_null(s);
	assert_string_equal(s->name, "ext4_readdir");
	assert_string_equal(s->module, "ext4");
	s = em_kallsyms__find(k, 0xffffffffc0a00004ULL);
	assert_string_equal(s->name, "ext4_open");
	assert_string_equal(em_kallsyms__find(k, 0xffffffff81003004ULL)->name, "weak_fn");
	assert_null(em_kallsyms__find(k, 0xffffffff80000000ULL));
	em_kallsyms__free(k);
}

static void last_symbol_span_is_capped(void **state)
{
	struct em_kallsyms *k = em_kallsyms__parse(TEXT, strlen(TEXT));

	(void)state;
	assert_non_null(em_kallsyms__find(k, 0xffffffffc0a01000ULL + EM_KALLSYMS_MAX_SPAN - 1));
	assert_null(em_kallsyms__find(k, 0xffffffffc0a01000ULL + EM_KALLSYMS_MAX_SPAN));
	em_kallsyms__free(k);
}

static void hidden_addresses_are_eperm(void **state)
{
	const char hidden[] = "0000000000000000 T _stext\n0000000000000000 t foo\n";

	(void)state;
	errno = 0;
	assert_null(em_kallsyms__parse(hidden, strlen(hidden)));
	assert_int_equal(errno, EPERM);
	errno = 0;
	assert_null(em_kallsyms__parse("ffffffff81002000 D x\n", 21));
	assert_int_equal(errno, ENOENT);
}

static void loads_from_a_file(void **state)
{
	char path[] = "/tmp/ember-kallsyms.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct em_kallsyms *k;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(TEXT, f);
	fclose(f);
	k = em_kallsyms__load(path);
	unlink(path);
	assert_non_null(k);
	assert_string_equal(em_kallsyms__find(k, 0xffffffff81001011ULL)->name, "do_one");
	em_kallsyms__free(k);
	errno = 0;
	assert_null(em_kallsyms__load("/nonexistent/kallsyms"));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_text_symbols_with_modules),
		cmocka_unit_test(last_symbol_span_is_capped),
		cmocka_unit_test(hidden_addresses_are_eperm),
		cmocka_unit_test(loads_from_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
