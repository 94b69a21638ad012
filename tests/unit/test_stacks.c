// SPDX-License-Identifier: MIT
/* test_stacks.c - the flame graph's merged call tree: interning, sorting, the
 * post-order walk with totals/self/start, merging and function totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stacks.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t id_of(struct em_stacks *st, const char *s, enum em_fkind kind)
{
	int64_t id = em_stacks__intern(st, s, strlen(s), kind);

	assert_true(id >= 0);
	return (uint32_t)id;
}

/* Adds "a;b;c" with values v0 (and v1 in a second column, if any). */
static int add(struct em_stacks *st, const char *stack, int64_t v0, int64_t v1)
{
	uint32_t ids[64];
	int64_t vals[2] = { v0, v1 };
	char buf[256], *save, *tok;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", stack);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
		ids[n++] = id_of(st, tok, EM_FK_USER);
	return em_stacks__add(st, ids, n, vals);
}

struct log {
	char text[2048];
	size_t len;
	struct em_stacks *st;
};

static int log_node(const struct em_flow_node *n, void *ctx)
{
	struct log *l = ctx;

	l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len,
				   "%u %s %lld/%lld@%lld\n", n->depth,
				   em_stacks__name(l->st, n->name, NULL), (long long)n->total[0],
				   (long long)n->self[0], (long long)n->start[0]);
	return 0;
}

static void walk_is_post_order_sorted_by_name(void **state)
{
	struct em_stacks *st = em_stacks__new(1);
	struct log l = { .st = st };

	(void)state;
	assert_int_equal(add(st, "main;work;leaf_b", 10, 0), 0);
	assert_int_equal(add(st, "main;work;leaf_a", 30, 0), 0);
	assert_int_equal(add(st, "main;leaf_a", 5, 0), 0);
	assert_int_equal(add(st, "main", 2, 0), 0);
	assert_int_equal(add(st, "main;work;leaf_a", 3, 0), 0);	/* merges with the other */
	assert_int_equal(em_stacks__walk(st, log_node, &l), 0);
	assert_string_equal(l.text, "2 leaf_a 5/5@2\n"
				    "3 leaf_a 33/33@7\n"
				    "3 leaf_b 10/10@40\n"
				    "2 work 43/0@7\n"
				    "1 main 50/2@0\n"
				    "0 all 50/0@0\n");
	assert_int_equal(em_stacks__totals(st)[0], 50);
	assert_int_equal(em_stacks__count(st), 5);
	assert_int_equal(add(st, "late", 1, 0), -EBUSY);
	em_stacks__free(st);
}

static int stop_at_two(const struct em_flow_node *n, void *ctx)
{
	int *seen = ctx;

	(void)n;
	return ++*seen == 2 ? 42 : 0;
}

static void walk_stops_when_asked(void **state)
{
	struct em_stacks *st = em_stacks__new(1);
	int seen = 0;

	(void)state;
	add(st, "a;b", 1, 0);
	add(st, "a;c", 1, 0);
	assert_int_equal(em_stacks__walk(st, stop_at_two, &seen), 42);
	assert_int_equal(seen, 2);
	em_stacks__free(st);
}

static void interning_and_kinds(void **state)
{
	struct em_stacks *st = em_stacks__new(1);
	uint32_t a = id_of(st, "read", EM_FK_USER), b = id_of(st, "read", EM_FK_SYSCALL);
	size_t len;

	(void)state;
	assert_int_not_equal(a, b);
	assert_int_equal(id_of(st, "read", EM_FK_USER), a);
	assert_int_equal(em_stacks__kind(st, b), EM_FK_SYSCALL);
	assert_string_equal(em_stacks__name(st, a, &len), "read");
	assert_int_equal(len, 4);
	/* Embedded NUL-free names of any length, and many of them (rehashing). */
	for (int i = 0; i < 5000; i++) {
		char n[32];

		snprintf(n, sizeof(n), "fn_%d", i);
		assert_int_equal(id_of(st, n, EM_FK_USER), i + 2);
	}
	assert_int_equal(id_of(st, "fn_1234", EM_FK_USER), 1236);
	assert_int_equal(em_stacks__nnames(st), 5002);
	em_stacks__free(st);
}

static void refuses_bad_stacks(void **state)
{
	struct em_stacks *st = em_stacks__new(2);
	uint32_t a = id_of(st, "a", EM_FK_USER), bogus = 99;
	int64_t neg[2] = { 1, -1 }, big[2] = { INT64_MAX, 0 }, one[2] = { 1, 0 }, zero[2] = { 0, 0 };

	(void)state;
	assert_null(em_stacks__new(0));
	assert_null(em_stacks__new(EM_STACKS_MAX_COLS + 1));
	assert_int_equal(em_stacks__add(st, &a, 1, neg), -EINVAL);
	assert_int_equal(em_stacks__add(st, &a, 0, one), -EINVAL);
	assert_int_equal(em_stacks__add(st, &bogus, 1, one), -EINVAL);
	assert_int_equal(em_stacks__add(st, &a, 1, zero), 0);
	assert_int_equal(em_stacks__count(st), 0);	/* all-zero stacks are dropped */
	assert_int_equal(em_stacks__add(st, &a, 1, big), 0);
	assert_int_equal(em_stacks__add(st, &a, 1, one), -EOVERFLOW);
	assert_int_equal(em_stacks__totals(st)[0], INT64_MAX);
	em_stacks__free(st);
	em_stacks__free(NULL);
}

static int max_depth(const struct em_flow_node *n, void *ctx)
{
	uint32_t *m = ctx;

	if (n->depth > *m)
		*m = n->depth;
	return 0;
}

