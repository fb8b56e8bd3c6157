/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-changepoint.c - E-divisive change points and Theil-Sen slopes on
 * seeded synthetic series with known truth: steps found at the right index,
 * spikes and noise not reported, slopes against the brute-force median of all
 * pairwise slopes (computed here with qsort) and Sen's interval coverage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>

#include "changepoint.h"
#include "pa-errno.h"

static _Alignas(8) unsigned char scratch[1 << 22];

static double gauss(struct pa_rng *r)
{
	double u1 = pa_rng_uniform(r), u2 = pa_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* y[i] = level(i) * (1 + noise N(0,1)) */
static void noisy(struct pa_rng *r, double *y, size_t n, double noise)
{
	for (size_t i = 0; i < n; i++)
		y[i] *= 1.0 + noise * gauss(r);
}

static int detect(const double *x, size_t n, const struct pa_cp_params *p, struct pa_change_point *cps,
		  size_t max, struct pa_cp_result *res)
{
	return pa_cp_detect(x, n, p, scratch, sizeof(scratch), cps, max, res);
}

static void test_step_found_at_right_index(void **state)
{
	double y[100];
	struct pa_change_point cps[8];
	struct pa_cp_result res;
	struct pa_rng r;
	int found = 0, extra = 0;

	pa_rng_seed(&r, 1);
	for (int rep = 0; rep < 20; rep++) {
		for (int i = 0; i < 100; i++)
			y[i] = i < 60 ? 1000.0 : 1300.0;
		noisy(&r, y, 100, 0.03);
		assert_true(detect(y, 100, NULL, cps, 8, &res) >= 1);
		assert_false(res.truncated);
		/* the step, at the exact index; each of the two sides is then
		 * tested at alpha, so an extra change point is a rare false alarm */
		for (uint32_t k = 0; k < res.n_cps; k++) {
			if (cps[k].index != 60) {
				extra++;
				continue;
			}
			found++;
			assert_true(cps[k].p_value <= 0.005);
			assert_true(fabs(cps[k].change_pct - 30.0) < 3.0 * (res.n_cps > 1 ? 2 : 1));
		}
	}
	assert_int_equal(found, 20);
	assert_true(extra <= 1); /* expected 20 * 2 * alpha = 0.2 */
}

static void test_two_steps(void **state)
{
	double y[120];
	struct pa_change_point cps[8];
	struct pa_cp_result res;
	struct pa_rng r;

	pa_rng_seed(&r, 2);
	for (int i = 0; i < 120; i++)
		y[i] = i < 40 ? 100.0 : i < 80 ? 150.0 : 90.0;
	noisy(&r, y, 120, 0.05);
	assert_int_equal(detect(y, 120, NULL, cps, 8, &res), 2);
	assert_int_equal(cps[0].index, 40);
	assert_int_equal(cps[1].index, 80);
	assert_true(fabs(cps[0].change_pct - 50) < 6);
	assert_true(fabs(cps[1].change_pct + 40) < 6);
	/* the segments are medians of the final segmentation */
	assert_true(fabs(cps[0].after - cps[1].before) < 1e-12);
	/* room for one only: the caller is told there is more */
	assert_int_equal(detect(y, 120, NULL, cps, 1, &res), 1);
	assert_true(res.truncated);
}

static void test_single_spikes_are_not_change_points(void **state)
{
	double y[80];
	struct pa_change_point cps[8];
	struct pa_cp_result res;
	struct pa_rng r;
	const int where[] = { 0, 1, 4, 5, 39, 40, 74, 75, 79 };

	pa_rng_seed(&r, 3);
	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		for (int i = 0; i < 80; i++)
			y[i] = 500.0;
		noisy(&r, y, 80, 0.05);
		y[where[w]] *= 10; /* one window 10x slower */
		assert_int_equal(detect(y, 80, NULL, cps, 8, &res), 0);
		assert_true(res.tests >= 1);
		/* two adjacent spikes (shorter than min_segment) are not a level either */
		if (where[w] + 1 < 80) {
			y[where[w] + 1] *= 10;
			assert_int_equal(detect(y, 80, NULL, cps, 8, &res), 0);
		}
	}
	/* but a level that persists is. (Binary segmentation sees a short block
	 * in the middle of a long series only through one split, so it needs a
	 * block of a fair share of the series: here 20 of 80.) */
	for (int i = 0; i < 80; i++)
		y[i] = i >= 30 && i < 50 ? 1000.0 : 500.0;
	noisy(&r, y, 80, 0.05);
	assert_int_equal(detect(y, 80, NULL, cps, 8, &res), 2);
	assert_int_equal(cps[0].index, 30);
	assert_int_equal(cps[1].index, 50);
}

