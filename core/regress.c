/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regress.c - Mann-Whitney U, Hodges-Lehmann ratio and Moses interval, Holm,
 * and the three-way verdict. See regress.h for the contracts.
 *
 * Exact distributions use 64-bit integer counts, so they are exact (no
 * rounding) up to PA_MW_EXACT_MAX_N pooled values:
 *  - without ties, the counts of U are the coefficients of the Gaussian
 *    binomial [m+n choose n]_q = prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i),
 *    built factor by factor in O(n * mn); intermediate coefficients may
 *    "go negative", which modular uint64 arithmetic absorbs because every
 *    final coefficient is below 2^64;
 *  - with ties, a subset-sum count over doubled mid-ranks (integers): the
 *    number of ways to choose the smaller sample's positions with a given
 *    rank sum, O(N * min(m,n) * max sum).
 */
#include "regress.h"

#include "pa-errno.h"

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static inline bool aligned8(const void *p)
{
	return ((uintptr_t)p & 7) == 0;
}

static bool values_ok(const double *v, size_t n, bool positive)
{
	for (size_t i = 0; i < n; i++) {
		if (!pa_isfinite(v[i]))
			return false;
		if (positive && !(v[i] > 0))
			return false;
	}
	return true;
}

static void copy_sorted(double *dst, const double *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
	pa_sort_doubles(dst, n);
}

static inline size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Counters of the exact distribution with ties (also enough without). */
static size_t exact_entries(size_t na, size_t nb)
{
	size_t ns = min_size(na, nb), n = na + nb;

	return (ns + 1) * (ns * (2 * n - ns + 1) + 1);
}

static bool exact_applies(size_t na, size_t nb, enum pa_mw_method method)
{
	if (method == PA_MW_NORMAL)
		return false;
	return na + nb <= PA_MW_EXACT_MAX_N;
}

size_t pa_mw_scratch_bytes(size_t na, size_t nb, enum pa_mw_method method)
{
	size_t bytes;

	if (na == 0 || nb == 0)
		return 0;
	bytes = 8 * (na + nb);
	if (exact_applies(na, nb, method))
		bytes += 8 * exact_entries(na, nb);
	return bytes;
}

/*
 * c[0..mn] = number of arrangements of m A's and n B's with U = u (U counts
 * pairs with the B above the A), i.e. coefficients of [m+n choose n]_q.
 */
static void mw_counts(uint32_t m, uint32_t n, uint64_t *c)
{
	size_t deg = (size_t)m * n;

	for (size_t d = 0; d <= deg; d++)
		c[d] = 0;
	c[0] = 1;
	for (uint32_t i = 1; i <= n; i++) {
		size_t s = (size_t)m + i;

		for (size_t d = deg; d >= s; d--)
			c[d] -= c[d - s];
		for (size_t d = i; d <= deg; d++)
			c[d] += c[d - i];
	}
}

/* Walk the two sorted samples by groups of equal values. */
struct mw_walk {
	uint64_t u2;        /* 2U of B */
	uint64_t s2b;       /* sum of doubled mid-ranks of B */
	double tie_sum;     /* sum over tie groups of t^3 - t */
	uint32_t tie_groups;
};

static void mw_walk(const double *sa, size_t na, const double *sb, size_t nb, struct mw_walk *w)
{
	size_t i = 0, j = 0;

	*w = (struct mw_walk){ 0 };
	while (i < na || j < nb) {
		double v;
		uint64_t ca = 0, cb = 0, t, pos = i + j;

		if (j >= nb || (i < na && sa[i] <= sb[j]))
			v = sa[i];
		else
			v = sb[j];
		while (i < na && sa[i] == v)
			i++, ca++;
		while (j < nb && sb[j] == v)
			j++, cb++;
		t = ca + cb;
		/* B's in this group beat the (i - ca) smaller A's and tie with ca */
		w->u2 += cb * (2 * (i - ca) + ca);
		w->s2b += cb * (2 * pos + t + 1);
		if (t >= 2) {
			w->tie_groups++;
			w->tie_sum += (double)t * t * t - (double)t;
		}
	}
}

/*
 * Exact P(S2_B >= s2b) over all C(N, nb) equally likely choices of B's
 * positions, with the observed tie pattern (doubled mid-ranks). Counts the
 * smaller sample's subsets; dp has exact_entries(na, nb) counters.
 */
