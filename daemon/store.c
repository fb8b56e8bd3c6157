/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - the daemon's durable state in SQLite: configuration, baselines
 * and the audit log, in STATE_DIR/state.db.
 *
 * WAL journal with synchronous=FULL: a change is acknowledged to the client
 * only after its transaction committed, so kill -9 (or power loss) loses
 * nothing that was acknowledged. The schema carries a version in
 * PRAGMA user_version; migrate() brings older files forward.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "alerts.h"
#include "daemon.h"

#define SCHEMA_VERSION 5

struct pa_store {
	sqlite3 *db;
};

static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value INTEGER, text TEXT);"
	"CREATE TABLE IF NOT EXISTS baselines ("
	"  id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, created_ns INTEGER, created_unix INTEGER,"
	"  env TEXT);"
	"CREATE TABLE IF NOT EXISTS baseline_events ("
	"  baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE, event INTEGER NOT NULL,"
	"  count INTEGER, errors INTEGER, total_ns INTEGER, min_ns INTEGER, max_ns INTEGER, avg_ns INTEGER,"
	"  p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, p999_ns INTEGER, last_timestamp_ns INTEGER,"
	"  dropped INTEGER, sampled_out INTEGER, lost INTEGER, samples INTEGER, completeness INTEGER,"
	"  has_duration INTEGER, available INTEGER, PRIMARY KEY (baseline_id, event));"
	"CREATE TABLE IF NOT EXISTS baseline_windows ("
	"  baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE, event INTEGER NOT NULL,"
	"  start_ns INTEGER, end_ns INTEGER, count INTEGER, total_ns INTEGER, p50_ns INTEGER, p99_ns INTEGER);"
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY, time_unix_ns INTEGER, uid INTEGER, gid INTEGER, pid INTEGER,"
	"  method TEXT, params TEXT, result TEXT);";

/* v1 -> v2 (issue 5): per-window p90, max and errors of baselines (the
 * statistical verdict's evidence), the period a baseline covers, and an index
 * to read one event's windows. Rows written by v1 keep NULL there. */
static const char schema_v2[] =
	"ALTER TABLE baseline_windows ADD COLUMN errors INTEGER;"
	"ALTER TABLE baseline_windows ADD COLUMN p90_ns INTEGER;"
	"ALTER TABLE baseline_windows ADD COLUMN max_ns INTEGER;"
	"ALTER TABLE baselines ADD COLUMN period_start_ns INTEGER;"
	"ALTER TABLE baselines ADD COLUMN period_end_ns INTEGER;"
	"CREATE INDEX IF NOT EXISTS baseline_windows_by_event ON baseline_windows (baseline_id, event, start_ns);"
	/* Window history for trend: one row per event and history interval (wall clock, survives reboots). */
	"CREATE TABLE IF NOT EXISTS history ("
	"  event INTEGER NOT NULL, start_unix_ms INTEGER NOT NULL, end_unix_ms INTEGER NOT NULL,"
	"  windows INTEGER, count INTEGER, errors INTEGER, total_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER,"
	"  p99_ns INTEGER, max_ns INTEGER, completeness INTEGER, PRIMARY KEY (event, start_unix_ms));";

/* v2 -> v3: the alert log (daemon/alerts.c), one row per transition (firing, resolved). */
static const char schema_v3[] =
	"CREATE TABLE IF NOT EXISTS alerts ("
	"  id INTEGER PRIMARY KEY, fired_id INTEGER, time_unix_ns INTEGER, window_start_ns INTEGER,"
	"  window_end_ns INTEGER, event INTEGER, event_name TEXT, metric INTEGER, state INTEGER, value REAL,"
	"  threshold REAL, quantile_ppm INTEGER, below INTEGER, completeness INTEGER, message TEXT);";

/*
 * v3 -> v4 (issue 8): program events in baselines. A program's event ids are
 * per registration, so its rows are keyed by name: `event` is a key of the
 * baseline's own >= PA_STORE_APP_KEY_BASE (never a live id), `source` is
 * 'app', `name` the event's name and `programs` the process names that
 * recorded it. Rows written before keep NULL there: kernel events, by id.
 */
