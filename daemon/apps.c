/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apps.c - instrumented programs in perf-analysisd (see apps.h).
 *
 * One struct pa_app per attach: the region (struct pa_app_rings) while the
 * program runs, then only its counters and statistics. Samples drained from
 * the region are recorded into per-(program, event) cumulative statistics
 * and pushed into the daemon's queue of programs' samples (apart from the
 * kernel's, so that neither source can overwrite the other's); each
 * window tick closes a window per series, as the engine does for kernel
 * events. Window slots are allocated at a series' first non-empty window.
 *
 * Rights: attaching needs the observe right (root, or the observe or the
 * configure group). A program publishing its own events changes no
 * configuration and sees nothing of anyone else; the observe group is the
 * set of users allowed to use the daemon at all, which bounds who can make
 * it map memory and spend time draining.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-rings.h"
#include "apps.h"
#include "events.h"

struct series {
	struct pa_app *app;
	unsigned int event;
	char name[PA_APP_NAME_BYTES];
	bool timed;                  /* some sample had a duration */
	struct pa_stats cum;         /* since attach or reset */
	struct pa_stats cum_prev;    /* at the last window close */
	struct pa_stats base_ref;    /* at the last baseline */
	bool base_ref_valid;
	struct pa_window_ring ring;
	struct pa_window *slots;     /* NULL until the first non-empty window */
};

struct pa_app {
	struct pa_app *next;
	uint32_t pid;
	char comm[16];
	struct pa_app_rings *r;           /* NULL once released */
	struct pa_app_rings_stats now;    /* counters at the last read (final once released) */
	struct pa_app_rings_stats base;   /* counters at the last reset */
	uint64_t untracked, untracked_base; /* samples without a series (PA_APPS_SERIES_MAX reached) */
	uint64_t attached_ns, exited_ns;
	bool conn_open;                   /* the RPC server holds the connection */
	uint64_t hup_ns;                  /* when the connection ended (0: open) */
	char why[160];                    /* why the region was released early, or "" */
	struct series *by_id[PERF_EVENT_ID_LIMIT];
};

#define PA_APPS_HUP_GRACE_NS 1000000000ull

struct pa_apps {
	struct pa_app *list;   /* newest first */
	unsigned int n_series;
	unsigned int n_live;
	uint64_t last_pass;    /* samples the last pa_apps_poll drained */
};

static struct pa_apps *reg(const struct pa_daemon *d)
{
	return d->apps;
}

int pa_apps_init(struct pa_daemon *d)
{
	d->apps = calloc(1, sizeof(*d->apps));
	if (!d->apps)
		return -ENOMEM;
	(void)pa_app_tsc_to_ns(0); /* calibrate now, not in the first drain */
	return 0;
}

static void series_free(struct pa_apps *g, struct series *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s);
	g->n_series--;
}

static void app_free(struct pa_apps *g, struct pa_app *a)
{
	for (unsigned int i = 0; i < PERF_EVENT_ID_LIMIT; i++)
		series_free(g, a->by_id[i]);
	pa_app_rings_free(a->r);
	free(a);
}

bool pa_apps_is_attach(const char *line, size_t len)
{
	static const char m[] = "\"app.attach\"";

	/* Cheap: only lines that name the method at all are parsed to be sure. */
	if (!memmem(line, len, m, sizeof(m) - 1))
		return false;
	{
		json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		const char *s = o ? json_string_value(json_object_get(o, "method")) : NULL;
		bool yes = s && strcmp(s, "app.attach") == 0;

		json_decref(o);
		return yes;
	}
}

static struct series *series_get(struct pa_daemon *d, struct pa_app *a, unsigned int event)
{
	struct pa_apps *g = reg(d);
	struct series *s = a->by_id[event];
	const struct pa_event_info *info;

	if (s)
		return s;
	if (g->n_series >= PA_APPS_SERIES_MAX)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->app = a;
	s->event = event;
	info = event < PERF_EVENT_MAX ? pa_event_info(event) : NULL;
	if (info)
		snprintf(s->name, sizeof(s->name), "%s", info->name);
	else if (!a->r || pa_app_rings_name(a->r, event, s->name) < 0)
		snprintf(s->name, sizeof(s->name), "user.%u", event);
	pa_stats_reset(&s->cum);
	pa_stats_reset(&s->cum_prev);
	pa_stats_reset(&s->base_ref);
	(void)pa_window_ring_init(&s->ring, NULL, 0);
	a->by_id[event] = s;
	g->n_series++;
	return s;
}

