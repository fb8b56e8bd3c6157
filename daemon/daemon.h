/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - perf-analysisd's shared state and the interfaces between its
 * parts: main loop (main.c), RPC server (rpc-server.c), method handlers
 * (methods.c), statistics windows (engine.c), store (store.c), rights
 * (rights.c) and the regression verdict (verdict.c).
 *
 * The daemon is single-threaded: one poll loop owns everything below.
 */
#ifndef PA_DAEMON_H
#define PA_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "collector.h"
#include "proto.h"
#include "ring.h"
#include "stats.h"
#include "window.h"

#define PA_DEFAULT_SOCKET "/run/perf-analysis/perf-analysisd.sock"
#define PA_DEFAULT_STATE_DIR "/var/lib/perf-analysis"
#define PA_DEFAULT_GROUP "perf-analysis"
#define PA_VERSION "0.1.0"

#define PA_CONFIG_APP_MAX 16 /* program events with thresholds of their own, at once */

/* Everything `configure` and `enable` change; persisted in the store. */
struct pa_config {
	bool enabled;
	struct pa_collector_config cc;
	uint32_t latency_threshold_us;     /* seed default 1000 us */
	uint32_t throughput_threshold;     /* ops/s, seed default 1000 */
	uint32_t error_rate_threshold_pct; /* seed default 5 */
	uint32_t regression_threshold_pct; /* seed default 20 */
	/* Alerts and overhead budget (daemon/alerts.h). */
	uint32_t latency_quantile_ppm;     /* quantile the latency threshold judges; default 990000 = p99 */
	uint32_t throughput_below;         /* 1: alert when throughput falls below; 0 (default): above */
	uint32_t event_latency_us[PERF_EVENT_MAX]; /* per-event latency threshold; 0 = latency_threshold_us */
	uint32_t alert_event_mask;         /* events judged; default all */
	uint32_t alert_fire_windows;       /* consecutive windows over to fire; default 1 */
	uint32_t alert_resolve_windows;    /* consecutive windows back to resolve; default 3 */
	uint32_t alert_min_count;          /* fewer operations in a window: latency and error rate not judged
					    * (one failure in 10 calls is not a 10 % error rate); default 20 */
	uint32_t overhead_budget_ppm;      /* own CPU share allowed, ppm of machine CPU; default 50000 = 5 %; 0 = off */
	/*
	 * Programs' named events with thresholds of their own (issue 8), by
	 * name; a program event is judged only for the thresholds listed here.
	 * Unused entries have name "".
	 */
	struct pa_app_thresholds {
		char name[48];
		uint32_t latency_us;       /* on the latency_quantile_ppm quantile; 0 = not judged */
		uint32_t throughput;       /* ops/s; 0 = not judged */
		uint32_t error_rate_pct;   /* failed samples (PERF_EVENT_FAILED) / samples; 0 = not judged */
		bool throughput_below;     /* alert when throughput falls below (else above) */
	} app[PA_CONFIG_APP_MAX];
};

/* The entry of program event `name` in c->app, or NULL. */
const struct pa_app_thresholds *pa_config_app(const struct pa_config *c, const char *name);
/*
 * Set program event t->name's thresholds to *t; all three 0 removes the
 * entry. 0, or -ENOSPC when PA_CONFIG_APP_MAX names have thresholds already.
 */
int pa_config_set_app(struct pa_config *c, const struct pa_app_thresholds *t);

void pa_config_defaults(struct pa_config *c);
json_t *pa_config_to_json(const struct pa_config *c);

/* A connected client, as SO_PEERCRED and SO_PEERGROUPS describe it. */
struct pa_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[64];
};

/* Fill *ret for the peer of connected Unix socket `fd`. 0 or -errno. */
int pa_peer_get(int fd, struct pa_peer *ret);
/* Whether the peer is root, or has `gid` as primary or supplementary group. */
bool pa_peer_has(const struct pa_peer *p, bool gid_valid, gid_t gid);
/* Resolve a group name or number; 0 and *ret, or -ENOENT. */
int pa_group_resolve(const char *name, gid_t *ret);

struct pa_store;
struct pa_resources;

/* Per-event state kept by the engine. */
struct pa_event_state {
	struct pa_stats cum_prev;   /* cumulative counters at the last window close */
	struct pa_stats base_ref;   /* cumulative counters when the last baseline was set */
	bool base_ref_valid;        /* a baseline was set since the last reset in this run */
	struct pa_window_ring ring; /* closed windows, newest last */
	struct pa_window *slots;
};

struct pa_daemon {
	const char *socket_path;
	const char *state_dir;
	int lock_fd;
	struct pa_store *store;
	struct pa_config cfg;

	struct pa_collector *collector; /* NULL when the kernel side is unavailable */
	const char *collector_why;      /* why it is unavailable */
	struct pa_resources *resources; /* resource tracking and correlation (resources.h); NULL if unavailable */
	const char *resources_why;      /* why it is unavailable */