static const char schema_v4[] =
	"ALTER TABLE baseline_events ADD COLUMN name TEXT;"
	"ALTER TABLE baseline_events ADD COLUMN source TEXT;"
	"ALTER TABLE baseline_events ADD COLUMN programs TEXT;";

/*
 * v4 -> v5 (issue 8): window history of programs' named events, by name (a
 * program's event ids and pids change from run to run), merged over every
 * program that recorded the name. The same figures as `history`, plus
 * whether any sample had a duration. Kernel rows stay in `history`.
 */
static const char schema_v5[] =
	"CREATE TABLE IF NOT EXISTS app_history ("
	"  name TEXT NOT NULL, start_unix_ms INTEGER NOT NULL, end_unix_ms INTEGER NOT NULL,"
	"  windows INTEGER, count INTEGER, errors INTEGER, total_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER,"
	"  p99_ns INTEGER, max_ns INTEGER, completeness INTEGER, timed INTEGER, PRIMARY KEY (name, start_unix_ms));";

static int exec(struct pa_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

int pa_store_begin(struct pa_store *s)
{
	return exec(s, "BEGIN IMMEDIATE");
}

int pa_store_commit(struct pa_store *s)
{
	return exec(s, "COMMIT");
}

void pa_store_rollback(struct pa_store *s)
{
	(void)exec(s, "ROLLBACK");
}

static int user_version(struct pa_store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct pa_store *s, char *err, size_t errlen)
{
	int v = user_version(s);
	char sql[64];

	if (v < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "state.db has schema version %d, newer than this daemon's %d; "
			 "run a newer perf-analysisd or move the file away", v, SCHEMA_VERSION);
		return -EPROTO;
	}
	if (v == SCHEMA_VERSION)
		return 0;
	if (pa_store_begin(s) < 0)
		goto fail;
	/* v0 -> v1: the initial tables. Later versions add ALTERs here, one step per version. */
	if (v < 1 && exec(s, schema_v1) < 0)
		goto fail_rollback;
	if (v < 2 && exec(s, schema_v2) < 0)
		goto fail_rollback;
	if (v < 3 && exec(s, schema_v3) < 0)
		goto fail_rollback;
	if (v < 4 && exec(s, schema_v4) < 0)
		goto fail_rollback;
	if (v < 5 && exec(s, schema_v5) < 0)
		goto fail_rollback;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (exec(s, sql) < 0 || pa_store_commit(s) < 0)
		goto fail_rollback;
	return 0;
fail_rollback:
	pa_store_rollback(s);
fail:
	snprintf(err, errlen, "cannot create the schema: %s", sqlite3_errmsg(s->db));
	return -EIO;
}

int pa_store_open(const char *state_dir, struct pa_store **ret, char *err, size_t errlen)
{
	struct pa_store *s;
	char path[4096];
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/state.db", state_dir);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		r = -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 2000);
	if (exec(s, "PRAGMA journal_mode=WAL") < 0 || exec(s, "PRAGMA synchronous=FULL") < 0 ||
	    exec(s, "PRAGMA foreign_keys=ON") < 0) {
		snprintf(err, errlen, "cannot set up %s: %s", path, sqlite3_errmsg(s->db));
		r = -EIO;
		goto fail;
	}
	r = migrate(s, err, errlen);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	pa_store_free(s);
	return r;
}

