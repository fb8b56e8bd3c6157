/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rights.c - who is on the other end of a socket (SO_PEERCRED, SO_PEERGROUPS). */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

int pa_peer_get(int fd, struct pa_peer *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct pa_peer p;

	memset(&p, 0, sizeof(p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	p.pid = cred.pid;
	p.uid = cred.uid;
	p.gid = cred.gid;
	len = sizeof(p.groups);
	/* Supplementary groups (Linux 4.13+); a peer in more than 64 groups is judged on the first 64. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p.groups, &len) == 0)
		p.n_groups = (int)(len / sizeof(gid_t));
	*ret = p;
	return 0;
}

bool pa_peer_has(const struct pa_peer *p, bool gid_valid, gid_t gid)
{
	if (p->uid == 0)
		return true;
	if (!gid_valid)
		return false;
	if (p->gid == gid)
		return true;
	for (int i = 0; i < p->n_groups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

int pa_group_resolve(const char *name, gid_t *ret)
{
	struct group *g;
	char *end;
	unsigned long v;

	if (!name || !*name)
		return -ENOENT;
	v = strtoul(name, &end, 10);
	if (*end == '\0') {
		*ret = (gid_t)v;
		return 0;
	}
	g = getgrnam(name);
	if (!g)
		return -ENOENT;
	*ret = g->gr_gid;
	return 0;
}