/* A deeply recursive stack is valid; it is cut at the cap, and nothing on
 * the C stack grows with its depth. */
static void deep_recursion_is_cut_not_crashed(void **state)
{
	size_t n = EM_STACKS_MAX_DEPTH + 100;
	uint32_t *ids = malloc(n * sizeof(*ids)), deepest = 0;
	struct em_stacks *st = em_stacks__new(1);
	uint32_t f = id_of(st, "recurse", EM_FK_USER);
	int64_t v = 7;
	int64_t *self, *total;

	(void)state;
	for (size_t i = 0; i < n; i++)
		ids[i] = f;
	assert_int_equal(em_stacks__add(st, ids, n, &v), 0);
	assert_int_equal(em_stacks__add(st, ids, 10, &v), 0);
	assert_int_equal(em_stacks__truncated(st), 1);
	assert_int_equal(em_stacks__walk(st, max_depth, &deepest), 0);
	assert_int_equal(deepest, EM_STACKS_MAX_DEPTH);
	/* Function totals count a function once per stack, recursion or not. */
	assert_int_equal(em_stacks__functions(st, &self, &total), 0);
	assert_int_equal(total[f], 14);
	assert_int_equal(self[f], 14);
	free(self);
	free(total);
	free(ids);
	em_stacks__free(st);
}

struct lines {
	char text[1024];
	size_t len;
	struct em_stacks *st;
};

static int log_stack(const uint32_t *ids, size_t depth, const int64_t *vals, void *ctx)
{
	struct lines *l = ctx;

	for (size_t i = 0; i < depth; i++)
		l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s%s",
					   i ? ";" : "", em_stacks__name(l->st, ids[i], NULL));
	l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len, " %lld %lld\n",
				   (long long)vals[0], (long long)vals[1]);
	return 0;
}

static void for_each_merges_identical_stacks(void **state)
{
	struct em_stacks *st = em_stacks__new(2);
	struct lines l = { .st = st };
	int64_t *self, *total;

	(void)state;
	add(st, "b;x", 1, 0);
	add(st, "a;b;a", 4, 1);
	add(st, "b;x", 2, 5);
	add(st, "B", 1, 1);	/* bytes order: 'B' < 'a' */
	assert_int_equal(em_stacks__for_each(st, log_stack, &l), 0);
	assert_string_equal(l.text, "B 1 1\na;b;a 4 1\nb;x 3 5\n");
	assert_int_equal(em_stacks__functions(st, &self, &total), 0);
	/* names: b=0 x=1 a=2 B=3; columns 2 */
	assert_int_equal(total[2 * 2 + 0], 4);		/* a: once for a;b;a */
	assert_int_equal(self[2 * 2 + 0], 4);
	assert_int_equal(total[0 * 2 + 0], 7);		/* b */
	assert_int_equal(self[0 * 2 + 0], 0);
	assert_int_equal(total[1 * 2 + 1], 5);		/* x, second column */
	free(self);
	free(total);
	em_stacks__free(st);
}

struct node_set {
	char text[1 << 16];
	size_t len;
	double min[2];	/* the full walk keeps nodes at least this wide in a column */
};

static int keep_node(const struct em_flow_node *n, void *ctx)
{
	struct node_set *s = ctx;

	if ((double)n->total[0] < s->min[0] && (double)n->total[1] < s->min[1])
		return 0;
	s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
				   "%u:%u:%lld:%lld:%lld:%lld\n", n->depth, n->name,
				   (long long)n->total[0], (long long)n->total[1],
				   (long long)n->start[1], (long long)n->self[1]);
	return 0;
}

/* The pruned walk skips narrow subtrees with a binary search; it must report
 * exactly the nodes the full walk reports as wide enough, with the same
 * totals, offsets and self values in every column. */
static void pruned_walk_equals_filtered_full_walk(void **state)
{
	static struct node_set full, pruned;
	struct em_stacks *st = em_stacks__new(2);
	uint64_t x = 12345;
	char name[8];

	(void)state;
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		id_of(st, name, EM_FK_USER);
	}
	for (int k = 0; k < 400; k++) {
		uint32_t ids[12];
		int64_t v[2];
		size_t depth;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		depth = 1 + (x >> 60) % 12;
		for (size_t d = 0; d < depth; d++)
			ids[d] = (uint32_t)((x >> (4 * d + 8)) % (d < 2 ? 3 : 16));
		v[0] = (int64_t)((x >> 20) % 50);
		v[1] = (int64_t)((x >> 30) % 90);
		assert_int_equal(em_stacks__add(st, ids, depth, v), 0);
	}
	for (double min = 0.5; min < 20000; min *= 3) {
		/* one column decides, then either of two */
		double mins[2][2] = { { INFINITY, min }, { min * 0.7, min } };

		for (int m = 0; m < 2; m++) {
			full.len = pruned.len = 0;
			full.min[0] = mins[m][0];
			full.min[1] = mins[m][1];
			pruned.min[0] = pruned.min[1] = 0;
			assert_int_equal(em_stacks__walk(st, keep_node, &full), 0);
			assert_int_equal(em_stacks__walk_pruned(st, mins[m], keep_node, &pruned), 0);
			assert_true(full.len > 0);
			assert_string_equal(pruned.text, full.text);
		}
	}
	em_stacks__free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_is_post_order_sorted_by_name),
		cmocka_unit_test(walk_stops_when_asked),
		cmocka_unit_test(interning_and_kinds),
		cmocka_unit_test(refuses_bad_stacks),
		cmocka_unit_test(deep_recursion_is_cut_not_crashed),
		cmocka_unit_test(for_each_merges_identical_stacks),
		cmocka_unit_test(pruned_walk_equals_filtered_full_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
