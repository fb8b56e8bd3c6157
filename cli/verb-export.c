/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-export.c - perf-analysis export --format ctf|chrome|json -o PATH
 * [--last DURATION]: the daemon's sample queue written with lib/export.h.
 *
 * The samples come from the `samples` method, which hands each sample out
 * once (the queue is drained, as `perf record` drains its buffer). Thread
 * names are read from /proc while the threads live. Drop and sampled-out
 * counters are those of the same period (`stats`, with last_ms for --last),
 * plus the daemon queue's overwrites, so the exported trace says what it lacks.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"

enum { O_FORMAT = 0x100, O_LAST, O_INPUT };
enum fmt { F_CTF, F_CHROME, F_JSON };

#define SAMPLES_PER_CALL 65536

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "10" (seconds), "10s", "500ms", "2m", "1h" -> ns; -1 if malformed or 0. */
static int parse_duration(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	uint64_t mul;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || v == 0)
		return -1;
	if (!*end || strcmp(end, "s") == 0)
		mul = 1000000000ull;
	else if (strcmp(end, "ms") == 0)
		mul = 1000000ull;
	else if (strcmp(end, "m") == 0)
		mul = 60000000000ull;
	else if (strcmp(end, "h") == 0)
		mul = 3600000000000ull;
	else
		return -1;
	if (v > 86400000000000ull / mul)
		return -1;
	*ret = v * mul;
	return 0;
}

static uint64_t u64(json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (uint64_t)v : 0;
}

/*
 * One sample record, as the `samples` method and a saved JSON export both
 * write it; they differ only in the name of the event id's key.
 */
static struct perf_sample sample_from_json(json_t *e, const char *event_key)
{
	return (struct perf_sample){
		.timestamp_ns = u64(e, "timestamp_ns"), .duration_ns = (uint32_t)u64(e, "duration_ns"),
		.event = (uint8_t)u64(e, event_key), .flags = (uint8_t)u64(e, "flags"),
		.cpu = (uint16_t)u64(e, "cpu"), .task_id = (uint32_t)u64(e, "task_id"),
		.thread_id = (uint32_t)u64(e, "thread_id"), .data1 = (uint32_t)u64(e, "data1"),
		.data2 = (uint32_t)u64(e, "data2"),
	};
}

/*
 * One event's statistics record (the `stats` method's, or a saved export's,
 * whose id is under `id_key`) into stats[id]. Returns the id, or -1 for an id
 * outside the event table (the record is skipped).
 */
static int stats_from_json(json_t *e, const char *id_key, struct pa_stats stats[PERF_EVENT_MAX])
{
	uint64_t id = u64(e, id_key);

	if (id >= PERF_EVENT_MAX)
		return -1;
	stats[id].hist.count = u64(e, "count");
	stats[id].hist.total = u64(e, "total_ns");
	stats[id].hist.min = u64(e, "min_ns");
	stats[id].hist.max = u64(e, "max_ns");
	stats[id].errors = u64(e, "errors");
	stats[id].lost = u64(e, "lost");
	stats[id].samples = u64(e, "samples");
	stats[id].sampled_out = u64(e, "sampled_out");
	stats[id].dropped = u64(e, "dropped");
	stats[id].last_timestamp_ns = u64(e, "last_timestamp_ns");
	return (int)id;
}

/* Append every sample the daemon holds to *s (grown); fills *ret_queue_dropped. */
static int fetch_samples(struct cli *cli, struct perf_sample **s, size_t *n, uint64_t *ret_queue_dropped)
{
	size_t cap = 0;

	for (;;) {
		json_t *res = NULL, *a, *e;
		uint64_t remaining;
		size_t i;
		int r = cli_call(cli, "samples", json_pack("{sI}", "max", (json_int_t)SAMPLES_PER_CALL), &res);

		if (r)
			return r;
		a = json_object_get(res, "samples");
		if (*n + json_array_size(a) > cap) {
			struct perf_sample *p;

			cap = (*n + json_array_size(a)) * 2 + 1024;
			p = realloc(*s, cap * sizeof(**s));
			if (!p) {
				json_decref(res);
				fprintf(stderr, "perf-analysis export: out of memory for %zu samples\n", cap);
				return EXIT_INTERNAL;
			}
			*s = p;
		}
		json_array_foreach(a, i, e)
			(*s)[(*n)++] = sample_from_json(e, "event");
		remaining = u64(res, "remaining");
		*ret_queue_dropped = u64(res, "dropped");
		json_decref(res);
		if (!remaining || json_array_size(a) == 0)
			return EXIT_OK;
	}
}

/* What a saved export (--format json) holds, instead of the daemon's queue. */
struct saved {
	int64_t realtime_offset_ns;
	uint64_t dropped, sampled_out;
	char hostname[256];
};

