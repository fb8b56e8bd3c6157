/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpc-server.c - clients of the Unix socket.
 *
 * Each client has an input buffer (at most one request, PA_PROTO_MAX_REQUEST
 * bytes, plus whatever follows it in the same read) and an output queue.
 * Requests are answered in order as soon as their '\n' arrives. Limits, each
 * ending in a disconnect while everyone else is served:
 *   - a request longer than the limit: EMSGSIZE reply, then close;
 *   - a started request not finished within client_timeout_ms: close;
 *   - replies not read for client_timeout_ms: close (we stop reading new
 *     requests from a client once 1 MiB of replies is queued for it);
 *   - more than max_clients connections, more than max_clients_per_user
 *     from one non-root user, or no descriptor left: EBUSY reply, then close.
 * Work per poll round is O(clients).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "apps.h"
#include "rpc-server.h"

#define OUT_HIGH_WATER (1u << 20)
#define READ_CHUNK 65536

struct client {
	int fd;
	struct pa_peer peer;
	char *in;
	size_t in_len, in_cap;
	uint64_t in_since;   /* when the pending partial request started; 0 if none */
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t out_since;  /* last write progress while output is pending */
	bool closing;        /* close once the output is flushed */
	int passed_fd;       /* descriptor received with the pending request (SCM_RIGHTS), or -1 */
	struct pa_app *app;  /* an attached program: the connection stays open while it runs */
};

struct pa_rpc {
	struct pa_daemon *d;
	int fd;
	char path[108];
	char tmp_path[108];
	dev_t dev;
	ino_t ino;
	struct client **clients;
	unsigned int n, cap;
	int spare_fd;  /* reserved descriptor, given up to refuse a client when out of descriptors */
	bool adopted; /* socket-activated: the file is systemd's */
};

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

/* Whether a daemon answers at `path`. */
static bool someone_listens(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool yes;

	if (fd < 0)
		return false;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	yes = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return yes;
}

int pa_rpc_open(struct pa_daemon *d, const char *path, struct pa_rpc **ret, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct pa_rpc *r;
	struct stat st;
	int e;

	if (strlen(path) + 16 >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long (at most %zu bytes)", path, sizeof(a.sun_path) - 17);
		return -ENAMETOOLONG;
	}
	if (someone_listens(path)) {
		snprintf(err, errlen, "another perf-analysisd already listens on %s (stop it, or set "
			 "PERF_ANALYSIS_SOCKET to another path)", path);
		return -EADDRINUSE;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->d = d;
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->tmp_path, sizeof(r->tmp_path), "%s.%d.tmp", path, (int)getpid());
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->fd < 0)
		goto fail_errno;
	(void)unlink(r->tmp_path);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", r->tmp_path);
	if (bind(r->fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(r->tmp_path, 0666) < 0 ||
	    listen(r->fd, 512) < 0 || stat(r->tmp_path, &st) < 0)
		goto fail_errno;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	*ret = r;
	return 0;
fail_errno:
	e = errno;
	snprintf(err, errlen, "cannot listen on %s: %s", r->tmp_path, strerror(e));
	if (r->fd >= 0)
		close(r->fd);
	(void)unlink(r->tmp_path);
	free(r);
	return -e;
}

int pa_rpc_adopt(struct pa_daemon *d, struct pa_rpc **ret)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct pa_rpc *r;

	if (!pid || !fds || strtol(pid, NULL, 10) != getpid() || strtol(fds, NULL, 10) < 1)
		return -ENOENT;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->d = d;
	r->fd = 3; /* SD_LISTEN_FDS_START */
	r->adopted = true;
	r->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	(void)set_nonblock(r->fd);
	(void)fcntl(r->fd, F_SETFD, FD_CLOEXEC);
	*ret = r;
	return 0;
}

int pa_rpc_publish(struct pa_rpc *r, char *err, size_t errlen)
{
	if (r->adopted)
		return 0;
	/* Any file still at path is stale: nobody answered there in pa_rpc_open and we hold the state lock. */
	if (rename(r->tmp_path, r->path) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot create socket %s: %s", r->path, strerror(e));
		return -e;
	}
	return 0;
}

