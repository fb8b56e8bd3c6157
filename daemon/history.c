/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * history.c - window history for trend analysis (issue 5).
 *
 * The window ring holds minutes; trends need days. Every closed window is
 * merged into a per-event accumulator, and every history interval (10 s by
 * default, --history-interval-ms) one row per event that had events goes to
 * the store's history table in one transaction, with count, errors, total,
 * p50, p90, p99, max and completeness, timed by the wall clock so that it
 * spans restarts and reboots. Rows older than the retention (7 days by
 * default, --history-retention) are deleted in the same transaction. Cost:
 * one merge of 1408 buckets per event per window, one commit per interval.
 *
 * Programs' named events (issue 8) get the same rows, by name, merged over
 * every program that recorded the name (their ids and pids change from run
 * to run): each window tick merges the windows the programs closed since the
 * last one. Cost: one more merge per name with events, at most
 * PA_APPS_SERIES_MAX names.
 *
 * The trend method reads a series back (one metric per row), finds its
 * change points (E-divisive means, core/changepoint.h) and its Theil-Sen
 * slope.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apps.h"
#include "changepoint.h"
#include "daemon.h"
#include "events.h"
#include "histogram.h"

#define HISTORY_INTERVAL_MS_DEFAULT 10000
#define HISTORY_RETENTION_S_DEFAULT (7 * 24 * 3600)
#define TREND_MAX_POINTS_DEFAULT 1000

/* A program event's interval so far, by name. */
struct app_acc {
	char name[PA_APP_NAME_BYTES];
	struct pa_stats acc;
	bool timed;
	bool lossy;        /* its programs lost events during the interval */
	uint64_t lost;     /* their losses since reset, as last seen */
};

struct pa_history {
	struct pa_stats acc[PERF_EVENT_MAX];
	uint64_t start_unix_ms, start_ns;
	uint64_t merged_end_ns[PERF_EVENT_MAX]; /* end of the last window merged, so none counts twice */
	uint32_t windows;
	bool write_failed_logged;
	struct app_acc *app;     /* programs' events seen so far (names are kept across intervals) */
	unsigned int n_app;
	uint64_t app_merged_end_ns; /* end of the last programs' window merged */
};

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void history_start(struct pa_history *h)
{
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		pa_stats_reset(&h->acc[e]);
	for (unsigned int i = 0; i < h->n_app; i++) {
		pa_stats_reset(&h->app[i].acc);
		h->app[i].lossy = false;
	}
	h->windows = 0;
	h->start_unix_ms = unix_ms();
	h->start_ns = pa_now_ns();
}

static void flush(struct pa_daemon *d)
{
	struct pa_history *h = d->history;
	struct pa_history_row rows[PERF_EVENT_MAX + PA_APPS_SERIES_MAX];
	uint64_t now = unix_ms(), retention = d->history_retention_s ? d->history_retention_s
								      : HISTORY_RETENTION_S_DEFAULT;
	unsigned int n = 0;

	for (unsigned int e = 0; e < PERF_EVENT_MAX + h->n_app; e++) {
		const struct app_acc *app = e >= PERF_EVENT_MAX ? &h->app[e - PERF_EVENT_MAX] : NULL;
		const struct pa_stats *s = app ? &app->acc : &h->acc[e];
		const struct pa_hist *hi = &s->hist;

		if (!hi->count)
			continue;
		rows[n] = (struct pa_history_row){
			.event = app ? PA_STORE_APP_KEY_BASE : e, .start_unix_ms = h->start_unix_ms, .end_unix_ms = now,
			.windows = h->windows, .count = hi->count, .errors = s->errors, .total_ns = hi->total,
			.p50_ns = pa_hist_percentile(hi, 500000), .p90_ns = pa_hist_percentile(hi, 900000),
			.p99_ns = pa_hist_percentile(hi, 990000), .max_ns = hi->max,
			.completeness = (uint64_t)(app && app->lossy ? PA_LOSSY : pa_stats_completeness(s)),
			.timed = !app || app->timed,
		};
		if (app)
			snprintf(rows[n].name, sizeof(rows[n].name), "%s", app->name);
		n++;
	}
	if (pa_store_begin(d->store) < 0 ||
	    pa_store_history_add(d->store, rows, n, now > retention * 1000 ? now - retention * 1000 : 0) < 0 ||
	    pa_store_commit(d->store) < 0) {
		pa_store_rollback(d->store);
		if (!h->write_failed_logged)
			pa_log("cannot write the window history to %s/state.db; trend will miss this interval",
			       d->state_dir);
		h->write_failed_logged = true;
	}
	history_start(h);
}

