/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client.c - libperfanalysis: the seed's perf_monitor API over the daemon's
 * Unix socket.
 *
 * One connection per handle, made on first use and remade after a failure,
 * so a handle outlives daemon restarts. Calls on a handle are serialised by
 * its mutex; different handles are independent. A call writes one request
 * line and reads one reply line, each under the handle's timeout (poll).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "perf-analysis/perf_monitor.h"
#include "proto.h"

#define DEFAULT_SOCKET "/run/perf-analysis/perf-analysisd.sock"

struct perf_host {
	pthread_mutex_t lock;
	int fd;
	uint64_t next_id;
	unsigned int timeout_ms;
	char path[108];
	char *buf;           /* bytes received past the last reply */
	size_t buf_len, buf_cap;
	char error[320];
};

int perf_host_open(const char *socket_path, perf_host_t **ret)
{
	struct perf_host *h;

	if (!socket_path || !*socket_path)
		socket_path = getenv("PERF_ANALYSIS_SOCKET");
	if (!socket_path || !*socket_path)
		socket_path = DEFAULT_SOCKET;
	if (strlen(socket_path) >= sizeof(h->path))
		return -ENAMETOOLONG;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->fd = -1;
	h->next_id = 1;
	h->timeout_ms = 10000;
	snprintf(h->path, sizeof(h->path), "%s", socket_path);
	*ret = h;
	return 0;
}

static void disconnect(struct perf_host *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->buf_len = 0;
}

void perf_host_close(perf_host_t *h)
{
	if (!h || h == perf_host_self())
		return;
	disconnect(h);
	free(h->buf);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static perf_host_t *self_host;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void self_init(void)
{
	if (perf_host_open(NULL, &self_host) < 0)
		self_host = NULL;
}

perf_host_t *perf_host_self(void)
{
	pthread_once(&self_once, self_init);
	return self_host;
}

void perf_host_set_timeout(perf_host_t *h, unsigned int timeout_ms)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->timeout_ms = timeout_ms ? timeout_ms : 1;
	pthread_mutex_unlock(&h->lock);
}

const char *perf_host_last_error(perf_host_t *h)
{
	return h ? h->error : "no handle (out of memory)";
}

static int set_error(struct perf_host *h, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_error(struct perf_host *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	return -err;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int do_connect(struct perf_host *h)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, e;

	if (h->fd >= 0)
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_error(h, errno, "cannot create a socket: %s", strerror(errno));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", h->path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		e = errno;
		close(fd);
		if (e == EACCES || e == EPERM)
			return set_error(h, EACCES, "cannot connect to %s: permission denied (ask an administrator "
					 "for access to the socket)", h->path);
		return set_error(h, ECONNREFUSED, "cannot connect to %s: %s (start it with: perf-analysisd)", h->path,
				 e == ENOENT ? "no daemon is listening" : strerror(e));
	}
	h->fd = fd;
	h->buf_len = 0;
	return 0;
}

static int wait_fd(struct perf_host *h, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = h->fd, .events = events };
	uint64_t now = now_ms();
	int r;

	if (now >= deadline)
		return -ETIMEDOUT;
	r = poll(&p, 1, (int)(deadline - now));
	if (r == 0)
		return -ETIMEDOUT;
	return r < 0 ? -errno : 0;
}

