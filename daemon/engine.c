/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.c - the daemon's statistics: per-window snapshots from the
 * collector's cumulative counters, the sample queue, reset and configuration.
 *
 * The collector keeps exact cumulative statistics in the kernel; every window
 * (1 s by default) we read them, subtract the previous reading and push the
 * difference into each event's window ring. A reading costs one pass over
 * the per-CPU maps per event (12 x ~11 KiB of buckets).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "apps.h"
#include "daemon.h"
#include "events.h"
#include "histogram.h"
#include "resources.h"

uint64_t pa_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void pa_config_defaults(struct pa_config *c)
{
	struct pa_collector_config cc = PA_COLLECTOR_CONFIG_DEFAULT;

	memset(c, 0, sizeof(*c));
	c->enabled = false; /* the seed: monitoring starts disabled (0 % overhead) until `enable` */
	c->cc = cc;
	c->latency_threshold_us = 1000;
	c->throughput_threshold = 1000;
	c->error_rate_threshold_pct = 5;
	c->regression_threshold_pct = 20;
	c->latency_quantile_ppm = 990000;
	c->alert_event_mask = (1u << PERF_EVENT_MAX) - 1;
	c->alert_fire_windows = 1;
	c->alert_resolve_windows = 3;
	c->alert_min_count = 20;
	c->overhead_budget_ppm = 50000; /* the seed's promise: under 5 % */
}

const struct pa_app_thresholds *pa_config_app(const struct pa_config *c, const char *name)
{
	for (unsigned int i = 0; i < PA_CONFIG_APP_MAX; i++)
		if (c->app[i].name[0] && strcmp(c->app[i].name, name) == 0)
			return &c->app[i];
	return NULL;
}

int pa_config_set_app(struct pa_config *c, const struct pa_app_thresholds *t)
{
	struct pa_app_thresholds *e = (struct pa_app_thresholds *)pa_config_app(c, t->name);
	bool any = t->latency_us || t->throughput || t->error_rate_pct;

	for (unsigned int i = 0; !e && any && i < PA_CONFIG_APP_MAX; i++)
		if (!c->app[i].name[0])
			e = &c->app[i];
	if (!e)
		return any ? -ENOSPC : 0;
	if (any) {
		*e = *t;
		e->throughput_below = t->throughput && t->throughput_below;
	} else {
		memset(e, 0, sizeof(*e));
	}
	return 0;
}

/* The alert settings of `c`, added to `o` (the configuration object). */
static json_t *alert_config_json(json_t *o, const struct pa_config *c)
{
	json_t *ev = json_object(), *app = json_object();

	if (!o || !ev || !app) {
		json_decref(ev);
		json_decref(app);
		return o;
	}
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		if (c->event_latency_us[e])
			json_object_set_new(ev, pa_event_info(e)->name, json_integer(c->event_latency_us[e]));
	for (unsigned int i = 0; i < PA_CONFIG_APP_MAX; i++)
		if (c->app[i].name[0] && c->app[i].latency_us)
			json_object_set_new(ev, c->app[i].name, json_integer(c->app[i].latency_us));
	/* Programs' events: every threshold of each, by name (0 = not judged). */
	for (unsigned int i = 0; i < PA_CONFIG_APP_MAX; i++)
		if (c->app[i].name[0])
			json_object_set_new(app, c->app[i].name,
					    json_pack("{sI sI sb sI}", "latency_us", (json_int_t)c->app[i].latency_us,
						      "throughput", (json_int_t)c->app[i].throughput,
						      "throughput_below", c->app[i].throughput_below,
						      "error_rate_pct", (json_int_t)c->app[i].error_rate_pct));
	json_object_set_new(o, "latency_quantile_ppm", json_integer(c->latency_quantile_ppm));
	json_object_set_new(o, "throughput_below", json_boolean(c->throughput_below));
	json_object_set_new(o, "event_latency_threshold_us", ev);
	json_object_set_new(o, "app_thresholds", app);
	json_object_set_new(o, "alert_event_mask", json_integer(c->alert_event_mask));
	json_object_set_new(o, "alert_fire_windows", json_integer(c->alert_fire_windows));
	json_object_set_new(o, "alert_resolve_windows", json_integer(c->alert_resolve_windows));
	json_object_set_new(o, "alert_min_count", json_integer(c->alert_min_count));
	json_object_set_new(o, "overhead_budget_ppm", json_integer(c->overhead_budget_ppm));
	return o;
}

