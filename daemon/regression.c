/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regression.c - baselines and check_regression (issue 5).
 *
 * A baseline is, for every event, the summary of a period (since start or
 * reset, or the last N ms) and the figures of each window in it (count,
 * errors, total, p50, p90, p99, max), with the environment it was taken in:
 * kernel release, machine, CPU model, cores, boot and the capture
 * configuration. check_regression compares the windows of the current
 * period (since the last baseline was stored or the last reset, whichever is
 * later; or the last N ms) with a baseline's windows: verdict.c decides.
 * Comparing against a baseline from another environment works, but the
 * reply lists every difference and the CLI warns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "apps.h"
#include "daemon.h"
#include "events.h"
#include "histogram.h"
#include "verdict.h"

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

static int audit(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req, const char *what)
{
	char *params = json_dumps(req->params, JSON_COMPACT);
	int r = pa_store_audit(d->store, peer, pa_proto_method(req->method)->name, params, what);

	free(params);
	return r;
}

static void read_line_of(const char *path, const char *key, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	char line[512];

	snprintf(buf, n, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = key ? strchr(line, ':') : line;

		if (key && (strncmp(line, key, strlen(key)) != 0 || !p))
			continue;
		p += key ? 1 : 0;
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\n")] = '\0';
		snprintf(buf, n, "%s", p);
		break;
	}
	fclose(f);
}

/* The capture configuration that shapes what is measured (not the alert thresholds). */
static json_t *capture_config_json(const struct pa_config *c)
{
	return json_pack("{sI sI sI sI sb sI ss}", "sample_rate", (json_int_t)c->cc.sample_rate,
			 "buffer_size", (json_int_t)c->cc.buffer_samples, "event_mask", (json_int_t)c->cc.event_mask,
			 "filter_pid", (json_int_t)c->cc.filter_tgid, "filter_children", c->cc.filter_children,
			 "filter_tid", (json_int_t)c->cc.filter_tid, "filter_comm", c->cc.filter_comm);
}

static json_t *environment(struct pa_daemon *d)
{
	struct utsname u;
	char cpu[256], boot[64];

	uname(&u);
	read_line_of("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	read_line_of("/proc/sys/kernel/random/boot_id", NULL, boot, sizeof(boot));
	return json_pack("{ss ss ss si so ss}", "kernel", u.release, "machine", u.machine, "cpu_model", cpu,
			 "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "config", capture_config_json(&d->cfg),
			 "boot_id", boot);
}

/* Differences between two environments: [{field, baseline, current}] (the boot does not count). */
static json_t *env_differences(json_t *base, json_t *cur)
{
	static const char *const top[] = { "kernel", "machine", "cpu_model", "cpus" };
	json_t *a = json_array(), *bc, *cc, *v;
	const char *k;

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		json_t *x = json_object_get(base, top[i]), *y = json_object_get(cur, top[i]);

		if (!json_equal(x, y))
			json_array_append_new(a, json_pack("{ss sO sO}", "field", top[i], "baseline",
							   x ? x : json_null(), "current", y ? y : json_null()));
	}
	bc = json_object_get(base, "config");
	cc = json_object_get(cur, "config");
	json_object_foreach(cc, k, v) {
		json_t *x = json_object_get(bc, k);
		char field[80];

		if (x && json_equal(x, v))
			continue;
		snprintf(field, sizeof(field), "config.%s", k);
		json_array_append_new(a, json_pack("{ss sO sO}", "field", field, "baseline", x ? x : json_null(),
						   "current", v));
	}
	return a;
}

static void window_row(unsigned int e, const struct pa_window *win, struct pa_baseline_window *w)
{
	const struct pa_hist *h = &win->stats.hist;

	w->event = e;
	w->start_ns = win->start_ns;
	w->end_ns = win->end_ns;
	w->count = h->count;
	w->errors = win->stats.errors;
	w->total_ns = h->total;
	w->p50_ns = pa_hist_percentile(h, 500000);
	w->p90_ns = pa_hist_percentile(h, 900000);
	w->p99_ns = pa_hist_percentile(h, 990000);
	w->max_ns = h->max;
}

/* The summary of program event `e` under baseline key `key`: its statistics `st`, losses counted. */
static void app_summary(struct pa_daemon *d, unsigned int key, const struct pa_apps_event *e,
			const struct pa_stats *st, struct pa_event_summary *ret)
{
	pa_engine_summary(d, key, st, ret);
	snprintf(ret->name, sizeof(ret->name), "%s", e->name);
	ret->has_duration = e->timed;
	ret->available = true;
	ret->lost += e->lost;
	if (e->lost)
		ret->completeness = PA_LOSSY;
}