static int load_saved(const char *path, struct perf_sample **s, size_t *n, struct pa_export_comm **c,
		      size_t *n_c, struct pa_stats *stats, struct saved *ret)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr), *a, *e;
	const char *fmt;
	size_t i;

	if (!doc) {
		fprintf(stderr, "perf-analysis export: --input %s: %s (line %d)\n", path, jerr.text, jerr.line);
		return EXIT_USAGE;
	}
	fmt = json_string_value(json_object_get(doc, "format"));
	a = json_object_get(doc, "samples");
	if (!fmt || strcmp(fmt, "perf-analysis-samples") != 0 || !json_is_array(a)) {
		fprintf(stderr, "perf-analysis export: --input %s is not a perf-analysis JSON export "
			"(perf-analysis export --format json)\n", path);
		json_decref(doc);
		return EXIT_USAGE;
	}
	*s = calloc(json_array_size(a) + 1, sizeof(**s));
	*c = calloc(json_array_size(json_object_get(doc, "threads")) + 1, sizeof(**c));
	if (!*s || !*c) {
		json_decref(doc);
		return EXIT_INTERNAL;
	}
	json_array_foreach(a, i, e)
		(*s)[i] = sample_from_json(e, "event_id");
	*n = json_array_size(a);
	json_array_foreach(json_object_get(doc, "threads"), i, e) {
		(*c)[i].tid = (uint32_t)u64(e, "tid");
		(*c)[i].tgid = (uint32_t)u64(e, "tgid");
		snprintf((*c)[i].comm, sizeof((*c)[i].comm), "%s", json_string_value(json_object_get(e, "comm")) ?: "");
	}
	*n_c = json_array_size(json_object_get(doc, "threads"));
	json_array_foreach(json_object_get(doc, "stats"), i, e)
		(void)stats_from_json(e, "event_id", stats);
	ret->realtime_offset_ns = json_integer_value(json_object_get(json_object_get(doc, "clock"), "realtime_offset_ns"));
	ret->dropped = u64(json_object_get(doc, "loss"), "samples_dropped");
	ret->sampled_out = u64(json_object_get(doc, "loss"), "samples_sampled_out");
	snprintf(ret->hostname, sizeof(ret->hostname), "%s",
		 json_string_value(json_object_get(doc, "hostname")) ?: "unknown");
	json_decref(doc);
	return EXIT_OK;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct pa_export_comm *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Names of the threads (and their processes) that still exist; NULL table if none. */
static struct pa_export_comm *read_comms(const struct perf_sample *s, size_t n, size_t *ret_n)
{
	struct pa_export_comm *c = calloc(2 * n + 1, sizeof(*c));
	size_t k = 0, out = 0;

	*ret_n = 0;
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[k++] = (struct pa_export_comm){ .tid = s[i].thread_id, .tgid = s[i].task_id };
		c[k++] = (struct pa_export_comm){ .tid = s[i].task_id, .tgid = s[i].task_id };
	}
	qsort(c, k, sizeof(*c), cmp_tid);
	for (size_t i = 0; i < k; i++) {
		char path[64];
		FILE *f;

		if (i && c[i].tid == c[i - 1].tid)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", c[i].tgid, c[i].tid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(c[out].comm, sizeof(c[out].comm), f)) {
			c[out].comm[strcspn(c[out].comm, "\n")] = '\0';
			c[out].tid = c[i].tid;
			c[out].tgid = c[i].tgid;
			out++;
		}
		fclose(f);
	}
	*ret_n = out;
	return c;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "last", required_argument, NULL, O_LAST },
		{ "input", required_argument, NULL, O_INPUT },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_export;
	const char *path = NULL, *fmt_s = NULL, *input = NULL;
	struct saved saved = { 0 };
	struct pa_stats stats[PERF_EVENT_MAX];
	struct perf_sample *s = NULL;
	struct pa_export_comm *comms = NULL;
	uint64_t last_ns = 0, queue_dropped = 0, dropped = 0, sampled_out = 0, from = 0;
	size_t n = 0, n_comms = 0, kept;
	json_t *st = NULL, *e;
	char host[256] = "unknown";
	enum fmt fmt = F_CTF;
	int c, r;
	size_t i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': fmt_s = optarg; break;
		case 'o': path = optarg; break;
		case O_LAST:
			if (parse_duration(optarg, &last_ns) < 0)
				return cli_usage_error(v, "--last '%s' is not a duration such as 10s, 500ms, 2m (at most 24h)",
						       optarg);
			break;
		case O_INPUT: input = optarg; break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	if (!fmt_s)
		return cli_usage_error(v, "--format is required: ctf, chrome or json");
	if (strcmp(fmt_s, "ctf") == 0)
		fmt = F_CTF;
	else if (strcmp(fmt_s, "chrome") == 0)
		fmt = F_CHROME;
	else if (strcmp(fmt_s, "json") == 0)
		fmt = F_JSON;
	else
		return cli_usage_error(v, "unknown format '%s': ctf, chrome or json", fmt_s);
	if (!path || !*path)
		return cli_usage_error(v, "-o PATH is required (a directory for ctf, a file or - for chrome/json)");
	if (fmt == F_CTF && strcmp(path, "-") == 0)
		return cli_usage_error(v, "a CTF trace is a directory: -o DIR, not -");

	if (input && last_ns)
		return cli_usage_error(v, "--last applies to the daemon's samples, not to --input");
	if (input) {
		memset(stats, 0, sizeof(stats));
		r = load_saved(input, &s, &n, &comms, &n_comms, stats, &saved);
		if (r)
			goto out;
		dropped = saved.dropped;
		sampled_out = saved.sampled_out;
		snprintf(host, sizeof(host), "%s", saved.hostname);
		goto write;
	}
	/* Counters first, samples second: the counters then cover every exported sample. */
	r = cli_call(cli, "stats", last_ns ? json_pack("{sI}", "last_ms", (json_int_t)(last_ns / 1000000)) : NULL,
		     &st);
	if (r)
		return r;
	memset(stats, 0, sizeof(stats));
	json_array_foreach(json_object_get(st, "events"), i, e) {
		int id = stats_from_json(e, "id", stats);

		if (id < 0)
			continue;
		dropped += stats[id].dropped;
		sampled_out += stats[id].sampled_out;
	}
	json_decref(st);

	r = fetch_samples(cli, &s, &n, &queue_dropped);
	if (r)
		goto out;
	if (last_ns) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		from = now > last_ns ? now - last_ns : 0;
		kept = 0;
		for (i = 0; i < n; i++)
			if (s[i].timestamp_ns >= from)
				s[kept++] = s[i];
		n = kept;
	}
	comms = read_comms(s, n, &n_comms);
	gethostname(host, sizeof(host) - 1);
	dropped += queue_dropped;
	saved.realtime_offset_ns = (int64_t)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC));
