/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * getppid-loop.c - N getppid system calls in chunks of 200; prints the
 * cost per call in ns of the fastest tenth of the chunks (their 10th
 * percentile). On a shared machine most chunks are slowed down by other
 * load (preemption, steal time, caches); the fastest ones show what a call
 * itself costs, which is what the tracing overhead adds to.
 * USAGE: getppid-loop [N]   (default 2000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 200

static double ns_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000, chunks, c, i;
	struct timespec ca, cb;
	double *per;

	if (n < CHUNK * 10) {
		fprintf(stderr, "getppid-loop: N must be a number of at least %d\n", CHUNK * 10);
		return 1;
	}
	chunks = n / CHUNK;
	per = malloc((size_t)chunks * sizeof(*per));
	if (!per) {
		fprintf(stderr, "getppid-loop: out of memory\n");
		return 1;
	}
	for (c = 0; c < chunks; c++) {
		clock_gettime(CLOCK_MONOTONIC, &ca);
		for (i = 0; i < CHUNK; i++)
			(void)syscall(SYS_getppid);
		clock_gettime(CLOCK_MONOTONIC, &cb);
		per[c] = ns_between(&ca, &cb) / CHUNK;
	}
	qsort(per, (size_t)chunks, sizeof(*per), cmp_double);
	printf("%.1f\n", per[chunks / 10]);
	free(per);
	return 0;
}
