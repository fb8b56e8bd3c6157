/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_events.h - the event table and the 32-byte sample.
 *
 * This header is the one contract shared by every layer: the eBPF programs in
 * bpf/, the freestanding engine in core/, the daemon, the client library and
 * the GNU Mach port. It therefore uses fixed-width types only and includes
 * nothing but <stdint.h>, which freestanding compilers provide. BPF programs
 * include vmlinux.h first, which already defines uint64_t and friends.
 *
 * Event ids 0-11 are the GNU Mach seed's table and never change; ids from
 * PERF_EVENT_USER_BASE up are given out to programs that name their own events.
 */
#ifndef PERF_ANALYSIS_PERF_EVENTS_H
#define PERF_ANALYSIS_PERF_EVENTS_H

#ifndef __bpf__
#include <stdint.h>
#endif

enum perf_event_type {
	PERF_EVENT_IPC_SEND = 0,
	PERF_EVENT_IPC_RECEIVE = 1,
	PERF_EVENT_VM_ALLOC = 2,
	PERF_EVENT_VM_FREE = 3,
	PERF_EVENT_TASK_CREATE = 4,
	PERF_EVENT_TASK_TERMINATE = 5,
	PERF_EVENT_THREAD_CREATE = 6,
	PERF_EVENT_THREAD_TERMINATE = 7,
	PERF_EVENT_CONTEXT_SWITCH = 8,
	PERF_EVENT_INTERRUPT = 9,
	PERF_EVENT_SYSCALL = 10,
	PERF_EVENT_PAGE_FAULT = 11,
	PERF_EVENT_MAX, /* number of built-in (kernel) events */
};

/* First id handed out to user-defined events; ids below it are reserved. */
#define PERF_EVENT_USER_BASE 64
/* Exclusive upper bound of all event ids (built-in and user-defined). */
#define PERF_EVENT_ID_LIMIT 256

/* Sample flags (perf_sample.flags). */
#define PERF_SAMPLE_F_ERROR 0x01u      /* the operation failed (e.g. syscall < 0) */
#define PERF_SAMPLE_F_DUR_CLAMPED 0x02u /* duration_ns saturated at UINT32_MAX */
#define PERF_SAMPLE_F_NO_DURATION 0x04u /* the kernel gives no duration for this event */
#define PERF_SAMPLE_F_KERNEL 0x08u     /* happened in kernel mode (e.g. kernel page fault) */
#define PERF_SAMPLE_F_APP 0x10u        /* recorded by a program with the instrumentation macros */

/*
 * One sample: 32 bytes, as in the seed (8192 samples = 256 KiB).
 *
 * timestamp_ns  CLOCK_MONOTONIC nanoseconds when the event ended (BPF:
 *               bpf_ktime_get_ns(), which is the same clock).
 * duration_ns   how long it took, saturated at UINT32_MAX (~4.29 s) with
 *               PERF_SAMPLE_F_DUR_CLAMPED set; the exact value is always in the
 *               statistics, which are never computed from samples.
 * task_id       Linux thread-group id (process id); Mach task.
 * thread_id     Linux thread id; Mach thread.
 * data1, data2  event-specific. A 64-bit quantity (a fault address) is split:
 *               data1 = low 32 bits, data2 = high 32 bits.
 */
struct perf_sample {
	uint64_t timestamp_ns;
	uint32_t duration_ns;
	uint8_t event; /* < PERF_EVENT_ID_LIMIT */
	uint8_t flags; /* PERF_SAMPLE_F_* */
	uint16_t cpu;
	uint32_t task_id;
	uint32_t thread_id;
	uint32_t data1;
	uint32_t data2;
};

_Static_assert(sizeof(struct perf_sample) == 32, "struct perf_sample must be 32 bytes");

#endif /* PERF_ANALYSIS_PERF_EVENTS_H */
