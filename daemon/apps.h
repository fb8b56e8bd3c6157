/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apps.h - instrumented programs attached to perf-analysisd: the app.attach
 * request (docs/app-instrumentation.md), draining their shared-memory rings
 * (daemon/app-rings.h) into per-process statistics with the same windows
 * and baseline marks as kernel events and a sample queue of their own, and
 * their release when they exit or hang up.
 *
 * Statistics are kept per (process, event id): a program's events never mix
 * with the kernel's, nor with another program's, so `stats` shows them
 * attributed to their process. A process's statistics outlive it (its region
 * is released after a final drain) until `reset`, or until more than
 * PA_APPS_EXITED_MAX exited programs are kept (the oldest goes first).
 *
 * Single-threaded, like the rest of the daemon.
 */
#ifndef PA_DAEMON_APPS_H
#define PA_DAEMON_APPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon.h"
#include "perf-analysis/app-shm.h"

#define PA_APPS_SERIES_MAX 64   /* (process, event) statistics kept at once */
#define PA_APPS_EXITED_MAX 32   /* exited programs whose statistics are kept */
#define PA_APPS_DRAIN_BUDGET 65536 /* samples taken from one program per drain */
#define PA_APPS_BUSY_SAMPLES 256   /* a pass that drained this many: poll again in 5 ms */

struct pa_app;

/* Allocate the registry and calibrate the TSC conversion (~10 ms). 0 or -ENOMEM. */
int pa_apps_init(struct pa_daemon *d);

/* Release every program (final drain first) and the registry; NULL-safe. */
void pa_apps_done(struct pa_daemon *d);

/* Whether one request line asks for app.attach (it is then not for pa_methods_dispatch). */
bool pa_apps_is_attach(const char *line, size_t len);

/*
 * Answer one app.attach request from `peer` with descriptor `memfd` (-1 when
 * none came with it; not consumed: the caller closes it). Returns the reply
 * line (malloc'd, NULL on out-of-memory). On success *ret_app is the
 * attached program: the caller keeps the connection open and calls
 * pa_apps_conn_closed() when it ends. On refusal *ret_app is NULL and the
 * caller closes the connection after the reply.
 */
char *pa_apps_attach(struct pa_daemon *d, const struct pa_peer *peer, int memfd, const char *line, size_t len,
		     struct pa_app **ret_app);

/* The program's connection ended: drain what is left, release its region. */
void pa_apps_conn_closed(struct pa_daemon *d, struct pa_app *a);

/* Whether the program's region was released (exited, or corrupt): its connection can go. */
bool pa_apps_released(const struct pa_app *a);

/* Drain every attached program, release those that exited. Cheap when nothing is queued. */
void pa_apps_poll(struct pa_daemon *d);

/*
 * How long the poll loop may sleep before the next pa_apps_poll(): -1 with no
 * program attached; 5 ms while the last pass drained at least
 * PA_APPS_BUSY_SAMPLES samples; else 25 ms (each wake-up costs the daemon
 * ~0.1 ms of CPU on a VM: a quiet program should not cost 2 % of a core).
 */
int pa_apps_poll_timeout_ms(const struct pa_daemon *d);

/* Close the window [start_ns, end_ns) for every program series (after a drain). */
void pa_apps_tick(struct pa_daemon *d, uint64_t start_ns, uint64_t end_ns);

/* Zero every program statistic and counter; forget exited programs. */
void pa_apps_reset(struct pa_daemon *d);

/* Remember the current statistics as the baseline reference (for since_baseline). */
void pa_apps_mark_baseline(struct pa_daemon *d);

/*
 * The stats reply's "programs" array: one object per program (attached or
 * exited) with its counters and an "events" array of summaries (the kernel
 * events' format plus pid and comm). `event` < PA_EVENT_ID_LIMIT restricts
 * the events to that id (UINT64_MAX: all); last_ms and since_baseline as in
 * the stats method. NULL on out-of-memory.
 */
json_t *pa_apps_stats_json(struct pa_daemon *d, uint64_t event, uint64_t last_ms, bool since_baseline);

/*
 * A program event (id >= PERF_EVENT_USER_BASE) merged by name over every
 * program that recorded it since reset: what baselines, check_regression and
 * alerts compare. Ids are per registration and pids per run, so the name is
 * the identity: a CI job running the same program twice, or a pool of worker
 * processes, gives one series.
 */
struct pa_apps_event {
	char name[PA_APP_NAME_BYTES];
	struct pa_stats cum;          /* since reset, every program merged */
	bool timed;                   /* some sample had a duration */
	uint64_t lost;                /* losses (ring full, no ring, before attach, untracked) since reset of
				       * the programs that recorded it: per process, not per event */
	struct pa_window *w;          /* closed windows starting at or after from_ns, merged by start, oldest
				       * first (only windows with events); malloc'd */
	unsigned int n_w;
	char programs[128];           /* their process names, comma-separated, each once */
};

/*
 * Every program event with statistics since reset, drained first: the count
 * and *ret (malloc'd array; release with pa_apps_events_free), or -ENOMEM.
 * `name` non-NULL: that event only (0 when no program recorded it).
 */
int pa_apps_events(struct pa_daemon *d, const char *name, uint64_t from_ns, struct pa_apps_event **ret);
void pa_apps_events_free(struct pa_apps_event *e, int n);

/* Add `item` to the comma-separated `list` (n bytes) unless it is there; an item that does not fit is left out. */
void pa_apps_list_add(char *list, size_t n, const char *item);

#endif /* PA_DAEMON_APPS_H */
