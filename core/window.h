/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.h - a ring of per-window statistics snapshots for one event, and
 * threshold checks over them.
 *
 * The daemon closes a window every second (configurable): it stores the
 * statistics of that window, and any period [from, to) can then be
 * summarised by merging the windows it covers. Regression analysis uses the
 * windows themselves as its unit of evidence. The caller provides the slot
 * array; the oldest window is overwritten when the ring is full.
 */
#ifndef PA_CORE_WINDOW_H
#define PA_CORE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

struct pa_window {
	uint64_t start_ns; /* inclusive */
	uint64_t end_ns;   /* exclusive */
	struct pa_stats stats;
};

struct pa_window_ring {
	struct pa_window *slots;
	uint32_t capacity;
	uint32_t count;  /* windows held, <= capacity */
	uint32_t next;   /* slot the next window goes to */
};

/*
 * Use the caller's `capacity` slots (kept, not copied) as an empty ring.
 * Returns 0, or -PA_EINVAL when capacity is 0 or slots is NULL.
 */
int pa_window_ring_init(struct pa_window_ring *r, struct pa_window *slots, uint32_t capacity);

/*
 * Append a closed window (copied); the oldest is overwritten when full.
 * Windows must come in time order and not be empty or overlap: -PA_EINVAL
 * if end_ns <= start_ns or start_ns is before the newest window's end_ns.
 */
int pa_window_ring_push(struct pa_window_ring *r, const struct pa_window *w);

/* i-th newest window (0 = newest), or NULL if i >= count. Owned by the ring. */
const struct pa_window *pa_window_ring_get(const struct pa_window_ring *r, uint32_t i);

/*
 * Merge every window lying entirely inside [from_ns, to_ns) into ret (reset
 * first); returns the number of windows merged. ret's start/end are those of
 * the first and last window merged (both 0 when none is). `ret` must not be
 * one of the ring's slots. O(windows * PA_HIST_BUCKETS).
 */
uint32_t pa_window_ring_summarise(const struct pa_window_ring *r, uint64_t from_ns, uint64_t to_ns, struct pa_window *ret);

/*
 * Thresholds, evaluated per window (the seed's three). 0 disables one.
 * Crossed means: the latency quantile above latency_ns; the window's rate
 * count / duration below (or above) throughput_ops; errors / count above
 * error_rate_ppm. A window without events crosses no latency or error-rate
 * threshold (nothing to judge) but does fall below a throughput floor.
 */
struct pa_thresholds {
	uint64_t latency_ns;       /* on the quantile below; seed default 1000 us */
	uint32_t latency_q_ppm;    /* 990000 = p99; 0 also means p99 */
	uint64_t throughput_ops;   /* ops/s; seed default 1000 */
	bool throughput_below;     /* alert when below (true) or above (false) */
	uint32_t error_rate_ppm;   /* errors / count, parts per million; seed default 5 % = 50000 */
};

#define PA_THRESHOLD_DEFAULTS { .latency_ns = 1000000, .latency_q_ppm = 990000, \
	.throughput_ops = 1000, .throughput_below = false, .error_rate_ppm = 50000 }

enum pa_threshold_kind {
	PA_THRESHOLD_LATENCY = 1u << 0,
	PA_THRESHOLD_THROUGHPUT = 1u << 1,
	PA_THRESHOLD_ERROR_RATE = 1u << 2,
};

/* Bit set of pa_threshold_kind crossed by window w (integer arithmetic). */
uint32_t pa_thresholds_check(const struct pa_thresholds *t, const struct pa_window *w);

#endif /* PA_CORE_WINDOW_H */
