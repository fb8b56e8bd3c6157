/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http.c - the read-only HTTP listener: dashboard, /metrics, /api/...
 *
 * Routes (GET and HEAD only; anything else is 405 with an Allow header):
 *   /, /index.html, /<asset>   the dashboard, embedded in the binary
 *   /metrics                   Prometheus text 0.0.4 (lib/export-prom.c)
 *   /api                       the list of JSON endpoints
 *   /api/windows               the closed statistics windows per event,
 *                              as columns (for charts); HTTP only
 *   /api/METHOD?k=v&...        the result of RPC method METHOD, for every
 *                              method whose right is "observe" except
 *                              "samples" (it consumes the daemon's queue)
 *                              and "audit" (who changed what);
 *                              query values: digits are integers,
 *                              true/false booleans, the rest strings.
 * RPC errors map to HTTP: ENOSYS/ENOENT 404, EINVAL 400, EPERM 403, else 500.
 *
 * Nothing here can change the daemon's state: configure methods are refused
 * before dispatch, and the request never reaches the store's write paths.
 * Limits (libmicrohttpd): 64 connections, 10 s idle timeout, 16 KiB of
 * request headers per connection (more: 431). When bound to loopback, the
 * Host header must name a loopback address or localhost (DNS rebinding).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <microhttpd.h>

#include "alerts.h"
#include "events.h"
#include "export.h"
#include "histogram.h"
#include "http.h"

#define HTTP_MAX_CONNECTIONS 64
#define HTTP_TIMEOUT_S 10
#define HTTP_MEMORY_LIMIT (16 * 1024)
#define API_WINDOWS_DEFAULT 120

struct job;

struct pa_http {
	struct pa_daemon *d;
	struct MHD_Daemon *mhd;
	int event_fd;           /* the listener's thread -> the daemon's poll loop: a job is pending */
	pthread_mutex_t lock;   /* guards job, stopping and the jobs' done flags */
	pthread_cond_t cond;
	struct job *job;
	bool stopping;
	unsigned int port;
	bool loopback;
	char url[80];
};

static int errf(char *err, size_t n, int r, const char *fmt, const char *a, const char *b)
{
	snprintf(err, n, fmt, a, b);
	return r;
}

static bool parse_port(const char *s, unsigned int *ret)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return false;
	*ret = (unsigned int)v;
	return true;
}

int pa_http_parse_addr(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len, bool *ret_loopback,
		       char *err, size_t errlen)
{
	char host[128];
	const char *colon, *port_s;
	unsigned int port;

	memset(ret, 0, sizeof(*ret));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return errf(err, errlen, -EINVAL, "--http '%s': an IPv6 address is written [ADDR]:PORT%s", s, "");
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port_s = close + 2;
	} else if ((colon = strrchr(s, ':'))) {
		if ((size_t)(colon - s) >= sizeof(host) || strchr(s, ':') != colon)
			return errf(err, errlen, -EINVAL, "--http '%s': expected ADDR:PORT or PORT%s", s, "");
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port_s = colon + 1;
	} else {
		snprintf(host, sizeof(host), "127.0.0.1");
		port_s = s;
	}
	if (!parse_port(port_s, &port))
		return errf(err, errlen, -EINVAL, "--http '%s': '%s' is not a port number 0-65535", s, port_s);
	if (strcmp(host, "localhost") == 0 || !*host)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ret;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return errf(err, errlen, -EINVAL, "--http '%s': '%s' is not an IPv6 address", s, host);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*a6);
		*ret_loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) ||
				(IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) && a6->sin6_addr.s6_addr[12] == 127);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ret;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return errf(err, errlen, -EINVAL,
				    "--http '%s': '%s' is not an IPv4 address (names other than localhost are not "
				    "resolved)", s, host);
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*a4);
		*ret_loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	}
	return 0;
}

/* ---- responses ---------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *type, void *body,
			       size_t len, enum MHD_ResponseMemoryMode mode, bool no_store)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	/* The dashboard loads nothing but its own files. */
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
				"connect-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, no_store ? "no-store" : "max-age=60");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A JSON error body {"error":{"status":N,"message":"..."}}. */
