/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alert-load.c - workloads that cross (or stay under) the alert thresholds,
 * for tests/blackbox/test-alerts.sh. Its command name "alert-load" lets the
 * daemon filter the statistics to it (configure --comm alert-load).
 *
 * USAGE
 *   alert-load sleep US SECONDS    nanosleep(US microseconds) in a loop: syscall latency of US
 *   alert-load errors PCT SECONDS  syscalls of which PCT % fail: per 100, PCT close(-1) and the
 *                                  rest getppid(); 0.2 ms pause per 100 to keep the rate moderate
 *   alert-load spin SECONDS        getppid() as fast as possible (for the overhead budget)
 * Prints "calls N" and "errors N" (what it did) at the end.
 * EXAMPLES
 *   alert-load sleep 2000 3
 *   alert-load errors 10 3
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "alert-load: '%s' is not a number in %ld-%ld\n", s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long calls = 0, errors = 0;
	double end;

	if (argc == 4 && strcmp(argv[1], "sleep") == 0) {
		long us = arg(argv[2], 1, 10000000);
		struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

		end = now_s() + (double)arg(argv[3], 0, 3600);
		while (now_s() < end) {
			nanosleep(&ts, NULL);
			calls++;
		}
	} else if (argc == 4 && strcmp(argv[1], "errors") == 0) {
		long pct = arg(argv[2], 0, 100);
		struct timespec pause = { .tv_nsec = 200000 };

		end = now_s() + (double)arg(argv[3], 0, 3600);
		while (now_s() < end) {
			for (long i = 0; i < 100; i++) {
				if (i < pct) {
					if (syscall(SYS_close, -1) < 0)
						errors++;
				} else {
					(void)syscall(SYS_getppid);
				}
			}
			calls += 100;
			nanosleep(&pause, NULL);
			calls++;
		}
	} else if (argc == 3 && strcmp(argv[1], "spin") == 0) {
		end = now_s() + (double)arg(argv[2], 0, 3600);
		while (now_s() < end) {
			for (int i = 0; i < 1000; i++)
				(void)syscall(SYS_getppid);
			calls += 1000;
		}
	} else {
		fprintf(stderr, "usage: alert-load sleep US SECONDS | errors PCT SECONDS | spin SECONDS\n");
		return 2;
	}
	printf("calls %ld\nerrors %ld\n", calls, errors);
	return 0;
}
