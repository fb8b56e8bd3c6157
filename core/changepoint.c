/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * changepoint.c - E-divisive means with a permutation test, and Theil-Sen.
 * See changepoint.h for the contracts.
 *
 * Energy statistic of a split of z[0..m) at t (left z[0..t), right z[t..m)),
 * with exponent 1 as in E-divisive:
 *   Q(t) = t (m-t) / m * ( 2/(t (m-t)) B - 2/(t (t-1)) WL - 2/((m-t)(m-t-1)) WR )
 * where B sums |z_i - z_j| across the split and WL, WR within each side.
 * Moving one point from right to left changes the three sums by its
 * distances to either side, so every t costs O(m) and all of them O(m^2),
 * with no pairwise matrix stored.
 */
#include "changepoint.h"

#include "pa-errno.h"

static inline double absd(double x)
{
	return x < 0 ? -x : x;
}

static inline bool aligned8(const void *p)
{
	return ((uintptr_t)p & 7) == 0;
}

void pa_cp_params_default(struct pa_cp_params *p)
{
	p->min_segment = PA_CP_MIN_SEGMENT_DEFAULT;
	p->alpha = PA_CP_ALPHA_DEFAULT;
	p->permutations = PA_CP_PERMUTATIONS_DEFAULT;
	p->seed = PA_CP_SEED_DEFAULT;
	p->transform = PA_CP_CLIP;
	p->clip = PA_CP_CLIP_DEFAULT;
	p->min_change_pct = 0;
}

/* Scratch layout, n points: z, sv, dist (doubles), bit_sum (n + 1 doubles),
 * obs, idx (uint32), bit_cnt (n + 1 uint32), the segment stack (n + 1 pairs
 * of uint32), and 8 bytes of alignment slack. */
size_t pa_cp_scratch_bytes(size_t n)
{
	return 8 * (4 * n + 1) + 4 * (3 * n + 1) + 8 * (n + 1) + 8;
}

/*
 * One segment prepared for fast evaluation: its values sorted (sv), and for
 * each sorted position k the sum of distances from sv[k] to every value of
 * the segment (dist), so that the distance of a point to the right side is
 * dist minus its distance to the left side. An arrangement of the segment is
 * a permutation of sorted positions; a Fenwick tree over positions gives the
 * count and sum of the left side's values below a point in O(log m).
 */
struct cp_seg {
	size_t m, l;
	const double *sv;
	const double *dist;
	double w_total;     /* sum over pairs of |z_i - z_j| */
	uint32_t *bit_cnt;  /* m + 1 entries */
	double *bit_sum;    /* m + 1 entries */
};

/*
 * Best split of the arrangement pos[0..m) (sorted positions), m >= 2 l:
 * returns the largest Q(t) over l <= t <= m - l and the split in *ret_t.
 * O(m log m).
 */
static double best_split(const struct cp_seg *g, const uint32_t *pos, size_t *ret_t)
{
	size_t m = g->m, l = g->l;
	double wl = 0, wr = g->w_total, b = 0, best = -__builtin_inf(), sum_left = 0;

	for (size_t i = 0; i <= m; i++) {
		g->bit_cnt[i] = 0;
		g->bit_sum[i] = 0;
	}
	*ret_t = l;
	for (size_t t = 0; t + l <= m; t++) {
		size_t k = pos[t], cnt_lt = 0;
		double v = g->sv[k], sum_lt = 0, dl, dr;

		if (t >= l) {
			double tl = (double)t, tr = (double)(m - t);
			double q = tl * tr / (double)m *
				   (2.0 * b / (tl * tr) - 2.0 * wl / (tl * (tl - 1.0)) -
				    2.0 * wr / (tr * (tr - 1.0)));

			if (q > best) {
				best = q;
				*ret_t = t;
			}
		}
		/* point t moves from the right side to the left */
		for (size_t i = k; i > 0; i -= i & -i) {
			cnt_lt += g->bit_cnt[i];
			sum_lt += g->bit_sum[i];
		}
		dl = ((double)cnt_lt * v - sum_lt) + ((sum_left - sum_lt) - (double)(t - cnt_lt) * v);
		dr = g->dist[k] - dl;
		wl += dl;
		wr -= dr;
		b += dr - dl;
		sum_left += v;
		for (size_t i = k + 1; i <= m; i += i & -i) {
			g->bit_cnt[i]++;
			g->bit_sum[i] += v;
		}
	}
	return best;
}

