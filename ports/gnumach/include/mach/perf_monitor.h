/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_monitor.h - types and constants of the perf_monitor interface
 * (perf_monitor.defs), for the kernel and for user programs.
 *
 * The RPCs themselves are declared by MIG's generated perf_monitor.user.h:
 *
 *   perf_monitor_enable(host_priv, enable)            start/stop monitoring
 *   perf_monitor_configure(host_priv, rate, size)     samples/s (0..1000000) and
 *                                                     ring size (power of two, 2..2^20)
 *   perf_monitor_reset(host_priv)                     zero statistics and baseline
 *   perf_get_event_stats(host, event, &count, &total_time, &min_time,
 *                        &max_time, &avg_time, &last_timestamp)
 *                                                     nanoseconds since boot / durations in ns
 *   perf_get_event_info(host, event, info, &n)        PERF_INFO_* below: loss counters, percentiles
 *   perf_set_baseline(host_priv)                      the period since the previous baseline
 *                                                     (or reset) becomes the baseline
 *   perf_check_regression(host, event, percent, &regression)
 *                                                     mean since the baseline > baseline mean
 *                                                     * (1 + percent/100); KERN_FAILURE if there
 *                                                     is no baseline or fewer than 10 events
 *                                                     on a side (too little data to say)
 *   perf_read_samples(host_priv, samples, &n, &dropped, &sampled_out)
 *                                                     take up to n (<= 256) samples from the ring
 *
 * Errors: KERN_INVALID_HOST (null host port), KERN_INVALID_ARGUMENT (event
 * out of range, bad rate or size), KERN_RESOURCE_SHORTAGE (the monitor could
 * not allocate its memory at boot, or a new ring).
 *
 * Units differ from the seed on one point: times are nanoseconds, not
 * microseconds (the kernel clock resolves them; divide by 1000 for us).
 */
#ifndef _MACH_PERF_MONITOR_H_
#define _MACH_PERF_MONITOR_H_

#include <stdint.h>

#if defined(__has_include)
#if __has_include(<mach/perf_events.h>)
#include <mach/perf_events.h>
#else
#include <perf-analysis/perf_events.h>
#endif
#else
#include <mach/perf_events.h>
#endif

/* One sample as it travels in a message: struct perf_sample, 32 bytes. */
typedef struct perf_sample perf_sample_t;
typedef perf_sample_t *perf_sample_array_t;
#define PERF_READ_SAMPLES_MAX 256

/* perf_get_event_info(): indices into the returned array of uint64_t. */
enum perf_event_info_index {
	PERF_INFO_COUNT = 0,        /* events recorded */
	PERF_INFO_ERRORS = 1,       /* of which the operation failed */
	PERF_INFO_LOST = 2,         /* events missing from the statistics */
	PERF_INFO_SAMPLES = 3,      /* samples put in the ring */
	PERF_INFO_SAMPLED_OUT = 4,  /* samples not taken: over the sample rate */
	PERF_INFO_DROPPED = 5,      /* samples lost: ring full */
	PERF_INFO_OVER_LATENCY = 6, /* events longer than the latency threshold (1000 us) */
	PERF_INFO_P50_NS = 7,       /* percentiles, within 1/64 of exact */
	PERF_INFO_P90_NS = 8,
	PERF_INFO_P99_NS = 9,
	PERF_INFO_P999_NS = 10,
	PERF_INFO_COMPLETENESS = 11, /* 0 complete, 1 sampled, 2 lossy (core/stats.h) */
	PERF_INFO_TRAPS_ENTERED = 12, /* PERF_EVENT_SYSCALL only: traps that began under timing */
	PERF_INFO_UNATTRIBUTED = 13, /* events dropped because of an unknown CPU number */
	PERF_INFO_ENABLED = 14,      /* 1 while monitoring */
	PERF_INFO_BUFFER_SIZE = 15,  /* ring size in samples */
	PERF_EVENT_INFO_COUNT = 16,
};
typedef uint64_t perf_event_info_t[PERF_EVENT_INFO_COUNT];

#endif /* _MACH_PERF_MONITOR_H_ */
