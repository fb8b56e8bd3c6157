/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.c - the statistical verdict of check_regression (issue 5): the
 * per-window medians and p99s of each event, Mann-Whitney U + Hodges-Lehmann
 * per metric (core/regress.c), Holm across the family, and the words that
 * explain the outcome. The seed's rule (mean grew by more than T %) is gone:
 * with thousands of events any difference of means looks real, and a single
 * slow window moved it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pa-errno.h"
#include "verdict.h"

const char *pa_metric_name(enum pa_metric m)
{
	return m == PA_METRIC_P50 ? "p50" : m == PA_METRIC_P99 ? "p99" : "?";
}

static int describe_metric(char *buf, size_t n, enum pa_metric m, const struct pa_regress_result *r)
{
	if (!r->hl.ci_valid)
		return snprintf(buf, n, "%s %+.1f %% (no interval yet), p = %.2g", pa_metric_name(m), r->change_pct,
				r->p_adjusted);
	return snprintf(buf, n, "%s %+.1f %% [%+.1f, %+.1f] (%.0f %% CI), p = %.2g", pa_metric_name(m), r->change_pct,
			r->ci_lo_pct, r->ci_hi_pct, r->hl.level * 100.0, r->p_adjusted);
}

static void explain(const struct pa_event_evidence *e, struct pa_event_verdict *v, uint32_t min_n, double t)
{
	char d[2][128];
	int pick = -1;

	for (int m = 0; m < PA_METRIC_MAX; m++)
		if (v->m_valid[m])
			describe_metric(d[m], sizeof(d[m]), (enum pa_metric)m, &v->m[m]);
	if (e->na < min_n || e->nb < min_n) {
		if (e->na < min_n)
			snprintf(v->reason, sizeof(v->reason), "too few windows with %s events: %zu in the baseline, %zu "
				 "now (at least %u each are needed; store a longer baseline)", e->name, e->na, e->nb,
				 min_n);
		else
			snprintf(v->reason, sizeof(v->reason), "too few windows with %s events: %zu in the baseline, %zu "
				 "now (at least %u each are needed; about %u more windows would do)", e->name, e->na,
				 e->nb, min_n, v->more_current);
		return;
	}
	switch (v->verdict) {
	case PA_VERDICT_REGRESSION:
		for (int m = 0; m < PA_METRIC_MAX; m++)
			if (v->m_valid[m] && v->m[m].verdict == PA_VERDICT_REGRESSION &&
			    (pick < 0 || v->m[m].change_pct > v->m[pick].change_pct))
				pick = m;
		snprintf(v->reason, sizeof(v->reason), "slower by more than %.0f %%: %s; %zu vs %zu windows",
			 t, d[pick], e->na, e->nb);
		break;
	case PA_VERDICT_OK:
		snprintf(v->reason, sizeof(v->reason), "no slowdown of %.0f %% or more: %s; %s; %zu vs %zu windows", t,
			 d[0], d[1], e->na, e->nb);
		break;
	default:
		for (int m = 0; m < PA_METRIC_MAX; m++)
			if (v->m_valid[m] && v->m[m].verdict == PA_VERDICT_INCONCLUSIVE && pick < 0)
				pick = m;
		if (pick < 0)
			pick = 0;
		if (v->more_current != PA_REGRESS_MORE_UNKNOWN)
			snprintf(v->reason, sizeof(v->reason), "%s (%s); about %u more windows would decide",
				 d[pick], pa_regress_reason_name(v->m[pick].reason), v->more_current);
		else if (v->more_per_side != PA_REGRESS_MORE_UNKNOWN)
			snprintf(v->reason, sizeof(v->reason), "%s (%s); more current windows alone "
				 "cannot decide: about %u more on each side (a longer baseline too) would", d[pick],
				 pa_regress_reason_name(v->m[pick].reason), v->more_per_side);
		else
			snprintf(v->reason, sizeof(v->reason), "%s (%s); the change sits at the threshold, no "
				 "number of windows is sure to decide", d[pick],
				 pa_regress_reason_name(v->m[pick].reason));
		break;
	}
}

