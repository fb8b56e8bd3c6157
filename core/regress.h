/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regress.h - "did performance regress?": the A/B statistics behind
 * check-regression and compare.
 *
 * The unit of evidence is a window or a run, never a single event: the
 * inputs are per-window (or per-run) values of one metric, e.g. the median or
 * the p99 latency of an event in each 1 s window of the baseline period and
 * of the current period. Values must be finite and > 0 (latencies in ns);
 * windows without events have no median and must be left out by the caller.
 *
 *   pa_mw_test        one-sided Mann-Whitney U test: is B stochastically
 *                     greater (slower) than A? Exact for small samples,
 *                     normal approximation with tie and continuity
 *                     correction for larger ones;
 *   pa_hl_ratio       Hodges-Lehmann estimate of the ratio B/A (median of
 *                     the pairwise ratios b_j/a_i, i.e. HL on log values) and
 *                     its distribution-free (Moses) confidence interval;
 *   pa_holm           Holm's step-down adjustment across several tests;
 *   pa_regress_compare  all of the above for one metric, and the verdict;
 *   pa_regress_apply_holm  the verdicts of a family of comparisons (several
 *                     events and/or metrics checked together).
 *
 * The verdict, for a threshold T (percent, the smallest change that
 * matters; the seed's default is 20) and a level alpha (default 0.05):
 *   REGRESSION    significant after Holm correction AND the lower end of the
 *                 confidence interval of the change is above +T %;
 *   OK            the upper end of the interval is below +T % (the data rule
 *                 out a change that matters);
 *   INCONCLUSIVE  anything else, in particular fewer than min_n values on
 *                 either side (never OK or REGRESSION on too little data),
 *                 with an estimate of how many more windows would decide.
 * The interval's ends are one-sided bounds at level alpha each (so it is a
 * 1 - 2 alpha two-sided interval), which matches the one-sided test.
 *
 * Memory: nothing is allocated; the caller passes scratch space, whose size
 * the *_scratch_bytes() functions give, aligned to 8 bytes. Everything is
 * reentrant; nothing prints. Floating point: user-space analysis code only.
 *
 * Typical use (check-regression over k event/metric pairs):
 *
 *	struct pa_regress_params p;
 *	pa_regress_params_default(&p);
 *	p.threshold_pct = t;
 *	for (i = 0; i < k; i++) {
 *		size_t need = pa_regress_scratch_bytes(na[i], nb[i], p.method);
 *		... (re)allocate buf of `need` bytes (malloc is 16-aligned) ...
 *		r = pa_regress_compare(base[i], na[i], cur[i], nb[i], &p, buf, need, &res[i]);
 *		if (r < 0) ... report -r (EINVAL: bad values, e.g. a window median of 0) ...
 *	}
 *	pa_regress_apply_holm(res, k);	   (every verdict now family-wise)
 *	exit code: REGRESSION if any res[i].verdict is, else INCONCLUSIVE if
 *	any is, else OK (the enum values are the exit codes 1, 3, 0).
 */
#ifndef PA_CORE_REGRESS_H
#define PA_CORE_REGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regress-math.h"

/* The exact Mann-Whitney distribution is used when na + nb <= this (counts
 * then fit in 64 bits: C(50, 25) < 2^47) and for the interval's order
 * statistic; above it, the normal approximation. */
#define PA_MW_EXACT_MAX_N 50

/* Defaults of struct pa_regress_params. */
#define PA_REGRESS_THRESHOLD_PCT_DEFAULT 20.0
#define PA_REGRESS_ALPHA_DEFAULT 0.05
#define PA_REGRESS_MIN_N_DEFAULT 5 /* windows (or runs) per side */
#define PA_REGRESS_MIN_N_FLOOR 3   /* below this no verdict is ever possible */

/* "More windows" estimate when no number would decide (the change sits at T). */
#define PA_REGRESS_MORE_UNKNOWN UINT32_MAX

enum pa_mw_method {
	PA_MW_AUTO = 0,   /* exact if na + nb <= PA_MW_EXACT_MAX_N, else normal */
	PA_MW_EXACT = 1,  /* exact (ties handled by the exact conditional distribution) */
	PA_MW_NORMAL = 2, /* normal approximation, tie and continuity corrected */
	PA_MW_METHOD_MAX,
};

struct pa_mw_result {
	double u;              /* U of B: #{b_j > a_i} + #{b_j == a_i}/2, in [0, na*nb] */
	double z;              /* (U - na*nb/2 - 1/2) / sd with the tie-corrected sd; 0 if sd = 0 */
	double p;              /* one-sided P(U >= observed | no difference) */
	uint32_t na, nb;
	uint32_t tie_groups;   /* groups of equal values in the pooled sample (size >= 2) */
	enum pa_mw_method method; /* PA_MW_EXACT or PA_MW_NORMAL: what was used */
};

