/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * histogram.c - the log-linear latency histogram.
 *
 * pa_hist_record() is the hot path of the whole framework: one msb, one
 * shift, one add per field, no division and no loop. The sum of squares is a
 * 128-bit number kept in two 64-bit words; values below 2^32 ns (4.29 s, i.e.
 * nearly all of them) square into one word and cost one add with carry.
 */
#include "histogram.h"
#include "u128.h"

/*
 * Bucket of v: the same index as pa_hist_bucket() (test-histogram checks that
 * for every boundary), but branch-free. With s = msb(v | 32) - 5, the index
 * (s << 5) + (v >> s) also holds for v < 64, where s = 0 and the index is v
 * itself; values of 2^48 and more are clamped into the last bucket.
 */
static inline unsigned int bucket_of(uint64_t v)
{
	const uint64_t top = ((uint64_t)1 << PA_HIST_MAX_BITS) - 1;
	unsigned int s;

	if (v > top)
		v = top;
	s = (unsigned int)(63 - __builtin_clzll(v | PA_HIST_SUB_COUNT)) - PA_HIST_SUB_BITS;
	return (s << PA_HIST_SUB_BITS) + (unsigned int)(v >> s);
}

void pa_hist_reset(struct pa_hist *h)
{
	h->count = 0;
	h->total = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sumsq_lo = 0;
	h->sumsq_hi = 0;
	for (unsigned int i = 0; i < PA_HIST_BUCKETS; i++)
		h->buckets[i] = 0;
}

/* Out of line: values of 2^32 ns and more are rare. */
static __attribute__((noinline)) void add_square_wide(struct pa_hist *h, uint64_t v)
{
	struct pa_u128 s = { h->sumsq_lo, h->sumsq_hi };

	s = pa_u128_add(s, pa_u128_mul64(v, v));
	h->sumsq_lo = s.lo;
	h->sumsq_hi = s.hi;
}

bool pa_hist_record(struct pa_hist *h, uint64_t value_ns)
{
	h->buckets[bucket_of(value_ns)]++;
	h->count++;
	h->total += value_ns;
	if (value_ns < h->min)
		h->min = value_ns;
	if (value_ns > h->max)
		h->max = value_ns;
	if (__builtin_expect(value_ns >> 32 == 0, 1)) {
		uint64_t sq = value_ns * value_ns;

		h->sumsq_lo += sq;
		h->sumsq_hi += h->sumsq_lo < sq;
	} else {
		add_square_wide(h, value_ns);
	}
	return true;
}

bool pa_hist_record_n(struct pa_hist *h, uint64_t value_ns, uint64_t n)
{
	struct pa_u128 s = { h->sumsq_lo, h->sumsq_hi };

	if (n == 0)
		return true;
	h->buckets[bucket_of(value_ns)] += n;
	h->count += n;
	h->total += value_ns * n;
	if (value_ns < h->min)
		h->min = value_ns;
	if (value_ns > h->max)
		h->max = value_ns;
	s = pa_u128_add(s, pa_u128_mul(pa_u128_mul64(value_ns, value_ns), n));
	h->sumsq_lo = s.lo;
	h->sumsq_hi = s.hi;
	return true;
}

void pa_hist_merge(struct pa_hist *dst, const struct pa_hist *src)
{
	struct pa_u128 a = { dst->sumsq_lo, dst->sumsq_hi }, b = { src->sumsq_lo, src->sumsq_hi };

	dst->count += src->count;
	dst->total += src->total;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	a = pa_u128_add(a, b);
	dst->sumsq_lo = a.lo;
	dst->sumsq_hi = a.hi;
	for (unsigned int i = 0; i < PA_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

/*
 * Remainders are computed by multiplying back; this keeps gcc from fusing a
 * division and a remainder into libgcc's __udivmoddi4 on i386, which kernels
 * do not all link (the allowed list has only __udivdi3 and friends).
 */
static inline void hide(uint64_t *v)
{
	__asm__("" : "+m"(*v));
}

/*
 * Nearest rank: the smallest value with at least ceil(q * count) values at or
 * below it. The rank is computed as (count / 1e6) * q + ceil((count % 1e6) * q
 * / 1e6), which is exact and cannot overflow for any count.
 */
uint64_t pa_hist_percentile(const struct pa_hist *h, uint32_t q_ppm)
{
	const uint64_t ppm = 1000000;
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (q_ppm > ppm)
		q_ppm = ppm;
	rank = h->count / ppm;
	hide(&rank);
	rank = rank * q_ppm + ((h->count - rank * ppm) * q_ppm + ppm - 1) / ppm;
	/* the extremes are known exactly */
	if (rank <= 1)
		return h->min;
	if (rank >= h->count)
		return h->max;
	for (unsigned int i = 0; i < PA_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			/* midpoint: at most half a bucket (<= 1/64 of the value) away */
			uint64_t v = pa_hist_bucket_low(i) + pa_hist_bucket_width(i) / 2;

			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	/* buckets hold fewer than count values: only if the caller broke the struct */
	return h->max;
}

uint64_t pa_hist_mean(const struct pa_hist *h)
{
	return h->count ? h->total / h->count : 0;
}

#ifndef PA_NO_FLOAT
static double u128_to_double(struct pa_u128 a)
{
	return (double)a.hi * 18446744073709551616.0 + (double)a.lo;
}

/*
 * Population variance without cancellation: with total = q * n + r,
 * n * var = sumsq - total^2 / n = (sumsq - q^2 n - 2 q r) - r^2 / n, where
 * the bracket is exact in 128-bit integers (it is >= 0 by Cauchy-Schwarz) and
 * only r^2 / n < n is left to floating point.
 */
double pa_hist_variance(const struct pa_hist *h)
{
	struct pa_u128 s = { h->sumsq_lo, h->sumsq_hi };
	uint64_t n = h->count, q, r;
	double v;

	if (n == 0)
		return 0.0;
	q = h->total / n;
	hide(&q);
	r = h->total - q * n;
	s = pa_u128_sub(s, pa_u128_mul(pa_u128_mul64(q, q), n));
	s = pa_u128_sub(s, pa_u128_mul(pa_u128_mul64(q, r), 2));
	v = (u128_to_double(s) - (double)r * (double)r / (double)n) / (double)n;
	return v > 0.0 ? v : 0.0;
}

double pa_hist_stddev(const struct pa_hist *h)
{
	/* no libm in a freestanding build: -fno-math-errno lets gcc inline sqrt */
	return __builtin_sqrt(pa_hist_variance(h));
}
#endif /* PA_NO_FLOAT */
