/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gnumach-kernel.h - the GNU Mach kernel interfaces the port uses, declared
 * by us, so that CI (which cannot build GNU Mach) compiles every file of
 * ports/gnumach/ freestanding for x86_64 and i386 with -DPERF_GNUMACH_COMPAT.
 *
 * Each declaration states the GNU Mach header it stands for; signatures
 * follow GNU Mach at the commit named in ports/gnumach/README.md. In the real
 * kernel build this file is not used: kern/perf_analysis.c includes GNU
 * Mach's own headers. Nothing here is GNU Mach code; structures carry only
 * the members the port touches (the real ones have many more).
 */
#ifndef PERF_GNUMACH_KERNEL_H
#define PERF_GNUMACH_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kern/perf_thread.h>

/* <mach/boolean.h>, <mach/machine/vm_types.h>, <mach/port.h> */
typedef int boolean_t;
#define TRUE 1
#define FALSE 0
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
typedef unsigned int natural_t;
typedef natural_t mach_port_name_t;

/* <mach/kern_return.h> */
typedef int kern_return_t;
#define KERN_SUCCESS 0
#define KERN_INVALID_ARGUMENT 4
#define KERN_FAILURE 5
#define KERN_RESOURCE_SHORTAGE 6
#define KERN_INVALID_HOST 22

/* <mach/message.h> */
typedef natural_t mach_msg_return_t;
typedef natural_t mach_msg_option_t;
typedef natural_t mach_msg_size_t;
typedef natural_t mach_msg_timeout_t;
typedef natural_t mach_msg_type_number_t;
typedef struct mach_msg_user_header mach_msg_user_header_t; /* opaque here */
#define MACH_MSG_SUCCESS 0x00000000
#define MACH_SEND_MSG 0x00000001
#define MACH_RCV_MSG 0x00000002

/* <kern/host.h>, <kern/task.h>, <kern/thread.h>, <vm/vm_map.h> */
typedef struct host *host_t;
#define HOST_NULL ((host_t)0)
struct task;
typedef struct task *task_t;
struct thread {
	struct task *task;                  /* kern/thread.h: the owning task */
	struct perf_thread_state perf_state; /* added by patches/kern-thread.h.patch */
};
typedef struct thread *thread_t;
#define THREAD_NULL ((thread_t)0)
typedef struct vm_map *vm_map_t;
thread_t perf_compat_current_thread(void);
#define current_thread() perf_compat_current_thread() /* kern/thread.h: a per-CPU read */

/* <kern/syscall_sw.h> */
typedef void (*generic_trap_function)(void);
typedef struct {
	int mach_trap_arg_count;
	generic_trap_function mach_trap_function;
	boolean_t mach_trap_stack;
	const char *mach_trap_name;
} mach_trap_t;
extern mach_trap_t mach_trap_table[];
extern int mach_trap_count;

/* <kern/kalloc.h> */
vm_offset_t kalloc(vm_size_t size);
void kfree(vm_offset_t data, vm_size_t size);

/* <kern/cpu_number.h>, <kern/smp.h> */
int cpu_number(void);
uint8_t smp_get_numcpus(void);

/* <machine/spl.h> */
typedef int spl_t;
spl_t splhigh(void);
spl_t splx(spl_t s);

/* <kern/lock.h> (the real ones are macros over the same idea) */
typedef struct { volatile unsigned int lock_data; } simple_lock_data_t;
typedef struct { simple_lock_data_t lock; } simple_lock_irq_data_t;
#define decl_simple_lock_data(class, name) class simple_lock_data_t name;
#define def_simple_lock_irq_data(class, name) class simple_lock_irq_data_t name = { { 0 } };
void simple_lock_init(simple_lock_data_t *l);
void simple_lock(simple_lock_data_t *l);
void simple_unlock(simple_lock_data_t *l);
spl_t simple_lock_irq(simple_lock_irq_data_t *l);
void simple_unlock_irq(spl_t s, simple_lock_irq_data_t *l);

/* <mach/time_value.h>, <kern/mach_clock.h> */
typedef struct time_value64 {
	int64_t seconds;
	int64_t nanoseconds;
} time_value64_t;
void record_time_stamp(time_value64_t *stamp);

/* <kern/printf.h>, <string.h> (kern/strings.c), <kern/startup.c> */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *strstr(const char *haystack, const char *needle);
extern char *kernel_cmdline;

/* The public functions the port takes over (see kern/perf_hooks.h). */
/* <ipc/mach_msg.h> */
mach_msg_return_t mach_msg_trap(mach_msg_user_header_t *msg, mach_msg_option_t option,
				mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				mach_port_name_t rcv_name, mach_msg_timeout_t time_out,
				mach_port_name_t notify);
/* <vm/vm_user.h> */
kern_return_t vm_allocate(vm_map_t map, vm_offset_t *addr, vm_size_t size, boolean_t anywhere);
kern_return_t vm_deallocate(vm_map_t map, vm_offset_t start, vm_size_t size);
/* <kern/task.h> */
kern_return_t task_create(task_t parent_task, boolean_t inherit_memory, task_t *child_task);
kern_return_t task_terminate(task_t task);
/* <kern/thread.h> */
kern_return_t thread_create(task_t parent_task, thread_t *child_thread);
kern_return_t thread_terminate(thread_t thread);
/* <kern/mach_clock.h> */
void clock_interrupt(int usec, boolean_t usermode, boolean_t basepri, vm_offset_t pc);

#endif /* PERF_GNUMACH_KERNEL_H */