/* The accumulator of program event `name`, added if new; NULL past PA_APPS_SERIES_MAX names or on ENOMEM. */
static struct app_acc *app_acc(struct pa_history *h, const char *name)
{
	struct app_acc *a;

	for (unsigned int i = 0; i < h->n_app; i++)
		if (strcmp(h->app[i].name, name) == 0)
			return &h->app[i];
	if (h->n_app == PA_APPS_SERIES_MAX)
		return NULL;
	a = realloc(h->app, (h->n_app + 1) * sizeof(*a));
	if (!a)
		return NULL;
	h->app = a;
	a = &h->app[h->n_app++];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	pa_stats_reset(&a->acc);
	return a;
}

/* Merge the windows programs closed since the last tick into their names' accumulators. */
static void merge_apps(struct pa_daemon *d, struct pa_history *h)
{
	struct pa_apps_event *ev = NULL;
	int n = pa_apps_events(d, NULL, h->app_merged_end_ns, &ev);

	for (int i = 0; i < n; i++) {
		struct app_acc *a = ev[i].n_w ? app_acc(h, ev[i].name) : NULL;

		for (unsigned int k = 0; a && k < ev[i].n_w; k++) {
			pa_stats_merge(&a->acc, &ev[i].w[k].stats);
			if (ev[i].w[k].end_ns > h->app_merged_end_ns)
				h->app_merged_end_ns = ev[i].w[k].end_ns;
		}
		if (!a)
			continue;
		a->timed |= ev[i].timed;
		/* Losses are per process since reset: new ones since the last look make this interval lossy. */
		if (ev[i].lost > a->lost)
			a->lossy = true;
		a->lost = ev[i].lost;
	}
	pa_apps_events_free(ev, n);
}

void pa_history_tick(struct pa_daemon *d)
{
	uint64_t interval = d->history_interval_ms ? d->history_interval_ms : HISTORY_INTERVAL_MS_DEFAULT;
	struct pa_history *h = d->history;

	if (!h) {
		h = d->history = malloc(sizeof(*h));
		if (!h)
			return;
		memset(h, 0, sizeof(*h));
		history_start(h);
	}
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		const struct pa_window *w = pa_window_ring_get(&d->ev[e].ring, 0);

		if (w && w->end_ns > h->merged_end_ns[e]) {
			pa_stats_merge(&h->acc[e], &w->stats);
			h->merged_end_ns[e] = w->end_ns;
		}
	}
	merge_apps(d, h);
	h->windows++;
	if (pa_now_ns() - h->start_ns >= interval * 1000000ull)
		flush(d);
}

void pa_history_done(struct pa_daemon *d)
{
	if (!d->history)
		return;
	if (d->history->windows)
		flush(d);
	free(d->history->app);
	free(d->history);
	d->history = NULL;
}

static int fail(struct pa_proto_error *err, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct pa_proto_error *err, int e, const char *fmt, ...)
{
	va_list ap;

	err->err = e;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -e;
}

static double metric_of(const struct pa_history_row *r, const char *metric)
{
	if (strcmp(metric, "p99") == 0)
		return (double)r->p99_ns;
	if (strcmp(metric, "p90") == 0)
		return (double)r->p90_ns;
	if (strcmp(metric, "avg") == 0)
		return r->count ? (double)r->total_ns / (double)r->count : 0;
	if (strcmp(metric, "rate") == 0)
		return r->end_unix_ms > r->start_unix_ms ? (double)r->count * 1000.0 /
							   (double)(r->end_unix_ms - r->start_unix_ms) : 0;
	return (double)r->p50_ns;
}

