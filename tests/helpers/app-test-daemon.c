/* SPDX-License-Identifier: GPL-2.0-or-later */
/* app-test-daemon.c - see app-test-daemon.h. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app-test-daemon.h"

int pa_test_daemon_listen(struct pa_test_daemon *d, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(d, 0, sizeof(*d));
	d->listen_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(d->path, sizeof(d->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0)
		return -errno;
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(d->listen_fd, 16) < 0) {
		int e = -errno;

		close(d->listen_fd);
		d->listen_fd = -1;
		return e;
	}
	return 0;
}

static void reply(int conn, const char *line)
{
	(void)!send(conn, line, strlen(line), MSG_NOSIGNAL);
}

static void refuse(struct pa_test_daemon *d, int conn, const char *why)
{
	char line[512];

	snprintf(d->last_error, sizeof(d->last_error), "%s", why);
	snprintf(line, sizeof(line), "{\"v\":1,\"id\":1,\"error\":{\"code\":\"EINVAL\",\"errno\":22,\"message\":\"%s\"}}\n",
		 why);
	reply(conn, line);
}

/* Read one request line and the memfd that came with it (blocking, 1 s at most). */
static int read_request(int conn, char *buf, size_t size, int *ret_fd)
{
	size_t pos = 0;

	*ret_fd = -1;
	while (pos + 1 < size) {
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(sizeof(int) * 4)];
		} control;
		struct iovec iov = { .iov_base = buf + pos, .iov_len = size - 1 - pos };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
				     .msg_controllen = sizeof(control.b) };
		struct pollfd pfd = { .fd = conn, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0)
			return -ETIMEDOUT;
		n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				int fds[4];

				memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)nfd);
				for (int i = 0; i < nfd; i++) {
					if (*ret_fd < 0)
						*ret_fd = fds[i];
					else
						close(fds[i]);
				}
			}
		}
		pos += (size_t)n;
		buf[pos] = 0;
		if (memchr(buf, '\n', pos))
			return 0;
	}
	return -EMSGSIZE;
}

static void handle(struct pa_test_daemon *d, int conn)
{
	struct pa_test_app *app;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	json_t *req = NULL, *params, *names, *v;
	json_error_t jerr;
	const char *key;
	char buf[16384], why[200];
	int fd = -1, r;

	d->requests++;
	if (read_request(conn, buf, sizeof(buf), &fd) < 0) {
		refuse(d, conn, "no complete request");
		goto out;
	}
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		refuse(d, conn, "no peer credentials");
		goto out;
	}
	req = json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr);
	if (!req) {
		refuse(d, conn, "malformed JSON");
		goto out;
	}
	/* The envelope of proto/perf_monitor.defs: {"v":1,"id":ID,"method":...,"params":...}. */
	if (json_integer_value(json_object_get(req, "v")) != 1 || !json_is_integer(json_object_get(req, "id"))) {
		refuse(d, conn, "request lacks v:1 or id");
		goto out;
	}
	params = json_object_get(req, "params");
	v = json_object_get(req, "method");
	if (!json_is_string(v) || strcmp(json_string_value(v), "app.attach") || !json_is_object(params)) {
		refuse(d, conn, "not an app.attach request");
		goto out;
	}
	v = json_object_get(params, "pid");
	if (!json_is_integer(v) || json_integer_value(v) != cred.pid) {
		refuse(d, conn, "pid does not match the peer");
		goto out;
	}
	names = json_object_get(params, "names");
	if (!json_is_object(names) || !json_is_integer(json_object_get(params, "version"))) {
		refuse(d, conn, "no names or version");
		goto out;
	}
	if (fd < 0) {
		refuse(d, conn, "no memfd attached");
		goto out;
	}
	if (d->reject || d->n_apps == PA_TEST_APPS_MAX) {
		refuse(d, conn, "refused by the test");
		goto out;
	}
	app = &d->apps[d->n_apps];
	memset(app, 0, sizeof(*app));
	r = pa_app_rings_open(fd, (uint32_t)cred.pid, &app->rings, why, sizeof(why));
	if (r < 0) {
		refuse(d, conn, why);
		goto out;
	}
	json_object_foreach(names, key, v)
	{
		json_int_t id = json_is_integer(v) ? json_integer_value(v) : -1;

		if (id >= PERF_EVENT_USER_BASE && id < PERF_EVENT_ID_LIMIT)
			snprintf(app->names_json[id - PERF_EVENT_USER_BASE], PA_APP_NAME_BYTES, "%s", key);
	}
	v = json_object_get(params, "comm");
	snprintf(app->comm, sizeof(app->comm), "%s", json_is_string(v) ? json_string_value(v) : "");
	app->pid = (uint32_t)cred.pid;
	app->conn = conn;
	conn = -1;
	d->n_apps++;
	reply(app->conn, "{\"v\":1,\"id\":1,\"result\":{\"attached\":true}}\n");
out:
	json_decref(req);
	if (fd >= 0)
		close(fd);
	if (conn >= 0)
		close(conn);
}

int pa_test_daemon_poll(struct pa_test_daemon *d, int timeout_ms)
{
	int before = d->n_apps;
	struct pollfd pfd = { .fd = d->listen_fd, .events = POLLIN };

	if (d->listen_fd < 0)
		return -EBADF;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	for (;;) {
		int conn = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0)
			break;
		handle(d, conn);
	}
	return d->n_apps - before;
}

static void count(const struct perf_sample *s, void *userdata)
{
	struct pa_test_daemon *d = userdata;

	d->counts[s->event]++;
	d->total++;
	if (d->fn)
		d->fn(s, d->userdata);
}

int pa_test_daemon_drain(struct pa_test_daemon *d)
{
	int total = 0;

	for (int i = 0; i < d->n_apps; i++) {
		int n;

		if (!d->apps[i].rings)
			continue;
		n = pa_app_rings_drain(d->apps[i].rings, UINT32_MAX / 2, count, d);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

void pa_test_daemon_drop_app(struct pa_test_daemon *d, int i)
{
	struct pa_test_app *app = &d->apps[i];

	pa_app_rings_free(app->rings);
	app->rings = NULL;
	if (app->conn >= 0)
		close(app->conn);
	app->conn = -1;
}

void pa_test_daemon_close(struct pa_test_daemon *d)
{
	for (int i = 0; i < d->n_apps; i++)
		pa_test_daemon_drop_app(d, i);
	d->n_apps = 0;
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		(void)unlink(d->path);
	}
	d->listen_fd = -1;
}