/* Sort idx[0..n) by z[idx[i]] (heapsort, ties in any order). */
static void sort_index(uint32_t *idx, size_t n, const double *z)
{
	if (n < 2)
		return;
	for (size_t start = n / 2, end = n;;) {
		size_t root;
		uint32_t x;

		if (start > 0) {
			start--;
		} else {
			end--;
			if (end == 0)
				break;
			x = idx[end];
			idx[end] = idx[0];
			idx[0] = x;
		}
		root = start;
		x = idx[root];
		for (;;) {
			size_t c = 2 * root + 1;

			if (c >= end)
				break;
			if (c + 1 < end && z[idx[c + 1]] > z[idx[c]])
				c++;
			if (!(z[idx[c]] > z[x]))
				break;
			idx[root] = idx[c];
			root = c;
		}
		idx[root] = x;
	}
}

/*
 * Prepare z[0..m) for best_split: sorted values, distance sums, and the
 * observed arrangement in obs[] (obs[i] = sorted position of z[i]). O(m log m).
 */
static void prepare(struct cp_seg *g, const double *z, size_t m, uint32_t *obs, uint32_t *idx, double *sv,
		    double *dist)
{
	double total = 0, below = 0;

	for (size_t i = 0; i < m; i++)
		idx[i] = (uint32_t)i;
	sort_index(idx, m, z);
	for (size_t k = 0; k < m; k++) {
		sv[k] = z[idx[k]];
		obs[idx[k]] = (uint32_t)k;
		total += sv[k];
	}
	g->w_total = 0;
	for (size_t k = 0; k < m; k++) {
		/* k values below (sum `below`), m - 1 - k above */
		double above = total - below - sv[k];

		dist[k] = ((double)k * sv[k] - below) + (above - (double)(m - 1 - k) * sv[k]);
		g->w_total += dist[k];
		below += sv[k];
	}
	g->w_total *= 0.5;
	g->m = m;
	g->sv = sv;
	g->dist = dist;
}

/*
 * Permutation p-value of the best split's Q: the arrangement is shuffled R
 * times and the best split of each shuffle compared with q_obs.
 * Stops as soon as p > alpha is certain (the value returned is then a lower
 * bound of the full test's p, still > alpha).
 */
static double permutation_p(const struct cp_seg *g, uint32_t *pos, double q_obs, const struct pa_cp_params *p,
			    uint64_t seed)
{
	struct pa_rng rng;
	uint32_t ge = 0, r = p->permutations;
	/* the smallest count of exceedances that makes (1 + ge)/(1 + R) > alpha */
	double stop = p->alpha * (r + 1.0) - 1.0;
	/* Q is a difference of sums: a permutation giving the same Q in exact
	 * arithmetic (equal values swapped) may differ in the last bits */
	double tol = 1e-9 * (g->w_total / (double)g->m + 1e-300);

	pa_rng_seed(&rng, seed);
	for (uint32_t done = 0; done < r; done++) {
		size_t t;

		for (size_t i = g->m - 1; i > 0; i--) {
			size_t j = pa_rng_below(&rng, (uint32_t)i + 1);
			uint32_t x = pos[i];

			pos[i] = pos[j];
			pos[j] = x;
		}
		if (best_split(g, pos, &t) >= q_obs - tol)
			ge++;
		if ((double)ge > stop)
			break; /* a lower bound of the full test's p, already > alpha */
	}
	return (1.0 + ge) / (1.0 + r);
}

/* Median of src[0..n), using buf[0..n) (reordered). */
static double median_of(const double *src, size_t n, double *buf)
{
	double lo, hi;

	for (size_t i = 0; i < n; i++)
		buf[i] = src[i];
	hi = pa_select_double(buf, n, n / 2);
	if (n & 1)
		return hi;
	/* the other middle value is the largest of the lower part */
	lo = buf[0];
	for (size_t i = 1; i < n / 2; i++)
		if (buf[i] > lo)
			lo = buf[i];
	return 0.5 * (lo + hi);
}

