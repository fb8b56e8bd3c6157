/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proto.c - method table and JSON encoder/decoder of the perf-analysisd interface. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "proto.h"

#define P(n, t, m) { .name = n, .type = t, .max = m }
#define M(id_, n, r, p) [id_] = { .name = n, .right = r, .params = p, .n_params = sizeof(p) / sizeof(p[0]) }
#define M0(id_, n, r) [id_] = { .name = n, .right = r, .params = NULL, .n_params = 0 }

static const struct pa_param_def enable_params[] = {
	P("enabled", PA_PT_BOOL, 0),
};
static const struct pa_param_def configure_params[] = {
	P("sample_rate", PA_PT_UINT, 1000000),
	P("buffer_size", PA_PT_UINT, 4194304),
	P("event_mask", PA_PT_UINT, (1u << PERF_EVENT_MAX) - 1),
	P("filter_pid", PA_PT_UINT, UINT32_MAX),
	P("filter_children", PA_PT_BOOL, 0),
	P("filter_tid", PA_PT_UINT, UINT32_MAX),
	P("filter_comm", PA_PT_STRING, 15),
	P("latency_threshold_us", PA_PT_UINT, UINT32_MAX),
	P("throughput_threshold", PA_PT_UINT, UINT32_MAX),
	P("error_rate_threshold_pct", PA_PT_UINT, 100),
	P("regression_threshold_pct", PA_PT_UINT, 10000),
	/* alerts and overhead budget (daemon/alerts.c) */
	P("latency_event", PA_PT_EVENT, 0),
	P("latency_event_name", PA_PT_STRING, 47), /* a program event, by name (issue 8) */
	P("throughput_event_name", PA_PT_STRING, 47),
	P("error_rate_event_name", PA_PT_STRING, 47),
	P("latency_quantile_ppm", PA_PT_UINT, 1000000),
	P("throughput_below", PA_PT_BOOL, 0),
	P("alert_event_mask", PA_PT_UINT, (1u << PERF_EVENT_MAX) - 1),
	P("alert_fire_windows", PA_PT_UINT, 3600),
	P("alert_resolve_windows", PA_PT_UINT, 3600),
	P("alert_min_count", PA_PT_UINT, 1000000000),
	P("overhead_budget_ppm", PA_PT_UINT, 1000000),
};
static const struct pa_param_def stats_params[] = {
	P("event", PA_PT_EVENT, 0),
	P("last_ms", PA_PT_UINT, 86400000),
	P("since_baseline", PA_PT_BOOL, 0),
};
static const struct pa_param_def baseline_params[] = {
	P("name", PA_PT_STRING, 63),
	P("last_ms", PA_PT_UINT, 86400000),
};
static const struct pa_param_def baseline_name_params[] = {
	P("name", PA_PT_STRING, 63),
};
static const struct pa_param_def check_params[] = {
	P("event", PA_PT_EVENT, 0),
	P("event_name", PA_PT_STRING, 47), /* a program event, by name (issue 8) */
	P("threshold_pct", PA_PT_UINT, 10000),
	P("baseline", PA_PT_STRING, 63),
	P("last_ms", PA_PT_UINT, 86400000),
	P("min_windows", PA_PT_UINT, 1000),
};
static const struct pa_param_def trend_params[] = {
	P("event", PA_PT_EVENT, 0),
	P("event_name", PA_PT_STRING, 47), /* a program event, by name (issue 8) */
	P("metric", PA_PT_STRING, 8),
	P("last_ms", PA_PT_UINT, 315360000000ull),
	P("max_points", PA_PT_UINT, 100000),
	P("min_segment", PA_PT_UINT, 1000),
};
static const struct pa_param_def samples_params[] = {
	P("max", PA_PT_UINT, 65536),
};
static const struct pa_param_def audit_params[] = {
	P("limit", PA_PT_UINT, 10000),
};

static const struct pa_param_def alerts_params[] = {
	P("since_id", PA_PT_UINT, INT64_MAX),
	P("limit", PA_PT_UINT, 100000),
	P("from_oldest", PA_PT_BOOL, 0),
};
static const struct pa_param_def top_params[] = {
	P("by", PA_PT_STRING, 31),
	P("n", PA_PT_UINT, 100000),
	P("threads", PA_PT_BOOL, 0),
	P("pid", PA_PT_UINT, UINT32_MAX),
};
static const struct pa_param_def correlate_params[] = {
	P("n", PA_PT_UINT, 100000),
	P("pid", PA_PT_UINT, UINT32_MAX),
};