static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	json_t *o = json_pack("{s{sI ss}}", "error", "status", (json_int_t)status, "message", msg);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!s)
		return MHD_NO;
	return respond(c, status, "application/json", s, strlen(s), MHD_RESPMEM_MUST_FREE, true);
}

static enum MHD_Result respond_json(struct MHD_Connection *c, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (!s)
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return respond(c, MHD_HTTP_OK, "application/json", s, strlen(s), MHD_RESPMEM_MUST_FREE, true);
}

/* ---- /metrics ------------------------------------------------------------ */

static uint64_t rss_bytes(void)
{
	unsigned long long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

int pa_http_metrics(struct pa_daemon *d, char **ret, size_t *ret_len)
{
	struct pa_stats *stats = calloc(PERF_EVENT_MAX, sizeof(*stats));
	struct pa_export_overhead ov = { 0 };
	struct pa_collector_overhead cov;
	struct pa_export_drop drops[3];
	struct pa_export_alert alerts[PA_ALERTS_EXPORT_MAX];
	size_t n_alerts;
	uint64_t dropped = 0;
	struct rusage ru;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!stats)
		return -ENOMEM;
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		if (pa_engine_read(d, e, &stats[e]) < 0)
			pa_stats_reset(&stats[e]);
		dropped += stats[e].dropped;
	}
	/* Where samples are lost: the kernel's ring buffer, the daemon's queues (kernel samples, programs') */
	drops[0] = (struct pa_export_drop){ "ring_reserve", dropped };
	drops[1] = (struct pa_export_drop){ "queue_overflow", pa_engine_queue_lost(d, false) };
	drops[2] = (struct pa_export_drop){ "app_queue_overflow", pa_engine_queue_lost(d, true) }; /* programs' queue */
	getrusage(RUSAGE_SELF, &ru);
	ov.cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	ov.rss_bytes = rss_bytes();
	if (d->collector && pa_collector_overhead(d->collector, &cov) == 0) {
		ov.bpf_run_ns = cov.run_time_ns;
		ov.bpf_run_count = cov.run_cnt;
	}
	n_alerts = pa_alerts_export(d, alerts, PA_ALERTS_EXPORT_MAX);
	f = open_memstream(&buf, &len);
	if (!f) {
		free(stats);
		return -ENOMEM;
	}
	r = pa_export_prom(f, &(struct pa_export_metrics){
		.stats = stats, .n_stats = PERF_EVENT_MAX, .drops = drops, .n_drops = 3, .overhead = &ov,
		.alerts = n_alerts ? alerts : NULL, .n_alerts = n_alerts,
	});
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	free(stats);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* ---- /api/windows ------------------------------------------------------- */

static json_t *windows_json(struct pa_daemon *d, uint64_t last)
{
	json_t *evs = json_array();

	for (unsigned int e = 0; evs && e < PERF_EVENT_MAX; e++) {
		const struct pa_event_state *es = &d->ev[e];
		const struct pa_event_info *info = pa_event_info(e);
		uint32_t n = es->ring.count < last ? es->ring.count : (uint32_t)last;
		json_t *cols[10];
		static const char *const names[10] = { "start_ns", "end_ns", "count", "errors", "p50_ns", "p90_ns",
						       "p99_ns", "max_ns", "dropped", "sampled_out" };
		json_t *o = json_pack("{sI ss sb}", "id", (json_int_t)e, "name", info ? info->name : "?",
				      "has_duration", info ? info->has_duration : false);

		for (unsigned int k = 0; k < 10; k++) {
			cols[k] = json_array();
			json_object_set_new(o, names[k], cols[k]);
		}
		/* oldest first: a chart's x axis */
		for (uint32_t i = n; i-- > 0;) {
			const struct pa_window *w = pa_window_ring_get(&es->ring, i);
			const struct pa_hist *h = &w->stats.hist;
			uint64_t v[10] = { w->start_ns, w->end_ns, h->count, w->stats.errors,
					   pa_hist_percentile(h, 500000), pa_hist_percentile(h, 900000),
					   pa_hist_percentile(h, 990000), h->max, w->stats.dropped, w->stats.sampled_out };

			for (unsigned int k = 0; k < 10; k++)
				json_array_append_new(cols[k], json_integer((json_int_t)v[k]));
		}
		json_array_append_new(evs, o);
	}
	return json_pack("{sI sI sI so}", "window_ms", (json_int_t)(d->window_ns / 1000000),
			 "capacity", (json_int_t)d->n_windows, "now_ns", (json_int_t)pa_now_ns(), "events", evs);
}

