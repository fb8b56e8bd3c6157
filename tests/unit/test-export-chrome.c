/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-export-chrome.c - pa_export_chrome on hand-made cases, read back with
 * jansson (a strict parser: it refuses invalid UTF-8): which samples become
 * complete, async or instant events, exact microseconds, names escaped,
 * drops in the metadata, errors.
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

static json_t *export_to_json(const struct pa_export_trace *t, char **ret_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t err;
	json_t *root;

	assert_non_null(f);
	assert_int_equal(pa_export_chrome(f, t), 0);
	assert_int_equal(fclose(f), 0);
	root = json_loadb(buf, len, 0, &err);
	if (!root)
		fail_msg("not valid JSON: %s at line %d: %.200s", err.text, err.line, buf);
	if (ret_text)
		*ret_text = buf;
	else
		free(buf);
	return root;
}

/* The trace event whose name and data1 match (data1 tags samples in these tests). */
static json_t *find(json_t *root, const char *ph, uint32_t data1)
{
	json_t *events = json_object_get(root, "traceEvents"), *e;
	size_t i;

	json_array_foreach(events, i, e) {
		json_t *args = json_object_get(e, "args");

		if (strcmp(json_string_value(json_object_get(e, "ph")), ph) == 0 && args &&
		    json_integer_value(json_object_get(args, "data1")) == data1 &&
		    json_object_get(args, "cpu"))
			return e;
	}
	return NULL;
}

#define S(end, dur, tid, tag, fl) \
	{ .timestamp_ns = (end), .duration_ns = (dur), .event = PERF_EVENT_SYSCALL, .flags = (fl), \
	  .cpu = 1, .task_id = 10, .thread_id = (tid), .data1 = (tag) }

static void test_nesting_and_async(void **state)
{
	/* thread 11, times as [start, end): given out of order on purpose */
	const struct perf_sample s[] = {
		S(1150, 100, 11, 3, 0),  /* [1050, 1150): crosses the end of 1 -> async */
		S(1100, 100, 11, 1, 0),  /* [1000, 1100): outermost */
		S(1020, 10, 11, 2, 0),   /* [1010, 1020): inside 1 */
		S(1200, 100, 11, 4, 0),  /* [1100, 1200): starts where 1 ends: nests nowhere, X */
		S(1200, 100, 12, 5, 0),  /* the same on another thread: X, independent */
		S(1015, 0, 11, 6, PERF_SAMPLE_F_NO_DURATION), /* instant */
		S(1100, 100, 11, 7, 0),  /* identical to 1: nests inside it */
	};
	struct pa_export_trace t = { .samples = s, .n_samples = 7 };
	json_t *root = export_to_json(&t, NULL), *e;

	assert_non_null(find(root, "X", 1));
	assert_non_null(find(root, "X", 2));
	assert_null(find(root, "X", 3));
	e = find(root, "b", 3);
	assert_non_null(e);
	assert_true(json_real_value(json_object_get(e, "ts")) == 1.05);
	assert_non_null(find(root, "X", 4));
	assert_non_null(find(root, "X", 5));
	e = find(root, "i", 6);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "s")), "t");
	assert_non_null(find(root, "X", 7));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "metadata"), "async_events")), 1);
	json_decref(root);
}

static void test_exact_microseconds(void **state)
{
	const struct perf_sample s[] = { S(123456789012345ull, 4294967295u, 1, 1, 0), S(2, 1, 2, 2, 0) };
	struct pa_export_trace t = { .samples = s, .n_samples = 2 };
	char *text;
	json_t *root = export_to_json(&t, &text);

	/* start = end - dur, printed from integers: no rounding anywhere */
	assert_non_null(strstr(text, "\"ts\":123452494045.050,\"dur\":4294967.295,"));
	assert_non_null(strstr(text, "\"ts\":0.001,\"dur\":0.001,"));
	json_decref(root);
	free(text);
}

static void test_names_escaped(void **state)
{
	const struct perf_sample s[] = { S(100, 10, 11, 1, 0), S(100, 10, 12, 2, 0), S(100, 10, 13, 3, 0) };
	const struct pa_export_comm comms[] = {
		{ 10, 10, "a\"b\\c\td" },
		{ 11, 10, "ok\xe2\x82\xac!" },           /* valid: euro sign */
		{ 12, 10, "\xff\xc0\xaf\xed\xa0\x80z" }, /* lone byte, overlong, surrogate */
		{ 13, 10, "\xe2\x82" },                  /* truncated sequence */
	};
	struct pa_export_trace t = { .samples = s, .n_samples = 3, .comms = comms, .n_comms = 4,
				     .hostname = "h\"\n" };
	json_t *root = export_to_json(&t, NULL), *e;
	const char *want[] = { "ok\xe2\x82\xac!", /* one U+FFFD per invalid byte */
			       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz",
			       "\xef\xbf\xbd\xef\xbf\xbd" };
	int threads = 0, procs = 0;
	size_t i;

	json_array_foreach(json_object_get(root, "traceEvents"), i, e) {
		const char *ph = json_string_value(json_object_get(e, "ph"));
		const char *kind = json_string_value(json_object_get(e, "name"));
		const char *name = json_string_value(json_object_get(json_object_get(e, "args"), "name"));

		if (strcmp(ph, "M") != 0)
			continue;
		if (strcmp(kind, "process_name") == 0) {
			assert_string_equal(name, "a\"b\\c\td");
			procs++;
		} else {
			json_int_t tid = json_integer_value(json_object_get(e, "tid"));

			assert_true(tid >= 11 && tid <= 13);
			assert_string_equal(name, want[tid - 11]);
			threads++;
		}
	}
	assert_int_equal(procs, 1);
	assert_int_equal(threads, 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "metadata"), "hostname")),
			    "h\"\n");
	json_decref(root);
}

static void test_drops_in_metadata(void **state)
{
	const uint64_t per_cpu[] = { 1, 0, 5 };
	struct pa_export_trace t = { .cpu_dropped = per_cpu, .n_cpu_dropped = 3, .dropped = 999,
				     .sampled_out = 7, .realtime_offset_ns = -5 };
	json_t *root = export_to_json(&t, NULL), *m = json_object_get(root, "metadata");

	assert_int_equal(json_array_size(json_object_get(root, "traceEvents")), 0);
	assert_int_equal(json_integer_value(json_object_get(m, "samples_dropped")), 6); /* per-CPU wins */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "samples_dropped_per_cpu"), "2")), 5);
	assert_int_equal(json_integer_value(json_object_get(m, "samples_sampled_out")), 7);
	assert_int_equal(json_integer_value(json_object_get(m, "realtime_offset_ns")), -5);
	assert_string_equal(json_string_value(json_object_get(m, "clock_domain")), "LINUX_CLOCK_MONOTONIC");
	json_decref(root);
}

static void test_errors(void **state)
{
	const struct perf_sample s[] = { S(100, 10, 11, 1, 0) };
	struct pa_export_trace t = { .samples = s, .n_samples = 1 }, bad = { .n_samples = 1 };
	FILE *full = fopen("/dev/full", "w");

	assert_int_equal(pa_export_chrome(NULL, &t), -EINVAL);
	assert_int_equal(pa_export_chrome(stdout, NULL), -EINVAL);
	assert_int_equal(pa_export_chrome(stdout, &bad), -EINVAL);
	if (!full)
		skip();
	assert_int_equal(pa_export_chrome(full, &t), -EIO);
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_async),
		cmocka_unit_test(test_exact_microseconds),
		cmocka_unit_test(test_names_escaped),
		cmocka_unit_test(test_drops_in_metadata),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