static const struct pa_method_def methods[PA_METHOD_MAX] = {
	M0(PA_M_STATUS, "status", PA_RIGHT_OBSERVE),
	M0(PA_M_EVENTS, "events", PA_RIGHT_OBSERVE),
	M(PA_M_ENABLE, "enable", PA_RIGHT_CONFIGURE, enable_params),
	M(PA_M_CONFIGURE, "configure", PA_RIGHT_CONFIGURE, configure_params),
	M(PA_M_STATS, "stats", PA_RIGHT_OBSERVE, stats_params),
	M0(PA_M_RESET, "reset", PA_RIGHT_CONFIGURE),
	M(PA_M_BASELINE, "baseline", PA_RIGHT_CONFIGURE, baseline_params),
	M(PA_M_CHECK_REGRESSION, "check_regression", PA_RIGHT_OBSERVE, check_params),
	M(PA_M_SAMPLES, "samples", PA_RIGHT_OBSERVE, samples_params),
	M(PA_M_AUDIT, "audit", PA_RIGHT_OBSERVE, audit_params),
	M0(PA_M_BASELINES, "baselines", PA_RIGHT_OBSERVE),
	M(PA_M_BASELINE_SHOW, "baseline_show", PA_RIGHT_OBSERVE, baseline_name_params),
	M(PA_M_BASELINE_DELETE, "baseline_delete", PA_RIGHT_CONFIGURE, baseline_name_params),
	M(PA_M_TREND, "trend", PA_RIGHT_OBSERVE, trend_params),
	M(PA_M_ALERTS, "alerts", PA_RIGHT_OBSERVE, alerts_params),
	M(PA_M_TOP, "top", PA_RIGHT_OBSERVE, top_params),
	M(PA_M_CORRELATE, "correlate", PA_RIGHT_OBSERVE, correlate_params),
};

const struct pa_method_def *pa_proto_method(unsigned int m)
{
	return m < PA_METHOD_MAX ? &methods[m] : NULL;
}

int pa_proto_method_lookup(const char *name)
{
	for (unsigned int i = 0; i < PA_METHOD_MAX; i++)
		if (strcmp(methods[i].name, name) == 0)
			return (int)i;
	return -ENOSYS;
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" }, { EACCES, "EACCES" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
	{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" }, { ENODATA, "ENODATA" }, { EPROTO, "EPROTO" },
	{ EBADMSG, "EBADMSG" }, { EMSGSIZE, "EMSGSIZE" }, { ENOMEM, "ENOMEM" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" }, { EAGAIN, "EAGAIN" },
};

const char *pa_proto_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EIO";
}

int pa_proto_errno_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].err;
	return EIO;
}

static int fail(struct pa_proto_error *err, int e, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->err = e;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -e;
}

bool pa_json_u64(json_t *v, uint64_t *ret)
{
	json_int_t i;

	if (!json_is_integer(v))
		return false;
	i = json_integer_value(v);
	if (i < 0)
		return false;
	*ret = (uint64_t)i;
	return true;
}

static const char *type_name(enum pa_param_type t)
{
	switch (t) {
	case PA_PT_BOOL: return "a boolean";
	case PA_PT_UINT: return "a non-negative integer";
	case PA_PT_STRING: return "a string";
	case PA_PT_EVENT: return "an event id or name";
	default: return "?";
	}
}

/* Validate one param in place; event names are replaced by their integer id. */
static int check_param(const struct pa_method_def *m, const struct pa_param_def *p, json_t *params,
		       json_t *v, struct pa_proto_error *err)
{
	uint64_t u;

	switch (p->type) {
	case PA_PT_BOOL:
		if (!json_is_boolean(v))
			goto wrong_type;
		return 0;
	case PA_PT_UINT:
		if (!pa_json_u64(v, &u))
			goto wrong_type;
		if (u > p->max)
			return fail(err, EINVAL, "%s: parameter '%s' is %llu, above its maximum %llu", m->name,
				    p->name, (unsigned long long)u, (unsigned long long)p->max);
		return 0;
	case PA_PT_STRING:
		if (!json_is_string(v))
			goto wrong_type;
		if (json_string_length(v) > p->max || strlen(json_string_value(v)) != json_string_length(v))
			return fail(err, EINVAL, "%s: parameter '%s' must be at most %llu bytes without NUL",
				    m->name, p->name, (unsigned long long)p->max);
		return 0;
	case PA_PT_EVENT: {
		int id;

		if (json_is_integer(v)) {
			if (!pa_json_u64(v, &u) || u >= PERF_EVENT_ID_LIMIT)
				return fail(err, EINVAL, "%s: event id %lld is out of range 0-%d", m->name,
					    (long long)json_integer_value(v), PERF_EVENT_ID_LIMIT - 1);
			if (u >= PERF_EVENT_MAX && u < PERF_EVENT_USER_BASE)
				return fail(err, EINVAL, "%s: event id %llu is reserved (built-in events are 0-%d)",
					    m->name, (unsigned long long)u, PERF_EVENT_MAX - 1);
			return 0;
		}
		if (!json_is_string(v))
			goto wrong_type;
		id = pa_event_lookup(NULL, json_string_value(v));
		if (id < 0)
			return fail(err, EINVAL, "%s: unknown event '%.64s' (see: perf-analysis events)", m->name,
				    json_string_value(v));
		if (json_object_set_new(params, p->name, json_integer(id)) < 0)
			return fail(err, ENOMEM, "out of memory");
		return 0;
	}
	default:
		break;
	}
wrong_type:
	return fail(err, EINVAL, "%s: parameter '%s' must be %s", m->name, p->name, type_name(p->type));
}