/* One round trip; on success *ret_result holds the reply's result. Caller holds the lock. */
static int call_locked(struct perf_host *h, const char *method, json_t *params, json_t **ret_result)
{
	uint64_t id = h->next_id++, deadline = now_ms() + h->timeout_ms, rid;
	struct pa_proto_error perr;
	char *req, *nl;
	size_t off = 0, len;
	int r;

	h->error[0] = '\0';
	r = do_connect(h);
	if (r < 0)
		return r;
	req = pa_proto_encode_request(id, method, params);
	if (!req)
		return set_error(h, ENOMEM, "out of memory");
	len = strlen(req);
	while (off < len) {
		ssize_t w = send(h->fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EAGAIN && (r = wait_fd(h, POLLOUT, deadline)) == 0)
			continue;
		if (w < 0) {
			free(req);
			disconnect(h);
			if (r == -ETIMEDOUT)
				return set_error(h, ETIMEDOUT, "the daemon at %s did not take the request within %u ms",
						 h->path, h->timeout_ms);
			return set_error(h, ECONNRESET, "connection to %s broke: %s (is perf-analysisd running?)",
					 h->path, strerror(errno));
		}
		off += (size_t)w;
	}
	free(req);
	for (;;) {
		ssize_t n;

		nl = h->buf_len ? memchr(h->buf, '\n', h->buf_len) : NULL;
		if (nl)
			break;
		if (h->buf_len >= PA_PROTO_MAX_REPLY) {
			disconnect(h);
			return set_error(h, EBADMSG, "reply from %s exceeds %u bytes", h->path, PA_PROTO_MAX_REPLY);
		}
		if (h->buf_cap - h->buf_len < 65536) {
			size_t cap = h->buf_cap ? h->buf_cap * 2 : 131072;
			char *p = realloc(h->buf, cap);

			if (!p)
				return set_error(h, ENOMEM, "out of memory");
			h->buf = p;
			h->buf_cap = cap;
		}
		r = wait_fd(h, POLLIN, deadline);
		if (r < 0) {
			disconnect(h);
			return set_error(h, -r, "no reply from the daemon at %s within %u ms", h->path, h->timeout_ms);
		}
		n = recv(h->fd, h->buf + h->buf_len, h->buf_cap - h->buf_len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			disconnect(h);
			return set_error(h, ECONNRESET, "the daemon at %s closed the connection (did it stop?)", h->path);
		}
		if (n > 0)
			h->buf_len += (size_t)n;
	}
	len = (size_t)(nl - h->buf);
	r = pa_proto_decode_reply(h->buf, len, &rid, ret_result, &perr);
	memmove(h->buf, nl + 1, h->buf_len - len - 1);
	h->buf_len -= len + 1;
	if (r < 0) {
		if (r == -EBADMSG || rid != id)
			disconnect(h);
		return set_error(h, perr.err, "%s", perr.message);
	}
	if (rid != id) {
		json_decref(*ret_result);
		disconnect(h);
		return set_error(h, EBADMSG, "reply id %llu does not match request %llu", (unsigned long long)rid,
				 (unsigned long long)id);
	}
	return 0;
}

/* Call `method`; params is stolen (may be NULL). */
static int call(perf_host_t *h, const char *method, json_t *params, json_t **ret_result)
{
	json_t *result = NULL;
	int r;

	if (!h) {
		json_decref(params);
		return -ENOMEM;
	}
	pthread_mutex_lock(&h->lock);
	r = call_locked(h, method, params, &result);
	/* A connection that died since the last call (daemon restarted): reconnect once. */
	if (r == -ECONNRESET) {
		disconnect(h);
		r = call_locked(h, method, params, &result);
	}
	pthread_mutex_unlock(&h->lock);
	json_decref(params);
	if (r == 0 && ret_result)
		*ret_result = result;
	else
		json_decref(result);
	return r;
}

kern_return_t perf_host_call(perf_host_t *h, const char *method, const char *params_json, char **ret_result_json)
{
	json_t *params = NULL, *result = NULL;
	char *s;
	int r;

	if (!method)
		return -EINVAL;
	if (params_json) {
		params = json_loads(params_json, 0, NULL);
		if (!json_is_object(params)) {
			json_decref(params);
			if (h)
				set_error(h, EINVAL, "params must be a JSON object");
			return -EINVAL;
		}
	}
	r = call(h, method, params, &result);
	if (r < 0)
		return r;
	s = json_dumps(result, JSON_COMPACT);
	json_decref(result);
	if (!s)
		return -ENOMEM;
	if (ret_result_json)
		*ret_result_json = s;
	else
		free(s);
	return 0;
}

kern_return_t perf_monitor_enable(perf_host_t *h, boolean_t enable)
{
	return call(h, "enable", json_pack("{sb}", "enabled", enable ? 1 : 0), NULL);
}

kern_return_t perf_monitor_configure(perf_host_t *h, uint32_t sample_rate, uint32_t buffer_size)
{
	return call(h, "configure", json_pack("{sI sI}", "sample_rate", (json_int_t)sample_rate, "buffer_size",
					      (json_int_t)buffer_size), NULL);
}

