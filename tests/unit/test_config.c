// SPDX-License-Identifier: MIT
/* test_config.c - EMBER_* parsing: defaults, good values, one warning per bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../agent/config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char *const *env;	/* NULL-terminated "NAME=value" list */
static char warnings[8][512];
static int nwarn;

static const char *fake_getenv(const char *name)
{
	size_t n = strlen(name);

	for (const char *const *e = env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static void collect(const char *msg)
{
	if (nwarn < 8)
		snprintf(warnings[nwarn], sizeof(warnings[0]), "%s", msg);
	nwarn++;
}

static void parse(struct em_config *c, const char *const *e)
{
	env = e;
	nwarn = 0;
	em_config_parse(c, fake_getenv, collect);
}

static void defaults_when_unset(void **state)
{
	struct em_config c;

	(void)state;
	parse(&c, NULL);
	assert_int_equal(nwarn, 0);
	assert_string_equal(c.output, "ember-out");
	assert_int_equal(c.events, EM_EVENTS_ALL);
	assert_int_equal(c.hz, 99);
	assert_int_equal(c.interval, 10);
	assert_string_equal(c.http, "");
	assert_false(c.no_children);
	assert_int_equal(c.max_depth, 128);
	assert_int_equal(c.signal, 0);
	assert_true(c.tid_label);
	assert_int_equal(c.heap_rate, 524288);
	assert_int_equal(c.syscall_rate, 1000000);
}

static void good_values_with_units(void **state)
{
	static const char *const e[] = {
		"EMBER_OUTPUT=/tmp/out dir", "EMBER_EVENTS= heap ,cpu", "EMBER_HZ=997",
		"EMBER_INTERVAL=2m", "EMBER_HTTP=127.0.0.1:6060", "EMBER_NO_CHILDREN=yes",
		"EMBER_MAX_DEPTH=64", "EMBER_SIGNAL=RTMIN+2", "EMBER_TID_LABEL=0",
		"EMBER_HEAP_RATE=512k", "EMBER_SYSCALL_RATE=250us", NULL,
	};
	struct em_config c;

	(void)state;
	parse(&c, e);
	assert_int_equal(nwarn, 0);
	assert_string_equal(c.output, "/tmp/out dir");
	assert_int_equal(c.events, EM_EVENT_CPU | EM_EVENT_HEAP);
	assert_int_equal(c.hz, 997);
	assert_int_equal(c.interval, 120);
	assert_string_equal(c.http, "127.0.0.1:6060");
	assert_true(c.no_children);
	assert_int_equal(c.max_depth, 64);
	assert_int_equal(c.signal, SIGRTMIN + 2);
	assert_false(c.tid_label);
	assert_int_equal(c.heap_rate, 524288);
	assert_int_equal(c.syscall_rate, 250000);
}

static void each_bad_value_warns_once_and_keeps_the_default(void **state)
{
	static const char *const e[] = {
		"EMBER_HZ=fast", "EMBER_EVENTS=cpu,gpu", "EMBER_INTERVAL=-1", "EMBER_HTTP=6060",
		"EMBER_HEAP_RATE=lots", NULL,
	};
	struct em_config c;

	(void)state;
	parse(&c, e);
	assert_int_equal(nwarn, 5);
	assert_int_equal(c.hz, 99);
	assert_int_equal(c.events, EM_EVENTS_ALL);
	assert_int_equal(c.interval, 10);
	assert_string_equal(c.http, "");
	assert_int_equal(c.heap_rate, 524288);
	assert_string_equal(warnings[0], "EMBER_EVENTS: unknown event 'gpu' (known: cpu, heap, "
					 "syscall); using cpu,heap,syscall");
	assert_string_equal(warnings[1], "EMBER_HZ: 'fast' is not a rate from 1 to 10000 samples "
					 "per second; using 99");
	assert_non_null(strstr(warnings[3], "EMBER_HTTP: '6060' is not HOST:PORT"));
}

static void limits_are_enforced(void **state)
{
	static const char *const e[] = { "EMBER_HZ=0", "EMBER_MAX_DEPTH=100000",
					 "EMBER_SIGNAL=SEGV", "EMBER_HZ=20000", NULL };
	struct em_config c;

	(void)state;
	parse(&c, e);
	assert_int_equal(nwarn, 3);
	assert_int_equal(c.hz, 99);
	assert_int_equal(c.max_depth, 128);
	assert_int_equal(c.signal, 0);
	assert_int_equal(em_config_parse_events("none", NULL, 0), 0);
	assert_int_equal(em_config_parse_events("all", NULL, 0), EM_EVENTS_ALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_when_unset),
		cmocka_unit_test(good_values_with_units),
		cmocka_unit_test(each_bad_value_warns_once_and_keeps_the_default),
		cmocka_unit_test(limits_are_enforced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
