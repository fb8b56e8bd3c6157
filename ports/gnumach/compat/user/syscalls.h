/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syscalls.h - the Mach traps tests/test-performance-analysis.c calls,
 * declared by us for CI (GNU Mach's tests/include/syscalls.h in the real
 * build).
 */
#ifndef PERF_COMPAT_SYSCALLS_H
#define PERF_COMPAT_SYSCALLS_H

#include <mach/port.h>

mach_port_t mach_task_self(void);
mach_port_t mach_host_self(void);

#endif /* PERF_COMPAT_SYSCALLS_H */
