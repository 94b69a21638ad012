// SPDX-License-Identifier: MIT
/* test_demangle.c - C++ names through the run-time-resolved __cxa_demangle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demangle.h"

#include <stdlib.h>
#include <string.h>

static void expect(const char *in, const char *want)
{
	char *got = em_demangle(in);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void demangler_is_found_without_linking_libstdcxx(void **state)
{
	(void)state;
	/* This test binary is C and does not link libstdc++: dlopen must find it. */
	assert_true(em_demangle_available());
}

static void demangles_functions_templates_and_methods(void **state)
{
	(void)state;
	expect("_ZN10ember_test6WidgetIiE4spinEiPm",
	       "ember_test::Widget<int>::spin(int, unsigned long*)");
	expect("_ZNSt6vectorIiSaIiEE9push_backERKi",
	       "std::vector<int, std::allocator<int> >::push_back(int const&)");
	expect("_Z3fooi", "foo(int)");
	expect("_ZN3FooD1Ev", "Foo::~Foo()");
	expect("_ZZ4mainE1x", "main::x");
}

static void keeps_symbol_versions(void **state)
{
	(void)state;
	expect("_Z3fooi@@LIB_1.0", "foo(int)@@LIB_1.0");
	expect("_ZNSt9exceptionD2Ev@GLIBCXX_3.4", "std::exception::~exception()@GLIBCXX_3.4");
}

static void leaves_c_names_and_garbage_alone(void **state)
{
	char *longname;

	(void)state;
	expect("main", NULL);
	expect("_start", NULL);
	expect("_Zfoo", NULL);
	expect("_Z", NULL);
	expect("", NULL);
	expect(NULL, NULL);
	longname = malloc(EM_DEMANGLE_MAX_INPUT + 16);
	assert_non_null(longname);
	memset(longname, 'a', EM_DEMANGLE_MAX_INPUT + 15);
	memcpy(longname, "_Z3foo", 6);
	longname[EM_DEMANGLE_MAX_INPUT + 15] = '\0';
	expect(longname, NULL);
	free(longname);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demangler_is_found_without_linking_libstdcxx),
		cmocka_unit_test(demangles_functions_templates_and_methods),
		cmocka_unit_test(keeps_symbol_versions),
		cmocka_unit_test(leaves_c_names_and_garbage_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
