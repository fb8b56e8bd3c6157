/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mach/mig_support.h - the MIG runtime interface that MIG's user stubs call,
 * declared by us for CI, which compiles the perf_monitor user stubs against
 * Debian's gnumach-dev headers (glibc on the Hurd, and GNU Mach's test
 * library, provide the real one).
 */
#ifndef PERF_COMPAT_MIG_SUPPORT_H
#define PERF_COMPAT_MIG_SUPPORT_H

#include <mach/port.h>
#include <mach/message.h>

mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t port);
void mig_put_reply_port(mach_port_t port);
void mig_reply_setup(mach_msg_header_t *request, mach_msg_header_t *reply);

/* the stubs copy arrays with memcpy (kern/strings.c in the test library) */
void *memcpy(void *dst, const void *src, __SIZE_TYPE__ n);

#endif /* PERF_COMPAT_MIG_SUPPORT_H */
