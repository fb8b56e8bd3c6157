/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * user-space-api.c - the seed's "User-Space API" example, on Linux.
 *
 * Adapted only where Linux requires: <perf-analysis/perf_monitor.h> instead of
 * <mach/perf_monitor.h>, perf_host_self() instead of mach_host_self(), and
 * each result checked so that a failure says why.
 *
 * Build: cc -Iinclude user-space-api.c -Lbuild -lperfanalysis
 *    or: cc user-space-api.c $(pkg-config --cflags --libs perf-analysis)
 */
#include <stdio.h>

#include <perf-analysis/perf_monitor.h>

static int check(kern_return_t kr, const char *what)
{
	if (kr != KERN_SUCCESS)
		fprintf(stderr, "user-space-api: %s: %s\n", what, perf_host_last_error(perf_host_self()));
	return kr != KERN_SUCCESS;
}

int main(void)
{
	// Enable monitoring
	kern_return_t kr = perf_monitor_enable(perf_host_self(), TRUE);
	if (check(kr, "perf_monitor_enable"))
		return 1;

	// Configure parameters
	kr = perf_monitor_configure(perf_host_self(), 1000, 4096);
	if (check(kr, "perf_monitor_configure"))
		return 1;

	// Get statistics
	uint64_t count, total_time, min_time, max_time, avg_time, last_timestamp;
	kr = perf_get_event_stats(perf_host_self(), PERF_EVENT_VM_ALLOC,
				  &count, &total_time, &min_time, &max_time,
				  &avg_time, &last_timestamp);
	if (check(kr, "perf_get_event_stats"))
		return 1;
	printf("VM allocations: %llu, total %llu us, min %llu us, max %llu us, avg %llu us, last at %llu ns\n",
	       (unsigned long long)count, (unsigned long long)total_time, (unsigned long long)min_time,
	       (unsigned long long)max_time, (unsigned long long)avg_time, (unsigned long long)last_timestamp);

	// Set baseline and check regressions
	kr = perf_set_baseline(perf_host_self());
	if (check(kr, "perf_set_baseline"))
		return 1;
	boolean_t regression;
	kr = perf_check_regression(perf_host_self(), PERF_EVENT_VM_ALLOC, 20, &regression);
	if (check(kr, "perf_check_regression"))
		return 1;
	printf("Regression: %s\n", regression ? "yes" : "no");
	return 0;
}