kern_return_t perf_monitor_configure_ex(perf_host_t *h, const struct perf_monitor_config *c)
{
	json_t *p = json_object();

	if (!c)
		return -EINVAL;
#define U(bit, key, v) if (c->set & (bit)) json_object_set_new(p, key, json_integer((json_int_t)(v)))
	U(PERF_CONFIG_SAMPLE_RATE, "sample_rate", c->sample_rate);
	U(PERF_CONFIG_BUFFER_SIZE, "buffer_size", c->buffer_size);
	U(PERF_CONFIG_EVENT_MASK, "event_mask", c->event_mask);
	U(PERF_CONFIG_FILTER_PID, "filter_pid", c->filter_pid);
	U(PERF_CONFIG_FILTER_TID, "filter_tid", c->filter_tid);
	U(PERF_CONFIG_LATENCY_THRESHOLD, "latency_threshold_us", c->latency_threshold_us);
	U(PERF_CONFIG_THROUGHPUT_THRESHOLD, "throughput_threshold", c->throughput_threshold);
	U(PERF_CONFIG_ERROR_RATE_THRESHOLD, "error_rate_threshold_pct", c->error_rate_threshold_pct);
	U(PERF_CONFIG_REGRESSION_THRESHOLD, "regression_threshold_pct", c->regression_threshold_pct);
#undef U
	if (c->set & PERF_CONFIG_FILTER_CHILDREN)
		json_object_set_new(p, "filter_children", json_boolean(c->filter_children));
	if (c->set & PERF_CONFIG_FILTER_COMM)
		json_object_set_new(p, "filter_comm", json_stringn(c->filter_comm, strnlen(c->filter_comm, 15)));
	return call(h, "configure", p, NULL);
}

kern_return_t perf_monitor_reset(perf_host_t *h)
{
	return call(h, "reset", NULL, NULL);
}

kern_return_t perf_get_event_stats_struct(perf_host_t *h, unsigned int event, struct perf_event_stats_user *ret)
{
	struct pa_event_summary s;
	json_t *result = NULL;
	int r;

	if (!ret)
		return -EINVAL;
	r = call(h, "stats", json_pack("{sI}", "event", (json_int_t)event), &result);
	if (r < 0)
		return r;
	r = pa_proto_summary_from_json(json_array_get(json_object_get(result, "events"), 0), &s);
	json_decref(result);
	if (r < 0)
		return set_error(h, EBADMSG, "malformed stats reply from the daemon");
	memset(ret, 0, sizeof(*ret));
	ret->count = s.count;
	ret->total_time_us = s.total_ns / 1000;
	ret->min_time_us = s.min_ns / 1000;
	ret->max_time_us = s.max_ns / 1000;
	ret->avg_time_us = s.avg_ns / 1000;
	ret->last_timestamp = s.last_timestamp_ns;
	ret->errors = s.errors;
	ret->total_ns = s.total_ns;
	ret->min_ns = s.min_ns;
	ret->max_ns = s.max_ns;
	ret->avg_ns = s.avg_ns;
	ret->p50_ns = s.p50_ns;
	ret->p90_ns = s.p90_ns;
	ret->p99_ns = s.p99_ns;
	ret->p999_ns = s.p999_ns;
	ret->dropped = s.dropped;
	ret->sampled_out = s.sampled_out;
	ret->lost = s.lost;
	ret->completeness = s.completeness;
	ret->has_duration = s.has_duration;
	ret->available = s.available;
	return 0;
}

kern_return_t perf_get_event_stats_values(perf_host_t *h, unsigned int event, uint64_t *count,
					  uint64_t *total_time, uint64_t *min_time, uint64_t *max_time,
					  uint64_t *avg_time, uint64_t *last_timestamp)
{
	struct perf_event_stats_user s;
	int r = perf_get_event_stats_struct(h, event, &s);

	if (r < 0)
		return r;
	if (count)
		*count = s.count;
	if (total_time)
		*total_time = s.total_time_us;
	if (min_time)
		*min_time = s.min_time_us;
	if (max_time)
		*max_time = s.max_time_us;
	if (avg_time)
		*avg_time = s.avg_time_us;
	if (last_timestamp)
		*last_timestamp = s.last_timestamp;
	return 0;
}

kern_return_t perf_set_baseline_named(perf_host_t *h, const char *name)
{
	return call(h, "baseline", name ? json_pack("{ss}", "name", name) : NULL, NULL);
}

kern_return_t perf_set_baseline(perf_host_t *h)
{
	return perf_set_baseline_named(h, NULL);
}

static int completeness_of(json_t *v)
{
	const char *s = json_string_value(v);

	if (s && strcmp(s, "complete") == 0)
		return PERF_COMPLETE;
	if (s && strcmp(s, "sampled") == 0)
		return PERF_SAMPLED;
	return PERF_LOSSY;
}

