// SPDX-License-Identifier: MIT
/* test_profile.c - em_profile: interning, dedup, aggregation, merge, round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void strings_are_interned_and_zero_is_empty(void **state)
{
	struct em_profile *p = em_profile__new();
	int64_t a, b, c;

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->nstrings, 1);
	assert_string_equal(p->strings[0], "");
	assert_int_equal(em_profile__str(p, ""), 0);
	assert_int_equal(em_profile__str(p, NULL), 0);
	a = em_profile__str(p, "main");
	b = em_profile__str(p, "work");
	c = em_profile__str(p, "main");
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, a);
	assert_int_equal(em_profile__strn(p, "mainXYZ", 4), a);
	assert_string_equal(em_profile__string(p, 99), "");
	em_profile__free(p);
}

static void many_strings_survive_table_growth(void **state)
{
	struct em_profile *p = em_profile__new();
	char buf[32];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		assert_int_equal(em_profile__str(p, buf), i + 1);
	}
	for (int i = 0; i < 20000; i += 997) {
		snprintf(buf, sizeof(buf), "s%d", i);
		assert_int_equal(em_profile__str(p, buf), i + 1);
		assert_string_equal(p->strings[i + 1], buf);
	}
	em_profile__free(p);
}

static void functions_mappings_locations_dedup_with_ids_in_order(void **state)
{
	struct em_profile *p = em_profile__new();
	struct em_mapping m = { .start = 0x1000, .limit = 0x2000 };
	uint64_t m1, m2, f1, f2, f3, l1, l2, l3;
	struct em_line ln;

	(void)state;
	m.file = em_profile__str(p, "/bin/x");
	m1 = em_profile__add_mapping(p, &m);
	m.has_functions = true;
	m2 = em_profile__add_mapping(p, &m);
	assert_int_equal(m1, 1);
	assert_int_equal(m2, 1);
	assert_true(p->mappings[0].has_functions);
	f1 = em_profile__add_function(p, "a", NULL, "x.c", 1);
	f2 = em_profile__add_function(p, "b", NULL, "x.c", 2);
	f3 = em_profile__add_function(p, "a", NULL, "x.c", 1);
	assert_int_equal(f1, 1);
	assert_int_equal(f2, 2);
	assert_int_equal(f3, 1);
	/* system_name defaults to name */
	assert_string_equal(em_profile__string(p, p->functions[0].system_name), "a");
	ln = (struct em_line){ f1, 3, 0 };
	l1 = em_profile__add_location(p, m1, 0x1100, &ln, 1, false);
	l2 = em_profile__add_location(p, m1, 0x1100, &ln, 1, false);
	l3 = em_profile__add_location(p, m1, 0x1104, &ln, 1, false);
	assert_int_equal(l1, 1);
	assert_int_equal(l2, 1);
	assert_int_equal(l3, 2);
	/* references that do not exist are refused */
	ln.function_id = 77;
	assert_int_equal(em_profile__add_location(p, m1, 0x1108, &ln, 1, false), 0);
	assert_int_equal(em_profile__add_location(p, 9, 0x1108, NULL, 0, false), 0);
	em_profile__free(p);
}