static double mw_exact_ties(const double *sa, size_t na, const double *sb, size_t nb, uint64_t s2b,
			    uint64_t *dp)
{
	size_t ns = min_size(na, nb), n = na + nb;
	size_t width = ns * (2 * n - ns + 1) + 1, i = 0, j = 0, seen = 0;
	uint64_t total = 0, hit = 0, target;
	bool b_small = nb <= na;

	for (size_t x = 0; x < (ns + 1) * width; x++)
		dp[x] = 0;
	dp[0] = 1;
	while (i < na || j < nb) {
		double v;
		size_t t = 0, pos = i + j, r2;

		v = (j >= nb || (i < na && sa[i] <= sb[j])) ? sa[i] : sb[j];
		while (i < na && sa[i] == v)
			i++, t++;
		while (j < nb && sb[j] == v)
			j++, t++;
		r2 = 2 * pos + t + 1;
		for (size_t item = 0; item < t; item++) {
			seen++;
			for (size_t k = min_size(seen, ns); k >= 1; k--) {
				uint64_t *row = dp + k * width, *prev = dp + (k - 1) * width;

				for (size_t s = width - 1; s >= r2; s--)
					row[s] += prev[s - r2];
			}
		}
	}
	/* the complementary sample's doubled rank sum is N(N+1) - s2b */
	target = b_small ? s2b : (uint64_t)n * (n + 1) - s2b;
	for (size_t s = 0; s < width; s++) {
		uint64_t c = dp[ns * width + s];

		total += c;
		if (b_small ? s >= target : s <= target)
			hit += c;
	}
	return (double)hit / (double)total;
}

int pa_mw_null_cdf(uint32_t m, uint32_t n, double u, void *scratch, size_t scratch_bytes, double *ret_p)
{
	uint64_t *c = scratch, cum = 0, total = 0;
	size_t deg;

	if (m == 0 || n == 0 || (size_t)m + n > PA_MW_EXACT_MAX_N || !scratch || !ret_p || !aligned8(scratch) ||
	    u != u)
		return -PA_EINVAL;
	deg = (size_t)m * n;
	if (scratch_bytes < 8 * (deg + 1))
		return -PA_ENOSPC;
	mw_counts(m, n, c);
	for (size_t d = 0; d <= deg; d++) {
		total += c[d];
		if ((double)d <= u)
			cum += c[d];
	}
	*ret_p = (double)cum / (double)total;
	return 0;
}

int pa_mw_test(const double *a, size_t na, const double *b, size_t nb, enum pa_mw_method method,
	       void *scratch, size_t scratch_bytes, struct pa_mw_result *ret)
{
	double *sa = scratch, *sb, mn, n, var, sd, u;
	struct mw_walk w;
	struct pa_mw_result r = { 0 };
	bool exact;

	if (!a || !b || !ret || !scratch || na == 0 || nb == 0 || (unsigned)method >= PA_MW_METHOD_MAX ||
	    !aligned8(scratch) || na > UINT32_MAX || nb > UINT32_MAX)
		return -PA_EINVAL;
	if (method == PA_MW_EXACT && na + nb > PA_MW_EXACT_MAX_N)
		return -PA_EINVAL;
	if (!values_ok(a, na, false) || !values_ok(b, nb, false))
		return -PA_EINVAL;
	if (scratch_bytes < pa_mw_scratch_bytes(na, nb, method))
		return -PA_ENOSPC;
	exact = exact_applies(na, nb, method);
	sb = sa + na;
	copy_sorted(sa, a, na);
	copy_sorted(sb, b, nb);
	mw_walk(sa, na, sb, nb, &w);

	u = (double)w.u2 * 0.5;
	mn = (double)na * (double)nb;
	n = (double)(na + nb);
	var = mn / 12.0 * ((n + 1.0) - w.tie_sum / (n * (n - 1.0)));
	sd = var > 0 ? __builtin_sqrt(var) : 0.0;
	r.u = u;
	r.na = (uint32_t)na;
	r.nb = (uint32_t)nb;
	r.tie_groups = w.tie_groups;
	r.z = sd > 0 ? (u - mn / 2.0 - 0.5) / sd : 0.0;
	if (exact) {
		uint64_t *dp = (uint64_t *)(sb + nb);

		r.method = PA_MW_EXACT;
		if (w.tie_groups == 0) {
			/* P(U >= u) = P(U <= mn - u) by symmetry */
			uint64_t cum = 0, total = 0, lim = (uint64_t)na * nb - w.u2 / 2;

			mw_counts((uint32_t)na, (uint32_t)nb, dp);
			for (uint64_t d = 0; d <= (uint64_t)na * nb; d++) {
				total += dp[d];
				if (d <= lim)
					cum += dp[d];
			}
			r.p = (double)cum / (double)total;
		} else {
			r.p = mw_exact_ties(sa, na, sb, nb, w.s2b, dp);
		}
	} else {
		r.method = PA_MW_NORMAL;
		/* all values equal: U = mn/2 with certainty, P(U >= U) = 1 */
		r.p = sd > 0 ? pa_norm_cdf(-r.z) : 1.0;
	}
	if (r.p > 1.0)
		r.p = 1.0;
	*ret = r;
	return 0;
}

