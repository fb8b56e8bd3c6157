/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * methods.c - one handler per method of proto/perf_monitor.defs.
 *
 * pa_methods_dispatch() decodes a request, checks the caller's right, runs
 * the handler and encodes the reply. Methods that change state write the
 * change and its audit record in one SQLite transaction, committed before the
 * reply leaves: an acknowledged change survives kill -9. Refused attempts to
 * change state are audited too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alerts.h"
#include "apps.h"
#include "daemon.h"
#include "events.h"
#include "histogram.h"
#include "resources.h"

struct call {
	struct pa_daemon *d;
	const struct pa_peer *peer;
	const struct pa_request *req;
	struct pa_proto_error err;
};

static int fail(struct call *c, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct call *c, int e, const char *fmt, ...)
{
	va_list ap;

	c->err.err = e;
	va_start(ap, fmt);
	vsnprintf(c->err.message, sizeof(c->err.message), fmt, ap);
	va_end(ap);
	return -e;
}

static json_t *events_availability(struct pa_daemon *d, bool full)
{
	const struct pa_collector_features *f = d->collector ? pa_collector_features(d->collector) : NULL;
	json_t *a = json_array();

	for (unsigned int e = 0; a && e < PERF_EVENT_MAX; e++) {
		const struct pa_event_info *info = pa_event_info(e);
		bool avail = f && f->event_available[e];
		const char *why = avail ? "" : f ? (f->event_why[e] ? f->event_why[e] : "not available")
						 : d->collector_why;
		json_t *o = json_pack("{sI ss sb ss}", "id", (json_int_t)e, "name", info->name, "available", avail,
				      "why", why ? why : "");

		if (o && full) {
			json_object_set_new(o, "seed_name", json_string(info->seed_name));
			json_object_set_new(o, "description", json_string(info->description));
			json_object_set_new(o, "has_duration", json_boolean(info->has_duration));
		}
		json_array_append_new(a, o);
	}
	return a;
}

