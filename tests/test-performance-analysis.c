/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-performance-analysis.c - the seed's main test program.
 *
 * Runs the seed's "Basic Performance Monitoring" example against the core
 * engine, with the clock injected: enable and configure (1000 samples/s, a
 * 4096-sample buffer), perform 1000 VM allocations, read count / total / min /
 * max / avg / last timestamp, then the same workload over ten one-second
 * windows with the seed's default thresholds. Later issues run it against the
 * real daemon; the arithmetic checked here is what the daemon will report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"
#include "ring.h"
#include "stats.h"
#include "token-bucket.h"
#include "window.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

static void test_seed_cli_event_arguments(void **state)
{
	/* `stats 2` and `check-regression -e 2` name VM allocation */
	assert_int_equal(pa_event_lookup(NULL, "2"), PERF_EVENT_VM_ALLOC);
	assert_int_equal(pa_event_lookup(NULL, "PERF_EVENT_VM_ALLOC"), PERF_EVENT_VM_ALLOC);
}

/*
 * One event type's monitor, as the daemon composes the engine: exact
 * statistics for every event, a rate-limited sample stream into a ring, and
 * every sample not delivered counted.
 */
struct monitor {
	bool enabled;
	struct pa_stats stats;        /* cumulative */
	struct pa_token_bucket tb;
	struct pa_ring *ring;
};

/* perf_monitor_enable() + perf_monitor_configure(rate, buffer) */
static struct monitor *monitor_new(uint64_t rate, uint32_t buffer, uint64_t now)
{
	struct monitor *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->ring = aligned_alloc(64, PA_RING_BYTES(buffer));
	assert_non_null(m->ring);
	assert_int_equal(pa_ring_init(m->ring, buffer, PA_RING_DROP_NEWEST), 0);
	pa_tb_init(&m->tb, rate, 0, now);
	pa_stats_reset(&m->stats);
	m->enabled = true;
	return m;
}

static void monitor_free(struct monitor *m)
{
	free(m->ring);
	free(m);
}

/* PERF_EVENT_TIME_END: the event ended at `end` after `dur` ns. */
static void monitor_event(struct monitor *m, uint64_t end, uint64_t dur, bool failed, uint32_t size)
{
	struct perf_sample s = {
		.timestamp_ns = end, .duration_ns = (uint32_t)dur, .event = PERF_EVENT_VM_ALLOC,
		.flags = failed ? PERF_SAMPLE_F_ERROR : 0, .task_id = 100, .thread_id = 101, .data1 = size,
	};

	if (!m->enabled)
		return;
	pa_stats_record(&m->stats, end, dur, failed);
	if (!pa_tb_take(&m->tb, end))
		m->stats.sampled_out++;
	else if (!pa_ring_push(m->ring, &s))
		m->stats.dropped++;
	else
		m->stats.samples++;
}

/* A VM allocation's duration: 1.5 us .. 4.6 us, deterministic. */
static uint64_t alloc_duration(uint64_t i)
{
	return 1500 + (i * 7919) % 3100;
}

/*
 * The seed's example: enable, configure(1000, 4096), 1000 x vm_allocate +
 * vm_deallocate, perf_get_event_stats(PERF_EVENT_VM_ALLOC).
 */
