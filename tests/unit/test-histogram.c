/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-histogram.c - the log-linear histogram against exact answers: bucket
 * layout, nearest-rank percentiles of sorted data for uniform, log-normal and
 * bimodal inputs within the documented 1/64 bound, merge, and variance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "histogram.h"

/* splitmix64: deterministic, so a failure reproduces. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in (0, 1) */
static double rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* standard normal, Box-Muller */
static double rng_normal(void)
{
	return sqrt(-2.0 * log(rng_unit())) * cos(2.0 * M_PI * rng_unit());
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Exact nearest-rank quantile of sorted data: the ceil(q * n)-th smallest value. */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n, uint32_t q_ppm)
{
	uint64_t rank = ((uint64_t)n * q_ppm + 999999) / 1000000;

	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

static struct pa_hist *hist_new(void)
{
	struct pa_hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	pa_hist_reset(h);
	return h;
}

static void test_empty(void **state)
{
	struct pa_hist *h = hist_new();

	assert_int_equal(h->count, 0);
	assert_true(h->min == UINT64_MAX);
	assert_int_equal(h->max, 0);
	assert_int_equal(pa_hist_percentile(h, 500000), 0);
	assert_int_equal(pa_hist_percentile(h, 1000000), 0);
	assert_int_equal(pa_hist_mean(h), 0);
	assert_true(pa_hist_variance(h) == 0.0);
	assert_true(pa_hist_stddev(h) == 0.0);
	free(h);
}

/* Every value lands in the bucket hist-layout.h defines (the BPF side uses that one). */
static void test_bucket_matches_layout(void **state)
{
	struct pa_hist *h = hist_new();
	uint64_t vals[4096];
	size_t n = 0;

	for (uint64_t v = 0; v < 300; v++)
		vals[n++] = v;
	for (int b = 6; b < 64; b++) {
		uint64_t p = (uint64_t)1 << b;

		vals[n++] = p - 1;
		vals[n++] = p;
		vals[n++] = p + 1;
		vals[n++] = p + (p >> 1) + 7;
	}
	vals[n++] = UINT64_MAX;
	rng_state = 1;
	while (n < 4096)
		vals[n++] = rng_next() >> (rng_next() % 64);

	for (size_t i = 0; i < n; i++) {
		uint64_t v = vals[i];
		unsigned int b = pa_hist_bucket(v);
		uint64_t before = h->buckets[b];

		assert_true(b < PA_HIST_BUCKETS);
		pa_hist_record(h, v);
		if (h->buckets[b] != before + 1)
			fail_msg("value %llu: expected bucket %u", (unsigned long long)v, b);
		/* the bucket covers the value (below the overflow bucket's start) */
		if (v < (1ull << PA_HIST_MAX_BITS)) {
			assert_true(pa_hist_bucket_low(b) <= v);
			assert_true(v - pa_hist_bucket_low(b) < pa_hist_bucket_width(b));
			/* width <= low / 32: the 1/64 bound's premise */
			assert_true(b < 2 * PA_HIST_SUB_COUNT || pa_hist_bucket_width(b) * 32 <= pa_hist_bucket_low(b));
		} else {
			assert_int_equal(b, PA_HIST_BUCKETS - 1);
		}
	}
	assert_int_equal(h->count, n);
	assert_true(h->max == UINT64_MAX);
	assert_int_equal(h->min, 0);
	free(h);
}

/* Small exact values: the rank arithmetic itself (values < 64 have their own bucket). */
static void test_nearest_rank_definition(void **state)
{
	struct pa_hist *h = hist_new();

	for (uint64_t v = 1; v <= 10; v++)
		pa_hist_record(h, v);
	assert_int_equal(pa_hist_percentile(h, 0), 1);
	assert_int_equal(pa_hist_percentile(h, 100000), 1);  /* ceil(1.0) = 1st */
	assert_int_equal(pa_hist_percentile(h, 100001), 2);  /* ceil(1.00001) = 2nd */
	assert_int_equal(pa_hist_percentile(h, 500000), 5);
	assert_int_equal(pa_hist_percentile(h, 900000), 9);
	assert_int_equal(pa_hist_percentile(h, 910000), 10);
	assert_int_equal(pa_hist_percentile(h, 1000000), 10);
	assert_int_equal(pa_hist_percentile(h, 4000000), 10); /* above 100 %: clamped */
	assert_int_equal(pa_hist_mean(h), 5);                 /* 55 / 10, integer */
	free(h);
}

/* Counts near 2^63 must not overflow the rank computation. */
static void test_rank_does_not_overflow(void **state)
{
	struct pa_hist *h = hist_new();
	uint64_t big = 3000000000000000000ull;

	pa_hist_record_n(h, 10, big);
	pa_hist_record_n(h, 20, big);
	assert_true(h->count == 2 * big);
	assert_int_equal(pa_hist_percentile(h, 500000), 10);
	assert_int_equal(pa_hist_percentile(h, 500001), 20);
	assert_int_equal(pa_hist_percentile(h, 1), 10);
	free(h);
}

/* Extremes are exact, midpoints clamp into [min, max]. */
static void test_extremes_and_clamp(void **state)
{
	struct pa_hist *h = hist_new();

	/* one bucket [1024, 1056): the midpoint 1040 lies outside [1030, 1031] */
	pa_hist_record(h, 1030);
	pa_hist_record(h, 1031);
	pa_hist_record(h, 1031);
	assert_int_equal(pa_hist_percentile(h, 0), 1030);
	assert_int_equal(pa_hist_percentile(h, 500000), 1031);
	assert_int_equal(pa_hist_percentile(h, 1000000), 1031);
	/* beyond 2^48 ns: the last bucket, but max stays exact */
	pa_hist_record(h, 1ull << 60);
	assert_true(pa_hist_percentile(h, 1000000) == 1ull << 60);
	assert_true(h->max == 1ull << 60);
	assert_true(h->total == 1030 + 2 * 1031 + (1ull << 60));
	free(h);
}

enum dist { UNIFORM, LOGNORMAL, BIMODAL };

static uint64_t draw(enum dist d)
{
	double x;

	switch (d) {
	case UNIFORM: /* 1 ns .. 10 ms */
		return 1 + rng_next() % 10000000;
	case LOGNORMAL: /* median 50 us, sigma 1.5: spans ns to seconds */
		x = exp(log(50000.0) + 1.5 * rng_normal());
		return x < 1.0 ? 1 : (uint64_t)x;
	case BIMODAL: /* 90 % fast path around 2 us, 10 % slow path around 800 us */
		if (rng_next() % 10 < 9)
			x = 2000.0 + 150.0 * rng_normal();
		else
			x = 800000.0 + 60000.0 * rng_normal();
		return x < 1.0 ? 1 : (uint64_t)x;
	}
	return 0;
}

static void check_distribution(enum dist d, const char *name)
{
	static const uint32_t qs[] = { 0, 1000, 10000, 100000, 250000, 500000, 750000, 900000,
				       950000, 990000, 999000, 999900, 1000000 };
	const size_t n = 200000;
	uint64_t *data = malloc(n * sizeof(*data));
	struct pa_hist *h = hist_new();

	assert_non_null(data);
	rng_state = 42 + d;
	for (size_t i = 0; i < n; i++) {
		data[i] = draw(d);
		pa_hist_record(h, data[i]);
	}
	qsort(data, n, sizeof(*data), cmp_u64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, data[0]);
	assert_int_equal(h->max, data[n - 1]);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = exact_quantile(data, n, qs[i]);
		uint64_t got = pa_hist_percentile(h, qs[i]);
		uint64_t err = got > exact ? got - exact : exact - got;

		/* |got - exact| <= exact / 64, in integers */
		if (err * 64 > exact)
			fail_msg("%s q=%u ppm: histogram %llu, exact %llu, error %.3f%% > 1/64", name, qs[i],
				 (unsigned long long)got, (unsigned long long)exact, 100.0 * err / exact);
	}
	free(data);
	free(h);
}