struct drain_ctx {
	struct pa_daemon *d;
	struct pa_app *a;
};

static void on_sample(const struct perf_sample *smp, void *userdata)
{
	struct drain_ctx *c = userdata;
	struct series *s = series_get(c->d, c->a, smp->event);

	if (c->d->app_samples)
		(void)pa_ring_push(c->d->app_samples, smp); /* their own queue: a kernel flood cannot overwrite them */
	if (!s) {
		c->a->untracked++;
		return;
	}
	(void)pa_stats_record(&s->cum, smp->timestamp_ns, smp->duration_ns, smp->flags & PERF_SAMPLE_F_ERROR);
	if (smp->duration_ns)
		s->timed = true;
}

/*
 * Drain what is queued now (everything when `all`, else one budget); mark the
 * region for release if it is corrupt. Returns the number of samples taken.
 */
static uint64_t drain(struct pa_daemon *d, struct pa_app *a, bool all)
{
	struct drain_ctx c = { d, a };
	uint64_t total = 0;
	int n;

	if (!a->r)
		return 0;
	do {
		n = pa_app_rings_drain(a->r, PA_APPS_DRAIN_BUDGET, on_sample, &c);
		if (n > 0)
			total += (uint64_t)n;
	} while (all && n > 0);
	if (n == -EBADMSG && !*a->why) {
		snprintf(a->why, sizeof(a->why), "corrupt region: %s", pa_app_rings_why(a->r));
		pa_log("program pid %u (%s): %s; no longer draining it", a->pid, a->comm, a->why);
	}
	return total;
}

/* Refresh the program's counters from its region (no-op once released). */
static void refresh(struct pa_app *a)
{
	if (a->r)
		(void)pa_app_rings_stats(a->r, &a->now);
}

/* Final drain and release of the region; the statistics stay. */
static void release(struct pa_daemon *d, struct pa_app *a, const char *how)
{
	if (!a->r)
		return;
	drain(d, a, true);
	refresh(a);
	pa_log("program pid %u (%s) %s: received %llu, dropped %llu (ring full), %llu (no ring), %llu (before attach)",
	       a->pid, a->comm, how, (unsigned long long)a->now.received, (unsigned long long)a->now.dropped,
	       (unsigned long long)a->now.no_ring, (unsigned long long)a->now.unattached);
	a->now.exited = pa_app_rings_exited(a->r) == 1;
	pa_app_rings_free(a->r);
	a->r = NULL;
	a->exited_ns = pa_now_ns();
	reg(d)->n_live--;
}

/* Keep at most PA_APPS_EXITED_MAX released programs whose connection is gone. */
static void trim(struct pa_daemon *d)
{
	struct pa_apps *g = reg(d);
	unsigned int n = 0;

	for (struct pa_app **pp = &g->list; *pp;) {
		struct pa_app *a = *pp;

		if (!a->r && !a->conn_open && ++n > PA_APPS_EXITED_MAX) {
			*pp = a->next;
			app_free(g, a);
			continue;
		}
		pp = &a->next;
	}
}

void pa_apps_done(struct pa_daemon *d)
{
	struct pa_apps *g = reg(d);

	if (!g)
		return;
	while (g->list) {
		struct pa_app *a = g->list;

		g->list = a->next;
		if (a->r)
			release(d, a, "detached at shutdown");
		app_free(g, a);
	}
	free(g);
	d->apps = NULL;
}

static bool may_observe(const struct pa_daemon *d, const struct pa_peer *p)
{
	return pa_peer_has(p, d->observe_gid_valid, d->observe_gid) ||
	       pa_peer_has(p, d->configure_gid_valid, d->configure_gid);
}

