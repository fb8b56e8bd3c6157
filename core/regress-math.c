/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regress-math.c - exp, log, the normal distribution, sorting, selection and
 * a PRNG, without libc or libm. Methods:
 *   exp: x = k ln2 + r with |r| <= ln2/2 (ln2 split in two parts so that
 *        k*ln2_hi is exact), then a degree-15 Taylor polynomial of e^r and a
 *        scaling by 2^k built from the exponent bits;
 *   log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s),
 *        s = (m-1)/(m+1), |s| <= 0.1716, series to s^25;
 *   Phi: |z| < 3: Marsaglia's series Phi(z) = 1/2 + phi(z) (z + z^3/3 +
 *        z^5/(3*5) + ...); z <= -3: Laplace's continued fraction for the
 *        Mills ratio, evaluated bottom-up with enough terms to converge;
 *   quantile: Abramowitz & Stegun 26.2.23 (error < 4.5e-4) as a start, then
 *        Newton steps on log Phi(x) - log p, which is concave in x, so the
 *        iteration converges monotonically from any start.
 */
#include "regress-math.h"

#define LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000: low bits zero */
#define LN2_LO 1.90821492927058770002e-10 /* ln 2 - LN2_HI */
#define LOG2E 1.44269504088896338700e+00
#define SQRT2 1.41421356237309504880
#define LOG_SQRT_2PI 0.91893853320467274178

union pa_dbits {
	double d;
	uint64_t u;
};

static inline uint64_t dbits(double d)
{
	union pa_dbits b = { .d = d };
	return b.u;
}

static inline double bitsd(uint64_t u)
{
	union pa_dbits b = { .u = u };
	return b.d;
}

/* 2^k for -1022 <= k <= 1023, exactly. */
static inline double pow2i(int k)
{
	return bitsd((uint64_t)(k + 1023) << 52);
}

/* x * 2^k for any k the callers produce (-1100..1100), rounding once at most. */
static double scale2(double x, int k)
{
	if (k > 1023) {
		x *= pow2i(1023);
		k -= 1023;
		if (k > 1023)
			k = 1023;
	} else if (k < -1022) {
		x *= pow2i(-1022 + 54); /* keep precision: bring into the normal range first */
		k += 1022 - 54;
		if (k < -1022)
			k = -1022;
	}
	return x * pow2i(k);
}

double pa_exp(double x)
{
	double kd, r, p;
	int k;

	if (x != x)
		return x;
	if (x > 709.782712893383973096)
		return __builtin_inf();
	if (x < -745.13321910194110842)
		return 0.0;
	kd = x * LOG2E;
	k = (int)(kd >= 0 ? kd + 0.5 : kd - 0.5);
	r = (x - k * LN2_HI) - k * LN2_LO;
	/* Horner form of sum r^i/i!, i = 0..15: last term < 1e-20 for |r| <= 0.347 */
	p = 1.0 / 1307674368000.0;
	p = p * r + 1.0 / 87178291200.0;
	p = p * r + 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	return scale2(p, k);
}

