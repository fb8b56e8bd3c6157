/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-window.c - the window ring, period summaries and threshold checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"
#include "pa-errno.h"

#define SEC 1000000000ull
#define US 1000ull

static struct pa_window *window_new(uint64_t start, uint64_t end)
{
	struct pa_window *w = malloc(sizeof(*w));

	assert_non_null(w);
	w->start_ns = start;
	w->end_ns = end;
	pa_stats_reset(&w->stats);
	return w;
}

/* Window i covers [i s, i+1 s) and holds i+1 events of (i+1) * 1000 ns. */
static struct pa_window *window_i(uint64_t i)
{
	struct pa_window *w = window_new(i * SEC, (i + 1) * SEC);

	for (uint64_t k = 0; k <= i; k++)
		pa_stats_record(&w->stats, i * SEC + k, (i + 1) * 1000, false);
	return w;
}

static void test_ring_order_and_eviction(void **state)
{
	struct pa_window slots[4];
	struct pa_window_ring r;
	struct pa_window *w;

	assert_int_equal(pa_window_ring_init(&r, slots, 0), -PA_EINVAL);
	assert_int_equal(pa_window_ring_init(&r, slots, 4), 0);
	assert_null(pa_window_ring_get(&r, 0));
	for (uint64_t i = 0; i < 6; i++) {
		w = window_i(i);
		assert_int_equal(pa_window_ring_push(&r, w), 0);
		assert_int_equal(r.count, i < 4 ? i + 1 : 4);
		free(w);
	}
	for (uint32_t i = 0; i < 4; i++) {
		const struct pa_window *g = pa_window_ring_get(&r, i);

		assert_non_null(g);
		assert_int_equal(g->start_ns, (5 - i) * SEC);
		assert_int_equal(g->stats.hist.count, 6 - i);
	}
	assert_null(pa_window_ring_get(&r, 4));
	/* out of order, overlapping, empty: refused, ring unchanged */
	w = window_new(5 * SEC, 7 * SEC);
	assert_int_equal(pa_window_ring_push(&r, w), -PA_EINVAL);
	w->start_ns = 7 * SEC;
	assert_int_equal(pa_window_ring_push(&r, w), -PA_EINVAL);
	w->end_ns = 8 * SEC;
	assert_int_equal(r.count, 4);
	assert_int_equal(pa_window_ring_get(&r, 0)->start_ns, 5 * SEC);
	/* a gap between windows is fine (the daemon was stopped) */
	assert_int_equal(pa_window_ring_push(&r, w), 0);
	assert_int_equal(pa_window_ring_get(&r, 0)->start_ns, 7 * SEC);
	assert_int_equal(pa_window_ring_get(&r, 3)->start_ns, 3 * SEC);
	free(w);
}

static void test_summarise(void **state)
{
	struct pa_window slots[8];
	struct pa_window_ring r;
	struct pa_window *ret = window_new(1, 2), *expect = window_new(0, 0);

	assert_int_equal(pa_window_ring_init(&r, slots, 8), 0);
	for (uint64_t i = 0; i < 10; i++) { /* windows 2..9 remain */
		struct pa_window *w = window_i(i);

		assert_int_equal(pa_window_ring_push(&r, w), 0);
		if (i >= 3 && i < 6)
			pa_stats_merge(&expect->stats, &w->stats);
		free(w);
	}
	/* [3 s, 6 s): windows 3, 4, 5 */
	assert_int_equal(pa_window_ring_summarise(&r, 3 * SEC, 6 * SEC, ret), 3);
	assert_int_equal(ret->start_ns, 3 * SEC);
	assert_int_equal(ret->end_ns, 6 * SEC);
	assert_memory_equal(&ret->stats, &expect->stats, sizeof(ret->stats));
	assert_int_equal(ret->stats.hist.count, 4 + 5 + 6);
	assert_int_equal(ret->stats.hist.min, 4000);
	assert_int_equal(ret->stats.hist.max, 6000);
	/* only windows entirely inside count: [3.5 s, 6.5 s) holds 4 and 5 */
	assert_int_equal(pa_window_ring_summarise(&r, 3 * SEC + SEC / 2, 6 * SEC + SEC / 2, ret), 2);
	assert_int_equal(ret->start_ns, 4 * SEC);
	assert_int_equal(ret->stats.hist.count, 5 + 6);
	/* everything held: windows 2..9 (0 and 1 were evicted) */
	assert_int_equal(pa_window_ring_summarise(&r, 0, UINT64_MAX, ret), 8);
	assert_int_equal(ret->start_ns, 2 * SEC);
	assert_int_equal(ret->end_ns, 10 * SEC);
	assert_int_equal(ret->stats.hist.count, 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10);
	assert_int_equal(ret->stats.last_timestamp_ns, 9 * SEC + 9);
	/* nothing inside: empty, 0/0 */
	assert_int_equal(pa_window_ring_summarise(&r, 20 * SEC, 30 * SEC, ret), 0);
	assert_int_equal(ret->start_ns, 0);
	assert_int_equal(ret->end_ns, 0);
	assert_int_equal(ret->stats.hist.count, 0);
	free(ret);
	free(expect);
}

