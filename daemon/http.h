/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http.h - perf-analysisd's read-only HTTP listener (libmicrohttpd): the
 * dashboard, /metrics (Prometheus text 0.0.4) and /api/... (JSON).
 *
 * libmicrohttpd runs one thread of its own that parses requests and serves
 * the embedded dashboard files. Anything that reads the daemon's state
 * (/metrics, /api/...) is handed to the daemon's thread: the listener's
 * thread posts a job and signals an eventfd, the poll loop sees pa_http_fd()
 * readable and calls pa_http_run(), which runs the job exactly where an RPC
 * method would run and wakes the listener's thread with the result. So the
 * engine is read by one thread only, without locks in the engine.
 * (libmicrohttpd's "external epoll" mode, which would avoid the thread,
 * stalls a connection whose headers overflow its buffer until the idle
 * timeout instead of answering 431 at once: measured 15 s against 10 ms.)
 */
#ifndef PA_DAEMON_HTTP_H
#define PA_DAEMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "daemon.h"

struct pa_http;

/* A file of the dashboard, embedded at build time (build/web/assets.c). */
struct pa_web_asset {
	const char *path;          /* URL path, "/index.html" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};
extern const struct pa_web_asset pa_web_assets[];
extern const size_t pa_web_n_assets;

/*
 * Parse a listen address: "PORT" (127.0.0.1), "ADDR:PORT" with an IPv4
 * literal or "localhost", or "[V6ADDR]:PORT". PORT 0 lets the kernel pick
 * one (pa_http_port() tells which). Fills *ret and *ret_len, sets
 * *ret_loopback. Returns 0, or -EINVAL with a message in err.
 */
int pa_http_parse_addr(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len, bool *ret_loopback,
		       char *err, size_t errlen);

/*
 * Listen on `listen` (syntax above). A non-loopback address is refused
 * (-EPERM) unless allow_remote. Returns 0 and *ret, or a negative errno with
 * a message in err (bad address, port in use, ...).
 */
int pa_http_open(struct pa_daemon *d, const char *listen, bool allow_remote, struct pa_http **ret, char *err,
		 size_t errlen);

/* The fd to poll for POLLIN: an eventfd, readable when a request waits for pa_http_run(). */
int pa_http_fd(struct pa_http *h);

/* The port actually bound (useful after port 0). */
unsigned int pa_http_port(struct pa_http *h);

/* "http://127.0.0.1:PORT/": where the listener is, for the log. */
const char *pa_http_url(struct pa_http *h);

/* Run the pending request, if any (the daemon's thread only); never blocks. */
void pa_http_run(struct pa_http *h);

/* Stop listening, close connections, join the listener's thread; NULL-safe. */
void pa_http_free(struct pa_http *h);

/* The body of /metrics (malloc'd, *ret_len bytes). 0 or -ENOMEM/-EIO. */
int pa_http_metrics(struct pa_daemon *d, char **ret, size_t *ret_len);

#endif /* PA_DAEMON_HTTP_H */