/* The trend of kernel event `e`, or of program event `name` (non-NULL). NULL with *ret_err on failure. */
static json_t *event_trend(struct pa_daemon *d, unsigned int e, const char *name, const char *metric, uint64_t from,
			   unsigned int max, const struct pa_cp_params *cpp, int *ret_err)
{
	struct pa_history_row *rows = NULL;
	struct pa_change_point *cps = NULL;
	struct pa_cp_result cres;
	struct pa_theil_sen ts;
	double *x = NULL;
	void *scratch = NULL;
	json_t *o = NULL, *pts = json_array(), *cpa = json_array();
	int n = pa_store_history_get(d->store, e, name, from, max, &rows), ncp = 0;

	*ret_err = 0;
	if (n < 0) {
		*ret_err = n;
		goto out;
	}
	x = calloc((size_t)n + 1, sizeof(*x));
	cps = calloc((size_t)n / 2 + 1, sizeof(*cps));
	if (!x || !cps || !pts || !cpa) {
		*ret_err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		x[i] = metric_of(&rows[i], metric);
		json_array_append_new(pts, json_pack("{sI sI sI sI sI sI sI sf}", "start_unix_ms",
			(json_int_t)rows[i].start_unix_ms, "end_unix_ms", (json_int_t)rows[i].end_unix_ms,
			"count", (json_int_t)rows[i].count, "errors", (json_int_t)rows[i].errors,
			"p50_ns", (json_int_t)rows[i].p50_ns, "p99_ns", (json_int_t)rows[i].p99_ns,
			"max_ns", (json_int_t)rows[i].max_ns, "value", x[i]));
	}
	if (name)
		o = json_pack("{ss ss ss sI}", "name", name, "source", "app", "metric", metric, "points_count",
			      (json_int_t)n);
	else
		o = json_pack("{sI ss ss sI}", "event", (json_int_t)e, "name", pa_event_info(e)->name, "metric",
			      metric, "points_count", (json_int_t)n);
	if (!o) {
		*ret_err = -ENOMEM;
		goto out;
	}
	if (n >= 2) {
		size_t need = pa_cp_scratch_bytes((size_t)n), need_ts = pa_theil_sen_scratch_bytes((size_t)n);

		scratch = malloc(need > need_ts ? need : need_ts);
		if (!scratch) {
			*ret_err = -ENOMEM;
			goto out;
		}
		ncp = pa_cp_detect(x, (size_t)n, cpp, scratch, need, cps, (size_t)n / 2 + 1, &cres);
		for (int i = 0; i < ncp; i++)
			json_array_append_new(cpa, json_pack("{sI sI sf sf sf sf}", "index", (json_int_t)cps[i].index,
				"start_unix_ms", (json_int_t)rows[cps[i].index].start_unix_ms, "before", cps[i].before,
				"after", cps[i].after, "change_pct", cps[i].change_pct, "p_value", cps[i].p_value));
		if (pa_theil_sen(NULL, x, (size_t)n, 0.05, scratch, need_ts, &ts) == 0)
			json_object_set_new(o, "slope", json_pack("{sf sf sf sf sb sf}", "per_point", ts.slope,
				"pct_per_point", ts.slope_pct, "lo", ts.slope_lo, "hi", ts.slope_hi,
				"ci_valid", ts.ci_valid, "level", ts.level));
	}
	json_object_set(o, "points", pts);
	json_object_set(o, "change_points", cpa);
out:
	if (*ret_err) {
		json_decref(o);
		o = NULL;
	}
	json_decref(pts);
	json_decref(cpa);
	free(scratch);
	free(cps);
	free(x);
	free(rows);
	return o;
}

/* "a, b, c" from the names of [{name}] (or "none"), for messages. */
static void names_of(json_t *names, char *buf, size_t n)
{
	json_t *v;
	size_t i, len = 0;

	snprintf(buf, n, "none");
	json_array_foreach(names, i, v) {
		int k = snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
				 json_string_value(json_object_get(v, "name")));

		if (k < 0 || (size_t)k >= n - len)
			break;
		len += (size_t)k;
	}
}

int pa_rx_trend(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
		struct pa_proto_error *err, json_t **ret)
{
	uint64_t ev = UINT64_MAX, last_ms = 0, max = TREND_MAX_POINTS_DEFAULT, min_seg = PA_CP_MIN_SEGMENT_DEFAULT;
	const char *metric = "p50", *ev_name = NULL;
	struct pa_cp_params cpp;
	json_t *events = json_array(), *names = NULL, *v;
	uint64_t from;
	size_t i;
	int r = 0;