kern_return_t perf_check_regression_verdict(perf_host_t *h, unsigned int event, uint32_t threshold_pct,
					    const char *baseline, struct perf_regression_verdict *ret)
{
	json_t *p = json_pack("{sI sI}", "event", (json_int_t)event, "threshold_pct", (json_int_t)threshold_pct);
	json_t *res = NULL;
	const char *v, *reason;
	uint64_t u;
	int r;

	if (!ret) {
		json_decref(p);
		return -EINVAL;
	}
	if (baseline)
		json_object_set_new(p, "baseline", json_string(baseline));
	r = call(h, "check_regression", p, &res);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	v = json_string_value(json_object_get(res, "verdict"));
	ret->verdict = v && strcmp(v, "REGRESSION") == 0 ? PERF_VERDICT_REGRESSION :
		       v && strcmp(v, "OK") == 0 ? PERF_VERDICT_OK : PERF_VERDICT_INCONCLUSIVE;
	ret->change_pct = json_number_value(json_object_get(res, "change_pct"));
	if (pa_json_u64(json_object_get(res, "baseline_avg_ns"), &u))
		ret->baseline_avg_ns = u;
	if (pa_json_u64(json_object_get(res, "current_avg_ns"), &u))
		ret->current_avg_ns = u;
	if (pa_json_u64(json_object_get(res, "baseline_count"), &u))
		ret->baseline_count = u;
	if (pa_json_u64(json_object_get(res, "current_count"), &u))
		ret->current_count = u;
	ret->completeness = completeness_of(json_object_get(res, "completeness"));
	reason = json_string_value(json_object_get(res, "reason"));
	snprintf(ret->reason, sizeof(ret->reason), "%s", reason ? reason : "");
	{
		json_t *m = json_array_get(json_object_get(res, "metrics"), 0); /* p50 */

		ret->ci_valid = json_is_true(json_object_get(m, "ci_valid"));
		ret->ci_lo_pct = json_number_value(json_object_get(m, "ci_lo_pct"));
		ret->ci_hi_pct = json_number_value(json_object_get(m, "ci_hi_pct"));
		ret->p_value = m ? json_number_value(json_object_get(m, "p_adjusted")) : 1.0;
		if (pa_json_u64(json_object_get(res, "baseline_windows"), &u))
			ret->baseline_windows = (unsigned int)u;
		if (pa_json_u64(json_object_get(res, "current_windows"), &u))
			ret->current_windows = (unsigned int)u;
		if (pa_json_u64(json_object_get(res, "more_windows"), &u))
			ret->more_windows = (unsigned int)u;
		ret->environment_match = !json_is_false(json_object_get(json_object_get(res, "environment"), "match"));
	}
	json_decref(res);
	return 0;
}

kern_return_t perf_check_regression(perf_host_t *h, unsigned int event, uint32_t threshold_pct,
				    boolean_t *regression)
{
	struct perf_regression_verdict v;
	int r;

	if (!regression)
		return -EINVAL;
	r = perf_check_regression_verdict(h, event, threshold_pct, NULL, &v);
	if (r == 0)
		*regression = v.verdict == PERF_VERDICT_REGRESSION;
	return r;
}

kern_return_t perf_monitor_status(perf_host_t *h, struct perf_monitor_status *ret)
{
	json_t *res = NULL, *cfg, *k, *o;
	const char *s;
	uint64_t u;
	int r;

	if (!ret)
		return -EINVAL;
	r = call(h, "status", NULL, &res);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	s = json_string_value(json_object_get(res, "version"));
	snprintf(ret->version, sizeof(ret->version), "%s", s ? s : "");
	ret->protocol = pa_json_u64(json_object_get(res, "protocol"), &u) ? (unsigned int)u : 0;
	ret->enabled = json_is_true(json_object_get(res, "enabled"));
	k = json_object_get(res, "kernel");
	ret->kernel_available = json_is_true(json_object_get(k, "available"));
	s = json_string_value(json_object_get(k, "why"));
	snprintf(ret->kernel_why, sizeof(ret->kernel_why), "%s", s ? s : "");
#define GET(obj, key, field) if (pa_json_u64(json_object_get(obj, key), &u)) ret->field = u
	GET(res, "uptime_ns", uptime_ns);
	GET(res, "dropped", dropped);
	GET(res, "sampled_out", sampled_out);
	GET(res, "lost", lost);
	cfg = json_object_get(res, "config");
	GET(cfg, "sample_rate", sample_rate);
	GET(cfg, "buffer_size", buffer_size);
	GET(cfg, "event_mask", event_mask);
	o = json_object_get(res, "overhead");
	GET(o, "cpu_ns", daemon_cpu_ns);
	GET(o, "rss_kb", daemon_rss_kb);
#undef GET
	json_decref(res);
	return 0;
}
