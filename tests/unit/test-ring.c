/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-ring.c - the SPSC sample ring: wrap-around, overrun counting for both
 * policies, the overwrite protocol, and a concurrent producer/consumer pair
 * checking order, integrity and received + overruns == pushed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include "ring.h"
#include "pa-errno.h"

/* Every field is a function of the sequence number, so a torn sample shows. */
static void make_sample(struct perf_sample *s, uint64_t seq)
{
	s->timestamp_ns = seq;
	s->duration_ns = (uint32_t)(seq * 2654435761u);
	s->event = (uint8_t)(seq % 12);
	s->flags = (uint8_t)(seq % 3);
	s->cpu = (uint16_t)(seq % 1000);
	s->task_id = (uint32_t)(seq >> 32) ^ 0xabcu;
	s->thread_id = ~(uint32_t)seq;
	s->data1 = (uint32_t)(seq * 7);
	s->data2 = (uint32_t)(seq >> 7) ^ 0x5a5a5a5au;
}

static bool sample_intact(const struct perf_sample *s)
{
	struct perf_sample e;

	make_sample(&e, s->timestamp_ns);
	return memcmp(&e, s, sizeof(e)) == 0;
}

static struct pa_ring *ring_new(uint32_t capacity, enum pa_ring_policy policy)
{
	struct pa_ring *r = aligned_alloc(64, PA_RING_BYTES(capacity));

	assert_non_null(r);
	memset(r, 0xee, PA_RING_BYTES(capacity)); /* init must not rely on zeroed memory */
	assert_int_equal(pa_ring_init(r, capacity, policy), 0);
	return r;
}

static void test_init_rejects_bad_arguments(void **state)
{
	struct pa_ring *r = aligned_alloc(64, PA_RING_BYTES(16));

	assert_int_equal(pa_ring_init(r, 0, PA_RING_DROP_NEWEST), -PA_EINVAL);
	assert_int_equal(pa_ring_init(r, 1, PA_RING_DROP_NEWEST), -PA_EINVAL);
	assert_int_equal(pa_ring_init(r, 12, PA_RING_DROP_NEWEST), -PA_EINVAL);
	assert_int_equal(pa_ring_init(r, 16, PA_RING_POLICY_MAX), -PA_EINVAL);
	assert_int_equal(pa_ring_init(r, 16, (enum pa_ring_policy)-1), -PA_EINVAL);
	assert_int_equal(pa_ring_init(r, 2, PA_RING_OVERWRITE), 0);
	assert_int_equal(pa_ring_init(r, 16, PA_RING_DROP_NEWEST), 0);
	assert_int_equal(pa_ring_count(r), 0);
	assert_int_equal(pa_ring_overruns(r), 0);
	/* the 32-byte sample layout and the slot alignment the header promises */
	assert_int_equal(sizeof(struct perf_sample), 32);
	assert_int_equal(offsetof(struct pa_ring, slots) % 64, 0);
	free(r);
}

/* Push/pop in uneven batches so indices wrap many times, for both policies. */
static void test_wrap_around(void **state)
{
	for (int policy = 0; policy < PA_RING_POLICY_MAX; policy++) {
		struct pa_ring *r = ring_new(8, policy);
		struct perf_sample s, out[8];
		uint64_t next_push = 0, next_pop = 0;

		for (int round = 0; round < 1000; round++) {
			uint32_t k = 1 + round % 8, got;

			for (uint32_t i = 0; i < k; i++) {
				make_sample(&s, next_push++);
				assert_true(pa_ring_push(r, &s));
			}
			assert_int_equal(pa_ring_count(r), k);
			/* pop in two batches, the first possibly smaller than what is queued */
			got = pa_ring_pop(r, out, (k + 1) / 2);
			assert_int_equal(got, (k + 1) / 2);
			got += pa_ring_pop(r, out + got, 8);
			assert_int_equal(got, k);
			for (uint32_t i = 0; i < k; i++) {
				assert_true(sample_intact(&out[i]));
				assert_int_equal(out[i].timestamp_ns, next_pop++);
			}
			assert_int_equal(pa_ring_pop(r, out, 8), 0);
		}
		assert_true(r->head > 1000);
		assert_int_equal(pa_ring_overruns(r), 0);
		free(r);
	}
}

