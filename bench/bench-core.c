/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-core.c - the core engine's hot paths: histogram record, ring push
 * and pop, token-bucket take. Targets from issue 2: histogram record <= 1x
 * rdtsc, ring push <= 1.2x rdtsc.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "histogram.h"
#include "ring.h"
#include "stats.h"
#include "token-bucket.h"

#define VALUES 4096 /* a power of two */

/* Latencies spread like real ones: log-uniform from 64 ns to ~1 ms, so many buckets are hit. */
static uint64_t values[VALUES];

static void init_values(void)
{
	uint64_t x = 0x243f6a8885a308d3ull;

	for (unsigned int i = 0; i < VALUES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		values[i] = (64 + (x & 63)) << (x >> 58) % 14;
	}
}

/* ---- histogram ---- */
static struct pa_hist hist;

static uint64_t run_hist_record(void *ctx, uint64_t iters)
{
	uint64_t t0 = bench_now_ns();

	for (uint64_t i = 0; i < iters; i++)
		pa_hist_record(&hist, values[i & (VALUES - 1)]);
	t0 = bench_now_ns() - t0;
	bench_sink(hist.count);
	return t0;
}

static struct pa_stats stats;

static uint64_t run_stats_record(void *ctx, uint64_t iters)
{
	uint64_t t0 = bench_now_ns();

	for (uint64_t i = 0; i < iters; i++)
		pa_stats_record(&stats, i, values[i & (VALUES - 1)], false);
	t0 = bench_now_ns() - t0;
	bench_sink(stats.hist.count);
	return t0;
}

/*
 * ---- ring ----
 * Each ring case has a ring of its own, allocated at start-up; its ctx is the
 * address of the ring's pointer.
 */
#define RING_CAP 65536u
static struct pa_ring *ring_ow, *ring_drop, *ring_pop, *ring_pop_ow, *ring_shared;
static struct perf_sample pop_buf[64];

static void make_sample(struct perf_sample *s, uint64_t i)
{
	s->timestamp_ns = i;
	s->duration_ns = (uint32_t)values[i & (VALUES - 1)];
	s->event = 2;
	s->flags = 0;
	s->cpu = 1;
	s->task_id = 1234;
	s->thread_id = 1235;
	s->data1 = 4096;
	s->data2 = 0;
}

/* Time `n` pushes of a sample (its timestamp counting up from 0) into `r`; ns. */
static uint64_t time_pushes(struct pa_ring *r, uint64_t n)
{
	struct perf_sample s;
	uint64_t t0;

	make_sample(&s, 0);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		s.timestamp_ns = i;
		pa_ring_push(r, &s);
	}
	return bench_now_ns() - t0;
}

static uint64_t run_ring_push(void *ctx, uint64_t iters)
{
	return time_pushes(*(struct pa_ring **)ctx, iters);
}

/* Drop-newest: re-initialise (untimed) whenever full, so every timed push succeeds. */
static uint64_t run_ring_push_drop(void *ctx, uint64_t iters)
{
	struct pa_ring *r = *(struct pa_ring **)ctx;
	uint64_t ns = 0;

	while (iters) {
		uint64_t n = RING_CAP - pa_ring_count(r);

		if (n > iters)
			n = iters;
		ns += time_pushes(r, n);
		iters -= n;
		if (pa_ring_count(r) == RING_CAP)
			pa_ring_init(r, RING_CAP, PA_RING_DROP_NEWEST);
	}
	return ns;
}

/* Pop: fill the ring (untimed), then time draining it in batches of 64. */
static uint64_t run_ring_pop(void *ctx, uint64_t iters)
{
	struct pa_ring *r = *(struct pa_ring **)ctx;
	struct perf_sample s;
	uint64_t ns = 0, done = 0;

	make_sample(&s, 0);
	while (done < iters) {
		uint64_t n = iters - done < RING_CAP ? iters - done : RING_CAP, got = 0, t0;

		for (uint64_t i = 0; i < n; i++)
			pa_ring_push(r, &s);
		t0 = bench_now_ns();
		while (got < n)
			got += pa_ring_pop(r, pop_buf, 64);
		ns += bench_now_ns() - t0;
		done += n;
	}
	bench_sink(pop_buf[0].timestamp_ns);
	return ns;
}

/*
 * Push while another thread drains the ring: the cost of sharing the
 * indices' cache lines with a live consumer (DROP_NEWEST, so a slow consumer
 * shows as refused pushes, which still count as operations).
 */
static int drain_stop;

static void *drain_main(void *arg)
{
	struct pa_ring *r = arg;
	struct perf_sample buf[64];
	uint64_t n = 0;

	while (!__atomic_load_n(&drain_stop, __ATOMIC_ACQUIRE))
		n += pa_ring_pop(r, buf, 64);
	while (pa_ring_pop(r, buf, 64))
		;
	bench_sink(n);
	return NULL;
}

