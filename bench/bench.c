/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench.c - the harness's main: calibrate, run interleaved rounds, report
 * medians as multiples of the reference (one rdtsc) from the same run.
 *
 * Usage: bench-core [-r ROUNDS] [-m BATCH_MS] [-f SUBSTRING]... [-l]
 * Exit status: 0 (a missed target is reported, not failed), 2 on bad usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "bench.h"

#define BENCH_MAX 64

static const struct bench_case *cases[BENCH_MAX + 1];
static unsigned int n_cases;
static volatile uint64_t sink;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_sink(uint64_t v)
{
	sink += v;
}

void bench_register(const struct bench_case *c)
{
	if (n_cases < BENCH_MAX)
		cases[n_cases++] = c;
	else
		fprintf(stderr, "bench: more than %d cases, '%s' left out\n", BENCH_MAX, c->name);
}

/* The reference: one rdtsc (the cost of taking a timestamp at all). */
static uint64_t run_rdtsc(void *ctx, uint64_t iters)
{
	uint64_t t0 = bench_now_ns(), acc = 0;

	for (uint64_t i = 0; i < iters; i++) {
#if defined(__x86_64__) || defined(__i386__)
		acc += __rdtsc();
#else
		acc += bench_now_ns();
#endif
	}
	bench_sink(acc);
	return bench_now_ns() - t0;
}

static const struct bench_case reference = {
	.name = "rdtsc",
#if defined(__x86_64__) || defined(__i386__)
	.what = "one rdtsc instruction (the reference)",
#else
	.what = "one clock_gettime (the reference; no rdtsc on this architecture)",
#endif
	.run = run_rdtsc,
	.order = 0,
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_case(const void *a, const void *b)
{
	const struct bench_case *x = *(const struct bench_case *const *)a, *y = *(const struct bench_case *const *)b;

	return x->order - y->order;
}

/* Iterations for one batch of at least batch_ns. */
static uint64_t calibrate(const struct bench_case *c, uint64_t batch_ns)
{
	uint64_t iters = 64;

	for (;;) {
		uint64_t ns = c->run(c->ctx, iters);

		if (ns >= batch_ns / 4 || iters >= (1ull << 34))
			return ns ? iters * batch_ns / ns + 1 : iters;
		iters *= ns < batch_ns / 64 ? 8 : 2;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "USAGE\n  bench-core [-r ROUNDS] [-m BATCH_MS] [-f SUBSTRING]... [-l]\n\n"
		   "  -r ROUNDS     interleaved rounds (default 11); the median is reported\n"
		   "  -m BATCH_MS   length of one batch of one case (default 20)\n"
		   "  -f SUBSTRING  only cases whose name contains it (repeatable)\n"
		   "  -l            list the cases and exit\n\n"
		   "EXAMPLES\n  bench-core -r 21\n  bench-core -f ring\n");
}

static long parse_pos(const char *opt, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > max) {
		fprintf(stderr, "bench-core: %s '%s': expected a whole number from 1 to %ld\n", opt, s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *filters[16];
	unsigned int n_filters = 0, n_run = 0;
	long rounds = 11, batch_ms = 20;
	const struct bench_case *run[BENCH_MAX + 1];
	uint64_t iters[BENCH_MAX + 1];
	double *ratio;
	int opt;

	while ((opt = getopt(argc, argv, "r:m:f:lh")) != -1) {
		switch (opt) {
		case 'r':
			rounds = parse_pos("-r", optarg, 1001);
			break;
		case 'm':
			batch_ms = parse_pos("-m", optarg, 10000);
			break;
		case 'f':
			if (n_filters == 16) {
				fprintf(stderr, "bench-core: at most 16 -f filters\n");
				return 2;
			}
			filters[n_filters++] = optarg;
			break;
		case 'l':
			qsort(cases, n_cases, sizeof(cases[0]), cmp_case);
			printf("%-28s %s\n", reference.name, reference.what);
			for (unsigned int i = 0; i < n_cases; i++)
				printf("%-28s %s\n", cases[i]->name, cases[i]->what);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench-core: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	qsort(cases, n_cases, sizeof(cases[0]), cmp_case);
	run[n_run++] = &reference;
	for (unsigned int i = 0; i < n_cases; i++) {
		bool keep = n_filters == 0;

		for (unsigned int k = 0; k < n_filters && !keep; k++)
			keep = strstr(cases[i]->name, filters[k]) != NULL;
		if (keep)
			run[n_run++] = cases[i];
	}
	if (n_run == 1) {
		fprintf(stderr, "bench-core: no case matches the -f filters (list them with -l)\n");
		return 2;
	}

	ratio = calloc((size_t)n_run * rounds, sizeof(*ratio));
	if (!ratio) {
		fprintf(stderr, "bench-core: out of memory\n");
		return 1;
	}
	for (unsigned int c = 0; c < n_run; c++)
		iters[c] = calibrate(run[c], (uint64_t)batch_ms * 1000000);

	/* interleaved: every round runs every case, in a rotating order */
	for (long r = 0; r < rounds; r++) {
		double per_op[BENCH_MAX + 1];

		for (unsigned int k = 0; k < n_run; k++) {
			unsigned int c = (unsigned int)((k + r) % n_run);

			per_op[c] = (double)run[c]->run(run[c]->ctx, iters[c]) / (double)iters[c];
		}
		for (unsigned int c = 0; c < n_run; c++)
			ratio[c * rounds + r] = per_op[c] / per_op[0];
	}

	printf("bench-core: %ld interleaved rounds of %ld ms per case; median cost per operation\n"
	       "as a multiple of one %s measured in the same rounds (range over rounds in brackets)\n\n",
	       rounds, batch_ms, reference.name);
	printf("  %-26s %8s  %-17s %-8s %s\n", "case", "x rdtsc", "[min - max]", "target", "");
	for (unsigned int c = 0; c < n_run; c++) {
		double *v = &ratio[c * rounds];
		double med;
		char target[32] = "-";
		const char *mark = "";

		qsort(v, rounds, sizeof(*v), cmp_double);
		med = rounds % 2 ? v[rounds / 2] : (v[rounds / 2 - 1] + v[rounds / 2]) / 2;
		if (run[c]->target > 0) {
			snprintf(target, sizeof(target), "<= %.2f", run[c]->target);
			mark = med <= run[c]->target ? "PASS" : "MISS";
		}
		if (c == 0)
			printf("  %-26s %8.2f  %-17s %-8s %s\n", run[c]->name, 1.0, "(reference)", target, mark);
		else
			printf("  %-26s %8.2f  [%6.2f - %6.2f]  %-8s %s\n", run[c]->name, med, v[0], v[rounds - 1],
			       target, mark);
	}
	printf("\n");
	for (unsigned int c = 0; c < n_run; c++)
		printf("  %-26s %s\n", run[c]->name, run[c]->what);
	free(ratio);
	return 0;
}
