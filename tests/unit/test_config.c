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
	assert_int_equal(c.unwind, EM_UNWIND_CACHED);
}

static void good_values_with_units(void **state)
{
	static const char *const e[] = {
		"EMBER_OUTPUT=/tmp/out dir", "EMBER_EVENTS= heap ,cpu", "EMBER_HZ=997",
		"EMBER_INTERVAL=2m", "EMBER_HTTP=127.0.0.1:6060", "EMBER_NO_CHILDREN=yes",
		"EMBER_MAX_DEPTH=64", "EMBER_SIGNAL=RTMIN+2", "EMBER_TID_LABEL=0",
		"EMBER_HEAP_RATE=512k", "EMBER_SYSCALL_RATE=250us", "EMBER_UNWIND=verify", NULL,
	};
	struct em_config c;

	(void)state;
	parse(&c, e);
	assert_int_equal(nwarn, 0);
	assert_int_equal(c.unwind, EM_UNWIND_VERIFY);
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

/* Each bad value on its own: one warning naming the variable, every setting
 * at its default. */
static void every_bad_value_alone_warns_once_and_keeps_the_defaults(void **state)
{
	static const char *const bad[][2] = {
		{ "EMBER_EVENTS", "gpu" }, { "EMBER_EVENTS", "cpu;heap" },
		{ "EMBER_HZ", "0" }, { "EMBER_HZ", "10001" }, { "EMBER_HZ", "99.5" },
		{ "EMBER_HZ", "-99" }, { "EMBER_HZ", "" }, { "EMBER_HZ", "99hz" },
		{ "EMBER_INTERVAL", "-1" }, { "EMBER_INTERVAL", "86401" },
		{ "EMBER_INTERVAL", "1h" }, { "EMBER_INTERVAL", "1441m" }, { "EMBER_INTERVAL", "" },
		{ "EMBER_HTTP", "6060" }, { "EMBER_HTTP", "host:" }, { "EMBER_HTTP", "host:65536" },
		{ "EMBER_HTTP", "host:http" }, { "EMBER_HTTP", "[::1]" },
		{ "EMBER_NO_CHILDREN", "maybe" }, { "EMBER_NO_CHILDREN", "2" },
		{ "EMBER_NO_CHILDREN", " 1" },
		{ "EMBER_MAX_DEPTH", "3" }, { "EMBER_MAX_DEPTH", "1025" },
		{ "EMBER_MAX_DEPTH", "deep" }, { "EMBER_MAX_DEPTH", "" },
		{ "EMBER_SIGNAL", "SEGV" }, { "EMBER_SIGNAL", "KILL" }, { "EMBER_SIGNAL", "9" },
		{ "EMBER_SIGNAL", "0" }, { "EMBER_SIGNAL", "SIG" }, { "EMBER_SIGNAL", "RTMIN+" },
		{ "EMBER_SIGNAL", "RTMIN3" }, { "EMBER_SIGNAL", "RTMIN-1" },
		{ "EMBER_SIGNAL", "RTMAX+1" }, { "EMBER_SIGNAL", "RTMIN+100" },
		{ "EMBER_TID_LABEL", "maybe" }, { "EMBER_TID_LABEL", "2" },
		{ "EMBER_HEAP_RATE", "0" }, { "EMBER_HEAP_RATE", "2048g" },
		{ "EMBER_HEAP_RATE", "1t" }, { "EMBER_HEAP_RATE", "18446744073709551615k" },
		{ "EMBER_HEAP_RATE", "" },
		{ "EMBER_SYSCALL_RATE", "0" }, { "EMBER_SYSCALL_RATE", "fast" },
		{ "EMBER_SYSCALL_RATE", "1h" }, { "EMBER_SYSCALL_RATE", "-5" },
		{ "EMBER_SYSCALL_RATE", "3601s" }, { "EMBER_SYSCALL_RATE", "1.5ms" },
		{ "EMBER_SYSCALL_RATE", "99999999999999999999" },
		{ "EMBER_SYSCALL_RATE", "18446744073709551615s" }, { "EMBER_SYSCALL_RATE", "" },
		{ "EMBER_VERBOSE", "2" }, { "EMBER_VERBOSE", "loud" },
		{ "EMBER_UNWIND", "fast" }, { "EMBER_UNWIND", "Cached" },
	};
	struct em_config def, c;

	(void)state;
	parse(&def, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char var[256], prefix[64];
		const char *e[] = { var, NULL };
		bool kept;

		snprintf(var, sizeof(var), "%s=%s", bad[i][0], bad[i][1]);
		snprintf(prefix, sizeof(prefix), "%s: ", bad[i][0]);
		parse(&c, e);
		kept = !memcmp(&c, &def, sizeof(c));
		if (nwarn != 1 || strncmp(warnings[0], prefix, strlen(prefix)) || !kept)
			fail_msg("%s: %d warnings (first: %s), defaults %s", var, nwarn,
				 nwarn ? warnings[0] : "-", kept ? "kept" : "changed");
	}
}

static void bad_switches_and_syscall_rate_say_what_is_used(void **state)
{
	static const char *const e[] = {
		"EMBER_NO_CHILDREN=maybe", "EMBER_TID_LABEL=2", "EMBER_SYSCALL_RATE=1h",
		"EMBER_VERBOSE=loud", NULL,
	};
	struct em_config c;

	(void)state;
	parse(&c, e);
	assert_int_equal(nwarn, 4);
	assert_false(c.no_children);
	assert_true(c.tid_label);
	assert_int_equal(c.syscall_rate, 1000000);
	assert_false(c.verbose);
	assert_string_equal(warnings[0], "EMBER_NO_CHILDREN: 'maybe' is not 0 or 1; using 0");
	assert_string_equal(warnings[1], "EMBER_TID_LABEL: '2' is not 0 or 1; using 1");
	assert_string_equal(warnings[2], "EMBER_SYSCALL_RATE: '1h' is not a duration (e.g. 1000000 "
					 "or 1ms); using 1000000");
	assert_string_equal(warnings[3], "EMBER_VERBOSE: 'loud' is not 0 or 1; using 0");
}

/* An empty value is an unset variable for the text settings and switches
 * (EMBER_HZ= and the other numbers warn). */
static void empty_values_keep_the_defaults_silently(void **state)
{
	static const char *const e[] = {
		"EMBER_OUTPUT=", "EMBER_EVENTS=", "EMBER_HTTP=", "EMBER_NO_CHILDREN=",
		"EMBER_SIGNAL=", "EMBER_TID_LABEL=", "EMBER_VERBOSE=", NULL,
	};
	struct em_config def, c;

	(void)state;
	parse(&def, NULL);
	parse(&c, e);
	assert_int_equal(nwarn, 0);
	assert_memory_equal(&c, &def, sizeof(c));
}

static void output_path_too_long_warns_once_and_keeps_the_default(void **state)
{
	struct em_config c;
	/* 64 bytes stay free for "/syscall.<pid>.pb.gz" after the directory */
	const size_t max = sizeof(c.output) - 64 - 1;
	char var[13 + sizeof(c.output) - 64 + 1];
	const char *e[] = { var, NULL };

	(void)state;
	memcpy(var, "EMBER_OUTPUT=", 13);
	memset(var + 13, 'd', max);
	var[13 + max] = '\0';
	parse(&c, e);
	assert_int_equal(nwarn, 0);
	assert_int_equal(strlen(c.output), max);

	var[13 + max] = 'd';
	var[13 + max + 1] = '\0';
	parse(&c, e);
	assert_int_equal(nwarn, 1);
	assert_string_equal(warnings[0], "EMBER_OUTPUT: path is too long; using 'ember-out'");
	assert_string_equal(c.output, "ember-out");
}

static void long_bad_value_is_cut_in_the_warning(void **state)
{
	static char hz[9 + 1000 + 1];
	const char *e[] = { hz, NULL };
	struct em_config c;

	(void)state;
	memset(hz, '9', sizeof(hz) - 1);
	memcpy(hz, "EMBER_HZ=", 9);
	hz[sizeof(hz) - 1] = '\0';
	parse(&c, e);
	assert_int_equal(nwarn, 1);
	assert_int_equal(c.hz, 99);
	assert_true(strlen(warnings[0]) < 200);
	assert_non_null(strstr(warnings[0], "999...' is not a rate"));
	assert_non_null(strstr(warnings[0], "; using 99"));
}

static void switches_take_yes_no_true_false_on_off(void **state)
{
	static const char *const on[] = { "EMBER_NO_CHILDREN=TRUE", "EMBER_TID_LABEL=yes",
					  "EMBER_VERBOSE=on", NULL };
	static const char *const off[] = { "EMBER_NO_CHILDREN=no", "EMBER_TID_LABEL=Off",
					   "EMBER_VERBOSE=false", NULL };
	struct em_config c;

	(void)state;
	parse(&c, on);
	assert_int_equal(nwarn, 0);
	assert_true(c.no_children);
	assert_true(c.tid_label);
	assert_true(c.verbose);
	parse(&c, off);
	assert_int_equal(nwarn, 0);
	assert_false(c.no_children);
	assert_false(c.tid_label);
	assert_false(c.verbose);
}

static void signal_takes_names_numbers_and_auto(void **state)
{
	static const struct {
		const char *var;
		int sig;
	} ok[] = {
		{ "EMBER_SIGNAL=PROF", SIGPROF }, { "EMBER_SIGNAL=sigprof", SIGPROF },
		{ "EMBER_SIGNAL=27", SIGPROF }, { "EMBER_SIGNAL=auto", 0 },
		{ "EMBER_SIGNAL=AUTO", 0 },
		/* -1: SIGRTMIN, -2: SIGRTMAX - 2 (not constants) */
		{ "EMBER_SIGNAL=RTMIN", -1 }, { "EMBER_SIGNAL=SIGRTMAX-2", -2 },
	};
	struct em_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *e[] = { ok[i].var, NULL };
		int want = ok[i].sig == -1 ? SIGRTMIN : ok[i].sig == -2 ? SIGRTMAX - 2 : ok[i].sig;

		parse(&c, e);
		assert_int_equal(nwarn, 0);
		assert_int_equal(c.signal, want);
	}
	{
		char var[32];
		const char *e[] = { var, NULL };

		snprintf(var, sizeof(var), "EMBER_SIGNAL=%d", SIGRTMIN + 1);
		parse(&c, e);
		assert_int_equal(nwarn, 0);
		assert_int_equal(c.signal, SIGRTMIN + 1);
	}
}