json_t *pa_config_to_json(const struct pa_config *c)
{
	return alert_config_json(json_pack("{sb sI sI sI sI sb sI ss sI sI sI sI}",
			 "enabled", c->enabled,
			 "sample_rate", (json_int_t)c->cc.sample_rate,
			 "buffer_size", (json_int_t)c->cc.buffer_samples,
			 "event_mask", (json_int_t)c->cc.event_mask,
			 "filter_pid", (json_int_t)c->cc.filter_tgid,
			 "filter_children", c->cc.filter_children,
			 "filter_tid", (json_int_t)c->cc.filter_tid,
			 "filter_comm", c->cc.filter_comm,
			 "latency_threshold_us", (json_int_t)c->latency_threshold_us,
			 "throughput_threshold", (json_int_t)c->throughput_threshold,
			 "error_rate_threshold_pct", (json_int_t)c->error_rate_threshold_pct,
			 "regression_threshold_pct", (json_int_t)c->regression_threshold_pct), c);
}

static uint32_t round_pow2(uint32_t v)
{
	uint32_t p = 2;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

/* Replace *rp with an empty ring of `cap` samples; what the old one lost or still held goes to *base. */
static int queue_resize(struct pa_ring **rp, uint64_t *base, uint32_t cap)
{
	struct pa_ring *r;

	if (*rp && (*rp)->mask + 1 == cap)
		return 0;
	r = aligned_alloc(64, (PA_RING_BYTES(cap) + 63) & ~(size_t)63);
	if (!r)
		return -ENOMEM;
	if (pa_ring_init(r, cap, PA_RING_OVERWRITE) < 0) {
		free(r);
		return -EINVAL;
	}
	if (*rp)
		*base += pa_ring_overruns(*rp) + pa_ring_count(*rp); /* queued samples are discarded: counted */
	free(*rp);
	*rp = r;
	return 0;
}

int pa_engine_samples_resize(struct pa_daemon *d, uint32_t buffer_size)
{
	uint32_t cap = round_pow2(buffer_size ? buffer_size : 2);
	int r = queue_resize(&d->samples, &d->samples_overflow_base, cap);

	return r < 0 ? r : queue_resize(&d->app_samples, &d->app_samples_overflow_base, cap);
}

uint64_t pa_engine_queue_lost(const struct pa_daemon *d, bool app)
{
	const struct pa_ring *r = app ? d->app_samples : d->samples;

	return (app ? d->app_samples_overflow_base : d->samples_overflow_base) + (r ? pa_ring_overruns(r) : 0);
}

int pa_engine_init(struct pa_daemon *d)
{
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		struct pa_event_state *es = &d->ev[e];

		es->slots = calloc(d->n_windows, sizeof(*es->slots));
		if (!es->slots)
			return -ENOMEM;
		if (pa_window_ring_init(&es->ring, es->slots, d->n_windows) < 0)
			return -EINVAL;
		pa_stats_reset(&es->cum_prev);
		pa_stats_reset(&es->base_ref);
		es->base_ref_valid = false;
	}
	d->start_ns = d->period_start_ns = d->window_start_ns = pa_now_ns();
	return pa_engine_samples_resize(d, d->cfg.cc.buffer_samples);
}

void pa_engine_done(struct pa_daemon *d)
{
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		free(d->ev[e].slots);
		d->ev[e].slots = NULL;
	}
	free(d->samples);
	d->samples = NULL;
	free(d->app_samples);
	d->app_samples = NULL;
}

int pa_engine_read(struct pa_daemon *d, unsigned int event, struct pa_stats *ret)
{
	if (event >= PERF_EVENT_MAX)
		return -EINVAL;
	if (!d->collector) {
		pa_stats_reset(ret);
		return 0;
	}
	return pa_collector_read_stats(d->collector, event, ret);
}

