/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-export-prom.c - the Prometheus renderer: values read back from the
 * text equal the input (bucket counts against a brute-force count of the raw
 * values), labels are escaped, and `promtool check metrics` has nothing to say.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "export.h"
#include "histogram.h"

#define N_VALUES 20000

struct fixture {
	struct pa_stats stats[PERF_EVENT_MAX + 1]; /* 12 built-ins + one unnamed id */
	uint64_t values[PERF_EVENT_MAX][N_VALUES]; /* raw durations, the ground truth */
	size_t n_values[PERF_EVENT_MAX];
	char *text;
	size_t len;
};

static uint64_t lcg = 42;
static uint64_t next_rand(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return lcg >> 11;
}

/* Durations spread over 20 ns .. ~200 s (log-uniform), plus exact bucket edges. */
static uint64_t next_value(unsigned int i)
{
	if (i < 60) /* every bound, and one past it: the edges where an off-by-one would show */
		return pa_prom_le_ns[i % PA_PROM_LE_COUNT] + (i >= PA_PROM_LE_COUNT);
	return (uint64_t)20 << (next_rand() % 33) | (next_rand() & 0xffff);
}

static char *render(const struct pa_export_metrics *m, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(pa_export_prom(f, m), 0);
	assert_int_equal(fclose(f), 0);
	*ret_len = len;
	return buf;
}

static const struct pa_export_drop drops[] = {
	{ "ring_reserve", 17 },
	{ "queue_overflow", 0 },
};
static const struct pa_export_alert alerts[] = {
	{ "syscall p99 > 1ms", "syscall", true, 3 },
	/* every character the format escapes, and a UTF-8 one */
	{ "quote\" backslash\\ newline\n é", "vm_alloc", false, 0 },
};
static const struct pa_export_overhead overhead = { 1234567890123ull, 52428800, 987654321, 4242 };

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	for (unsigned int e = 0; e <= PERF_EVENT_MAX; e++)
		pa_stats_reset(&fx->stats[e]);
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		fx->n_values[e] = e == PERF_EVENT_IPC_SEND ? 0 : N_VALUES / (e + 1);
		for (size_t i = 0; i < fx->n_values[e]; i++) {
			uint64_t v = next_value((unsigned int)i);

			fx->values[e][i] = v;
			pa_stats_record(&fx->stats[e], 1000 + i, v, i % 10 == 0);
		}
	}
	fx->stats[PERF_EVENT_SYSCALL].samples = 500;
	fx->stats[PERF_EVENT_SYSCALL].sampled_out = 70;
	fx->stats[PERF_EVENT_VM_ALLOC].dropped = 9;
	fx->stats[PERF_EVENT_VM_FREE].lost = 2;
	pa_hist_record(&fx->stats[PERF_EVENT_MAX].hist, 5); /* id 12: nobody's name, must not show */

	struct pa_export_metrics m = {
		.stats = fx->stats, .n_stats = PERF_EVENT_MAX + 1,
		.drops = drops, .n_drops = 2, .alerts = alerts, .n_alerts = 2, .overhead = &overhead,
	};
	fx->text = render(&m, &fx->len);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->text);
	free(fx);
	return 0;
}

/* The value of the series whose text before the value is exactly `series`, or NULL. */
static const char *value_of(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (*l != '#' && strncmp(l, series, n) == 0 && l[n] == ' ')
			return l + n + 1;
	}
	return NULL;
}

static uint64_t u64_of(const char *text, const char *series)
{
	const char *v = value_of(text, series);

	if (!v)
		fail_msg("series %s not found", series);
	return strtoull(v, NULL, 10);
}

/* Exact ns from "S.NNNNNNNNN". */
static uint64_t ns_of(const char *text, const char *series)
{
	const char *v = value_of(text, series);
	char *dot;
	uint64_t s;

	if (!v)
		fail_msg("series %s not found", series);
	s = strtoull(v, &dot, 10);
	assert_true(*dot == '.');
	assert_true(strspn(dot + 1, "0123456789") == 9);
	return s * 1000000000ull + strtoull(dot + 1, NULL, 10);
}

