/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-dump.c - print the results of a fixed, deterministic workout of every
 * core/ module, one fact per line. Built for x86_64 and for i386 (-m32, as
 * GNU Mach's port builds core/); tests/test-core-i386.sh requires the two
 * outputs to be identical, which checks the parts that differ between the two
 * targets: 128-bit arithmetic in two words, libgcc's 64-bit division,
 * 64-bit atomics, the 32-bit word copies of the ring, and structure layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "histogram.h"
#include "ring.h"
#include "stats.h"
#include "token-bucket.h"
#include "window.h"

#define U(x) ((unsigned long long)(x))

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void dump_hist(const char *name, const struct pa_hist *h)
{
	uint64_t nonzero = 0, sum = 0;

	for (unsigned int i = 0; i < PA_HIST_BUCKETS; i++) {
		nonzero += h->buckets[i] != 0;
		sum += h->buckets[i] * (i + 1);
	}
	printf("%s count %llu total %llu min %llu max %llu sumsq %016llx%016llx buckets %llu/%llu mean %llu\n", name,
	       U(h->count), U(h->total), U(h->min), U(h->max), U(h->sumsq_hi), U(h->sumsq_lo), U(nonzero), U(sum),
	       U(pa_hist_mean(h)));
	printf("%s pct", name);
	for (uint32_t q = 0; q <= 1000000; q += 12500)
		printf(" %llu", U(pa_hist_percentile(h, q)));
	printf(" p99.9 %llu p99.99 %llu\n", U(pa_hist_percentile(h, 999000)), U(pa_hist_percentile(h, 999900)));
	/* x87 and SSE may round the last bits differently: 12 significant digits */
	printf("%s var %.12g sd %.12g\n", name, pa_hist_variance(h), pa_hist_stddev(h));
}

static void workout_hist(void)
{
	static struct pa_hist a, b, c;

	pa_hist_reset(&a);
	pa_hist_reset(&b);
	pa_hist_reset(&c);
	for (int i = 0; i < 300000; i++) {
		uint64_t v = (next() >> 8) >> (next() % 56);

		pa_hist_record(&a, v);
		if (i % 7 == 0)
			pa_hist_record_n(&b, v, 1 + next() % 1000);
	}
	for (uint64_t v = 0; v < 70; v++)
		pa_hist_record(&c, v);
	pa_hist_record(&c, UINT64_MAX);
	pa_hist_record_n(&c, 1ull << 50, 1ull << 40);
	dump_hist("a", &a);
	dump_hist("b", &b);
	dump_hist("c", &c);
	pa_hist_merge(&a, &b);
	dump_hist("a+b", &a);
	for (uint64_t v = 1; v; v <<= 1)
		printf("%u ", pa_hist_bucket(v) ^ pa_hist_bucket(v - 1) ^ pa_hist_bucket(v + v / 3));
	printf("\n");
}

static void workout_stats_window(void)
{
	static struct pa_stats s, before, d;
	static struct pa_window slots[5], w, sum;
	struct pa_window_ring r;
	struct pa_thresholds t = PA_THRESHOLD_DEFAULTS;

	pa_stats_reset(&s);
	pa_stats_reset(&before);
	pa_window_ring_init(&r, slots, 5);
	for (uint64_t sec = 0; sec < 8; sec++) {
		for (uint64_t i = 0; i < 500 + sec * 150; i++)
			pa_stats_record(&s, sec * 1000000000ull + i, 100 + next() % (sec * 300000 + 1), next() % 40 == 0);
		s.sampled_out += sec;
		printf("delta %d", pa_stats_delta(&d, &s, &before));
		printf(" count %llu total %llu min %llu max %llu err %llu ts %llu %s\n", U(d.hist.count),
		       U(d.hist.total), U(d.hist.min), U(d.hist.max), U(d.errors), U(d.last_timestamp_ns),
		       pa_completeness_name(pa_stats_completeness(&d)));
		w.start_ns = sec * 1000000000ull;
		w.end_ns = w.start_ns + 1000000000ull;
		w.stats = d;
		printf("push %d thresholds %u\n", pa_window_ring_push(&r, &w), pa_thresholds_check(&t, &w));
		before = s;
	}
	pa_stats_reset(&before);
	printf("delta backwards %d\n", pa_stats_delta(&d, &before, &s));
	printf("summarise %u", pa_window_ring_summarise(&r, 0, UINT64_MAX, &sum));
	printf(" %llu..%llu count %llu total %llu p99 %llu\n", U(sum.start_ns), U(sum.end_ns), U(sum.stats.hist.count),
	       U(sum.stats.hist.total), U(pa_hist_percentile(&sum.stats.hist, 990000)));
	t.throughput_below = true;
	t.throughput_ops = 1500;
	for (uint32_t i = 0; i < r.count; i++)
		printf("window %u thresholds %u\n", i, pa_thresholds_check(&t, pa_window_ring_get(&r, i)));
}

static void workout_ring(void)
{
	for (int policy = 0; policy < PA_RING_POLICY_MAX; policy++) {
		struct pa_ring *r = aligned_alloc(64, PA_RING_BYTES(16));
		struct perf_sample s, out[16];
		uint64_t seq = 0, sum = 0, got = 0;

		pa_ring_init(r, 16, policy);
		for (int round = 0; round < 500; round++) {
			unsigned int push = next() % 24, pop = next() % 17, n;

			for (unsigned int i = 0; i < push; i++, seq++) {
				memset(&s, 0, sizeof(s));
				s.timestamp_ns = seq * 0x100000001ull;
				s.duration_ns = (uint32_t)seq;
				s.event = (uint8_t)seq;
				s.cpu = (uint16_t)(seq * 3);
				s.task_id = (uint32_t)(seq >> 1);
				s.thread_id = (uint32_t)(seq * 5);
				s.data1 = (uint32_t)(seq * 7);
				s.data2 = (uint32_t)~seq;
				pa_ring_push(r, &s);
			}
			n = pa_ring_pop(r, out, pop);
			for (unsigned int i = 0; i < n; i++)
				sum = sum * 31 + out[i].timestamp_ns + out[i].duration_ns + out[i].event + out[i].cpu +
				      out[i].task_id + out[i].thread_id + out[i].data1 + out[i].data2;
			got += n;
		}
		printf("ring policy %d pushed %llu got %llu overruns %llu count %u sum %016llx\n", policy, U(seq),
		       U(got), U(pa_ring_overruns(r)), pa_ring_count(r), U(sum));
		free(r);
	}
	printf("sizes sample %zu ring %zu slots@%zu hist %zu stats %zu window %zu\n", sizeof(struct perf_sample),
	       sizeof(struct pa_ring), offsetof(struct pa_ring, slots), sizeof(struct pa_hist),
	       sizeof(struct pa_stats), sizeof(struct pa_window));
}

static void workout_tb_events(void)
{
	struct pa_token_bucket tb;
	uint64_t now = 0, admitted = 0;

	pa_tb_init(&tb, 1000, 0, 0);
	for (int i = 0; i < 1000000; i++) {
		now += next() % 5000;
		admitted += pa_tb_take(&tb, now);
	}
	printf("token bucket admitted %llu of 1000000 in %llu ns\n", U(admitted), U(now));
	printf("events %d %d %d %s\n", pa_event_lookup(NULL, "2"), pa_event_lookup(NULL, "PERF_EVENT_PAGE_FAULT"),
	       pa_event_lookup(NULL, "syscall"), pa_event_name(NULL, 8));
}

int main(void)
{
	workout_hist();
	workout_stats_window();
	workout_ring();
	workout_tb_events();
	return 0;
}