void pa_store_free(struct pa_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

static const struct {
	const char *key;
	size_t off;
} config_keys[] = {
#define K(k, f) { k, offsetof(struct pa_config, f) }
	K("sample_rate", cc.sample_rate), K("buffer_size", cc.buffer_samples), K("event_mask", cc.event_mask),
	K("filter_pid", cc.filter_tgid), K("filter_tid", cc.filter_tid),
	K("latency_threshold_us", latency_threshold_us), K("throughput_threshold", throughput_threshold),
	K("error_rate_threshold_pct", error_rate_threshold_pct),
	K("regression_threshold_pct", regression_threshold_pct),
	K("latency_quantile_ppm", latency_quantile_ppm), K("throughput_below", throughput_below),
	K("alert_event_mask", alert_event_mask), K("alert_fire_windows", alert_fire_windows),
	K("alert_resolve_windows", alert_resolve_windows), K("overhead_budget_ppm", overhead_budget_ppm),
	K("alert_min_count", alert_min_count),
	K("event_latency_us.0", event_latency_us[0]), K("event_latency_us.1", event_latency_us[1]),
	K("event_latency_us.2", event_latency_us[2]), K("event_latency_us.3", event_latency_us[3]),
	K("event_latency_us.4", event_latency_us[4]), K("event_latency_us.5", event_latency_us[5]),
	K("event_latency_us.6", event_latency_us[6]), K("event_latency_us.7", event_latency_us[7]),
	K("event_latency_us.8", event_latency_us[8]), K("event_latency_us.9", event_latency_us[9]),
	K("event_latency_us.10", event_latency_us[10]), K("event_latency_us.11", event_latency_us[11]),
#undef K
};

/*
 * Config keys of programs' thresholds (issue 8): a prefix + the event's name.
 * A throughput row's text is "below" when it alerts below the threshold.
 */
#define APP_LATENCY_KEY "app_latency_us."
#define APP_THROUGHPUT_KEY "app_throughput."
#define APP_ERROR_RATE_KEY "app_error_rate_pct."

/* Apply one program-threshold row (key, v, text) to cfg; false if the key is not one. */
static bool load_app_threshold(struct pa_config *cfg, const char *key, sqlite3_int64 v, const char *text)
{
	static const char *const prefixes[] = { APP_LATENCY_KEY, APP_THROUGHPUT_KEY, APP_ERROR_RATE_KEY };
	const struct pa_app_thresholds *cur;
	struct pa_app_thresholds t = { 0 };
	unsigned int m;

	for (m = 0; m < 3; m++)
		if (strncmp(key, prefixes[m], strlen(prefixes[m])) == 0)
			break;
	if (m == 3)
		return false;
	key += strlen(prefixes[m]);
	if (v <= 0 || v > UINT32_MAX || strlen(key) >= sizeof(t.name))
		return true;
	cur = pa_config_app(cfg, key);
	if (cur)
		t = *cur;
	snprintf(t.name, sizeof(t.name), "%s", key);
	if (m == 0) {
		t.latency_us = (uint32_t)v;
	} else if (m == 1) {
		t.throughput = (uint32_t)v;
		t.throughput_below = text && strcmp(text, "below") == 0;
	} else {
		t.error_rate_pct = v > 100 ? 100 : (uint32_t)v;
	}
	(void)pa_config_set_app(cfg, &t);
	return true;
}

int pa_store_load_config(struct pa_store *s, struct pa_config *cfg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT key, value, text FROM config", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		sqlite3_int64 v = sqlite3_column_int64(st, 1);
		const char *text = (const char *)sqlite3_column_text(st, 2);

		if (!key)
			continue;
		if (strcmp(key, "enabled") == 0)
			cfg->enabled = v != 0;
		else if (strcmp(key, "filter_children") == 0)
			cfg->cc.filter_children = v != 0;
		else if (strcmp(key, "filter_comm") == 0)
			snprintf(cfg->cc.filter_comm, sizeof(cfg->cc.filter_comm), "%s", text ? text : "");
		else if (load_app_threshold(cfg, key, v, text))
			continue;
		for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
			if (strcmp(key, config_keys[i].key) == 0)
				*(uint32_t *)((char *)cfg + config_keys[i].off) = (uint32_t)v;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int put(sqlite3_stmt *st, const char *key, sqlite3_int64 v, const char *text)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	if (text)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

int pa_store_save_config(struct pa_store *s, const struct pa_config *cfg)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO config (key, value, text) VALUES (?, ?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -EIO;
	r |= put(st, "enabled", cfg->enabled, NULL);
	r |= put(st, "filter_children", cfg->cc.filter_children, NULL);
	r |= put(st, "filter_comm", 0, cfg->cc.filter_comm);
	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
		r |= put(st, config_keys[i].key, *(const uint32_t *)((const char *)cfg + config_keys[i].off), NULL);
	/* Programs' thresholds: the set is replaced (a removed one must not come back at the next start). */
	r |= exec(s, "DELETE FROM config WHERE key LIKE '" APP_LATENCY_KEY "%' OR key LIKE '" APP_THROUGHPUT_KEY "%' "
		  "OR key LIKE '" APP_ERROR_RATE_KEY "%'");
	for (unsigned int i = 0; i < PA_CONFIG_APP_MAX; i++) {
		const struct pa_app_thresholds *t = &cfg->app[i];
		char key[96];

		if (!t->name[0])
			continue;
		snprintf(key, sizeof(key), APP_LATENCY_KEY "%s", t->name);
		if (t->latency_us)
			r |= put(st, key, t->latency_us, NULL);
		snprintf(key, sizeof(key), APP_THROUGHPUT_KEY "%s", t->name);
		if (t->throughput)
			r |= put(st, key, t->throughput, t->throughput_below ? "below" : "above");
		snprintf(key, sizeof(key), APP_ERROR_RATE_KEY "%s", t->name);
		if (t->error_rate_pct)
			r |= put(st, key, t->error_rate_pct, NULL);
	}
	sqlite3_finalize(st);
	return r ? -EIO : 0;
}

static uint64_t unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int pa_store_audit(struct pa_store *s, const struct pa_peer *who, const char *method, const char *params,
		   const char *result)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO audit (time_unix_ns, uid, gid, pid, method, params, result) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)unix_ns());
	sqlite3_bind_int64(st, 2, who->uid);
	sqlite3_bind_int64(st, 3, who->gid);
	sqlite3_bind_int64(st, 4, who->pid);
	sqlite3_bind_text(st, 5, method, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, params ? params : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, result ? result : "", -1, SQLITE_TRANSIENT);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return r;
}

