/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-export-json.c - pa_export_json read back with jansson: every sample
 * with every field, in time order with ties in input order; names, loss
 * counters, clock and statistics equal to the input; errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "export.h"
#include "histogram.h"

#define N 3000

static uint64_t lcg = 99;
static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((lcg >> 33) % n);
}

static json_t *export(const struct pa_export_trace *t, const struct pa_export_metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t err;
	json_t *root;

	assert_non_null(f);
	assert_int_equal(pa_export_json(f, t, m), 0);
	assert_int_equal(fclose(f), 0);
	root = json_loadb(buf, len, 0, &err);
	if (!root)
		fail_msg("not valid JSON: %s (line %d)", err.text, err.line);
	free(buf);
	return root;
}

static uint64_t u(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return (uint64_t)json_integer_value(v);
}

static void test_samples_and_stats(void **state)
{
	static struct perf_sample s[N];
	static struct pa_stats stats[PERF_EVENT_MAX];
	struct pa_event_table events = { 0 };
	const struct pa_export_comm comms[] = { { 7, 7, "init" }, { 8, 7, "bad\xff" } };
	const uint64_t per_cpu[] = { 4, 6 };
	int user = pa_event_register(&events, "my.event");
	json_t *root, *samples, *e;
	uint64_t prev_ts = 0;
	size_t i, prev_pos = 0;

	assert_int_equal(user, PERF_EVENT_USER_BASE);
	for (i = 0; i < N; i++) {
		s[i] = (struct perf_sample){ .timestamp_ns = 1000 + rnd(500) /* many ties */,
			.duration_ns = rnd(UINT32_MAX), .event = (uint8_t)(i % 5 == 0 ? (uint32_t)user : rnd(12)),
			.flags = (uint8_t)rnd(16), .cpu = (uint16_t)rnd(2), .task_id = UINT32_MAX - rnd(3),
			.thread_id = rnd(10), .data1 = (uint32_t)i /* the input position */, .data2 = UINT32_MAX };
	}
	for (unsigned int ev = 0; ev < PERF_EVENT_MAX; ev++) {
		pa_stats_reset(&stats[ev]);
		for (unsigned int k = 0; k < ev * 10; k++)
			pa_stats_record(&stats[ev], 100 + k, 1000 + k * ev, k % 3 == 0);
	}
	stats[PERF_EVENT_SYSCALL].dropped = 5;
	stats[PERF_EVENT_VM_ALLOC].sampled_out = 2;
	struct pa_export_trace t = { .samples = s, .n_samples = N, .events = &events, .comms = comms,
				     .n_comms = 2, .realtime_offset_ns = 1700000000123456789LL,
				     .cpu_dropped = per_cpu, .n_cpu_dropped = 2, .sampled_out = 3,
				     .hostname = "json" };
	struct pa_export_metrics m = { .stats = stats, .n_stats = PERF_EVENT_MAX, .events = &events };

	root = export(&t, &m);
	assert_string_equal(json_string_value(json_object_get(root, "format")), "perf-analysis-samples");
	assert_int_equal(u(json_object_get(root, "clock"), "realtime_offset_ns"), 1700000000123456789ull);
	assert_int_equal(u(json_object_get(root, "loss"), "samples_dropped"), 10);
	assert_int_equal(u(json_object_get(root, "loss"), "samples_sampled_out"), 3);
	e = json_array_get(json_object_get(root, "threads"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "comm")), "bad\xef\xbf\xbd");

	samples = json_object_get(root, "samples");
	assert_int_equal(json_array_size(samples), N);
	json_array_foreach(samples, i, e) {
		size_t pos = u(e, "data1");
		const struct perf_sample *x = &s[pos];

		assert_int_equal(u(e, "timestamp_ns"), x->timestamp_ns);
		assert_true(x->timestamp_ns > prev_ts || (x->timestamp_ns == prev_ts && pos > prev_pos) || i == 0);
		prev_ts = x->timestamp_ns;
		prev_pos = pos;
		assert_int_equal(u(e, "duration_ns"), x->duration_ns);
		assert_int_equal(u(e, "event_id"), x->event);
		assert_string_equal(json_string_value(json_object_get(e, "event")), pa_event_name(&events, x->event));
		assert_int_equal(u(e, "cpu"), x->cpu);
		assert_int_equal(u(e, "task_id"), x->task_id);
		assert_int_equal(u(e, "thread_id"), x->thread_id);
		assert_int_equal(u(e, "data2"), x->data2);
		assert_int_equal(u(e, "flags"), x->flags);
	}

	/* n_stats = 12: the built-ins, in id order */
	assert_int_equal(json_array_size(json_object_get(root, "stats")), PERF_EVENT_MAX);
	json_array_foreach(json_object_get(root, "stats"), i, e) {
		const struct pa_stats *x = &stats[i];

		assert_int_equal(u(e, "event_id"), i);
		assert_int_equal(u(e, "count"), x->hist.count);
		assert_int_equal(u(e, "total_ns"), x->hist.total);
		assert_int_equal(u(e, "min_ns"), x->hist.count ? x->hist.min : 0);
		assert_int_equal(u(e, "max_ns"), x->hist.max);
		assert_int_equal(u(e, "errors"), x->errors);
		assert_int_equal(u(e, "dropped"), x->dropped);
		assert_int_equal(u(e, "sampled_out"), x->sampled_out);
		assert_int_equal(u(e, "last_timestamp_ns"), x->last_timestamp_ns);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(root, "stats"),
		PERF_EVENT_SYSCALL), "completeness")), "lossy");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(root, "stats"),
		PERF_EVENT_VM_ALLOC), "completeness")), "sampled");
	json_decref(root);
}

static void test_empty_without_stats(void **state)
{
	struct pa_export_trace t = { 0 };
	json_t *root = export(&t, NULL);

	assert_int_equal(json_array_size(json_object_get(root, "samples")), 0);
	assert_null(json_object_get(root, "stats"));
	assert_string_equal(json_string_value(json_object_get(root, "hostname")), "unknown");
	json_decref(root);
}

static void test_errors(void **state)
{
	struct pa_export_trace t = { 0 }, bad = { .n_samples = 2 };
	struct pa_export_metrics m = { .n_stats = PERF_EVENT_ID_LIMIT + 1 };
	FILE *full = fopen("/dev/full", "w");

	assert_int_equal(pa_export_json(NULL, &t, NULL), -EINVAL);
	assert_int_equal(pa_export_json(stdout, NULL, NULL), -EINVAL);
	assert_int_equal(pa_export_json(stdout, &bad, NULL), -EINVAL);
	assert_int_equal(pa_export_json(stdout, &t, &m), -EINVAL);
	if (!full)
		skip();
	assert_int_equal(pa_export_json(full, &t, NULL), -EIO);
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_and_stats),
		cmocka_unit_test(test_empty_without_stats),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