write:
	{
		int64_t offset = saved.realtime_offset_ns;
		struct pa_export_trace t = {
			.samples = s, .n_samples = n, .comms = comms, .n_comms = n_comms,
			.realtime_offset_ns = offset, .begin_ns = from, .dropped = dropped,
			.sampled_out = sampled_out, .hostname = host,
		};
		const struct pa_export_metrics m = { .stats = stats, .n_stats = PERF_EVENT_MAX };
		FILE *f = NULL;

		if (fmt == F_CTF) {
			r = pa_export_ctf(path, &t);
		} else {
			f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
			if (!f) {
				fprintf(stderr, "perf-analysis export: cannot create %s: %s\n", path, strerror(errno));
				r = EXIT_USAGE;
				goto out;
			}
			r = fmt == F_CHROME ? pa_export_chrome(f, &t) : pa_export_json(f, &t, &m);
			if (f != stdout && fclose(f) != 0 && r == 0)
				r = -EIO;
		}
		if (r < 0) {
			fprintf(stderr, "perf-analysis export: cannot write %s trace to %s: %s\n", fmt_s, path,
				strerror(-r));
			r = -r == EINVAL ? EXIT_INTERNAL : EXIT_USAGE;
			goto out;
		}
		if (cli->json) {
			json_t *o = json_pack("{ss ss sI sI sI sI}", "format", fmt_s, "path", path, "samples",
					      (json_int_t)n, "dropped", (json_int_t)dropped,
					      "sampled_out", (json_int_t)sampled_out, "threads_named",
					      (json_int_t)n_comms);

			if (strcmp(path, "-") != 0)
				cli_print_json(o);
			json_decref(o);
		} else {
			fprintf(strcmp(path, "-") == 0 ? stderr : stdout,
				"wrote %zu samples to %s (%s); %llu samples dropped, %llu sampled out%s\n", n, path,
				fmt_s, (unsigned long long)dropped, (unsigned long long)sampled_out,
				n ? "" : " (no samples: is monitoring enabled? perf-analysis enable)");
		}
		r = EXIT_OK;
	}
out:
	free(comms);
	free(s);
	return r;
}

const struct verb verb_export = {
	.name = "export", .min_args = 0, .max_args = 0, .run = run,
	.summary = "write the sample stream as a CTF trace, Chrome trace JSON or plain JSON",
	.usage = "USAGE: perf-analysis export --format ctf|chrome|json -o PATH [--last DURATION] [--json]\n"
		 "       perf-analysis export --format ctf|chrome|json -o PATH --input SAVED.json\n\n"
		 "Takes the samples the daemon holds (each sample is handed out once) and writes them:\n"
		 "  ctf      a CTF 1.8 trace directory PATH (babeltrace2 PATH), one stream per CPU\n"
		 "  chrome   Chrome trace-event JSON (Perfetto UI, chrome://tracing); PATH may be -\n"
		 "  json     one JSON document with the samples and the statistics; PATH may be -\n"
		 "  --last DURATION   only samples of the last DURATION (10s, 500ms, 2m; default: all)\n"
		 "  --input FILE      convert a saved --format json export instead (no daemon needed)\n"
		 "Dropped and sampled-out counts of the same period go into the trace (CTF:\n"
		 "events_discarded; JSON: metadata). Formats: docs/export.md.\n\n"
		 "EXAMPLES:\n  perf-analysis export --format ctf -o /tmp/trace && babeltrace2 /tmp/trace\n"
		 "  perf-analysis export --format chrome -o trace.json --last 10s\n"
		 "  perf-analysis export --format json -o - | jq '.samples | length'\n",
};
