/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export-gen.c - deterministic inputs for the export tests that run the real
 * consumers (node trace parsers, prometheus).
 *
 *   export-gen chrome DIR     DIR/trace.json (pa_export_chrome) and
 *                             DIR/input.json (what went in: samples, names, drops)
 *   export-gen prom STEP      metrics (pa_export_prom) to stdout; every counter
 *                             grows linearly with STEP, so a scraper sees rates
 *   export-gen values EVENT   the raw durations (ns) of EVENT at STEP 1, one a line
 *
 * Exit 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "histogram.h"

#define MAX_SAMPLES 20000

static uint64_t lcg = 12345;
static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((lcg >> 33) % n);
}

static struct perf_sample samples[MAX_SAMPLES];
static size_t n_samples;

static void add(uint64_t start, uint32_t dur, unsigned int ev, uint32_t pid, uint32_t tid, uint8_t flags)
{
	struct perf_sample *s = &samples[n_samples++];

	*s = (struct perf_sample){ .timestamp_ns = start + dur, .duration_ns = dur, .event = (uint8_t)ev,
				   .flags = flags, .cpu = (uint16_t)rnd(4), .task_id = pid, .thread_id = tid,
				   .data1 = rnd(1u << 31), .data2 = rnd(1000) };
}

/*
 * Per thread: system calls, some with page faults and interrupts nested
 * inside, some followed by an IPC receive that starts inside the call and
 * ends after it (overlap without nesting: must become async), and instant
 * page faults without a duration. Output order is shuffled.
 */
static void make_samples(const struct pa_event_table *events)
{
	static const uint32_t threads[][2] = { { 100, 100 }, { 100, 101 }, { 100, 102 }, { 200, 200 },
					       { 300, 300 }, { 0, 0 } };
	int user = pa_event_lookup(events, "app.request");

	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		uint64_t now = 7000000000ull + t * 1337; /* monotonic ns, not 0: offsets must be honoured */

		for (int k = 0; k < 400 && n_samples < MAX_SAMPLES - 8; k++) {
			uint32_t pid = threads[t][0], tid = threads[t][1];
			uint32_t outer = 2000 + rnd(100000);
			unsigned int kind = rnd(6);

			add(now, outer, PERF_EVENT_SYSCALL, pid, tid, (uint8_t)(rnd(5) == 0 ? PERF_SAMPLE_F_ERROR : 0));
			if (kind <= 2) { /* nested: an allocation inside, an interrupt inside that */
				uint64_t a = now + rnd(outer / 2);
				uint32_t d = 1 + rnd(outer / 4);

				add(a, d, PERF_EVENT_VM_ALLOC, pid, tid, 0);
				add(a + d / 4, d / 2, PERF_EVENT_INTERRUPT, pid, tid, 0);
				if (kind == 2) /* same start and end as its parent: still nests */
					add(now, outer, (unsigned int)user, pid, tid, 0);
			} else if (kind == 3) { /* crosses the end of the call: async */
				add(now + outer / 2, outer, PERF_EVENT_IPC_RECEIVE, pid, tid, 0);
			} else if (kind == 4) { /* an instant with no duration */
				add(now + outer - 1, 0, PERF_EVENT_PAGE_FAULT, pid, tid, PERF_SAMPLE_F_NO_DURATION);
			} /* kind 5: a lone call */
			/* back-to-back: the next call starts exactly where this one ended */
			now += outer + (rnd(3) ? rnd(50000) : 0) + (kind == 3 ? outer : 0);
		}
	}
	for (size_t i = n_samples - 1; i > 0; i--) {
		size_t j = rnd((uint32_t)i + 1);
		struct perf_sample tmp = samples[i];

		samples[i] = samples[j];
		samples[j] = tmp;
	}
}

static const struct pa_export_comm comms[] = {
	{ 100, 100, "web-server" },
	{ 101, 100, "worker \"1\"" },      /* a quote */
	{ 102, 100, "w\\2\x01\xff\x80x" }, /* backslash, control byte, invalid UTF-8 */
	{ 200, 200, "caf\xc3\xa9" },       /* valid UTF-8 */
	/* 300: no name known; 0: the idle task, unnamed */
};
static const uint64_t cpu_dropped[] = { 5, 0, 7, 1 };