static void test_counters_equal_input(void **state)
{
	struct fixture *fx = *state;
	char series[256];

	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		const char *name = pa_event_name(NULL, e);
		const struct pa_stats *s = &fx->stats[e];

		snprintf(series, sizeof(series), "perf_analysis_events_total{event=\"%s\"}", name);
		assert_int_equal(u64_of(fx->text, series), fx->n_values[e]);
		snprintf(series, sizeof(series), "perf_analysis_event_errors_total{event=\"%s\"}", name);
		assert_int_equal(u64_of(fx->text, series), s->errors);
		snprintf(series, sizeof(series), "perf_analysis_events_lost_total{event=\"%s\"}", name);
		assert_int_equal(u64_of(fx->text, series), s->lost);
		snprintf(series, sizeof(series), "perf_analysis_samples_total{event=\"%s\"}", name);
		assert_int_equal(u64_of(fx->text, series), s->samples);
		snprintf(series, sizeof(series), "perf_analysis_samples_sampled_out_total{event=\"%s\"}", name);
		assert_int_equal(u64_of(fx->text, series), s->sampled_out);
		snprintf(series, sizeof(series), "perf_analysis_samples_dropped_total{event=\"%s\"}", name);
		assert_int_equal(u64_of(fx->text, series), s->dropped);
	}
	assert_int_equal(u64_of(fx->text, "perf_analysis_events_total{event=\"syscall\"}"),
			 N_VALUES / 11);
	/* id 12 has data but no name: left out rather than invented */
	assert_null(strstr(fx->text, "event_12"));
	assert_int_equal(u64_of(fx->text, "perf_analysis_event_completeness{event=\"vm_alloc\",state=\"lossy\"}"), 1);
	assert_int_equal(u64_of(fx->text, "perf_analysis_event_completeness{event=\"vm_alloc\",state=\"complete\"}"), 0);
	assert_int_equal(u64_of(fx->text, "perf_analysis_event_completeness{event=\"syscall\",state=\"sampled\"}"), 1);
	assert_int_equal(u64_of(fx->text, "perf_analysis_event_completeness{event=\"ipc_send\",state=\"complete\"}"), 1);
	assert_int_equal(u64_of(fx->text, "perf_analysis_dropped_total{stage=\"ring_reserve\"}"), 17);
	assert_int_equal(u64_of(fx->text, "perf_analysis_dropped_total{stage=\"queue_overflow\"}"), 0);
	assert_int_equal(ns_of(fx->text, "perf_analysis_daemon_cpu_seconds_total"), overhead.cpu_ns);
	assert_int_equal(u64_of(fx->text, "perf_analysis_daemon_resident_memory_bytes"), overhead.rss_bytes);
	assert_int_equal(ns_of(fx->text, "perf_analysis_bpf_run_seconds_total"), overhead.bpf_run_ns);
	assert_int_equal(u64_of(fx->text, "perf_analysis_bpf_runs_total"), overhead.bpf_run_count);
	assert_int_equal(u64_of(fx->text, "perf_analysis_alert_firing{alert=\"syscall p99 > 1ms\",event=\"syscall\"}"), 1);
	assert_int_equal(u64_of(fx->text, "perf_analysis_alerts_raised_total{alert=\"syscall p99 > 1ms\",event=\"syscall\"}"), 3);
}

/* Cumulative bucket counts equal a brute-force count of the raw values <= le. */
static void test_histogram_buckets_exact(void **state)
{
	struct fixture *fx = *state;
	char series[256];

	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		const char *name = pa_event_name(NULL, e);
		uint64_t prev = 0;

		snprintf(series, sizeof(series), "perf_analysis_event_duration_seconds_count{event=\"%s\"}", name);
		if (!pa_event_info(e)->has_duration) {
			assert_null(value_of(fx->text, series)); /* page faults: no durations, no histogram */
			continue;
		}
		assert_int_equal(u64_of(fx->text, series), fx->n_values[e]);
		snprintf(series, sizeof(series), "perf_analysis_event_duration_seconds_sum{event=\"%s\"}", name);
		assert_int_equal(ns_of(fx->text, series), fx->stats[e].hist.total);
		for (unsigned int b = 0; b < PA_PROM_LE_COUNT; b++) {
			uint64_t le = pa_prom_le_ns[b], want = 0, got;

			for (size_t i = 0; i < fx->n_values[e]; i++)
				want += fx->values[e][i] <= le;
			snprintf(series, sizeof(series),
				 "perf_analysis_event_duration_seconds_bucket{event=\"%s\",le=\"%" PRIu64 ".%09" PRIu64 "\"}",
				 name, le / 1000000000, le % 1000000000);
			got = u64_of(fx->text, series);
			assert_int_equal(got, want);
			assert_true(got >= prev);
			prev = got;
		}
		snprintf(series, sizeof(series), "perf_analysis_event_duration_seconds_bucket{event=\"%s\",le=\"+Inf\"}", name);
		assert_int_equal(u64_of(fx->text, series), fx->n_values[e]);
		if (fx->n_values[e]) {
			snprintf(series, sizeof(series), "perf_analysis_event_duration_max_seconds{event=\"%s\"}", name);
			assert_int_equal(ns_of(fx->text, series), fx->stats[e].hist.max);
		}
	}
}

