/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pa-kalt.c - cost per getppid call with no tracing, the empty programs (the
 * floor), the empty programs timing each syscall (clock.bpf.c: the floor of
 * a latency tracer), ours (the collector, every event, default sampling)
 * and ours with resource tracking (bpf/resources.bpf.c, as perf-analysisd
 * loads both by default: the collector's syscall programs do its part of
 * each syscall too), switching between the five every few milliseconds
 * inside one process, so that the slow drifts of a shared machine (host
 * load, frequency) hit all five alike. Each stint runs chunks of 200 calls timed with CLOCK_MONOTONIC;
 * per mode the 10th percentile of the chunk times is reported, since chunks
 * that other load interrupted are slower, never faster.
 * Prints "none NS empty NS clock NS ours NS resources NS" (ns per call).
 * USAGE: pa-kalt [ROUNDS]   (default 200; each round runs every mode once)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "../../daemon/collector.h"
#include "../../daemon/resources.h"
#include "empty.skel.h"
#include "clock.skel.h"

#define CHUNK 200
#define CHUNKS_PER_STINT 20

enum mode { M_NONE, M_EMPTY, M_CLOCK, M_OURS, M_RES, M_MAX };
static const char *const mode_name[M_MAX] = { "none", "empty", "clock", "ours", "resources" };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	struct pa_collector_config on = PA_COLLECTOR_CONFIG_DEFAULT, off = PA_COLLECTOR_CONFIG_DEFAULT;
	long rounds = argc > 1 ? atol(argv[1]) : 200, r, c, i, n = 0;
	struct pa_collector *col = NULL, *col_res = NULL;
	struct pa_resources *res = NULL;
	struct pa_res_maps res_maps;
	struct empty_bpf *empty;
	struct clock_bpf *clk;
	const char *why = NULL;
	double *t[M_MAX];
	int m, k, err;

	if (rounds <= 0) {
		fprintf(stderr, "pa-kalt: ROUNDS must be a positive number\n");
		return 2;
	}
	for (m = 0; m < M_MAX; m++) {
		t[m] = malloc((size_t)(rounds * CHUNKS_PER_STINT) * sizeof(double));
		if (!t[m])
			return 3;
	}
	empty = empty_bpf__open_and_load();
	clk = clock_bpf__open_and_load();
	if (!empty || !clk) {
		fprintf(stderr, "pa-kalt: cannot load the empty programs: %s\n", strerror(errno));
		return 3;
	}
	off.event_mask = 0; /* detaches every hook */
	err = pa_collector_open(&off, NULL, &col, &why);
	if (err < 0) {
		fprintf(stderr, "pa-kalt: cannot open the collector: %s: %s\n", strerror(-err), why ? why : "");
		return 3;
	}
	/* resources: a second collector doing resource tracking's part of each syscall, as perf-analysisd runs */
	err = pa_resources_open(true, &res, &why);
	if (err < 0) {
		fprintf(stderr, "pa-kalt: cannot open resource tracking: %s: %s\n", strerror(-err), why ? why : "");
		return 3;
	}
	(void)pa_resources_attach(res, false);
	pa_resources_maps(res, &res_maps);
	err = pa_collector_open(&off, &res_maps, &col_res, &why);
	if (err < 0 || pa_collector_carry_resources(col_res, false) < 0) {
		fprintf(stderr, "pa-kalt: cannot open the collector with resource tracking: %s: %s\n", strerror(-err),
			why ? why : "");
		return 3;
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < M_MAX; k++) {
			m = (int)((r + k) % M_MAX); /* rotate the order */
			if (m == M_EMPTY && empty_bpf__attach(empty))
				return 3;
			if (m == M_CLOCK && clock_bpf__attach(clk))
				return 3;
			if (m == M_OURS && pa_collector_configure(col, &on) < 0)
				return 3;
			/* resource tracking's switch and other programs first, then the syscall programs */
			if (m == M_RES && (pa_resources_attach(res, true) < 0 || pa_collector_configure(col_res, &on) < 0 ||
					   pa_collector_carry_resources(col_res, true) < 0))
				return 3;
			for (i = 0; i < 2000; i++) /* warm up */
				(void)syscall(SYS_getppid);
			for (c = 0; c < CHUNKS_PER_STINT; c++) {
				double a = now_ns();

				for (i = 0; i < CHUNK; i++)
					(void)syscall(SYS_getppid);
				t[m][n + c] = (now_ns() - a) / CHUNK;
			}
			if (m == M_EMPTY)
				empty_bpf__detach(empty);
			if (m == M_CLOCK)
				clock_bpf__detach(clk);
			if (m == M_OURS) {
				(void)pa_collector_configure(col, &off);
				(void)pa_collector_drain(col, NULL, NULL);
			}
			if (m == M_RES) {
				(void)pa_collector_carry_resources(col_res, false);
				(void)pa_collector_configure(col_res, &off);
				(void)pa_collector_drain(col_res, NULL, NULL);
				(void)pa_resources_attach(res, false);
			}
		}
		n += CHUNKS_PER_STINT;
	}
	for (m = 0; m < M_MAX; m++) {
		qsort(t[m], (size_t)n, sizeof(double), cmp_double);
		printf("%s%s %.1f", m ? " " : "", mode_name[m], t[m][n / 10]);
	}
	printf("\n");
	pa_collector_free(col_res);
	pa_collector_free(col);
	pa_resources_free(res);
	empty_bpf__destroy(empty);
	clock_bpf__destroy(clk);
	return 0;
}