static void client_free(struct pa_rpc *r, struct client *c)
{
	if (!c)
		return;
	if (c->app)
		pa_apps_conn_closed(r->d, c->app); /* final drain, region released */
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

void pa_rpc_free(struct pa_rpc *r)
{
	struct stat st;

	if (!r)
		return;
	for (unsigned int i = 0; i < r->n; i++)
		client_free(r, r->clients[i]);
	free(r->clients);
	close(r->fd);
	if (r->spare_fd >= 0)
		close(r->spare_fd);
	if (r->adopted) {
		free(r);
		return;
	}
	/* Remove the socket only if it is still the one we created (a successor may have replaced it). */
	if (stat(r->path, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino)
		(void)unlink(r->path);
	(void)unlink(r->tmp_path);
	free(r);
}

static bool out_pending(const struct client *c)
{
	return c->out_len > c->out_off;
}

unsigned int pa_rpc_pollfds(struct pa_rpc *r, struct pollfd *fds, unsigned int max)
{
	unsigned int k = 0;

	if (max == 0)
		return 0;
	fds[k++] = (struct pollfd){ .fd = r->fd, .events = POLLIN };
	for (unsigned int i = 0; i < r->n && k < max; i++) {
		struct client *c = r->clients[i];
		short ev = 0;

		if (!c->closing && c->out_len - c->out_off < OUT_HIGH_WATER)
			ev |= POLLIN;
		if (out_pending(c))
			ev |= POLLOUT;
		fds[k++] = (struct pollfd){ .fd = c->fd, .events = ev };
	}
	return k;
}

static int queue(struct client *c, char *line)
{
	size_t n;

	if (!line)
		return -ENOMEM;
	n = strlen(line);
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + n)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			free(line);
			return -ENOMEM;
		}
		c->out = p;
		c->out_cap = cap;
	}
	if (!out_pending(c))
		c->out_since = pa_now_ns();
	memcpy(c->out + c->out_len, line, n);
	c->out_len += n;
	free(line);
	return 0;
}

/* Write what the socket takes now. Returns -1 if the client must go. */
static int flush(struct client *c)
{
	while (out_pending(c)) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->out_off += (size_t)w;
		c->out_since = pa_now_ns();
	}
	return c->closing ? -1 : 0;
}

/* Answer every complete request in the input buffer. */
static int process(struct pa_rpc *r, struct client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closing && (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = (size_t)(nl - (c->in + start));
		const char *line = c->in + start;

		if (len && line[len - 1] == '\r')
			len--;
		if (c->app) {
			/* An attached program sends nothing more: ignore whatever it does send. */
		} else if (len && pa_apps_is_attach(line, len)) {
			/* app.attach carries a memfd, routed before the generic decoder (apps.c). */
			if (queue(c, pa_apps_attach(r->d, &c->peer, c->passed_fd, line, len, &c->app)) < 0)
				return -1;
			if (!c->app)
				c->closing = true;
		} else if (len && queue(c, pa_methods_dispatch(r->d, &c->peer, line, len)) < 0) {
			return -1;
		}
		if (c->passed_fd >= 0) {
			close(c->passed_fd); /* consumed by app.attach (the mapping stays), or not wanted */
			c->passed_fd = -1;
		}
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len == 0)
		c->in_since = 0;
	else if (start || !c->in_since)
		c->in_since = pa_now_ns();
	if (!c->closing && c->in_len >= PA_PROTO_MAX_REQUEST) {
		char msg[128];

		snprintf(msg, sizeof(msg), "request exceeds %u bytes without a newline; closing the connection",
			 PA_PROTO_MAX_REQUEST - 1);
		(void)queue(c, pa_proto_encode_error(0, EMSGSIZE, msg));
		c->closing = true;
		c->in_len = 0;
	}
	return 0;
}

/*
 * recv() that also takes descriptors sent with SCM_RIGHTS (app.attach): the
 * first is kept for the request being read, any other is closed at once.
 */
static ssize_t recv_fds(struct client *c, char *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return n;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		size_t k;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (c->passed_fd < 0 && !c->app)
				c->passed_fd = fd;
			else
				close(fd);
		}
	}
	return n;
}

static int client_read(struct pa_rpc *r, struct client *c)
{
	for (int rounds = 0; rounds < 4 && !c->closing; rounds++) {
		ssize_t n;

		if (c->in_cap - c->in_len < READ_CHUNK) {
			char *p = realloc(c->in, c->in_len + READ_CHUNK);

			if (!p)
				return -1;
			c->in = p;
			c->in_cap = c->in_len + READ_CHUNK;
		}
		n = recv_fds(c, c->in + c->in_len, c->in_cap - c->in_len);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->in_len += (size_t)n;
		if (process(r, c) < 0)
			return -1;
		if (c->out_len - c->out_off >= OUT_HIGH_WATER)
			break;
	}
	return 0;
}