static void read_comm(uint32_t pid, const char *fallback, char *ret, size_t n)
{
	char path[64], buf[32] = "";
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	k = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (k > 0) {
		buf[k] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	} else {
		snprintf(buf, sizeof(buf), "%s", fallback ? fallback : "");
	}
	/* Printable ASCII only: the name goes to logs and terminals. */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	snprintf(ret, n, "%.15s", buf);
}

char *pa_apps_attach(struct pa_daemon *d, const struct pa_peer *peer, int memfd, const char *line, size_t len,
		     struct pa_app **ret_app)
{
	struct pa_apps *g = reg(d);
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL), *params, *v;
	uint64_t id = 0, jpid;
	struct pa_app *a = NULL;
	char why[256] = "";
	int err = 0, r;

	*ret_app = NULL;
	if (o && pa_json_u64(json_object_get(o, "id"), &id) && id > UINT32_MAX)
		id = 0;
	params = o ? json_object_get(o, "params") : NULL;
	if (!o || !json_is_object(o)) {
		err = EBADMSG;
		snprintf(why, sizeof(why), "app.attach: the request is not a JSON object");
	} else if (!pa_json_u64(json_object_get(o, "v"), &jpid) || jpid != PA_PROTO_VERSION) {
		err = EPROTO;
		snprintf(why, sizeof(why), "app.attach: unsupported protocol version (this daemon speaks %d)",
			 PA_PROTO_VERSION);
	} else if (!may_observe(d, peer)) {
		err = EPERM;
		snprintf(why, sizeof(why), "app.attach needs the right to observe: uid %u is neither root nor in "
			 "group '%s'", (unsigned)peer->uid, d->observe_group ? d->observe_group : "");
	} else if (!json_is_object(params)) {
		err = EINVAL;
		snprintf(why, sizeof(why), "app.attach: 'params' must be an object");
	} else if ((v = json_object_get(params, "pid")) && (!pa_json_u64(v, &jpid) || jpid != (uint64_t)peer->pid)) {
		err = EINVAL;
		snprintf(why, sizeof(why), "app.attach: params.pid does not match the sender's pid %d (SO_PEERCRED)",
			 (int)peer->pid);
	} else if (memfd < 0) {
		err = EINVAL;
		snprintf(why, sizeof(why), "app.attach: no memfd came with the request (SCM_RIGHTS)");
	} else if (peer->pid <= 0) {
		err = EINVAL;
		snprintf(why, sizeof(why), "app.attach: the sender's pid is unknown");
	} else if (!(a = calloc(1, sizeof(*a)))) {
		err = ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
	} else if ((r = pa_app_rings_open(memfd, (uint32_t)peer->pid, &a->r, why, sizeof(why))) < 0) {
		err = -r == ENOMEM ? ENOMEM : -r == EPROTONOSUPPORT ? EPROTO : -r == EPERM ? EPERM : EINVAL;
		if (!*why)
			snprintf(why, sizeof(why), "app.attach: %s", strerror(-r));
	}
	if (err) {
		char *reply = pa_proto_encode_error(id, err, why);

		pa_log("app.attach from pid %d (uid %u) refused: %s", (int)peer->pid, (unsigned)peer->uid, why);
		free(a);
		json_decref(o);
		return reply;
	}
	a->pid = (uint32_t)peer->pid;
	read_comm(a->pid, json_string_value(json_object_get(params, "comm")), a->comm, sizeof(a->comm));
	a->attached_ns = pa_now_ns();
	a->conn_open = true;
	refresh(a);
	a->next = g->list;
	g->list = a;
	g->n_live++;
	json_decref(o);
	pa_log("program pid %u (%s, uid %u) attached: %u event names registered", a->pid, a->comm,
	       (unsigned)peer->uid, a->now.names);
	{
		json_t *res = json_pack("{sb sI}", "attached", true, "pid", (json_int_t)a->pid);
		char *reply = pa_proto_encode_result(id, res);

		json_decref(res);
		*ret_app = a;
		return reply;
	}
}

void pa_apps_conn_closed(struct pa_daemon *d, struct pa_app *a)
{
	if (!a)
		return;
	a->conn_open = false;
	a->hup_ns = pa_now_ns();
	/*
	 * A program's socket closes as it exits, usually a moment before its
	 * pidfd says so: keep draining until it does (pa_apps_poll), for at most
	 * PA_APPS_HUP_GRACE_NS, so that the program is reported as exited.
	 */
	if (a->r && pa_app_rings_exited(a->r) == 1)
		release(d, a, "exited");
	trim(d);
}

