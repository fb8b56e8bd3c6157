/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alerts.c - threshold alerts with hysteresis, their delivery (alert log,
 * daemon log, syslog, alert command), and the overhead budget.
 *
 * Cost per window: one percentile lookup and a few multiplications per event,
 * one getrusage() and one bpf_prog_info pass over the programs. Delivery
 * happens only on transitions, so a threshold that stays crossed costs
 * nothing more than the check.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "apps.h"
#include "daemon.h"
#include "events.h"
#include "export.h"
#include "histogram.h"

#define HOOKS_MAX 4       /* alert commands running at once; more are skipped (and counted) */
#define THROTTLE_FLOOR 1  /* the lowest sample rate the budget lowers to (samples/s per CPU) */

struct track {
	bool active;
	uint64_t raised;          /* times it fired since the daemon started (for /metrics) */
	uint32_t over, under;     /* consecutive windows crossed / not crossed */
	struct pa_alert fired;    /* the FIRING record while active */
};

/* A program event's alerts, by name ("" = free slot): latency, throughput, error rate. */
struct app_track {
	char name[48];
	struct track t[PA_ALERT_OVERHEAD];
};

struct pa_alerts {
	struct track t[PERF_EVENT_MAX][PA_ALERT_OVERHEAD];
	struct app_track app[PA_ALERTS_APP_MAX];
	uint64_t app_untracked;   /* program events with a threshold not judged: every app slot busy */
	struct track overhead;
	const char *command;
	pid_t hooks[HOOKS_MAX];
	uint64_t hooks_run, hooks_failed, hooks_skipped;

	/* Overhead measurement: the previous readings and the last window's figures. */
	bool have_prev;
	uint64_t prev_mono_ns, prev_cpu_ns, prev_bpf_ns, prev_bpf_cnt;
	double pct, daemon_pct, bpf_pct;
	bool bpf_measured;
	uint32_t rate;            /* sample rate the budget allows; 0 = not throttled */
	uint32_t throttles, restores;
	bool at_floor_warned;     /* said that the lowest rate does not meet the budget */
};

static const char *const metric_names[PA_ALERT_METRIC_MAX] = { "latency", "throughput", "error_rate", "overhead" };
static const char *const metric_units[PA_ALERT_METRIC_MAX] = { "us", "ops/s", "%", "%" };

const char *pa_alert_metric_name(enum pa_alert_metric m)
{
	return (unsigned)m < PA_ALERT_METRIC_MAX ? metric_names[m] : "?";
}

const char *pa_alert_metric_unit(enum pa_alert_metric m)
{
	return (unsigned)m < PA_ALERT_METRIC_MAX ? metric_units[m] : "";
}

const char *pa_alert_state_name(enum pa_alert_state s)
{
	return s == PA_ALERT_FIRING ? "firing" : s == PA_ALERT_RESOLVED ? "resolved" : "?";
}

json_t *pa_alert_to_json(const struct pa_alert *a)
{
	json_t *o = json_pack("{sI sI sI sI sI si ss ss ss sf sf ss ss ss}",
			      "id", (json_int_t)a->id, "fired_id", (json_int_t)a->fired_id,
			      "time_unix_ns", (json_int_t)a->time_unix_ns,
			      "window_start_ns", (json_int_t)a->window_start_ns,
			      "window_end_ns", (json_int_t)a->window_end_ns,
			      "event", a->event, "name", a->event_name,
			      "metric", pa_alert_metric_name(a->metric), "state", pa_alert_state_name(a->state),
			      "value", a->value, "threshold", a->threshold, "unit", pa_alert_metric_unit(a->metric),
			      "completeness", pa_completeness_name(a->completeness), "message", a->message);

	if (o && a->metric == PA_ALERT_LATENCY)
		json_object_set_new(o, "quantile_ppm", json_integer(a->quantile_ppm));
	if (o && a->metric == PA_ALERT_THROUGHPUT)
		json_object_set_new(o, "direction", json_string(a->below ? "below" : "above"));
	if (o && a->event == PA_ALERT_EVENT_APP)
		json_object_set_new(o, "source", json_string("app"));
	return o;
}

