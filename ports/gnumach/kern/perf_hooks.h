/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_hooks.h - the GNU Mach functions the monitor wraps.
 *
 * The hooks in patches/ rename each of these GNU Mach functions at its
 * definition (`#define vm_allocate perf_vm_allocate_body` just before it,
 * `#undef` just after), and kern/perf_analysis.c defines the public name:
 * it times the call and calls the body. No GNU Mach line is changed, and
 * every caller (MIG stubs, the trap table, the kernel itself) is measured.
 * Needs the kernel types (kern_return_t, task_t, ...) declared first.
 */
#ifndef _KERN_PERF_HOOKS_H_
#define _KERN_PERF_HOOKS_H_

#include <mach/perf_monitor.h>

/* ipc/mach_msg.c */
mach_msg_return_t perf_mach_msg_trap_body(mach_msg_user_header_t *msg, mach_msg_option_t option,
					  mach_msg_size_t send_size, mach_msg_size_t rcv_size,
					  mach_port_name_t rcv_name, mach_msg_timeout_t time_out,
					  mach_port_name_t notify);
/* vm/vm_user.c */
kern_return_t perf_vm_allocate_body(vm_map_t map, vm_offset_t *addr, vm_size_t size, boolean_t anywhere);
kern_return_t perf_vm_deallocate_body(vm_map_t map, vm_offset_t start, vm_size_t size);
/* kern/task.c */
kern_return_t perf_task_create_body(task_t parent_task, boolean_t inherit_memory, task_t *child_task);
kern_return_t perf_task_terminate_body(task_t task);
/* kern/thread.c */
kern_return_t perf_thread_create_body(task_t parent_task, thread_t *child_thread);
kern_return_t perf_thread_terminate_body(thread_t thread);
/* kern/mach_clock.c */
void perf_clock_interrupt_body(int usec, boolean_t usermode, boolean_t basepri, vm_offset_t pc);

/* The RPC server functions (include/mach/perf_monitor.defs). */
kern_return_t perf_monitor_enable(host_t host, boolean_t enable);
kern_return_t perf_monitor_configure(host_t host, natural_t sample_rate, natural_t buffer_size);
kern_return_t perf_get_event_stats(host_t host, int event, uint64_t *count, uint64_t *total_time,
				   uint64_t *min_time, uint64_t *max_time, uint64_t *avg_time,
				   uint64_t *last_timestamp);
kern_return_t perf_set_baseline(host_t host);
kern_return_t perf_check_regression(host_t host, int event, natural_t threshold_percent,
				    boolean_t *regression);
kern_return_t perf_read_samples(host_t host, perf_sample_t *samples, mach_msg_type_number_t *samplesCnt,
				uint64_t *dropped, uint64_t *sampled_out);
kern_return_t perf_get_event_info(host_t host, int event, uint64_t *info, mach_msg_type_number_t *infoCnt);
kern_return_t perf_monitor_reset(host_t host);

#endif /* _KERN_PERF_HOOKS_H_ */
