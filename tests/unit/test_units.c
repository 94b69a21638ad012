// SPDX-License-Identifier: MIT
/* test_units.c - value formatting by unit, and the u64 map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "u64map.h"
#include "units.h"

static const char *fmt(int64_t v, const char *unit)
{
	static char buf[64];

	em_format_value(v, unit, buf, sizeof(buf));
	return buf;
}

static void times_bytes_counts(void **state)
{
	(void)state;
	assert_string_equal(fmt(0, "nanoseconds"), "0");
	assert_string_equal(fmt(999, "nanoseconds"), "999ns");
	assert_string_equal(fmt(1500, "nanoseconds"), "1.50us");
	assert_string_equal(fmt(10000000, "nanoseconds"), "10ms");
	assert_string_equal(fmt(1234567890, "nanoseconds"), "1.23s");
	assert_string_equal(fmt(90000000000LL, "nanoseconds"), "1.50min");
	assert_string_equal(fmt(512, "bytes"), "512B");
	assert_string_equal(fmt(1536, "bytes"), "1.50KiB");
	assert_string_equal(fmt(12LL << 20, "bytes"), "12MiB");
	assert_string_equal(fmt(-2048, "bytes"), "-2KiB");
	assert_string_equal(fmt(1234, "count"), "1234");
	assert_string_equal(fmt(7, "calls"), "7 calls");
}

static void map_put_get_grow(void **state)
{
	struct em_u64map m = { 0 };
	uint64_t v;

	(void)state;
	assert_false(em_u64map__get(&m, 0, &v));
	for (uint64_t i = 0; i < 10000; i++)
		assert_int_equal(em_u64map__put(&m, i * 4096, i), 0);
	assert_int_equal(m.len, 10000);
	for (uint64_t i = 0; i < 10000; i++) {
		assert_true(em_u64map__get(&m, i * 4096, &v));
		assert_int_equal(v, i);
	}
	assert_false(em_u64map__get(&m, 1, &v));
	assert_int_equal(em_u64map__put(&m, 0, 77), 0);
	assert_true(em_u64map__get(&m, 0, &v));
	assert_int_equal(v, 77);
	assert_int_equal(m.len, 10000);
	em_u64map__clear(&m);
}

static void map_delete_keeps_other_keys_reachable(void **state)
{
	struct em_u64map m = { 0 };
	uint64_t v;

	(void)state;
	/* Churn: insert 5000, delete every other one, re-check all, repeat. */
	for (int round = 0; round < 4; round++) {
		for (uint64_t i = 0; i < 5000; i++)
			assert_int_equal(em_u64map__put(&m, i * 16 + (uint64_t)round, i), 0);
		for (uint64_t i = 0; i < 5000; i += 2)
			assert_true(em_u64map__del(&m, i * 16 + (uint64_t)round, &v) && v == i);
		for (uint64_t i = 0; i < 5000; i++)
			assert_int_equal(em_u64map__get(&m, i * 16 + (uint64_t)round, &v), i % 2 == 1);
		for (uint64_t i = 1; i < 5000; i += 2)
			assert_true(em_u64map__del(&m, i * 16 + (uint64_t)round, NULL));
		assert_int_equal(m.len, 0);
		assert_false(em_u64map__del(&m, 16, NULL));
	}
	em_u64map__clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times_bytes_counts),
		cmocka_unit_test(map_put_get_grow),
		cmocka_unit_test(map_delete_keeps_other_keys_reachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
