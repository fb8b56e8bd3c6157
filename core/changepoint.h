/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * changepoint.h - trend analysis over a history series (one value per window
 * or per CI run, oldest first): where did the level change, and is there a
 * slow drift?
 *
 *   pa_cp_detect   E-divisive means (Matteson & James 2014, as Apache Otava
 *                  and MongoDB use it): split at the point that maximises the
 *                  energy distance between the two sides, keep the split if a
 *                  permutation test finds it significant, and repeat inside
 *                  each side. Robust to single spikes: extreme values are
 *                  pulled in to median +- 4 robust standard deviations first
 *                  (or replaced by ranks), and no segment is shorter than
 *                  min_segment, so a change must persist for min_segment
 *                  points to be reported.
 *   pa_theil_sen   Theil-Sen slope (median of the pairwise slopes) with
 *                  Sen's distribution-free interval, for slow drift.
 *
 * Deterministic: the permutation test draws from a PRNG seeded by the caller
 * (per segment, so the result does not depend on the order segments are
 * visited); the same input and seed give the same answer on every machine.
 * Nothing is allocated or printed; the caller passes scratch space (sizes
 * from the *_scratch_bytes() functions, aligned to 8 bytes). Floating point:
 * user-space analysis code only.
 */
#ifndef PA_CORE_CHANGEPOINT_H
#define PA_CORE_CHANGEPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regress-math.h"

#define PA_CP_MIN_SEGMENT_DEFAULT 5
#define PA_CP_ALPHA_DEFAULT 0.005
#define PA_CP_PERMUTATIONS_DEFAULT 399
#define PA_CP_SEED_DEFAULT 0x70657266616e616cull /* "perfanal" */
#define PA_CP_CLIP_DEFAULT 4.0

/* What the detector sees of the values. */
enum pa_cp_transform {
	/* Default. Winsorised: values beyond median +- clip * 1.4826 MAD of the
	 * whole series are pulled in to that bound. A spike then weighs no more
	 * than `clip` robust standard deviations, while a step keeps its size
	 * (up to the bound), so its position is found to the point. */
	PA_CP_CLIP = 0,
	/* Mid-ranks: the most robust, but blind to the size of a step, so the
	 * position can be off by one and short-lived levels are missed. */
	PA_CP_RANK = 1,
	/* The values as they are (the original E-divisive): spikes count fully. */
	PA_CP_RAW = 2,
	PA_CP_TRANSFORM_MAX,
};

struct pa_cp_params {
	uint32_t min_segment;  /* >= 2: shortest segment (points) on either side of a change */
	double alpha;          /* (0, 0.5): level of each split's permutation test */
	uint32_t permutations; /* >= 19 and >= 1/alpha - 1, so that p <= alpha is reachable */
	uint64_t seed;         /* PRNG seed of the permutation test */
	enum pa_cp_transform transform;
	double clip;           /* > 0: the bound of PA_CP_CLIP, in robust standard deviations */
	double min_change_pct; /* >= 0: drop significant changes smaller than this (0: keep all) */
};

/* Defaults: min_segment 5, alpha 0.005, 399 permutations, PA_CP_SEED_DEFAULT,
 * PA_CP_CLIP at 4 robust standard deviations, min_change_pct 0. */
void pa_cp_params_default(struct pa_cp_params *p);

struct pa_change_point {
	uint32_t index;      /* first point of the new level: x[index] differs from x[index - 1] */
	double p_value;      /* permutation p-value of the split, (1 + #perm >= obs) / (1 + R) */
	double energy;       /* the split's energy statistic (on the transformed values) */
	double before;       /* median of the segment before (between the previous change and this one) */
	double after;        /* median of the segment after (up to the next change) */
	double change_pct;   /* (after - before) / |before| * 100; 0 if before is 0 */
};

struct pa_cp_result {
	uint32_t n_cps;      /* change points written, sorted by index */
	bool truncated;      /* more significant changes were found than max_cps */
	uint32_t tests;      /* splits tested (segments long enough to split) */
	uint32_t dropped;    /* significant changes dropped as smaller than min_change_pct */
};

/* Scratch bytes pa_cp_detect() needs for n points: 52 n + 28. */
size_t pa_cp_scratch_bytes(size_t n);

/*
 * Change points of x[0..n) (finite values, oldest first). Writes at most
 * max_cps change points to cps[], sorted by index, and the summary to *ret.
 * With min_change_pct > 0, significant changes whose adjacent medians differ
 * by less than that are dropped one at a time, smallest first, merging their
 * segments (a slow drift otherwise shows as several small steps).
 * Cost: O(R m log m) per tested segment of m points (R = permutations; a
 * non-significant segment stops early, after alpha (R + 1) exceedances);
 * with the defaults, 1000 points with two changes take ~15 ms, 5000 ~75 ms
 * (measured on the project VM). A series shorter than 2 min_segment has no
 * change point.
 * Returns the number of change points (>= 0), or -PA_EINVAL (NULL, n = 0,
 * n > UINT32_MAX, non-finite value, bad params, misaligned scratch) or
 * -PA_ENOSPC (scratch too small). cps may be NULL if max_cps is 0 (then
 * only ret->truncated tells whether a change exists).
 */
int pa_cp_detect(const double *x, size_t n, const struct pa_cp_params *params, void *scratch,
		 size_t scratch_bytes, struct pa_change_point *cps, size_t max_cps, struct pa_cp_result *ret);

struct pa_theil_sen {
	double slope;            /* median pairwise slope, units of y per unit of x */
	double intercept;        /* median of y_i - slope x_i */
	double slope_lo, slope_hi; /* Sen's interval; valid only if ci_valid */
	double level;            /* its two-sided coverage, 1 - alpha */
	double slope_pct;        /* slope / median(y) * 100: percent of the level per unit x (0 if median <= 0) */
	uint64_t pairs;          /* pairs with distinct x that gave a slope */
	bool ci_valid;           /* false if n is too small for this level */
};

/* Scratch bytes pa_theil_sen() needs: 8 max(n (n - 1) / 2, n); SIZE_MAX if
 * that does not fit in size_t (n too large for this machine). */
size_t pa_theil_sen_scratch_bytes(size_t n);

/*
 * Theil-Sen line through (x[i], y[i]), i < n; x NULL means x[i] = i. The
 * interval is Sen's: with N slopes and C = z_{1-alpha/2} sqrt(n (n-1)
 * (2n+5) / 18), the order statistics round((N - C)/2) and round((N + C)/2) + 1
 * (1-based); it assumes no ties in x (ties in y make it slightly
 * conservative). O(n^2) time and scratch (one slope per pair; select, not
 * sort). Returns 0, or -PA_EINVAL (NULL y or ret, n < 2, non-finite value,
 * every x equal, alpha outside (0, 1), misaligned scratch), -PA_ENOSPC.
 */
int pa_theil_sen(const double *x, const double *y, size_t n, double alpha, void *scratch,
		 size_t scratch_bytes, struct pa_theil_sen *ret);

#endif /* PA_CORE_CHANGEPOINT_H */
