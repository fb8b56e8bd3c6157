/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export-prom.c - statistics in the Prometheus text exposition format 0.0.4.
 *
 * Every number is printed from integers: counts as integers, nanoseconds as
 * seconds with nine decimals, so a scrape shows exactly what the kernel
 * counted. The histogram bounds sit on bucket edges of the log-linear layout
 * (hist-layout.h), so cumulative counts are exact sums of whole buckets.
 * Cost: O(events x PA_HIST_BUCKETS), ~360 k additions for all 256 ids.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "export-internal.h"
#include "hist-layout.h"

#define NS_PER_S UINT64_C(1000000000)

const uint64_t pa_prom_le_ns[PA_PROM_LE_COUNT] = {
#define LE2(k) ((1ull << (k)) - 1), ((3ull << ((k) - 1)) - 1)
	LE2(10), LE2(11), LE2(12), LE2(13), LE2(14), LE2(15), LE2(16), LE2(17), LE2(18),
	LE2(19), LE2(20), LE2(21), LE2(22), LE2(23), LE2(24), LE2(25), LE2(26), LE2(27),
	LE2(28), LE2(29), LE2(30), LE2(31), LE2(32), LE2(33), LE2(34), LE2(35), LE2(36),
	(1ull << 37) - 1,
#undef LE2
};
/*
 * 2^k is the first value of a power-of-two range and 1.5 * 2^k its 16th
 * sub-bucket edge (sub-buckets are 2^(k-5) wide), so "<= edge - 1" sums whole
 * buckets.
 */

/* Seconds from ns, exact: "12.000000345". */
static void put_seconds(FILE *out, uint64_t ns)
{
	fprintf(out, "%" PRIu64 ".%09" PRIu64, ns / NS_PER_S, ns % NS_PER_S);
}

/* A label value with \, " and newline escaped, as 0.0.4 requires. */
static void put_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", out); break;
		case '"': fputs("\\\"", out); break;
		case '\n': fputs("\\n", out); break;
		default: fputc(*s, out);
		}
	}
}

static void put_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_label(FILE *out, const char *key, const char *value, bool first)
{
	fprintf(out, "%s%s=\"", first ? "" : ",", key);
	put_label_value(out, value);
	fputc('"', out);
}

/* name{event="..."} value */
static void put_event_u64(FILE *out, const char *name, const char *event, uint64_t v)
{
	fprintf(out, "%s{", name);
	put_label(out, "event", event, true);
	fprintf(out, "} %" PRIu64 "\n", v);
}

struct event_ref {
	unsigned int id;
	const char *name;
	const struct pa_stats *s;
	bool has_duration;
};

/* Events to export, in id order. Returns how many. */
static size_t collect_events(const struct pa_export_metrics *m, struct event_ref *ev)
{
	size_t n = 0;

	for (unsigned int id = 0; id < m->n_stats; id++) {
		const struct pa_event_info *info = pa_event_info(id);
		const char *name = pa_event_name(m->events, id);

		if (!name)
			continue; /* an unnamed id outside the built-in table: nothing to call it */
		ev[n].id = id;
		ev[n].name = name;
		ev[n].s = &m->stats[id];
		ev[n].has_duration = info ? info->has_duration : true;
		n++;
	}
	return n;
}