static void test_no_change_false_positive_rate(void **state)
{
	double y[60];
	struct pa_change_point cps[8];
	struct pa_cp_result res;
	struct pa_rng r;
	int alarms = 0;

	pa_rng_seed(&r, 4);
	for (int rep = 0; rep < 300; rep++) {
		for (int i = 0; i < 60; i++)
			y[i] = 100.0 * exp(0.2 * gauss(&r)); /* log-normal noise, heavy right tail */
		alarms += detect(y, 60, NULL, cps, 8, &res) > 0;
	}
	printf("no change: %d of 300 series with a change point (alpha 0.005)\n", alarms);
	assert_true(alarms <= 6); /* expected 1.5; 6 is > 3 sd above */
}

static void test_deterministic_and_seeded(void **state)
{
	double y[90];
	struct pa_change_point a[8], b[8];
	struct pa_cp_result ra, rb;
	struct pa_cp_params p;
	struct pa_rng r;

	pa_rng_seed(&r, 5);
	for (int i = 0; i < 90; i++)
		y[i] = i < 45 ? 10.0 : 11.0;
	noisy(&r, y, 90, 0.06);
	pa_cp_params_default(&p);
	assert_true(detect(y, 90, &p, a, 8, &ra) >= 0);
	assert_true(detect(y, 90, &p, b, 8, &rb) >= 0);
	assert_int_equal(ra.n_cps, rb.n_cps);
	for (uint32_t i = 0; i < ra.n_cps; i++) {
		assert_int_equal(a[i].index, b[i].index);
		assert_true(a[i].p_value == b[i].p_value);
	}
	/* raw values and ranks find the same clean step */
	assert_int_equal(ra.n_cps, 1);
	assert_true(abs((int)a[0].index - 45) <= 5); /* a step of 1.7 noise sd: position +- a few */
	p.transform = PA_CP_RAW;
	assert_int_equal(detect(y, 90, &p, a, 8, &ra), 1);
	assert_true(abs((int)a[0].index - 45) <= 5);
	p.transform = PA_CP_RANK;
	assert_int_equal(detect(y, 90, &p, a, 8, &ra), 1);
	assert_true(abs((int)a[0].index - 45) <= 5);
}

static void test_min_change_drops_drift_steps(void **state)
{
	double y[200];
	struct pa_change_point cps[16];
	struct pa_cp_result res;
	struct pa_cp_params p;
	struct pa_rng r;
	int n_all;

	pa_rng_seed(&r, 10);
	/* +20 % drift over the series and one +30 % step at 100, 3 % noise */
	for (int i = 0; i < 200; i++)
		y[i] = 1000.0 * (1 + 0.2 * i / 200) * (i >= 100 ? 1.3 : 1.0);
	noisy(&r, y, 200, 0.03);
	pa_cp_params_default(&p);
	n_all = detect(y, 200, &p, cps, 16, &res);
	printf("drift + step: %d change points without a minimum change\n", n_all);
	assert_true(n_all > 1); /* the drift shows as steps */
	assert_int_equal(res.dropped, 0);
	p.min_change_pct = 15;
	assert_int_equal(detect(y, 200, &p, cps, 16, &res), 1);
	assert_int_equal(res.dropped, (uint32_t)n_all - 1);
	assert_int_equal(cps[0].index, 100);
	/* the merged segments' medians: 1.05 before (i ~ 50), 1.15 * 1.3 after (i ~ 150): +42 % */
	assert_true(cps[0].change_pct > 37 && cps[0].change_pct < 48);
	p.min_change_pct = -1;
	assert_int_equal(detect(y, 200, &p, cps, 16, &res), -PA_EINVAL);
}