/* ---- /api/METHOD ---------------------------------------------------------- */

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	json_t *params = cls;
	json_t *v;
	char *end;

	if (!value || !*value)
		v = json_true(); /* ?since_baseline */
	else if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
		v = json_boolean(value[0] == 't');
	else if (value[0] >= '0' && value[0] <= '9' && (errno = 0, strtoull(value, &end, 10), !*end && !errno))
		v = json_integer((json_int_t)strtoull(value, NULL, 10));
	else
		v = json_string(value);
	json_object_set_new(params, key, v);
	return MHD_YES;
}

static unsigned int http_status_of(int err)
{
	switch (err) {
	case ENOSYS: case ENOENT: return MHD_HTTP_NOT_FOUND;
	case EINVAL: case EBADMSG: case EPROTO: case EMSGSIZE: return MHD_HTTP_BAD_REQUEST;
	case EPERM: case EACCES: return MHD_HTTP_FORBIDDEN;
	default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

/*
 * Methods callable over HTTP: observe right, and neither consuming anything
 * (samples pops the daemon's queue) nor telling who did what (audit: the
 * RPC socket checks the caller's group, HTTP cannot).
 */
static bool http_callable(const struct pa_method_def *m)
{
	return m && m->right == PA_RIGHT_OBSERVE && strcmp(m->name, "samples") != 0 && strcmp(m->name, "audit") != 0;
}

static json_t *api_index(void)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string("windows"));
	for (unsigned int m = 0; m < PA_METHOD_MAX; m++)
		if (http_callable(pa_proto_method(m)))
			json_array_append_new(a, json_string(pa_proto_method(m)->name));
	return json_pack("{so ss}", "endpoints", a, "prefix", "/api/");
}

/* ---- jobs: what the main thread does for the listener's thread ------------ */

enum job_kind { JOB_METRICS, JOB_WINDOWS, JOB_API };

struct job {
	enum job_kind kind;
	const char *method;  /* JOB_API */
	json_t *params;      /* JOB_API, owned by the listener's thread */
	uint64_t last;       /* JOB_WINDOWS */
	/* results, set by the main thread */
	unsigned int status;
	const char *type;
	char *body;          /* malloc'd */
	size_t len;
	bool done;
};

static char *error_body(unsigned int status, const char *msg)
{
	json_t *o = json_pack("{s{sI ss}}", "error", "status", (json_int_t)status, "message", msg);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static void job_json(struct job *j, unsigned int status, json_t *o)
{
	j->type = "application/json";
	j->status = status;
	j->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!j->body) {
		j->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		j->body = error_body(j->status, "out of memory");
	}
}

static void job_error(struct job *j, unsigned int status, const char *msg)
{
	j->type = "application/json";
	j->status = status;
	j->body = error_body(status, msg);
}