	(void)pa_param_uint(req, "event", &ev);
	(void)pa_param_string(req, "event_name", &ev_name);
	(void)pa_param_uint(req, "last_ms", &last_ms);
	(void)pa_param_uint(req, "max_points", &max);
	(void)pa_param_uint(req, "min_segment", &min_seg);
	(void)pa_param_string(req, "metric", &metric);
	if (strcmp(metric, "p50") && strcmp(metric, "p90") && strcmp(metric, "p99") && strcmp(metric, "avg") &&
	    strcmp(metric, "rate")) {
		r = fail(err, EINVAL, "trend: metric '%s' is not one of p50, p90, p99, avg, rate", metric);
		goto out;
	}
	if (ev != UINT64_MAX && ev >= PERF_EVENT_MAX) {
		r = fail(err, ENOENT, "trend: event %llu has no history in this daemon", (unsigned long long)ev);
		goto out;
	}
	if (ev != UINT64_MAX && ev_name) {
		r = fail(err, EINVAL, "trend: give event or event_name, not both");
		goto out;
	}
	if (min_seg < 2 || max < 2) {
		r = fail(err, EINVAL, "trend: min_segment and max_points must be at least 2");
		goto out;
	}
	from = last_ms ? unix_ms() - last_ms : 0;
	/* Programs' events with history: since `from` for the summary, ever for a name asked for. */
	names = pa_store_history_app_names(d->store, ev_name ? 0 : from);
	if (!names) {
		r = fail(err, EIO, "trend: cannot read the programs' history from %s/state.db", d->state_dir);
		goto out;
	}
	if (ev_name) {
		bool known = false;

		json_array_foreach(names, i, v)
			known |= strcmp(json_string_value(json_object_get(v, "name")), ev_name) == 0;
		if (!known) {
			char list[512];

			names_of(names, list, sizeof(list));
			r = fail(err, ENOENT, "trend: no program event '%s' in the history (program events with history: "
				 "%s)", ev_name, list);
			goto out;
		}
	}
	pa_cp_params_default(&cpp);
	cpp.min_segment = (uint32_t)min_seg;
	for (unsigned int e = 0; events && !ev_name && e < PERF_EVENT_MAX; e++) {
		json_t *o;
		int er;

		if (ev != UINT64_MAX && e != ev)
			continue;
		if (ev == UINT64_MAX && !pa_event_info(e)->has_duration && strcmp(metric, "rate"))
			continue;
		o = event_trend(d, e, NULL, metric, from, (unsigned int)max, &cpp, &er);
		if (er < 0) {
			r = fail(err, er == -ENOMEM ? ENOMEM : EIO, "trend: cannot read the history of %s from %s/state.db",
				 pa_event_info(e)->name, d->state_dir);
			goto out;
		}
		if (ev != UINT64_MAX || json_integer_value(json_object_get(o, "points_count")) > 0)
			json_array_append_new(events, o);
		else
			json_decref(o);
	}
	/* Programs' events, by name: the one asked for, or (no event asked for) every one with history. */
	json_array_foreach(names, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		json_t *o;
		int er;

		if (!events || ev != UINT64_MAX || (ev_name && strcmp(name, ev_name)))
			continue;
		/* Untimed events (PERF_EVENT_RECORD) have only a rate, as page faults have. */
		if (!ev_name && !json_is_true(json_object_get(v, "timed")) && strcmp(metric, "rate"))
			continue;
		o = event_trend(d, 0, name, metric, from, (unsigned int)max, &cpp, &er);
		if (er < 0) {
			r = fail(err, er == -ENOMEM ? ENOMEM : EIO, "trend: cannot read the history of %s from %s/state.db",
				 name, d->state_dir);
			goto out;
		}
		if (ev_name || json_integer_value(json_object_get(o, "points_count")) > 0)
			json_array_append_new(events, o);
		else
			json_decref(o);
	}
	*ret = json_pack("{ss sI sI sI sO}", "metric", metric,
			 "interval_ms", (json_int_t)(d->history_interval_ms ? d->history_interval_ms
									    : HISTORY_INTERVAL_MS_DEFAULT),
			 "retention_s", (json_int_t)(d->history_retention_s ? d->history_retention_s
									    : HISTORY_RETENTION_S_DEFAULT),
			 "min_segment", (json_int_t)min_seg, "events", events);
	r = *ret ? 0 : fail(err, ENOMEM, "out of memory");
out:
	json_decref(names);
	json_decref(events);
	return r;
}
