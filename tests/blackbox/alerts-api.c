/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alerts-api.c - the alert part of the C API (perf_monitor.h), driven by
 * tests/blackbox/test-alerts.sh against a private daemon.
 *
 * USAGE
 *   alerts-api configure   set syscall's own latency threshold (1500 us) and
 *                          the quantile (99.9) with perf_monitor_configure_ex;
 *                          check a bad combination is refused; print "ok"
 *   alerts-api list        print every alert record through
 *                          perf_monitor_alerts(), one "id event metric state
 *                          value threshold fired_id" line each, paged by 2
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf-analysis/perf_monitor.h"

static int configure(perf_host_t *h)
{
	struct perf_monitor_config c = { 0 };
	int r;

	c.set = PERF_CONFIG_LATENCY_EVENT;
	c.latency_event = PERF_EVENT_SYSCALL;
	r = perf_monitor_configure_ex(h, &c);
	if (r != -EINVAL) {
		fprintf(stderr, "latency_event without a threshold: %d, expected -EINVAL\n", r);
		return 1;
	}
	c.set = PERF_CONFIG_LATENCY_EVENT | PERF_CONFIG_LATENCY_THRESHOLD | PERF_CONFIG_LATENCY_QUANTILE;
	c.latency_threshold_us = 1500;
	c.latency_quantile_ppm = 999000;
	r = perf_monitor_configure_ex(h, &c);
	if (r < 0) {
		fprintf(stderr, "configure_ex: %s\n", perf_host_last_error(h));
		return 1;
	}
	puts("ok");
	return 0;
}

static int list(perf_host_t *h)
{
	static const char *const metrics[] = { "latency", "throughput", "error_rate", "overhead" };
	struct perf_alert a[2];
	unsigned long long since = 0;
	unsigned int n;

	do {
		int r = perf_monitor_alerts(h, since, a, 2, &n);

		if (r < 0) {
			fprintf(stderr, "perf_monitor_alerts: %s\n", perf_host_last_error(h));
			return 1;
		}
		for (unsigned int i = 0; i < n; i++) {
			printf("%llu %d %s %s %.3f %.3f %llu\n", a[i].id, a[i].event,
			       a[i].metric >= 0 && a[i].metric < 4 ? metrics[a[i].metric] : "?",
			       a[i].state == PERF_ALERT_RESOLVED ? "resolved" : "firing", a[i].value, a[i].threshold,
			       a[i].fired_id);
			since = a[i].id;
		}
	} while (n == 2);
	return 0;
}

int main(int argc, char **argv)
{
	perf_host_t *h = perf_host_self();

	if (argc == 2 && strcmp(argv[1], "configure") == 0)
		return configure(h);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list(h);
	fprintf(stderr, "usage: alerts-api configure|list\n");
	return 2;
}
