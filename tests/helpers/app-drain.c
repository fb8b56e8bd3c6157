/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-drain.c - a stand-in daemon for shell tests: accept app.attach on a
 * socket, drain every program that attaches, and when `--apps N` programs
 * have attached and exited (or after --timeout seconds) print what arrived:
 *
 *   app pid=P comm=C received=N dropped=N no_ring=N unattached=N invalid=N names=N
 *   event ID NAME COUNT              (one line per event id that arrived)
 *
 * Usage: app-drain SOCKET [--apps N] [--timeout SECONDS]
 * Exit: 0; 1 if a region turned out corrupt or the timeout passed first; 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app-test-daemon.h"
#include "events.h"

static struct pa_test_daemon d;

int main(int argc, char **argv)
{
	int apps = 1, timeout = 30, r, rc = 0;
	time_t t0 = time(NULL);

	if (argc < 2) {
		fprintf(stderr, "usage: app-drain SOCKET [--apps N] [--timeout SECONDS]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--apps"))
			apps = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout"))
			timeout = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "app-drain: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	r = pa_test_daemon_listen(&d, argv[1]);
	if (r < 0) {
		fprintf(stderr, "app-drain: cannot listen on %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	for (;;) {
		int done = 0;

		(void)pa_test_daemon_poll(&d, 5);
		if (pa_test_daemon_drain(&d) < 0) {
			fprintf(stderr, "app-drain: a region is corrupt\n");
			rc = 1;
			break;
		}
		for (int i = 0; i < d.n_apps; i++)
			done += pa_app_rings_exited(d.apps[i].rings) == 1;
		if (d.n_apps >= apps && done == d.n_apps) {
			(void)pa_test_daemon_drain(&d);
			break;
		}
		if (time(NULL) - t0 > timeout) {
			fprintf(stderr, "app-drain: timed out with %d program(s) attached\n", d.n_apps);
			rc = 1;
			break;
		}
	}
	for (int i = 0; i < d.n_apps; i++) {
		struct pa_app_rings_stats st;

		(void)pa_app_rings_stats(d.apps[i].rings, &st);
		printf("app pid=%u comm=%s received=%llu dropped=%llu no_ring=%llu unattached=%llu invalid=%llu names=%u\n",
		       st.pid, d.apps[i].comm, (unsigned long long)st.received, (unsigned long long)st.dropped,
		       (unsigned long long)st.no_ring, (unsigned long long)st.unattached,
		       (unsigned long long)st.invalid, st.names);
	}
	for (unsigned id = 0; id < PERF_EVENT_ID_LIMIT; id++) {
		char name[PA_APP_NAME_BYTES] = "?";

		if (!d.counts[id])
			continue;
		if (id < PERF_EVENT_MAX)
			snprintf(name, sizeof(name), "%s", pa_event_name(NULL, id));
		else if (d.n_apps)
			(void)pa_app_rings_name(d.apps[0].rings, id, name);
		printf("event %u %s %llu\n", id, name, (unsigned long long)d.counts[id]);
	}
	pa_test_daemon_close(&d);
	return rc;
}