/* E-divisive's Q(t) by its definition, O(m^2) */
static double q_brute(const double *z, size_t m, size_t t)
{
	double b = 0, wl = 0, wr = 0, tl = (double)t, tr = (double)(m - t);

	for (size_t i = 0; i < m; i++)
		for (size_t j = i + 1; j < m; j++) {
			double d = fabs(z[i] - z[j]);

			if (j < t)
				wl += d;
			else if (i >= t)
				wr += d;
			else
				b += d;
		}
	return tl * tr / m * (2 * b / (tl * tr) - 2 * wl / (tl * (tl - 1)) - 2 * wr / (tr * (tr - 1)));
}

static void test_energy_matches_definition(void **state)
{
	struct pa_cp_params p;
	struct pa_rng r;
	int checked = 0;

	pa_cp_params_default(&p);
	p.transform = PA_CP_RAW;
	pa_rng_seed(&r, 9);
	for (int rep = 0; rep < 20; rep++) {
		double y[70], best = -1;
		size_t n = 30 + pa_rng_below(&r, 41), at = 0, step = 10 + pa_rng_below(&r, (uint32_t)n - 20);
		struct pa_change_point cps[8];
		struct pa_cp_result res;

		for (size_t i = 0; i < n; i++) /* quantised values: many ties, as histogram buckets give */
			y[i] = (double)(int)(20 * (1 + 0.1 * gauss(&r))) + (i >= step ? 8 : 0);
		for (size_t t = p.min_segment; t + p.min_segment <= n; t++)
			if (q_brute(y, n, t) > best + 1e-9) {
				best = q_brute(y, n, t);
				at = t;
			}
		assert_true(detect(y, n, &p, cps, 8, &res) >= 1);
		if (res.n_cps != 1)
			continue; /* the first split's energy is only reported alone */
		assert_int_equal(cps[0].index, at);
		assert_true(fabs(cps[0].energy - best) <= 1e-9 * best);
		checked++;
	}
	assert_true(checked >= 10);
}

static void test_short_series_and_bad_input(void **state)
{
	double y[9] = { 1, 1, 1, 1, 9, 9, 9, 9, 9 }, bad[3] = { 1, INFINITY, 2 };
	struct pa_change_point cps[2];
	struct pa_cp_result res;
	struct pa_cp_params p;

	/* 9 < 2 * min_segment: nothing can be tested */
	assert_int_equal(detect(y, 9, NULL, cps, 2, &res), 0);
	assert_int_equal(res.tests, 0);
	assert_int_equal(detect(y, 0, NULL, cps, 2, &res), -PA_EINVAL);
	assert_int_equal(detect(bad, 3, NULL, cps, 2, &res), -PA_EINVAL);
	assert_int_equal(pa_cp_detect(y, 9, NULL, scratch, 16, cps, 2, &res), -PA_ENOSPC);
	assert_int_equal(pa_cp_detect(y, 9, NULL, scratch + 1, sizeof(scratch) - 1, cps, 2, &res), -PA_EINVAL);
	pa_cp_params_default(&p);
	p.min_segment = 1;
	assert_int_equal(detect(y, 9, &p, cps, 2, &res), -PA_EINVAL);
	pa_cp_params_default(&p);
	p.permutations = 100; /* p <= 0.005 unreachable with 100 */
	assert_int_equal(detect(y, 9, &p, cps, 2, &res), -PA_EINVAL);
	assert_int_equal(detect(y, 9, NULL, NULL, 2, &res), -PA_EINVAL);
	/* min_segment 4 and 9 points: the step at 4 is found (p = 1/126 by enumeration at most) */
	pa_cp_params_default(&p);
	p.min_segment = 4;
	p.alpha = 0.05;
	assert_int_equal(detect(y, 9, &p, cps, 2, &res), 1);
	assert_int_equal(cps[0].index, 4);
	assert_true(fabs(cps[0].change_pct - 800) < 1e-9);
}

/* Precision and recall over seeded series with known change points (a change
 * counts as found within 5 points), against the seed's naive rule "the mean of
 * the next 5 points exceeds the mean of the previous 5 by more than 20 %". */
