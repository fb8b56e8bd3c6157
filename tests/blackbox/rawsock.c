/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rawsock.c - test helper that talks to the daemon's socket below the
 * client library, to send what a well-behaved client never would.
 *
 *   rawsock PATH send            send stdin, close our write side, print every reply line
 *   rawsock PATH stall MS        send stdin (a partial request), then exit 0 if the
 *                                daemon closes the connection within MS ms, else 1
 *   rawsock PATH hold N SECONDS  open N connections at once, send a status request on
 *                                each, keep all open SECONDS; print how many got a reply
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "rawsock: connect %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static size_t slurp_stdin(char **ret)
{
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf && (r = read(0, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	*ret = buf;
	return n;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the daemon may close on us mid-way: that is a valid outcome */
		p += w;
		n -= (size_t)w;
	}
}

/* Read until EOF or timeout; print what came. Returns 1 if EOF was seen. */
static int drain(int fd, int timeout_ms, int print)
{
	char buf[65536];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		ssize_t r;

		if (poll(&p, 1, timeout_ms) <= 0)
			return 0;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			return 1;
		if (print)
			fwrite(buf, 1, (size_t)r, stdout);
	}
}

int main(int argc, char **argv)
{
	char *data;
	size_t n;
	int fd;

	if (argc < 3)
		goto usage;
	if (strcmp(argv[2], "send") == 0) {
		n = slurp_stdin(&data);
		fd = connect_to(argv[1]);
		send_all(fd, data, n);
		shutdown(fd, SHUT_WR);
		drain(fd, 10000, 1);
		return 0;
	}
	if (strcmp(argv[2], "stall") == 0 && argc == 4) {
		n = slurp_stdin(&data);
		fd = connect_to(argv[1]);
		send_all(fd, data, n);
		return drain(fd, atoi(argv[3]), 0) ? 0 : 1;
	}
	if (strcmp(argv[2], "hold") == 0 && argc == 5) {
		int count = atoi(argv[3]), got = 0, *fds = calloc((size_t)count, sizeof(int));
		const char *req = "{\"v\":1,\"id\":1,\"method\":\"status\"}\n";
		char buf[65536];

		for (int i = 0; i < count; i++)
			fds[i] = connect_to(argv[1]);
		for (int i = 0; i < count; i++)
			send_all(fds[i], req, strlen(req));
		for (int i = 0; i < count; i++) {
			struct pollfd p = { .fd = fds[i], .events = POLLIN };

			if (poll(&p, 1, 10000) > 0 && (n = (size_t)recv(fds[i], buf, sizeof(buf) - 1, 0)) > 0 && n < sizeof(buf) && (buf[n] = 0, strstr(buf, "\"result\"")))
				got++;
		}
		sleep((unsigned int)atoi(argv[4]));
		printf("%d\n", got);
		return 0;
	}
usage:
	fprintf(stderr, "usage: rawsock PATH send | stall MS | hold N SECONDS\n");
	return 2;
}