size_t pa_hl_scratch_bytes(size_t na, size_t nb)
{
	size_t bytes = 8 * (na + nb);

	if (na == 0 || nb == 0)
		return 0;
	if (na + nb <= PA_MW_EXACT_MAX_N && 8 * (na * nb + 1) > bytes)
		bytes = 8 * (na * nb + 1);
	return bytes;
}

union hl_bits {
	double d;
	uint64_t u;
};

/* Number of pairs with b_j / a_i <= t (sorted inputs, all > 0), O(na + nb). */
static uint64_t ratios_le(const double *sa, size_t na, const double *sb, size_t nb, double t)
{
	uint64_t count = 0;
	size_t j = 0;

	/* b_j / a_i grows with b_j and shrinks with a_i: the qualifying j form a
	 * prefix whose length never decreases as a_i grows */
	for (size_t i = 0; i < na; i++) {
		while (j < nb && sb[j] / sa[i] <= t)
			j++;
		count += j;
	}
	return count;
}

/*
 * k-th smallest (1-based) pairwise ratio. For positive doubles the order of
 * the bit patterns is the order of the values, so a binary search over the
 * patterns ends, after at most 64 steps, on the smallest double t with
 * ratios_le(t) >= k: exactly the k-th smallest computed ratio.
 */
static double kth_ratio(const double *sa, size_t na, const double *sb, size_t nb, uint64_t k)
{
	union hl_bits lo = { .d = sb[0] / sa[na - 1] }, hi = { .d = sb[nb - 1] / sa[0] };
	uint64_t l = lo.u, h = hi.u;

	while (l < h) {
		uint64_t mid = l + ((h - l) >> 1);
		union hl_bits m = { .u = mid };

		if (ratios_le(sa, na, sb, nb, m.d) >= k)
			h = mid;
		else
			l = mid + 1;
	}
	lo.u = l;
	return lo.d;
}

/* The order statistic k of the Moses interval (0 if none exists). */
static uint64_t moses_k(size_t na, size_t nb, double alpha_side, uint64_t *c)
{
	uint64_t mn = (uint64_t)na * nb;

	if (na + nb <= PA_MW_EXACT_MAX_N) {
		uint64_t total = 0, cum = 0, k = 0;

		mw_counts((uint32_t)na, (uint32_t)nb, c);
		for (uint64_t d = 0; d <= mn; d++)
			total += c[d];
		/* largest k with P(U <= k - 1) <= alpha_side; the tolerance keeps
		 * exact boundary cases (1/20 = 0.05) on the right side */
		for (uint64_t d = 0; d < mn; d++) {
			cum += c[d];
			if ((double)cum > alpha_side * (double)total * (1.0 + 1e-12))
				break;
			k = d + 1;
		}
		return k;
	} else {
		double sd = __builtin_sqrt((double)mn * (double)(na + nb + 1) / 12.0);
		double kd = (double)mn / 2.0 + 0.5 - pa_norm_quantile(1.0 - alpha_side) * sd;

		return kd < 1.0 ? 0 : (uint64_t)(int64_t)kd;
	}
}