/*
 * Scratch bytes pa_mw_test() needs for sample sizes na, nb and `method`
 * (worst case over tie patterns): 8 (na + nb) for sorted copies, plus the
 * exact distribution's counters when the exact method applies
 * (8 (min(na,nb) + 1) (min(na,nb) (2 (na+nb) - min(na,nb) + 1) + 1) bytes,
 * 395 KiB at 25 + 25). Returns 0 for na or nb = 0.
 */
size_t pa_mw_scratch_bytes(size_t na, size_t nb, enum pa_mw_method method);

/*
 * One-sided Mann-Whitney U test of H1 "B is stochastically greater than A"
 * (values of B tend to be larger). a[na], b[nb]: finite values (any sign).
 * PA_MW_EXACT requires na + nb <= PA_MW_EXACT_MAX_N. With ties the exact
 * p-value is that of the conditional permutation distribution of the
 * mid-rank sum (what enumeration of all arrangements gives).
 * Errors: -PA_EINVAL (na or nb = 0, NULL pointer, non-finite value,
 * unknown method, exact requested above the limit, misaligned scratch),
 * -PA_ENOSPC (scratch smaller than pa_mw_scratch_bytes()).
 * On success fills *ret and returns 0; *ret is untouched on error.
 */
int pa_mw_test(const double *a, size_t na, const double *b, size_t nb, enum pa_mw_method method,
	       void *scratch, size_t scratch_bytes, struct pa_mw_result *ret);

/*
 * Lower tail of the exact null distribution of U without ties:
 * P(U <= u) for sample sizes m, n (m + n <= PA_MW_EXACT_MAX_N), using
 * scratch of 8 (m n + 1) bytes. Returns 0 and *ret_p, or -PA_EINVAL,
 * -PA_ENOSPC. (The distribution is symmetric: P(U >= mn - u) is the same.)
 */
int pa_mw_null_cdf(uint32_t m, uint32_t n, double u, void *scratch, size_t scratch_bytes, double *ret_p);

struct pa_hl_result {
	double ratio;          /* Hodges-Lehmann estimate of B/A (1.25 = 25 % slower) */
	double ci_lo, ci_hi;   /* interval of the ratio; valid only if ci_valid */
	double level;          /* coverage of [ci_lo, ci_hi], e.g. 0.90 for alpha_side 0.05 */
	uint64_t k;            /* ci_lo is the k-th smallest pairwise ratio, ci_hi the (na nb + 1 - k)-th */
	bool ci_valid;         /* false if the samples are too small for this level */
};

/* Scratch bytes pa_hl_ratio() needs: 8 (na + nb), or 8 (na nb + 1) if that is
 * larger and na + nb <= PA_MW_EXACT_MAX_N (exact order statistic). */
size_t pa_hl_scratch_bytes(size_t na, size_t nb);

/*
 * Hodges-Lehmann estimate of the ratio B/A: the median of the na*nb pairwise
 * ratios b_j/a_i (the geometric mean of the two middle ones when na*nb is
 * even), with the Moses interval [R(k), R(na nb + 1 - k)] of the ordered
 * ratios, k the largest integer with P(U <= k - 1) <= alpha_side under no
 * difference (exact distribution for na + nb <= PA_MW_EXACT_MAX_N, else the
 * normal approximation with continuity correction). Each end is a one-sided
 * bound at level alpha_side; coverage is at least 1 - 2 alpha_side for
 * continuous data. No pairwise ratio is stored: order statistics are found
 * by bisection over the bit patterns of doubles, counting ratios below a
 * value in O(na + nb) with two pointers on sorted copies (64 passes).
 * a[na], b[nb]: finite values > 0; alpha_side in (0, 0.5).
 * Errors: -PA_EINVAL (bad size, pointer, value or alpha, misaligned
 * scratch), -PA_ENOSPC (scratch too small). Sets *ret only on success.
 */
int pa_hl_ratio(const double *a, size_t na, const double *b, size_t nb, double alpha_side,
		void *scratch, size_t scratch_bytes, struct pa_hl_result *ret);

/*
 * Holm's step-down adjustment of k p-values p[0..k) (each in [0, 1]):
 * ret_adjusted[i] = max over j ranked at or before i of min(1, (k - rank_j) p_j),
 * ret_reject[i] = ret_adjusted[i] <= alpha. Controls the family-wise error
 * rate at alpha under any dependence. ret_reject may be NULL. Outputs must
 * not overlap p. O(k^2) time, no scratch (families are a few hundred tests
 * at most). Returns the number of rejections, or -PA_EINVAL (k = 0, NULL,
 * p outside [0, 1] or NaN, alpha outside (0, 1)).
 */