json_t *pa_store_audit_list(struct pa_store *s, unsigned int limit)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	if (!a)
		return NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT time_unix_ns, uid, gid, pid, method, params, result FROM "
			       "(SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		json_decref(a);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{sI sI sI sI ss ss ss}",
				      "time_unix_ns", (json_int_t)sqlite3_column_int64(st, 0),
				      "uid", (json_int_t)sqlite3_column_int64(st, 1),
				      "gid", (json_int_t)sqlite3_column_int64(st, 2),
				      "pid", (json_int_t)sqlite3_column_int64(st, 3),
				      "method", (const char *)sqlite3_column_text(st, 4) ?: "",
				      "params", (const char *)sqlite3_column_text(st, 5) ?: "",
				      "result", (const char *)sqlite3_column_text(st, 6) ?: "");
		if (o)
			json_array_append_new(a, o);
	}
	sqlite3_finalize(st);
	return a;
}

int pa_store_save_baseline(struct pa_store *s, const char *name, uint64_t created_ns, const char *env_json,
			   uint64_t period_start_ns, uint64_t period_end_ns,
			   const struct pa_event_summary *ev, const char *const *programs, unsigned int n_ev,
			   const struct pa_baseline_window *w, unsigned int n_w)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 id;
	int r = -EIO;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM baselines WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO baselines (name, created_ns, created_unix, env, period_start_ns, "
			       "period_end_ns) VALUES (?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)created_ns);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(unix_ns() / 1000000000ull));
	sqlite3_bind_text(st, 4, env_json ? env_json : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)period_start_ns);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)period_end_ns);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO baseline_events (baseline_id, event, count, errors, total_ns, "
			       "min_ns, max_ns, avg_ns, p50_ns, p90_ns, p99_ns, p999_ns, last_timestamp_ns, dropped, "
			       "sampled_out, lost, samples, completeness, has_duration, available, name, source, programs) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	for (unsigned int i = 0; i < n_ev; i++) {
		const struct pa_event_summary *e = &ev[i];
		const uint64_t v[] = { e->count, e->errors, e->total_ns, e->min_ns, e->max_ns, e->avg_ns,
				       e->p50_ns, e->p90_ns, e->p99_ns, e->p999_ns, e->last_timestamp_ns,
				       e->dropped, e->sampled_out, e->lost, e->samples,
				       (uint64_t)e->completeness, e->has_duration, e->available };

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, e->id);
		bool app = e->id >= PA_STORE_APP_KEY_BASE;

		for (unsigned int k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			sqlite3_bind_int64(st, 3 + (int)k, (sqlite3_int64)v[k]);
		sqlite3_bind_text(st, 21, e->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 22, app ? "app" : "kernel", -1, SQLITE_STATIC);
		if (programs && programs[i])
			sqlite3_bind_text(st, 23, programs[i], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 23);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO baseline_windows (baseline_id, event, start_ns, end_ns, count, "
			       "total_ns, p50_ns, p99_ns, errors, p90_ns, max_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	for (unsigned int i = 0; i < n_w; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, w[i].event);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)w[i].start_ns);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)w[i].end_ns);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)w[i].count);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)w[i].total_ns);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)w[i].p50_ns);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)w[i].p99_ns);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)w[i].errors);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)w[i].p90_ns);
		sqlite3_bind_int64(st, 11, (sqlite3_int64)w[i].max_ns);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int pa_store_load_baseline(struct pa_store *s, const char *name, unsigned int event, struct pa_event_summary *ret,
			   uint64_t *ret_created_unix)
{
	sqlite3_stmt *st;
	struct pa_event_summary e;
	int rc, r;

	if (sqlite3_prepare_v2(s->db, "SELECT b.created_unix, e.count, e.errors, e.total_ns, e.min_ns, e.max_ns, "
			       "e.avg_ns, e.p50_ns, e.p90_ns, e.p99_ns, e.p999_ns, e.last_timestamp_ns, e.dropped, "
			       "e.sampled_out, e.lost, e.samples, e.completeness, e.has_duration, e.available, e.name "
			       "FROM baselines b LEFT JOIN baseline_events e ON e.baseline_id = b.id AND e.event = ? "
			       "WHERE b.name = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		uint64_t *f[] = { &e.count, &e.errors, &e.total_ns, &e.min_ns, &e.max_ns, &e.avg_ns, &e.p50_ns,
				  &e.p90_ns, &e.p99_ns, &e.p999_ns, &e.last_timestamp_ns, &e.dropped,
				  &e.sampled_out, &e.lost, &e.samples };

		memset(&e, 0, sizeof(e));
		e.id = event;
		for (unsigned int k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			*f[k] = (uint64_t)sqlite3_column_int64(st, 1 + (int)k);
		e.completeness = sqlite3_column_int(st, 16);
		e.has_duration = sqlite3_column_int(st, 17) != 0;
		e.available = sqlite3_column_int(st, 18) != 0;
		if (sqlite3_column_text(st, 19))
			snprintf(e.name, sizeof(e.name), "%s", (const char *)sqlite3_column_text(st, 19));
		if (ret_created_unix)
			*ret_created_unix = (uint64_t)sqlite3_column_int64(st, 0);
		*ret = e;
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : -EIO;
	}
	sqlite3_finalize(st);
	return r;
}

int pa_store_baseline_app_events(struct pa_store *s, int64_t baseline_id, struct pa_baseline_app_event **ret)
{
	struct pa_baseline_app_event *a = NULL, *na;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT event, name, coalesce(programs, '') FROM baseline_events "
			       "WHERE baseline_id = ? AND source = 'app' AND name IS NOT NULL ORDER BY event",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, baseline_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			na = realloc(a, cap * sizeof(*a));
			if (!na) {
				rc = SQLITE_NOMEM;
				break;
			}
			a = na;
		}
		a[n].key = (unsigned int)sqlite3_column_int64(st, 0);
		snprintf(a[n].name, sizeof(a[n].name), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(a[n].programs, sizeof(a[n].programs), "%s", (const char *)sqlite3_column_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(a);
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	}
	*ret = a;
	return (int)n;
}

int pa_store_count_baselines(struct pa_store *s)
{
	sqlite3_stmt *st;
	int n = -EIO;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM baselines", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int pa_store_baseline_info(struct pa_store *s, const char *name, struct pa_baseline_info *ret)
{
	sqlite3_stmt *st;
	int rc, r;

	if (sqlite3_prepare_v2(s->db, "SELECT b.id, b.created_ns, b.created_unix, b.env, b.period_start_ns, "
			       "b.period_end_ns, (SELECT count(DISTINCT start_ns) FROM baseline_windows w "
			       "WHERE w.baseline_id = b.id) FROM baselines b WHERE b.name = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *env = (const char *)sqlite3_column_text(st, 3);

		memset(ret, 0, sizeof(*ret));
		snprintf(ret->name, sizeof(ret->name), "%s", name);
		ret->id = sqlite3_column_int64(st, 0);
		ret->created_ns = (uint64_t)sqlite3_column_int64(st, 1);
		ret->created_unix = (uint64_t)sqlite3_column_int64(st, 2);
		snprintf(ret->env, sizeof(ret->env), "%s", env ? env : "{}");
		ret->period_start_ns = (uint64_t)sqlite3_column_int64(st, 4);
		ret->period_end_ns = (uint64_t)sqlite3_column_int64(st, 5);
		ret->n_windows = (uint32_t)sqlite3_column_int64(st, 6);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : -EIO;
	}
	sqlite3_finalize(st);
	return r;
}

int pa_store_baseline_windows(struct pa_store *s, int64_t baseline_id, unsigned int event,
			      struct pa_baseline_window **ret)
{
	struct pa_baseline_window *w = NULL, *nw;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT start_ns, end_ns, count, total_ns, p50_ns, p99_ns, "
			       "coalesce(errors, 0), coalesce(p90_ns, p99_ns), coalesce(max_ns, p99_ns) "
			       "FROM baseline_windows WHERE baseline_id = ? AND event = ? ORDER BY start_ns",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, baseline_id);
	sqlite3_bind_int64(st, 2, event);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nw = realloc(w, cap * sizeof(*w));
			if (!nw) {
				rc = SQLITE_NOMEM;
				break;
			}
			w = nw;
		}
		w[n].event = event;
		w[n].start_ns = (uint64_t)sqlite3_column_int64(st, 0);
		w[n].end_ns = (uint64_t)sqlite3_column_int64(st, 1);
		w[n].count = (uint64_t)sqlite3_column_int64(st, 2);
		w[n].total_ns = (uint64_t)sqlite3_column_int64(st, 3);
		w[n].p50_ns = (uint64_t)sqlite3_column_int64(st, 4);
		w[n].p99_ns = (uint64_t)sqlite3_column_int64(st, 5);
		w[n].errors = (uint64_t)sqlite3_column_int64(st, 6);
		w[n].p90_ns = (uint64_t)sqlite3_column_int64(st, 7);
		w[n].max_ns = (uint64_t)sqlite3_column_int64(st, 8);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(w);
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	}
	*ret = w;
	return (int)n;
}

json_t *pa_store_baseline_list(struct pa_store *s)
{
	sqlite3_stmt *st;
	json_t *a = json_array();
	int rc;

	if (!a)
		return NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT b.name, b.created_unix, b.env, coalesce(b.period_start_ns, 0), "
			       "coalesce(b.period_end_ns, 0), (SELECT count(DISTINCT start_ns) FROM baseline_windows w "
			       "WHERE w.baseline_id = b.id) FROM baselines b ORDER BY b.created_unix, b.id",
			       -1, &st, NULL) != SQLITE_OK) {
		json_decref(a);
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *env = (const char *)sqlite3_column_text(st, 2);
		json_t *e = env ? json_loads(env, 0, NULL) : NULL;

		json_array_append_new(a, json_pack("{ss sI so sI sI sI}",
			"name", (const char *)sqlite3_column_text(st, 0) ?: "",
			"created_unix", (json_int_t)sqlite3_column_int64(st, 1),
			"environment", e ? e : json_object(),
			"period_start_ns", (json_int_t)sqlite3_column_int64(st, 3),
			"period_end_ns", (json_int_t)sqlite3_column_int64(st, 4),
			"windows", (json_int_t)sqlite3_column_int64(st, 5)));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int pa_store_delete_baseline(struct pa_store *s, const char *name)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM baselines WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = -ENOENT;
	return r;
}

int pa_store_history_add(struct pa_store *s, const struct pa_history_row *rows, unsigned int n,
			 uint64_t delete_before_unix_ms)
{
	sqlite3_stmt *st = NULL, *app = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO app_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &app, NULL) != SQLITE_OK)
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		const struct pa_history_row *h = &rows[i];
		const uint64_t v[] = { h->event, h->start_unix_ms, h->end_unix_ms, h->windows, h->count, h->errors,
				       h->total_ns, h->p50_ns, h->p90_ns, h->p99_ns, h->max_ns, h->completeness };
		/* A program event's row: its name takes the event's place, and whether it is timed follows. */
		sqlite3_stmt *q = h->name[0] ? app : st;

		sqlite3_reset(q);
		for (unsigned int k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			sqlite3_bind_int64(q, 1 + (int)k, (sqlite3_int64)v[k]);
		if (h->name[0]) {
			sqlite3_bind_text(q, 1, h->name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(q, 13, h->timed);
		}
		if (sqlite3_step(q) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(app);
	st = app = NULL;
	if (delete_before_unix_ms) {
		static const char *const del[] = { "DELETE FROM history WHERE end_unix_ms < ?",
						   "DELETE FROM app_history WHERE end_unix_ms < ?" };

		for (unsigned int k = 0; k < 2; k++) {
			if (sqlite3_prepare_v2(s->db, del[k], -1, &st, NULL) != SQLITE_OK)
				goto out;
			sqlite3_bind_int64(st, 1, (sqlite3_int64)delete_before_unix_ms);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto out;
			sqlite3_finalize(st);
			st = NULL;
		}
	}
	r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(app);
	return r;
}

int pa_store_alert_add(struct pa_store *s, struct pa_alert *a)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO alerts (fired_id, time_unix_ns, window_start_ns, window_end_ns, "
			       "event, event_name, metric, state, value, threshold, quantile_ppm, below, completeness, "
			       "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->fired_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a->time_unix_ns);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)a->window_start_ns);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)a->window_end_ns);
	sqlite3_bind_int64(st, 5, a->event);
	sqlite3_bind_text(st, 6, a->event_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, a->metric);
	sqlite3_bind_int64(st, 8, a->state);
	sqlite3_bind_double(st, 9, a->value);
	sqlite3_bind_double(st, 10, a->threshold);
	sqlite3_bind_int64(st, 11, a->quantile_ppm);
	sqlite3_bind_int64(st, 12, a->below);
	sqlite3_bind_int64(st, 13, a->completeness);
	sqlite3_bind_text(st, 14, a->message, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	if (r == 0)
		a->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return r;
}

int pa_store_history_get(struct pa_store *s, unsigned int event, const char *name, uint64_t from_unix_ms,
			 unsigned int max_rows, struct pa_history_row **ret)
{
	struct pa_history_row *rows = NULL, *nr;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	/* The newest max_rows, oldest first. */
	if (sqlite3_prepare_v2(s->db, name ?
			       "SELECT * FROM (SELECT 0, start_unix_ms, end_unix_ms, windows, count, errors, total_ns, "
			       "p50_ns, p90_ns, p99_ns, max_ns, completeness, timed FROM app_history WHERE name = ? "
			       "AND start_unix_ms >= ? ORDER BY start_unix_ms DESC LIMIT ?) ORDER BY start_unix_ms" :
			       "SELECT * FROM (SELECT event, start_unix_ms, end_unix_ms, windows, count, errors, "
			       "total_ns, p50_ns, p90_ns, p99_ns, max_ns, completeness, 1 FROM history WHERE event = ? "
			       "AND start_unix_ms >= ? ORDER BY start_unix_ms DESC LIMIT ?) ORDER BY start_unix_ms",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from_unix_ms);
	sqlite3_bind_int64(st, 3, max_rows);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t *f;

		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			nr = realloc(rows, cap * sizeof(*rows));
			if (!nr) {
				rc = SQLITE_NOMEM;
				break;
			}
			rows = nr;
		}
		memset(&rows[n], 0, sizeof(rows[n]));
		f = &rows[n].event;
		for (int k = 0; k < 12; k++)
			f[k] = (uint64_t)sqlite3_column_int64(st, k);
		rows[n].timed = sqlite3_column_int64(st, 12) != 0;
		if (name) {
			rows[n].event = PA_STORE_APP_KEY_BASE;
			snprintf(rows[n].name, sizeof(rows[n].name), "%s", name);
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(rows);
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	}
	*ret = rows;
	return (int)n;
}

json_t *pa_store_history_app_names(struct pa_store *s, uint64_t from_unix_ms)
{
	json_t *arr = json_array();
	sqlite3_stmt *st;
	int rc;

	if (!arr || sqlite3_prepare_v2(s->db, "SELECT name, max(timed) FROM app_history WHERE start_unix_ms >= ? "
				       "GROUP BY name ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from_unix_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (json_array_append_new(arr, json_pack("{ss sb}", "name", name ? name : "", "timed",
							 sqlite3_column_int64(st, 1) != 0)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *pa_store_alert_list(struct pa_store *s, uint64_t since_id, unsigned int limit, bool from_oldest)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	if (sqlite3_prepare_v2(s->db, from_oldest ?
			       "SELECT id, fired_id, time_unix_ns, window_start_ns, window_end_ns, event, "
			       "event_name, metric, state, value, threshold, quantile_ppm, below, completeness, message "
			       "FROM alerts WHERE id > ? ORDER BY id LIMIT ?" :
			       "SELECT id, fired_id, time_unix_ns, window_start_ns, window_end_ns, event, "
			       "event_name, metric, state, value, threshold, quantile_ppm, below, completeness, message "
			       "FROM (SELECT * FROM alerts WHERE id > ? ORDER BY id DESC LIMIT ?) ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK) {
		json_decref(arr);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since_id);
	sqlite3_bind_int64(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct pa_alert a;

		memset(&a, 0, sizeof(a));
		a.id = (uint64_t)sqlite3_column_int64(st, 0);
		a.fired_id = (uint64_t)sqlite3_column_int64(st, 1);
		a.time_unix_ns = (uint64_t)sqlite3_column_int64(st, 2);
		a.window_start_ns = (uint64_t)sqlite3_column_int64(st, 3);
		a.window_end_ns = (uint64_t)sqlite3_column_int64(st, 4);
		a.event = sqlite3_column_int(st, 5);
		snprintf(a.event_name, sizeof(a.event_name), "%s", (const char *)sqlite3_column_text(st, 6) ?: "");
		a.metric = (enum pa_alert_metric)sqlite3_column_int(st, 7);
		a.state = (enum pa_alert_state)sqlite3_column_int(st, 8);
		a.value = sqlite3_column_double(st, 9);
		a.threshold = sqlite3_column_double(st, 10);
		a.quantile_ppm = (uint32_t)sqlite3_column_int64(st, 11);
		a.below = sqlite3_column_int(st, 12) != 0;
		a.completeness = sqlite3_column_int(st, 13);
		snprintf(a.message, sizeof(a.message), "%s", (const char *)sqlite3_column_text(st, 14) ?: "");
		json_array_append_new(arr, pa_alert_to_json(&a));
	}
	sqlite3_finalize(st);
	return arr;
}
