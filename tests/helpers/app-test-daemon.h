/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-test-daemon.h - a stand-in for perf-analysisd's app.attach handling,
 * for tests and benchmarks: listens on a Unix socket, checks each attach
 * request (JSON, SCM_RIGHTS memfd, SO_PEERCRED pid), answers it, and drains
 * the programs' regions with daemon/app-rings.
 */
#ifndef PA_TESTS_APP_TEST_DAEMON_H
#define PA_TESTS_APP_TEST_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "app-rings.h"

#define PA_TEST_APPS_MAX 16

struct pa_test_app {
	struct pa_app_rings *rings;
	int conn;             /* the program's connection, kept open while attached */
	uint32_t pid;
	char names_json[PA_APP_NAMES_MAX][PA_APP_NAME_BYTES]; /* names sent in the request, by id - base */
	char comm[32];
};

struct pa_test_daemon {
	int listen_fd;
	char path[108];
	bool reject;          /* answer every request with an error */
	int n_apps;
	struct pa_test_app apps[PA_TEST_APPS_MAX];
	uint64_t counts[PERF_EVENT_ID_LIMIT]; /* samples received per event id */
	uint64_t total;
	int requests;         /* requests seen, accepted or not */
	char last_error[256]; /* why the last request was refused */
	pa_app_sample_fn fn;  /* optional: also called for each sample */
	void *userdata;
};

/* Listen on `path` (removed first). 0 or -errno. */
int pa_test_daemon_listen(struct pa_test_daemon *d, const char *path);

/* Accept and answer pending attach requests, waiting up to timeout_ms for the first. Returns how many attached. */
int pa_test_daemon_poll(struct pa_test_daemon *d, int timeout_ms);

/* Drain every attached region once. Returns samples received, or -errno. */
int pa_test_daemon_drain(struct pa_test_daemon *d);

/* Close app `i`'s connection and region (as a daemon that exits would). */
void pa_test_daemon_drop_app(struct pa_test_daemon *d, int i);

/* Stop listening, drop every app. */
void pa_test_daemon_close(struct pa_test_daemon *d);

#endif
