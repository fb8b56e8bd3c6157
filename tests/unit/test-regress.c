/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-regress.c - the regression maths against independent ground truth:
 * libm for exp/log/Phi, brute-force enumeration of every arrangement for the
 * exact Mann-Whitney distribution, all pairwise ratios for Hodges-Lehmann,
 * hand-computed Holm, and seeded simulations for coverage, false alarms and
 * power (deterministic: same seed, same numbers on every run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>

#include "pa-errno.h"
#include "regress.h"

static _Alignas(8) unsigned char scratch[1 << 22];

/* ---- independent helpers (libm is allowed here) ---- */

static double gauss(struct pa_rng *r)
{
	/* Box-Muller with libm */
	double u1 = pa_rng_uniform(r), u2 = pa_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* n log-normal values around `level`: level * exp(sd * N(0,1)) */
static void lognormal(struct pa_rng *r, double *v, size_t n, double level, double sd)
{
	for (size_t i = 0; i < n; i++)
		v[i] = level * exp(sd * gauss(r));
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* U of `b` against `a` by definition: pairs with b above a, ties half. */
static double u_brute(const double *a, size_t na, const double *b, size_t nb)
{
	double u = 0;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			u += b[j] > a[i] ? 1.0 : b[j] == a[i] ? 0.5 : 0.0;
	return u;
}

/* P(U >= observed) by enumerating all C(N, nb) ways to label the pooled values. */
static double p_brute(const double *a, size_t na, const double *b, size_t nb)
{
	double pool[32], xa[32], xb[32], uobs = u_brute(a, na, b, nb);
	size_t n = na + nb;
	unsigned long hits = 0, total = 0;

	for (size_t i = 0; i < na; i++)
		pool[i] = a[i];
	for (size_t j = 0; j < nb; j++)
		pool[na + j] = b[j];
	for (unsigned long mask = 0; mask < (1ul << n); mask++) {
		size_t ka = 0, kb = 0;

		if ((size_t)__builtin_popcountl(mask) != nb)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (mask & (1ul << i))
				xb[kb++] = pool[i];
			else
				xa[ka++] = pool[i];
		}
		total++;
		hits += u_brute(xa, na, xb, nb) >= uobs - 1e-9;
	}
	return (double)hits / (double)total;
}

/* ---- numerical toolbox ---- */

static void test_exp_log_against_libm(void **state)
{
	double worst_exp = 0, worst_log = 0;

	for (int i = 0; i <= 200000; i++) {
		double x = -740.0 + 1449.0 * i / 200000.0 + 1e-7 * (i % 7), want = exp(x), got = pa_exp(x);

		if (want > 1e-300 && fabs(got - want) / want > worst_exp)
			worst_exp = fabs(got - want) / want;
	}
	for (int i = 0; i <= 200000; i++) {
		double x = exp(-700.0 + 1400.0 * i / 200000.0) * (1 + 1e-9 * (i % 13));
		double want = log(x), got = pa_ln(x);

		if (want != 0 && fabs(got - want) / fabs(want) > worst_log)
			worst_log = fabs(got - want) / fabs(want);
	}
	assert_true(worst_exp < 4e-16);
	assert_true(worst_log < 4e-16);
	assert_true(pa_exp(0) == 1.0);
	assert_true(pa_ln(1) == 0.0);
	assert_true(isinf(pa_exp(710)) && pa_exp(-746) == 0.0);
	assert_true(isinf(pa_ln(0)) && pa_ln(0) < 0 && isnan(pa_ln(-1)));
	assert_true(fabs(pa_ln(4.9406564584124654e-324) - log(4.9406564584124654e-324)) < 1e-12); /* subnormal */
	assert_true(fabs(pa_exp(-744) - exp(-744)) <= 5e-324);
}

static void test_normal_cdf_and_quantile(void **state)
{
	double worst = 0, worst_q = 0;

	for (int i = 0; i <= 100000; i++) {
		double z = -37.0 + 45.0 * i / 100000.0, want = 0.5 * erfc(-z / sqrt(2.0)), got = pa_norm_cdf(z);

		if (want > 1e-300 && fabs(got - want) / want > worst)
			worst = fabs(got - want) / want;
	}
	assert_true(worst < 1e-12);
	/* quantile: invert with libm's erfc and compare in z */
	for (int i = 1; i < 20000; i++) {
		double p = pow(10.0, -300.0 * i / 20000.0), q = pa_norm_quantile(p);
		double back = 0.5 * erfc(-q / sqrt(2.0));
		/* error in z = error in p / density; density/p ~ |q| in the tail */
		double dz = fabs(back - p) / (exp(-0.5 * q * q) / sqrt(2 * M_PI));

		if (dz > worst_q)
			worst_q = dz;
	}
	assert_true(worst_q < 1e-12);
	/* textbook quantiles */
	assert_true(fabs(pa_norm_quantile(0.975) - 1.959963984540054) < 1e-13);
	assert_true(fabs(pa_norm_quantile(0.95) - 1.6448536269514722) < 1e-13);
	assert_true(fabs(pa_norm_quantile(0.5)) < 1e-15);
	assert_true(fabs(pa_norm_quantile(1e-10) + 6.361340902404056) < 1e-11);
	assert_true(fabs(pa_norm_cdf(1.0) - 0.8413447460685429) < 1e-15);
}

static void test_sort_and_select(void **state)
{
	static double v[5001], w[5001], x[5001];
	struct pa_rng r;

	pa_rng_seed(&r, 42);
	for (size_t n = 1; n <= 5001; n += 500) {
		for (size_t i = 0; i < n; i++)
			v[i] = w[i] = (double)pa_rng_below(&r, 100); /* many ties */
		pa_sort_doubles(v, n);
		qsort(w, n, sizeof(*w), cmp_double);
		for (size_t i = 0; i < n; i++)
			assert_true(v[i] == w[i]);
		for (size_t k = 0; k < n; k += n / 7 + 1) {
			for (size_t i = 0; i < n; i++)
				x[i] = w[(i * 7919) % n];
			assert_true(pa_select_double(x, n, k) == w[k]);
			for (size_t i = 0; i < k; i++)
				assert_true(x[i] <= x[k]);
			for (size_t i = k + 1; i < n; i++)
				assert_true(x[i] >= x[k]);
		}
	}
	/* sorted and reverse-sorted inputs (the quickselect worst cases) */
	for (size_t i = 0; i < 5001; i++)
		x[i] = (double)(5000 - i);
	assert_true(pa_select_double(x, 5001, 2500) == 2500.0);
}

static void test_rng_deterministic_and_uniform(void **state)
{
	struct pa_rng r1, r2;
	unsigned counts[10] = { 0 };

	pa_rng_seed(&r1, 7);
	pa_rng_seed(&r2, 7);
	for (int i = 0; i < 1000; i++)
		assert_true(pa_rng_next(&r1) == pa_rng_next(&r2));
	for (int i = 0; i < 100000; i++) {
		uint32_t x = pa_rng_below(&r1, 10);

		assert_true(x < 10);
		counts[x]++;
	}
	for (int i = 0; i < 10; i++) /* 10000 expected, sd ~95 */
		assert_true(counts[i] > 9500 && counts[i] < 10500);
}

/* ---- Mann-Whitney ---- */

static void test_mw_exact_matches_enumeration(void **state)
{
	struct pa_rng r;
	int cases = 0;

	pa_rng_seed(&r, 1);
	for (size_t na = 1; na <= 8; na++) {
		for (size_t nb = 1; nb <= 8 && na + nb <= 15; nb++) {
			for (int rep = 0; rep < 4; rep++) {
				double a[16], b[16];
				struct pa_mw_result res;
				/* rep 0-1: continuous; 2-3: values from a small set (ties) */
				unsigned levels = rep < 2 ? 0 : 3 + rep;

				for (size_t i = 0; i < na; i++)
					a[i] = levels ? pa_rng_below(&r, levels) : pa_rng_uniform(&r);
				for (size_t j = 0; j < nb; j++)
					b[j] = levels ? pa_rng_below(&r, levels) + (rep == 3) : pa_rng_uniform(&r) + 0.2;
				assert_int_equal(pa_mw_test(a, na, b, nb, PA_MW_EXACT, scratch, sizeof(scratch), &res), 0);
				assert_int_equal(res.method, PA_MW_EXACT);
				assert_true(fabs(res.u - u_brute(a, na, b, nb)) < 1e-12);
				assert_true(fabs(res.p - p_brute(a, na, b, nb)) < 1e-12);
				cases++;
			}
		}
	}
	assert_true(cases > 200);
}

static void test_mw_null_cdf_textbook(void **state)
{
	double p;

	/* Mann & Whitney (1947) table: m = n = 4: P(U <= 0) = 1/70, P(U <= 2) = 4/70 */
	assert_int_equal(pa_mw_null_cdf(4, 4, 0, scratch, sizeof(scratch), &p), 0);
	assert_true(fabs(p - 1.0 / 70) < 1e-15);
	assert_int_equal(pa_mw_null_cdf(4, 4, 2, scratch, sizeof(scratch), &p), 0);
	assert_true(fabs(p - 4.0 / 70) < 1e-15);
	/* m = n = 5: P(U <= 4) = 12/252; m = 3, n = 5, P(U <= 7) = 0.5 (symmetric, mn = 15) */
	assert_int_equal(pa_mw_null_cdf(5, 5, 4, scratch, sizeof(scratch), &p), 0);
	assert_true(fabs(p - 12.0 / 252) < 1e-15);
	assert_int_equal(pa_mw_null_cdf(3, 5, 7, scratch, sizeof(scratch), &p), 0);
	assert_true(fabs(p - 0.5) < 1e-15);
	/* the largest exact case: 25 + 25, total C(50,25); mn = 625 is odd and the
	 * distribution symmetric about 312.5, so P(U <= 312) = 1/2 exactly */
	assert_int_equal(pa_mw_null_cdf(25, 25, 312, scratch, sizeof(scratch), &p), 0);
	assert_true(p == 0.5);
	assert_int_equal(pa_mw_null_cdf(25, 25, 624, scratch, sizeof(scratch), &p), 0);
	assert_true(fabs(p - (1.0 - 1.0 / 126410606437752.0)) < 1e-16); /* all but U = 625 */
	assert_int_equal(pa_mw_null_cdf(4, 4, 0, scratch, 8 * 16, &p), -PA_ENOSPC);
	assert_int_equal(pa_mw_null_cdf(26, 25, 0, scratch, sizeof(scratch), &p), -PA_EINVAL);
}

static void test_mw_textbook_permeability(void **state)
{
	/* Hollander & Wolfe (1973), p. 69: permeability constants of the human
	 * chorioamnion at term (x) and 12-26 weeks (y); H1: x greater.
	 * W = 35, exact one-sided p = 0.1272 (also R's wilcox.test example). */
	const double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
	const double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	struct pa_mw_result res;

	assert_int_equal(pa_mw_test(y, 5, x, 10, PA_MW_AUTO, scratch, sizeof(scratch), &res), 0);
	assert_int_equal(res.method, PA_MW_EXACT);
	assert_true(res.u == 35.0);
	assert_true(fabs(res.p - 0.1272) < 0.00005);
	assert_true(fabs(res.p - p_brute(y, 5, x, 10)) < 1e-12);
}

static void test_mw_normal_close_to_exact(void **state)
{
	struct pa_rng r;
	double worst = 0, worst_rel = 0;

	pa_rng_seed(&r, 2);
	for (int rep = 0; rep < 300; rep++) {
		double a[25], b[25];
		struct pa_mw_result ex, no;
		double shift = 0.1 * (rep % 10);

		for (int i = 0; i < 25; i++) {
			a[i] = gauss(&r);
			b[i] = gauss(&r) + shift;
		}
		assert_int_equal(pa_mw_test(a, 25, b, 25, PA_MW_EXACT, scratch, sizeof(scratch), &ex), 0);
		assert_int_equal(pa_mw_test(a, 25, b, 25, PA_MW_NORMAL, scratch, sizeof(scratch), &no), 0);
		assert_int_equal(no.method, PA_MW_NORMAL);
		assert_true(ex.u == no.u);
		if (fabs(ex.p - no.p) > worst)
			worst = fabs(ex.p - no.p);
		/* relative agreement in the tail where decisions are made */
		if (ex.p > 1e-2 && ex.p < 0.1 && fabs(no.p / ex.p - 1) > worst_rel)
			worst_rel = fabs(no.p / ex.p - 1);
	}
	printf("normal vs exact, 25+25: max |dp| %.2g, max relative in [0.01, 0.1] %.2g\n", worst, worst_rel);
	assert_true(worst < 0.005);
	assert_true(worst_rel < 0.1);
	/* with ties: 20 + 20 values on 6 levels (the lattice of U is irregular
	 * there, so the continuity correction is rougher) */
	worst = 0;
	for (int rep = 0; rep < 100; rep++) {
		double a[20], b[20];
		struct pa_mw_result ex, no;

		for (int i = 0; i < 20; i++) {
			a[i] = pa_rng_below(&r, 6);
			b[i] = pa_rng_below(&r, 6) + (rep % 3 == 0);
		}
		assert_int_equal(pa_mw_test(a, 20, b, 20, PA_MW_EXACT, scratch, sizeof(scratch), &ex), 0);
		assert_int_equal(pa_mw_test(a, 20, b, 20, PA_MW_NORMAL, scratch, sizeof(scratch), &no), 0);
		assert_true(ex.tie_groups > 0);
		if (fabs(ex.p - no.p) > worst)
			worst = fabs(ex.p - no.p);
	}
	printf("normal vs exact, 20+20 on 6 levels: max |dp| %.2g\n", worst);
	assert_true(worst < 0.02);
}

/* The exact p with ties at a size enumeration cannot reach (C(40,20) = 1.4e11
 * arrangements), against a Monte Carlo permutation test: 200000 random
 * relabellings give p within 4 standard errors. */
static void test_mw_exact_ties_against_monte_carlo(void **state)
{
	struct pa_rng r;

	pa_rng_seed(&r, 5);
	for (int rep = 0; rep < 3; rep++) {
		double a[20], b[20], pool[40], xa[20], xb[20], uobs;
		struct pa_mw_result ex;
		long hits = 0, sims = 200000;

		for (int i = 0; i < 20; i++) {
			a[i] = pa_rng_below(&r, 5);
			b[i] = pa_rng_below(&r, 5) + (rep == 0 ? 0.0 : 0.5 * (i % 2));
		}
		assert_int_equal(pa_mw_test(a, 20, b, 20, PA_MW_EXACT, scratch, sizeof(scratch), &ex), 0);
		uobs = u_brute(a, 20, b, 20);
		for (int i = 0; i < 20; i++)
			pool[i] = a[i], pool[20 + i] = b[i];
		for (long s = 0; s < sims; s++) {
			for (int i = 39; i > 0; i--) { /* Fisher-Yates */
				int j = (int)pa_rng_below(&r, (uint32_t)i + 1);
				double t = pool[i];

				pool[i] = pool[j];
				pool[j] = t;
			}
			for (int i = 0; i < 20; i++)
				xa[i] = pool[i], xb[i] = pool[20 + i];
			hits += u_brute(xa, 20, xb, 20) >= uobs - 1e-9;
		}
		{
			double mc = (double)hits / sims, se = sqrt(ex.p * (1 - ex.p) / sims);

			printf("ties 20+20: exact p %.5f, Monte Carlo %.5f (se %.5f)\n", ex.p, mc, se);
			assert_true(fabs(mc - ex.p) < 4 * se + 1e-6);
		}
	}
}

static void test_mw_bad_input(void **state)
{
	double a[3] = { 1, 2, 3 }, b[3] = { 2, 3, 4 }, bad[3] = { 1, NAN, 3 };
	struct pa_mw_result res;

	assert_int_equal(pa_mw_test(a, 0, b, 3, PA_MW_AUTO, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_int_equal(pa_mw_test(a, 3, b, 0, PA_MW_AUTO, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_int_equal(pa_mw_test(a, 3, bad, 3, PA_MW_AUTO, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_int_equal(pa_mw_test(a, 3, b, 3, PA_MW_AUTO, scratch + 4, sizeof(scratch) - 4, &res), -PA_EINVAL);
	assert_int_equal(pa_mw_test(a, 3, b, 3, PA_MW_AUTO, scratch, 16, &res), -PA_ENOSPC);
	assert_int_equal(pa_mw_test(a, 3, b, 3, PA_MW_METHOD_MAX, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_int_equal(pa_mw_scratch_bytes(3, 3, PA_MW_NORMAL), 48);
	assert_int_equal(pa_mw_test(a, 3, b, 3, PA_MW_NORMAL, scratch, 48, &res), 0);
	/* all equal: no evidence at all */
	assert_int_equal(pa_mw_test(a, 1, a, 1, PA_MW_NORMAL, scratch, sizeof(scratch), &res), 0);
	assert_true(res.p == 1.0);
}

/* ---- Holm ---- */

static void test_holm_known_set(void **state)
{
	/* sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04) */
	const double p[] = { 0.01, 0.04, 0.03, 0.005 };
	const double want[] = { 0.03, 0.06, 0.06, 0.02 };
	double adj[4];
	bool rej[4];

	assert_int_equal(pa_holm(p, 4, 0.05, adj, rej), 2);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(adj[i] - want[i]) < 1e-15);
	assert_true(rej[0] && !rej[1] && !rej[2] && rej[3]);
	/* ties and the cap at 1 */
	{
		const double q[] = { 0.5, 0.02, 0.02, 0.9 };
		const double wq[] = { 1.0, 0.08, 0.08, 1.0 };

		assert_int_equal(pa_holm(q, 4, 0.1, adj, NULL), 2);
		for (int i = 0; i < 4; i++)
			assert_true(fabs(adj[i] - wq[i]) < 1e-15);
	}
	assert_int_equal(pa_holm(p, 0, 0.05, adj, rej), -PA_EINVAL);
	{
		const double bad[] = { 0.1, 1.5 };

		assert_int_equal(pa_holm(bad, 2, 0.05, adj, rej), -PA_EINVAL);
	}
}

/* ---- Hodges-Lehmann ---- */

static void test_hl_matches_all_pairwise_ratios(void **state)
{
	static double ratios[200 * 200];
	struct pa_rng r;

	pa_rng_seed(&r, 3);
	for (int rep = 0; rep < 40; rep++) {
		size_t na = 2 + pa_rng_below(&r, rep < 30 ? 20 : 199), nb = 2 + pa_rng_below(&r, rep < 30 ? 20 : 199);
		double a[201], b[201];
		struct pa_hl_result hl;
		size_t mn = na * nb, q = 0;
		double med;

		lognormal(&r, a, na, 1000, 0.2);
		lognormal(&r, b, nb, 1300, 0.2);
		if (rep % 4 == 0) /* ties, as values from histogram buckets have */
			for (size_t i = 0; i < na; i++)
				a[i] = b[i % nb];
		assert_int_equal(pa_hl_ratio(a, na, b, nb, 0.05, scratch, sizeof(scratch), &hl), 0);
		for (size_t i = 0; i < na; i++)
			for (size_t j = 0; j < nb; j++)
				ratios[q++] = b[j] / a[i];
		qsort(ratios, mn, sizeof(*ratios), cmp_double);
		med = mn % 2 ? ratios[mn / 2] : sqrt(ratios[mn / 2 - 1] * ratios[mn / 2]);
		assert_true(fabs(hl.ratio / med - 1) < 1e-15);
		assert_true(hl.ci_valid);
		assert_true(hl.k >= 1 && hl.k <= mn / 2);
		assert_true(hl.ci_lo == ratios[hl.k - 1]);
		assert_true(hl.ci_hi == ratios[mn - hl.k]);
		assert_true(hl.ci_lo <= hl.ratio && hl.ratio <= hl.ci_hi);
		if (na + nb <= PA_MW_EXACT_MAX_N) {
			/* k: largest with P(U <= k-1) <= 0.05, from the exact distribution */
			double p_k, p_k1;

			assert_int_equal(pa_mw_null_cdf(na, nb, hl.k - 1, scratch, sizeof(scratch), &p_k), 0);
			assert_int_equal(pa_mw_null_cdf(na, nb, hl.k, scratch, sizeof(scratch), &p_k1), 0);
			assert_true(p_k <= 0.05 + 1e-12 && p_k1 > 0.05);
		}
	}
}

/* Fraction of `sims` simulated cases whose interval covers the true ratio. */
static double hl_coverage(uint64_t seed, size_t na, size_t nb, double alpha_side, int sims)
{
	struct pa_rng r;
	int covered = 0;
	const double truth = 1.3;

	pa_rng_seed(&r, seed);
	for (int s = 0; s < sims; s++) {
		double a[100], b[100];
		struct pa_hl_result hl;

		lognormal(&r, a, na, 5000, 0.25);
		lognormal(&r, b, nb, 5000 * truth, 0.25);
		assert_int_equal(pa_hl_ratio(a, na, b, nb, alpha_side, scratch, sizeof(scratch), &hl), 0);
		assert_true(hl.ci_valid);
		covered += hl.ci_lo <= truth && truth <= hl.ci_hi;
	}
	return (double)covered / sims;
}

static void test_hl_ci_coverage(void **state)
{
	/* 95 % intervals (2.5 % each side); sd of a coverage over 1000 cases ~0.007.
	 * The exact interval is conservative (discrete U), so allow up to 0.975. */
	double c_exact = hl_coverage(11, 10, 12, 0.025, 1000);
	double c_normal = hl_coverage(12, 40, 40, 0.025, 1000);
	double c90 = hl_coverage(13, 30, 25, 0.05, 1000);

	printf("HL coverage: 95%% exact (10+12) %.3f, 95%% normal (40+40) %.3f, 90%% (30+25) %.3f\n", c_exact,
	       c_normal, c90);
	assert_true(c_exact >= 0.93 && c_exact <= 0.975);
	assert_true(c_normal >= 0.93 && c_normal <= 0.975);
	assert_true(c90 >= 0.87 && c90 <= 0.93);
}

static void test_hl_bad_input(void **state)
{
	double a[3] = { 1, 2, 3 }, b[3] = { 2, 0, 4 };
	struct pa_hl_result hl;

	assert_int_equal(pa_hl_ratio(a, 3, b, 3, 0.05, scratch, sizeof(scratch), &hl), -PA_EINVAL); /* 0 */
	assert_int_equal(pa_hl_ratio(a, 3, a, 3, 0.6, scratch, sizeof(scratch), &hl), -PA_EINVAL);
	assert_int_equal(pa_hl_ratio(a, 3, a, 3, 0.05, scratch, 8, &hl), -PA_ENOSPC);
	/* 2 + 2: P(U = 0) = 1/6 > 0.05, no interval at this level */
	assert_int_equal(pa_hl_ratio(a, 2, a, 2, 0.05, scratch, sizeof(scratch), &hl), 0);
	assert_false(hl.ci_valid);
	assert_true(fabs(hl.ratio - 1.0) < 1e-15);
}

/* ---- the verdict ---- */

/* Verdicts over `sims` simulated A/B comparisons; counts[v] per verdict. */
static void simulate(uint64_t seed, int sims, size_t n, double change, double noise, double t_pct,
		     unsigned counts[PA_VERDICT_MAX])
{
	struct pa_regress_params p;
	struct pa_rng r;

	pa_regress_params_default(&p);
	p.threshold_pct = t_pct;
	pa_rng_seed(&r, seed);
	for (int v = 0; v < PA_VERDICT_MAX; v++)
		counts[v] = 0;
	for (int s = 0; s < sims; s++) {
		double a[200], b[200];
		struct pa_regress_result res;
		int v;

		lognormal(&r, a, n, 20000, noise);
		lognormal(&r, b, n, 20000 * (1 + change), noise);
		v = pa_regress_compare(a, n, b, n, &p, scratch, sizeof(scratch), &res);
		assert_true(v >= 0 && v == (int)res.verdict);
		counts[v]++;
	}
}

static void test_verdict_false_alarms(void **state)
{
	unsigned c[PA_VERDICT_MAX];

	/* A/A at T = 0 (pure significance): REGRESSION is a false alarm, <= alpha */
	simulate(21, 1000, 20, 0.0, 0.10, 0.0, c);
	printf("A/A T=0%%, 20 windows: %u REGRESSION / 1000\n", c[PA_VERDICT_REGRESSION]);
	assert_true(c[PA_VERDICT_REGRESSION] <= 50);
	simulate(22, 1000, 60, 0.0, 0.10, 0.0, c); /* normal approximation path */
	printf("A/A T=0%%, 60 windows: %u REGRESSION / 1000\n", c[PA_VERDICT_REGRESSION]);
	assert_true(c[PA_VERDICT_REGRESSION] <= 50);
	/* A/A at the default T = 20 %: the bound is <= 1 %; and with
	 * enough windows the answer is OK */
	simulate(23, 1000, 20, 0.0, 0.10, 20.0, c);
	printf("A/A T=20%%: %u REGRESSION, %u OK, %u INCONCLUSIVE / 1000\n", c[PA_VERDICT_REGRESSION],
	       c[PA_VERDICT_OK], c[PA_VERDICT_INCONCLUSIVE]);
	assert_true(c[PA_VERDICT_REGRESSION] <= 10);
	assert_true(c[PA_VERDICT_OK] >= 950);
	/* a 10 % slowdown is below T = 20 %: never REGRESSION */
	simulate(24, 1000, 20, 0.10, 0.10, 20.0, c);
	assert_true(c[PA_VERDICT_REGRESSION] <= 10);
}

static void test_verdict_detects_change(void **state)
{
	unsigned c[PA_VERDICT_MAX];

	/* 30 % slower, 10 % window-to-window noise, 40 windows a side, T = 20 % */
	simulate(31, 200, 40, 0.30, 0.10, 20.0, c);
	printf("30%% change, T=20%%, 40 windows: %u REGRESSION / 200\n", c[PA_VERDICT_REGRESSION]);
	assert_true(c[PA_VERDICT_REGRESSION] >= 180);
	assert_int_equal(c[PA_VERDICT_OK], 0);
	/* the power case: 10 % change, 5 % run-to-run, 10 runs a side,
	 * with T = 2 % (a 10 % change cannot clear a 20 % threshold) */
	simulate(32, 1000, 10, 0.10, 0.05, 2.0, c);
	printf("10%% change, 5%% noise, 10 runs, T=2%%: %u REGRESSION / 1000\n", c[PA_VERDICT_REGRESSION]);
	assert_true(c[PA_VERDICT_REGRESSION] >= 800);
}

static void test_verdict_too_few_windows(void **state)
{
	const double a[] = { 100, 101, 99 }, b[] = { 200, 205, 198 }, same[] = { 100, 101, 99 };
	struct pa_regress_result res;

	/* a doubling, but 3 windows: never decided */
	assert_int_equal(pa_regress_compare(a, 3, b, 3, NULL, scratch, sizeof(scratch), &res),
			 PA_VERDICT_INCONCLUSIVE);
	assert_int_equal(res.reason, PA_REASON_TOO_FEW);
	assert_true(res.more_per_side >= 2 && res.more_per_side != PA_REGRESS_MORE_UNKNOWN);
	assert_true(res.change_pct > 90 && res.change_pct < 110);
	/* no change, 3 windows: not OK either */
	assert_int_equal(pa_regress_compare(a, 3, same, 3, NULL, scratch, sizeof(scratch), &res),
			 PA_VERDICT_INCONCLUSIVE);
	assert_int_equal(res.reason, PA_REASON_TOO_FEW);
	assert_true(res.more_per_side >= 2);
	/* 5 windows is the default minimum; the doubling is then decided */
	{
		const double a5[] = { 100, 101, 99, 102, 98 }, b5[] = { 200, 205, 198, 202, 199 };

		assert_int_equal(pa_regress_compare(a5, 5, b5, 5, NULL, scratch, sizeof(scratch), &res),
				 PA_VERDICT_REGRESSION);
		assert_true(res.p_adjusted <= 0.05 && res.ci_lo_pct > 20);
		assert_int_equal(pa_regress_compare(a5, 5, a5, 5, NULL, scratch, sizeof(scratch), &res),
				 PA_VERDICT_OK);
	}
}

static void test_verdict_more_windows_estimate(void **state)
{
	/* Cases left INCONCLUSIVE at 8 windows; re-running with the suggested
	 * number per side should decide a good share of them. */
	struct pa_regress_params p;
	struct pa_rng r;
	int inconclusive = 0, decided_later = 0;

	pa_regress_params_default(&p);
	pa_rng_seed(&r, 41);
	for (int s = 0; s < 200; s++) {
		double a[200], b[200];
		struct pa_regress_result res;
		size_t n;

		lognormal(&r, a, 8, 1000, 0.15);
		lognormal(&r, b, 8, 1450, 0.15);
		assert_true(pa_regress_compare(a, 8, b, 8, &p, scratch, sizeof(scratch), &res) >= 0);
		if (res.verdict != PA_VERDICT_INCONCLUSIVE || res.more_per_side == PA_REGRESS_MORE_UNKNOWN)
			continue;
		assert_true(res.more_per_side >= 1);
		inconclusive++;
		n = 8 + res.more_per_side;
		if (n > 200)
			continue;
		lognormal(&r, a, n, 1000, 0.15);
		lognormal(&r, b, n, 1450, 0.15);
		assert_true(pa_regress_compare(a, n, b, n, &p, scratch, sizeof(scratch), &res) >= 0);
		decided_later += res.verdict != PA_VERDICT_INCONCLUSIVE;
	}
	printf("more-windows estimate: %d of %d inconclusive cases decided with the suggested count\n",
	       decided_later, inconclusive);
	assert_true(inconclusive >= 20);
	assert_true(decided_later * 2 >= inconclusive);
}

static void test_verdict_holm_family(void **state)
{
	struct pa_regress_result res[3];
	struct pa_regress_params p;
	/* one clear regression, one borderline and one A/A. The borderline case
	 * has 15 of 64 pairs with b < a: U = 49, p = P(U <= 15) for 8 + 8, which
	 * is between 0.025 and 0.05 (the 0.05 critical value of the tables is 15),
	 * and the Moses k is 16, so alone it is a REGRESSION at T = 0. */
	const double base[] = { 100, 102, 98, 101, 99, 100, 103, 97 };
	const double slow[] = { 160, 163, 158, 161, 159, 162, 157, 160 };
	const double edge[] = { 97.5, 98.5, 101.5, 140, 141, 139, 142, 138 };
	double praw[3], padj[3];

	pa_regress_params_default(&p);
	p.threshold_pct = 0;
	assert_int_equal(pa_regress_compare(base, 8, slow, 8, &p, scratch, sizeof(scratch), &res[0]),
			 PA_VERDICT_REGRESSION);
	assert_int_equal(pa_regress_compare(base, 8, edge, 8, &p, scratch, sizeof(scratch), &res[1]),
			 PA_VERDICT_REGRESSION);
	assert_true(res[1].mw.u == 49 && res[1].hl.k == 16);
	assert_true(res[1].mw.p > 0.025 && res[1].mw.p < 0.05);
	assert_true(pa_regress_compare(base, 8, base, 8, &p, scratch, sizeof(scratch), &res[2]) >= 0);
	printf("family: p = %.4g %.4g %.4g, verdict of the edge case alone: %s (CI %.1f%%..%.1f%%)\n", res[0].mw.p,
	       res[1].mw.p, res[2].mw.p, pa_verdict_name(res[1].verdict), res[1].ci_lo_pct, res[1].ci_hi_pct);
	for (int i = 0; i < 3; i++)
		praw[i] = res[i].mw.p;
	assert_int_equal(pa_regress_apply_holm(res, 3), 1);
	assert_true(pa_holm(praw, 3, 0.05, padj, NULL) >= 0);
	for (int i = 0; i < 3; i++)
		assert_true(res[i].p_adjusted == padj[i]);
	assert_int_equal(res[0].verdict, PA_VERDICT_REGRESSION);
	/* Holm: 2 p > 0.05, so the borderline case is no longer significant */
	assert_true(res[1].p_adjusted == 2 * res[1].mw.p);
	assert_int_equal(res[1].verdict, PA_VERDICT_INCONCLUSIVE);
	assert_int_equal(res[1].reason, PA_REASON_NOT_SIGNIFICANT);
	assert_true(res[1].more_per_side >= 1 && res[1].more_per_side < 100);
	assert_true(res[2].verdict != PA_VERDICT_REGRESSION);
	assert_int_equal(pa_regress_apply_holm(res, 0), -PA_EINVAL);
}

static void test_verdict_bad_input(void **state)
{
	const double a[] = { 100, 101, 99, 102, 98 }, neg[] = { 100, -1, 99, 102, 98 };
	struct pa_regress_params p;
	struct pa_regress_result res;

	pa_regress_params_default(&p);
	assert_int_equal(pa_regress_compare(a, 0, a, 5, &p, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_int_equal(pa_regress_compare(a, 5, neg, 5, &p, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_int_equal(pa_regress_compare(a, 5, a, 5, &p, scratch, 64, &res), -PA_ENOSPC);
	p.min_n = 2;
	assert_int_equal(pa_regress_compare(a, 5, a, 5, &p, scratch, sizeof(scratch), &res), -PA_EINVAL);
	pa_regress_params_default(&p);
	p.alpha = 0.5;
	assert_int_equal(pa_regress_compare(a, 5, a, 5, &p, scratch, sizeof(scratch), &res), -PA_EINVAL);
	pa_regress_params_default(&p);
	p.threshold_pct = -1;
	assert_int_equal(pa_regress_compare(a, 5, a, 5, &p, scratch, sizeof(scratch), &res), -PA_EINVAL);
	assert_true(pa_regress_scratch_bytes(5, 5, PA_MW_AUTO) <= sizeof(scratch));
	assert_true(pa_regress_scratch_bytes(1000, 1000, PA_MW_AUTO) == 16000);
	assert_string_equal(pa_verdict_name(PA_VERDICT_INCONCLUSIVE), "INCONCLUSIVE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exp_log_against_libm),
		cmocka_unit_test(test_normal_cdf_and_quantile),
		cmocka_unit_test(test_sort_and_select),
		cmocka_unit_test(test_rng_deterministic_and_uniform),
		cmocka_unit_test(test_mw_exact_matches_enumeration),
		cmocka_unit_test(test_mw_null_cdf_textbook),
		cmocka_unit_test(test_mw_textbook_permeability),
		cmocka_unit_test(test_mw_normal_close_to_exact),
		cmocka_unit_test(test_mw_exact_ties_against_monte_carlo),
		cmocka_unit_test(test_mw_bad_input),
		cmocka_unit_test(test_holm_known_set),
		cmocka_unit_test(test_hl_matches_all_pairwise_ratios),
		cmocka_unit_test(test_hl_ci_coverage),
		cmocka_unit_test(test_hl_bad_input),
		cmocka_unit_test(test_verdict_false_alarms),
		cmocka_unit_test(test_verdict_detects_change),
		cmocka_unit_test(test_verdict_too_few_windows),
		cmocka_unit_test(test_verdict_more_windows_estimate),
		cmocka_unit_test(test_verdict_holm_family),
		cmocka_unit_test(test_verdict_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