static void put_counter_family(FILE *out, const struct event_ref *ev, size_t n, const char *name,
			       const char *help, size_t field_offset)
{
	put_family(out, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		put_event_u64(out, name, ev[i].name,
			      *(const uint64_t *)((const char *)ev[i].s + field_offset));
}

static void put_histogram(FILE *out, const struct event_ref *e)
{
	static const char name[] = "perf_analysis_event_duration_seconds";
	const struct pa_hist *h = &e->s->hist;
	uint64_t cum = 0;
	unsigned int b = 0;

	for (unsigned int i = 0; i < PA_PROM_LE_COUNT; i++) {
		/* values <= le are exactly the buckets below the one holding le + 1 */
		unsigned int end = pa_hist_bucket(pa_prom_le_ns[i] + 1);

		for (; b < end; b++)
			cum += h->buckets[b];
		fprintf(out, "%s_bucket{", name);
		put_label(out, "event", e->name, true);
		fputs(",le=\"", out);
		put_seconds(out, pa_prom_le_ns[i]);
		fprintf(out, "\"} %" PRIu64 "\n", cum);
	}
	/* +Inf is the count itself, so _count and the last bucket always agree */
	fprintf(out, "%s_bucket{", name);
	put_label(out, "event", e->name, true);
	fprintf(out, ",le=\"+Inf\"} %" PRIu64 "\n", h->count);
	fprintf(out, "%s_sum{", name);
	put_label(out, "event", e->name, true);
	fputs("} ", out);
	put_seconds(out, h->total);
	fputc('\n', out);
	fprintf(out, "%s_count{", name);
	put_label(out, "event", e->name, true);
	fprintf(out, "} %" PRIu64 "\n", h->count);
}

static const char *completeness(const struct pa_stats *s)
{
	if (s->lost || s->dropped)
		return "lossy";
	if (s->sampled_out)
		return "sampled";
	return "complete";
}

int pa_export_prom(FILE *out, const struct pa_export_metrics *m)
{
	struct event_ref ev[PERF_EVENT_ID_LIMIT] = { { 0 } };
	static const char *const states[] = { "complete", "sampled", "lossy" };
	size_t n;

	if (!out || !m || m->n_stats > PERF_EVENT_ID_LIMIT || (m->n_stats && !m->stats) ||
	    (m->n_drops && !m->drops) || (m->n_alerts && !m->alerts))
		return -EINVAL;
	n = collect_events(m, ev);

	put_counter_family(out, ev, n, "perf_analysis_events_total",
			   "Events seen, exact: counted in the kernel for every event, never sampled.",
			   offsetof(struct pa_stats, hist.count));
	put_counter_family(out, ev, n, "perf_analysis_event_errors_total",
			   "Events whose operation failed (e.g. a system call returned an error).",
			   offsetof(struct pa_stats, errors));
	put_counter_family(out, ev, n, "perf_analysis_events_lost_total",
			   "Events missing from the statistics (e.g. no start timestamp was seen).",
			   offsetof(struct pa_stats, lost));
	put_counter_family(out, ev, n, "perf_analysis_samples_total",
			   "Samples delivered to the sample stream.",
			   offsetof(struct pa_stats, samples));
	put_counter_family(out, ev, n, "perf_analysis_samples_sampled_out_total",
			   "Samples not taken because of the sample rate (statistics stay exact).",
			   offsetof(struct pa_stats, sampled_out));
	put_counter_family(out, ev, n, "perf_analysis_samples_dropped_total",
			   "Samples lost from the stream: ring buffer full or queue overflow.",
			   offsetof(struct pa_stats, dropped));

	put_family(out, "perf_analysis_event_duration_seconds", "histogram",
		   "Event durations; bucket bounds are log-linear bucket edges, so counts are exact.");
	for (size_t i = 0; i < n; i++)
		if (ev[i].has_duration)
			put_histogram(out, &ev[i]);

	put_family(out, "perf_analysis_event_duration_max_seconds", "gauge",
		   "Longest duration seen since the statistics were reset.");
	for (size_t i = 0; i < n; i++) {
		if (!ev[i].has_duration || !ev[i].s->hist.count)
			continue;
		fputs("perf_analysis_event_duration_max_seconds{", out);
		put_label(out, "event", ev[i].name, true);
		fputs("} ", out);
		put_seconds(out, ev[i].s->hist.max);
		fputc('\n', out);
	}

	put_family(out, "perf_analysis_event_completeness", "gauge",
		   "1 for the state of each event's statistics and stream: complete, sampled or lossy.");
	for (size_t i = 0; i < n; i++) {
		const char *st = completeness(ev[i].s);

		for (unsigned int k = 0; k < 3; k++) {
			fputs("perf_analysis_event_completeness{", out);
			put_label(out, "event", ev[i].name, true);
			put_label(out, "state", states[k], false);
			fprintf(out, "} %d\n", strcmp(st, states[k]) == 0);
		}
	}

	if (m->n_drops) {
		put_family(out, "perf_analysis_dropped_total", "counter",
			   "Samples lost, by pipeline stage.");
		for (size_t i = 0; i < m->n_drops; i++) {
			fputs("perf_analysis_dropped_total{", out);
			put_label(out, "stage", m->drops[i].stage ? m->drops[i].stage : "", true);
			fprintf(out, "} %" PRIu64 "\n", m->drops[i].count);
		}
	}

	if (m->n_alerts) {
		put_family(out, "perf_analysis_alert_firing", "gauge",
			   "1 while the alert's threshold is crossed, else 0.");
		for (size_t i = 0; i < m->n_alerts; i++) {
			fputs("perf_analysis_alert_firing{", out);
			put_label(out, "alert", m->alerts[i].name ? m->alerts[i].name : "", true);
			put_label(out, "event", m->alerts[i].event ? m->alerts[i].event : "", false);
			fprintf(out, "} %d\n", m->alerts[i].firing ? 1 : 0);
		}
		put_family(out, "perf_analysis_alerts_raised_total", "counter",
			   "Times the alert fired.");
		for (size_t i = 0; i < m->n_alerts; i++) {
			fputs("perf_analysis_alerts_raised_total{", out);
			put_label(out, "alert", m->alerts[i].name ? m->alerts[i].name : "", true);
			put_label(out, "event", m->alerts[i].event ? m->alerts[i].event : "", false);
			fprintf(out, "} %" PRIu64 "\n", m->alerts[i].raised);
		}
	}

	if (m->overhead) {
		const struct pa_export_overhead *o = m->overhead;

		put_family(out, "perf_analysis_daemon_cpu_seconds_total", "counter",
			   "CPU time (user + system) used by perf-analysisd.");
		fputs("perf_analysis_daemon_cpu_seconds_total ", out);
		put_seconds(out, o->cpu_ns);
		fputc('\n', out);
		put_family(out, "perf_analysis_daemon_resident_memory_bytes", "gauge",
			   "Resident memory of perf-analysisd.");
		fprintf(out, "perf_analysis_daemon_resident_memory_bytes %" PRIu64 "\n", o->rss_bytes);
		put_family(out, "perf_analysis_bpf_run_seconds_total", "counter",
			   "Time spent in perf-analysis BPF programs (kernel.bpf_stats_enabled).");
		fputs("perf_analysis_bpf_run_seconds_total ", out);
		put_seconds(out, o->bpf_run_ns);
		fputc('\n', out);
		put_family(out, "perf_analysis_bpf_runs_total", "counter",
			   "Runs of perf-analysis BPF programs.");
		fprintf(out, "perf_analysis_bpf_runs_total %" PRIu64 "\n", o->bpf_run_count);
	}

	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