int pa_hl_ratio(const double *a, size_t na, const double *b, size_t nb, double alpha_side,
		void *scratch, size_t scratch_bytes, struct pa_hl_result *ret)
{
	double *sa = scratch, *sb;
	struct pa_hl_result r = { 0 };
	uint64_t mn, k;

	if (!a || !b || !ret || !scratch || na == 0 || nb == 0 || !aligned8(scratch) ||
	    !(alpha_side > 0 && alpha_side < 0.5) || na > UINT32_MAX || nb > UINT32_MAX)
		return -PA_EINVAL;
	if (!values_ok(a, na, true) || !values_ok(b, nb, true))
		return -PA_EINVAL;
	if (scratch_bytes < pa_hl_scratch_bytes(na, nb))
		return -PA_ENOSPC;
	/* the exact counts overwrite the sorted copies' space, so count first */
	mn = (uint64_t)na * nb;
	k = moses_k(na, nb, alpha_side, scratch);
	sb = sa + na;
	copy_sorted(sa, a, na);
	copy_sorted(sb, b, nb);
	if (mn & 1) {
		r.ratio = kth_ratio(sa, na, sb, nb, (mn + 1) / 2);
	} else {
		double r1 = kth_ratio(sa, na, sb, nb, mn / 2), r2 = kth_ratio(sa, na, sb, nb, mn / 2 + 1);

		r.ratio = __builtin_sqrt(r1) * __builtin_sqrt(r2); /* no overflow */
	}
	r.level = 1.0 - 2.0 * alpha_side;
	r.k = k;
	if (k >= 1 && k <= mn + 1 - k) {
		r.ci_valid = true;
		r.ci_lo = kth_ratio(sa, na, sb, nb, k);
		r.ci_hi = kth_ratio(sa, na, sb, nb, mn + 1 - k);
	}
	*ret = r;
	return 0;
}

/*
 * Holm over k p-values read with a byte stride, adjusted values written
 * likewise. O(k^2) without scratch: the output slots first hold -(rank + 1)
 * (rank: position in ascending p, ties by index), then, visiting ranks in
 * order, the running maximum of min(1, (k - rank) p) replaces them.
 */
static void holm_strided(const char *p, size_t p_stride, size_t k, char *adj, size_t adj_stride)
{
#define P(i) (*(const double *)(p + (i) * p_stride))
#define A(i) (*(double *)(adj + (i) * adj_stride))
	double running = 0;

	for (size_t i = 0; i < k; i++) {
		size_t rank = 0;

		for (size_t j = 0; j < k; j++)
			if (P(j) < P(i) || (P(j) == P(i) && j < i))
				rank++;
		A(i) = -(double)(rank + 1);
	}
	for (size_t rank = 0; rank < k; rank++) {
		for (size_t i = 0; i < k; i++) {
			double v;

			if (A(i) != -(double)(rank + 1))
				continue;
			v = (double)(k - rank) * P(i);
			if (v > 1.0)
				v = 1.0;
			if (v > running)
				running = v;
			A(i) = running;
			break;
		}
	}
#undef P
#undef A
}

int pa_holm(const double *p, size_t k, double alpha, double *ret_adjusted, bool *ret_reject)
{
	int n = 0;

	if (!p || !ret_adjusted || k == 0 || k > 1u << 20 || !(alpha > 0 && alpha < 1))
		return -PA_EINVAL;
	for (size_t i = 0; i < k; i++)
		if (!(p[i] >= 0 && p[i] <= 1))
			return -PA_EINVAL;
	holm_strided((const char *)p, sizeof(*p), k, (char *)ret_adjusted, sizeof(*ret_adjusted));
	for (size_t i = 0; i < k; i++) {
		bool rej = ret_adjusted[i] <= alpha;

		if (ret_reject)
			ret_reject[i] = rej;
		n += rej;
	}
	return n;
}

const char *pa_verdict_name(enum pa_verdict v)
{
	switch (v) {
	case PA_VERDICT_OK:
		return "OK";
	case PA_VERDICT_REGRESSION:
		return "REGRESSION";
	case PA_VERDICT_INCONCLUSIVE:
		return "INCONCLUSIVE";
	default:
		return "?";
	}
}

const char *pa_regress_reason_name(enum pa_regress_reason r)
{
	switch (r) {
	case PA_REASON_DECIDED:
		return "decided";
	case PA_REASON_TOO_FEW:
		return "too few windows";
	case PA_REASON_NOT_SIGNIFICANT:
		return "not significant after correction";
	case PA_REASON_SPANS_THRESHOLD:
		return "interval contains the threshold";
	default:
		return "?";
	}
}

void pa_regress_params_default(struct pa_regress_params *p)
{
	p->threshold_pct = PA_REGRESS_THRESHOLD_PCT_DEFAULT;
	p->alpha = PA_REGRESS_ALPHA_DEFAULT;
	p->min_n = PA_REGRESS_MIN_N_DEFAULT;
	p->method = PA_MW_AUTO;
}

