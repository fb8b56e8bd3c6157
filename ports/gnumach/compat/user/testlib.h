/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testlib.h - the part of GNU Mach's test library (tests/include/testlib.h,
 * tests/testlib.c) that tests/test-performance-analysis.c uses, declared by
 * us so that CI compiles the test module without a GNU Mach checkout. In the
 * real build GNU Mach's own testlib.h is used and this file is not.
 */
#ifndef PERF_COMPAT_TESTLIB_H
#define PERF_COMPAT_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mach/mach_types.h>
#include <mach/message.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern const char *TEST_FAILURE_MARKER;
const char *e2s(int err);
void __attribute__((noreturn)) halt(void);
mach_port_t host_priv(void);
mach_port_t device_priv(void);
extern vm_size_t vm_page_size;

/* Same contract as GNU Mach's: print the failure marker and halt. */
#define ASSERT(cond, msg)							\
	do {									\
		if (!(cond)) {							\
			printf("%s: %s failed: %s\n", TEST_FAILURE_MARKER, #cond, (msg)); \
			halt();							\
		}								\
	} while (0)
#define ASSERT_RET(ret, msg)							\
	do {									\
		if ((ret) != KERN_SUCCESS) {					\
			printf("%s %s (0x%x): %s\n", TEST_FAILURE_MARKER, e2s(ret), (ret), (msg)); \
			halt();							\
		}								\
	} while (0)

int main(int argc, char *argv[], int envc, char *envp[]);

#endif /* PERF_COMPAT_TESTLIB_H */