static void test_percentiles_uniform(void **state)
{
	check_distribution(UNIFORM, "uniform");
}

static void test_percentiles_lognormal(void **state)
{
	check_distribution(LOGNORMAL, "log-normal");
}

static void test_percentiles_bimodal(void **state)
{
	check_distribution(BIMODAL, "bimodal");
}

/* The bound is tight where it should be: worst case is the bucket's lowest value. */
static void test_error_bound_worst_case(void **state)
{
	struct pa_hist *h = hist_new();
	uint64_t worst = 0;

	/* each v in [64, 2^16) as the median of three values of its own bucket */
	for (uint64_t v = 64; v < 65536; v++) {
		unsigned int b = pa_hist_bucket(v);
		uint64_t got;

		pa_hist_reset(h);
		/* pin min/max to the bucket ends so no clamp hides the midpoint */
		pa_hist_record(h, pa_hist_bucket_low(b));
		pa_hist_record(h, v);
		pa_hist_record(h, pa_hist_bucket_low(b) + pa_hist_bucket_width(b) - 1);
		got = pa_hist_percentile(h, 500000);
		assert_true((got > v ? got - v : v - got) * 64 <= v);
		if ((got > v ? got - v : v - got) * 64 * 1000 / v > worst)
			worst = (got > v ? got - v : v - got) * 64 * 1000 / v;
	}
	/* the worst relative error reaches the bound (1000 = exactly 1/64) */
	assert_int_equal(worst, 1000);
	free(h);
}