static void test_basic_performance_monitoring(void **state)
{
	uint64_t now = 5 * SEC, total = 0, min = UINT64_MAX, max = 0, last = 0;
	struct monitor *m = monitor_new(1000, 4096, now);
	struct perf_sample *out = calloc(4096, sizeof(*out));
	uint32_t popped = 0, k;

	assert_non_null(out);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t dur = alloc_duration(i);

		now += dur; /* vm_allocate */
		monitor_event(m, now, dur, false, 4096);
		total += dur;
		min = dur < min ? dur : min;
		max = dur > max ? dur : max;
		last = now;
		now += 800; /* vm_deallocate, not monitored here */
	}

	/* perf_get_event_stats(): count, total, min, max, avg, last timestamp */
	assert_int_equal(m->stats.hist.count, 1000);
	assert_int_equal(m->stats.hist.total, total);
	assert_int_equal(m->stats.hist.min, min);
	assert_int_equal(m->stats.hist.max, max);
	assert_int_equal(pa_hist_mean(&m->stats.hist), total / 1000);
	assert_int_equal(m->stats.last_timestamp_ns, last);
	assert_int_equal(m->stats.errors, 0);
	printf("# VM Allocations: %llu, Average time: %llu us (%llu ns), p99 %llu ns\n",
	       (unsigned long long)m->stats.hist.count, (unsigned long long)pa_hist_mean(&m->stats.hist) / 1000,
	       (unsigned long long)pa_hist_mean(&m->stats.hist),
	       (unsigned long long)pa_hist_percentile(&m->stats.hist, 990000));

	/*
	 * 1000 allocations in ~3.9 ms against 1000 samples/s: the burst (100)
	 * plus at most 4 refills are sampled, the rest counted as sampled out.
	 * The statistics above stay exact regardless.
	 */
	assert_true(m->stats.samples >= 100);
	assert_true(m->stats.samples <= 100 + (now - 5 * SEC) * 1000 / SEC + 1);
	assert_int_equal(m->stats.samples + m->stats.sampled_out, 1000);
	assert_int_equal(m->stats.dropped, 0);
	assert_int_equal(pa_stats_completeness(&m->stats), PA_SAMPLED);
	assert_string_equal(pa_completeness_name(pa_stats_completeness(&m->stats)), "sampled");

	/* the sample stream: what was sampled, in order, intact */
	while ((k = pa_ring_pop(m->ring, out + popped, 64)) > 0)
		popped += k;
	assert_int_equal(popped, m->stats.samples);
	for (uint32_t i = 0; i < popped; i++) {
		assert_int_equal(out[i].event, PERF_EVENT_VM_ALLOC);
		assert_int_equal(out[i].data1, 4096);
		assert_true(out[i].duration_ns >= min && out[i].duration_ns <= max);
		if (i)
			assert_true(out[i].timestamp_ns > out[i - 1].timestamp_ns);
	}
	/* the first 100 samples are the burst: the first 100 allocations exactly */
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(out[i].duration_ns, alloc_duration(i));

	/* disabled: nothing is recorded */
	m->enabled = false;
	monitor_event(m, now + 1, 10, false, 4096);
	assert_int_equal(m->stats.hist.count, 1000);
	free(out);
	monitor_free(m);
}

/*
 * `monitor -i 1` over ten seconds: 100 allocations per second; the daemon
 * closes a window every second as the delta of cumulative snapshots. Second
 * 4 has a slow burst (latency threshold), second 7 fails 10 % (error rate).
 */
