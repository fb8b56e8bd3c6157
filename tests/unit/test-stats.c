/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-stats.c - statistics merge, delta of cumulative snapshots, completeness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"
#include "pa-errno.h"

static struct pa_stats *stats_new(void)
{
	struct pa_stats *s = malloc(sizeof(*s));

	assert_non_null(s);
	memset(s, 0x5a, sizeof(*s));
	pa_stats_reset(s);
	return s;
}

static uint64_t lcg = 1;
static uint64_t next_value(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	/* 100 ns .. ~1 ms, spread over many buckets */
	return 100 + (lcg >> 33) % 1000000;
}

static void test_reset_and_record(void **state)
{
	struct pa_stats *s = stats_new();

	assert_int_equal(s->hist.count, 0);
	assert_true(s->hist.min == UINT64_MAX);
	assert_int_equal(s->errors + s->lost + s->samples + s->sampled_out + s->dropped, 0);
	assert_int_equal(s->last_timestamp_ns, 0);
	pa_stats_record(s, 1000, 50, false);
	pa_stats_record(s, 3000, 70, true);
	pa_stats_record(s, 2000, 60, false); /* out of order: the timestamp stays the latest */
	assert_int_equal(s->hist.count, 3);
	assert_int_equal(s->hist.total, 180);
	assert_int_equal(s->hist.min, 50);
	assert_int_equal(s->hist.max, 70);
	assert_int_equal(s->errors, 1);
	assert_int_equal(s->last_timestamp_ns, 3000);
	free(s);
}

static void test_merge(void **state)
{
	struct pa_stats *a = stats_new(), *b = stats_new(), *u = stats_new();

	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t v = next_value();

		pa_stats_record(i & 1 ? a : b, i * 10, v, i % 7 == 0);
		pa_stats_record(u, i * 10, v, i % 7 == 0);
	}
	a->lost = 1;
	a->samples = 10;
	b->samples = 20;
	b->sampled_out = 3;
	b->dropped = 4;
	pa_stats_merge(a, b);
	assert_memory_equal(&a->hist, &u->hist, sizeof(a->hist));
	assert_int_equal(a->errors, u->errors);
	assert_int_equal(a->lost, 1);
	assert_int_equal(a->samples, 30);
	assert_int_equal(a->sampled_out, 3);
	assert_int_equal(a->dropped, 4);
	assert_int_equal(a->last_timestamp_ns, 49990); /* the later of the two */
	free(a);
	free(b);
	free(u);
}

/* Cumulative snapshots: now - before equals what was recorded in between. */
static void test_delta_equals_interval(void **state)
{
	struct pa_stats *cum = stats_new(), *before = stats_new(), *between = stats_new(), *d = stats_new();

	for (uint64_t i = 0; i < 3000; i++)
		pa_stats_record(cum, 100 + i, next_value(), false);
	cum->samples = 5;
	*before = *cum;
	/* the interval: values strictly inside the earlier range, so min/max are estimated */
	for (uint64_t i = 0; i < 2000; i++) {
		uint64_t v = 5000 + next_value() % 100000;

		pa_stats_record(cum, 10000 + i, v, i % 10 == 0);
		pa_stats_record(between, 10000 + i, v, i % 10 == 0);
	}
	cum->samples += 7;
	cum->sampled_out += 2;
	assert_int_equal(pa_stats_delta(d, cum, before), 0);
	assert_int_equal(d->hist.count, between->hist.count);
	assert_int_equal(d->hist.total, between->hist.total);
	assert_int_equal(d->hist.sumsq_lo, between->hist.sumsq_lo);
	assert_int_equal(d->hist.sumsq_hi, between->hist.sumsq_hi);
	assert_memory_equal(d->hist.buckets, between->hist.buckets, sizeof(d->hist.buckets));
	assert_int_equal(d->errors, 200);
	assert_int_equal(d->samples, 7);
	assert_int_equal(d->sampled_out, 2);
	assert_int_equal(d->last_timestamp_ns, 11999);
	/* min/max: bounds from buckets, within the 1/32 bucket width of the truth */
	assert_true(d->hist.min <= between->hist.min);
	assert_true((between->hist.min - d->hist.min) * 32 <= between->hist.min);
	assert_true(d->hist.max >= between->hist.max);
	assert_true((d->hist.max - between->hist.max) * 32 <= between->hist.max);
	/* percentiles of the delta are those of the interval */
	assert_int_equal(pa_hist_percentile(&d->hist, 990000), pa_hist_percentile(&between->hist, 990000));
	assert_int_equal(pa_stats_completeness(d), PA_SAMPLED);
	free(cum);
	free(before);
	free(between);
	free(d);
}

