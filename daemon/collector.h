/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * collector.h - the daemon's kernel side: loads and attaches the eBPF
 * programs of bpf/, reconfigures them at run time, reads their exact per-CPU
 * statistics and drains their sample stream.
 *
 * Contract between daemon/collector.c (kernel capture) and the rest of the
 * daemon. Single-threaded: one caller at a time.
 */
#ifndef PA_DAEMON_COLLECTOR_H
#define PA_DAEMON_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "perf-analysis/perf_events.h"
#include "stats.h"

#define PA_COMM_LEN 16

struct pa_collector_config {
	uint32_t sample_rate;    /* samples per second per CPU; seed default 1000; 0 = no samples */
	uint32_t buffer_samples; /* ring buffer size in samples (rounded up to a power of two); default 8192 */
	uint32_t event_mask;     /* bit i enables event i; default all PERF_EVENT_MAX bits */
	uint32_t filter_tgid;    /* 0 = any process; else only this thread group (and ...) */
	bool filter_children;    /* with filter_tgid: also its descendants, followed through fork */
	uint32_t filter_tid;     /* 0 = any thread */
	char filter_comm[PA_COMM_LEN]; /* "" = any command name */
};

#define PA_COLLECTOR_CONFIG_DEFAULT { .sample_rate = 1000, .buffer_samples = 8192, \
	.event_mask = (1u << PERF_EVENT_MAX) - 1 }

/* What the running kernel offers, found by probing at open. */
struct pa_collector_features {
	bool event_available[PERF_EVENT_MAX];
	const char *event_why[PERF_EVENT_MAX]; /* NULL when available; else a one-line reason */
	bool bpf_stats_enabled;                 /* kernel.bpf_stats_enabled is on */
};

struct pa_collector;

/*
 * Load, configure and attach. Returns 0 and *ret, or a negative errno:
 *   -EPERM   not root / no CAP_BPF+CAP_PERFMON
 *   -ENOENT  no BTF at /sys/kernel/btf/vmlinux
 *   -ENOSYS  BPF disabled or unsupported by this kernel
 * Sets *ret_why (static string, may be NULL) to a one-line message that says what to do.
 */
int pa_collector_open(const struct pa_collector_config *cfg, struct pa_collector **ret, const char **ret_why);

void pa_collector_free(struct pa_collector *c); /* detaches; NULL is fine */

/* Apply a new configuration without reloading the programs (a buffer resize may re-create the ring). */
int pa_collector_configure(struct pa_collector *c, const struct pa_collector_config *cfg);

const struct pa_collector_features *pa_collector_features(const struct pa_collector *c);

/*
 * Cumulative statistics of `event` since open or the last reset, summed over
 * CPUs: exact histogram, errors, lost, and the sample-stream counters
 * (samples, sampled_out, dropped). Cumulative so the caller can take deltas
 * per window with pa_stats_delta(). Returns 0 or -EINVAL.
 */
int pa_collector_read_stats(struct pa_collector *c, unsigned int event, struct pa_stats *ret);

/* Zero every statistic and counter. */
int pa_collector_reset(struct pa_collector *c);

/* File descriptor to poll for samples (readable when the ring has data). */
int pa_collector_fd(const struct pa_collector *c);

typedef void (*pa_sample_fn)(const struct perf_sample *s, void *userdata);

/* Drain queued samples, calling fn for each; returns how many, or a negative errno. Never blocks. */
int pa_collector_drain(struct pa_collector *c, pa_sample_fn fn, void *userdata);

#endif /* PA_DAEMON_COLLECTOR_H */