static void test_windows_and_thresholds(void **state)
{
	const uint64_t t0 = 100 * SEC;
	struct monitor *m = monitor_new(1000, 4096, t0);
	struct pa_window *slots = calloc(16, sizeof(*slots));
	struct pa_window *w = calloc(1, sizeof(*w)), *sum = calloc(1, sizeof(*sum));
	struct pa_stats *snap = calloc(1, sizeof(*snap));
	struct pa_thresholds th = PA_THRESHOLD_DEFAULTS;
	struct pa_window_ring r;
	uint64_t per_sec_total[10] = { 0 };

	assert_non_null(slots);
	assert_non_null(w);
	assert_non_null(sum);
	assert_non_null(snap);
	assert_int_equal(pa_window_ring_init(&r, slots, 16), 0);
	pa_stats_reset(snap);
	for (uint64_t sec = 0; sec < 10; sec++) {
		for (uint64_t i = 0; i < 100; i++) {
			uint64_t dur = alloc_duration(sec * 100 + i);

			if (sec == 4 && i % 10 == 0)
				dur = 2500 * US; /* 10 slow allocations: p99 above 1000 us */
			monitor_event(m, t0 + sec * SEC + i * 10 * MS, dur, sec == 7 && i % 10 == 0, 4096);
			per_sec_total[sec] += dur;
		}
		/* close the window [sec, sec + 1) */
		assert_int_equal(pa_stats_delta(&w->stats, &m->stats, snap), 0);
		w->start_ns = t0 + sec * SEC;
		w->end_ns = w->start_ns + SEC;
		assert_int_equal(pa_window_ring_push(&r, w), 0);
		*snap = m->stats;
	}
	assert_int_equal(r.count, 10);

	/* each window holds exactly its own second */
	for (uint32_t sec = 0; sec < 10; sec++) {
		const struct pa_window *g = pa_window_ring_get(&r, 9 - sec);
		uint32_t crossed = pa_thresholds_check(&th, g);

		assert_int_equal(g->stats.hist.count, 100);
		assert_int_equal(g->stats.hist.total, per_sec_total[sec]);
		assert_int_equal(g->stats.errors, sec == 7 ? 10 : 0);
		/* 100 ops/s is not above the 1000 ops/s default; latency and errors as planted */
		assert_int_equal(crossed, (sec == 4 ? PA_THRESHOLD_LATENCY : 0) |
						  (sec == 7 ? PA_THRESHOLD_ERROR_RATE : 0));
	}
	/* alerting on a throughput floor instead: 100/s is below 1000/s everywhere */
	th.throughput_below = true;
	assert_true(pa_thresholds_check(&th, pa_window_ring_get(&r, 0)) & PA_THRESHOLD_THROUGHPUT);

	/* any period: all ten windows merge back to the cumulative statistics */
	assert_int_equal(pa_window_ring_summarise(&r, 0, UINT64_MAX, sum), 10);
	assert_int_equal(sum->stats.hist.count, m->stats.hist.count);
	assert_int_equal(sum->stats.hist.total, m->stats.hist.total);
	assert_memory_equal(sum->stats.hist.buckets, m->stats.hist.buckets, sizeof(sum->stats.hist.buckets));
	assert_int_equal(sum->stats.errors, 10);
	assert_int_equal(sum->stats.hist.max, 2500 * US);
	assert_int_equal(sum->start_ns, t0);
	assert_int_equal(sum->end_ns, t0 + 10 * SEC);
	/* seconds 3..5 only */
	assert_int_equal(pa_window_ring_summarise(&r, t0 + 3 * SEC, t0 + 6 * SEC, sum), 3);
	assert_int_equal(sum->stats.hist.total, per_sec_total[3] + per_sec_total[4] + per_sec_total[5]);
	assert_true(pa_hist_percentile(&sum->stats.hist, 990000) >= 2500 * US - 2500 * US / 64);
	/* 100 events/s at 1000 samples/s: nothing sampled out, the whole stream is complete */
	assert_int_equal(m->stats.sampled_out, 0);
	assert_int_equal(m->stats.samples, 1000);
	assert_int_equal(pa_stats_completeness(&m->stats), PA_COMPLETE);
	free(slots);
	free(w);
	free(sum);
	free(snap);
	monitor_free(m);
}

/* A buffer nobody drains: the overflow is counted, and the statistics say lossy. */
static void test_buffer_overrun_is_counted(void **state)
{
	struct monitor *m = monitor_new(1000000, 64, 0);

	/* 1000 events 1 us apart at 1 M samples/s: all sampled, the ring holds 64 */
	for (uint64_t i = 1; i <= 1000; i++)
		monitor_event(m, i * US, 500, false, 4096);
	assert_int_equal(m->stats.hist.count, 1000);
	assert_int_equal(m->stats.samples, 64);
	assert_int_equal(m->stats.dropped + m->stats.sampled_out, 1000 - 64);
	assert_int_equal(m->stats.dropped, pa_ring_overruns(m->ring));
	assert_true(m->stats.dropped > 0);
	assert_int_equal(pa_stats_completeness(&m->stats), PA_LOSSY);
	monitor_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_cli_event_arguments),
		cmocka_unit_test(test_basic_performance_monitoring),
		cmocka_unit_test(test_windows_and_thresholds),
		cmocka_unit_test(test_buffer_overrun_is_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
