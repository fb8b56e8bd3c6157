/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pa-kres.c - what resource tracking (bpf/resources.bpf.c) adds per getppid
 * call on top of the collector, measured as pa-kalt measures the collector:
 * the collector stays loaded with its defaults, and resource tracking is
 * attached and detached every few milliseconds inside one process, so that
 * the slow drifts of a shared machine hit both setups alike. Each stint runs
 * chunks of 200 calls timed with CLOCK_MONOTONIC; per setup the 10th
 * percentile of the chunk times is reported (chunks that other load
 * interrupted are slower, never faster).
 * Prints "ours NS resources NS" (ns per call).
 * USAGE: pa-kres [ROUNDS]   (default 200; each round runs both setups once)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../daemon/collector.h"
#include "../../daemon/resources.h"

#define CHUNK 200
#define CHUNKS_PER_STINT 20

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
	struct pa_collector_config cfg = PA_COLLECTOR_CONFIG_DEFAULT;
	long rounds = argc > 1 ? atol(argv[1]) : 200, r, c, i, n = 0;
	struct pa_collector *col = NULL;
	struct pa_resources *res = NULL;
	const char *why = NULL;
	double *t[2];
	int m, k, err;

	if (rounds <= 0) {
		fprintf(stderr, "pa-kres: ROUNDS must be a positive number\n");
		return 2;
	}
	t[0] = malloc((size_t)(rounds * CHUNKS_PER_STINT) * sizeof(double));
	t[1] = malloc((size_t)(rounds * CHUNKS_PER_STINT) * sizeof(double));
	if (!t[0] || !t[1])
		return 3;
	err = pa_collector_open(&cfg, &col, &why);
	if (err < 0) {
		fprintf(stderr, "pa-kres: cannot open the collector: %s: %s\n", strerror(-err), why ? why : "");
		return 3;
	}
	err = pa_resources_open(&res, &why);
	if (err < 0) {
		fprintf(stderr, "pa-kres: cannot open resource tracking: %s: %s\n", strerror(-err), why ? why : "");
		return 3;
	}
	(void)pa_resources_attach(res, false);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 2; k++) {
			m = (int)((r + k) % 2); /* alternate the order */
			if (m && pa_resources_attach(res, true) < 0)
				return 3;
			for (i = 0; i < 2000; i++) /* warm up */
				(void)syscall(SYS_getppid);
			for (c = 0; c < CHUNKS_PER_STINT; c++) {
				double a = now_ns();

				for (i = 0; i < CHUNK; i++)
					(void)syscall(SYS_getppid);
				t[m][n + c] = (now_ns() - a) / CHUNK;
			}
			if (m)
				(void)pa_resources_attach(res, false);
			(void)pa_collector_drain(col, NULL, NULL);
		}
		n += CHUNKS_PER_STINT;
	}
	for (m = 0; m < 2; m++)
		qsort(t[m], (size_t)n, sizeof(double), cmp_double);
	printf("ours %.1f resources %.1f\n", t[0][n / 10], t[1][n / 10]);
	pa_resources_free(res);
	pa_collector_free(col);
	free(t[0]);
	free(t[1]);
	return 0;
}