int pa_holm(const double *p, size_t k, double alpha, double *ret_adjusted, bool *ret_reject);

enum pa_verdict {
	PA_VERDICT_OK = 0,           /* also the CLI's exit code */
	PA_VERDICT_REGRESSION = 1,
	PA_VERDICT_INCONCLUSIVE = 3,
	PA_VERDICT_MAX,
};

/* "OK", "REGRESSION", "INCONCLUSIVE"; "?" for anything else. */
const char *pa_verdict_name(enum pa_verdict v);

/* Why the verdict is what it is. */
enum pa_regress_reason {
	PA_REASON_DECIDED = 0,          /* OK or REGRESSION */
	PA_REASON_TOO_FEW = 1,          /* fewer than min_n values on a side */
	PA_REASON_NOT_SIGNIFICANT = 2,  /* interval above T but p (adjusted) > alpha */
	PA_REASON_SPANS_THRESHOLD = 3,  /* the interval contains T */
	PA_REASON_MAX,
};

/* Short English phrase for a reason, e.g. "too few windows". */
const char *pa_regress_reason_name(enum pa_regress_reason r);

struct pa_regress_params {
	double threshold_pct;  /* T >= 0: the smallest slowdown that matters, percent */
	double alpha;          /* in (0, 0.5): test level (family-wise with Holm) and each interval end */
	uint32_t min_n;        /* >= PA_REGRESS_MIN_N_FLOOR values per side for a decided verdict */
	enum pa_mw_method method;
};

/* Fill *p with the defaults (T 20 %, alpha 0.05, min_n 5, PA_MW_AUTO). */
void pa_regress_params_default(struct pa_regress_params *p);

struct pa_regress_result {
	enum pa_verdict verdict;
	enum pa_regress_reason reason;
	struct pa_mw_result mw;
	struct pa_hl_result hl;
	double p_adjusted;       /* Holm-adjusted p (= mw.p for a family of one) */
	double change_pct;       /* (hl.ratio - 1) * 100 */
	double ci_lo_pct, ci_hi_pct; /* interval of the change in percent (valid if hl.ci_valid) */
	double median_a, median_b;   /* medians of the inputs, for display */
	double threshold_pct, alpha; /* the parameters used */
	uint32_t min_n;
	/*
	 * INCONCLUSIVE only (0 otherwise): how many more windows per side
	 * (both sides growing, as in an A/B run) would be expected to decide,
	 * assuming the current estimate is the truth and the interval's width
	 * shrinks as 1/sqrt(na nb / (na + nb)); PA_REGRESS_MORE_UNKNOWN if the
	 * estimate sits at T or no interval exists yet. An estimate, not a
	 * promise: a change close to T needs many windows.
	 */
	uint32_t more_per_side;
	/* The same when only B (the current period) grows, A fixed; UNKNOWN if
	 * no number of B windows alone is enough. */
	uint32_t more_current;
};

/* Scratch bytes pa_regress_compare() needs for na, nb and `method`. */
size_t pa_regress_scratch_bytes(size_t na, size_t nb, enum pa_mw_method method);

/*
 * Compare one metric: A = baseline values, B = current values, one per
 * window or run, all finite and > 0. Runs pa_mw_test and pa_hl_ratio and
 * decides the verdict as for a family of one (p_adjusted = p). params NULL
 * means the defaults. Errors: -PA_EINVAL (na or nb = 0, NULL, bad value,
 * bad params, misaligned scratch), -PA_ENOSPC (scratch too small). On
 * success fills *ret and returns the verdict (>= 0).
 */
int pa_regress_compare(const double *a, size_t na, const double *b, size_t nb,
		       const struct pa_regress_params *params, void *scratch, size_t scratch_bytes,
		       struct pa_regress_result *ret);

/*
 * Apply Holm across a family of k comparisons made by pa_regress_compare
 * (e.g. the median and the p99 of every event checked): sets p_adjusted and
 * re-decides every verdict (and more_* estimates) with it, using each
 * result's own threshold, alpha and min_n (Holm's adjusted p-values do not
 * depend on alpha; give every member the same alpha for a family-wise level).
 * The intervals are not widened for the family: Holm protects the claim "B
 * is slower", each interval end the claim "by more than T" at its own level.
 * Returns the number of REGRESSION verdicts, or -PA_EINVAL (k = 0, NULL, or
 * a result not produced by pa_regress_compare).
 */
int pa_regress_apply_holm(struct pa_regress_result *results, size_t k);

#endif /* PA_CORE_REGRESS_H */