bool pa_apps_released(const struct pa_app *a)
{
	return !a->r;
}

int pa_apps_poll_timeout_ms(const struct pa_daemon *d)
{
	if (!d->apps || !d->apps->n_live)
		return -1;
	return d->apps->last_pass >= PA_APPS_BUSY_SAMPLES ? 5 : 25;
}

void pa_apps_poll(struct pa_daemon *d)
{
	struct pa_apps *g = reg(d);

	if (!g || !g->n_live)
		return;
	g->last_pass = 0;
	for (struct pa_app *a = g->list; a; a = a->next) {
		if (!a->r)
			continue;
		g->last_pass += drain(d, a, false);
		if (*a->why)
			release(d, a, "released");
		else if (pa_app_rings_exited(a->r) == 1)
			release(d, a, "exited");
		else if (a->hup_ns && pa_now_ns() - a->hup_ns > PA_APPS_HUP_GRACE_NS)
			release(d, a, "hung up");
	}
	trim(d);
}

void pa_apps_tick(struct pa_daemon *d, uint64_t start_ns, uint64_t end_ns)
{
	struct pa_apps *g = reg(d);
	struct pa_window w;

	if (!g)
		return;
	pa_apps_poll(d);
	for (struct pa_app *a = g->list; a; a = a->next) {
		for (unsigned int e = 0; e < PERF_EVENT_ID_LIMIT; e++) {
			struct series *s = a->by_id[e];

			if (!s)
				continue;
			w.start_ns = start_ns;
			w.end_ns = end_ns;
			if (pa_stats_delta(&w.stats, &s->cum, &s->cum_prev) < 0)
				w.stats = s->cum;
			s->cum_prev = s->cum;
			if (!w.stats.hist.count && !w.stats.errors)
				continue; /* an idle window holds nothing: --last merges what is there */
			if (!s->slots) {
				s->slots = calloc(d->n_windows, sizeof(*s->slots));
				if (!s->slots || pa_window_ring_init(&s->ring, s->slots, d->n_windows) < 0) {
					free(s->slots);
					s->slots = NULL;
					continue;
				}
			}
			(void)pa_window_ring_push(&s->ring, &w);
		}
	}
}

void pa_apps_reset(struct pa_daemon *d)
{
	struct pa_apps *g = reg(d);

	if (!g)
		return;
	for (struct pa_app **pp = &g->list; *pp;) {
		struct pa_app *a = *pp;

		if (!a->r && !a->conn_open) {
			*pp = a->next;
			app_free(g, a);
			continue;
		}
		if (a->r)
			drain(d, a, true);
		refresh(a);
		a->base = a->now;
		a->untracked_base = a->untracked;
		for (unsigned int e = 0; e < PERF_EVENT_ID_LIMIT; e++) {
			struct series *s = a->by_id[e];

			if (!s)
				continue;
			pa_stats_reset(&s->cum);
			pa_stats_reset(&s->cum_prev);
			pa_stats_reset(&s->base_ref);
			s->base_ref_valid = false;
			if (s->slots)
				(void)pa_window_ring_init(&s->ring, s->slots, d->n_windows);
		}
		pp = &a->next;
	}
}

void pa_apps_mark_baseline(struct pa_daemon *d)
{
	struct pa_apps *g = reg(d);

	if (!g)
		return;
	pa_apps_poll(d);
	for (struct pa_app *a = g->list; a; a = a->next)
		for (unsigned int e = 0; e < PERF_EVENT_ID_LIMIT; e++)
			if (a->by_id[e]) {
				a->by_id[e]->base_ref = a->by_id[e]->cum;
				a->by_id[e]->base_ref_valid = true;
			}
}