static void samples_aggregate_by_stack_and_labels(void **state)
{
	struct em_profile *p = em_profile__new();
	uint64_t l1, l2, s12[2], s21[2];
	int64_t v[2] = { 1, 100 };
	struct em_label a, b, ab[2], ba[2];

	(void)state;
	assert_int_equal(em_profile__add_sample(p, NULL, 0, v, NULL, 0), -EINVAL);
	assert_int_equal(em_profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(em_profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	l1 = em_profile__add_location(p, 0, 0x10, NULL, 0, false);
	l2 = em_profile__add_location(p, 0, 0x20, NULL, 0, false);
	s12[0] = l1, s12[1] = l2, s21[0] = l2, s21[1] = l1;
	a = em_profile__label_str(p, "thread", "t1");
	b = em_profile__label_num(p, "tid", 42, NULL);
	ab[0] = a, ab[1] = b, ba[0] = b, ba[1] = a;
	assert_int_equal(em_profile__add_sample(p, s12, 2, v, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, s12, 2, v, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, s21, 2, v, NULL, 0), 0);
	assert_int_equal(em_profile__add_sample(p, s12, 2, v, ab, 2), 0);
	assert_int_equal(em_profile__add_sample(p, s12, 2, v, ba, 2), 0);
	assert_int_equal(p->nsamples, 3);
	assert_int_equal(p->sample_values[p->samples[0].values + 1], 200);
	assert_int_equal(p->sample_values[p->samples[1].values], 1);
	assert_int_equal(p->sample_values[p->samples[2].values + 1], 200);
	/* no new sample types once samples exist; dangling location refused */
	assert_int_equal(em_profile__add_sample_type(p, "x", "y"), -EBUSY);
	s12[0] = 99;
	assert_int_equal(em_profile__add_sample(p, s12, 2, v, NULL, 0), -EINVAL);
	em_profile__free(p);
}

static struct em_profile *sample_profile(void)
{
	struct em_profile *p = em_profile__new();
	struct em_mapping m = { .start = 0x400000, .limit = 0x500000, .offset = 0x1000 };
	struct em_line two[2];
	uint64_t mid, fa, fb, l1, l2, stack[2];
	int64_t v[2] = { 3, 30 };
	struct em_label lab[2];

	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	em_profile__set_period_type(p, "cpu", "nanoseconds", 10);
	em_profile__set_default_sample_type(p, "cpu");
	em_profile__add_comment(p, "hello");
	p->time_nanos = 123;
	p->duration_nanos = 456;
	m.file = em_profile__str(p, "/bin/prog");
	m.build_id = em_profile__str(p, "beef");
	m.has_functions = m.has_inline_frames = true;
	mid = em_profile__add_mapping(p, &m);
	fa = em_profile__add_function(p, "ns::a()", "_ZN2ns1aEv", "a.cc", 7);
	fb = em_profile__add_function(p, "b", NULL, "b.c", 9);
	two[0] = (struct em_line){ fa, 8, 2 };
	two[1] = (struct em_line){ fb, 10, 0 };
	l1 = em_profile__add_location(p, mid, 0x401000, two, 2, false);
	l2 = em_profile__add_location(p, mid, 0x402000, &two[1], 1, true);
	stack[0] = l1, stack[1] = l2;
	lab[0] = em_profile__label_str(p, "thread", "main");
	lab[1] = em_profile__label_num(p, "bytes", 64, "bytes");
	em_profile__add_sample(p, stack, 2, v, lab, 2);
	return p;
}

static void encode_decode_round_trip_keeps_everything(void **state)
{
	struct em_profile *p = sample_profile(), *q;
	uint8_t *buf;
	size_t len;
	char err[256];

	(void)state;
	assert_int_equal(em_profile__encode_gz(p, &buf, &len), 0);
	q = em_profile__decode(buf, len, NULL, err, sizeof(err));
	assert_non_null(q);
	free(buf);
	assert_int_equal(q->nsample_types, 2);
	assert_string_equal(em_profile__string(q, q->sample_types[1].type), "cpu");
	assert_string_equal(em_profile__string(q, q->period_type.unit), "nanoseconds");
	assert_int_equal(q->period, 10);
	assert_int_equal(q->time_nanos, 123);
	assert_int_equal(q->duration_nanos, 456);
	assert_string_equal(em_profile__string(q, q->default_sample_type), "cpu");
	assert_int_equal(q->ncomments, 1);
	assert_string_equal(em_profile__string(q, q->comments[0]), "hello");
	assert_int_equal(q->nmappings, 1);
	assert_int_equal(q->mappings[0].start, 0x400000);
	assert_int_equal(q->mappings[0].offset, 0x1000);
	assert_string_equal(em_profile__string(q, q->mappings[0].build_id), "beef");
	assert_true(q->mappings[0].has_functions);
	assert_false(q->mappings[0].has_filenames);
	assert_true(q->mappings[0].has_inline_frames);
	assert_int_equal(q->nfunctions, 2);
	assert_string_equal(em_profile__string(q, q->functions[0].system_name), "_ZN2ns1aEv");
	assert_int_equal(q->nlocations, 2);
	assert_int_equal(q->locations[0].nlines, 2);
	assert_int_equal(q->lines[q->locations[0].lines].column, 2);
	assert_true(q->locations[1].is_folded);
	assert_int_equal(q->nsamples, 1);
	assert_int_equal(q->samples[0].nlocs, 2);
	assert_int_equal(q->sample_values[1], 30);
	assert_int_equal(q->samples[0].nlabels, 2);
	assert_int_equal(em_profile__sample_type_index(q, "cpu"), 1);
	assert_int_equal(em_profile__default_index(q), 1);
	em_profile__free(p);
	em_profile__free(q);
}

static void merge_adds_values_and_checks_types(void **state)
{
	struct em_profile *a = sample_profile(), *b = sample_profile(), *e = em_profile__new();
	struct em_profile *other = em_profile__new();

	(void)state;
	assert_int_equal(em_profile__merge(e, a), 0);
	assert_int_equal(em_profile__merge(e, b), 0);
	assert_int_equal(e->nsamples, 1);
	assert_int_equal(e->sample_values[1], 60);
	assert_int_equal(e->duration_nanos, 912);
	em_profile__add_sample_type(other, "alloc_space", "bytes");
	assert_int_equal(em_profile__merge(e, other), -EINVAL);
	em_profile__free(a);
	em_profile__free(b);
	em_profile__free(e);
	em_profile__free(other);
}

static void legacy_space_name_selects_inuse_space(void **state)
{
	struct em_profile *p = em_profile__new();

	(void)state;
	em_profile__add_sample_type(p, "alloc_space", "bytes");
	em_profile__add_sample_type(p, "inuse_space", "bytes");
	assert_int_equal(em_profile__sample_type_index(p, "space"), 1);
	assert_int_equal(em_profile__sample_type_index(p, "nope"), -1);
	assert_int_equal(em_profile__default_index(p), 1);
	em_profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_are_interned_and_zero_is_empty),
		cmocka_unit_test(many_strings_survive_table_growth),
		cmocka_unit_test(functions_mappings_locations_dedup_with_ids_in_order),
		cmocka_unit_test(samples_aggregate_by_stack_and_labels),
		cmocka_unit_test(encode_decode_round_trip_keeps_everything),
		cmocka_unit_test(merge_adds_values_and_checks_types),
		cmocka_unit_test(legacy_space_name_selects_inuse_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
