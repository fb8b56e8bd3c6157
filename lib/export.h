/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export.h - write the sample stream and the statistics in formats that other
 * tools read: CTF 1.8 (babeltrace2, Trace Compass), Chrome trace-event JSON
 * (Perfetto UI, chrome://tracing) and the Prometheus text exposition format
 * 0.0.4.
 *
 * Pure library code: every function takes its whole input as arguments, does
 * its own allocation (freed before it returns), never prints, and returns 0
 * or a negative errno. None keeps state; all are safe to call from several
 * threads on different outputs. Formats, units and choices are described in
 * docs/export.md.
 *
 * Dependencies: libc and core/events.o (pa_event_name); the statistics are
 * read straight from struct pa_stats and the bucket layout of hist-layout.h,
 * so no other core object is needed.
 */
#ifndef PA_LIB_EXPORT_H
#define PA_LIB_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "perf-analysis/perf_events.h"
#include "events.h"
#include "stats.h"

/* One entry of the caller's name table: what a thread (and its process) is called. */
struct pa_export_comm {
	uint32_t tid;   /* Linux thread id; the entry with tid == tgid names the process */
	uint32_t tgid;  /* thread-group id (process id) */
	char comm[16];  /* NUL-terminated (TASK_COMM_LEN), any bytes; escaped as each format needs */
};

/*
 * The sample stream to export, shared by the CTF and Chrome writers.
 *
 * samples              any order (the writers sort a private index); timestamps
 *                      are CLOCK_MONOTONIC ns at the END of each event, so an
 *                      event started at timestamp_ns - duration_ns.
 * events               names of user-defined events (ids >= PERF_EVENT_USER_BASE),
 *                      may be NULL; an id without a name is exported as "event_<id>".
 * comms                optional tid -> name table (NULL/0: numbers only).
 * realtime_offset_ns   CLOCK_REALTIME - CLOCK_MONOTONIC when the samples were
 *                      taken, so that monotonic + offset is UTC since the epoch.
 * begin_ns, end_ns     the exported period (monotonic); 0 = from the samples.
 * dropped              samples lost before the export (ring full, queue
 *                      overflow), in total; with cpu_dropped, per CPU instead
 *                      (cpu_dropped[c] for c < n_cpu_dropped, and `dropped`
 *                      is then ignored).
 * sampled_out          samples not taken because of the sample rate.
 * hostname             written into the trace's environment; NULL = "unknown".
 */
struct pa_export_trace {
	const struct perf_sample *samples;
	size_t n_samples;
	const struct pa_event_table *events;
	const struct pa_export_comm *comms;
	size_t n_comms;
	int64_t realtime_offset_ns;
	uint64_t begin_ns;
	uint64_t end_ns;
	uint64_t dropped;
	const uint64_t *cpu_dropped;
	size_t n_cpu_dropped;
	uint64_t sampled_out;
	const char *hostname;
};

/*
 * Write a CTF 1.8 trace into directory `dir` (created if missing, mode 0755;
 * an existing `metadata` is replaced and every stream_* file removed first,
 * other files are left alone): a `metadata`
 * file in TSDL and one binary stream file `stream_<cpu>` per CPU that has
 * samples or drops. One event class per event id (its name from the event
 * table), fields duration_ns, task_id, thread_id, data1, data2, flags; the
 * CPU is the packet context's cpu_id. The clock is `monotonic`, 1 GHz, with
 * offset = realtime_offset_ns so that readers show absolute time.
 * Drops appear as events_discarded in the packet context: every stream starts
 * with an empty packet (events_discarded = 0) at the trace's beginning, so
 * readers report "N discarded events" between it and the first data packet.
 * Totals (dropped, sampled_out) are also in the env block.
 * Returns 0; -EINVAL (NULL argument, an array NULL with a non-zero count,
 * more than UINT32_MAX samples), -ENOMEM, or the errno of a failed
 * mkdir/open/write (files written so far are left in place, incomplete).
 */
int pa_export_ctf(const char *dir, const struct pa_export_trace *t);

/*
 * Write Chrome trace-event JSON (the "JSON Object Format") to `out`.
 * Per thread, samples are sorted by start time; a sample that lies inside the
 * enclosing one becomes a complete event ("ph":"X"), one that overlaps its
 * neighbour without nesting becomes an async begin/end pair ("b"/"e", its own
 * id), so that every thread's X events nest properly. Events without a
 * duration (PERF_SAMPLE_F_NO_DURATION) are thread-scoped instant events
 * ("ph":"i"). ts/dur are microseconds with three decimals (exact ns).
 * Processes and threads that `comms` names get "process_name"/"thread_name"
 * metadata events (bytes that are not UTF-8 become U+FFFD, one per byte);
 * others keep their numbers. pid = task_id, tid = thread_id; args carry cpu,
 * data1, data2, flags. Drops (total and per CPU), sampled-out counts, the
 * number of async pairs and the clock (monotonic, realtime offset) are in the
 * top-level "metadata" object.
 * Output order depends only on the samples, not on their order in the input.
 * Returns 0; -EINVAL (NULL argument, an array NULL with a non-zero count),
 * -ENOMEM, -EIO (write error on `out`; the output is then incomplete).
 * Does not close `out`.
 */
int pa_export_chrome(FILE *out, const struct pa_export_trace *t);

struct pa_export_metrics;

/*
 * Write the samples as one JSON document to `out`, for scripts:
 *   {"format":"perf-analysis-samples","version":1,"hostname":...,
 *    "clock":{"domain":"CLOCK_MONOTONIC","unit":"ns","realtime_offset_ns":N},
 *    "loss":{"samples_dropped":N,"samples_sampled_out":N[,"samples_dropped_per_cpu":{...}]},
 *    "threads":[{"tid","tgid","comm"}...],
 *    "samples":[{"timestamp_ns","duration_ns","event","event_id","cpu",
 *                "task_id","thread_id","data1","data2","flags"}...]
 *    [,"stats":[{"event","event_id","count","total_ns","min_ns","max_ns","errors",
 *                "lost","samples","sampled_out","dropped","last_timestamp_ns",
 *                "completeness"}...]]}
 * Samples in time order (ties keep input order); all times integer ns. `m`
 * may be NULL (no "stats"); only its stats/n_stats/events are used, one
 * entry per named id. Strings as in pa_export_chrome (U+FFFD per invalid byte).
 * Returns 0; -EINVAL (NULL out/t, an array NULL with a non-zero count,
 * n_stats > PERF_EVENT_ID_LIMIT), -ENOMEM, -EIO (write error on `out`).
 */
int pa_export_json(FILE *out, const struct pa_export_trace *t, const struct pa_export_metrics *m);

/* A stage of the pipeline that can lose samples, and how many it lost. */
struct pa_export_drop {
	const char *stage;  /* label value, e.g. "ring_reserve", "queue_overflow" */
	uint64_t count;     /* cumulative since the daemon started */
};

/* An alert (threshold) and its state. */
struct pa_export_alert {
	const char *name;   /* label "alert" */
	const char *event;  /* label "event": short event name */
	bool firing;        /* exported as 1/0 */
	uint64_t raised;    /* how many times it fired, cumulative */
};

/* The daemon's own cost. */
struct pa_export_overhead {
	uint64_t cpu_ns;        /* user+system CPU time of the daemon, cumulative */
	uint64_t rss_bytes;     /* resident memory now */
	uint64_t bpf_run_ns;    /* time in our BPF programs (kernel.bpf_stats_enabled), cumulative */
	uint64_t bpf_run_count; /* runs of our BPF programs, cumulative */
};

/*
 * What /metrics shows.
 * stats[id] for id < n_stats are cumulative statistics per event id (n_stats
 * <= PERF_EVENT_ID_LIMIT); every built-in event is exported (zeros included,
 * so rate() works from the start), a user event only if `events` names it.
 * drops, alerts: arrays of n_drops/n_alerts (NULL when 0). overhead: NULL
 * to leave the daemon_* metrics out.
 */
struct pa_export_metrics {
	const struct pa_stats *stats;
	size_t n_stats;
	const struct pa_event_table *events;
	const struct pa_export_drop *drops;
	size_t n_drops;
	const struct pa_export_alert *alerts;
	size_t n_alerts;
	const struct pa_export_overhead *overhead;
};

/*
 * The histogram's upper bounds ("le") in ns: 2^k - 1 and 3 * 2^(k-1) - 1 for
 * k = 10..37 (about 1 us to 137 s). Each bound is the last value of a
 * log-linear bucket, so the cumulative counts are exact, not interpolated.
 */
#define PA_PROM_LE_COUNT 55
extern const uint64_t pa_prom_le_ns[PA_PROM_LE_COUNT];

/*
 * Render `m` in the Prometheus text exposition format 0.0.4 to `out`:
 * HELP and TYPE for every family, counters named *_total, times in seconds
 * (printed exactly from integer ns), durations as histograms with the bounds
 * above, label values escaped. Metric names are listed in docs/export.md.
 * Returns 0; -EINVAL (NULL argument, n_stats > PERF_EVENT_ID_LIMIT, NULL
 * array with a non-zero count), -EIO (write error on `out`).
 */
int pa_export_prom(FILE *out, const struct pa_export_metrics *m);

/* Content-Type of pa_export_prom's output, for the HTTP listener. */
#define PA_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif /* PA_LIB_EXPORT_H */