static void test_precision_recall_against_naive_rule(void **state)
{
	struct pa_rng r;
	int tp = 0, fp = 0, fn = 0, ntp = 0, nfp = 0, nfn = 0;

	pa_rng_seed(&r, 6);
	for (int rep = 0; rep < 60; rep++) {
		double y[150], level = 1000;
		int truth[3], nt = 0, model = rep % 3;
		struct pa_change_point cps[16];
		struct pa_cp_result res;
		int n;

		for (int i = 0; i < 150; i++) {
			if (i == 50 || i == 100) {
				level *= (rep + i) % 2 ? 1.4 : 0.7;
				truth[nt++] = i;
			}
			y[i] = level;
			if (model == 0) /* normal noise 8 % */
				y[i] *= 1 + 0.08 * gauss(&r);
			else if (model == 1) /* log-normal 10 % */
				y[i] *= exp(0.1 * gauss(&r));
			else /* 5 % noise and a 5x spike every ~20 points */
				y[i] *= (1 + 0.05 * gauss(&r)) * (pa_rng_below(&r, 20) == 0 ? 5 : 1);
		}
		n = detect(y, 150, NULL, cps, 16, &res);
		assert_true(n >= 0);
		for (int t = 0; t < nt; t++) {
			bool hit = false;

			for (int c = 0; c < n; c++)
				hit |= abs((int)cps[c].index - truth[t]) <= 5;
			tp += hit;
			fn += !hit;
		}
		for (int c = 0; c < n; c++) {
			bool real = false;

			for (int t = 0; t < nt; t++)
				real |= abs((int)cps[c].index - truth[t]) <= 5;
			fp += !real;
		}
		/* naive rule, one alarm per run of consecutive triggers */
		{
			int last = -100, alarms[150], na = 0;

			for (int i = 5; i + 5 <= 150; i++) {
				double before = 0, after = 0;

				for (int k = 0; k < 5; k++)
					before += y[i - 5 + k], after += y[i + k];
				if (fabs(after / before - 1) > 0.2) {
					if (i - last > 1)
						alarms[na++] = i;
					last = i;
				}
			}
			for (int t = 0; t < nt; t++) {
				bool hit = false;

				for (int c = 0; c < na; c++)
					hit |= abs(alarms[c] - truth[t]) <= 5;
				ntp += hit;
				nfn += !hit;
			}
			for (int c = 0; c < na; c++) {
				bool real = false;

				for (int t = 0; t < nt; t++)
					real |= abs(alarms[c] - truth[t]) <= 5;
				nfp += !real;
			}
		}
	}
	{
		double prec = tp / (double)(tp + fp), rec = tp / (double)(tp + fn);
		double nprec = ntp / (double)(ntp + nfp), nrec = ntp / (double)(ntp + nfn);
		double f1 = 2 * prec * rec / (prec + rec), nf1 = 2 * nprec * nrec / (nprec + nrec);

		printf("E-divisive: precision %.3f recall %.3f F1 %.3f; naive 20%% rule: precision %.3f recall %.3f "
		       "F1 %.3f\n",
		       prec, rec, f1, nprec, nrec, nf1);
		assert_true(prec >= 0.9 && rec >= 0.9);
		assert_true(f1 > nf1);
	}
}

/* ---- Theil-Sen ---- */

static void test_theil_sen_matches_brute_force(void **state)
{
	static double slopes[200 * 199 / 2];
	double x[200], y[200];
	struct pa_theil_sen ts;
	struct pa_rng r;

	pa_rng_seed(&r, 7);
	for (int rep = 0; rep < 20; rep++) {
		size_t n = 2 + pa_rng_below(&r, 199), np = 0;
		bool given_x = rep % 2;
		double med;

		for (size_t i = 0; i < n; i++) {
			/* irregular timestamps with some ties when given */
			x[i] = given_x ? (double)(i / 2 * 3 + pa_rng_below(&r, 2)) : (double)i;
			y[i] = 50 + 0.7 * x[i] + 5 * gauss(&r);
		}
		assert_int_equal(pa_theil_sen(given_x ? x : NULL, y, n, 0.05, scratch, sizeof(scratch), &ts), 0);
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (x[j] != x[i])
					slopes[np++] = (y[j] - y[i]) / (x[j] - x[i]);
		if (np == 0)
			continue;
		qsort(slopes, np, sizeof(*slopes), cmp_double);
		med = np % 2 ? slopes[np / 2] : 0.5 * (slopes[np / 2 - 1] + slopes[np / 2]);
		assert_int_equal(ts.pairs, np);
		assert_true(ts.slope == med);
		if (ts.ci_valid)
			assert_true(ts.slope_lo <= ts.slope && ts.slope <= ts.slope_hi);
	}
}

