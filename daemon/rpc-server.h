/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpc-server.h - the daemon's Unix socket: listening, clients, framing,
 * limits. Non-blocking, driven by the daemon's poll loop; one misbehaving
 * client never blocks the others.
 */
#ifndef PA_DAEMON_RPC_SERVER_H
#define PA_DAEMON_RPC_SERVER_H

#include <poll.h>
#include <stddef.h>

#include "daemon.h"

struct pa_rpc;

/*
 * Bind a listening socket to a temporary name next to `path`, mode 0666
 * (rights are checked per request with SO_PEERCRED). Refuses (-EADDRINUSE)
 * when a live daemon already answers on `path`. Nothing is visible at `path`
 * until pa_rpc_publish().
 */
int pa_rpc_open(struct pa_daemon *d, const char *path, struct pa_rpc **ret, char *err, size_t errlen);

/* Rename the socket to its real path: from now on clients can connect. */
int pa_rpc_publish(struct pa_rpc *r, char *err, size_t errlen);

/* Close every client and the listener, and remove the socket if it is still ours. */
void pa_rpc_free(struct pa_rpc *r);

/* Fill fds with the listener and the clients to poll; returns how many (<= max). */
unsigned int pa_rpc_pollfds(struct pa_rpc *r, struct pollfd *fds, unsigned int max);

/* Handle the events poll() reported on fds[0..n) (as filled by pa_rpc_pollfds). */
void pa_rpc_handle(struct pa_rpc *r, const struct pollfd *fds, unsigned int n);

/* Disconnect clients that stalled (partial request or unread replies) longer than the client timeout. */
void pa_rpc_sweep(struct pa_rpc *r);

#endif /* PA_DAEMON_RPC_SERVER_H */
