/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.h - statistics of one event over some period, and its completeness.
 *
 * struct pa_stats is what every layer passes around: the kernel side fills
 * the histogram exactly for every event, the sample stream adds how many
 * samples were taken, sampled out or dropped, and consumers derive from the
 * counters whether a number was computed from complete, sampled or lossy
 * input. Loss is never silent.
 */
#ifndef PA_CORE_STATS_H
#define PA_CORE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "histogram.h"

enum pa_completeness {
	PA_COMPLETE = 0, /* every event is in the statistics, nothing dropped */
	PA_SAMPLED = 1,  /* statistics exact, but the sample stream was rate-limited */
	PA_LOSSY = 2,    /* some events are missing from the statistics or stream */
	PA_COMPLETENESS_MAX,
};

struct pa_stats {
	struct pa_hist hist;         /* durations in ns: count, total, min, max, buckets */
	uint64_t errors;             /* operations that failed (syscall returned < 0, ...) */
	uint64_t lost;               /* events missing from `hist` (e.g. no start timestamp) */
	uint64_t samples;            /* samples delivered to the stream */
	uint64_t sampled_out;        /* samples not taken because of the sample rate */
	uint64_t dropped;            /* samples lost: ring full, queue overflow */
	uint64_t last_timestamp_ns;  /* time of the most recent event, 0 if none */
};

/* Make `s` empty: no events, all counters 0. */
void pa_stats_reset(struct pa_stats *s);

/*
 * Account one event that ended at timestamp_ns and took duration_ns; `failed`
 * counts it in `errors` too. last_timestamp_ns never moves backwards. Hot
 * path: O(1), always true. Not thread-safe (one writer per instance).
 */
bool pa_stats_record(struct pa_stats *s, uint64_t timestamp_ns, uint64_t duration_ns, bool failed);

/* dst += src; last_timestamp_ns is the later of the two. */
void pa_stats_merge(struct pa_stats *dst, const struct pa_stats *src);

/*
 * dst = now - before, for two cumulative snapshots of the same counters
 * (before taken earlier). Counts, totals and buckets subtract exactly; min
 * and max cannot be recovered from a difference, so they are taken from the
 * lowest and highest non-empty bucket of the difference, clamped to the
 * cumulative min/max of `now` (so within one bucket width, 1/32 of the value).
 * Returns -PA_ERANGE (and leaves dst empty) if `before` is not a prefix of
 * `now` (a counter went backwards, e.g. after a reset).
 * min/max are exact when `before` was empty or `now` reached a new extreme
 * since; last_timestamp_ns is now's if it moved, else 0. dst may be the same
 * object as now or before. O(PA_HIST_BUCKETS).
 */
int pa_stats_delta(struct pa_stats *dst, const struct pa_stats *now, const struct pa_stats *before);

/* PA_LOSSY if anything was lost or dropped, else PA_SAMPLED if anything was sampled out, else PA_COMPLETE. */
enum pa_completeness pa_stats_completeness(const struct pa_stats *s);
const char *pa_completeness_name(enum pa_completeness c); /* "complete", "sampled", "lossy"; "unknown" otherwise */

#endif /* PA_CORE_STATS_H */
