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
#include "token-bucket.h"
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
 * Run-time configuration: element 0 of the `hot` array map, which user space
 * rewrites with bpf_map_update_elem() while the programs run (no reload). A
 * reader may see a half-written update for one event; that event is then
 * filtered by a mix of the old and new settings, which is harmless.
 */
struct pa_capture_config {
	uint32_t event_mask;   /* bit i enables event i */
	uint32_t flags;        /* PA_CFG_* */
	uint32_t filter_tgid;  /* 0 = any */
	uint32_t filter_tid;   /* 0 = any */
	uint32_t filter_gen;   /* bumped on every reconfiguration: pending creations from before are dropped */
	uint32_t resources;    /* nonzero: the hooks resource tracking uses too also do its part
				* (resources-sys.h) */
	uint64_t sample_rate;  /* samples per second per CPU, 0 = none */
	uint64_t generation;   /* bumped when sample_rate changes: token buckets restart */
	uint64_t wakeup_bytes; /* wake the consumer when this much data is queued */
	char filter_comm[16];
	uint32_t reset_gen;    /* bumped by a reset: each CPU zeroes its hot counters (see pa_bpf_cpu_hot) */
	uint32_t pad2;
};

/*
 * Counters of one statistics slot on one CPU: struct pa_hist
 * (core/histogram.h) without its buckets, plus the loss and sample-stream
 * counters of struct pa_stats (core/stats.h). min is meaningful only when
 * count > 0.
 */
struct pa_bpf_counters {
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
};

/*
 * Slots whose counters live in the CPU's hot element: the events that come by
 * the million, and every event a syscall records (so that sys_exit touches
 * no other counters). pa_hot_index() gives their index there, or -1.
 */
#define PA_HOT_SLOTS 7
static inline int pa_hot_index(uint32_t slot)
{
	switch (slot) {
	case PERF_EVENT_SYSCALL: return 0;
	case PERF_EVENT_CONTEXT_SWITCH: return 1;
	case PERF_EVENT_PAGE_FAULT: return 2;
	case PERF_EVENT_IPC_SEND: return 3;
	case PERF_EVENT_IPC_RECEIVE: return 4;
	case PERF_EVENT_VM_ALLOC: return 5;
	case PERF_EVENT_VM_FREE: return 6;
	default: return -1;
	}
}

/* A syscall in flight: when it started and what it is (private to the programs). */
struct pa_bpf_sys_slot {
	uint64_t start;       /* 0 = no syscall in flight */
	uint32_t nr;
	uint32_t arg;         /* fd (IPC) or length (VM), for samples */
	uint8_t ipc;          /* 0, or event id + 1 */
	uint8_t vm;           /* 0, or event id + 1 */
	uint8_t pad[6];
};

/*
 * The log of sys_exit and sched_switch: what a syscall or a switch adds to
 * the histograms and to the per-syscall-number statistics, applied to those
 * maps PA_SYS_LOG_LEN entries at a time (see pa_bpf_cpu_hot). The two hooks
 * never run at once on one CPU (both run with preemption off, and a switch
 * needs it on); interrupts and page faults, which can arrive in the middle
 * of either, do not use the log. The counters (count, total, min, max,
 * errors) are never deferred.
 */
#define PA_SYS_LOG_LEN 32
#define PA_LOG_SYSCALL 0x1 /* the duration goes to the syscall slot's buckets and to syscall nr */
#define PA_LOG_ERROR 0x2   /* nr failed */
struct pa_bpf_sys_log {
	uint64_t dur;
	uint16_t nr;
	uint8_t slot;  /* a slot whose buckets get the duration (IPC, VM, switch), or PA_SLOT_MAX */
	uint8_t flags; /* PA_LOG_* */
	uint32_t pad;
};

/*
 * Element 2 + i of the `hot` array map: CPU i's state and the counters of the
 * hot slots. The cost that shapes it: on a machine without PCID every kernel
 * entry flushes the TLB, and each distinct page a program touches then costs
 * a page walk (~25 ns here). The configuration (element 0), the global
 * counter of pending creations (element 1) and every CPU's element sit side
 * by side in one small array: up to 22 CPUs it is under 32 KiB, which the
 * kernel allocates physically contiguous in its direct map (2 MiB pages),
 * so the whole array costs one TLB entry. A syscall that does not block
 * touches nothing else of ours: its buckets and per-syscall statistics go
 * to the log, which is applied to the `hist` and `syscall_stats` maps every
 * PA_SYS_LOG_LEN entries (one set of page walks for 32 syscalls or switches).
 * Page faults have no duration and keep no buckets: user space puts their
 * count in bucket 0.
 * Cache-line aligned so that CPUs never write the same line.
 *
 * The state is the programs' own: the syscall in flight of the thread running
 * on this CPU (sched_switch spills it to the thread's own slot when the
 * thread is switched out, so a busy sys is always the current thread's),
 * the CPU's token bucket and the IRQ entry times. User space reads hot[],
 * reset_gen and the log: hot[] holds counts since the reset numbered
 * reset_gen; a CPU whose reset_gen differs from the configuration's has
 * counted nothing since the last reset (it zeroes hot[] and empties the log
 * at its next event). Entries log[0 .. log_len) are not yet in the maps:
 * user space adds them to what it reads there, and rereads when log_seq
 * moved (it is odd while the log is being applied).
 */
struct pa_bpf_cpu_hot {
	uint32_t sys_busy;    /* sys holds the syscall in flight of the thread running here */
	uint32_t reset_gen;
	struct pa_bpf_sys_slot sys;
	struct pa_token_bucket tb;
	uint64_t tb_generation;
	uint64_t irq_start[2]; /* [0] hard IRQ, [1] softirq entry time */
	struct pa_bpf_counters hot[PA_HOT_SLOTS];
	uint32_t log_len;
	uint32_t log_seq;
	struct pa_bpf_sys_log log[PA_SYS_LOG_LEN];
} __attribute__((aligned(64)));

#define PA_HOT_CPU0 2 /* element of CPU 0 */

union pa_bpf_hot {
	struct pa_capture_config cfg; /* element 0 */
	uint64_t pending_creates;     /* element 1: creations admitted, not yet recorded */
	struct pa_bpf_cpu_hot cpu;    /* element PA_HOT_CPU0 + CPU id */
};

/*
 * Element i of the `counters` array map: the counters of the other slots on
 * CPU i (a plain array indexed by CPU id rather than a per-CPU map: one
 * allocation, no per-CPU pointer table to read). Entries of hot slots are
 * unused.
 */
struct pa_bpf_cpu_counters {
	struct pa_bpf_counters slot[PA_SLOT_MAX];
} __attribute__((aligned(64)));

/* Histogram buckets of one slot (per-CPU `hist` map, key = slot). */
struct pa_bpf_hist {
	uint64_t buckets[PA_HIST_BUCKETS];
};

/* Statistics of one slot as user space sums them: counters, then buckets. */
struct pa_bpf_stats {
	uint64_t count;
	uint64_t total;
	uint64_t min;
	uint64_t max;
	uint64_t sumsq_lo;
	uint64_t sumsq_hi;
	uint64_t errors;
	uint64_t lost;
	uint64_t untimed;
	uint64_t samples;
	uint64_t sampled_out;
	uint64_t dropped;
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
