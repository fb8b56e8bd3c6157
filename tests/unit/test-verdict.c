/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-verdict.c - daemon/verdict.c: the per-event verdict over per-window
 * medians and p99s, Holm across events, and the words and "more windows"
 * numbers that explain it. Seeded synthetic windows (log-normal noise).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "verdict.h"

#define K 4   /* events checked together */
#define N 30  /* windows a side */

static double gauss(struct pa_rng *r)
{
	double u = pa_rng_uniform(r), v = pa_rng_uniform(r);

	return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* Windows of level `level` ns with 10 % window-to-window noise; p99 = 3 x p50 with its own noise. */
static void windows(struct pa_rng *r, double level, double *p50, double *p99, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p50[i] = level * exp(0.10 * gauss(r));
		p99[i] = 3 * level * exp(0.15 * gauss(r));
	}
}

static double a50[K][N], a99[K][N], b50[K][N], b99[K][N];

static void family(struct pa_rng *r, const double *factor, size_t nb, struct pa_event_verdict *ret)
{
	struct pa_event_evidence ev[K];
	static const char *const names[K] = { "e0", "e1", "e2", "e3" };

	for (int k = 0; k < K; k++) {
		windows(r, 1000.0 * (k + 1), a50[k], a99[k], N);
		windows(r, 1000.0 * (k + 1) * factor[k], b50[k], b99[k], nb);
		ev[k] = (struct pa_event_evidence){ .name = names[k], .a = { a50[k], a99[k] }, .b = { b50[k], b99[k] },
						    .na = N, .nb = nb };
	}
	assert_true(pa_verdict_family(ev, K, NULL, ret) >= 0);
}

static void test_aa_never_regression(void **state)
{
	static const double same[K] = { 1, 1, 1, 1 };
	struct pa_event_verdict v[K];
	struct pa_rng r;
	int reg = 0, ok = 0;

	pa_rng_seed(&r, 1);
	for (int i = 0; i < 300; i++) {
		family(&r, same, N, v);
		for (int k = 0; k < K; k++) {
			reg += v[k].verdict == PA_VERDICT_REGRESSION;
			ok += v[k].verdict == PA_VERDICT_OK;
			assert_true(v[k].m_valid[0] && v[k].m_valid[1]);
			assert_true(fabs(v[k].m[0].p_adjusted - v[k].m[0].mw.p) >= 0); /* filled */
		}
	}
	assert_int_equal(reg, 0);
	assert_true(ok > 300 * K * 9 / 10); /* 30 + 30 windows at 10 % noise rule out +20 % almost always */
}

static void test_one_event_slower(void **state)
{
	static const double slow[K] = { 1, 1.4, 1, 1 };
	struct pa_event_verdict v[K];
	struct pa_rng r;
	int hit = 0, other = 0;

	pa_rng_seed(&r, 2);
	for (int i = 0; i < 100; i++) {
		family(&r, slow, N, v);
		hit += v[1].verdict == PA_VERDICT_REGRESSION;
		other += (v[0].verdict == PA_VERDICT_REGRESSION) + (v[2].verdict == PA_VERDICT_REGRESSION) +
			 (v[3].verdict == PA_VERDICT_REGRESSION);
		if (v[1].verdict == PA_VERDICT_REGRESSION)
			assert_non_null(strstr(v[1].reason, "slower by more than 20 %"));
	}
	assert_true(hit >= 95);
	assert_int_equal(other, 0);
}

static void test_too_few_windows_inconclusive_with_count(void **state)
{
	static const double slow[K] = { 2, 2, 2, 2 };
	struct pa_event_verdict v[K];
	struct pa_rng r;

	pa_rng_seed(&r, 3);
	family(&r, slow, 3, v); /* 3 current windows: min_n is 5 */
	for (int k = 0; k < K; k++) {
		assert_int_equal(v[k].verdict, PA_VERDICT_INCONCLUSIVE);
		assert_int_equal(v[k].more_current, 2);
		assert_non_null(strstr(v[k].reason, "too few windows"));
		assert_non_null(strstr(v[k].reason, "about 2 more windows would do"));
	}
}

static void test_no_data_side(void **state)
{
	static const double a[3] = { 1000, 1100, 900 };
	struct pa_event_evidence ev = { .name = "x", .a = { a, a }, .b = { NULL, NULL }, .na = 3, .nb = 0 };
	struct pa_event_verdict v;

	assert_int_equal(pa_verdict_family(&ev, 1, NULL, &v), 0);
	assert_int_equal(v.verdict, PA_VERDICT_INCONCLUSIVE);
	assert_false(v.m_valid[0]);
	assert_int_equal(v.more_current, PA_REGRESS_MORE_UNKNOWN); /* the baseline itself is too short */
	assert_non_null(strstr(v.reason, "store a longer baseline"));
}

static void test_bad_value_rejected(void **state)
{
	double a[5] = { 1, 2, 3, 4, 5 }, b[5] = { 1, 2, 0, 4, 5 };
	struct pa_event_evidence ev = { .name = "x", .a = { a, a }, .b = { b, b }, .na = 5, .nb = 5 };
	struct pa_event_verdict v;

	assert_true(pa_verdict_family(&ev, 1, NULL, &v) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aa_never_regression),
		cmocka_unit_test(test_one_event_slower),
		cmocka_unit_test(test_too_few_windows_inconclusive_with_count),
		cmocka_unit_test(test_no_data_side),
		cmocka_unit_test(test_bad_value_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