static void syscall_rate_limits_and_units(void **state)
{
	static const char *const lo[] = { "EMBER_SYSCALL_RATE=1", NULL };
	static const char *const hi[] = { "EMBER_SYSCALL_RATE=3600s", NULL };
	static const char *const ms[] = { "EMBER_SYSCALL_RATE= 2 MS ", NULL };
	struct em_config c;

	(void)state;
	parse(&c, lo);
	assert_int_equal(nwarn, 0);
	assert_int_equal(c.syscall_rate, 1);
	parse(&c, hi);
	assert_int_equal(nwarn, 0);
	assert_int_equal(c.syscall_rate, 3600ULL * 1000000000ULL);
	parse(&c, ms);
	assert_int_equal(nwarn, 0);
	assert_int_equal(c.syscall_rate, 2000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_when_unset),
		cmocka_unit_test(good_values_with_units),
		cmocka_unit_test(each_bad_value_warns_once_and_keeps_the_default),
		cmocka_unit_test(limits_are_enforced),
		cmocka_unit_test(every_bad_value_alone_warns_once_and_keeps_the_defaults),
		cmocka_unit_test(bad_switches_and_syscall_rate_say_what_is_used),
		cmocka_unit_test(empty_values_keep_the_defaults_silently),
		cmocka_unit_test(output_path_too_long_warns_once_and_keeps_the_default),
		cmocka_unit_test(long_bad_value_is_cut_in_the_warning),
		cmocka_unit_test(switches_take_yes_no_true_false_on_off),
		cmocka_unit_test(signal_takes_names_numbers_and_auto),
		cmocka_unit_test(syscall_rate_limits_and_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
