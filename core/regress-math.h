/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regress-math.h - the numerical toolbox of the regression maths: exp, log,
 * the standard normal distribution, sorting and selection of doubles, and a
 * small deterministic PRNG.
 *
 * core/ has no libm. These functions are written for analysis code that runs
 * in user space (they use floating point, which kernel code must not). None
 * of them allocates, prints or keeps state other than what the caller passes;
 * all are reentrant.
 *
 * Accuracy (checked against glibc's libm in tests/unit/test-regress.c):
 *   pa_exp, pa_ln       relative error below 4e-16 (about 2 ulp) wherever
 *                        the result is a normal double (subnormal results of
 *                        pa_exp lose precision as subnormals do);
 *   pa_norm_cdf          relative error below 1e-12 for results >= 1e-300
 *                        (the lower tail is computed directly, not as 1 - x);
 *   pa_norm_quantile     absolute error below 1e-12 for p in [1e-300, 1-1e-16].
 */
#ifndef PA_CORE_REGRESS_MATH_H
#define PA_CORE_REGRESS_MATH_H

#include <stddef.h>
#include <stdint.h>

/* e^x. Returns +inf above 709.78, 0 below -745.13, NaN for NaN. */
double pa_exp(double x);

/* Natural logarithm. x = 0 gives -inf, x < 0 or NaN gives NaN, +inf gives +inf. */
double pa_ln(double x);

/* True if x is neither NaN nor infinite. */
static inline int pa_isfinite(double x)
{
	return x == x && x - x == 0.0;
}

/*
 * Standard normal distribution function Phi(z) = P(Z <= z). Accurate in
 * relative terms in the lower tail down to ~1e-300, so P(Z > z) is
 * pa_norm_cdf(-z) with the same accuracy. NaN gives NaN.
 */
double pa_norm_cdf(double z);

/*
 * The quantile function: the z with Phi(z) = p. p must be in (0, 1); p <= 0
 * gives -inf, p >= 1 gives +inf, NaN gives NaN.
 */
double pa_norm_quantile(double p);

/* Sort v[0..n) ascending in place. Heapsort: O(n log n) worst case, no
 * recursion, no scratch. NaNs must not be present (their order is undefined). */
void pa_sort_doubles(double *v, size_t n);

/*
 * The k-th smallest (k from 0) of v[0..n), k < n. Reorders v: afterwards
 * v[k] holds the result, v[0..k) are <= it and v(k..n) are >= it.
 * Quickselect with median-of-three pivots, O(n) expected; falls back to
 * heapsort of the remaining range after 2*log2(n) bad partitions, so the
 * worst case is O(n log n). No NaNs.
 */
double pa_select_double(double *v, size_t n, size_t k);

/*
 * Deterministic pseudo-random numbers (splitmix64): the same seed gives the
 * same sequence on every machine and word size, so a permutation test is
 * reproducible. Not for cryptography. Zero-initialised state is a valid seed.
 */
struct pa_rng {
	uint64_t state;
};

static inline void pa_rng_seed(struct pa_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t pa_rng_next(struct pa_rng *r);

/* Uniform integer in [0, bound), bound >= 1, without modulo bias. */
uint32_t pa_rng_below(struct pa_rng *r, uint32_t bound);

/* Uniform double in [0, 1) with 53 random bits. */
double pa_rng_uniform(struct pa_rng *r);

#endif /* PA_CORE_REGRESS_MATH_H */