static void test_drop_newest_counts_overruns(void **state)
{
	struct pa_ring *r = ring_new(8, PA_RING_DROP_NEWEST);
	struct perf_sample s, out[16];

	for (uint64_t i = 0; i < 8; i++) {
		make_sample(&s, i);
		assert_true(pa_ring_push(r, &s));
	}
	/* full: the newest are refused and counted */
	for (uint64_t i = 8; i < 11; i++) {
		make_sample(&s, i);
		assert_false(pa_ring_push(r, &s));
	}
	assert_int_equal(pa_ring_overruns(r), 3);
	assert_int_equal(pa_ring_count(r), 8);
	/* the oldest survive */
	assert_int_equal(pa_ring_pop(r, out, 3), 3);
	assert_int_equal(out[0].timestamp_ns, 0);
	/* room again for exactly three */
	for (uint64_t i = 11; i < 15; i++) {
		make_sample(&s, i);
		assert_int_equal(pa_ring_push(r, &s), i < 14);
	}
	assert_int_equal(pa_ring_overruns(r), 4);
	assert_int_equal(pa_ring_pop(r, out, 16), 8);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i].timestamp_ns, 3 + i);
	for (int i = 5; i < 8; i++)
		assert_int_equal(out[i].timestamp_ns, 11 + i - 5);
	free(r);
}