static int write_input(const char *path, const struct pa_event_table *events)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\"realtime_offset_ns\":1764100000000000000,\"dropped\":13,\"sampled_out\":21,\n\"names\":{");
	for (unsigned int id = 0; id < PERF_EVENT_ID_LIMIT; id++)
		if (pa_event_name(events, id))
			fprintf(f, "%s\"%u\":\"%s\"", id ? "," : "", id, pa_event_name(events, id));
	fputs("},\n\"comms\":[", f);
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		fprintf(f, "%s[%u,%u,\"", i ? "," : "", comms[i].tid, comms[i].tgid);
		for (const unsigned char *p = (const unsigned char *)comms[i].comm; *p; p++)
			fprintf(f, "%02x", *p);
		fputs("\"]", f);
	}
	fputs("],\n\"samples\":[", f);
	for (size_t i = 0; i < n_samples; i++) {
		const struct perf_sample *s = &samples[i];

		fprintf(f, "%s\n[%" PRIu64 ",%u,%u,%u,%u,%u,%u,%u,%u]", i ? "," : "", s->timestamp_ns,
			s->duration_ns, s->event, s->flags, s->cpu, s->task_id, s->thread_id, s->data1,
			s->data2);
	}
	fputs("]}\n", f);
	return fclose(f) ? -errno : 0;
}

static int gen_chrome(const char *dir)
{
	struct pa_event_table events = { 0 };
	char path[4096];
	FILE *f;
	int r;

	(void)pa_event_register(&events, "app.request");
	make_samples(&events);
	struct pa_export_trace t = {
		.samples = samples, .n_samples = n_samples, .events = &events, .comms = comms,
		.n_comms = sizeof(comms) / sizeof(comms[0]), .realtime_offset_ns = 1764100000000000000LL,
		.cpu_dropped = cpu_dropped, .n_cpu_dropped = 4, .sampled_out = 21, .hostname = "gen",
	};
	snprintf(path, sizeof(path), "%s/trace.json", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	r = pa_export_chrome(f, &t);
	if (fclose(f) && !r)
		r = -errno;
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/input.json", dir);
	return write_input(path, &events);
}

/* Durations of event e: 1000 values, log-uniform over 1 us .. 10 ms, the same at every step. */
static uint64_t value(unsigned int e, unsigned int i)
{
	uint64_t x = (uint64_t)(i * 2654435761u + e * 40503u) % 1000;

	return 1000 + ((x * x * x) % 10000000);
}

static int gen_prom(unsigned long step)
{
	static struct pa_stats stats[PERF_EVENT_MAX];
	struct pa_export_drop drops[] = { { "ring_reserve", 3 * step }, { "queue_overflow", 0 } };
	struct pa_export_alert alerts[] = { { "syscall_p99", "syscall", step % 2 == 1, (step + 1) / 2 } };
	struct pa_export_overhead oh = { 10000000 * step, 8 << 20, 2000000 * step, 5000 * step };

	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		pa_stats_reset(&stats[e]);
		for (unsigned int i = 0; i < 1000; i++)
			pa_hist_record_n(&stats[e].hist, value(e, i), step);
		stats[e].samples = 100 * step;
		stats[e].dropped = e == PERF_EVENT_SYSCALL ? step : 0;
	}
	struct pa_export_metrics m = { .stats = stats, .n_stats = PERF_EVENT_MAX, .drops = drops,
				       .n_drops = 2, .alerts = alerts, .n_alerts = 1, .overhead = &oh };
	return pa_export_prom(stdout, &m);
}

int main(int argc, char **argv)
{
	int r;

	if (argc == 3 && strcmp(argv[1], "chrome") == 0) {
		r = gen_chrome(argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "prom") == 0) {
		r = gen_prom(strtoul(argv[2], NULL, 10));
	} else if (argc == 3 && strcmp(argv[1], "values") == 0) {
		int e = pa_event_lookup(NULL, argv[2]);

		if (e < 0 || e >= PERF_EVENT_MAX) {
			fprintf(stderr, "export-gen: unknown event %s\n", argv[2]);
			return 1;
		}
		for (unsigned int i = 0; i < 1000; i++)
			printf("%" PRIu64 "\n", value((unsigned int)e, i));
		r = 0;
	} else {
		fprintf(stderr, "usage: export-gen chrome DIR | prom STEP | values EVENT\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "export-gen: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