/* Runs on the daemon's thread: reads engine state like an RPC method does. */
static void job_run(struct pa_http *h, struct job *j)
{
	/* The caller is the daemon itself; the right was checked against the method table. */
	static const struct pa_peer self = { .pid = 0, .uid = 0, .gid = 0 };
	struct pa_proto_error perr = { 0 };
	json_t *result = NULL;
	char *line, *reply;
	uint64_t rid;
	int r;

	switch (j->kind) {
	case JOB_METRICS:
		r = pa_http_metrics(h->d, &j->body, &j->len);
		if (r < 0) {
			job_error(j, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r));
			break;
		}
		j->status = MHD_HTTP_OK;
		j->type = PA_PROM_CONTENT_TYPE;
		return; /* len is set */
	case JOB_WINDOWS:
		job_json(j, MHD_HTTP_OK, windows_json(h->d, j->last));
		break;
	case JOB_API:
		line = pa_proto_encode_request(1, j->method, j->params);
		reply = line ? pa_methods_dispatch(h->d, &self, line, strlen(line) - 1) : NULL;
		free(line);
		if (!reply) {
			job_error(j, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			break;
		}
		r = pa_proto_decode_reply(reply, strlen(reply), &rid, &result, &perr);
		free(reply);
		if (r < 0)
			job_error(j, http_status_of(perr.err), perr.message);
		else
			job_json(j, MHD_HTTP_OK, result);
		break;
	}
	j->len = j->body ? strlen(j->body) : 0;
}

/*
 * On the listener's thread: hand `j` to the daemon's thread and wait for it.
 * One listener thread, so at most one job is pending. False when the daemon
 * is stopping.
 */
static bool job_submit(struct pa_http *h, struct job *j)
{
	uint64_t one = 1;
	bool ok;

	pthread_mutex_lock(&h->lock);
	h->job = j;
	if (write(h->event_fd, &one, sizeof(one)) != sizeof(one))
		h->job = NULL;
	while (h->job == j && !j->done && !h->stopping)
		pthread_cond_wait(&h->cond, &h->lock);
	ok = j->done;
	h->job = NULL;
	pthread_mutex_unlock(&h->lock);
	return ok;
}

static enum MHD_Result respond_job(struct pa_http *h, struct MHD_Connection *c, struct job *j)
{
	if (!job_submit(h, j)) {
		free(j->body);
		return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the daemon is stopping");
	}
	if (!j->body)
		return MHD_NO;
	return respond(c, j->status, j->type, j->body, j->len, MHD_RESPMEM_MUST_FREE, true);
}

/* ---- routing ------------------------------------------------------------- */

/* Host header check against DNS rebinding, when listening on loopback only. */
static bool host_ok(struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	char name[64];
	size_t n;

	if (!host)
		return true; /* HTTP/1.0 */
	if (host[0] == '[') {
		n = strcspn(host, "]");
	} else {
		n = strcspn(host, ":");
	}
	if (n >= sizeof(name))
		return false;
	memcpy(name, host[0] == '[' ? host + 1 : host, host[0] == '[' ? n - 1 : n);
	name[host[0] == '[' ? n - 1 : n] = '\0';
	if (strcmp(name, "localhost") == 0 || strcmp(name, "::1") == 0)
		return true;
	return strncmp(name, "127.", 4) == 0 && strspn(name, "0123456789.") == strlen(name);
}

static const struct pa_web_asset *find_asset(const char *url)
{
	if (strcmp(url, "/") == 0)
		url = "/index.html";
	for (size_t i = 0; i < pa_web_n_assets; i++)
		if (strcmp(pa_web_assets[i].path, url) == 0)
			return &pa_web_assets[i];
	return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct pa_http *h = cls;
	const struct pa_web_asset *a;
	struct job j = { 0 };
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: only GET and HEAD");
	if (*upload_data_size) /* a GET with a body: ignore the body */
		*upload_data_size = 0;
	if (h->loopback && !host_ok(c))
		return respond_error(c, MHD_HTTP_FORBIDDEN, "Host must be a loopback address or localhost");
	if (strcmp(url, "/metrics") == 0) {
		j.kind = JOB_METRICS;
		return respond_job(h, c, &j);
	}
	if (strcmp(url, "/api") == 0 || strcmp(url, "/api/") == 0)
		return respond_json(c, api_index());
	if (strcmp(url, "/api/windows") == 0) {
		const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "last");
		char *end;

		j.kind = JOB_WINDOWS;
		j.last = API_WINDOWS_DEFAULT;
		if (s) {
			errno = 0;
			j.last = strtoull(s, &end, 10);
			if (errno || *end || !*s || *s == '-' || j.last == 0)
				return respond_error(c, MHD_HTTP_BAD_REQUEST, "last: a number of windows, at least 1");
		}
		return respond_job(h, c, &j);
	}
	if (strncmp(url, "/api/", 5) == 0) {
		int id = pa_proto_method_lookup(url + 5);

		if (id < 0 || !http_callable(pa_proto_method((unsigned int)id)))
			return respond_error(c, MHD_HTTP_NOT_FOUND,
					     id < 0 ? "no such endpoint (see /api)" : "not available over HTTP (read-only)");
		j.kind = JOB_API;
		j.method = url + 5;
		j.params = json_object();
		if (!j.params)
			return MHD_NO;
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, j.params);
		ret = respond_job(h, c, &j);
		json_decref(j.params);
		return ret;
	}
	a = find_asset(url);
	if (a)
		return respond(c, MHD_HTTP_OK, a->content_type, (void *)a->data, a->len, MHD_RESPMEM_PERSISTENT,
			       false);
	return respond_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

