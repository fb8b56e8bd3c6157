/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench.h - the micro-benchmark harness.
 *
 * Every figure is a ratio to a reference measured in the same run (by
 * default one `rdtsc`), never a bare time: absolute times on a shared VM say
 * more about the neighbours than about the code. The harness calibrates a
 * batch size per case, then runs R rounds; each round runs every case once
 * (interleaved, so drift and noise hit all cases alike), computes each case's
 * cost per operation divided by the reference's cost in that same round, and
 * the report gives the median of those ratios with their range, the target
 * and PASS/MISS. A MISS never fails the run: timing is not a test.
 *
 * Adding cases: define a struct bench_case in any C file under bench/ and
 * register it with BENCH_REGISTER(var); every such file is linked into
 * build/bench/bench-core.
 */
#ifndef PA_BENCH_H
#define PA_BENCH_H

#include <stdint.h>

struct bench_case {
	const char *name;   /* shown in the report; also what -f filters on */
	const char *what;   /* one line: what one operation is */
	double target;      /* at most this many references per operation; 0: no target */
	/*
	 * Run `iters` operations and return the nanoseconds they took (measure
	 * with bench_now_ns(); leave set-up that is not the operation out).
	 */
	uint64_t (*run)(void *ctx, uint64_t iters);
	void *ctx;
	int order;          /* report order, ascending; the reference is 0 */
};

/* Monotonic nanoseconds (CLOCK_MONOTONIC). */
uint64_t bench_now_ns(void);

/* Keep a value alive so the compiler cannot drop the work producing it. */
void bench_sink(uint64_t v);

/* Add a case (before main runs; see BENCH_REGISTER). At most 64. */
void bench_register(const struct bench_case *c);

#define BENCH_REGISTER(var) \
	static void __attribute__((constructor)) bench_register_##var(void) { bench_register(&(var)); }

#endif /* PA_BENCH_H */