static json_t *series_json(struct pa_daemon *d, struct series *s, uint64_t last_ms, bool since_baseline,
			   bool lossy)
{
	struct pa_event_summary sum;
	struct pa_stats *st = malloc(sizeof(*st));
	json_t *o;

	if (!st)
		return NULL;
	if (last_ms) {
		struct pa_window w;
		uint64_t now = pa_now_ns(), from = now > last_ms * 1000000ull ? now - last_ms * 1000000ull : 0;

		if (s->slots && pa_window_ring_summarise(&s->ring, from, now + 1, &w))
			*st = w.stats;
		else
			pa_stats_reset(st);
	} else if (!since_baseline || !s->base_ref_valid || pa_stats_delta(st, &s->cum, &s->base_ref) < 0) {
		*st = s->cum;
	}
	pa_engine_summary(d, s->event, st, &sum);
	free(st);
	sum.id = s->event;
	snprintf(sum.name, sizeof(sum.name), "%s", s->name);
	sum.has_duration = s->timed;
	sum.available = true;
	if (lossy)
		sum.completeness = PA_LOSSY;
	o = pa_proto_summary_to_json(&sum);
	if (o) {
		json_object_set_new(o, "pid", json_integer(s->app->pid));
		json_object_set_new(o, "comm", json_string(s->app->comm));
		json_object_set_new(o, "source", json_string("app"));
	}
	return o;
}

/* Events the program lost since reset: ring full, no ring, before attach, untracked (refresh first). */
static uint64_t app_lost(const struct pa_app *a)
{
	const struct pa_app_rings_stats *n = &a->now, *b = &a->base;

	return (n->dropped - b->dropped) + (n->no_ring - b->no_ring) + (n->unattached - b->unattached) +
	       (a->untracked - a->untracked_base);
}

