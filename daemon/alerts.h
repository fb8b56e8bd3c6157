/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alerts.h - threshold alerts and the overhead budget of perf-analysisd.
 *
 * Every closed window, pa_alerts_tick() judges each event's newest window
 * against the configured thresholds (latency quantile, throughput, error
 * rate; core/window.h decides "crossed") and runs one small state machine per
 * (event, metric): an alert FIRES when the threshold is crossed in
 * alert_fire_windows consecutive windows and RESOLVES after
 * alert_resolve_windows consecutive windows back on the right side. Only
 * these transitions are reported: to the SQLite alert log, the daemon's log,
 * syslog, and the optional alert command.
 *
 * The same tick measures the daemon's own cost (eBPF program run time from
 * kernel.bpf_stats_enabled plus the daemon's CPU time) as a share of the
 * machine's CPU time, and lowers the sample rate while it is above the
 * overhead budget.
 *
 * Single-threaded like the rest of the daemon.
 */
#ifndef PA_DAEMON_ALERTS_H
#define PA_DAEMON_ALERTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "perf-analysis/perf_events.h"

struct pa_daemon;
struct pa_collector_config;

/* Program events tracked for latency alerts at once (configured, or still firing). */
#define PA_ALERTS_APP_MAX 32

enum pa_alert_metric {
	PA_ALERT_LATENCY = 0,
	PA_ALERT_THROUGHPUT = 1,
	PA_ALERT_ERROR_RATE = 2,
	PA_ALERT_OVERHEAD = 3, /* the daemon's own cost against the overhead budget */
	PA_ALERT_METRIC_MAX,
};

enum pa_alert_state {
	PA_ALERT_FIRING = 0,
	PA_ALERT_RESOLVED = 1,
	PA_ALERT_STATE_MAX,
};

/* Event id of alerts about the daemon itself (overhead). */
#define PA_ALERT_EVENT_DAEMON (-1)
/* Event id of alerts about a program's named event (event_name says which; ids differ per program). */
#define PA_ALERT_EVENT_APP (-2)

/* One transition, as stored and reported. */
struct pa_alert {
	uint64_t id;              /* row id in the alert log (set when stored) */
	uint64_t fired_id;        /* for RESOLVED: id of the FIRING record it ends; else 0 */
	uint64_t time_unix_ns;    /* CLOCK_REALTIME when raised */
	uint64_t window_start_ns; /* CLOCK_MONOTONIC, the window judged */
	uint64_t window_end_ns;
	int event;                /* event id, or PA_ALERT_EVENT_DAEMON */
	char event_name[48];
	enum pa_alert_metric metric;
	enum pa_alert_state state;
	double value;             /* in `unit` */
	double threshold;         /* in `unit` */
	uint32_t quantile_ppm;    /* latency: the quantile judged (990000 = p99) */
	bool below;               /* throughput: alert when below (else above) */
	int completeness;         /* enum pa_completeness of the window's statistics */
	char message[256];
};

/* "latency", "throughput", "error_rate", "overhead" / "firing", "resolved". */
const char *pa_alert_metric_name(enum pa_alert_metric m);
const char *pa_alert_state_name(enum pa_alert_state s);
/* Unit of a metric's value and threshold: "us", "ops/s", "%", "%". */
const char *pa_alert_metric_unit(enum pa_alert_metric m);

/* JSON object with every field of `a` (the alerts reply's element); NULL on ENOMEM. */
json_t *pa_alert_to_json(const struct pa_alert *a);

/*
 * Set up the alert state of `d` (d->alerts). `command`: executable run for
 * every transition (NULL: none), never through a shell; the alert is passed
 * in PA_ALERT_* environment variables. Returns 0 or -ENOMEM.
 */
int pa_alerts_init(struct pa_daemon *d, const char *command);
void pa_alerts_done(struct pa_daemon *d);

/*
 * Judge the windows just closed (call after the engine pushed them; the one
 * closed last started at window_start_ns) and the overhead. Programs' named
 * events with thresholds of their own (pa_config.app: latency, throughput,
 * error rate) are judged on the merge of every program's window, by name,
 * whether kernel capture is enabled or not; their alerts have event
 * PA_ALERT_EVENT_APP.
 */
void pa_alerts_tick(struct pa_daemon *d, uint64_t window_start_ns);

/*
 * Adjust a collector configuration built from d->cfg: the sample rate the
 * overhead budget allows, and program run-time statistics on whenever a
 * budget is set (it needs them to measure the kernel side's cost).
 */
void pa_alerts_collector_config(struct pa_daemon *d, struct pa_collector_config *cc);

/* Forget the alert state (after `reset`): active alerts resolve without a record. */
void pa_alerts_reset(struct pa_daemon *d);

/* Active alerts (FIRING records not yet resolved), as a JSON array. */
json_t *pa_alerts_active_json(struct pa_daemon *d);

/* The overhead measurement and budget state for `status`/`monitor`. */
json_t *pa_alerts_overhead_json(struct pa_daemon *d);

/*
 * Every alert the daemon judges and its state, for /metrics: one entry per
 * (event, metric) and one for the daemon's overhead, at most `max`
 * (PA_ALERTS_EXPORT_MAX fits them all). Strings are static. Returns how many.
 */
struct pa_export_alert;
#define PA_ALERTS_EXPORT_MAX (PERF_EVENT_MAX * 3 + 1 + PA_ALERTS_APP_MAX * 3)
size_t pa_alerts_export(struct pa_daemon *d, struct pa_export_alert *out, size_t max);

#endif /* PA_DAEMON_ALERTS_H */
