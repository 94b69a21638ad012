// SPDX-License-Identifier: MIT
/* test_sampling.c - exponential distances, sample weights, and unbiased heap estimates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../agent/sampling.h"

#include <math.h>
#include <stdbool.h>

#define NDRAWS 200000

/* |got - want| <= tol * want */
static void assert_close(double got, double want, double tol)
{
	if (fabs(got - want) > tol * fabs(want))
		fail_msg("got %.6g, want %.6g within %.2g%%", got, want, tol * 100);
}

static void draws_have_the_requested_mean(void **state)
{
	static const double means[] = { 1000, 524288, 1e6 };

	(void)state;
	em_rand_seed(1);
	for (size_t m = 0; m < sizeof(means) / sizeof(means[0]); m++) {
		double sum = 0;

		for (int i = 0; i < NDRAWS; i++)
			sum += (double)em_rand_exp(means[m]);
		/* The standard error is mean/sqrt(NDRAWS), about 0.22%. */
		assert_close(sum / NDRAWS, means[m], 0.02);
	}
}

static void draws_are_never_below_one(void **state)
{
	static const double means[] = { 1e-9, 0.01, 0.5, 1, 2, 1000 };

	(void)state;
	em_rand_seed(2);
	for (size_t m = 0; m < sizeof(means) / sizeof(means[0]); m++)
		for (int i = 0; i < NDRAWS / 4; i++)
			assert_true(em_rand_exp(means[m]) >= 1);
}

static void tail_beyond_three_means_is_e_to_the_minus_three(void **state)
{
	const double mean = 524288;
	int over = 0;

	(void)state;
	em_rand_seed(3);
	for (int i = 0; i < NDRAWS; i++)
		over += em_rand_exp(mean) > 3 * mean;
	/* p = 0.0498; its standard error over NDRAWS draws is 1% of p. */
	assert_close((double)over / NDRAWS, exp(-3), 0.05);
}

static void same_seed_same_draws(void **state)
{
	int64_t a[16];

	(void)state;
	em_rand_seed(42);
	for (int i = 0; i < 16; i++)
		a[i] = em_rand_exp(1e6);
	em_rand_seed(42);
	for (int i = 0; i < 16; i++)
		assert_int_equal(em_rand_exp(1e6), a[i]);
}

static void weight_is_one_when_everything_is_recorded(void **state)
{
	(void)state;
	assert_true(em_sample_weight(100, 1) == 1.0);
	assert_true(em_sample_weight(100, 0.5) == 1.0);
	assert_true(em_sample_weight(100, 0) == 1.0);
	assert_true(em_sample_weight(100, -5) == 1.0);
	assert_true(em_sample_weight(0, 524288) == 1.0);
}

static void weight_is_the_inverse_sampling_chance(void **state)
{
	(void)state;
	/* x = rate: sampled with chance 1 - 1/e */
	assert_close(em_sample_weight(524288, 524288), 1 / (1 - exp(-1)), 1e-12);
	assert_close(em_sample_weight(1e6, 1e6), 1.5819767068693265, 1e-12);
	/* tiny x/rate: ~rate/x (exactly rate/x + 1/2 + x/(12 rate) + ...) */
	assert_close(em_sample_weight(1, 524288), 524288, 1e-5);
	assert_close(em_sample_weight(8, 1e6), 125000, 1e-5);
	assert_close(em_sample_weight(1e-3, 1e6), 1e9, 1e-9);
	/* huge x: always sampled, stands for itself */
	assert_close(em_sample_weight(10 * 524288.0, 524288), 1, 1e-4);
	assert_true(em_sample_weight(1e12, 524288) == 1.0);
	assert_true(em_sample_weight(10 * 524288.0, 524288) >= 1.0);
}

/*
 * The heap sampler (agent/heap.h, heap.c): each allocation takes its size
 * off a countdown; one that takes it below zero is sampled and the next
 * countdown is a fresh em_rand_exp(rate). A sample stands for
 * em_sample_weight(size, rate) allocations of size bytes each.
 */
struct estimate {
	double count, bytes;
	long samples;
};

static bool take(int64_t *left, int64_t size, double rate)
{
	if ((*left -= size) >= 0)
		return false;
	*left = em_rand_exp(rate);
	return true;
}

static struct estimate sample_stream(const int64_t *sizes, size_t nsizes, long n, double rate)
{
	struct estimate e = { 0, 0, 0 };
	int64_t left = em_rand_exp(rate);

	for (long i = 0; i < n; i++) {
		int64_t size = sizes[(size_t)i % nsizes];

		if (take(&left, size, rate)) {
			double w = em_sample_weight((double)size, rate);

			e.count += w;
			e.bytes += w * (double)size;
			e.samples++;
		}
	}
	return e;
}

static void small_allocations_are_estimated_without_bias(void **state)
{
	const double rate = 524288;
	const int64_t size = 1024;	/* rate / 512: about 1 in 512 sampled */
	const long n = 20000000;
	struct estimate e;

	(void)state;
	em_rand_seed(4);
	e = sample_stream(&size, 1, n, rate);
	/* ~39000 samples: a standard error of 0.5% */
	assert_true(e.samples > 30000 && e.samples < 50000);
	assert_close(e.count, (double)n, 0.03);
	assert_close(e.bytes, (double)n * (double)size, 0.03);
}

static void large_allocations_are_estimated_without_bias(void **state)
{
	const double rate = 524288;
	static const int64_t sizes[] = { 524288, 2 * 524288, 10 * 524288 };
	const long n = 200000;

	(void)state;
	em_rand_seed(5);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct estimate e = sample_stream(&sizes[i], 1, n, rate);

		/* Sampled with chance 1 - exp(-size/rate) (63%, 86%, ~100%). */
		assert_close((double)e.samples, n * -expm1(-(double)sizes[i] / rate), 0.02);
		assert_close(e.count, (double)n, 0.03);
		assert_close(e.bytes, (double)n * (double)sizes[i], 0.03);
	}
}

static void mixed_sizes_are_each_estimated_without_bias(void **state)
{
	const double rate = 524288;
	/* 8 KiB is 1/64 of the rate, 4 MiB eight times it. */
	static const int64_t sizes[] = { 8192, 65536, 4 << 20 };
	const long n = 3 * 2000000;
	double count[3] = { 0 }, bytes = 0, want_bytes = 0;
	int64_t left;

	(void)state;
	em_rand_seed(6);
	left = em_rand_exp(rate);
	for (long i = 0; i < n; i++) {
		size_t k = (size_t)i % 3;

		want_bytes += (double)sizes[k];
		if (take(&left, sizes[k], rate)) {
			double w = em_sample_weight((double)sizes[k], rate);

			count[k] += w;
			bytes += w * (double)sizes[k];
		}
	}
	for (size_t k = 0; k < 3; k++)
		assert_close(count[k], n / 3.0, 0.03);
	assert_close(bytes, want_bytes, 0.03);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(draws_have_the_requested_mean),
		cmocka_unit_test(draws_are_never_below_one),
		cmocka_unit_test(tail_beyond_three_means_is_e_to_the_minus_three),
		cmocka_unit_test(same_seed_same_draws),
		cmocka_unit_test(weight_is_one_when_everything_is_recorded),
		cmocka_unit_test(weight_is_the_inverse_sampling_chance),
		cmocka_unit_test(small_allocations_are_estimated_without_bias),
		cmocka_unit_test(large_allocations_are_estimated_without_bias),
		cmocka_unit_test(mixed_sizes_are_each_estimated_without_bias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
