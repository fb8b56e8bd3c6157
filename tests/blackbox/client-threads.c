/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client-threads.c - libperfanalysis from many threads at once, and across a
 * daemon restart.
 *
 *   client-threads threads   16 threads x 200 calls: 8 share perf_host_self(),
 *                            8 use their own handle; prints "ok N" for N successes
 *   client-threads reconnect one handle: a call, then wait for a line on stdin
 *                            (the test restarts the daemon meanwhile), then a call;
 *                            prints "ok" if both succeeded
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <perf-analysis/perf_monitor.h>

#define THREADS 16
#define CALLS 200

static int successes[THREADS];

static void *worker(void *arg)
{
	int idx = (int)(long)arg;
	perf_host_t *h = perf_host_self();
	struct perf_event_stats_user s;

	if (idx >= THREADS / 2 && perf_host_open(NULL, &h) < 0)
		return NULL;
	for (int i = 0; i < CALLS; i++) {
		unsigned int ev = (unsigned int)(i + idx) % PERF_EVENT_MAX;

		/* a reply meant for another thread would carry the wrong event and fail this check */
		if (perf_get_event_stats(h, ev, &s) == KERN_SUCCESS && s.has_duration == (ev != PERF_EVENT_PAGE_FAULT))
			successes[idx]++;
	}
	if (idx >= THREADS / 2)
		perf_host_close(h);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "threads") == 0) {
		pthread_t t[THREADS];
		int total = 0;

		for (long i = 0; i < THREADS; i++)
			pthread_create(&t[i], NULL, worker, (void *)i);
		for (int i = 0; i < THREADS; i++) {
			pthread_join(t[i], NULL);
			total += successes[i];
		}
		printf("ok %d\n", total);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "reconnect") == 0) {
		struct perf_monitor_status st;
		char line[16];
		int a, b;

		a = perf_monitor_status(perf_host_self(), &st);
		printf("first %d\n", a);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		b = perf_monitor_status(perf_host_self(), &st);
		printf("second %d %s\n", b, b ? perf_host_last_error(perf_host_self()) : "");
		printf("%s\n", a == 0 && b == 0 ? "ok" : "failed");
		return 0;
	}
	fprintf(stderr, "usage: client-threads threads|reconnect\n");
	return 2;
}