static void test_threshold_latency(void **state)
{
	struct pa_thresholds t = PA_THRESHOLD_DEFAULTS;
	struct pa_window *w = window_new(0, SEC);

	t.throughput_ops = 0;
	t.error_rate_ppm = 0;
	/* no events: nothing to judge */
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	/* 1000 fast + 5 slow: p99 (rank 995) is fast */
	pa_hist_record_n(&w->stats.hist, 500 * US, 1000);
	pa_hist_record_n(&w->stats.hist, 2000 * US, 5);
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	/* 20 slow: p99 (rank 1010 of 1020) is slow */
	pa_hist_record_n(&w->stats.hist, 2000 * US, 15);
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_LATENCY);
	/* on the median, the same window is fine; q 0 means p99 */
	t.latency_q_ppm = 500000;
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	t.latency_q_ppm = 0;
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_LATENCY);
	/* disabled */
	t.latency_ns = 0;
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	free(w);
}

static void test_threshold_throughput(void **state)
{
	struct pa_thresholds t = { .throughput_ops = 1000, .throughput_below = true };
	struct pa_window *w = window_new(10 * SEC, 11 * SEC);

	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_THROUGHPUT); /* 0/s is below */
	pa_hist_record_n(&w->stats.hist, 100, 999);
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_THROUGHPUT);
	pa_hist_record(&w->stats.hist, 100); /* exactly 1000/s: not below */
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	t.throughput_below = false;
	assert_int_equal(pa_thresholds_check(&t, w), 0); /* nor above */
	/* 2001 events in 2 s: 1000.5/s, above */
	w->end_ns = 12 * SEC;
	pa_hist_record_n(&w->stats.hist, 100, 1001);
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_THROUGHPUT);
	/* huge counts: count * 1e9 overflows 64 bits; 1.1e13 events in 1000 s = 1.1e10/s */
	pa_stats_reset(&w->stats);
	w->start_ns = 0;
	w->end_ns = 1000 * SEC;
	pa_hist_record_n(&w->stats.hist, 1, 11000000000000ull);
	t.throughput_ops = 10000000000ull;
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_THROUGHPUT);
	t.throughput_below = true;
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	t.throughput_ops = 12000000000ull;
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_THROUGHPUT);
	free(w);
}

static void test_threshold_error_rate_and_defaults(void **state)
{
	struct pa_thresholds t = PA_THRESHOLD_DEFAULTS;
	struct pa_window *w = window_new(0, SEC);

	/* the seed's defaults */
	assert_int_equal(t.latency_ns, 1000 * US);
	assert_int_equal(t.throughput_ops, 1000);
	assert_int_equal(t.error_rate_ppm, 50000);
	for (int i = 0; i < 1000; i++)
		pa_stats_record(&w->stats, i, 10 * US, i < 50);
	/* exactly 5 %: not above */
	assert_int_equal(pa_thresholds_check(&t, w), 0);
	pa_stats_record(&w->stats, 1000, 10 * US, true);
	/* 51 of 1001 > 5 %; and 1001 events/s > 1000 (above, the default direction) */
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_ERROR_RATE | PA_THRESHOLD_THROUGHPUT);
	pa_stats_record(&w->stats, 1001, 5000 * US, false);
	pa_hist_record_n(&w->stats.hist, 5000 * US, 20);
	/* 21 slow of 1022: p99 (rank 1012) is slow; 51 errors of 1022 is below 5 % again */
	assert_int_equal(pa_thresholds_check(&t, w), PA_THRESHOLD_THROUGHPUT | PA_THRESHOLD_LATENCY);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_order_and_eviction),
		cmocka_unit_test(test_summarise),
		cmocka_unit_test(test_threshold_latency),
		cmocka_unit_test(test_threshold_throughput),
		cmocka_unit_test(test_threshold_error_rate_and_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