	struct pa_event_state ev[PERF_EVENT_MAX];
	uint64_t start_ns;        /* CLOCK_MONOTONIC at start */
	uint64_t period_start_ns; /* start or last reset */
	uint64_t window_ns;       /* window length */
	uint64_t window_start_ns; /* start of the window being filled */
	uint32_t n_windows;       /* ring capacity per event */
	uint64_t baseline_set_ns; /* when a baseline was last stored in this run (0: never); issue 5 */
	uint32_t history_interval_ms;  /* window history: one row per event per interval (0: off); issue 5 */
	uint32_t history_retention_s;  /* rows older than this are deleted */
	struct pa_history *history;    /* history.c's accumulator, NULL until the first tick */

	/*
	 * Daemon-side queues of drained samples, one per source (issue 8), so
	 * that a flood from one source cannot overwrite the other's samples:
	 * kernel samples, and programs' samples (PERF_SAMPLE_F_APP). Each holds
	 * buffer_size samples; the *_overflow_base count what earlier queues
	 * lost (a resize discards, and counts, what was still queued).
	 */
	struct pa_ring *samples;
	uint64_t samples_overflow_base;
	struct pa_ring *app_samples;
	uint64_t app_samples_overflow_base;

	const char *observe_group, *configure_group; /* names as given, for messages */
	bool observe_gid_valid, configure_gid_valid;
	gid_t observe_gid, configure_gid;
	uint32_t client_timeout_ms;
	unsigned int max_clients;
	unsigned int max_clients_per_user; /* for non-root users; 0 = no limit */
	unsigned int n_clients;

	struct pa_alerts *alerts;  /* daemon/alerts.c */
	struct pa_apps *apps;     /* instrumented programs (apps.h) */
};

uint64_t pa_now_ns(void);

/* engine.c: windows and statistics. */
int pa_engine_init(struct pa_daemon *d);
void pa_engine_done(struct pa_daemon *d);
/* Close the current window: read cumulative stats, push each event's delta. */
void pa_engine_tick(struct pa_daemon *d);
/* Cumulative statistics of `event` since start or reset (zero without a collector). */
int pa_engine_read(struct pa_daemon *d, unsigned int event, struct pa_stats *ret);
void pa_engine_summary(struct pa_daemon *d, unsigned int event, const struct pa_stats *s,
		       struct pa_event_summary *ret);
int pa_engine_reset(struct pa_daemon *d);
int pa_engine_apply_config(struct pa_daemon *d);
void pa_engine_drain(struct pa_daemon *d);
int pa_engine_samples_resize(struct pa_daemon *d, uint32_t buffer_size);
/* Samples lost in the daemon's queue of kernel samples (app false) or of programs' samples (app true). */
uint64_t pa_engine_queue_lost(const struct pa_daemon *d, bool app);

/* methods.c: handle one request line, return the reply line (malloc'd). */
char *pa_methods_dispatch(struct pa_daemon *d, const struct pa_peer *peer, const char *line, size_t len);

/*
 * regression.c and verdict.c (issue 5): baselines and the statistical
 * verdict. Each handler answers one method of proto/perf_monitor.defs:
 * 0 and *ret (a new JSON object), or -errno with *err filled (message
 * naming the problem). Writes are committed with their audit record before
 * the handler returns.
 */
int pa_rx_baseline(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
		   struct pa_proto_error *err, json_t **ret);
int pa_rx_baseline_list(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			struct pa_proto_error *err, json_t **ret);
int pa_rx_baseline_show(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			struct pa_proto_error *err, json_t **ret);
int pa_rx_baseline_delete(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			  struct pa_proto_error *err, json_t **ret);
int pa_rx_trend(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
		struct pa_proto_error *err, json_t **ret);
/* history.c: after each window closes, fold it into the history interval; write it out when the interval ends. */
void pa_history_tick(struct pa_daemon *d);
/* Write out the interval so far (at shutdown) and release the accumulator. */
void pa_history_done(struct pa_daemon *d);
int pa_rx_check_regression(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			   struct pa_proto_error *err, json_t **ret);

/* store.c: SQLite state (config, baselines, audit). Every write is committed before it returns. */
int pa_store_open(const char *state_dir, struct pa_store **ret, char *err, size_t errlen);
void pa_store_free(struct pa_store *s);
int pa_store_load_config(struct pa_store *s, struct pa_config *cfg);
int pa_store_save_config(struct pa_store *s, const struct pa_config *cfg);
int pa_store_audit(struct pa_store *s, const struct pa_peer *who, const char *method, const char *params,
		   const char *result);
json_t *pa_store_audit_list(struct pa_store *s, unsigned int limit);
struct pa_baseline_window {
	unsigned int event;
	uint64_t start_ns, end_ns, count, total_ns, p50_ns, p99_ns;
	uint64_t errors, p90_ns, max_ns; /* schema v2; older rows read back p90 = max = p99, errors 0 */
};
/*
 * Program events in a baseline (schema v4) are keyed by name: their summary's
 * id and their windows' event are a key of the baseline's own, from
 * PA_STORE_APP_KEY_BASE up (above every live event id).
 */