int pa_proto_decode_request(const char *buf, size_t len, struct pa_request *ret, struct pa_proto_error *err)
{
	json_error_t jerr;
	json_t *root, *v, *params = NULL;
	const struct pa_method_def *m;
	const char *key;
	uint64_t version;
	int r, mi;

	ret->id = 0;
	ret->method = -1;
	ret->params = NULL;
	if (len >= PA_PROTO_MAX_REQUEST)
		return fail(err, EMSGSIZE, "request of %zu bytes exceeds the limit of %u", len, PA_PROTO_MAX_REQUEST - 1);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, EBADMSG, "malformed JSON at byte %d: %s", jerr.position, jerr.text);
	if (!json_is_object(root)) {
		r = fail(err, EBADMSG, "a request must be a JSON object");
		goto out;
	}
	v = json_object_get(root, "id");
	if (!pa_json_u64(v, &ret->id)) {
		ret->id = 0;
		r = fail(err, EBADMSG, "request lacks \"id\" (a non-negative integer)");
		goto out;
	}
	v = json_object_get(root, "v");
	if (!pa_json_u64(v, &version)) {
		r = fail(err, EBADMSG, "request lacks \"v\" (the protocol version, %d)", PA_PROTO_VERSION);
		goto out;
	}
	if (version != PA_PROTO_VERSION) {
		r = fail(err, EPROTO, "protocol version %llu is not supported; this daemon speaks version %d",
			 (unsigned long long)version, PA_PROTO_VERSION);
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "v") && strcmp(key, "id") && strcmp(key, "method") && strcmp(key, "params")) {
			r = fail(err, EBADMSG, "unknown member \"%.64s\" in request", key);
			goto out;
		}
	}
	v = json_object_get(root, "method");
	if (!json_is_string(v)) {
		r = fail(err, EBADMSG, "request lacks \"method\" (a string)");
		goto out;
	}
	mi = pa_proto_method_lookup(json_string_value(v));
	if (mi < 0) {
		r = fail(err, ENOSYS, "unknown method '%.64s' (protocol version %d)", json_string_value(v),
			 PA_PROTO_VERSION);
		goto out;
	}
	m = &methods[mi];
	v = json_object_get(root, "params");
	if (v && !json_is_object(v) && !json_is_null(v)) {
		r = fail(err, EINVAL, "%s: \"params\" must be an object", m->name);
		goto out;
	}
	params = json_is_object(v) ? json_deep_copy(v) : json_object();
	if (!params) {
		r = fail(err, ENOMEM, "out of memory");
		goto out;
	}
	json_object_foreach(params, key, v) {
		const struct pa_param_def *p = NULL;

		for (unsigned int i = 0; i < m->n_params; i++)
			if (strcmp(m->params[i].name, key) == 0)
				p = &m->params[i];
		if (!p) {
			r = fail(err, EINVAL, "%s: unknown parameter '%.64s'", m->name, key);
			goto out;
		}
		r = check_param(m, p, params, v, err);
		if (r < 0)
			goto out;
	}
	ret->method = mi;
	ret->params = params;
	params = NULL;
	r = 0;
out:
	json_decref(params);
	json_decref(root);
	return r;
}

void pa_request_done(struct pa_request *r)
{
	if (!r)
		return;
	json_decref(r->params);
	r->params = NULL;
	r->method = -1;
}

bool pa_param_bool(const struct pa_request *r, const char *name, bool *ret)
{
	json_t *v = r->params ? json_object_get(r->params, name) : NULL;

	if (!json_is_boolean(v))
		return false;
	*ret = json_is_true(v);
	return true;
}

bool pa_param_uint(const struct pa_request *r, const char *name, uint64_t *ret)
{
	return r->params && pa_json_u64(json_object_get(r->params, name), ret);
}

bool pa_param_string(const struct pa_request *r, const char *name, const char **ret)
{
	json_t *v = r->params ? json_object_get(r->params, name) : NULL;

	if (!json_is_string(v))
		return false;
	*ret = json_string_value(v);
	return true;
}

/* Serialise `o` (stolen) as one line. */
static char *line(json_t *o)
{
	char *s, *l;
	size_t n;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return NULL;
	n = strlen(s);
	l = realloc(s, n + 2);
	if (!l) {
		free(s);
		return NULL;
	}
	l[n] = '\n';
	l[n + 1] = '\0';
	return l;
}