/* A program event's summary as JSON: the kernel events' object plus source and programs. */
static json_t *app_summary_json(const struct pa_event_summary *s, const char *programs)
{
	json_t *o = pa_proto_summary_to_json(s), *a = json_array();
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", programs);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); a && t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	if (o) {
		json_object_set_new(o, "source", json_string("app"));
		json_object_set_new(o, "programs", a ? a : json_array());
	} else {
		json_decref(a);
	}
	return o;
}

int pa_rx_baseline(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
		   struct pa_proto_error *err, json_t **ret)
{
	struct pa_event_summary *sums = NULL;
	struct pa_baseline_window *w = NULL;
	unsigned int n_w = 0, n_windows = 0, n_ev;
	const char *name = "default";
	const char **progs = NULL;
	struct pa_stats *cum = NULL;
	struct pa_apps_event *apps = NULL;
	uint64_t now = pa_now_ns(), last_ms = 0, from;
	struct pa_window *merged = NULL;
	json_t *env = NULL, *a = NULL;
	char *env_s = NULL;
	size_t n_rows;
	int r, n_apps = 0;

	(void)pa_param_string(req, "name", &name);
	(void)pa_param_uint(req, "last_ms", &last_ms);
	if (!*name)
		return fail(err, EINVAL, "baseline: the name must not be empty");
	from = last_ms ? (now > last_ms * 1000000ull ? now - last_ms * 1000000ull : 0) : d->period_start_ns;
	/* Programs' events, by name, over every program that recorded them (drained first). */
	n_apps = pa_apps_events(d, NULL, from, &apps);
	if (n_apps < 0) {
		n_apps = 0;
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	n_ev = PERF_EVENT_MAX + (unsigned int)n_apps;
	n_rows = (size_t)PERF_EVENT_MAX * d->n_windows + 1;
	for (int k = 0; k < n_apps; k++)
		n_rows += apps[k].n_w;
	cum = calloc(n_ev, sizeof(*cum));
	sums = calloc(n_ev, sizeof(*sums));
	progs = calloc(n_ev, sizeof(*progs));
	merged = malloc(sizeof(*merged));
	w = calloc(n_rows, sizeof(*w));
	if (!cum || !sums || !progs || !w || !merged) {
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		struct pa_event_state *es = &d->ev[e];
		unsigned int n_e = 0;

		if (last_ms) {
			(void)pa_window_ring_summarise(&es->ring, from, now + 1, merged);
			cum[e] = merged->stats;
		} else {
			r = pa_engine_read(d, e, &cum[e]);
			if (r < 0) {
				r = fail(err, EIO, "baseline: cannot read event %u: %s", e, strerror(-r));
				goto out;
			}
		}
		pa_engine_summary(d, e, &cum[e], &sums[e]);
		/* The per-window evidence of the period, for the statistical verdict. */
		for (uint32_t i = es->ring.count; i-- > 0;) {
			const struct pa_window *win = pa_window_ring_get(&es->ring, i);

			if (!win || win->start_ns < from)
				continue;
			window_row(e, win, &w[n_w++]);
			n_e++;
		}
		if (n_e > n_windows)
			n_windows = n_e;
	}
	for (int k = 0; k < n_apps; k++) {
		unsigned int key = PA_STORE_APP_KEY_BASE + (unsigned int)k, i = PERF_EVENT_MAX + (unsigned int)k;

		if (last_ms) {
			pa_stats_reset(&cum[i]);
			for (unsigned int j = 0; j < apps[k].n_w; j++)
				pa_stats_merge(&cum[i], &apps[k].w[j].stats);
		} else {
			cum[i] = apps[k].cum;
		}
		app_summary(d, key, &apps[k], &cum[i], &sums[i]);
		progs[i] = apps[k].programs;
		for (unsigned int j = 0; j < apps[k].n_w; j++)
			window_row(key, &apps[k].w[j], &w[n_w++]);
		if (apps[k].n_w > n_windows)
			n_windows = apps[k].n_w;
	}
	env = environment(d);
	env_s = env ? json_dumps(env, JSON_COMPACT) : NULL;
	if (!env_s) {
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	if (pa_store_begin(d->store) < 0 ||
	    pa_store_save_baseline(d->store, name, now, env_s, from, now, sums, progs, n_ev, w, n_w) < 0 ||
	    audit(d, peer, req, "ok") < 0 || pa_store_commit(d->store) < 0) {
		pa_store_rollback(d->store);
		r = fail(err, EIO, "baseline: cannot write to %s/state.db; no baseline was stored", d->state_dir);
		goto out;
	}
	if (!last_ms) {
		for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
			d->ev[e].base_ref = cum[e];
			d->ev[e].base_ref_valid = true;
		}
		pa_apps_mark_baseline(d); /* programs' events: the same --since-baseline reference */
	}
	d->baseline_set_ns = now;
	a = json_array();
	for (unsigned int e = 0; a && e < n_ev; e++)
		json_array_append_new(a, e < PERF_EVENT_MAX ? pa_proto_summary_to_json(&sums[e]) :
					 app_summary_json(&sums[e], progs[e]));
	*ret = json_pack("{ss sI sI sI so s{sI sI} sO}", "name", name, "created_ns", (json_int_t)now,
			 "created_unix", (json_int_t)time(NULL), "windows", (json_int_t)n_windows, "events", a,
			 "period", "start_ns", (json_int_t)from, "end_ns", (json_int_t)now, "environment", env);
	pa_log("baseline '%s' set by uid %u (pid %d): %u windows, %d program events", name, (unsigned)peer->uid,
	       (int)peer->pid, n_windows, n_apps);
	r = *ret ? 0 : fail(err, ENOMEM, "out of memory");
out:
	json_decref(env);
	free(env_s);
	free(w);
	free(merged);
	free(progs);
	free(sums);
	free(cum);
	pa_apps_events_free(apps, n_apps);
	return r;
}

int pa_rx_baseline_list(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			struct pa_proto_error *err, json_t **ret)
{
	json_t *a = pa_store_baseline_list(d->store);

	if (!a)
		return fail(err, EIO, "cannot read the baselines from %s/state.db", d->state_dir);
	*ret = json_pack("{so}", "baselines", a);
	return *ret ? 0 : fail(err, ENOMEM, "out of memory");
}

static int no_baseline(struct pa_proto_error *err, const char *name)
{
	bool dflt = strcmp(name, "default") == 0;

	return fail(err, ENOENT, "no baseline named '%s'; set one first with: perf-analysis baseline%s%s "
		    "(list them with: perf-analysis baseline --list)", name, dflt ? "" : " ", dflt ? "" : name);
}

static json_t *u64_array(const struct pa_baseline_window *w, int n, size_t off)
{
	json_t *a = json_array();

	for (int i = 0; a && i < n; i++)
		if (w[i].count)
			json_array_append_new(a, json_integer((json_int_t) * (const uint64_t *)((const char *)&w[i] + off)));
	return a;
}

int pa_rx_baseline_show(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			struct pa_proto_error *err, json_t **ret)
{
	struct pa_baseline_info *info = malloc(sizeof(*info));
	const char *name = "default";
	json_t *events = json_array(), *env;
	struct pa_baseline_app_event *apps = NULL;
	int r, n_apps;

	(void)pa_param_string(req, "name", &name);
	if (!info || !events) {
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	r = pa_store_baseline_info(d->store, name, info);
	if (r == -ENOENT) {
		r = no_baseline(err, name);
		goto out;
	}
	if (r < 0) {
		r = fail(err, EIO, "cannot read baseline '%s' from %s/state.db", name, d->state_dir);
		goto out;
	}
	n_apps = pa_store_baseline_app_events(d->store, info->id, &apps);
	if (n_apps < 0) {
		n_apps = 0;
		r = fail(err, EIO, "cannot read baseline '%s' from %s/state.db", name, d->state_dir);
		goto out;
	}
	for (unsigned int i = 0; i < PERF_EVENT_MAX + (unsigned int)n_apps; i++) {
		const struct pa_baseline_app_event *ap = i < PERF_EVENT_MAX ? NULL : &apps[i - PERF_EVENT_MAX];
		unsigned int e = ap ? ap->key : i;
		struct pa_baseline_window *w = NULL;
		struct pa_event_summary s;
		int n_w, n_used = 0;
		json_t *o;

		if (pa_store_load_baseline(d->store, name, e, &s, NULL) < 0)
			continue;
		snprintf(s.name, sizeof(s.name), "%s", ap ? ap->name : pa_event_info(e)->name);
		n_w = pa_store_baseline_windows(d->store, info->id, e, &w);
		if (n_w < 0) {
			r = fail(err, EIO, "cannot read the windows of baseline '%s' from %s/state.db", name, d->state_dir);
			goto out;
		}
		for (int j = 0; j < n_w; j++)
			n_used += w[j].count > 0;
		o = ap ? app_summary_json(&s, ap->programs) : pa_proto_summary_to_json(&s);
		if (o) {
			json_object_set_new(o, "windows", json_integer(n_used));
			json_object_set_new(o, "window_p50_ns",
					    u64_array(w, n_w, offsetof(struct pa_baseline_window, p50_ns)));
			json_object_set_new(o, "window_p99_ns",
					    u64_array(w, n_w, offsetof(struct pa_baseline_window, p99_ns)));
			json_array_append_new(events, o);
		}
		free(w);
	}
	env = json_loads(info->env, 0, NULL);
	*ret = json_pack("{ss sI so s{sI sI} sI sO}", "name", name, "created_unix", (json_int_t)info->created_unix,
			 "environment", env ? env : json_object(), "period", "start_ns",
			 (json_int_t)info->period_start_ns, "end_ns", (json_int_t)info->period_end_ns,
			 "windows", (json_int_t)info->n_windows, "events", events);
	r = *ret ? 0 : fail(err, ENOMEM, "out of memory");
out:
	json_decref(events);
	free(apps);
	free(info);
	return r;
}

int pa_rx_baseline_delete(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			  struct pa_proto_error *err, json_t **ret)
{
	const char *name = "default";
	int r;

	(void)pa_param_string(req, "name", &name);
	if (pa_store_begin(d->store) < 0)
		return fail(err, EIO, "cannot write to %s/state.db; nothing was deleted", d->state_dir);
	r = pa_store_delete_baseline(d->store, name);
	if (r == 0)
		r = audit(d, peer, req, "ok");
	if (r < 0 || pa_store_commit(d->store) < 0) {
		pa_store_rollback(d->store);
		if (r == -ENOENT)
			return no_baseline(err, name);
		return fail(err, EIO, "cannot write to %s/state.db; nothing was deleted", d->state_dir);
	}
	pa_log("baseline '%s' deleted by uid %u (pid %d)", name, (unsigned)peer->uid, (int)peer->pid);
	*ret = json_pack("{ss}", "deleted", name);
	return *ret ? 0 : fail(err, ENOMEM, "out of memory");
}

/* One event's evidence, owned. */
struct evidence {
	unsigned int event;       /* kernel event id; program events: 0 (see app) */
	bool app;                 /* a program event, by name */
	bool has_duration;
	char name[48];
	char programs[128];       /* program events: processes that recorded it (baseline's, then current) */
	double *v;                /* a[p50] a[p99] b[p50] b[p99], each of the side's size */
	size_t na, nb;
	uint64_t base_count, cur_count, cur_total;
	uint64_t cur_dropped, cur_lost, cur_sampled_out;
	struct pa_event_summary base;
	bool base_valid;
};

static double as_value(uint64_t ns)
{
	return ns ? (double)ns : 1.0; /* the maths needs values > 0; a 0 ns window is below 1 ns */
}

/*
 * The evidence from baseline windows bw[n_bw] and current windows cw[n_cw]
 * (those of the current period): per-window p50 and p99 of the windows with
 * events, and the current period's counts and losses.
 */
static int evidence_fill(struct evidence *x, const struct pa_baseline_window *bw, size_t n_bw,
			 const struct pa_window *const *cw, size_t n_cw)
{
	size_t na = 0, nb = 0;

	x->v = calloc(2 * (n_bw + n_cw) + 1, sizeof(double));
	if (!x->v)
		return -ENOMEM;
	for (size_t i = 0; i < n_bw; i++)
		if (bw[i].count) {
			x->base_count += bw[i].count;
			na++;
		}
	for (size_t i = 0; i < n_cw; i++) {
		x->cur_dropped += cw[i]->stats.dropped;
		x->cur_lost += cw[i]->stats.lost;
		x->cur_sampled_out += cw[i]->stats.sampled_out;
		if (cw[i]->stats.hist.count) {
			x->cur_count += cw[i]->stats.hist.count;
			x->cur_total += cw[i]->stats.hist.total;
			nb++;
		}
	}
	/* a[p50] at v[0..na), a[p99] at v[na..2na), b[p50], b[p99] after. */
	for (size_t i = 0, j = 0; i < n_bw; i++)
		if (bw[i].count) {
			x->v[j] = as_value(bw[i].p50_ns);
			x->v[na + j++] = as_value(bw[i].p99_ns);
		}
	for (size_t i = 0, j = 0; i < n_cw; i++)
		if (cw[i]->stats.hist.count) {
			x->v[2 * na + j] = as_value(pa_hist_percentile(&cw[i]->stats.hist, 500000));
			x->v[2 * na + nb + j++] = as_value(pa_hist_percentile(&cw[i]->stats.hist, 990000));
		}
	x->na = na;
	x->nb = nb;
	return 0;
}

static int gather(struct pa_daemon *d, const struct pa_baseline_info *info, unsigned int e, uint64_t from,
		  struct evidence *ret)
{
	struct pa_event_state *es = &d->ev[e];
	struct pa_baseline_window *w = NULL;
	const struct pa_window **cw = NULL;
	size_t n_cw = 0;
	int n_w, r;

	memset(ret, 0, sizeof(*ret));
	ret->event = e;
	ret->has_duration = pa_event_info(e)->has_duration;
	snprintf(ret->name, sizeof(ret->name), "%s", pa_event_info(e)->name);
	ret->base_valid = pa_store_load_baseline(d->store, info->name, e, &ret->base, NULL) == 0;
	n_w = pa_store_baseline_windows(d->store, info->id, e, &w);
	if (n_w < 0)
		return n_w;
	cw = calloc(es->ring.count + 1, sizeof(*cw));
	if (!cw) {
		free(w);
		return -ENOMEM;
	}
	for (uint32_t i = es->ring.count; i-- > 0;) {
		const struct pa_window *win = pa_window_ring_get(&es->ring, i);

		if (win && win->start_ns >= from)
			cw[n_cw++] = win;
	}
	r = evidence_fill(ret, w, (size_t)n_w, cw, n_cw);
	free(cw);
	free(w);
	return r;
}

/*
 * A program event's evidence: the baseline's rows under key `key` (-1: not in
 * the baseline) and the current windows of `cur` (NULL: no program recorded
 * it since reset).
 */
static int gather_app(struct pa_daemon *d, const struct pa_baseline_info *info, const char *name, int key,
		      const char *base_programs, const struct pa_apps_event *cur, struct evidence *ret)
{
	struct pa_baseline_window *w = NULL;
	const struct pa_window **cw = NULL;
	size_t n_cw = cur ? cur->n_w : 0;
	int n_w = 0, r;

	memset(ret, 0, sizeof(*ret));
	ret->app = true;
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	snprintf(ret->programs, sizeof(ret->programs), "%s", base_programs ? base_programs : "");
	if (cur) {
		char buf[sizeof(cur->programs)];

		snprintf(buf, sizeof(buf), "%s", cur->programs);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
			pa_apps_list_add(ret->programs, sizeof(ret->programs), t);
		ret->has_duration = cur->timed;
		ret->cur_lost = cur->lost; /* per process since reset: events are not told apart */
	}
	if (key >= 0) {
		ret->base_valid = pa_store_load_baseline(d->store, info->name, (unsigned int)key, &ret->base, NULL) == 0;
		ret->has_duration |= ret->base_valid && ret->base.has_duration;
		n_w = pa_store_baseline_windows(d->store, info->id, (unsigned int)key, &w);
		if (n_w < 0)
			return n_w;
	}
	cw = calloc(n_cw + 1, sizeof(*cw));
	if (!cw) {
		free(w);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_cw; i++)
		cw[i] = &cur->w[i];
	r = evidence_fill(ret, w, (size_t)n_w, cw, n_cw);
	free(cw);
	free(w);
	return r;
}

static json_t *more_json(uint32_t v)
{
	return v == PA_REGRESS_MORE_UNKNOWN ? json_null() : json_integer(v);
}

static json_t *metric_json(enum pa_metric m, const struct pa_regress_result *r)
{
	json_t *o = json_pack("{ss ss ss sf sf sf sf ss sI sf sb sf sf sf sf sI sI}",
			      "metric", pa_metric_name(m), "verdict", pa_verdict_name(r->verdict),
			      "reason", pa_regress_reason_name(r->reason), "p", r->mw.p, "p_adjusted", r->p_adjusted,
			      "u", r->mw.u, "z", r->mw.z, "method", r->mw.method == PA_MW_EXACT ? "exact" : "normal",
			      "ties", (json_int_t)r->mw.tie_groups, "change_pct", r->change_pct,
			      "ci_valid", r->hl.ci_valid, "ci_lo_pct", r->hl.ci_valid ? r->ci_lo_pct : 0.0,
			      "ci_hi_pct", r->hl.ci_valid ? r->ci_hi_pct : 0.0, "baseline_median_ns", r->median_a,
			      "current_median_ns", r->median_b, "baseline_windows", (json_int_t)r->mw.na,
			      "current_windows", (json_int_t)r->mw.nb);

	if (o) {
		json_object_set_new(o, "ci_level", json_real(r->hl.ci_valid ? r->hl.level : 0.0));
		json_object_set_new(o, "more_windows", more_json(r->verdict == PA_VERDICT_INCONCLUSIVE ?
								 r->more_current : 0));
		json_object_set_new(o, "more_per_side", more_json(r->verdict == PA_VERDICT_INCONCLUSIVE ?
								  r->more_per_side : 0));
	}
	return o;
}

static const char *completeness_name(int c)
{
	return c == PA_COMPLETE ? "complete" : c == PA_SAMPLED ? "sampled" : "lossy";
}

/* "a, b, c": the program events of baseline `b` (for a message), or "none". */
static void app_names(const struct pa_baseline_app_event *b, int n, char *buf, size_t len)
{
	snprintf(buf, len, "%s", n ? "" : "none");
	for (int i = 0; i < n; i++) {
		size_t k = strlen(buf);

		snprintf(buf + k, len - k, "%s%s", i ? ", " : "", b[i].name);
	}
}

/* The reply object of one checked event. */
static json_t *event_json(const struct evidence *x, const struct pa_event_verdict *v)
{
	int comp = x->cur_dropped || x->cur_lost ? PA_LOSSY : x->cur_sampled_out ? PA_SAMPLED : PA_COMPLETE;
	uint64_t cur_avg = x->cur_count ? x->cur_total / x->cur_count : 0;
	json_t *ms = json_array(), *o;

	if (x->base_valid && x->base.completeness > comp)
		comp = x->base.completeness;
	for (int m = 0; m < PA_METRIC_MAX; m++)
		if (v->m_valid[m])
			json_array_append_new(ms, metric_json((enum pa_metric)m, &v->m[m]));
	o = json_pack("{so ss ss ss sb ss sI sI sI sI sI sI sf so}",
		      "event", x->app ? json_null() : json_integer(x->event),
		      "name", x->name, "verdict", pa_verdict_name(v->verdict), "reason", v->reason,
		      "regression", v->verdict == PA_VERDICT_REGRESSION, "completeness", completeness_name(comp),
		      "baseline_windows", (json_int_t)x->na, "current_windows", (json_int_t)x->nb,
		      "baseline_count", (json_int_t)(x->base_valid ? x->base.count : x->base_count),
		      "current_count", (json_int_t)x->cur_count,
		      "baseline_avg_ns", (json_int_t)(x->base_valid ? x->base.avg_ns : 0),
		      "current_avg_ns", (json_int_t)cur_avg,
		      "change_pct", v->m_valid[0] ? v->m[0].change_pct : 0.0, "metrics", ms);
	if (!o)
		return NULL;
	json_object_set_new(o, "more_windows", more_json(v->verdict == PA_VERDICT_INCONCLUSIVE ? v->more_current : 0));
	json_object_set_new(o, "more_per_side", more_json(v->verdict == PA_VERDICT_INCONCLUSIVE ?
							  v->more_per_side : 0));
	if (x->app) {
		json_t *a = json_array();
		char buf[sizeof(x->programs)];

		snprintf(buf, sizeof(buf), "%s", x->programs);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); a && t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(a, json_string(t));
		json_object_set_new(o, "source", json_string("app"));
		json_object_set_new(o, "programs", a ? a : json_array());
		json_object_set_new(o, "lost", json_integer((json_int_t)x->cur_lost));
	}
	return o;
}

int pa_rx_check_regression(struct pa_daemon *d, const struct pa_peer *peer, const struct pa_request *req,
			   struct pa_proto_error *err, json_t **ret)
{
	uint64_t ev = UINT64_MAX, thr = d->cfg.regression_threshold_pct, last_ms = 0, min_n = PA_REGRESS_MIN_N_DEFAULT;
	struct evidence *evd = NULL;
	struct pa_event_evidence *pe = NULL;
	struct pa_event_verdict *vd = NULL;
	struct pa_baseline_info *info = NULL;
	struct pa_baseline_app_event *bapps = NULL;
	struct pa_apps_event *capps = NULL;
	struct pa_regress_params params;
	const char *name = "default", *ev_name = NULL;
	json_t *benv = NULL, *cenv = NULL, *diffs = NULL, *events = NULL, *skipped = NULL;
	uint64_t now = pa_now_ns(), from;
	unsigned int k = 0, worst = PA_VERDICT_OK, n_max;
	int r, n_bapps = 0, n_capps = 0;