/* Mid-ranks (1..n) of x into z, using sorted as scratch. */
static void midranks(const double *x, size_t n, double *z, double *sorted)
{
	for (size_t i = 0; i < n; i++)
		sorted[i] = x[i];
	pa_sort_doubles(sorted, n);
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = n, first, last;

		/* first position with sorted >= x[i] */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (sorted[mid] < x[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		first = lo;
		hi = n;
		/* first position with sorted > x[i] */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (sorted[mid] <= x[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		last = lo - 1;
		z[i] = 0.5 * (double)(first + last) + 1.0;
	}
}

/*
 * Winsorise x into z around the median at clip robust standard deviations
 * (1.4826 MAD, which is the standard deviation for normal data). With
 * MAD = 0 (over half the values equal) the mean absolute deviation stands
 * in; a constant series stays constant.
 */
static void winsorise(const double *x, size_t n, double clip, double *z, double *buf)
{
	double med = median_of(x, n, buf), s, lo, hi;

	for (size_t i = 0; i < n; i++)
		z[i] = absd(x[i] - med);
	s = 1.4826 * median_of(z, n, buf);
	if (s == 0) {
		for (size_t i = 0; i < n; i++)
			s += z[i];
		s = 1.2533 * s / (double)n; /* sqrt(pi/2): sd from mean absolute deviation */
	}
	lo = med - clip * s;
	hi = med + clip * s;
	for (size_t i = 0; i < n; i++)
		z[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

static bool cp_params_ok(const struct pa_cp_params *p)
{
	return (unsigned)p->transform < PA_CP_TRANSFORM_MAX && p->clip > 0 && pa_isfinite(p->clip) &&
	       p->min_change_pct >= 0 && pa_isfinite(p->min_change_pct) &&
	       p->min_segment >= 2 && p->alpha > 0 && p->alpha < 0.5 && p->permutations >= 19 &&
	       p->permutations < (1u << 30) && (p->permutations + 1.0) * p->alpha >= 1.0;
}

struct seg {
	uint32_t start, end;
};

int pa_cp_detect(const double *x, size_t n, const struct pa_cp_params *params, void *scratch,
		 size_t scratch_bytes, struct pa_change_point *cps, size_t max_cps, struct pa_cp_result *ret)
{
	struct pa_cp_params def;
	struct pa_cp_result res = { 0 };
	double *z = scratch, *sv, *dist, *bit_sum;
	uint32_t *obs, *idx, *bit_cnt;
	struct cp_seg g;
	struct seg *stack;
	size_t depth = 0, l, found = 0;

	if (!params) {
		pa_cp_params_default(&def);
		params = &def;
	}
	if (!x || !ret || !scratch || n == 0 || n > UINT32_MAX || !cp_params_ok(params) || !aligned8(scratch) ||
	    (max_cps > 0 && !cps))
		return -PA_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!pa_isfinite(x[i]))
			return -PA_EINVAL;
	if (scratch_bytes < pa_cp_scratch_bytes(n))
		return -PA_ENOSPC;
	sv = z + n;
	dist = sv + n;
	bit_sum = dist + n;
	obs = (uint32_t *)(bit_sum + n + 1);
	idx = obs + n;
	bit_cnt = idx + n;
	stack = (struct seg *)((uintptr_t)(bit_cnt + n + 1 + 1) & ~(uintptr_t)7);
	l = params->min_segment;
	g.l = l;
	g.bit_cnt = bit_cnt;
	g.bit_sum = bit_sum;

	if (params->transform == PA_CP_RAW) {
		for (size_t i = 0; i < n; i++)
			z[i] = x[i];
	} else if (params->transform == PA_CP_RANK) {
		midranks(x, n, z, sv);
	} else {
		winsorise(x, n, params->clip, z, sv);
	}
	/* Every accepted split pushes two segments of >= l points, so at most
	 * n / l + 1 segments are ever pending: the stack (n + 1 entries) holds them. */
	stack[depth++] = (struct seg){ 0, (uint32_t)n };
	while (depth > 0) {
		struct seg s = stack[--depth];
		size_t m = s.end - s.start, t;
		double q, pv;
		uint64_t seed;

		if (m < 2 * l)
			continue;
		prepare(&g, z + s.start, m, obs, idx, sv, dist);
		q = best_split(&g, obs, &t);
		res.tests++;
		/* a per-segment seed: the same segment gets the same test whatever
		 * the order of visits */
		seed = params->seed ^ ((uint64_t)s.start * 0x9e3779b97f4a7c15ull) ^
		       ((uint64_t)s.end * 0xc2b2ae3d27d4eb4full);
		pv = permutation_p(&g, obs, q, params, seed);
		if (pv > params->alpha)
			continue;
		if (found == max_cps) {
			res.truncated = true;
			break;
		}
		cps[found++] = (struct pa_change_point){
			.index = (uint32_t)(s.start + t), .p_value = pv, .energy = q,
		};
		stack[depth++] = (struct seg){ s.start, (uint32_t)(s.start + t) };
		stack[depth++] = (struct seg){ (uint32_t)(s.start + t), s.end };
	}
	/* sort by index (few entries: insertion sort) */
	for (size_t i = 1; i < found; i++) {
		struct pa_change_point c = cps[i];
		size_t j = i;

		for (; j > 0 && cps[j - 1].index > c.index; j--)
			cps[j] = cps[j - 1];
		cps[j] = c;
	}
	/* Levels of the adjacent segments of the final segmentation, on raw
	 * values. With min_change_pct, the smallest change below it is dropped
	 * (its two segments merge) and the levels recomputed, until every
	 * remaining change is large enough: O(k n) per round, k rounds at most. */
	for (;;) {
		size_t weakest = found;
		double weakest_abs = 0;

		for (size_t i = 0; i < found; i++) {
			size_t a = i ? cps[i - 1].index : 0, b = cps[i].index, c = i + 1 < found ? cps[i + 1].index : n;
			double d;

			cps[i].before = median_of(x + a, b - a, sv);
			cps[i].after = median_of(x + b, c - b, sv);
			cps[i].change_pct = cps[i].before != 0 ?
				(cps[i].after - cps[i].before) / absd(cps[i].before) * 100.0 : 0.0;
			d = absd(cps[i].change_pct);
			if (cps[i].before != 0 && d < params->min_change_pct && (weakest == found || d < weakest_abs)) {
				weakest = i;
				weakest_abs = d;
			}
		}
		if (weakest == found)
			break;
		for (size_t i = weakest; i + 1 < found; i++)
			cps[i] = cps[i + 1];
		found--;
		res.dropped++;
	}
	res.n_cps = (uint32_t)found;
	*ret = res;
	return (int)found;
}

size_t pa_theil_sen_scratch_bytes(size_t n)
{
	uint64_t pairs = (uint64_t)n * (n - (n > 0)) / 2, bytes = 8 * (pairs > n ? pairs : n);

	return bytes > SIZE_MAX ? SIZE_MAX : (size_t)bytes; /* SIZE_MAX: cannot be satisfied */
}

static inline double xval(const double *x, size_t i)
{
	return x ? x[i] : (double)i;
}

int pa_theil_sen(const double *x, const double *y, size_t n, double alpha, void *scratch,
		 size_t scratch_bytes, struct pa_theil_sen *ret)
{
	struct pa_theil_sen r = { 0 };
	double *s = scratch, med_y;
	size_t np = 0;

	if (!y || !ret || !scratch || n < 2 || n > (1u << 30) || !(alpha > 0 && alpha < 1) || !aligned8(scratch))
		return -PA_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!pa_isfinite(y[i]) || (x && !pa_isfinite(x[i])))
			return -PA_EINVAL;
	if (scratch_bytes < pa_theil_sen_scratch_bytes(n) || pa_theil_sen_scratch_bytes(n) == SIZE_MAX)
		return -PA_ENOSPC;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double dx = xval(x, j) - xval(x, i);

			if (dx != 0)
				s[np++] = (y[j] - y[i]) / dx;
		}
	if (np == 0)
		return -PA_EINVAL;
	r.pairs = np;
	r.slope = pa_select_double(s, np, np / 2);
	if (!(np & 1)) {
		double lo = s[0];

		for (size_t i = 1; i < np / 2; i++)
			if (s[i] > lo)
				lo = s[i];
		r.slope = 0.5 * (lo + r.slope);
	}
	r.level = 1.0 - alpha;
	{
		double nn = (double)n, c = pa_norm_quantile(1.0 - alpha / 2) *
					   __builtin_sqrt(nn * (nn - 1.0) * (2.0 * nn + 5.0) / 18.0);
		double m1 = ((double)np - c) / 2.0, m2 = ((double)np + c) / 2.0;
		int64_t k1 = (int64_t)(m1 + 0.5), k2 = (int64_t)(m2 + 0.5) + 1; /* 1-based ranks */

		if (m1 >= 0.5 && k2 <= (int64_t)np) {
			r.ci_valid = true;
			r.slope_lo = pa_select_double(s, np, (size_t)(k1 - 1));
			r.slope_hi = pa_select_double(s, np, (size_t)(k2 - 1));
		}
	}
	for (size_t i = 0; i < n; i++)
		s[i] = y[i] - r.slope * xval(x, i);
	r.intercept = pa_select_double(s, n, n / 2);
	if (!(n & 1)) {
		double lo = s[0];

		for (size_t i = 1; i < n / 2; i++)
			if (s[i] > lo)
				lo = s[i];
		r.intercept = 0.5 * (lo + r.intercept);
	}
	for (size_t i = 0; i < n; i++)
		s[i] = y[i];
	med_y = pa_select_double(s, n, n / 2);
	if (!(n & 1)) {
		double lo = s[0];

		for (size_t i = 1; i < n / 2; i++)
			if (s[i] > lo)
				lo = s[i];
		med_y = 0.5 * (lo + med_y);
	}
	r.slope_pct = med_y > 0 ? r.slope / med_y * 100.0 : 0.0;
	*ret = r;
	return 0;
}
