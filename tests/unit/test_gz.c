// SPDX-License-Identifier: MIT
/* test_gz.c - gzip round trip, truncation, garbage, the output cap, members. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void round_trip(void **state)
{
	char in[10000];
	uint8_t *z, *out;
	size_t zlen, olen;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7);
	assert_int_equal(em_gzip(in, sizeof(in), 6, &z, &zlen), 0);
	assert_true(em_is_gzip(z, zlen));
	assert_int_equal(em_gunzip(z, zlen, 1 << 20, &out, &olen, err, sizeof(err)), 0);
	assert_int_equal(olen, sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
	free(out);
	/* every truncation point is an error, never a crash or a short success */
	for (size_t cut = 1; cut < zlen; cut += 3) {
		int rc = em_gunzip(z, cut, 1 << 20, &out, &olen, err, sizeof(err));

		assert_true(rc < 0);
	}
	assert_int_equal(em_gunzip(z, zlen - 4, 1 << 20, &out, &olen, err, sizeof(err)), -EPIPE);
	assert_string_equal(err, "truncated gzip stream");
	free(z);
}

static void bomb_stops_at_the_cap(void **state)
{
	size_t n = 64 << 20;
	char *zeros = calloc(1, n);
	uint8_t *z, *out;
	size_t zlen, olen;
	char err[128];

	(void)state;
	assert_non_null(zeros);
	assert_int_equal(em_gzip(zeros, n, 9, &z, &zlen), 0);
	free(zeros);
	assert_true(zlen < 100000);
	assert_int_equal(em_gunzip(z, zlen, 1 << 20, &out, &olen, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "decompressed size exceeds the 1 MiB cap");
	free(z);
}

static void not_gzip_and_garbage(void **state)
{
	uint8_t junk[64] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff };
	uint8_t *out;
	size_t olen;
	char err[128];

	(void)state;
	assert_int_equal(em_gunzip("hello", 5, 100, &out, &olen, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a gzip stream");
	assert_true(em_gunzip(junk, sizeof(junk), 100, &out, &olen, err, sizeof(err)) < 0);
}

static void concatenated_members_decode_as_one(void **state)
{
	uint8_t *a, *b, *cat, *out;
	size_t alen, blen, olen;
	char err[128];

	(void)state;
	assert_int_equal(em_gzip("abc", 3, 6, &a, &alen), 0);
	assert_int_equal(em_gzip("def", 3, 6, &b, &blen), 0);
	cat = malloc(alen + blen);
	memcpy(cat, a, alen);
	memcpy(cat + alen, b, blen);
	assert_int_equal(em_gunzip(cat, alen + blen, 100, &out, &olen, err, sizeof(err)), 0);
	assert_int_equal(olen, 6);
	assert_memory_equal(out, "abcdef", 6);
	free(out);
	cat[alen] = 'x';
	assert_int_equal(em_gunzip(cat, alen + blen, 100, &out, &olen, err, sizeof(err)), -EINVAL);
	free(a);
	free(b);
	free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bomb_stops_at_the_cap),
		cmocka_unit_test(not_gzip_and_garbage),
		cmocka_unit_test(concatenated_members_decode_as_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