static uint32_t worse_more(uint32_t a, uint32_t b)
{
	return a > b ? a : b; /* PA_REGRESS_MORE_UNKNOWN is UINT32_MAX: it wins */
}

int pa_verdict_family(const struct pa_event_evidence *ev, size_t k, const struct pa_regress_params *p,
		      struct pa_event_verdict *ret)
{
	struct pa_regress_params def;
	struct pa_regress_result *fam = NULL;
	size_t *where = NULL, nf = 0;
	void *scratch = NULL;
	size_t scratch_n = 0;
	int r = 0, regressions = 0;

	if (!p) {
		pa_regress_params_default(&def);
		p = &def;
	}
	fam = calloc(k * PA_METRIC_MAX + 1, sizeof(*fam));
	where = calloc(k * PA_METRIC_MAX + 1, sizeof(*where));
	if (!fam || !where) {
		r = -PA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		memset(&ret[i], 0, sizeof(ret[i]));
		ret[i].verdict = PA_VERDICT_INCONCLUSIVE;
		if (ev[i].na == 0 || ev[i].nb == 0)
			continue;
		for (int m = 0; m < PA_METRIC_MAX; m++) {
			size_t need = pa_regress_scratch_bytes(ev[i].na, ev[i].nb, p->method);

			if (need > scratch_n) {
				free(scratch);
				scratch = malloc(need);
				scratch_n = scratch ? need : 0;
				if (!scratch) {
					r = -PA_ENOMEM;
					goto out;
				}
			}
			r = pa_regress_compare(ev[i].a[m], ev[i].na, ev[i].b[m], ev[i].nb, p, scratch, scratch_n,
					       &fam[nf]);
			if (r < 0)
				goto out;
			where[nf++] = i * PA_METRIC_MAX + (size_t)m;
		}
	}
	if (nf > 0) {
		r = pa_regress_apply_holm(fam, nf);
		if (r < 0)
			goto out;
	}
	for (size_t f = 0; f < nf; f++) {
		struct pa_event_verdict *v = &ret[where[f] / PA_METRIC_MAX];
		int m = (int)(where[f] % PA_METRIC_MAX);

		v->m[m] = fam[f];
		v->m_valid[m] = true;
	}
	for (size_t i = 0; i < k; i++) {
		struct pa_event_verdict *v = &ret[i];
		bool all_ok = true, any_reg = false;

		v->more_current = v->more_per_side = 0;
		for (int m = 0; m < PA_METRIC_MAX; m++) {
			if (!v->m_valid[m]) {
				all_ok = false;
				continue;
			}
			any_reg |= v->m[m].verdict == PA_VERDICT_REGRESSION;
			all_ok &= v->m[m].verdict == PA_VERDICT_OK;
			if (v->m[m].verdict == PA_VERDICT_INCONCLUSIVE) {
				v->more_current = worse_more(v->more_current, v->m[m].more_current);
				v->more_per_side = worse_more(v->more_per_side, v->m[m].more_per_side);
			}
		}
		v->verdict = any_reg ? PA_VERDICT_REGRESSION : all_ok ? PA_VERDICT_OK : PA_VERDICT_INCONCLUSIVE;
		if (v->verdict == PA_VERDICT_INCONCLUSIVE && (ev[i].na < p->min_n || ev[i].nb < p->min_n)) {
			/* Too few windows: what is missing first is min_n on each side. */
			size_t need_a = ev[i].na < p->min_n ? p->min_n - ev[i].na : 0;
			size_t need_b = ev[i].nb < p->min_n ? p->min_n - ev[i].nb : 0;

			v->more_current = need_a ? PA_REGRESS_MORE_UNKNOWN : (uint32_t)need_b;
			v->more_per_side = (uint32_t)(need_a > need_b ? need_a : need_b);
		}
		if (v->verdict != PA_VERDICT_INCONCLUSIVE)
			v->more_current = v->more_per_side = 0;
		regressions += v->verdict == PA_VERDICT_REGRESSION;
		explain(&ev[i], v, p->min_n, p->threshold_pct);
	}
	r = regressions;
out:
	free(scratch);
	free(where);
	free(fam);
	return r;
}
