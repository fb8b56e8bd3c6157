/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.c - the regression decision of check_regression.
 *
 * For now the seed's rule: a regression is a mean duration that grew by more
 * than T %. It lives behind pa_regression_verdict() alone so that the
 * statistical verdict over windows (Mann-Whitney U, Hodges-Lehmann interval;
 * issue 5) replaces it without touching callers. What it already refuses to
 * do is pass silently on no data: an empty period is INCONCLUSIVE.
 */
#include <stdio.h>

#include "daemon.h"

const char *pa_verdict_name(enum pa_verdict_kind k)
{
	switch (k) {
	case PA_VERDICT_OK: return "OK";
	case PA_VERDICT_REGRESSION: return "REGRESSION";
	default: return "INCONCLUSIVE";
	}
}

void pa_regression_verdict(const struct pa_event_summary *base, const struct pa_event_summary *cur,
			   uint32_t threshold_pct, struct pa_verdict *ret)
{
	ret->change_pct = 0;
	ret->completeness = base->completeness > cur->completeness ? base->completeness : cur->completeness;
	if (!base->has_duration || !cur->has_duration) {
		ret->kind = PA_VERDICT_INCONCLUSIVE;
		snprintf(ret->reason, sizeof(ret->reason),
			 "%s has no duration on this kernel; there is no time to compare", cur->name);
		return;
	}
	if (base->count == 0 || cur->count == 0) {
		ret->kind = PA_VERDICT_INCONCLUSIVE;
		snprintf(ret->reason, sizeof(ret->reason), "no %s events in the %s period; run the workload first",
			 cur->name, base->count == 0 ? "baseline" : "current");
		return;
	}
	ret->change_pct = base->avg_ns ? ((double)cur->avg_ns - (double)base->avg_ns) * 100.0 / (double)base->avg_ns
				       : (cur->avg_ns ? 100.0 : 0.0);
	if (ret->change_pct > (double)threshold_pct) {
		ret->kind = PA_VERDICT_REGRESSION;
		snprintf(ret->reason, sizeof(ret->reason), "mean %s time grew %.1f %% (%llu -> %llu ns), above %u %%",
			 cur->name, ret->change_pct, (unsigned long long)base->avg_ns,
			 (unsigned long long)cur->avg_ns, threshold_pct);
	} else {
		ret->kind = PA_VERDICT_OK;
		snprintf(ret->reason, sizeof(ret->reason), "mean %s time changed %+.1f %% (%llu -> %llu ns), within %u %%",
			 cur->name, ret->change_pct, (unsigned long long)base->avg_ns,
			 (unsigned long long)cur->avg_ns, threshold_pct);
	}
}
