/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * basic-monitoring.c - the seed's "Basic Performance Monitoring" example, on Linux.
 *
 * Adapted only where Linux requires: perf_host_self() for mach_host_self(),
 * mmap/munmap for vm_allocate/vm_deallocate, and results checked.
 *
 * Build: cc -Iinclude basic-monitoring.c -Lbuild -lperfanalysis
 */
#include <stdio.h>
#include <sys/mman.h>

#include <perf-analysis/perf_monitor.h>

int main(void)
{
	// Enable monitoring for VM operations
	if (perf_monitor_enable(perf_host_self(), TRUE) != KERN_SUCCESS ||
	    perf_monitor_configure(perf_host_self(), 1000, 4096) != KERN_SUCCESS) {
		fprintf(stderr, "basic-monitoring: %s\n", perf_host_last_error(perf_host_self()));
		return 1;
	}

	// Perform operations
	for (int i = 0; i < 1000; i++) {
		void *addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (addr != MAP_FAILED)
			munmap(addr, 4096);
	}

	// Get statistics
	struct perf_event_stats_user stats;
	if (perf_get_event_stats(perf_host_self(), PERF_EVENT_VM_ALLOC, &stats) != KERN_SUCCESS) {
		fprintf(stderr, "basic-monitoring: %s\n", perf_host_last_error(perf_host_self()));
		return 1;
	}
	printf("VM Allocations: %llu, Average time: %llu us\n",
	       stats.count, stats.avg_time_us);
	return 0;
}
