/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * empty.bpf.c - the floor for benchmarks: empty tp_btf programs on exactly
 * the hooks bpf/capture.bpf.c uses. No tracer on these hooks can cost less.
 * clock.bpf.c includes this file with PA_CLOCK_FLOOR defined and times the
 * syscalls itself.
 */
#define perf_event_type vmlinux_perf_event_type
#include "vmlinux.h"
#undef perf_event_type
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(tp) SEC("tp_btf/" #tp) int empty_##tp(void *ctx) { return 0; }

#ifndef PA_CLOCK_FLOOR
EMPTY(sys_enter)
EMPTY(sys_exit)
#endif
EMPTY(sched_switch)
EMPTY(task_newtask)
EMPTY(sched_process_exit)
EMPTY(irq_handler_entry)
EMPTY(irq_handler_exit)
EMPTY(softirq_entry)
EMPTY(softirq_exit)
EMPTY(page_fault_user)
EMPTY(page_fault_kernel)