static void test_merge_equals_union(void **state)
{
	struct pa_hist *a = hist_new(), *b = hist_new(), *u = hist_new(), *e = hist_new();

	rng_state = 7;
	for (int i = 0; i < 50000; i++) {
		uint64_t v = draw(LOGNORMAL);

		pa_hist_record(i % 3 ? a : b, v);
		pa_hist_record(u, v);
	}
	pa_hist_record(b, 1ull << 40); /* a wide square */
	pa_hist_record(u, 1ull << 40);
	pa_hist_merge(a, b);
	assert_memory_equal(a, u, sizeof(*a));
	/* merging an empty histogram changes nothing, in either direction */
	pa_hist_merge(a, e);
	assert_memory_equal(a, u, sizeof(*a));
	pa_hist_merge(e, u);
	assert_memory_equal(e, u, sizeof(*e));
	/* reset really empties */
	pa_hist_reset(a);
	pa_hist_reset(b);
	assert_memory_equal(a, b, sizeof(*a));
	assert_true(a->min == UINT64_MAX);
	free(a);
	free(b);
	free(u);
	free(e);
}

static void test_record_n_equals_repeated_record(void **state)
{
	struct pa_hist *a = hist_new(), *b = hist_new();
	static const uint64_t vals[] = { 0, 5, 1000, 123456789, 5000000000ull, 1ull << 50 };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		pa_hist_record_n(a, vals[i], 37);
		for (int k = 0; k < 37; k++)
			pa_hist_record(b, vals[i]);
	}
	pa_hist_record_n(a, 999, 0); /* n = 0 records nothing */
	assert_memory_equal(a, b, sizeof(*a));
	free(a);
	free(b);
}

/* Exact population variance, two-pass in long double. */
static long double exact_variance(const uint64_t *v, size_t n)
{
	long double mean = 0, s = 0;

	for (size_t i = 0; i < n; i++)
		mean += v[i];
	mean /= n;
	for (size_t i = 0; i < n; i++)
		s += (v[i] - mean) * (v[i] - mean);
	return s / n;
}

static void check_variance(const uint64_t *v, size_t n, double rel)
{
	struct pa_hist *h = hist_new();
	long double exact = exact_variance(v, n);
	double got;

	for (size_t i = 0; i < n; i++)
		pa_hist_record(h, v[i]);
	got = pa_hist_variance(h);
	if (fabsl(got - exact) > rel * exact)
		fail_msg("variance %.17g, exact %.17Lg", got, exact);
	assert_true(fabs(pa_hist_stddev(h) - sqrt(got)) <= 1e-12 * sqrt(got));
	free(h);
}

static void test_variance(void **state)
{
	static uint64_t v[100000];
	size_t n = sizeof(v) / sizeof(v[0]);

	rng_state = 99;
	for (size_t i = 0; i < n; i++)
		v[i] = draw(BIMODAL);
	check_variance(v, n, 1e-12);
	for (size_t i = 0; i < n; i++)
		v[i] = draw(LOGNORMAL);
	check_variance(v, n, 1e-12);
	/* huge mean, tiny spread: sumsq/n - mean^2 in doubles would cancel to garbage */
	for (size_t i = 0; i < n; i++)
		v[i] = 4000000000ull + i % 3;
	check_variance(v, n, 1e-9);
	/* values above 2^32: the wide-square path; {2^40, 2^40 + 2} has variance exactly 1 */
	{
		struct pa_hist *h = hist_new();

		pa_hist_record(h, 1ull << 40);
		pa_hist_record(h, (1ull << 40) + 2);
		assert_true(pa_hist_variance(h) == 1.0);
		assert_true(pa_hist_stddev(h) == 1.0);
		assert_true(pa_hist_mean(h) == (1ull << 40) + 1);
		/* sumsq = 2^81 + 2^42 + 4: the high word must carry */
		assert_true(h->sumsq_hi == 1ull << 17);
		assert_true(h->sumsq_lo == (1ull << 42) + 4);
		free(h);
	}
	/* a constant has variance 0 */
	{
		struct pa_hist *h = hist_new();

		pa_hist_record_n(h, 777777, 1000);
		assert_true(pa_hist_variance(h) == 0.0);
		free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bucket_matches_layout),
		cmocka_unit_test(test_nearest_rank_definition),
		cmocka_unit_test(test_rank_does_not_overflow),
		cmocka_unit_test(test_extremes_and_clamp),
		cmocka_unit_test(test_percentiles_uniform),
		cmocka_unit_test(test_percentiles_lognormal),
		cmocka_unit_test(test_percentiles_bimodal),
		cmocka_unit_test(test_error_bound_worst_case),
		cmocka_unit_test(test_merge_equals_union),
		cmocka_unit_test(test_record_n_equals_repeated_record),
		cmocka_unit_test(test_variance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
