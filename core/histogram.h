/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * histogram.h - log-linear latency histogram in nanoseconds.
 *
 * Bucket layout in hist-layout.h: 32 linear sub-buckets per power of two, so
 * any percentile reported (a bucket midpoint, clamped to [min, max]) is within
 * 1/64 (1.5625 %) of the exact nearest-rank value. count, total, min and max
 * are exact. Mergeable bucket for bucket with the in-kernel histograms.
 *
 * Integer arithmetic only, except pa_hist_variance()/pa_hist_stddev(), which
 * use double and are meant for user-space analysis code (kernels do not save
 * FPU state for their own code). No allocation; not thread-safe: one writer,
 * or external locking; per-CPU instances merged by a reader are the norm.
 */
#ifndef PA_CORE_HISTOGRAM_H
#define PA_CORE_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "hist-layout.h"

struct pa_hist {
	uint64_t count;
	uint64_t total;   /* sum of values, ns (wraps after 584 years of time) */
	uint64_t min;     /* UINT64_MAX when empty */
	uint64_t max;     /* 0 when empty */
	uint64_t sumsq_lo; /* sum of squares, 128-bit as two words (no __int128 on i386) */
	uint64_t sumsq_hi;
	uint64_t buckets[PA_HIST_BUCKETS];
};

/* Make `h` empty. */
void pa_hist_reset(struct pa_hist *h);

/* Record one value in ns. Hot path: O(1), no allocation, always succeeds. */
bool pa_hist_record(struct pa_hist *h, uint64_t value_ns);

/* Record `n` occurrences of one value. */
bool pa_hist_record_n(struct pa_hist *h, uint64_t value_ns, uint64_t n);

/* dst += src. O(PA_HIST_BUCKETS). */
void pa_hist_merge(struct pa_hist *dst, const struct pa_hist *src);

/*
 * Value at quantile `q_ppm` in parts per million (500000 = p50, 999000 =
 * p99.9), nearest-rank definition, within the documented 1/64 bound.
 * Returns 0 for an empty histogram. O(PA_HIST_BUCKETS).
 */
uint64_t pa_hist_percentile(const struct pa_hist *h, uint32_t q_ppm);

/* Integer mean in ns (total / count), 0 when empty. */
uint64_t pa_hist_mean(const struct pa_hist *h);

/*
 * Population variance (ns^2) and standard deviation (ns), 0 when empty:
 * user space only. Exact up to the final rounding (the sum of squares is
 * exact; see histogram.c). A kernel build defines PA_NO_FLOAT, which leaves
 * them out so that core/ compiles with -mgeneral-regs-only.
 */
#ifndef PA_NO_FLOAT
double pa_hist_variance(const struct pa_hist *h);
double pa_hist_stddev(const struct pa_hist *h);
#endif

#endif /* PA_CORE_HISTOGRAM_H */