static bool params_ok(const struct pa_regress_params *p)
{
	return pa_isfinite(p->threshold_pct) && p->threshold_pct >= 0 && p->alpha > 0 && p->alpha < 0.5 &&
	       p->min_n >= PA_REGRESS_MIN_N_FLOOR && (unsigned)p->method < PA_MW_METHOD_MAX;
}

size_t pa_regress_scratch_bytes(size_t na, size_t nb, enum pa_mw_method method)
{
	size_t m = pa_mw_scratch_bytes(na, nb, method), h = pa_hl_scratch_bytes(na, nb);

	return m > h ? m : h;
}

/* Smallest x >= 1 with neff(na + x, nb + x) >= target, or UNKNOWN. */
static uint32_t more_both(double na, double nb, double target)
{
	uint64_t lo = 1, hi = 1ull << 31;

	if ((na + hi) * (nb + hi) / (na + nb + 2.0 * hi) < target)
		return PA_REGRESS_MORE_UNKNOWN;
	while (lo < hi) {
		uint64_t mid = lo + ((hi - lo) >> 1);

		if ((na + mid) * (nb + mid) / (na + nb + 2.0 * mid) >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint32_t)lo;
}

/* Smallest x >= 1 with neff(na, nb + x) >= target, or UNKNOWN (the limit is na). */
static uint32_t more_b(double na, double nb, double target)
{
	double x;

	if (target >= na)
		return PA_REGRESS_MORE_UNKNOWN;
	x = (target * (na + nb) - na * nb) / (na - target);
	if (x > 2e9)
		return PA_REGRESS_MORE_UNKNOWN;
	if (x < 1)
		return 1;
	return (uint32_t)(int64_t)x + ((double)(int64_t)x < x ? 1 : 0);
}

/*
 * How many more windows would decide: the interval's half-width (on the log
 * scale, where it is about symmetric) shrinks as 1/sqrt(neff) with
 * neff = na nb / (na + nb); find the neff at which the bound on the side of
 * the estimate clears log(1 + T). If only significance is missing, scale the
 * z-score instead: z grows as sqrt(neff).
 */
static void estimate_more(struct pa_regress_result *r)
{
	double na = r->mw.na, nb = r->mw.nb, neff = na * nb / (na + nb), target = -1;
	uint32_t floor_a = r->min_n > na ? (uint32_t)(r->min_n - na) : 0;
	uint32_t floor_b = r->min_n > nb ? (uint32_t)(r->min_n - nb) : 0;
	uint32_t floor_both = floor_a > floor_b ? floor_a : floor_b;

	r->more_per_side = PA_REGRESS_MORE_UNKNOWN;
	r->more_current = PA_REGRESS_MORE_UNKNOWN;
	if (r->reason == PA_REASON_NOT_SIGNIFICANT) {
		double z_obs = r->mw.p < 0.5 ? pa_norm_quantile(1.0 - r->mw.p) : 0;
		double factor = r->mw.p > 0 ? r->p_adjusted / r->mw.p : 1;
		double z_need = pa_norm_quantile(1.0 - r->alpha / (factor > 1 ? factor : 1));

		if (z_obs > 0)
			target = neff * (z_need / z_obs) * (z_need / z_obs);
	} else if (r->hl.ci_valid) {
		double c = pa_ln(r->hl.ratio), tau = pa_ln(1.0 + r->threshold_pct / 100.0);
		double half = c > tau ? c - pa_ln(r->hl.ci_lo) : pa_ln(r->hl.ci_hi) - c;
		double gap = c > tau ? c - tau : tau - c;

		if (gap > 1e-12 * (1 + (tau < 0 ? -tau : tau)))
			target = neff * (half / gap) * (half / gap);
	}
	if (target > 1e12)
		target = -1;
	if (target < 0) {
		/* nothing to extrapolate: only the minimum is known */
		if (r->reason == PA_REASON_TOO_FEW && !r->hl.ci_valid && floor_both > 0) {
			r->more_per_side = floor_both;
			if (floor_a == 0)
				r->more_current = floor_b;
		}
		return;
	}
	r->more_per_side = more_both(na, nb, target);
	if (r->more_per_side != PA_REGRESS_MORE_UNKNOWN && r->more_per_side < floor_both)
		r->more_per_side = floor_both;
	if (floor_a == 0) {
		r->more_current = more_b(na, nb, target);
		if (r->more_current != PA_REGRESS_MORE_UNKNOWN && r->more_current < floor_b)
			r->more_current = floor_b;
	}
}

static void decide(struct pa_regress_result *r)
{
	r->more_per_side = 0;
	r->more_current = 0;
	if (r->mw.na < r->min_n || r->mw.nb < r->min_n || !r->hl.ci_valid) {
		r->verdict = PA_VERDICT_INCONCLUSIVE;
		r->reason = PA_REASON_TOO_FEW;
	} else if (r->ci_lo_pct > r->threshold_pct) {
		if (r->p_adjusted <= r->alpha) {
			r->verdict = PA_VERDICT_REGRESSION;
			r->reason = PA_REASON_DECIDED;
		} else {
			r->verdict = PA_VERDICT_INCONCLUSIVE;
			r->reason = PA_REASON_NOT_SIGNIFICANT;
		}
	} else if (r->ci_hi_pct < r->threshold_pct) {
		r->verdict = PA_VERDICT_OK;
		r->reason = PA_REASON_DECIDED;
	} else {
		r->verdict = PA_VERDICT_INCONCLUSIVE;
		r->reason = PA_REASON_SPANS_THRESHOLD;
	}
	if (r->verdict == PA_VERDICT_INCONCLUSIVE)
		estimate_more(r);
}

static double sorted_median(const double *s, size_t n)
{
	return n & 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

int pa_regress_compare(const double *a, size_t na, const double *b, size_t nb,
		       const struct pa_regress_params *params, void *scratch, size_t scratch_bytes,
		       struct pa_regress_result *ret)
{
	struct pa_regress_params def;
	struct pa_regress_result r = { 0 };
	double *s = scratch;
	int err;

	if (!params) {
		pa_regress_params_default(&def);
		params = &def;
	}
	if (!a || !b || !ret || !scratch || na == 0 || nb == 0 || !params_ok(params) || !aligned8(scratch))
		return -PA_EINVAL;
	if (!values_ok(a, na, true) || !values_ok(b, nb, true))
		return -PA_EINVAL;
	if (scratch_bytes < pa_regress_scratch_bytes(na, nb, params->method))
		return -PA_ENOSPC;
	if (params->method == PA_MW_EXACT && na + nb > PA_MW_EXACT_MAX_N)
		return -PA_EINVAL;
	err = pa_mw_test(a, na, b, nb, params->method, scratch, scratch_bytes, &r.mw);
	if (err < 0)
		return err;
	/* pa_mw_test left the sorted copies at the start of scratch */
	r.median_a = sorted_median(s, na);
	r.median_b = sorted_median(s + na, nb);
	err = pa_hl_ratio(a, na, b, nb, params->alpha, scratch, scratch_bytes, &r.hl);
	if (err < 0)
		return err;
	r.p_adjusted = r.mw.p;
	r.change_pct = (r.hl.ratio - 1.0) * 100.0;
	if (r.hl.ci_valid) {
		r.ci_lo_pct = (r.hl.ci_lo - 1.0) * 100.0;
		r.ci_hi_pct = (r.hl.ci_hi - 1.0) * 100.0;
	}
	r.threshold_pct = params->threshold_pct;
	r.alpha = params->alpha;
	r.min_n = params->min_n;
	decide(&r);
	*ret = r;
	return (int)r.verdict;
}

int pa_regress_apply_holm(struct pa_regress_result *results, size_t k)
{
	int n = 0;

	if (!results || k == 0 || k > 1u << 20)
		return -PA_EINVAL;
	for (size_t i = 0; i < k; i++) {
		const struct pa_regress_result *r = &results[i];
		struct pa_regress_params p = {
			.threshold_pct = r->threshold_pct, .alpha = r->alpha, .min_n = r->min_n,
		};

		if (!params_ok(&p) || !(r->mw.p >= 0 && r->mw.p <= 1) || r->mw.na == 0 || r->mw.nb == 0)
			return -PA_EINVAL;
	}
	holm_strided((const char *)&results[0].mw.p, sizeof(*results), k, (char *)&results[0].p_adjusted,
		     sizeof(*results));
	for (size_t i = 0; i < k; i++) {
		decide(&results[i]);
		n += results[i].verdict == PA_VERDICT_REGRESSION;
	}
	return n;
}