	(void)pa_param_uint(req, "event", &ev);
	(void)pa_param_string(req, "event_name", &ev_name);
	(void)pa_param_uint(req, "threshold_pct", &thr);
	(void)pa_param_string(req, "baseline", &name);
	(void)pa_param_uint(req, "last_ms", &last_ms);
	(void)pa_param_uint(req, "min_windows", &min_n);
	if (ev != UINT64_MAX && ev_name)
		return fail(err, EINVAL, "check_regression: give 'event' or 'event_name', not both");
	if (ev != UINT64_MAX && ev >= PERF_EVENT_MAX)
		return fail(err, ENOENT, "check_regression: event id %llu is a program's own id, which differs from run "
			    "to run; name program events instead (-e db.query)", (unsigned long long)ev);
	if (min_n < PA_REGRESS_MIN_N_FLOOR)
		return fail(err, EINVAL, "check_regression: min_windows %llu is below %d, where no verdict is possible",
			    (unsigned long long)min_n, PA_REGRESS_MIN_N_FLOOR);
	info = malloc(sizeof(*info));
	events = json_array();
	skipped = json_array();
	if (!info || !events || !skipped) {
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	r = pa_store_baseline_info(d->store, name, info);
	if (r == -ENOENT) {
		r = no_baseline(err, name);
		goto out;
	}
	if (r < 0) {
		r = fail(err, EIO, "cannot read baseline '%s' from %s/state.db", name, d->state_dir);
		goto out;
	}
	if (last_ms)
		from = now > last_ms * 1000000ull ? now - last_ms * 1000000ull : 0;
	else
		from = d->baseline_set_ns > d->period_start_ns ? d->baseline_set_ns : d->period_start_ns;
	/* Program events, by name: the baseline's and those recorded since reset. */
	n_bapps = pa_store_baseline_app_events(d->store, info->id, &bapps);
	if (n_bapps < 0) {
		n_bapps = 0;
		r = fail(err, EIO, "cannot read baseline '%s' from %s/state.db", name, d->state_dir);
		goto out;
	}
	n_capps = pa_apps_events(d, ev_name, from, &capps);
	if (n_capps < 0) {
		n_capps = 0;
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ev_name && !n_capps) {
		bool in_base = false;

		for (int i = 0; i < n_bapps; i++)
			in_base |= strcmp(bapps[i].name, ev_name) == 0;
		if (!in_base) {
			char names[512];

			app_names(bapps, n_bapps, names, sizeof(names));
			r = fail(err, ENOENT, "check_regression: no event '%s': it is not a kernel event, and no program "
				 "recorded it in baseline '%s' nor since the last reset (program events in the baseline: "
				 "%s)", ev_name, name, names);
			goto out;
		}
	}
	n_max = PERF_EVENT_MAX + (unsigned int)n_bapps + (unsigned int)n_capps;
	evd = calloc(n_max, sizeof(*evd));
	pe = calloc(n_max, sizeof(*pe));
	vd = calloc(n_max, sizeof(*vd));
	if (!evd || !pe || !vd) {
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}

	for (unsigned int e = 0; e < n_max; e++) {
		const struct pa_baseline_app_event *ba = NULL;
		const struct pa_apps_event *ca = NULL;
		const char *what;

		if (e < PERF_EVENT_MAX) {
			if (ev_name || (ev != UINT64_MAX && e != ev))
				continue;
			what = pa_event_info(e)->name;
			if (!pa_event_info(e)->has_duration && ev == UINT64_MAX) {
				json_array_append_new(skipped, json_pack("{sI ss ss}", "event", (json_int_t)e, "name", what,
									 "why", "no duration on this kernel (counts only)"));
				continue;
			}
			r = gather(d, info, e, from, &evd[k]);
		} else {
			/* The baseline's program events, then those only the current period has. */
			unsigned int i = e - PERF_EVENT_MAX;

			if (ev != UINT64_MAX)
				break;
			if (i < (unsigned int)n_bapps) {
				ba = &bapps[i];
				for (int j = 0; j < n_capps && !ca; j++)
					if (strcmp(capps[j].name, ba->name) == 0)
						ca = &capps[j];
			} else {
				ca = &capps[i - (unsigned int)n_bapps];
				for (int j = 0; j < n_bapps && ca; j++)
					if (strcmp(bapps[j].name, ca->name) == 0)
						ca = NULL; /* compared with the baseline's already */
				if (!ca)
					continue;
			}
			what = ba ? ba->name : ca->name;
			if (ev_name && strcmp(what, ev_name) != 0)
				continue;
			r = gather_app(d, info, what, ba ? (int)ba->key : -1, ba ? ba->programs : NULL, ca, &evd[k]);
		}
		if (r < 0) {
			r = fail(err, r == -ENOMEM ? ENOMEM : EIO, "cannot read the windows of baseline '%s'", name);
			goto out;
		}
		if (e >= PERF_EVENT_MAX && !evd[k].has_duration && !ev_name) {
			json_array_append_new(skipped, json_pack("{sn ss ss ss}", "event", "name", what, "source", "app",
								 "why", "no duration (recorded with PERF_EVENT_RECORD: "
								 "counts only)"));
			free(evd[k].v);
			continue;
		}
		if (ev == UINT64_MAX && !ev_name && evd[k].na == 0 && evd[k].nb == 0) {
			json_array_append_new(skipped, json_pack("{so ss ss}", "event", e < PERF_EVENT_MAX ?
								 json_integer(e) : json_null(), "name", what,
								 "why", "no events in either period"));
			free(evd[k].v);
			continue;
		}
		pe[k].name = evd[k].name;
		/* No duration, no time to compare: INCONCLUSIVE, with the reason below. */
		pe[k].na = evd[k].has_duration ? evd[k].na : 0;
		pe[k].nb = evd[k].has_duration ? evd[k].nb : 0;
		pe[k].a[PA_METRIC_P50] = evd[k].v;
		pe[k].a[PA_METRIC_P99] = evd[k].v + evd[k].na;
		pe[k].b[PA_METRIC_P50] = evd[k].v + 2 * evd[k].na;
		pe[k].b[PA_METRIC_P99] = evd[k].v + 2 * evd[k].na + evd[k].nb;
		k++;
	}
	pa_regress_params_default(&params);
	params.threshold_pct = (double)thr;
	params.min_n = (uint32_t)min_n;
	r = pa_verdict_family(pe, k, &params, vd);
	if (r < 0) {
		r = fail(err, EINVAL, "check_regression: the statistics failed (%s); this is a bug", strerror(-r));
		goto out;
	}
	for (unsigned int i = 0; i < k; i++) {
		struct pa_event_verdict *v = &vd[i];

		if (!evd[i].has_duration)
			snprintf(v->reason, sizeof(v->reason), "%s has no duration%s; there is no time to compare",
				 evd[i].name, evd[i].app ? " (recorded with PERF_EVENT_RECORD)" : " on this kernel");
		json_array_append_new(events, event_json(&evd[i], v));
		if (v->verdict == PA_VERDICT_REGRESSION)
			worst = PA_VERDICT_REGRESSION;
		else if (v->verdict == PA_VERDICT_INCONCLUSIVE && worst == PA_VERDICT_OK)
			worst = PA_VERDICT_INCONCLUSIVE;
	}
	if (k == 0)
		worst = PA_VERDICT_INCONCLUSIVE; /* nothing was checked: never a silent pass */
	benv = json_loads(info->env, 0, NULL);
	cenv = environment(d);
	diffs = benv && cenv ? env_differences(benv, cenv) : json_array();
	*ret = json_pack("{ss sI ss sI sI sf sI s{sI sI} s{sb sO} sO sO}",
			 "verdict", pa_verdict_name((enum pa_verdict)worst), "exit_code", (json_int_t)worst,
			 "baseline", name, "baseline_created_unix", (json_int_t)info->created_unix,
			 "threshold_pct", (json_int_t)thr, "alpha", params.alpha, "min_windows", (json_int_t)min_n,
			 "current", "start_ns", (json_int_t)from, "end_ns", (json_int_t)now,
			 "environment", "match", json_array_size(diffs) == 0, "differences", diffs,
			 "events", events, "skipped", skipped);
	if (*ret && (ev != UINT64_MAX || ev_name) && k == 1) {
		/* One event: its fields at the top level too (the seed-era reply). */
		static const char *const keys[] = { "event", "name", "reason", "regression", "completeness",
						     "change_pct", "baseline_avg_ns", "current_avg_ns", "baseline_count",
						     "current_count", "baseline_windows", "current_windows",
						     "more_windows", "metrics", "source", "programs" };
		json_t *o = json_array_get(events, 0);

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_object_get(o, keys[i]))
				json_object_set(*ret, keys[i], json_object_get(o, keys[i]));
	}
	r = *ret ? 0 : fail(err, ENOMEM, "out of memory");
out:
	if (evd)
		for (unsigned int i = 0; i < k; i++)
			free(evd[i].v);
	json_decref(benv);
	json_decref(cenv);
	json_decref(diffs);
	json_decref(events);
	json_decref(skipped);
	pa_apps_events_free(capps, n_capps);
	free(bapps);
	free(vd);
	free(pe);
	free(evd);
	free(info);
	return r;
}
