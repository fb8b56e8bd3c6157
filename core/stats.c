/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stats.c - per-event statistics: merge, delta of cumulative snapshots, completeness. */
#include "stats.h"
#include "pa-errno.h"

void pa_stats_reset(struct pa_stats *s)
{
	pa_hist_reset(&s->hist);
	s->errors = 0;
	s->lost = 0;
	s->samples = 0;
	s->sampled_out = 0;
	s->dropped = 0;
	s->last_timestamp_ns = 0;
}

bool pa_stats_record(struct pa_stats *s, uint64_t timestamp_ns, uint64_t duration_ns, bool failed)
{
	pa_hist_record(&s->hist, duration_ns);
	s->errors += failed;
	if (timestamp_ns > s->last_timestamp_ns)
		s->last_timestamp_ns = timestamp_ns;
	return true;
}

void pa_stats_merge(struct pa_stats *dst, const struct pa_stats *src)
{
	pa_hist_merge(&dst->hist, &src->hist);
	dst->errors += src->errors;
	dst->lost += src->lost;
	dst->samples += src->samples;
	dst->sampled_out += src->sampled_out;
	dst->dropped += src->dropped;
	if (src->last_timestamp_ns > dst->last_timestamp_ns)
		dst->last_timestamp_ns = src->last_timestamp_ns;
}

/* Is `b` a prefix of `a`: no counter of `a` below its value in `b`? O(PA_HIST_BUCKETS). */
static bool is_prefix(const struct pa_stats *a, const struct pa_stats *b)
{
	const struct pa_hist *ha = &a->hist, *hb = &b->hist;

	if (ha->count < hb->count || ha->total < hb->total || a->errors < b->errors || a->lost < b->lost ||
	    a->samples < b->samples || a->sampled_out < b->sampled_out || a->dropped < b->dropped ||
	    a->last_timestamp_ns < b->last_timestamp_ns)
		return false;
	if (ha->sumsq_hi < hb->sumsq_hi || (ha->sumsq_hi == hb->sumsq_hi && ha->sumsq_lo < hb->sumsq_lo))
		return false;
	/* a non-empty `before` must lie within `now`'s range */
	if (hb->count && (hb->min < ha->min || hb->max > ha->max))
		return false;
	for (unsigned int i = 0; i < PA_HIST_BUCKETS; i++)
		if (ha->buckets[i] < hb->buckets[i])
			return false;
	return true;
}

/*
 * min and max of the difference: exact when `now` reached a new extreme
 * after `before` (it must then be in the difference) or `before` was empty;
 * otherwise the ends of the lowest and highest non-empty difference buckets,
 * clamped into [now->min, now->max]. dst may alias now or before: everything
 * read from them after the first write to dst is saved first.
 */
int pa_stats_delta(struct pa_stats *dst, const struct pa_stats *now, const struct pa_stats *before)
{
	const uint64_t now_min = now->hist.min, now_max = now->hist.max;
	const uint64_t now_ts = now->last_timestamp_ns, before_ts = before->last_timestamp_ns;
	const bool before_empty = before->hist.count == 0;
	const bool new_min = !before_empty && now_min < before->hist.min;
	const bool new_max = !before_empty && now_max > before->hist.max;
	struct pa_hist *h = &dst->hist;
	unsigned int lo = PA_HIST_BUCKETS, hi = 0;

	if (!is_prefix(now, before)) {
		pa_stats_reset(dst);
		return -PA_ERANGE;
	}
	h->count = now->hist.count - before->hist.count;
	h->total = now->hist.total - before->hist.total;
	h->sumsq_hi = now->hist.sumsq_hi - before->hist.sumsq_hi - (now->hist.sumsq_lo < before->hist.sumsq_lo);
	h->sumsq_lo = now->hist.sumsq_lo - before->hist.sumsq_lo;
	for (unsigned int i = 0; i < PA_HIST_BUCKETS; i++) {
		h->buckets[i] = now->hist.buckets[i] - before->hist.buckets[i];
		if (h->buckets[i]) {
			if (lo == PA_HIST_BUCKETS)
				lo = i;
			hi = i;
		}
	}
	dst->errors = now->errors - before->errors;
	dst->lost = now->lost - before->lost;
	dst->samples = now->samples - before->samples;
	dst->sampled_out = now->sampled_out - before->sampled_out;
	dst->dropped = now->dropped - before->dropped;
	dst->last_timestamp_ns = now_ts > before_ts ? now_ts : 0;

	if (h->count == 0) {
		h->min = UINT64_MAX;
		h->max = 0;
		return 0;
	}
	if (before_empty || new_min) {
		h->min = now_min;
	} else {
		h->min = pa_hist_bucket_low(lo);
		if (h->min < now_min)
			h->min = now_min;
	}
	if (before_empty || new_max) {
		h->max = now_max;
	} else {
		h->max = pa_hist_bucket_low(hi) + (pa_hist_bucket_width(hi) - 1);
		/* the last bucket also holds everything above 2^48 ns */
		if (h->max > now_max || hi == PA_HIST_BUCKETS - 1)
			h->max = now_max;
	}
	return 0;
}

enum pa_completeness pa_stats_completeness(const struct pa_stats *s)
{
	if (s->lost || s->dropped)
		return PA_LOSSY;
	if (s->sampled_out)
		return PA_SAMPLED;
	return PA_COMPLETE;
}

const char *pa_completeness_name(enum pa_completeness c)
{
	switch (c) {
	case PA_COMPLETE:
		return "complete";
	case PA_SAMPLED:
		return "sampled";
	case PA_LOSSY:
		return "lossy";
	default:
		return "unknown";
	}
}