void pa_engine_tick(struct pa_daemon *d)
{
	uint64_t now = pa_now_ns();
	uint64_t closed_start = d->window_start_ns;
	struct pa_stats cur;
	struct pa_window w;

	/* Samples are published without wake-ups (BPF_RB_NO_WAKEUP), so drain once per window too. */
	pa_engine_drain(d);
	pa_apps_tick(d, d->window_start_ns, now); /* programs' events: drained, same windows */
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		struct pa_event_state *es = &d->ev[e];

		if (pa_engine_read(d, e, &cur) < 0)
			continue;
		w.start_ns = d->window_start_ns;
		w.end_ns = now;
		if (pa_stats_delta(&w.stats, &cur, &es->cum_prev) < 0)
			w.stats = cur; /* counters restarted (reset): the whole reading is new */
		(void)pa_window_ring_push(&es->ring, &w);
		es->cum_prev = cur;
	}
	d->window_start_ns = now;
	pa_history_tick(d); /* issue 5: window history for trend */
	pa_alerts_tick(d, closed_start);
}

void pa_engine_summary(struct pa_daemon *d, unsigned int event, const struct pa_stats *s,
		       struct pa_event_summary *ret)
{
	const struct pa_event_info *info = pa_event_info(event);
	const struct pa_collector_features *f = d->collector ? pa_collector_features(d->collector) : NULL;
	const struct pa_hist *h = &s->hist;

	memset(ret, 0, sizeof(*ret));
	ret->id = event;
	snprintf(ret->name, sizeof(ret->name), "%s", info ? info->name : "?");
	ret->count = h->count;
	ret->errors = s->errors;
	ret->total_ns = h->total;
	ret->min_ns = h->count ? h->min : 0;
	ret->max_ns = h->max;
	ret->avg_ns = pa_hist_mean(h);
	ret->p50_ns = pa_hist_percentile(h, 500000);
	ret->p90_ns = pa_hist_percentile(h, 900000);
	ret->p99_ns = pa_hist_percentile(h, 990000);
	ret->p999_ns = pa_hist_percentile(h, 999000);
	ret->last_timestamp_ns = s->last_timestamp_ns;
	ret->dropped = s->dropped;
	ret->sampled_out = s->sampled_out;
	ret->lost = s->lost;
	ret->samples = s->samples;
	ret->completeness = pa_stats_completeness(s);
	ret->has_duration = info ? info->has_duration : false;
	ret->available = f && event < PERF_EVENT_MAX && f->event_available[event];
}

int pa_engine_reset(struct pa_daemon *d)
{
	int r = 0;

	if (d->collector)
		r = pa_collector_reset(d->collector);
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		pa_stats_reset(&d->ev[e].cum_prev);
		pa_stats_reset(&d->ev[e].base_ref);
		d->ev[e].base_ref_valid = false;
	}
	pa_apps_reset(d);
	d->period_start_ns = d->window_start_ns = pa_now_ns();
	pa_alerts_reset(d);
	return r;
}

int pa_engine_apply_config(struct pa_daemon *d)
{
	struct pa_collector_config cc = d->cfg.cc;
	bool swap;
	int r;

	r = pa_engine_samples_resize(d, cc.buffer_samples);
	if (r < 0)
		return r;
	if (!d->collector)
		return 0;
	if (!d->cfg.enabled)
		cc.event_mask = 0; /* disabled: nothing is captured, statistics stay as they were */
	pa_alerts_collector_config(d, &cc);
	/*
	 * A new ring size reloads the collector's programs, which carry resource
	 * tracking's part of the hooks both use: its own programs stand in
	 * meanwhile (on the same maps, so a syscall may start under one and end
	 * under the other).
	 */
	swap = d->resources && pa_collector_reloads(d->collector, &cc);
	if (swap) {
		(void)pa_collector_carry_resources(d->collector, false);
		(void)pa_resources_set_carried(d->resources, false);
	}
	r = pa_collector_configure(d->collector, &cc);
	if (swap) {
		(void)pa_resources_set_carried(d->resources, true);
		(void)pa_collector_carry_resources(d->collector, true);
	}
	return r;
}

static void push_sample(const struct perf_sample *s, void *userdata)
{
	struct pa_daemon *d = userdata;

	(void)pa_ring_push(d->samples, s);
}

void pa_engine_drain(struct pa_daemon *d)
{
	if (d->collector)
		(void)pa_collector_drain(d->collector, push_sample, d);
}