static uint64_t run_ring_push_shared(void *ctx, uint64_t iters)
{
	struct pa_ring *r = *(struct pa_ring **)ctx;
	pthread_t th;
	uint64_t ns;

	__atomic_store_n(&drain_stop, 0, __ATOMIC_RELEASE);
	if (pthread_create(&th, NULL, drain_main, r))
		abort();
	ns = time_pushes(r, iters);
	__atomic_store_n(&drain_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	return ns;
}

/* ---- token bucket ---- */
static struct pa_token_bucket tb;
static uint64_t tb_now;

static uint64_t run_tb_take(void *ctx, uint64_t iters)
{
	uint64_t t0 = bench_now_ns(), admitted = 0;

	/* an event every 997 ns (~1 M/s) against the seed's 1000 samples/s */
	for (uint64_t i = 0; i < iters; i++) {
		tb_now += 997;
		admitted += pa_tb_take(&tb, tb_now);
	}
	t0 = bench_now_ns() - t0;
	bench_sink(admitted);
	return t0;
}

/* ---- a peer: the clock the instrumentation could read instead of rdtsc ---- */
static uint64_t run_clock_gettime(void *ctx, uint64_t iters)
{
	uint64_t t0 = bench_now_ns(), acc = 0;
	struct timespec ts;

	for (uint64_t i = 0; i < iters; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		acc += (uint64_t)ts.tv_nsec;
	}
	t0 = bench_now_ns() - t0;
	bench_sink(acc);
	return t0;
}

/* The cases: report order, name, target (x rdtsc, 0: none), run, ctx, what one operation is. */
#define CASE(order_, name_, target_, run_, ctx_, what_) \
	{ .order = (order_), .name = (name_), .target = (target_), .run = (run_), .ctx = (ctx_), .what = (what_) }

static const struct bench_case core_cases[] = {
	CASE(10, "hist record", 1.0, run_hist_record, NULL,
	     "pa_hist_record() of a latency spread over 14 powers of two"),
	CASE(11, "stats record", 0, run_stats_record, NULL,
	     "pa_stats_record(): histogram record plus error and timestamp"),
	CASE(20, "ring push (overwrite)", 1.2, run_ring_push, &ring_ow,
	     "pa_ring_push() of a 32-byte sample, OVERWRITE ring, no consumer"),
	CASE(21, "ring push (drop-newest)", 1.2, run_ring_push_drop, &ring_drop,
	     "pa_ring_push() of a 32-byte sample into a DROP_NEWEST ring with room"),
	CASE(22, "ring pop (per sample)", 0, run_ring_pop, &ring_pop,
	     "pa_ring_pop() in batches of 64, cost per sample moved out"),
	/* overwrite-mode pop: the seqlock re-check on every batch */
	CASE(23, "ring pop (overwrite)", 0, run_ring_pop, &ring_pop_ow,
	     "pa_ring_pop() from an OVERWRITE ring in batches of 64, per sample"),
	CASE(24, "ring push (live consumer)", 0, run_ring_push_shared, &ring_shared,
	     "pa_ring_push() while a second thread pops in batches of 64 (DROP_NEWEST, 65536 slots)"),
	CASE(30, "token-bucket take", 0, run_tb_take, NULL,
	     "pa_tb_take() at 1 M events/s offered, 1000 samples/s admitted"),
	CASE(90, "clock_gettime (peer)", 0, run_clock_gettime, NULL,
	     "clock_gettime(CLOCK_MONOTONIC) through the vDSO, for comparison"),
};

static struct pa_ring *ring_alloc(enum pa_ring_policy policy)
{
	struct pa_ring *r = aligned_alloc(64, PA_RING_BYTES(RING_CAP));

	if (!r || pa_ring_init(r, RING_CAP, policy) < 0)
		abort();
	memset(r->slots, 0, RING_CAP * sizeof(struct perf_sample)); /* fault the pages in now */
	return r;
}

static void __attribute__((constructor)) bench_core_init(void)
{
	init_values();
	pa_hist_reset(&hist);
	pa_stats_reset(&stats);
	ring_ow = ring_alloc(PA_RING_OVERWRITE);
	ring_drop = ring_alloc(PA_RING_DROP_NEWEST);
	ring_pop = ring_alloc(PA_RING_DROP_NEWEST);
	ring_pop_ow = ring_alloc(PA_RING_OVERWRITE);
	ring_shared = ring_alloc(PA_RING_DROP_NEWEST);
	pa_tb_init(&tb, 1000, 0, 0);
	for (size_t i = 0; i < sizeof(core_cases) / sizeof(core_cases[0]); i++)
		bench_register(&core_cases[i]);
}