static void test_bounds_are_bucket_edges(void **state)
{
	for (unsigned int b = 0; b < PA_PROM_LE_COUNT; b++) {
		uint64_t le = pa_prom_le_ns[b];

		/* le and le + 1 are in different buckets: le ends one */
		assert_int_not_equal(pa_hist_bucket(le), pa_hist_bucket(le + 1));
		assert_int_equal(pa_hist_bucket_low(pa_hist_bucket(le + 1)), le + 1);
		if (b)
			assert_true(le > pa_prom_le_ns[b - 1]);
	}
	assert_int_equal(pa_prom_le_ns[0], 1023);
	assert_int_equal(pa_prom_le_ns[PA_PROM_LE_COUNT - 1], (1ull << 37) - 1);
}

static void test_label_escaping(void **state)
{
	struct fixture *fx = *state;

	assert_non_null(strstr(fx->text,
		"perf_analysis_alert_firing{alert=\"quote\\\" backslash\\\\ newline\\n é\",event=\"vm_alloc\"} 0\n"));
}

/* Every line is a comment or `name{labels} value`; every family has HELP and TYPE. */
static void test_every_family_has_help_and_type(void **state)
{
	struct fixture *fx = *state;
	char *copy = strdup(fx->text), *save = NULL;
	char help[128] = "", type[128] = "";

	assert_non_null(copy);
	assert_true(fx->len > 0 && fx->text[fx->len - 1] == '\n');
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n;

		if (sscanf(l, "# HELP %127s", help) == 1 || sscanf(l, "# TYPE %127s", type) == 1)
			continue;
		assert_true(l[0] != '#');
		assert_string_equal(help, type);
		n = strlen(help);
		assert_true(strncmp(l, help, n) == 0);
		assert_true(strchr("{ _", l[n]) != NULL); /* the family, or its _bucket/_sum/_count */
	}
	free(copy);
}

static void test_promtool_accepts(void **state)
{
	struct fixture *fx = *state;
	char path[] = "/tmp/test-export-prom-XXXXXX", cmd[256], out[4096];
	size_t n;
	FILE *p;
	int fd, rc;

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		skip(); /* scripts/install-deps.sh installs it (Debian package prometheus) */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fx->text, fx->len), (ssize_t)fx->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	rc = pclose(p);
	unlink(path);
	if (n)
		fail_msg("promtool check metrics complained: %s", out);
	assert_int_equal(WEXITSTATUS(rc), 0);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	struct pa_export_metrics m = { .stats = fx->stats, .n_stats = PERF_EVENT_MAX };
	FILE *full;

	assert_int_equal(pa_export_prom(NULL, &m), -EINVAL);
	assert_int_equal(pa_export_prom(stdout, NULL), -EINVAL);
	m.n_stats = PERF_EVENT_ID_LIMIT + 1;
	assert_int_equal(pa_export_prom(stdout, &m), -EINVAL);
	m.n_stats = 1;
	m.n_alerts = 1; /* with alerts == NULL */
	assert_int_equal(pa_export_prom(stdout, &m), -EINVAL);
	m.n_alerts = 0;
	full = fopen("/dev/full", "w");
	if (!full)
		skip();
	m.n_stats = PERF_EVENT_MAX;
	assert_int_equal(pa_export_prom(full, &m), -EIO);
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_equal_input),
		cmocka_unit_test(test_histogram_buckets_exact),
		cmocka_unit_test(test_bounds_are_bucket_edges),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_every_family_has_help_and_type),
		cmocka_unit_test(test_promtool_accepts),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