#define PA_STORE_APP_KEY_BASE PERF_EVENT_ID_LIMIT
/*
 * Store baseline `name` (replacing one of that name) covering [period_start_ns, period_end_ns) (monotonic).
 * ev[i] with id >= PA_STORE_APP_KEY_BASE is a program event named ev[i].name, recorded by the processes
 * programs[i] (comma-separated; programs may be NULL, and is ignored for kernel events).
 */
int pa_store_save_baseline(struct pa_store *s, const char *name, uint64_t created_ns, const char *env_json,
			   uint64_t period_start_ns, uint64_t period_end_ns,
			   const struct pa_event_summary *ev, const char *const *programs, unsigned int n_ev,
			   const struct pa_baseline_window *w, unsigned int n_w);
struct pa_baseline_app_event {
	unsigned int key;   /* the event key of its rows in this baseline */
	char name[48];
	char programs[128]; /* process names that recorded it, comma-separated */
};
/* The program events of a baseline, by key: the count and *ret (malloc'd; free it), or -EIO/-ENOMEM. */
int pa_store_baseline_app_events(struct pa_store *s, int64_t baseline_id, struct pa_baseline_app_event **ret);
/* 0 and *ret for `event` (an id, or a program event's key) of baseline `name`; -ENOENT if no such baseline. */
int pa_store_load_baseline(struct pa_store *s, const char *name, unsigned int event, struct pa_event_summary *ret,
			   uint64_t *ret_created_unix);
int pa_store_count_baselines(struct pa_store *s);
struct pa_baseline_info {
	char name[64];
	int64_t id;
	uint64_t created_ns, created_unix;        /* CLOCK_MONOTONIC of the daemon that stored it; Unix seconds */
	uint64_t period_start_ns, period_end_ns;  /* CLOCK_MONOTONIC; 0 for baselines stored by schema v1 */
	uint32_t n_windows;                       /* distinct windows stored */
	char env[2048];                           /* environment fingerprint, JSON */
};
/* 0 and *ret, -ENOENT if there is no baseline `name`, -EIO. */
int pa_store_baseline_info(struct pa_store *s, const char *name, struct pa_baseline_info *ret);
/* Windows of `event` in a baseline, oldest first: the count and *ret (malloc'd; free it), or -errno. */
int pa_store_baseline_windows(struct pa_store *s, int64_t baseline_id, unsigned int event,
			      struct pa_baseline_window **ret);
/* [{name, created_unix, environment, period_start_ns, period_end_ns, windows}], or NULL on error. */
json_t *pa_store_baseline_list(struct pa_store *s);
/* Delete baseline `name` and its rows: 0, -ENOENT, -EIO. */
int pa_store_delete_baseline(struct pa_store *s, const char *name);
/*
 * Window history (trend): one row per event and history interval; fields in
 * this order (12 x u64), then, for a program's named event (issue 8; event
 * = PA_STORE_APP_KEY_BASE), its name and whether any sample had a duration.
 * Kernel events have name "" (and timed true when read back).
 */
struct pa_history_row {
	uint64_t event, start_unix_ms, end_unix_ms, windows, count, errors, total_ns, p50_ns, p90_ns, p99_ns, max_ns,
		completeness;
	bool timed;
	char name[48];
};
/*
 * Insert rows (a row with a name goes to the programs' history) and delete
 * those of both that ended before delete_before_unix_ms (0: keep all).
 * 0 or -EIO.
 */
int pa_store_history_add(struct pa_store *s, const struct pa_history_row *rows, unsigned int n,
			 uint64_t delete_before_unix_ms);
/*
 * The newest max_rows rows since from_unix_ms, oldest first, of kernel event
 * `event` (name NULL) or of the program event `name`: count and *ret
 * (malloc'd), or -errno.
 */
int pa_store_history_get(struct pa_store *s, unsigned int event, const char *name, uint64_t from_unix_ms,
			 unsigned int max_rows, struct pa_history_row **ret);
/* The program events with history since from_unix_ms, by name: [{name, timed bool}], or NULL on error. */
json_t *pa_store_history_app_names(struct pa_store *s, uint64_t from_unix_ms);
struct pa_alert;
/* Append an alert transition to the alert log; sets a->id. 0 or -EIO. */
int pa_store_alert_add(struct pa_store *s, struct pa_alert *a);
/*
 * Alert log records with id > since_id, oldest first, at most `limit`: the
 * newest ones, or with from_oldest the oldest ones (for paging). NULL on failure.
 */
json_t *pa_store_alert_list(struct pa_store *s, uint64_t since_id, unsigned int limit, bool from_oldest);
int pa_store_begin(struct pa_store *s);
int pa_store_commit(struct pa_store *s);
void pa_store_rollback(struct pa_store *s);

/* Logging: programs print, the daemon to stderr. */
void pa_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* PA_DAEMON_H */