static int by_start(const void *x, const void *y)
{
	const struct pa_window *a = *(const struct pa_window *const *)x, *b = *(const struct pa_window *const *)y;

	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

/*
 * Windows of every series of `e->name` starting at or after from_ns, merged
 * by start (every series closes its windows at the same tick). O(windows *
 * PA_HIST_BUCKETS).
 */
static int merge_windows(struct pa_apps *g, struct pa_apps_event *e, uint64_t from_ns)
{
	const struct pa_window **p = NULL;
	size_t n = 0, cap = 0;

	for (struct pa_app *a = g->list; a; a = a->next)
		for (unsigned int id = PERF_EVENT_USER_BASE; id < PERF_EVENT_ID_LIMIT; id++) {
			struct series *s = a->by_id[id];

			if (!s || !s->slots || strcmp(s->name, e->name) != 0)
				continue;
			for (uint32_t i = 0; i < s->ring.count; i++) {
				const struct pa_window *w = pa_window_ring_get(&s->ring, i);

				if (!w || w->start_ns < from_ns)
					continue;
				if (n == cap) {
					const struct pa_window **np = realloc(p, (cap = cap ? 2 * cap : 64) * sizeof(*p));

					if (!np) {
						free(p);
						return -ENOMEM;
					}
					p = np;
				}
				p[n++] = w;
			}
		}
	e->w = n ? malloc(n * sizeof(*e->w)) : NULL;
	if (n && !e->w) {
		free(p);
		return -ENOMEM;
	}
	qsort(p, n, sizeof(*p), by_start);
	for (size_t i = 0; i < n; i++) {
		struct pa_window *last = e->n_w ? &e->w[e->n_w - 1] : NULL;

		if (last && last->start_ns == p[i]->start_ns) {
			pa_stats_merge(&last->stats, &p[i]->stats);
			if (p[i]->end_ns > last->end_ns)
				last->end_ns = p[i]->end_ns;
		} else {
			e->w[e->n_w++] = *p[i];
		}
	}
	free(p);
	return 0;
}

void pa_apps_list_add(char *list, size_t n, const char *comm)
{
	size_t len = strlen(list), k = strlen(comm);

	for (const char *q = list; *q;) {
		size_t t = strcspn(q, ",");

		if (t == k && strncmp(q, comm, k) == 0)
			return;
		q += t + (q[t] == ',');
	}
	if (len + k + 2 <= n)
		snprintf(list + len, n - len, "%s%s", len ? "," : "", comm);
}

void pa_apps_events_free(struct pa_apps_event *e, int n)
{
	for (int i = 0; e && i < n; i++)
		free(e[i].w);
	free(e);
}

int pa_apps_events(struct pa_daemon *d, const char *name, uint64_t from_ns, struct pa_apps_event **ret)
{
	struct pa_apps *g = reg(d);
	struct pa_apps_event *ev = NULL;
	int n = 0, max;

	*ret = NULL;
	if (!g)
		return 0;
	pa_apps_poll(d);
	for (struct pa_app *a = g->list; a; a = a->next)
		refresh(a);
	/* At most one name per named series (one when asked for one): ~11 KiB each, so count them first. */
	max = 0;
	for (struct pa_app *a = g->list; a && max < PA_APPS_SERIES_MAX; a = a->next)
		for (unsigned int id = PERF_EVENT_USER_BASE; id < PERF_EVENT_ID_LIMIT; id++)
			max += a->by_id[id] != NULL;
	if (name && max)
		max = 1;
	if (max > PA_APPS_SERIES_MAX)
		max = PA_APPS_SERIES_MAX;
	if (!max)
		return 0;
	ev = calloc(max, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (struct pa_app *a = g->list; a; a = a->next) {
		uint64_t lost = app_lost(a);

		for (unsigned int id = PERF_EVENT_USER_BASE; id < PERF_EVENT_ID_LIMIT; id++) {
			struct series *s = a->by_id[id];
			struct pa_apps_event *e = NULL;

			if (!s || (name && strcmp(s->name, name) != 0))
				continue;
			for (int i = 0; i < n && !e; i++)
				if (strcmp(ev[i].name, s->name) == 0)
					e = &ev[i];
			if (!e) {
				if (n == max)
					continue;
				e = &ev[n++];
				snprintf(e->name, sizeof(e->name), "%s", s->name);
				pa_stats_reset(&e->cum);
			}
			pa_stats_merge(&e->cum, &s->cum);
			e->timed |= s->timed;
			e->lost += lost;
			pa_apps_list_add(e->programs, sizeof(e->programs), a->comm);
		}
	}
	for (int i = 0; i < n; i++)
		if (merge_windows(g, &ev[i], from_ns) < 0) {
			pa_apps_events_free(ev, n);
			return -ENOMEM;
		}
	*ret = ev;
	return n;
}

json_t *pa_apps_stats_json(struct pa_daemon *d, uint64_t event, uint64_t last_ms, bool since_baseline)
{
	struct pa_apps *g = reg(d);
	json_t *progs = json_array();

	if (!progs || !g)
		return progs;
	pa_apps_poll(d);
	for (struct pa_app *a = g->list; a; a = a->next)
		refresh(a);
	for (struct pa_app *a = g->list; a; a = a->next) {
		const struct pa_app_rings_stats *n = &a->now, *b = &a->base;
		uint64_t dropped = n->dropped - b->dropped, no_ring = n->no_ring - b->no_ring;
		uint64_t unattached = n->unattached - b->unattached, invalid = n->invalid - b->invalid;
		uint64_t untracked = a->untracked - a->untracked_base, lost = app_lost(a);
		bool lossy = lost != 0;
		json_t *evs = json_array(), *p;

		for (unsigned int e = 0; evs && e < PERF_EVENT_ID_LIMIT; e++)
			if (a->by_id[e] && (event == UINT64_MAX || event == e))
				json_array_append_new(evs, series_json(d, a->by_id[e], last_ms, since_baseline, lossy));
		p = json_pack("{sI ss sb sb sI sI sI sI sI sI sI sI sI sI ss so}",
			      "pid", (json_int_t)a->pid, "comm", a->comm, "attached", a->r != NULL,
			      "exited", n->exited, "threads", (json_int_t)n->threads, "names", (json_int_t)n->names,
			      "attaches", (json_int_t)n->attaches,
			      "received", (json_int_t)(n->received - b->received), "dropped", (json_int_t)dropped,
			      "no_ring", (json_int_t)no_ring, "unattached", (json_int_t)unattached,
			      "invalid", (json_int_t)invalid, "untracked", (json_int_t)untracked,
			      "lost", (json_int_t)lost,
			      "why", a->why, "events", evs);
		if (!p) {
			json_decref(progs);
			return NULL;
		}
		json_array_append_new(progs, p);
	}
	return progs;
}