int pa_alerts_init(struct pa_daemon *d, const char *command)
{
	d->alerts = calloc(1, sizeof(*d->alerts));
	if (!d->alerts)
		return -ENOMEM;
	d->alerts->command = command && *command ? command : NULL;
	openlog("perf-analysisd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return 0;
}

void pa_alerts_done(struct pa_daemon *d)
{
	if (!d->alerts)
		return;
	closelog();
	free(d->alerts);
	d->alerts = NULL;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reap alert commands that finished; never blocks. */
static void reap_hooks(struct pa_alerts *al)
{
	for (unsigned int i = 0; i < HOOKS_MAX; i++) {
		int st;

		if (al->hooks[i] <= 0 || waitpid(al->hooks[i], &st, WNOHANG) != al->hooks[i])
			continue;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			al->hooks_failed++;
			pa_log("alert command %s (pid %d) failed: %s %d", al->command, (int)al->hooks[i],
			       WIFEXITED(st) ? "exit status" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
		al->hooks[i] = 0;
	}
}

/*
 * Run the alert command with the alert in its environment: argv is just the
 * command, the environment only PA_ALERT_* and a fixed PATH, so nothing from
 * the data can reach a shell or the argument list.
 */
static void run_hook(struct pa_alerts *al, const struct pa_alert *a)
{
	char env[14][320];
	char *envp[15], *argv[2] = { (char *)al->command, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	unsigned int slot = HOOKS_MAX, n = 0;
	pid_t pid;
	int r;

	reap_hooks(al);
	for (unsigned int i = 0; i < HOOKS_MAX; i++)
		if (al->hooks[i] <= 0) {
			slot = i;
			break;
		}
	if (slot == HOOKS_MAX) {
		al->hooks_skipped++;
		pa_log("alert command %s not run for alert %llu: %d commands still running", al->command,
		       (unsigned long long)a->id, HOOKS_MAX);
		return;
	}
#define E(...) snprintf(env[n], sizeof(env[n]), __VA_ARGS__), envp[n] = env[n], n++
	E("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	E("PA_ALERT_ID=%llu", (unsigned long long)a->id);
	E("PA_ALERT_FIRED_ID=%llu", (unsigned long long)a->fired_id);
	E("PA_ALERT_TIME_UNIX_NS=%llu", (unsigned long long)a->time_unix_ns);
	E("PA_ALERT_EVENT=%d", a->event);
	E("PA_ALERT_EVENT_NAME=%s", a->event_name);
	E("PA_ALERT_METRIC=%s", pa_alert_metric_name(a->metric));
	E("PA_ALERT_STATE=%s", pa_alert_state_name(a->state));
	E("PA_ALERT_VALUE=%.3f", a->value);
	E("PA_ALERT_THRESHOLD=%.3f", a->threshold);
	E("PA_ALERT_UNIT=%s", pa_alert_metric_unit(a->metric));
	E("PA_ALERT_COMPLETENESS=%s", pa_completeness_name(a->completeness));
	E("PA_ALERT_MESSAGE=%s", a->message);
#undef E
	envp[n] = NULL;
	/* The daemon blocks SIGTERM/SIGINT/SIGHUP for its signalfd and ignores SIGPIPE: give the child defaults. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	r = posix_spawn(&pid, al->command, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		al->hooks_failed++;
		pa_log("cannot run the alert command %s: %s", al->command, strerror(r));
		return;
	}
	al->hooks[slot] = pid;
	al->hooks_run++;
}

/* Store, log and hand on one transition. */
static void deliver(struct pa_daemon *d, struct pa_alert *a)
{
	if (pa_store_alert_add(d->store, a) < 0)
		pa_log("cannot write alert to %s/state.db (it is still logged here and in syslog)", d->state_dir);
	pa_log("alert %llu %s: %s", (unsigned long long)a->id, pa_alert_state_name(a->state), a->message);
	syslog(a->state == PA_ALERT_FIRING ? LOG_WARNING : LOG_NOTICE, "alert %llu %s: %s",
	       (unsigned long long)a->id, pa_alert_state_name(a->state), a->message);
	if (d->alerts->command)
		run_hook(d->alerts, a);
}

static void describe(struct pa_alert *a)
{
	const char *cmp = a->metric == PA_ALERT_THROUGHPUT && a->below ? "below" : "above";
	char what[64];

	if (a->metric == PA_ALERT_LATENCY)
		snprintf(what, sizeof(what), "p%g latency", a->quantile_ppm / 10000.0);
	else
		snprintf(what, sizeof(what), "%s", a->metric == PA_ALERT_THROUGHPUT ? "throughput" :
			 a->metric == PA_ALERT_ERROR_RATE ? "error rate" : "own overhead");
	if (a->state == PA_ALERT_FIRING)
		snprintf(a->message, sizeof(a->message), "%s %s %.2f %s is %s the threshold %.2f %s%s%s%s",
			 a->event_name, what, a->value, pa_alert_metric_unit(a->metric), cmp, a->threshold,
			 pa_alert_metric_unit(a->metric), a->completeness ? " (computed from " : "",
			 a->completeness ? pa_completeness_name(a->completeness) : "",
			 a->completeness ? " input)" : "");
	else
		snprintf(a->message, sizeof(a->message), "%s %s back to %.2f %s (threshold %.2f %s)%s%s%s",
			 a->event_name, what, a->value, pa_alert_metric_unit(a->metric), a->threshold,
			 pa_alert_metric_unit(a->metric), a->completeness ? " (computed from " : "",
			 a->completeness ? pa_completeness_name(a->completeness) : "",
			 a->completeness ? " input)" : "");
}

/* Advance one state machine with this window's verdict; deliver a transition if there is one. */
static void step(struct pa_daemon *d, struct track *t, bool crossed, const struct pa_alert *now)
{
	uint32_t fire_n = d->cfg.alert_fire_windows ? d->cfg.alert_fire_windows : 1;
	uint32_t resolve_n = d->cfg.alert_resolve_windows ? d->cfg.alert_resolve_windows : 1;
	struct pa_alert a = *now;

	if (crossed) {
		t->over++;
		t->under = 0;
	} else {
		t->under++;
		t->over = 0;
	}
	if (!t->active && t->over >= fire_n) {
		a.state = PA_ALERT_FIRING;
		a.time_unix_ns = realtime_ns();
		describe(&a);
		deliver(d, &a);
		t->active = true;
		t->raised++;
		t->fired = a;
	} else if (t->active && t->under >= resolve_n) {
		a.state = PA_ALERT_RESOLVED;
		a.fired_id = t->fired.id;
		a.time_unix_ns = realtime_ns();
		describe(&a);
		deliver(d, &a);
		t->active = false;
	}
}

/*
 * Advance the latency, throughput and error-rate state machines `t` with
 * window w judged against `th`: each metric whose threshold is set, or whose
 * alert is still active (a threshold removed while it fired is judged until
 * the alert resolves). `a` carries the record's event, name, window and
 * completeness. Too few operations for a quantile or a rate to mean
 * anything count as back under.
 */
static void judge_metrics(struct pa_daemon *d, struct track t[PA_ALERT_OVERHEAD], const struct pa_thresholds *th,
			  const struct pa_window *w, struct pa_alert *a)
{
	uint64_t dur = w->end_ns - w->start_ns, count = w->stats.hist.count;
	uint32_t crossed = pa_thresholds_check(th, w);

	if (count < d->cfg.alert_min_count)
		crossed &= ~(uint32_t)(PA_THRESHOLD_LATENCY | PA_THRESHOLD_ERROR_RATE);
	a->quantile_ppm = th->latency_q_ppm;
	a->below = th->throughput_below;
	if (th->latency_ns || t[PA_ALERT_LATENCY].active) {
		a->metric = PA_ALERT_LATENCY;
		a->value = count ? (double)pa_hist_percentile(&w->stats.hist, th->latency_q_ppm) / 1000.0 : 0;
		a->threshold = (double)th->latency_ns / 1000.0;
		step(d, &t[PA_ALERT_LATENCY], crossed & PA_THRESHOLD_LATENCY, a);
	}
	if (th->throughput_ops || t[PA_ALERT_THROUGHPUT].active) {
		a->metric = PA_ALERT_THROUGHPUT;
		a->value = dur ? (double)count * 1e9 / (double)dur : 0;
		a->threshold = (double)th->throughput_ops;
		step(d, &t[PA_ALERT_THROUGHPUT], crossed & PA_THRESHOLD_THROUGHPUT, a);
	}
	if (th->error_rate_ppm || t[PA_ALERT_ERROR_RATE].active) {
		a->metric = PA_ALERT_ERROR_RATE;
		a->value = count ? (double)w->stats.errors * 100.0 / (double)count : 0;
		a->threshold = (double)th->error_rate_ppm / 10000.0;
		step(d, &t[PA_ALERT_ERROR_RATE], crossed & PA_THRESHOLD_ERROR_RATE, a);
	}
}

static void judge_event(struct pa_daemon *d, unsigned int e)
{
	const struct pa_window *w = pa_window_ring_get(&d->ev[e].ring, 0);
	const struct pa_event_info *info = pa_event_info(e);
	struct pa_thresholds th = PA_THRESHOLD_DEFAULTS;
	struct pa_alert a;

	if (!w || !info)
		return;
	th.latency_ns = (uint64_t)(d->cfg.event_latency_us[e] ? d->cfg.event_latency_us[e]
							      : d->cfg.latency_threshold_us) * 1000ull;
	if (!info->has_duration)
		th.latency_ns = 0; /* nothing to judge: page faults carry no duration on this kernel */
	/* A terminate event's duration is the task's lifetime, not a latency: judged only when asked for by name. */
	if ((e == PERF_EVENT_TASK_TERMINATE || e == PERF_EVENT_THREAD_TERMINATE) && !d->cfg.event_latency_us[e])
		th.latency_ns = 0;
	th.latency_q_ppm = d->cfg.latency_quantile_ppm ? d->cfg.latency_quantile_ppm : 990000;
	th.throughput_ops = d->cfg.throughput_threshold;
	th.throughput_below = d->cfg.throughput_below != 0;
	th.error_rate_ppm = d->cfg.error_rate_threshold_pct * 10000u;

	memset(&a, 0, sizeof(a));
	a.window_start_ns = w->start_ns;
	a.window_end_ns = w->end_ns;
	a.event = (int)e;
	snprintf(a.event_name, sizeof(a.event_name), "%s", info->name);
	a.completeness = pa_stats_completeness(&w->stats);
	judge_metrics(d, d->alerts->t[e], &th, w, &a);
}

static bool app_track_active(const struct app_track *at)
{
	for (unsigned int m = 0; m < PA_ALERT_OVERHEAD; m++)
		if (at->t[m].active)
			return true;
	return false;
}

static struct app_track *app_track(struct pa_alerts *al, const char *name, bool create)
{
	struct app_track *free_slot = NULL;

	for (unsigned int i = 0; i < PA_ALERTS_APP_MAX; i++) {
		if (al->app[i].name[0] && strcmp(al->app[i].name, name) == 0)
			return &al->app[i];
		if (!al->app[i].name[0] && !free_slot)
			free_slot = &al->app[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	return free_slot;
}

/*
 * Judge program event `name` against its thresholds `cfg` (NULL: all
 * removed, judged until its alerts resolve) on the window that closed last
 * ([start_ns, d->window_start_ns)), merged over every program that recorded
 * the name. Programs store no idle window, so a window without the event is
 * judged as an empty one: no latency or error rate to judge (back under),
 * and 0 ops/s for throughput (below a floor: a program that stopped
 * recording is what a throughput-below alert is for).
 */
static void judge_app(struct pa_daemon *d, const char *name, const struct pa_app_thresholds *cfg, uint64_t start_ns)
{
	static struct pa_window empty; /* ~11 KiB: not on the stack; the daemon is single-threaded */
	struct pa_thresholds th = PA_THRESHOLD_DEFAULTS;
	struct app_track *at = app_track(d->alerts, name, cfg != NULL);
	struct pa_apps_event *ev = NULL;
	const struct pa_window *w = NULL;
	struct pa_alert a;
	int n;

	if (!at) {
		d->alerts->app_untracked++;
		return;
	}
	n = pa_apps_events(d, name, start_ns, &ev);
	if (n > 0 && ev[0].n_w && ev[0].w[ev[0].n_w - 1].start_ns == start_ns)
		w = &ev[0].w[ev[0].n_w - 1];
	if (!w) {
		pa_stats_reset(&empty.stats);
		empty.start_ns = start_ns;
		empty.end_ns = d->window_start_ns;
		w = &empty;
	}
	th.latency_ns = cfg ? (uint64_t)cfg->latency_us * 1000ull : 0;
	th.latency_q_ppm = d->cfg.latency_quantile_ppm ? d->cfg.latency_quantile_ppm : 990000;
	th.throughput_ops = cfg ? cfg->throughput : 0;
	th.throughput_below = cfg && cfg->throughput_below;
	th.error_rate_ppm = cfg ? cfg->error_rate_pct * 10000u : 0;
	memset(&a, 0, sizeof(a));
	a.window_start_ns = w->start_ns;
	a.window_end_ns = w->end_ns;
	a.event = PA_ALERT_EVENT_APP;
	snprintf(a.event_name, sizeof(a.event_name), "%s", name);
	/* Losses are counted per process, not per event or window: those of the programs that record it. */
	a.completeness = n > 0 && ev[0].lost ? PA_LOSSY : pa_stats_completeness(&w->stats);
	judge_metrics(d, at->t, &th, w, &a);
	if (!cfg && !app_track_active(at))
		memset(at, 0, sizeof(*at)); /* thresholds removed and every alert resolved: forget it */
	pa_apps_events_free(ev, n);
}

static void judge_apps(struct pa_daemon *d, uint64_t start_ns)
{
	struct pa_alerts *al = d->alerts;

	for (unsigned int i = 0; i < PA_CONFIG_APP_MAX; i++)
		if (d->cfg.app[i].name[0])
			judge_app(d, d->cfg.app[i].name, &d->cfg.app[i], start_ns);
	/* Alerts whose thresholds were removed while they fired: judged until they resolve. */
	for (unsigned int i = 0; i < PA_ALERTS_APP_MAX; i++)
		if (al->app[i].name[0] && !pa_config_app(&d->cfg, al->app[i].name)) {
			char name[48];

			snprintf(name, sizeof(name), "%s", al->app[i].name);
			judge_app(d, name, NULL, start_ns);
		}
}

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

void pa_alerts_collector_config(struct pa_daemon *d, struct pa_collector_config *cc)
{
	if (d->cfg.overhead_budget_ppm)
		cc->prog_stats = true;
	if (d->alerts && d->alerts->rate && d->alerts->rate < cc->sample_rate)
		cc->sample_rate = d->alerts->rate;
}

/* Apply a new budget-limited rate (0 = none); logs and returns whether the collector took it. */
static bool set_rate(struct pa_daemon *d, uint32_t rate)
{
	struct pa_alerts *al = d->alerts;
	uint32_t prev = al->rate;

	al->rate = rate;
	if (pa_engine_apply_config(d) < 0) {
		al->rate = prev;
		pa_log("overhead budget: the kernel side refused sample rate %u/s", rate);
		return false;
	}
	return true;
}

/*
 * The budget's control loop. Over budget: halve the sample rate (down to
 * THROTTLE_FLOOR), once per window. Under half the budget for
 * alert_resolve_windows windows: double it back towards the configured rate.
 * The factor of two on both sides keeps it from oscillating around the line.
 */
static void judge_overhead(struct pa_daemon *d, uint64_t now)
{
	struct pa_alerts *al = d->alerts;
	struct pa_collector_overhead ov;
	uint64_t cpu = self_cpu_ns(), bpf_ns = 0, bpf_cnt = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double budget = d->cfg.overhead_budget_ppm / 10000.0, span;
	uint32_t configured = d->cfg.cc.sample_rate, cur;
	struct pa_alert a;

	al->bpf_measured = false;
	if (d->collector && pa_collector_overhead(d->collector, &ov) == 0 && ov.stats_enabled) {
		al->bpf_measured = true;
		bpf_ns = ov.run_time_ns;
		bpf_cnt = ov.run_cnt;
	}
	if (!al->have_prev || now <= al->prev_mono_ns || bpf_ns < al->prev_bpf_ns) {
		al->have_prev = true;
		goto out;
	}
	span = (double)(now - al->prev_mono_ns) * (double)(ncpu > 0 ? ncpu : 1);
	al->daemon_pct = (double)(cpu - al->prev_cpu_ns) * 100.0 / span;
	al->bpf_pct = al->bpf_measured ? (double)(bpf_ns - al->prev_bpf_ns) * 100.0 / span : 0;
	al->pct = al->daemon_pct + al->bpf_pct;
	memset(&a, 0, sizeof(a));
	a.event = PA_ALERT_EVENT_DAEMON;
	snprintf(a.event_name, sizeof(a.event_name), "perf-analysisd");
	a.metric = PA_ALERT_OVERHEAD;
	a.value = al->pct;
	a.threshold = budget;
	a.window_start_ns = al->prev_mono_ns;
	a.window_end_ns = now;
	a.completeness = al->bpf_measured ? 0 : 2; /* without run times the kernel side's cost is missing */
	cur = al->rate ? al->rate : configured;
	if (!d->cfg.overhead_budget_ppm || !d->cfg.enabled) {
		/* No budget (or nothing captured): the configured rate applies. */
		if (al->rate && set_rate(d, 0))
			pa_log("overhead budget off: sample rate back to the configured %u/s per CPU", configured);
	} else if (al->pct > budget) {
		al->overhead.under = 0;
		if (cur > THROTTLE_FLOOR) {
			uint32_t next = cur / 2 > THROTTLE_FLOOR ? cur / 2 : THROTTLE_FLOOR;

			if (set_rate(d, next)) {
				al->throttles++;
				pa_log("overhead %.2f %% of CPU is over the budget of %.2f %% (eBPF %.2f %%, daemon %.2f %%): "
				       "sample rate lowered from %u/s to %u/s per CPU (statistics stay exact)",
				       al->pct, budget, al->bpf_pct, al->daemon_pct, cur, next);
			}
		} else if (!al->at_floor_warned) {
			al->at_floor_warned = true;
			pa_log("overhead %.2f %% of CPU is still over the budget of %.2f %% at the lowest sample rate "
			       "(%u/s): the rest is the exact statistics of every captured event; capture fewer events "
			       "(perf-analysis configure -e) or filter (--pid/--comm) to go lower", al->pct, budget,
			       THROTTLE_FLOOR);
		}
		if (!al->overhead.active && al->rate) {
			a.state = PA_ALERT_FIRING;
			a.time_unix_ns = realtime_ns();
			snprintf(a.message, sizeof(a.message), "own overhead %.2f %% of CPU is above the budget %.2f %%: "
				 "sample rate lowered to %u/s per CPU (configured %u/s)%s", al->pct, budget, al->rate,
				 configured, al->bpf_measured ? "" : " (eBPF run time not measured: lossy input)");
			deliver(d, &a);
			al->overhead.active = true;
			al->overhead.raised++;
			al->overhead.fired = a;
		}
	} else if (al->rate) {
		/*
		 * Under half the budget for alert_resolve_windows windows in a row,
		 * then doubled every further window that stays there.
		 */
		if (al->pct < budget / 2 && ++al->overhead.under >= (d->cfg.alert_resolve_windows ?: 1)) {
			uint32_t next = al->rate >= configured / 2 ? 0 : al->rate * 2;

			if (set_rate(d, next)) {
				al->restores++;
				pa_log("overhead %.2f %% of CPU is well under the budget of %.2f %%: sample rate raised to "
				       "%u/s per CPU%s", al->pct, budget, next ? next : configured,
				       next ? "" : " (the configured rate)");
			}
		} else if (al->pct >= budget / 2) {
			al->overhead.under = 0;
		}
	}
	if (!al->rate)
		al->at_floor_warned = false;
	if (al->overhead.active && !al->rate) {
		a.state = PA_ALERT_RESOLVED;
		a.fired_id = al->overhead.fired.id;
		a.time_unix_ns = realtime_ns();
		snprintf(a.message, sizeof(a.message), "own overhead %.2f %% of CPU%s: sample rate back to the "
			 "configured %u/s per CPU", al->pct, d->cfg.overhead_budget_ppm ? " is under the budget" :
			 " (budget turned off)", configured);
		a.threshold = budget;
		deliver(d, &a);
		al->overhead.active = false;
		al->overhead.under = 0;
	}
out:
	al->prev_mono_ns = now;
	al->prev_cpu_ns = cpu;
	al->prev_bpf_ns = bpf_ns;
	al->prev_bpf_cnt = bpf_cnt;
}

void pa_alerts_tick(struct pa_daemon *d, uint64_t window_start_ns)
{
	if (!d->alerts)
		return;
	reap_hooks(d->alerts);
	judge_overhead(d, pa_now_ns());
	/* Programs' events arrive whether kernel capture is enabled or not. */
	judge_apps(d, window_start_ns);
	/* Disabled or without a kernel side nothing is captured: empty windows say nothing about the system. */
	if (!d->cfg.enabled || !d->collector)
		return;
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		if (d->cfg.alert_event_mask & (1u << e) & d->cfg.cc.event_mask)
			judge_event(d, e);
}

void pa_alerts_reset(struct pa_daemon *d)
{
	if (!d->alerts)
		return;
	memset(d->alerts->t, 0, sizeof(d->alerts->t));
	memset(d->alerts->app, 0, sizeof(d->alerts->app));
}

json_t *pa_alerts_active_json(struct pa_daemon *d)
{
	json_t *a = json_array();

	if (!a || !d->alerts)
		return a;
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		for (unsigned int m = 0; m < PA_ALERT_OVERHEAD; m++)
			if (d->alerts->t[e][m].active)
				json_array_append_new(a, pa_alert_to_json(&d->alerts->t[e][m].fired));
	for (unsigned int i = 0; i < PA_ALERTS_APP_MAX; i++)
		for (unsigned int m = 0; m < PA_ALERT_OVERHEAD; m++)
			if (d->alerts->app[i].name[0] && d->alerts->app[i].t[m].active)
				json_array_append_new(a, pa_alert_to_json(&d->alerts->app[i].t[m].fired));
	if (d->alerts->overhead.active)
		json_array_append_new(a, pa_alert_to_json(&d->alerts->overhead.fired));
	return a;
}

size_t pa_alerts_export(struct pa_daemon *d, struct pa_export_alert *out, size_t max)
{
	size_t n = 0;

	if (!d->alerts)
		return 0;
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		for (unsigned int m = 0; m < PA_ALERT_OVERHEAD && n < max; m++)
			out[n++] = (struct pa_export_alert){ .name = metric_names[m], .event = pa_event_info(e)->name,
							     .firing = d->alerts->t[e][m].active,
							     .raised = d->alerts->t[e][m].raised };
	/* A program event's metric: while it has a threshold, or once it fired (while its name is tracked). */
	for (unsigned int i = 0; i < PA_ALERTS_APP_MAX; i++) {
		const struct app_track *at = &d->alerts->app[i];
		const struct pa_app_thresholds *c = at->name[0] ? pa_config_app(&d->cfg, at->name) : NULL;

		for (unsigned int m = 0; at->name[0] && m < PA_ALERT_OVERHEAD && n < max; m++) {
			uint32_t set = !c ? 0 : m == PA_ALERT_LATENCY ? c->latency_us :
				       m == PA_ALERT_THROUGHPUT ? c->throughput : c->error_rate_pct;

			if (set || at->t[m].raised)
				out[n++] = (struct pa_export_alert){ .name = metric_names[m], .event = at->name,
								     .firing = at->t[m].active, .raised = at->t[m].raised };
		}
	}
	if (n < max)
		out[n++] = (struct pa_export_alert){ .name = metric_names[PA_ALERT_OVERHEAD], .event = "daemon",
						     .firing = d->alerts->overhead.active,
						     .raised = d->alerts->overhead.raised };
	return n;
}

json_t *pa_alerts_overhead_json(struct pa_daemon *d)
{
	struct pa_alerts *al = d->alerts;

	if (!al)
		return json_object();
	return json_pack("{sf sf sf sb sf sb sb sI sI sI sI sI sI sI}",
			 "pct", al->pct, "daemon_pct", al->daemon_pct, "bpf_pct", al->bpf_pct,
			 "bpf_measured", al->bpf_measured,
			 "budget_pct", d->cfg.overhead_budget_ppm / 10000.0,
			 "throttled", al->rate != 0,
			 "at_lowest_rate", al->rate == THROTTLE_FLOOR && al->pct > d->cfg.overhead_budget_ppm / 10000.0,
			 "sample_rate_configured", (json_int_t)d->cfg.cc.sample_rate,
			 "sample_rate_effective", (json_int_t)(al->rate ? al->rate : d->cfg.cc.sample_rate),
			 "throttles", (json_int_t)al->throttles, "restores", (json_int_t)al->restores,
			 "alert_commands_run", (json_int_t)al->hooks_run,
			 "alert_commands_failed", (json_int_t)al->hooks_failed,
			 "alert_commands_skipped", (json_int_t)al->hooks_skipped);
}