double pa_ln(double x)
{
	uint64_t u;
	int e;
	double m, s, s2, t, sum;

	if (x != x || x < 0)
		return __builtin_nan("");
	if (x == 0)
		return -__builtin_inf();
	if (x - x != 0.0)
		return x; /* +inf */
	u = dbits(x);
	e = 0;
	if ((u >> 52) == 0) { /* subnormal: normalise */
		x *= pow2i(54);
		u = dbits(x);
		e = -54;
	}
	e += (int)(u >> 52) - 1023;
	m = bitsd((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
	if (m > SQRT2) {
		m *= 0.5;
		e++;
	}
	s = (m - 1.0) / (m + 1.0);
	s2 = s * s;
	t = 1.0 / 25;
	t = t * s2 + 1.0 / 23;
	t = t * s2 + 1.0 / 21;
	t = t * s2 + 1.0 / 19;
	t = t * s2 + 1.0 / 17;
	t = t * s2 + 1.0 / 15;
	t = t * s2 + 1.0 / 13;
	t = t * s2 + 1.0 / 11;
	t = t * s2 + 1.0 / 9;
	t = t * s2 + 1.0 / 7;
	t = t * s2 + 1.0 / 5;
	t = t * s2 + 1.0 / 3;
	/* 2s + 2s^3 t: the small correction is added last so that it carries full precision */
	sum = 2.0 * s + 2.0 * s * s2 * t;
	return e * LN2_HI + (sum + e * LN2_LO);
}

/* Phi(z) for z <= -3 through the Mills ratio R(x) = Q(x)/phi(x), x = -z >= 3:
 * R(x) = 1/(x + 1/(x + 2/(x + 3/(x + ...)))). Bottom-up evaluation with n
 * terms; n = 200 converges to < 1e-15 relative at x = 3 (fewer are needed
 * further out, but the cost is irrelevant here). */
static double phi_lower_tail(double z)
{
	double x = -z, f = x;

	for (int k = 200; k >= 1; k--)
		f = x + k / f;
	return pa_exp(-0.5 * x * x - LOG_SQRT_2PI) / f;
}

double pa_norm_cdf(double z)
{
	double s, t, q, prev;

	if (z != z)
		return z;
	if (z < -38.5)
		return 0.0;
	if (z > 8.5)
		return 1.0;
	if (z <= -3.0)
		return phi_lower_tail(z);
	if (z >= 3.0)
		return 1.0 - phi_lower_tail(-z);
	/* Marsaglia: the series terms grow to at most ~e^4.5 and all have the same sign */
	q = z * z;
	s = z;
	t = z;
	for (int i = 3; i < 400; i += 2) {
		t *= q / i;
		prev = s;
		s += t;
		if (s == prev)
			break;
	}
	return 0.5 + s * pa_exp(-0.5 * q - LOG_SQRT_2PI);
}

double pa_norm_quantile(double p)
{
	double t, x, lp, c;

	if (p != p)
		return p;
	if (p <= 0)
		return -__builtin_inf();
	if (p >= 1)
		return __builtin_inf();
	if (p == 0.5)
		return 0.0;
	if (p > 0.5)
		return -pa_norm_quantile(1.0 - p);
	t = __builtin_sqrt(-2.0 * pa_ln(p));
	x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
		  (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
	lp = pa_ln(p);
	for (int i = 0; i < 50; i++) {
		double g, dg, nx;

		c = pa_norm_cdf(x);
		if (c <= 0) { /* below the representable tail: step right */
			x *= 0.5;
			continue;
		}
		g = pa_ln(c) - lp;
		dg = pa_exp(-0.5 * x * x - LOG_SQRT_2PI) / c; /* d/dx log Phi = phi/Phi */
		nx = x - g / dg;
		if (nx == x || (nx - x < 1e-15 * (x < 0 ? -x : x) && x - nx < 1e-15 * (x < 0 ? -x : x)))
			return nx;
		x = nx;
	}
	return x;
}

static void sift_down(double *v, size_t root, size_t n)
{
	double x = v[root];

	for (;;) {
		size_t c = 2 * root + 1;

		if (c >= n)
			break;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (!(v[c] > x))
			break;
		v[root] = v[c];
		root = c;
	}
	v[root] = x;
}

void pa_sort_doubles(double *v, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		double t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

static inline void swapd(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

double pa_select_double(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1; /* the answer is in v[lo..hi] */
	int budget = 2;

	for (size_t m = n; m > 1; m >>= 1)
		budget += 2;
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2, i, j;
		double pivot;

		if (budget-- == 0) {
			pa_sort_doubles(v + lo, hi - lo + 1);
			return v[k];
		}
		/* median of three into v[lo] */
		if (v[mid] < v[lo])
			swapd(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swapd(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swapd(&v[hi], &v[mid]);
		swapd(&v[lo], &v[mid]);
		pivot = v[lo];
		/* Hoare partition around v[lo]; equal keys split evenly */
		i = lo;
		j = hi + 1;
		for (;;) {
			do
				i++;
			while (i <= hi && v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			swapd(&v[i], &v[j]);
		}
		swapd(&v[lo], &v[j]);
		if (j == k)
			return v[k];
		if (k < j)
			hi = j - 1;
		else
			lo = j + 1;
	}
	return v[k];
}

uint64_t pa_rng_next(struct pa_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t pa_rng_below(struct pa_rng *r, uint32_t bound)
{
	/* Lemire's multiply-and-reject with 32-bit words (no 128-bit or 64-bit
	 * division needed on i386): reject the few low products that would bias. */
	uint32_t threshold = (uint32_t)-bound % bound;

	for (;;) {
		uint64_t m = (uint64_t)(uint32_t)(pa_rng_next(r) >> 32) * bound;

		if ((uint32_t)m >= threshold)
			return (uint32_t)(m >> 32);
	}
}

double pa_rng_uniform(struct pa_rng *r)
{
	return (double)(pa_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
