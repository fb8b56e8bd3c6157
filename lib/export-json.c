/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export-json.c - the sample stream (and optionally the statistics) as one
 * plain JSON document, for scripts: `perf-analysis export --format json`.
 *
 * Integers only: times in ns, no rounding; samples in time order (stable,
 * so equal timestamps keep their input order); every loss counter next to
 * the data it affects. The layout is in docs/export.md.
 * Cost: O(n log n) sort of an index, ~230 bytes of output per sample.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "export-internal.h"

static int cmp_time(const void *a, const void *b, void *arg)
{
	const struct perf_sample *s = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;

	if (s[ia].timestamp_ns != s[ib].timestamp_ns)
		return s[ia].timestamp_ns < s[ib].timestamp_ns ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static const char *completeness(const struct pa_stats *s)
{
	if (s->lost || s->dropped)
		return "lossy";
	if (s->sampled_out)
		return "sampled";
	return "complete";
}

static void put_stats(FILE *f, const struct pa_export_metrics *m)
{
	bool first = true;

	fputs(",\n\"stats\":[", f);
	for (unsigned int id = 0; id < m->n_stats; id++) {
		const struct pa_stats *s = &m->stats[id];
		const char *name = pa_event_name(m->events, id);

		if (!name)
			continue;
		fprintf(f, "%s\n{\"event\":", first ? "" : ",");
		pa_export_put_json_string(f, name, PA_EVENT_NAME_MAX);
		fprintf(f, ",\"event_id\":%u,\"count\":%" PRIu64 ",\"total_ns\":%" PRIu64
			",\"min_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 ",\"errors\":%" PRIu64
			",\"lost\":%" PRIu64 ",\"samples\":%" PRIu64 ",\"sampled_out\":%" PRIu64
			",\"dropped\":%" PRIu64 ",\"last_timestamp_ns\":%" PRIu64 ",\"completeness\":\"%s\"}",
			id, s->hist.count, s->hist.total, s->hist.count ? s->hist.min : 0, s->hist.max,
			s->errors, s->lost, s->samples, s->sampled_out, s->dropped, s->last_timestamp_ns,
			completeness(s));
		first = false;
	}
	fputs("\n]", f);
}

int pa_export_json(FILE *out, const struct pa_export_trace *t, const struct pa_export_metrics *m)
{
	uint32_t *idx;

	if (!out || !t || (t->n_samples && !t->samples) || (t->n_comms && !t->comms) ||
	    (t->n_cpu_dropped && !t->cpu_dropped) || t->n_samples > UINT32_MAX ||
	    (m && (m->n_stats > PERF_EVENT_ID_LIMIT || (m->n_stats && !m->stats))))
		return -EINVAL;
	idx = malloc((t->n_samples ? t->n_samples : 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_samples; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, t->n_samples, sizeof(*idx), cmp_time, (void *)t->samples);

	fputs("{\"format\":\"perf-analysis-samples\",\"version\":1,\n\"hostname\":", out);
	pa_export_put_json_string(out, t->hostname ? t->hostname : "unknown", 256);
	fprintf(out, ",\n\"clock\":{\"domain\":\"CLOCK_MONOTONIC\",\"unit\":\"ns\",\"realtime_offset_ns\":%" PRId64
		"},\n\"loss\":{\"samples_dropped\":%" PRIu64 ",\"samples_sampled_out\":%" PRIu64,
		t->realtime_offset_ns, pa_export_total_dropped(t), t->sampled_out);
	if (t->cpu_dropped) {
		fputs(",\"samples_dropped_per_cpu\":{", out);
		for (size_t c = 0; c < t->n_cpu_dropped; c++)
			fprintf(out, "%s\"%zu\":%" PRIu64, c ? "," : "", c, t->cpu_dropped[c]);
		fputc('}', out);
	}
	fputs("},\n\"threads\":[", out);
	for (size_t i = 0; i < t->n_comms; i++) {
		fprintf(out, "%s{\"tid\":%" PRIu32 ",\"tgid\":%" PRIu32 ",\"comm\":", i ? "," : "",
			t->comms[i].tid, t->comms[i].tgid);
		pa_export_put_json_string(out, t->comms[i].comm, sizeof(t->comms[i].comm));
		fputc('}', out);
	}
	fputs("],\n\"samples\":[", out);
	for (size_t i = 0; i < t->n_samples; i++) {
		const struct perf_sample *s = &t->samples[idx[i]];
		char buf[16];

		fprintf(out, "%s\n{\"timestamp_ns\":%" PRIu64 ",\"duration_ns\":%" PRIu32 ",\"event\":",
			i ? "," : "", s->timestamp_ns, s->duration_ns);
		pa_export_put_json_string(out, pa_export_event_name(t->events, s->event, buf), PA_EVENT_NAME_MAX);
		fprintf(out, ",\"event_id\":%u,\"cpu\":%u,\"task_id\":%" PRIu32 ",\"thread_id\":%" PRIu32
			",\"data1\":%" PRIu32 ",\"data2\":%" PRIu32 ",\"flags\":%u}",
			s->event, s->cpu, s->task_id, s->thread_id, s->data1, s->data2, s->flags);
	}
	fputs("\n]", out);
	if (m)
		put_stats(out, m);
	fputs("}\n", out);
	free(idx);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