static void test_overwrite_keeps_newest(void **state)
{
	struct pa_ring *r = ring_new(8, PA_RING_OVERWRITE);
	struct perf_sample s, out[16];

	/* exactly full: nothing lost, all capacity usable */
	for (uint64_t i = 0; i < 8; i++) {
		make_sample(&s, i);
		assert_true(pa_ring_push(r, &s));
	}
	assert_int_equal(pa_ring_count(r), 8);
	assert_int_equal(pa_ring_overruns(r), 0);
	assert_int_equal(pa_ring_pop(r, out, 16), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(out[i].timestamp_ns, i);
	/* 20 more: the oldest 12 are overwritten, and already shown as lost before the pop */
	for (uint64_t i = 8; i < 28; i++) {
		make_sample(&s, i);
		assert_true(pa_ring_push(r, &s));
	}
	assert_int_equal(pa_ring_count(r), 8);
	assert_int_equal(pa_ring_overruns(r), 12);
	assert_int_equal(pa_ring_pop(r, out, 3), 3);
	assert_int_equal(out[0].timestamp_ns, 20);
	assert_int_equal(pa_ring_overruns(r), 12);
	/* lap the consumer again half-way through its batch */
	for (uint64_t i = 28; i < 35; i++) {
		make_sample(&s, i);
		assert_true(pa_ring_push(r, &s));
	}
	/* queued were 23..34; 23..26 were overwritten */
	assert_int_equal(pa_ring_overruns(r), 16);
	assert_int_equal(pa_ring_pop(r, out, 16), 8);
	for (int i = 0; i < 8; i++) {
		assert_true(sample_intact(&out[i]));
		assert_int_equal(out[i].timestamp_ns, 27 + i);
	}
	assert_int_equal(pa_ring_overruns(r), 16);
	assert_int_equal(pa_ring_pop(r, out, 16), 0);
	free(r);
}

/*
 * The seqlock check, deterministically: freeze the producer in the middle of
 * overwriting the oldest slot (writing = head, slot half written, head not
 * yet advanced) and pop. The half-written sample must not come out.
 */
static void test_overwrite_in_progress_is_not_returned(void **state)
{
	struct pa_ring *r = ring_new(4, PA_RING_OVERWRITE);
	struct perf_sample s, out[8];

	for (uint64_t i = 0; i < 4; i++) {
		make_sample(&s, i);
		pa_ring_push(r, &s);
	}
	/* what pa_ring_push does first for sample 4 ... */
	r->writing = r->head;
	/* ... and part of the slot it is filling (sample 0's) */
	r->slots[0].timestamp_ns = 4;
	r->slots[0].duration_ns = 0;
	assert_int_equal(pa_ring_count(r), 4);
	assert_int_equal(pa_ring_overruns(r), 1);
	assert_int_equal(pa_ring_pop(r, out, 8), 3);
	for (int i = 0; i < 3; i++) {
		assert_true(sample_intact(&out[i]));
		assert_int_equal(out[i].timestamp_ns, 1 + i);
	}
	assert_int_equal(pa_ring_overruns(r), 1);
	/* the producer finishes sample 4: it comes out whole, nothing counted twice */
	make_sample(&r->slots[0], 4);
	r->head++;
	assert_int_equal(pa_ring_pop(r, out, 8), 1);
	assert_true(sample_intact(&out[0]));
	assert_int_equal(out[0].timestamp_ns, 4);
	assert_int_equal(pa_ring_overruns(r), 1);
	free(r);
}

/* Concurrent pair: the producer thread pushes, the test thread pops. */
struct producer {
	struct pa_ring *r;
	uint64_t n;        /* samples to push */
	bool retry;        /* DROP_NEWEST: retry refused pushes (lossless mode) */
	uint64_t refused;  /* pushes that returned false */
	int done;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct perf_sample s;

	for (uint64_t seq = 0; seq < p->n; seq++) {
		make_sample(&s, seq);
		while (!pa_ring_push(p->r, &s)) {
			p->refused++;
			if (!p->retry)
				break;
			sched_yield(); /* let the consumer run, even on one CPU */
		}
	}
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void run_pair(enum pa_ring_policy policy, uint32_t capacity, bool retry, uint64_t n)
{
	struct producer p = { .r = ring_new(capacity, policy), .n = n, .retry = retry };
	struct perf_sample out[64];
	uint64_t received = 0, expect_min = 0, gaps = 0;
	pthread_t th;
	bool done = false;

	assert_int_equal(pthread_create(&th, NULL, producer_main, &p), 0);
	for (;;) {
		uint32_t k;

		/* read done before popping: a pop that then returns 0 has seen everything */
		if (__atomic_load_n(&p.done, __ATOMIC_ACQUIRE))
			done = true;
		k = pa_ring_pop(p.r, out, 64);
		for (uint32_t i = 0; i < k; i++) {
			if (!sample_intact(&out[i]))
				fail_msg("torn sample at seq %llu", (unsigned long long)out[i].timestamp_ns);
			/* strictly increasing: in order, no duplicates */
			if (out[i].timestamp_ns < expect_min)
				fail_msg("seq %llu after %llu", (unsigned long long)out[i].timestamp_ns,
					 (unsigned long long)expect_min - 1);
			gaps += out[i].timestamp_ns != expect_min;
			expect_min = out[i].timestamp_ns + 1;
		}
		received += k;
		if (k == 0 && done)
			break;
		if (k == 0)
			sched_yield();
	}
	pthread_join(th, NULL);
	printf("# %s cap %u%s: pushed %llu, received %llu, overruns %llu, gaps %llu\n",
	       policy == PA_RING_OVERWRITE ? "overwrite" : "drop-newest", capacity, retry ? " (retry)" : "",
	       (unsigned long long)n, (unsigned long long)received,
	       (unsigned long long)pa_ring_overruns(p.r), (unsigned long long)gaps);
	if (retry) {
		/* lossless: everything arrives, in order; refusals were counted as overruns */
		assert_int_equal(received, n);
		assert_int_equal(gaps, 0);
		assert_int_equal(pa_ring_overruns(p.r), p.refused);
	} else {
		assert_int_equal(received + pa_ring_overruns(p.r), n);
		if (policy == PA_RING_DROP_NEWEST)
			assert_int_equal(pa_ring_overruns(p.r), p.refused);
		else
			assert_int_equal(p.refused, 0);
	}
	assert_true(received > 0);
	/* the newest sample is never the one lost, except when refused in drop-newest mode */
	if (retry || policy == PA_RING_OVERWRITE)
		assert_int_equal(expect_min, n);
	free(p.r);
}

static void test_concurrent_drop_newest_lossless(void **state)
{
	run_pair(PA_RING_DROP_NEWEST, 1024, true, 4000000);
}

static void test_concurrent_drop_newest_lossy(void **state)
{
	run_pair(PA_RING_DROP_NEWEST, 64, false, 4000000);
}

static void test_concurrent_overwrite(void **state)
{
	/* a small ring, so the producer laps the consumer often, mid-copy too */
	run_pair(PA_RING_OVERWRITE, 16, false, 4000000);
	run_pair(PA_RING_OVERWRITE, 4096, false, 4000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_arguments),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_drop_newest_counts_overruns),
		cmocka_unit_test(test_overwrite_keeps_newest),
		cmocka_unit_test(test_overwrite_in_progress_is_not_returned),
		cmocka_unit_test(test_concurrent_drop_newest_lossless),
		cmocka_unit_test(test_concurrent_drop_newest_lossy),
		cmocka_unit_test(test_concurrent_overwrite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
