/* SPDX-License-Identifier: GPL-2.0-or-later */
/* window.c - the ring of per-window statistics and threshold checks. */
#include <stddef.h>

#include "window.h"
#include "pa-errno.h"
#include "u128.h"

int pa_window_ring_init(struct pa_window_ring *r, struct pa_window *slots, uint32_t capacity)
{
	if (capacity == 0 || slots == NULL)
		return -PA_EINVAL;
	r->slots = slots;
	r->capacity = capacity;
	r->count = 0;
	r->next = 0;
	return 0;
}

int pa_window_ring_push(struct pa_window_ring *r, const struct pa_window *w)
{
	const struct pa_window *newest = pa_window_ring_get(r, 0);

	if (w->end_ns <= w->start_ns || (newest && w->start_ns < newest->end_ns))
		return -PA_EINVAL;
	r->slots[r->next] = *w;
	if (++r->next == r->capacity)
		r->next = 0;
	if (r->count < r->capacity)
		r->count++;
	return 0;
}

const struct pa_window *pa_window_ring_get(const struct pa_window_ring *r, uint32_t i)
{
	uint32_t slot;

	if (i >= r->count)
		return NULL;
	/* next - 1 - i, modulo capacity, without a division */
	slot = r->next >= i + 1 ? r->next - 1 - i : r->next + r->capacity - 1 - i;
	return &r->slots[slot];
}

/* O(count * PA_HIST_BUCKETS): one histogram merge per window inside the period. */
uint32_t pa_window_ring_summarise(const struct pa_window_ring *r, uint64_t from_ns, uint64_t to_ns,
				  struct pa_window *ret)
{
	uint32_t merged = 0;

	pa_stats_reset(&ret->stats);
	ret->start_ns = 0;
	ret->end_ns = 0;
	/* oldest first, so ret's start is the first window's */
	for (uint32_t i = r->count; i-- > 0;) {
		const struct pa_window *w = pa_window_ring_get(r, i);

		if (w->start_ns < from_ns || w->end_ns > to_ns)
			continue;
		if (merged++ == 0)
			ret->start_ns = w->start_ns;
		ret->end_ns = w->end_ns;
		pa_stats_merge(&ret->stats, &w->stats);
	}
	return merged;
}

/*
 * Rates are compared by cross-multiplying in 128 bits (count * 1e9 against
 * ops * duration), so neither a division nor an overflow can bend a result.
 */
uint32_t pa_thresholds_check(const struct pa_thresholds *t, const struct pa_window *w)
{
	const struct pa_hist *h = &w->stats.hist;
	uint32_t crossed = 0;

	if (t->latency_ns && h->count) {
		uint32_t q = t->latency_q_ppm ? t->latency_q_ppm : 990000;

		if (pa_hist_percentile(h, q) > t->latency_ns)
			crossed |= PA_THRESHOLD_LATENCY;
	}
	if (t->throughput_ops && w->end_ns > w->start_ns) {
		struct pa_u128 ops = pa_u128_mul64(h->count, 1000000000u);
		struct pa_u128 limit = pa_u128_mul64(t->throughput_ops, w->end_ns - w->start_ns);
		int c = pa_u128_cmp(ops, limit);

		if (t->throughput_below ? c < 0 : c > 0)
			crossed |= PA_THRESHOLD_THROUGHPUT;
	}
	if (t->error_rate_ppm && h->count) {
		struct pa_u128 errs = pa_u128_mul64(w->stats.errors, 1000000u);
		struct pa_u128 limit = pa_u128_mul64(t->error_rate_ppm, h->count);

		if (pa_u128_cmp(errs, limit) > 0)
			crossed |= PA_THRESHOLD_ERROR_RATE;
	}
	return crossed;
}
