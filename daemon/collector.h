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
	uint32_t filter_tgid;    /* 0 = any process; else only this thread group (see filter_children) */
	bool filter_children;    /* with filter_tgid: also the processes it forks, recursively, from now on */
	uint32_t filter_tid;     /* 0 = any thread */
	char filter_comm[PA_COMM_LEN]; /* "" = any command name */
	bool prog_stats;         /* measure the programs' own run time (bpf_enable_stats) while open */
};

#define PA_COLLECTOR_CONFIG_DEFAULT { .sample_rate = 1000, .buffer_samples = 8192, \
	.event_mask = (1u << PERF_EVENT_MAX) - 1 }

/* What the running kernel offers, found by probing at open. */
struct pa_collector_features {
	bool event_available[PERF_EVENT_MAX];
	const char *event_why[PERF_EVENT_MAX]; /* NULL when available; else a one-line reason */
	bool bpf_stats_enabled;                 /* kernel.bpf_stats_enabled is on */
	const char *event_note[PERF_EVENT_MAX]; /* NULL, or what the duration means / why there is none */
	bool resize_reloads;                    /* changing buffer_samples reloads the programs
						 * (statistics are carried over, samples queued are lost) */
};

struct pa_collector;
struct pa_res_maps;

/*
 * Load, configure and attach. res: NULL, or resource tracking's maps
 * (daemon/resources.h), on which the programs on sys_enter, sys_exit,
 * sched_switch, page faults and interrupt entries then also do resource
 * tracking's part, sharing the clock reads
 * (its own programs on those hooks stay detached: pa_resources_open(true,
 * ...)); those hooks stay attached then, whatever the event mask.
 * Returns 0 and *ret, or a negative errno:
 *   -EPERM   not root / no CAP_BPF+CAP_PERFMON
 *   -ENOENT  no BTF at /sys/kernel/btf/vmlinux
 *   -ENOSYS  BPF disabled or unsupported by this kernel
 * Sets *ret_why (static string, may be NULL) to a one-line message that says what to do.
 */
int pa_collector_open(const struct pa_collector_config *cfg, const struct pa_res_maps *res,
		      struct pa_collector **ret, const char **ret_why);

/*
 * Whether those programs do resource tracking's part (opened with
 * res; on at open). Returns 0, -EINVAL (on, without res) or a negative errno.
 */
int pa_collector_carry_resources(struct pa_collector *c, bool on);

void pa_collector_free(struct pa_collector *c); /* detaches; NULL is fine */

/*
 * Apply a new configuration without reloading the programs: event mask
 * (hooks no enabled event needs are detached), sample rate, filters. A new
 * buffer size reloads the programs (statistics carried over, queued samples
 * lost); if that reload fails the old configuration is restored, and if even
 * that fails every call returns -ENODEV. Returns 0, -EINVAL for a bad
 * configuration (nothing changed), or a negative errno.
 */
int pa_collector_configure(struct pa_collector *c, const struct pa_collector_config *cfg);

/* Would pa_collector_configure(c, cfg) reload the programs (a new ring size)? */
bool pa_collector_reloads(const struct pa_collector *c, const struct pa_collector_config *cfg);

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

/*
 * Semantics of the kernel events (see also DESIGN.md's event table):
 * - hist.count is the number of occurrences with a duration. A context switch
 *   to the idle task has no run-queue latency: it is counted in
 *   pa_collector_counts.untimed, not in hist. Page faults have no duration on
 *   this kernel (no fexit): hist holds them with value 0 (has_duration false
 *   in core/events.c).
 * - Creation events (task/thread create) are decided in the parent at
 *   task_newtask and recorded at the child's first run, with duration
 *   fork-to-first-run; a child that has not run yet is not counted yet.
 * - lost counts ends seen without their start (attached mid-operation).
 * - Samples: one token bucket per CPU shared by all events (sample_rate per
 *   CPU in total). For every event, hist.count + untimed == samples +
 *   sampled_out + dropped.
 * - The ring wakes the poller only when a quarter full (BPF_RB_NO_WAKEUP
 *   otherwise): call pa_collector_drain() periodically (e.g. every window),
 *   not only when pa_collector_fd() is readable.
 */

/* Extra counters of one event, cumulative like pa_collector_read_stats(). */
struct pa_collector_counts {
	uint64_t events;  /* every occurrence seen: hist.count + untimed + lost */
	uint64_t untimed; /* occurrences with no duration by nature (switch to idle) */
};

int pa_collector_read_counts(struct pa_collector *c, unsigned int event, struct pa_collector_counts *ret);

/* Per-syscall-number statistics (x86_64 numbers), cumulative, durations in ns. */
#define PA_COLLECTOR_SYSCALL_MAX 512
struct pa_syscall_stats {
	uint64_t count;
	uint64_t errors;
	uint64_t total;
	uint64_t min; /* UINT64_MAX when count is 0 */
	uint64_t max;
};

/* Returns 0, or -EINVAL when nr >= PA_COLLECTOR_SYSCALL_MAX. */
int pa_collector_read_syscall(struct pa_collector *c, unsigned int nr, struct pa_syscall_stats *ret);

/*
 * Own overhead: run count and run time of every eBPF program, from
 * bpf_prog_info. Run times are counted only while kernel.bpf_stats_enabled
 * is on (config.prog_stats turns it on for the collector's lifetime);
 * stats_enabled says whether they were.
 */
#define PA_COLLECTOR_PROGS_MAX 16
struct pa_collector_prog {
	const char *name;     /* tracepoint, e.g. "sys_enter" */
	bool attached;
	uint64_t run_cnt;
	uint64_t run_time_ns;
	uint64_t misses;      /* runs the kernel skipped (recursion on this CPU): events lost */
};
struct pa_collector_overhead {
	bool stats_enabled;
	unsigned int n;
	struct pa_collector_prog prog[PA_COLLECTOR_PROGS_MAX];
	uint64_t run_cnt;     /* sums over the programs */
	uint64_t run_time_ns;
	uint64_t misses;
};

int pa_collector_overhead(struct pa_collector *c, struct pa_collector_overhead *ret);

#endif /* PA_DAEMON_COLLECTOR_H */
