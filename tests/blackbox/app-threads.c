/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-threads.c - an instrumented program for the black-box tests of
 * application instrumentation (tests/blackbox/test-app-attach.sh).
 *
 *   app-threads burst THREADS ITERATIONS
 *       THREADS threads each record ITERATIONS times five kinds of event, as
 *       fast as they can: PERF_EVENT_RECORD(IPC_SEND), PERF_TIME_BLOCK(VM_ALLOC),
 *       PERF_EVENT_TIME_START/END(SYSCALL), and two named events, "bb.alpha"
 *       (PERF_EVENT_RECORD) and "bb.beta" (PERF_TIME_BLOCK around a short
 *       loop). Then exits at once: what is left in the rings reaches the
 *       daemon only through its final drain after the exit.
 *   app-threads steady SECONDS
 *       one thread records one IPC_SEND and one "bb.alpha" per millisecond for
 *       SECONDS seconds, printing "attached yes|no" every 100 ms.
 *
 * Prints "recorded N" (events the program asked to record), then the runtime's
 * own counters: "attached", "dropped", "no_ring", "unattached", and the ids
 * of the named events ("alpha_id", "beta_id"), one "key value" per line.
 * Exit: 0, 1 on a runtime error, 2 on bad usage.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <perf-analysis/perf_analysis.h>

static long iterations;
static int alpha, beta;

static void *burst(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;
	volatile uint32_t sink = 0;

	for (long i = 0; i < iterations; i++) {
		PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, me, (uint32_t)i);
		PERF_TIME_BLOCK(PERF_EVENT_VM_ALLOC, 0, 0, 4096, 0, { sink += (uint32_t)i; });
		uint64_t start = PERF_EVENT_TIME_START(PERF_EVENT_SYSCALL);
		long r = syscall(SYS_getppid);
		PERF_EVENT_TIME_END(PERF_EVENT_SYSCALL, start, 0, 0, (uint32_t)r, 0);
		PERF_EVENT_RECORD(alpha, 0, 0, me, 0);
		PERF_TIME_BLOCK(beta, 0, 0, me, 0, { for (int k = 0; k < 20; k++) sink += (uint32_t)k; });
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: app-threads burst THREADS ITERATIONS | app-threads steady SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct perf_analysis_app_stats st;
	unsigned long long recorded = 0;
	char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alpha = perf_event_register("bb.alpha");
	beta = perf_event_register("bb.beta");
	if (alpha < 0 || beta < 0) {
		fprintf(stderr, "app-threads: cannot register names: %d %d\n", alpha, beta);
		return 1;
	}
	if (argc == 4 && strcmp(argv[1], "burst") == 0) {
		long threads = strtol(argv[2], &end, 10);
		pthread_t t[64];

		if (*end || threads < 1 || threads > 64)
			return usage();
		iterations = strtol(argv[3], &end, 10);
		if (*end || iterations < 1)
			return usage();
		for (long i = 0; i < threads; i++)
			if (pthread_create(&t[i], NULL, burst, (void *)(uintptr_t)(i + 1)) != 0) {
				fprintf(stderr, "app-threads: pthread_create failed\n");
				return 1;
			}
		for (long i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		recorded = (unsigned long long)threads * (unsigned long long)iterations * 5;
	} else if (argc == 3 && strcmp(argv[1], "steady") == 0) {
		long seconds = strtol(argv[2], &end, 10);
		struct timespec ms = { 0, 1000000 };

		if (*end || seconds < 1)
			return usage();
		for (long i = 0; i < seconds * 1000; i++) {
			PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, 0, (uint32_t)i);
			PERF_EVENT_RECORD(alpha, 0, 0, 0, (uint32_t)i);
			recorded += 2;
			nanosleep(&ms, NULL);
			if (i % 100 == 0) {
				(void)perf_analysis_app_stats(&st);
				printf("attached %s\n", st.attached ? "yes" : "no");
			}
		}
	} else {
		return usage();
	}
	(void)perf_analysis_app_stats(&st);
	printf("recorded %llu\nattached %s\ndropped %llu\nno_ring %llu\nunattached %llu\nalpha_id %d\nbeta_id %d\n",
	       recorded, st.attached ? "yes" : "no", (unsigned long long)st.dropped, (unsigned long long)st.no_ring,
	       (unsigned long long)st.unattached, alpha, beta);
	return 0;
}
