/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instrument-seed.c - the seed's "Programming Interface" examples, as the
 * seed writes them, in an ordinary Linux program.
 *
 *   instrument-seed [ITERATIONS]       (default 1000)
 *
 * Each iteration records PERF_EVENT_IPC_SEND, times an allocation with
 * PERF_TIME_BLOCK (PERF_EVENT_VM_ALLOC), times a system call with
 * PERF_EVENT_TIME_START/END (PERF_EVENT_SYSCALL), and times a block under a
 * name of its own ("example.query"). With a daemon listening the events go
 * to it; without one the program runs all the same. Built with
 * -DPERF_ANALYSIS_DISABLE every macro compiles to nothing.
 * Prints one line: iterations, whether a daemon was attached, drops.
 * Exit: 0, or 2 on a bad argument.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <perf-analysis/perf_analysis.h>

/* Stand-in for GNU Mach's vm_map_enter(): map and unmap `size` bytes. */
static int vm_map_enter(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	((volatile char *)p)[0] = 1;
	return munmap(p, size);
}

int main(int argc, char **argv)
{
	struct perf_analysis_app_stats st;
	uint32_t task_id = (uint32_t)getpid(), thread_id = (uint32_t)syscall(SYS_gettid);
	uint32_t data1 = 1, data2 = 2;
	size_t size = 4096;
	long n = 1000, result = 0;
	char *end;
	int query;

	if (argc > 2 || (argc == 2 && ((n = strtol(argv[1], &end, 10)) < 0 || *end))) {
		fprintf(stderr, "usage: instrument-seed [ITERATIONS]\n");
		return 2;
	}
	query = perf_event_register("example.query");
	if (query < 0) {
		fprintf(stderr, "instrument-seed: cannot register example.query: error %d\n", query);
		return 1;
	}

	for (long i = 0; i < n; i++) {
		// Record a simple event
		PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, task_id, thread_id, data1, data2);

		// Time a code block
		PERF_TIME_BLOCK(PERF_EVENT_VM_ALLOC, task_id, thread_id, size, 0, {
			// Code to be timed
			result = vm_map_enter(size);
		});

		// Manual timing
		uint64_t start = PERF_EVENT_TIME_START(PERF_EVENT_SYSCALL);
		// ... syscall implementation ...
		result = syscall(SYS_getppid);
		PERF_EVENT_TIME_END(PERF_EVENT_SYSCALL, start, task_id, thread_id, result, 0);

		// An event the program names itself; task and thread 0: this process and thread
		PERF_TIME_BLOCK(query, 0, 0, i, 0, { data1 += (uint32_t)i; });
	}

	(void)perf_analysis_app_stats(&st);
	printf("instrument-seed: %ld iterations, attached: %s, dropped: %llu, lost without a ring: %llu\n", n,
	       st.attached ? "yes" : "no", (unsigned long long)st.dropped, (unsigned long long)st.no_ring);
	return 0;
}
