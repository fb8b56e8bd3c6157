/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture.h - the only contract between bpf/capture.bpf.c and user space
 * (daemon/collector.c): the run-time configuration block, the layout of the
 * per-CPU statistics maps and the statistics slots. Fixed-width types only;
 * BPF includes vmlinux.h first, user space <stdint.h>.
 */
#ifndef PA_BPF_CAPTURE_H
#define PA_BPF_CAPTURE_H

#ifndef __bpf__
#include <stdint.h>
#endif

#include "hist-layout.h"
#include "perf-analysis/perf_events.h"

/*
 * Statistics slots of the per-CPU `stats` map. Slot i < PERF_EVENT_MAX is
 * event i; interrupts are split into a hard-IRQ slot (PERF_EVENT_INTERRUPT)
 * and a softirq slot, because a hard IRQ can interrupt a softirq handler on
 * the same CPU in the middle of a non-atomic per-CPU update. User space adds
 * the two.
 */
#define PA_SLOT_SOFTIRQ PERF_EVENT_MAX
#define PA_SLOT_MAX (PERF_EVENT_MAX + 1)

/* Per-syscall-number statistics cover numbers below this (x86_64 uses < 470). */
#define PA_SYSCALL_NR_MAX 512

/* pa_capture_config.flags */
#define PA_CFG_FILTER 0x1u          /* some filter below is set: check it */
#define PA_CFG_FOLLOW_CHILDREN 0x2u /* filter_tgid also admits the processes it forks, recursively */
#define PA_CFG_FILTER_COMM 0x4u     /* filter_comm is set */

/*
 * Run-time configuration. Lives in the program's .data section, a
 * memory-mapped array map that user space rewrites in place while the
 * programs run (no reload; not rodata, which is frozen at load). A reader may
 * see a half-written update for one event; that event is then filtered by a
 * mix of the old and new settings, which is harmless.
 */
struct pa_capture_config {
	uint32_t event_mask;   /* bit i enables event i */
	uint32_t flags;        /* PA_CFG_* */
	uint32_t filter_tgid;  /* 0 = any */
	uint32_t filter_tid;   /* 0 = any */
	uint32_t filter_gen;   /* bumped on every reconfiguration: pending creations from before are dropped */
	uint32_t pad;
	uint64_t sample_rate;  /* samples per second per CPU, 0 = none */
	uint64_t generation;   /* bumped when sample_rate changes: token buckets restart */
	uint64_t wakeup_bytes; /* wake the consumer when this much data is queued */
	char filter_comm[16];
};

/*
 * Per-CPU statistics of one slot: struct pa_hist (core/histogram.h) plus the
 * loss and sample-stream counters of struct pa_stats (core/stats.h). min is
 * meaningful only when count > 0.
 */
struct pa_bpf_stats {
	uint64_t count;
	uint64_t total;
	uint64_t min;
	uint64_t max;
	uint64_t sumsq_lo;
	uint64_t sumsq_hi;
	uint64_t errors;
	uint64_t lost;        /* end seen, start missing: not in the histogram */
	uint64_t untimed;     /* occurrences without a duration by nature (switch to idle) */
	uint64_t samples;
	uint64_t sampled_out;
	uint64_t dropped;     /* ring buffer full */
	uint64_t last_ns;
	uint64_t buckets[PA_HIST_BUCKETS];
};

/* Per-CPU statistics of one syscall number (durations in ns). */
struct pa_bpf_syscall_stats {
	uint64_t count;
	uint64_t errors;
	uint64_t total;
	uint64_t min;
	uint64_t max;
};

#endif /* PA_BPF_CAPTURE_H */
