/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-dbquery.c - an instrumented program with a known latency distribution,
 * for the black-box tests of program events in baselines, check-regression
 * and alerts (tests/blackbox/test-app-regression.sh).
 *
 *   app-dbquery COUNT BASE_US [FAILED_PCT]
 *       records COUNT "db.query" events, each timed with
 *       PERF_EVENT_TIME_START/END around a sleep of BASE_US x 1, 1.25, 1.5,
 *       1.75, 2 in turn (so the median is 1.5 x BASE_US, the p99 2 x BASE_US
 *       plus the timer's lateness), and one untimed "db.ping"
 *       (PERF_EVENT_RECORD) per query. FAILED_PCT (0-100, default 0) of the
 *       queries are marked failed (PERF_EVENT_FAILED_IF), spread evenly:
 *       query i fails when floor((i + 1) x PCT / 100) > floor(i x PCT / 100),
 *       so any run of k queries holds k x PCT / 100 failures, +-1.
 *
 * Prints "recorded N", then the runtime's counters "attached", "dropped",
 * "no_ring", "unattached", then "failed" (queries marked failed), one
 * "key value" per line. Exit: 0, 1 on a runtime error, 2 on bad usage.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include <perf-analysis/perf_analysis.h>

int main(int argc, char **argv)
{
	struct perf_analysis_app_stats st;
	long count, base_us, failed_pct = 0, n_failed = 0;
	int query, ping;
	char *end;

	if (argc != 3 && argc != 4)
		goto usage;
	count = strtol(argv[1], &end, 10);
	if (*end || count < 1)
		goto usage;
	base_us = strtol(argv[2], &end, 10);
	if (*end || base_us < 1 || base_us > 1000000)
		goto usage;
	if (argc == 4) {
		failed_pct = strtol(argv[3], &end, 10);
		if (*end || failed_pct < 0 || failed_pct > 100)
			goto usage;
	}
	query = perf_event_register("db.query");
	ping = perf_event_register("db.ping");
	if (query < 0 || ping < 0) {
		fprintf(stderr, "app-dbquery: cannot register names: %d %d\n", query, ping);
		return 1;
	}
	/* The default 50 us of timer slack would blur the distribution. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (long i = 0; i < count; i++) {
		long ns = base_us * 1000 * (4 + i % 5) / 4;
		struct timespec ts = { ns / 1000000000, ns % 1000000000 };
		bool failed = (i + 1) * failed_pct / 100 > i * failed_pct / 100;
		uint64_t start = PERF_EVENT_TIME_START(query);

		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		PERF_EVENT_TIME_END(PERF_EVENT_FAILED_IF(query, failed), start, 0, 0, (uint32_t)i, 0);
		PERF_EVENT_RECORD(ping, 0, 0, (uint32_t)i, 0);
		n_failed += failed;
	}
	if (perf_analysis_app_stats(&st) < 0) {
		fprintf(stderr, "app-dbquery: perf_analysis_app_stats failed\n");
		return 1;
	}
	printf("recorded %ld\nattached %s\ndropped %llu\nno_ring %llu\nunattached %llu\nfailed %ld\n", 2 * count,
	       st.attached ? "yes" : "no", (unsigned long long)st.dropped, (unsigned long long)st.no_ring,
	       (unsigned long long)st.unattached, n_failed);
	return 0;
usage:
	fprintf(stderr, "usage: app-dbquery COUNT BASE_US [FAILED_PCT]\n");
	return 2;
}