static int m_status(struct call *c, json_t **ret)
{
	struct pa_daemon *d = c->d;
	const struct pa_collector_features *f = d->collector ? pa_collector_features(d->collector) : NULL;
	uint64_t dropped = 0, sampled_out = 0, lost = 0;
	struct pa_collector_overhead ov;
	struct rusage ru;
	struct pa_stats s;
	json_t *kov;

	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		if (pa_engine_read(d, e, &s) < 0)
			continue;
		dropped += s.dropped;
		sampled_out += s.sampled_out;
		lost += s.lost;
	}
	getrusage(RUSAGE_SELF, &ru);
	kov = json_pack("{sb sI sI sI}", "stats_enabled", false, "run_cnt", (json_int_t)0, "run_time_ns", (json_int_t)0,
			"misses", (json_int_t)0);
	if (d->collector && kov && pa_collector_overhead(d->collector, &ov) == 0) {
		json_object_set_new(kov, "stats_enabled", json_boolean(ov.stats_enabled));
		json_object_set_new(kov, "run_cnt", json_integer((json_int_t)ov.run_cnt));
		json_object_set_new(kov, "run_time_ns", json_integer((json_int_t)ov.run_time_ns));
		json_object_set_new(kov, "misses", json_integer((json_int_t)ov.misses));
	}
	*ret = json_pack("{ss sI sI sI sb so s{sb ss sb} so sI sI sI sI sI sI s{sI sI so} sI sI ss ss}",
			 "version", PA_VERSION, "protocol", (json_int_t)PA_PROTO_VERSION,
			 "pid", (json_int_t)getpid(), "uptime_ns", (json_int_t)(pa_now_ns() - d->start_ns),
			 "enabled", d->cfg.enabled, "config", pa_config_to_json(&d->cfg),
			 "kernel", "available", d->collector != NULL,
			 "why", d->collector ? "" : (d->collector_why ? d->collector_why : ""),
			 "bpf_stats_enabled", f ? f->bpf_stats_enabled : false,
			 "events", events_availability(d, false),
			 "dropped", (json_int_t)dropped, "sampled_out", (json_int_t)sampled_out,
			 "lost", (json_int_t)lost,
			 "queue_overwritten",
			 (json_int_t)(pa_engine_queue_lost(d, false) + pa_engine_queue_lost(d, true)),
			 "window_ms", (json_int_t)(d->window_ns / 1000000), "windows", (json_int_t)d->n_windows,
			 "overhead",
			 "cpu_ns", (json_int_t)((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ll +
						(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ll),
			 "rss_kb", (json_int_t)ru.ru_maxrss, "bpf", kov,
			 "clients", (json_int_t)d->n_clients,
			 "baselines", (json_int_t)pa_store_count_baselines(d->store),
			 "state_dir", d->state_dir, "socket", d->socket_path);
	if (*ret) {
		json_object_set_new(json_object_get(*ret, "overhead"), "budget", pa_alerts_overhead_json(d));
		json_object_set_new(*ret, "active_alerts", pa_alerts_active_json(d));
		json_object_set_new(*ret, "queue_overwritten_by_source",
				    json_pack("{sI sI}", "kernel", (json_int_t)pa_engine_queue_lost(d, false),
					      "app", (json_int_t)pa_engine_queue_lost(d, true)));
	}
	return *ret ? 0 : fail(c, ENOMEM, "out of memory");
}

static int m_events(struct call *c, json_t **ret)
{
	*ret = json_pack("{so}", "events", events_availability(c->d, true));
	return *ret ? 0 : fail(c, ENOMEM, "out of memory");
}

/* Apply c->d->cfg = *next to the collector and the store (with the audit record), or change nothing. */
static int commit_config(struct call *c, const struct pa_config *next)
{
	struct pa_daemon *d = c->d;
	struct pa_config prev = d->cfg;
	char *params;
	int r;

	d->cfg = *next;
	r = pa_engine_apply_config(d);
	if (r < 0) {
		d->cfg = prev;
		(void)pa_engine_apply_config(d);
		return fail(c, -r == ENOMEM ? ENOMEM : EINVAL, "the kernel side refused the configuration: %s",
			    strerror(-r));
	}
	params = json_dumps(c->req->params, JSON_COMPACT);
	if (pa_store_begin(d->store) < 0 || pa_store_save_config(d->store, &d->cfg) < 0 ||
	    pa_store_audit(d->store, c->peer, pa_proto_method(c->req->method)->name, params, "ok") < 0 ||
	    pa_store_commit(d->store) < 0) {
		pa_store_rollback(d->store);
		free(params);
		d->cfg = prev;
		(void)pa_engine_apply_config(d);
		return fail(c, EIO, "cannot save the configuration in %s/state.db; nothing was changed", d->state_dir);
	}
	free(params);
	return 0;
}

static int m_enable(struct call *c, json_t **ret)
{
	struct pa_config next = c->d->cfg;
	bool on = true;
	int r;

	(void)pa_param_bool(c->req, "enabled", &on);
	next.enabled = on;
	r = commit_config(c, &next);
	if (r < 0)
		return r;
	pa_log("monitoring %s by uid %u (pid %d)", on ? "enabled" : "disabled", (unsigned)c->peer->uid,
	       (int)c->peer->pid);
	*ret = json_pack("{sb}", "enabled", on);
	return 0;
}

/*
 * The program event named by request parameter `param` (issue 8): 0 with
 * *ret_name (NULL when the parameter is absent), or the fail() code when the
 * name is not a program event's (perf_event_register's rules).
 */
static int app_event_param(struct call *c, const char *param, const char **ret_name)
{
	struct pa_event_table *scratch;
	const char *name;
	bool ok;

	*ret_name = NULL;
	if (!pa_param_string(c->req, param, &name))
		return 0;
	scratch = calloc(1, sizeof(*scratch));
	if (!scratch)
		return fail(c, ENOMEM, "out of memory");
	ok = pa_event_register(scratch, name) >= 0; /* registering into a scratch table only checks the name */
	free(scratch);
	if (!ok)
		return fail(c, EINVAL, "configure: %s '%s' is not a program event name (1-47 bytes of [A-Za-z0-9_.:-], "
			    "not starting with a digit, not a kernel event's name)", param, name);
	*ret_name = name;
	return 0;
}

enum app_metric { APP_LATENCY, APP_THROUGHPUT, APP_ERROR_RATE };

/* Set one threshold of program event `name` in `next` (0 removes it); below < 0 keeps the direction. */
static int set_app_threshold(struct call *c, struct pa_config *next, const char *name, enum app_metric m,
			     uint32_t v, int below)
{
	const struct pa_app_thresholds *cur = pa_config_app(next, name);
	struct pa_app_thresholds t = { 0 };

	if (cur)
		t = *cur;
	snprintf(t.name, sizeof(t.name), "%s", name);
	if (m == APP_LATENCY)
		t.latency_us = v;
	else if (m == APP_ERROR_RATE)
		t.error_rate_pct = v;
	else
		t.throughput = v;
	if (m == APP_THROUGHPUT && below >= 0)
		t.throughput_below = below != 0;
	if (pa_config_set_app(next, &t) < 0)
		return fail(c, EINVAL, "configure: %d program events have thresholds already; remove one first "
			    "(set its thresholds to 0)", PA_CONFIG_APP_MAX);
	return 0;
}

static int m_configure(struct call *c, json_t **ret)
{
	struct pa_config next = c->d->cfg;
	const char *comm, *ev_name = NULL, *thr_name = NULL, *err_name = NULL;
	uint64_t v, ev = UINT64_MAX;
	bool b;
	int r, below;

	if (pa_param_uint(c->req, "sample_rate", &v))
		next.cc.sample_rate = (uint32_t)v;
	if (pa_param_uint(c->req, "buffer_size", &v)) {
		if (v < 16)
			return fail(c, EINVAL, "configure: buffer_size %llu is too small (at least 16 samples)",
				    (unsigned long long)v);
		next.cc.buffer_samples = (uint32_t)v;
	}
	if (pa_param_uint(c->req, "event_mask", &v))
		next.cc.event_mask = (uint32_t)v;
	if (pa_param_uint(c->req, "filter_pid", &v))
		next.cc.filter_tgid = (uint32_t)v;
	if (pa_param_bool(c->req, "filter_children", &b))
		next.cc.filter_children = b;
	if (pa_param_uint(c->req, "filter_tid", &v))
		next.cc.filter_tid = (uint32_t)v;
	if (pa_param_string(c->req, "filter_comm", &comm))
		snprintf(next.cc.filter_comm, sizeof(next.cc.filter_comm), "%s", comm);
	if (pa_param_uint(c->req, "latency_event", &ev) && ev >= PERF_EVENT_MAX)
		return fail(c, EINVAL, "configure: latency_event %llu is not a kernel event (0-%d)",
			    (unsigned long long)ev, PERF_EVENT_MAX - 1);
	if ((r = app_event_param(c, "latency_event_name", &ev_name)) < 0 ||
	    (r = app_event_param(c, "throughput_event_name", &thr_name)) < 0 ||
	    (r = app_event_param(c, "error_rate_event_name", &err_name)) < 0)
		return r;
	if (ev_name && ev < PERF_EVENT_MAX)
		return fail(c, EINVAL, "configure: give latency_event or latency_event_name, not both");
	if (pa_param_uint(c->req, "latency_threshold_us", &v)) {
		if (ev < PERF_EVENT_MAX)
			next.event_latency_us[ev] = (uint32_t)v;
		else if (ev_name && (r = set_app_threshold(c, &next, ev_name, APP_LATENCY, (uint32_t)v, -1)) < 0)
			return r;
		else if (!ev_name)
			next.latency_threshold_us = (uint32_t)v;
	} else if (ev < PERF_EVENT_MAX || ev_name) {
		return fail(c, EINVAL, "configure: latency_event needs latency_threshold_us (the event's threshold)");
	}
	if (pa_param_uint(c->req, "latency_quantile_ppm", &v))
		next.latency_quantile_ppm = v ? (uint32_t)v : 990000;
	/* With throughput_event_name, throughput_threshold and throughput_below are that program event's. */
	below = pa_param_bool(c->req, "throughput_below", &b) ? b : -1;
	if (pa_param_uint(c->req, "throughput_threshold", &v)) {
		if (thr_name && (r = set_app_threshold(c, &next, thr_name, APP_THROUGHPUT, (uint32_t)v, below)) < 0)
			return r;
		else if (!thr_name)
			next.throughput_threshold = (uint32_t)v;
	} else if (thr_name) {
		return fail(c, EINVAL, "configure: throughput_event_name needs throughput_threshold (the event's "
			    "threshold)");
	}
	if (!thr_name && below >= 0)
		next.throughput_below = (uint32_t)below;
	if (pa_param_uint(c->req, "error_rate_threshold_pct", &v)) {
		if (err_name && (r = set_app_threshold(c, &next, err_name, APP_ERROR_RATE, (uint32_t)v, -1)) < 0)
			return r;
		else if (!err_name)
			next.error_rate_threshold_pct = (uint32_t)v;
	} else if (err_name) {
		return fail(c, EINVAL, "configure: error_rate_event_name needs error_rate_threshold_pct (the event's "
			    "threshold)");
	}
	if (pa_param_uint(c->req, "alert_event_mask", &v))
		next.alert_event_mask = (uint32_t)v;
	if (pa_param_uint(c->req, "alert_fire_windows", &v)) {
		if (v < 1)
			return fail(c, EINVAL, "configure: alert_fire_windows must be at least 1");
		next.alert_fire_windows = (uint32_t)v;
	}
	if (pa_param_uint(c->req, "alert_resolve_windows", &v)) {
		if (v < 1)
			return fail(c, EINVAL, "configure: alert_resolve_windows must be at least 1");
		next.alert_resolve_windows = (uint32_t)v;
	}
	if (pa_param_uint(c->req, "alert_min_count", &v))
		next.alert_min_count = (uint32_t)v;
	if (pa_param_uint(c->req, "overhead_budget_ppm", &v))
		next.overhead_budget_ppm = (uint32_t)v;
	if (pa_param_uint(c->req, "regression_threshold_pct", &v))
		next.regression_threshold_pct = (uint32_t)v;
	r = commit_config(c, &next);
	if (r < 0)
		return r;
	pa_log("configuration changed by uid %u (pid %d): rate %u/s, buffer %u, mask 0x%03x", (unsigned)c->peer->uid,
	       (int)c->peer->pid, next.cc.sample_rate, next.cc.buffer_samples, next.cc.event_mask);
	*ret = json_pack("{so}", "config", pa_config_to_json(&c->d->cfg));
	return 0;
}

/* Statistics of `e` over the period the request asks for. */
static int period_stats(struct call *c, unsigned int e, uint64_t last_ms, bool since_baseline,
			struct pa_stats *ret, uint64_t *ret_start, uint64_t *ret_end, uint64_t *ret_windows)
{
	struct pa_daemon *d = c->d;
	struct pa_event_state *es = &d->ev[e];
	uint64_t now = pa_now_ns();
	struct pa_stats cum;
	int r;

	if (last_ms) {
		struct pa_window w;
		uint64_t from = now > last_ms * 1000000ull ? now - last_ms * 1000000ull : 0;

		*ret_windows = pa_window_ring_summarise(&es->ring, from, now + 1, &w);
		*ret = w.stats;
		*ret_start = *ret_windows ? w.start_ns : from;
		*ret_end = *ret_windows ? w.end_ns : now;
		return 0;
	}
	r = pa_engine_read(d, e, &cum);
	if (r < 0)
		return fail(c, EIO, "cannot read the statistics of event %u: %s", e, strerror(-r));
	*ret_windows = 0;
	*ret_start = d->period_start_ns;
	*ret_end = now;
	if (since_baseline && es->base_ref_valid && pa_stats_delta(ret, &cum, &es->base_ref) == 0)
		return 0;
	*ret = cum;
	return 0;
}

static int m_stats(struct call *c, json_t **ret)
{
	uint64_t ev = UINT64_MAX, last_ms = 0, start = 0, end = 0, windows = 0;
	bool since_baseline = false;
	struct pa_event_summary sum;
	struct pa_stats *s;
	json_t *a;
	int r = 0;

	(void)pa_param_uint(c->req, "event", &ev);
	(void)pa_param_uint(c->req, "last_ms", &last_ms);
	(void)pa_param_bool(c->req, "since_baseline", &since_baseline);
	if (ev != UINT64_MAX && ev >= PERF_EVENT_MAX && (ev < PERF_EVENT_USER_BASE || ev >= PERF_EVENT_ID_LIMIT))
		return fail(c, ENOENT, "stats: event %llu is not a kernel event and no program registered it",
			    (unsigned long long)ev);
	s = malloc(sizeof(*s));
	a = json_array();
	if (!s || !a) {
		r = fail(c, ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		if (ev != UINT64_MAX && e != ev)
			continue;
		r = period_stats(c, e, last_ms, since_baseline, s, &start, &end, &windows);
		if (r < 0)
			goto out;
		pa_engine_summary(c->d, e, s, &sum);
		json_array_append_new(a, pa_proto_summary_to_json(&sum));
	}
	*ret = json_pack("{so s{sI sI sI} sb so}", "events", a, "period", "start_ns", (json_int_t)start,
			 "end_ns", (json_int_t)end, "windows", (json_int_t)windows,
			 "enabled", c->d->cfg.enabled,
			 "programs", pa_apps_stats_json(c->d, ev, last_ms, since_baseline));
	a = NULL;
out:
	json_decref(a);
	free(s);
	return r;
}

static int audit_only(struct call *c, const char *what)
{
	struct pa_daemon *d = c->d;
	char *params = json_dumps(c->req->params, JSON_COMPACT);
	int r = pa_store_audit(d->store, c->peer, pa_proto_method(c->req->method)->name, params, what);

	free(params);
	return r;
}

static int m_reset(struct call *c, json_t **ret)
{
	int r = pa_engine_reset(c->d);

	if (r == 0 && c->d->resources)
		r = pa_resources_reset(c->d->resources);
	if (r < 0)
		return fail(c, EIO, "reset: the kernel side failed to zero its counters: %s", strerror(-r));
	if (audit_only(c, "ok") < 0)
		return fail(c, EIO, "reset done, but the audit record could not be written to %s/state.db",
			    c->d->state_dir);
	pa_log("statistics reset by uid %u (pid %d)", (unsigned)c->peer->uid, (int)c->peer->pid);
	*ret = json_pack("{sb}", "reset", true);
	return 0;
}

/* Baselines and the regression verdict live in regression.c (issue 5). */
static int m_baseline(struct call *c, json_t **ret)
{
	return pa_rx_baseline(c->d, c->peer, c->req, &c->err, ret);
}

static int m_baselines(struct call *c, json_t **ret)
{
	return pa_rx_baseline_list(c->d, c->peer, c->req, &c->err, ret);
}

static int m_baseline_show(struct call *c, json_t **ret)
{
	return pa_rx_baseline_show(c->d, c->peer, c->req, &c->err, ret);
}

static int m_baseline_delete(struct call *c, json_t **ret)
{
	return pa_rx_baseline_delete(c->d, c->peer, c->req, &c->err, ret);
}

static int m_trend(struct call *c, json_t **ret)
{
	return pa_rx_trend(c->d, c->peer, c->req, &c->err, ret);
}

static int m_check_regression(struct call *c, json_t **ret)
{
	return pa_rx_check_regression(c->d, c->peer, c->req, &c->err, ret);
}

static json_t *sample_json(const struct perf_sample *s)
{
	const char *name = pa_event_name(NULL, s->event);

	return json_pack("{sI sI sI ss sI sI sI sI sI sI}",
			 "timestamp_ns", (json_int_t)s->timestamp_ns, "duration_ns", (json_int_t)s->duration_ns,
			 "event", (json_int_t)s->event, "name", name ? name : "user",
			 "cpu", (json_int_t)s->cpu, "task_id", (json_int_t)s->task_id,
			 "thread_id", (json_int_t)s->thread_id, "data1", (json_int_t)s->data1,
			 "data2", (json_int_t)s->data2, "flags", (json_int_t)s->flags);
}

/*
 * Up to `max` samples from the two queues (kernel, programs), in time order.
 * When both hold more than max together, each gives a share proportional to
 * what it holds, so that neither source starves the other's reader.
 */
static int m_samples(struct call *c, json_t **ret)
{
	struct pa_daemon *d = c->d;
	struct perf_sample *k = NULL, *a = NULL;
	uint64_t max = 1024, nk, na;
	uint32_t gk, ga, i = 0, j = 0;
	json_t *arr = json_array();

	(void)pa_param_uint(c->req, "max", &max);
	pa_engine_drain(d);
	pa_apps_poll(d);
	nk = pa_ring_count(d->samples);
	na = pa_ring_count(d->app_samples);
	if (nk + na > max) {
		na = (max * na + nk + na - 1) / (nk + na);
		nk = max - na;
	}
	k = malloc((nk + 1) * sizeof(*k));
	a = malloc((na + 1) * sizeof(*a));
	if (!arr || !k || !a) {
		free(k);
		free(a);
		json_decref(arr);
		return fail(c, ENOMEM, "out of memory");
	}
	gk = nk ? pa_ring_pop(d->samples, k, (uint32_t)nk) : 0;
	ga = na ? pa_ring_pop(d->app_samples, a, (uint32_t)na) : 0;
	while (i < gk || j < ga)
		json_array_append_new(arr, sample_json(j >= ga || (i < gk && k[i].timestamp_ns <= a[j].timestamp_ns) ?
						       &k[i++] : &a[j++]));
	free(k);
	free(a);
	*ret = json_pack("{so sI sI s{s{sI sI} s{sI sI}}}", "samples", arr,
			 "remaining", (json_int_t)(pa_ring_count(d->samples) + pa_ring_count(d->app_samples)),
			 "dropped", (json_int_t)(pa_engine_queue_lost(d, false) + pa_engine_queue_lost(d, true)),
			 "queues",
			 "kernel", "remaining", (json_int_t)pa_ring_count(d->samples),
			 "dropped", (json_int_t)pa_engine_queue_lost(d, false),
			 "app", "remaining", (json_int_t)pa_ring_count(d->app_samples),
			 "dropped", (json_int_t)pa_engine_queue_lost(d, true));
	return *ret ? 0 : fail(c, ENOMEM, "out of memory");
}

static int m_audit(struct call *c, json_t **ret)
{
	uint64_t limit = 100;
	json_t *a;

	(void)pa_param_uint(c->req, "limit", &limit);
	a = pa_store_audit_list(c->d->store, (unsigned int)limit);
	if (!a)
		return fail(c, EIO, "cannot read the audit log from %s/state.db", c->d->state_dir);
	*ret = json_pack("{so}", "entries", a);
	return 0;
}

static int m_alerts(struct call *c, json_t **ret)
{
	uint64_t since = 0, limit = 100, last = 0;
	bool from_oldest = false;
	json_t *a, *e;
	size_t i;

	(void)pa_param_uint(c->req, "since_id", &since);
	(void)pa_param_uint(c->req, "limit", &limit);
	(void)pa_param_bool(c->req, "from_oldest", &from_oldest);
	a = pa_store_alert_list(c->d->store, since, (unsigned int)limit, from_oldest);
	if (!a)
		return fail(c, EIO, "cannot read the alert log from %s/state.db", c->d->state_dir);
	json_array_foreach(a, i, e) {
		uint64_t id;

		if (pa_json_u64(json_object_get(e, "id"), &id) && id > last)
			last = id;
	}
	*ret = json_pack("{so so sI}", "alerts", a, "active", pa_alerts_active_json(c->d), "last_id",
			 (json_int_t)(last ? last : since));
	return *ret ? 0 : fail(c, ENOMEM, "out of memory");
}

/* top and correlate: resource tracking (daemon/resources.c) */
static int resources_ok(struct call *c)
{
	if (c->d->resources)
		return 0;
	return fail(c, ENOTSUP, "resource tracking is unavailable in this daemon: %s",
		    c->d->resources_why ? c->d->resources_why : "not loaded");
}

static int m_top(struct call *c, json_t **ret)
{
	const char *by_s = "cpu";
	uint64_t n = 20, pid = 0;
	bool threads = false;
	unsigned int event = 0;
	int by;

	if (resources_ok(c) < 0)
		return -c->err.err;
	(void)pa_param_string(c->req, "by", &by_s);
	(void)pa_param_uint(c->req, "n", &n);
	(void)pa_param_bool(c->req, "threads", &threads);
	(void)pa_param_uint(c->req, "pid", &pid);
	by = pa_top_by_lookup(by_s);
	if (by < 0 || by == PA_TOP_EVENT) {
		int e = pa_event_lookup(NULL, by_s);

		if (e < 0 || e >= PERF_EVENT_MAX)
			return fail(c, EINVAL, "top: cannot sort by '%s': use cpu, events, io, mem, or a kernel event "
				    "name (e.g. syscall, ipc_send, page_fault)", by_s);
		by = PA_TOP_EVENT;
		event = (unsigned int)e;
	}
	*ret = pa_resources_top(c->d->resources, (enum pa_top_by)by, event, (unsigned int)n, threads, (uint32_t)pid);
	return *ret ? 0 : fail(c, ENOMEM, "out of memory");
}

static int m_correlate(struct call *c, json_t **ret)
{
	uint64_t n = 20, pid = 0;

	if (resources_ok(c) < 0)
		return -c->err.err;
	(void)pa_param_uint(c->req, "n", &n);
	(void)pa_param_uint(c->req, "pid", &pid);
	*ret = pa_resources_correlate(c->d->resources, (unsigned int)n, (uint32_t)pid);
	return *ret ? 0 : fail(c, ENOMEM, "out of memory");
}

typedef int (*handler_fn)(struct call *c, json_t **ret);

static const handler_fn handlers[PA_METHOD_MAX] = {
	[PA_M_STATUS] = m_status,
	[PA_M_EVENTS] = m_events,
	[PA_M_ENABLE] = m_enable,
	[PA_M_CONFIGURE] = m_configure,
	[PA_M_STATS] = m_stats,
	[PA_M_RESET] = m_reset,
	[PA_M_BASELINE] = m_baseline,
	[PA_M_CHECK_REGRESSION] = m_check_regression,
	[PA_M_SAMPLES] = m_samples,
	[PA_M_AUDIT] = m_audit,
	[PA_M_BASELINES] = m_baselines,
	[PA_M_BASELINE_SHOW] = m_baseline_show,
	[PA_M_BASELINE_DELETE] = m_baseline_delete,
	[PA_M_TREND] = m_trend,
	[PA_M_ALERTS] = m_alerts,
	[PA_M_TOP] = m_top,
	[PA_M_CORRELATE] = m_correlate,
};

static bool allowed(struct pa_daemon *d, const struct pa_peer *p, enum pa_right right)
{
	if (right == PA_RIGHT_CONFIGURE)
		return pa_peer_has(p, d->configure_gid_valid, d->configure_gid);
	return pa_peer_has(p, d->observe_gid_valid, d->observe_gid) ||
	       pa_peer_has(p, d->configure_gid_valid, d->configure_gid);
}

char *pa_methods_dispatch(struct pa_daemon *d, const struct pa_peer *peer, const char *line, size_t len)
{
	struct pa_request req;
	struct call c = { .d = d, .peer = peer, .req = &req };
	const struct pa_method_def *m;
	json_t *result = NULL;
	char *reply;
	int r;

	r = pa_proto_decode_request(line, len, &req, &c.err);
	if (r < 0)
		return pa_proto_encode_error(req.id, c.err.err, c.err.message);
	m = pa_proto_method(req.method);
	if (!allowed(d, peer, m->right)) {
		bool conf = m->right == PA_RIGHT_CONFIGURE;
		const char *g = conf ? d->configure_group : d->observe_group;
		bool gvalid = conf ? d->configure_gid_valid : d->observe_gid_valid;

		if (gvalid)
			r = fail(&c, EPERM, "%s needs the right to %s: uid %u is neither root nor in group '%s' "
				 "(an administrator can add you: usermod -aG %s USER)", m->name,
				 conf ? "configure" : "observe", (unsigned)peer->uid, g, g);
		else
			r = fail(&c, EPERM, "%s needs the right to %s: only root may on this daemon (group '%s' "
				 "does not exist; see perf-analysisd --%s-group)", m->name, conf ? "configure" : "observe",
				 *g ? g : "", conf ? "configure" : "observe");
		if (m->right == PA_RIGHT_CONFIGURE)
			(void)audit_only(&c, "EPERM: refused");
		goto out;
	}
	r = handlers[req.method](&c, &result);
out:
	reply = r < 0 ? pa_proto_encode_error(req.id, c.err.err, c.err.message) : pa_proto_encode_result(req.id, result);
	json_decref(result);
	pa_request_done(&req);
	return reply;
}