static void test_delta_exact_extremes_and_aliasing(void **state)
{
	struct pa_stats *cum = stats_new(), *before = stats_new(), *d = stats_new();

	pa_stats_record(cum, 1, 5000, false);
	pa_stats_record(cum, 2, 6000, false);
	*before = *cum;
	pa_stats_record(cum, 3, 1234, false);   /* a new minimum */
	pa_stats_record(cum, 4, 999999, false); /* a new maximum */
	assert_int_equal(pa_stats_delta(d, cum, before), 0);
	assert_int_equal(d->hist.count, 2);
	assert_int_equal(d->hist.min, 1234);
	assert_int_equal(d->hist.max, 999999);
	/* before empty: the delta is now, min/max included */
	pa_stats_reset(before);
	assert_int_equal(pa_stats_delta(d, cum, before), 0);
	assert_memory_equal(&d->hist, &cum->hist, sizeof(d->hist));
	/* nothing happened: an empty delta, timestamp 0 */
	*before = *cum;
	assert_int_equal(pa_stats_delta(d, cum, before), 0);
	assert_int_equal(d->hist.count, 0);
	assert_true(d->hist.min == UINT64_MAX);
	assert_int_equal(d->hist.max, 0);
	assert_int_equal(d->last_timestamp_ns, 0);
	assert_int_equal(pa_hist_percentile(&d->hist, 500000), 0);
	/* in place: dst == now */
	pa_stats_record(cum, 5, 4000, false);
	assert_int_equal(pa_stats_delta(cum, cum, before), 0);
	assert_int_equal(cum->hist.count, 1);
	assert_int_equal(cum->hist.total, 4000);
	/* inside the old range: the ends of 4000's bucket [3968, 4032) */
	assert_int_equal(cum->hist.min, 3968);
	assert_int_equal(cum->hist.max, 4031);
	assert_int_equal(pa_hist_bucket(4000), pa_hist_bucket(3968));
	assert_int_equal(pa_hist_bucket(4000), pa_hist_bucket(4031));
	assert_int_not_equal(pa_hist_bucket(4000), pa_hist_bucket(4032));
	assert_int_equal(cum->last_timestamp_ns, 5);
	free(cum);
	free(before);
	free(d);
}

static void test_delta_rejects_non_prefix(void **state)
{
	struct pa_stats *a = stats_new(), *b = stats_new(), *d = stats_new();

	pa_stats_record(a, 1, 100, false);
	pa_stats_record(a, 2, 200, false);
	pa_stats_record(b, 1, 100, false);
	pa_stats_record(b, 2, 300, false); /* same count, different bucket */
	pa_stats_record(d, 9, 9, true);
	assert_int_equal(pa_stats_delta(d, a, b), -PA_ERANGE);
	assert_int_equal(d->hist.count, 0); /* left empty */
	assert_int_equal(d->errors, 0);
	/* a counter reset between snapshots (now < before) */
	pa_stats_reset(a);
	assert_int_equal(pa_stats_delta(d, a, b), -PA_ERANGE);
	/* a loss counter going backwards */
	*a = *b;
	b->dropped = 1;
	assert_int_equal(pa_stats_delta(d, a, b), -PA_ERANGE);
	free(a);
	free(b);
	free(d);
}

static void test_completeness(void **state)
{
	struct pa_stats *s = stats_new();

	pa_stats_record(s, 1, 10, false);
	assert_int_equal(pa_stats_completeness(s), PA_COMPLETE);
	s->samples = 1;
	assert_int_equal(pa_stats_completeness(s), PA_COMPLETE);
	s->sampled_out = 1;
	assert_int_equal(pa_stats_completeness(s), PA_SAMPLED);
	s->dropped = 1;
	assert_int_equal(pa_stats_completeness(s), PA_LOSSY);
	s->dropped = 0;
	s->lost = 1;
	assert_int_equal(pa_stats_completeness(s), PA_LOSSY);
	assert_string_equal(pa_completeness_name(PA_COMPLETE), "complete");
	assert_string_equal(pa_completeness_name(PA_SAMPLED), "sampled");
	assert_string_equal(pa_completeness_name(PA_LOSSY), "lossy");
	assert_string_equal(pa_completeness_name(PA_COMPLETENESS_MAX), "unknown");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_and_record),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_delta_equals_interval),
		cmocka_unit_test(test_delta_exact_extremes_and_aliasing),
		cmocka_unit_test(test_delta_rejects_non_prefix),
		cmocka_unit_test(test_completeness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