/* ---- life cycle ---------------------------------------------------------- */

int pa_http_open(struct pa_daemon *d, const char *listen_s, bool allow_remote, struct pa_http **ret, char *err,
		 size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	bool loopback;
	struct pa_http *h;
	const union MHD_DaemonInfo *info;
	int fd, r, one = 1;

	r = pa_http_parse_addr(listen_s, &ss, &len, &loopback, err, errlen);
	if (r < 0)
		return r;
	if (!loopback && !allow_remote)
		return errf(err, errlen, -EPERM,
			    "--http %s: not a loopback address; the dashboard and /metrics are unauthenticated, so "
			    "listening beyond this machine needs --http-allow-remote%s", listen_s, "");
	/* Bind ourselves, so that "port in use" is reported with its errno. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errf(err, errlen, -errno, "--http %s: socket: %s", listen_s, strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		return errf(err, errlen, r, "--http %s: cannot listen: %s", listen_s, strerror(-r));
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	h->d = d;
	h->loopback = loopback;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->event_fd < 0) {
		r = -errno;
		close(fd);
		pa_http_free(h);
		return errf(err, errlen, r, "--http %s: eventfd: %s", listen_s, strerror(-r));
	}
	/* One thread of libmicrohttpd's own: requests are served one at a time. */
	h->mhd = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, handle, h,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
				  MHD_OPTION_END);
	if (!h->mhd) {
		close(fd);
		pa_http_free(h);
		return errf(err, errlen, -EIO, "--http %s: libmicrohttpd failed to start%s", listen_s, "");
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	if (ss.ss_family == AF_INET6) {
		char a[INET6_ADDRSTRLEN] = "";

		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
		snprintf(h->url, sizeof(h->url), "http://[%s]:%u/", a, h->port);
	} else {
		char a[INET_ADDRSTRLEN] = "";

		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
		snprintf(h->url, sizeof(h->url), "http://%s:%u/", a, h->port);
	}
	*ret = h;
	return 0;
}

int pa_http_fd(struct pa_http *h)
{
	return h ? h->event_fd : -1;
}

unsigned int pa_http_port(struct pa_http *h)
{
	return h ? h->port : 0;
}

const char *pa_http_url(struct pa_http *h)
{
	return h ? h->url : "";
}

void pa_http_run(struct pa_http *h)
{
	struct job *j;
	uint64_t n;

	if (!h || read(h->event_fd, &n, sizeof(n)) != sizeof(n))
		return;
	/* The listener's thread waits (on its own stack) until done is set: the job is ours meanwhile. */
	pthread_mutex_lock(&h->lock);
	j = h->job;
	pthread_mutex_unlock(&h->lock);
	if (!j)
		return;
	job_run(h, j);
	pthread_mutex_lock(&h->lock);
	j->done = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

void pa_http_free(struct pa_http *h)
{
	if (!h)
		return;
	/* Release a request waiting for us, then stop the listener's thread. */
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->event_fd >= 0)
		close(h->event_fd);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}
