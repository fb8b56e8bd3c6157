/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.h - the statistical regression verdict of check_regression over
 * per-window evidence (issue 5), on top of core/regress.h.
 *
 * For each event checked, the per-window medians and the per-window p99s of
 * the baseline (A) and of the current period (B) are compared with a
 * one-sided Mann-Whitney U test and a Hodges-Lehmann interval of the change;
 * Holm's correction runs across every metric of every event checked together.
 * An event's verdict: REGRESSION if any of its metrics is, OK if all are,
 * INCONCLUSIVE otherwise. Nothing prints; user-space (floating point) code.
 */
#ifndef PA_DAEMON_VERDICT_H
#define PA_DAEMON_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regress.h"

enum pa_metric {
	PA_METRIC_P50 = 0,
	PA_METRIC_P99 = 1,
	PA_METRIC_MAX,
};

/* "p50", "p99". */
const char *pa_metric_name(enum pa_metric m);

/* The evidence of one event: values in ns (> 0), one per window that had events. */
struct pa_event_evidence {
	const char *name;                       /* event name, for the reason text */
	const double *a[PA_METRIC_MAX];         /* baseline windows */
	const double *b[PA_METRIC_MAX];         /* current windows */
	size_t na, nb;
};

struct pa_event_verdict {
	enum pa_verdict verdict;
	bool m_valid[PA_METRIC_MAX];            /* the metric could be tested (na, nb >= 1) */
	struct pa_regress_result m[PA_METRIC_MAX];
	/*
	 * INCONCLUSIVE only: windows of the current period (baseline fixed)
	 * expected to decide, the largest over the undecided metrics;
	 * more_per_side when only both sides growing could (a compare), and
	 * PA_REGRESS_MORE_UNKNOWN when no number would.
	 */
	uint32_t more_current, more_per_side;
	char reason[512];
};

/*
 * Decide the verdicts of k events checked together (Holm across all their
 * metrics) with parameters p (NULL: defaults). ret[k] is filled.
 * Returns the number of REGRESSION verdicts, or -PA_EINVAL (bad values,
 * e.g. a window value <= 0), -PA_ENOMEM (scratch).
 */
int pa_verdict_family(const struct pa_event_evidence *ev, size_t k, const struct pa_regress_params *p,
		      struct pa_event_verdict *ret);

#endif /* PA_DAEMON_VERDICT_H */
