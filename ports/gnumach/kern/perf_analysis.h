/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_analysis.h - the GNU Mach performance monitor (kernel side).
 *
 * The monitor keeps exact per-CPU statistics (count, total, min, max and a
 * log-linear histogram, from core/) for the seed's twelve events, samples
 * events into one ring of 32-byte samples at a configurable rate, counts
 * every sample it could not take or keep, and keeps a baseline to answer
 * "did this event get slower?". It is built on the freestanding engine in
 * core/ and uses integer arithmetic only: the kernel does not save FPU state
 * for its own code.
 *
 * Cost when disabled: every hook and macro tests one global flag with
 * __builtin_expect(..., 0), a single predictable branch; Mach trap timing
 * is not even installed (the trap table is only patched while enabled).
 *
 * Clock: record_time_stamp(), the kernel's boot-time clock interpolated with
 * the high-precision counter, in nanoseconds. All times below are ns.
 */
#ifndef _KERN_PERF_ANALYSIS_H_
#define _KERN_PERF_ANALYSIS_H_

#include <stdbool.h>
#include <stdint.h>

#include "perf-analysis/perf_events.h"
#include "stats.h"
#include "window.h"

#include <kern/perf_thread.h>

/* The seed's defaults. */
#define PERF_DEFAULT_SAMPLE_RATE 1000          /* samples per second, whole machine */
#define PERF_DEFAULT_BUFFER_SIZE 8192          /* samples (32 bytes each: 256 KiB) */
#define PERF_DEFAULT_LATENCY_THRESHOLD_US 1000 /* us */
#define PERF_DEFAULT_THROUGHPUT_THRESHOLD 1000 /* operations per second */
#define PERF_DEFAULT_ERROR_RATE_PERCENT 5      /* % */
#define PERF_DEFAULT_REGRESSION_PERCENT 20     /* % */

/* Limits of perf_monitor_configure(). The buffer size is a power of two. */
#define PERF_BUFFER_SIZE_MIN 2
#define PERF_BUFFER_SIZE_MAX (1u << 20)
#define PERF_SAMPLE_RATE_MAX 1000000

/* perf_check_regression() needs this many events on each side. */
#define PERF_REGRESSION_MIN_COUNT 10

/* The hot flag. Written only by perf_monitor_set_enabled(). */
extern volatile int perf_monitor_enabled;

#define perf_monitor_active() __builtin_expect(perf_monitor_enabled != 0, 0)

/*
 * Time source of the monitor: nanoseconds since boot. Never 0 once the
 * clock runs (0 means "not being timed" to the macros below).
 */
uint64_t perf_clock_ns(void);

/*
 * Record one event in the statistics of the current CPU and, if the sample
 * rate admits it and the ring has room, in the sample ring. `duration_ns`
 * is ignored when flags has PERF_SAMPLE_F_NO_DURATION (the event is then
 * counted, and its histogram gets no value). `event` < PERF_EVENT_MAX, else
 * the call does nothing. Callable from any context, interrupt handlers
 * included (it runs at splhigh on the local CPU, never blocks, never
 * allocates). Does nothing while the monitor is disabled or before init.
 */
void perf_event_record(unsigned int event, uint32_t task_id, uint32_t thread_id,
		       uint64_t duration_ns, uint32_t data1, uint32_t data2, unsigned int flags);

/* The end of a timed event started at `start_ns` (0: not timed, nothing recorded). */
void perf_event_end(unsigned int event, uint64_t start_ns, uint32_t task_id, uint32_t thread_id,
		    uint32_t data1, uint32_t data2, unsigned int flags);

/*
 * The seed's macros for kernel developers. Each costs one predictable
 * branch while monitoring is disabled.
 *
 * PERF_EVENT_RECORD(event, task_id, thread_id, data1, data2)
 *	count an event that has no duration.
 * start = PERF_EVENT_TIME_START(event); ... ;
 * PERF_EVENT_TIME_END(event, start, task_id, thread_id, data1, data2)
 *	time a section; START yields 0 while disabled and END then does
 *	nothing, so enabling in between never records a bogus duration.
 * PERF_TIME_BLOCK(event, task_id, thread_id, data1, data2, { code })
 *	time a block of code.
 */