static void test_theil_sen_noisy_line_and_outliers(void **state)
{
	double y[200];
	struct pa_theil_sen ts;
	struct pa_rng r;
	int covered = 0;

	pa_rng_seed(&r, 8);
	/* 1000 + 2 per window, noise sd 20, and 10 % of the points 5x */
	for (int i = 0; i < 200; i++)
		y[i] = (1000 + 2.0 * i + 20 * gauss(&r)) * (i % 10 == 3 ? 5 : 1);
	assert_int_equal(pa_theil_sen(NULL, y, 200, 0.05, scratch, sizeof(scratch), &ts), 0);
	printf("Theil-Sen slope %.3f [%.3f, %.3f], %.3f %% per window\n", ts.slope, ts.slope_lo, ts.slope_hi,
	       ts.slope_pct);
	assert_true(fabs(ts.slope - 2.0) < 0.3);
	assert_true(ts.ci_valid && ts.slope_lo < 2.0 && ts.slope_hi > 2.0);
	assert_true(fabs(ts.intercept - 1000) < 30);
	assert_true(fabs(ts.slope_pct - 2.0 / 1200 * 100) < 0.05);
	/* coverage of the 95 % interval over 500 clean noisy lines */
	for (int rep = 0; rep < 500; rep++) {
		for (int i = 0; i < 30; i++)
			y[i] = 100 + 0.5 * i + 3 * gauss(&r);
		assert_int_equal(pa_theil_sen(NULL, y, 30, 0.05, scratch, sizeof(scratch), &ts), 0);
		covered += ts.ci_valid && ts.slope_lo <= 0.5 && 0.5 <= ts.slope_hi;
	}
	printf("Sen interval coverage: %.3f (95 %% nominal)\n", covered / 500.0);
	assert_true(covered >= 460 && covered <= 495);
	/* flat series: slope 0 */
	for (int i = 0; i < 50; i++)
		y[i] = 7;
	assert_int_equal(pa_theil_sen(NULL, y, 50, 0.05, scratch, sizeof(scratch), &ts), 0);
	assert_true(ts.slope == 0 && ts.slope_lo == 0 && ts.slope_hi == 0);
}

static void test_theil_sen_bad_input(void **state)
{
	double x[3] = { 1, 1, 1 }, y[3] = { 1, 2, 3 };
	struct pa_theil_sen ts;

	assert_int_equal(pa_theil_sen(NULL, y, 1, 0.05, scratch, sizeof(scratch), &ts), -PA_EINVAL);
	assert_int_equal(pa_theil_sen(x, y, 3, 0.05, scratch, sizeof(scratch), &ts), -PA_EINVAL); /* all x equal */
	assert_int_equal(pa_theil_sen(NULL, y, 3, 1.5, scratch, sizeof(scratch), &ts), -PA_EINVAL);
	assert_int_equal(pa_theil_sen(NULL, y, 3, 0.05, scratch, 16, &ts), -PA_ENOSPC);
	assert_int_equal(pa_theil_sen_scratch_bytes(1000), 8 * 499500);
	/* 3 points: a slope, but no 95 % interval */
	assert_int_equal(pa_theil_sen(NULL, y, 3, 0.05, scratch, sizeof(scratch), &ts), 0);
	assert_true(ts.slope == 1.0 && !ts.ci_valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_found_at_right_index),
		cmocka_unit_test(test_two_steps),
		cmocka_unit_test(test_single_spikes_are_not_change_points),
		cmocka_unit_test(test_no_change_false_positive_rate),
		cmocka_unit_test(test_deterministic_and_seeded),
		cmocka_unit_test(test_energy_matches_definition),
		cmocka_unit_test(test_min_change_drops_drift_steps),
		cmocka_unit_test(test_short_series_and_bad_input),
		cmocka_unit_test(test_precision_recall_against_naive_rule),
		cmocka_unit_test(test_theil_sen_matches_brute_force),
		cmocka_unit_test(test_theil_sen_noisy_line_and_outliers),
		cmocka_unit_test(test_theil_sen_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
