/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_thread.h - the per-thread state of the GNU Mach performance monitor.
 *
 * One of these is embedded in struct thread (the hook in kern/thread.h adds
 * the member `perf_state`). It holds the start of an operation that may not
 * return through the C function that began it: a Mach trap or mach_msg that
 * blocks and resumes in a continuation, leaving through
 * thread_syscall_return() on a fresh stack. Only the owning thread touches
 * it, so it needs no lock. Kept tiny and free of kernel includes so that
 * kern/thread.h can include it.
 */
#ifndef _KERN_PERF_THREAD_H_
#define _KERN_PERF_THREAD_H_

#include <stdint.h>

struct perf_thread_state {
	uint64_t trap_start_ns; /* 0: no Mach trap being timed */
	uint64_t ipc_start_ns;  /* 0: no mach_msg being timed */
	uint32_t trap_no;       /* Mach trap number being timed */
	uint32_t ipc_option;    /* mach_msg option bits of the timed call */
};

#endif /* _KERN_PERF_THREAD_H_ */