#define PERF_EVENT_RECORD(event, task_id, thread_id, data1, data2)			\
	do {										\
		if (perf_monitor_active())						\
			perf_event_record((event), (task_id), (thread_id), 0,		\
					  (data1), (data2), PERF_SAMPLE_F_NO_DURATION);	\
	} while (0)

#define PERF_EVENT_TIME_START(event) (perf_monitor_active() ? perf_clock_ns() : (uint64_t)0)

#define PERF_EVENT_TIME_END(event, start, task_id, thread_id, data1, data2)		\
	do {										\
		uint64_t _perf_start = (start);						\
		if (__builtin_expect(_perf_start != 0, 0))				\
			perf_event_end((event), _perf_start, (task_id), (thread_id),	\
				       (data1), (data2), 0);				\
	} while (0)

#define PERF_TIME_BLOCK(event, task_id, thread_id, data1, data2, block)		\
	do {										\
		uint64_t _perf_t0 = PERF_EVENT_TIME_START(event);			\
		block;									\
		PERF_EVENT_TIME_END((event), _perf_t0, (task_id), (thread_id),		\
				    (data1), (data2));					\
	} while (0)

/*
 * Start-up: allocate per-CPU statistics and the sample ring (default size)
 * from the kernel allocator. Called once from setup_main() after the
 * allocator and the clock are up. Monitoring stays disabled until
 * perf_monitor_enable() (or the boot option in the README). On allocation
 * failure the monitor stays unavailable and every RPC returns
 * KERN_RESOURCE_SHORTAGE; the kernel runs on.
 */
void perf_analysis_init(void);

/* Kernel-internal control, also used by the RPCs. 0 or a negative PA_E* errno. */
int perf_monitor_set_enabled(bool enable);
int perf_monitor_set_config(uint32_t sample_rate, uint32_t buffer_size);

/* Merged statistics of `event` over all CPUs since the last reset. 0 or -PA_EINVAL. */
int perf_monitor_event_stats(unsigned int event, struct pa_stats *ret);

/*
 * Regression verdict for `event`: the mean duration of the events recorded
 * since the baseline, against the mean of those recorded before it.
 * Returns 1 (regression: slower by more than threshold_percent), 0 (not),
 * -PA_EINVAL (bad event), -PA_ENOENT (no baseline), -PA_ERANGE (fewer than
 * PERF_REGRESSION_MIN_COUNT timed events on a side: too little data to say).
 */
int perf_monitor_regression(unsigned int event, uint32_t threshold_percent);

/*
 * The hooks GNU Mach calls (patches/ adds the calls; kern/perf_hooks.h has
 * the functions they wrap). Each hook macro is one predictable branch while
 * monitoring is disabled. Not for other callers.
 */
struct thread;
void perf_trap_table_install(bool install);
void perf_hook_trap_leave(long retval);
void perf_hook_context_switch(struct thread *old_thread, struct thread *new_thread);
void perf_hook_page_fault(uint64_t address, int fault_type);

/*
 * ipc/mach_msg.c: before thread_syscall_return(retval) ends a mach_msg in a
 * continuation. An expression, so that the hook can wrap the call.
 */
#define PERF_HOOK_TRAP_LEAVE(retval)						\
	(perf_monitor_active() ? perf_hook_trap_leave((long)(retval)) : (void)0)

/* kern/sched_prim.c: thread_invoke() switching from old to new. */
#define PERF_HOOK_CONTEXT_SWITCH(old_thread, new_thread)			\
	do {									\
		if (perf_monitor_active())					\
			perf_hook_context_switch((old_thread), (new_thread));	\
	} while (0)

/* vm/vm_fault.c: a new (not resumed) fault at vaddr. */
#define PERF_HOOK_PAGE_FAULT(vaddr, fault_type, resume)			\
	do {									\
		if (perf_monitor_active() && !(resume))				\
			perf_hook_page_fault((uint64_t)(vaddr), (int)(fault_type)); \
	} while (0)

#endif /* _KERN_PERF_ANALYSIS_H_ */
