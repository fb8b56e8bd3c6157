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

static const struct bench_case hist_record = {
	.name = "hist record",
	.what = "pa_hist_record() of a latency spread over 14 powers of two",
	.target = 1.0,
	.run = run_hist_record,
	.order = 10,
};
BENCH_REGISTER(hist_record)

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

static const struct bench_case stats_record = {
	.name = "stats record",
	.what = "pa_stats_record(): histogram record plus error and timestamp",
	.run = run_stats_record,
	.order = 11,
};
BENCH_REGISTER(stats_record)

/* ---- ring ---- */
#define RING_CAP 65536u
static struct pa_ring *ring_ow, *ring_drop, *ring_pop;
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

static uint64_t run_ring_push_overwrite(void *ctx, uint64_t iters)
{
	struct perf_sample s;
	uint64_t t0;

	make_sample(&s, 0);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		s.timestamp_ns = i;
		pa_ring_push(ring_ow, &s);
	}
	return bench_now_ns() - t0;
}

static const struct bench_case ring_push_overwrite = {
	.name = "ring push (overwrite)",
	.what = "pa_ring_push() of a 32-byte sample, OVERWRITE ring, no consumer",
	.target = 1.2,
	.run = run_ring_push_overwrite,
	.order = 20,
};
BENCH_REGISTER(ring_push_overwrite)

/* Drop-newest: re-initialise (untimed) whenever full, so every timed push succeeds. */
static uint64_t run_ring_push_drop(void *ctx, uint64_t iters)
{
	struct perf_sample s;
	uint64_t ns = 0;

	make_sample(&s, 0);
	while (iters) {
		uint64_t n = RING_CAP - pa_ring_count(ring_drop), t0;

		if (n > iters)
			n = iters;
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < n; i++) {
			s.timestamp_ns = i;
			pa_ring_push(ring_drop, &s);
		}
		ns += bench_now_ns() - t0;
		iters -= n;
		if (pa_ring_count(ring_drop) == RING_CAP)
			pa_ring_init(ring_drop, RING_CAP, PA_RING_DROP_NEWEST);
	}
	return ns;
}

static const struct bench_case ring_push_drop = {
	.name = "ring push (drop-newest)",
	.what = "pa_ring_push() of a 32-byte sample into a DROP_NEWEST ring with room",
	.target = 1.2,
	.run = run_ring_push_drop,
	.order = 21,
};
BENCH_REGISTER(ring_push_drop)

/* Pop: fill the ring (untimed), then time draining it in batches of 64. */
static uint64_t run_ring_pop(void *ctx, uint64_t iters)
{
	struct perf_sample s;
	uint64_t ns = 0, done = 0;

	make_sample(&s, 0);
	while (done < iters) {
		uint64_t n = iters - done < RING_CAP ? iters - done : RING_CAP, got = 0, t0;

		for (uint64_t i = 0; i < n; i++)
			pa_ring_push(ring_pop, &s);
		t0 = bench_now_ns();
		while (got < n)
			got += pa_ring_pop(ring_pop, pop_buf, 64);
		ns += bench_now_ns() - t0;
		done += n;
	}
	bench_sink(pop_buf[0].timestamp_ns);
	return ns;
}

static const struct bench_case ring_pop_case = {
	.name = "ring pop (per sample)",
	.what = "pa_ring_pop() in batches of 64, cost per sample moved out",
	.run = run_ring_pop,
	.order = 22,
};
BENCH_REGISTER(ring_pop_case)

/* Overwrite-mode pop: the seqlock re-check on every batch. */
static struct pa_ring *ring_pop_ow;

static uint64_t run_ring_pop_ow(void *ctx, uint64_t iters)
{
	struct perf_sample s;
	uint64_t ns = 0, done = 0;

	make_sample(&s, 0);
	while (done < iters) {
		uint64_t n = iters - done < RING_CAP ? iters - done : RING_CAP, got = 0, t0;

		for (uint64_t i = 0; i < n; i++)
			pa_ring_push(ring_pop_ow, &s);
		t0 = bench_now_ns();
		while (got < n)
			got += pa_ring_pop(ring_pop_ow, pop_buf, 64);
		ns += bench_now_ns() - t0;
		done += n;
	}
	bench_sink(pop_buf[0].timestamp_ns);
	return ns;
}

static const struct bench_case ring_pop_ow_case = {
	.name = "ring pop (overwrite)",
	.what = "pa_ring_pop() from an OVERWRITE ring in batches of 64, per sample",
	.run = run_ring_pop_ow,
	.order = 23,
};
BENCH_REGISTER(ring_pop_ow_case)

/*
 * Push while another thread drains the ring: the cost of sharing the
 * indices' cache lines with a live consumer (DROP_NEWEST, so a slow consumer
 * shows as refused pushes, which still count as operations).
 */
static struct pa_ring *ring_shared;
static int drain_stop;

static void *drain_main(void *arg)
{
	struct perf_sample buf[64];
	uint64_t n = 0;

	while (!__atomic_load_n(&drain_stop, __ATOMIC_ACQUIRE))
		n += pa_ring_pop(ring_shared, buf, 64);
	while (pa_ring_pop(ring_shared, buf, 64))
		;
	bench_sink(n);
	return NULL;
}

static uint64_t run_ring_push_shared(void *ctx, uint64_t iters)
{
	struct perf_sample s;
	pthread_t th;
	uint64_t t0;

	make_sample(&s, 0);
	__atomic_store_n(&drain_stop, 0, __ATOMIC_RELEASE);
	if (pthread_create(&th, NULL, drain_main, NULL))
		abort();
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		s.timestamp_ns = i;
		pa_ring_push(ring_shared, &s);
	}
	t0 = bench_now_ns() - t0;
	__atomic_store_n(&drain_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	return t0;
}

static const struct bench_case ring_push_shared_case = {
	.name = "ring push (live consumer)",
	.what = "pa_ring_push() while a second thread pops in batches of 64 (DROP_NEWEST, 65536 slots)",
	.run = run_ring_push_shared,
	.order = 24,
};
BENCH_REGISTER(ring_push_shared_case)

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

static const struct bench_case tb_take = {
	.name = "token-bucket take",
	.what = "pa_tb_take() at 1 M events/s offered, 1000 samples/s admitted",
	.run = run_tb_take,
	.order = 30,
};
BENCH_REGISTER(tb_take)

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

static const struct bench_case clock_case = {
	.name = "clock_gettime (peer)",
	.what = "clock_gettime(CLOCK_MONOTONIC) through the vDSO, for comparison",
	.run = run_clock_gettime,
	.order = 90,
};
BENCH_REGISTER(clock_case)

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
}