static void refuse(int fd, int err, const char *msg)
{
	char *line = pa_proto_encode_error(0, err, msg);

	if (line)
		(void)!send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	close(fd);
}

static unsigned int connections_of(const struct pa_rpc *r, uid_t uid)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->n; i++)
		n += r->clients[i]->peer.uid == uid;
	return n;
}

static void accept_clients(struct pa_rpc *r)
{
	for (;;) {
		struct client *c;
		int fd = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && r->spare_fd >= 0) {
			/*
			 * Out of descriptors: the pending connection would keep the
			 * listener readable and spin the loop. Free the spare, take
			 * the connection, tell it why, and close it.
			 */
			close(r->spare_fd);
			fd = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				refuse(fd, EBUSY, "the daemon is out of file descriptors; try again later");
			r->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			/* Linux reports EMFILE before looking at the queue: stop once it is empty. */
			if (fd < 0)
				return;
			continue;
		}
		if (fd < 0)
			return;
		if (r->n >= r->d->max_clients) {
			refuse(fd, EBUSY, "too many clients connected; try again later");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c && r->n == r->cap) {
			unsigned int cap = r->cap ? r->cap * 2 : 16;
			struct client **p = reallocarray(r->clients, cap, sizeof(*r->clients));

			if (p) {
				r->clients = p;
				r->cap = cap;
			}
		}
		if (!c || r->n == r->cap) {
			free(c);
			refuse(fd, ENOMEM, "the daemon is out of memory");
			continue;
		}
		c->fd = fd;
		c->passed_fd = -1;
		if (pa_peer_get(fd, &c->peer) < 0) {
			client_free(r, c);
			continue;
		}
		if (c->peer.uid != 0 && r->d->max_clients_per_user &&
		    connections_of(r, c->peer.uid) >= r->d->max_clients_per_user) {
			c->fd = -1;
			client_free(r, c);
			refuse(fd, EBUSY, "too many connections from this user; close some and try again");
			continue;
		}
		r->clients[r->n++] = c;
		r->d->n_clients = r->n;
	}
}

static void drop(struct pa_rpc *r, unsigned int i)
{
	client_free(r, r->clients[i]);
	r->clients[i] = r->clients[--r->n];
	r->d->n_clients = r->n;
}

void pa_rpc_handle(struct pa_rpc *r, const struct pollfd *fds, unsigned int n)
{
	unsigned int n_clients = n ? n - 1 : 0;
	bool *dead;

	if (n == 0)
		return;
	/* fds[1 + i] belongs to clients[i]; clients accepted below are polled next round. */
	dead = calloc(n_clients + 1, sizeof(*dead));
	if (!dead)
		return;
	for (unsigned int i = 0; i < n_clients && i < r->n; i++) {
		struct client *c = r->clients[i];
		short re = fds[1 + i].revents;

		if (fds[1 + i].fd != c->fd)
			continue;
		if (re & (POLLIN | POLLHUP | POLLERR)) {
			if (client_read(r, c) < 0) {
				c->closing = true;
				if (!out_pending(c)) {
					dead[i] = true;
					continue;
				}
			}
		}
		if (flush(c) < 0)
			dead[i] = true;
	}
	for (unsigned int i = n_clients; i-- > 0;)
		if (dead[i] && i < r->n)
			drop(r, i);
	free(dead);
	if (fds[0].revents & POLLIN)
		accept_clients(r);
}

void pa_rpc_sweep(struct pa_rpc *r)
{
	uint64_t now = pa_now_ns(), limit = (uint64_t)r->d->client_timeout_ms * 1000000ull;

	for (unsigned int i = r->n; i-- > 0;) {
		struct client *c = r->clients[i];

		if (c->app && pa_apps_released(c->app)) {
			drop(r, i); /* the program exited, or its region is no longer drained */
			continue;
		}
		if ((c->in_since && now - c->in_since > limit) || (out_pending(c) && now - c->out_since > limit)) {
			pa_log("disconnecting pid %d (uid %u): %s for more than %u ms", (int)c->peer.pid,
			       (unsigned)c->peer.uid, out_pending(c) ? "replies unread" : "request unfinished",
			       r->d->client_timeout_ms);
			drop(r, i);
		}
	}
}