static json_t *or_empty(json_t *o)
{
	return o ? json_incref(o) : json_object();
}

char *pa_proto_encode_request(uint64_t id, const char *method, json_t *params)
{
	return line(json_pack("{sI sI ss so}", "v", (json_int_t)PA_PROTO_VERSION, "id", (json_int_t)id,
			      "method", method, "params", or_empty(params)));
}

char *pa_proto_encode_result(uint64_t id, json_t *result)
{
	return line(json_pack("{sI sI so}", "v", (json_int_t)PA_PROTO_VERSION, "id", (json_int_t)id,
			      "result", or_empty(result)));
}

char *pa_proto_encode_error(uint64_t id, int err, const char *message)
{
	return line(json_pack("{sI sI s{ss si ss}}", "v", (json_int_t)PA_PROTO_VERSION, "id", (json_int_t)id,
			      "error", "code", pa_proto_errno_name(err), "errno", err, "message",
			      message ? message : ""));
}

int pa_proto_decode_reply(const char *buf, size_t len, uint64_t *ret_id, json_t **ret_result,
			  struct pa_proto_error *err)
{
	json_error_t jerr;
	json_t *root, *v, *e;
	int r;

	root = json_loadb(buf, len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(err, EBADMSG, "malformed reply from the daemon: %s", root ? "not an object" : jerr.text);
	}
	if (ret_id && !pa_json_u64(json_object_get(root, "id"), ret_id))
		*ret_id = 0;
	e = json_object_get(root, "error");
	v = json_object_get(root, "result");
	if (json_is_object(e)) {
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));

		r = fail(err, pa_proto_errno_from_name(code), "%s", msg ? msg : "error without message");
	} else if (json_is_object(v)) {
		*ret_result = json_incref(v);
		r = 0;
	} else {
		r = fail(err, EBADMSG, "malformed reply from the daemon: neither result nor error");
	}
	json_decref(root);
	return r;
}

static const char *const completeness_names[] = { "complete", "sampled", "lossy" };

json_t *pa_proto_summary_to_json(const struct pa_event_summary *s)
{
	int c = s->completeness >= 0 && s->completeness < 3 ? s->completeness : 2;

	return json_pack("{sI ss sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI ss sb sb}",
			 "id", (json_int_t)s->id, "name", s->name,
			 "count", (json_int_t)s->count, "errors", (json_int_t)s->errors,
			 "total_ns", (json_int_t)s->total_ns, "min_ns", (json_int_t)s->min_ns,
			 "max_ns", (json_int_t)s->max_ns, "avg_ns", (json_int_t)s->avg_ns,
			 "p50_ns", (json_int_t)s->p50_ns, "p90_ns", (json_int_t)s->p90_ns,
			 "p99_ns", (json_int_t)s->p99_ns, "p999_ns", (json_int_t)s->p999_ns,
			 "last_timestamp_ns", (json_int_t)s->last_timestamp_ns,
			 "dropped", (json_int_t)s->dropped, "sampled_out", (json_int_t)s->sampled_out,
			 "lost", (json_int_t)s->lost, "samples", (json_int_t)s->samples,
			 "completeness", completeness_names[c],
			 "has_duration", s->has_duration, "available", s->available);
}

int pa_proto_summary_from_json(json_t *o, struct pa_event_summary *ret)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
#define F(f) { #f, offsetof(struct pa_event_summary, f) }
		F(count), F(errors), F(total_ns), F(min_ns), F(max_ns), F(avg_ns), F(p50_ns), F(p90_ns),
		F(p99_ns), F(p999_ns), F(last_timestamp_ns), F(dropped), F(sampled_out), F(lost), F(samples),
#undef F
	};
	struct pa_event_summary s;
	const char *name, *comp;
	uint64_t id;

	memset(&s, 0, sizeof(s));
	if (!json_is_object(o) || !pa_json_u64(json_object_get(o, "id"), &id))
		return -EBADMSG;
	s.id = (unsigned int)id;
	name = json_string_value(json_object_get(o, "name"));
	snprintf(s.name, sizeof(s.name), "%s", name ? name : "");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!pa_json_u64(json_object_get(o, fields[i].name), (uint64_t *)((char *)&s + fields[i].off)))
			return -EBADMSG;
	comp = json_string_value(json_object_get(o, "completeness"));
	s.completeness = 2;
	for (int i = 0; comp && i < 3; i++)
		if (strcmp(comp, completeness_names[i]) == 0)
			s.completeness = i;
	s.has_duration = json_is_true(json_object_get(o, "has_duration"));
	s.available = json_is_true(json_object_get(o, "available"));
	*ret = s;
	return 0;
}
