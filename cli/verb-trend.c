/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-trend.c - perf-analysis trend [EVENT]: the daemon's window history
 * (one point per history interval), its change points (E-divisive means) and
 * its Theil-Sen slope (issue 5).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "events.h"

enum { O_METRIC = 0x100, O_LAST, O_MIN_SEGMENT, O_POINTS };

static const char *clock_of(json_int_t unix_ms, char *buf, size_t n)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, n, "%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "?");
	return buf;
}

static const char *value_str(const char *metric, double v, char *buf, size_t n)
{
	if (strcmp(metric, "rate") == 0)
		snprintf(buf, n, "%.1f/s", v);
	else
		cli_fmt_ns((uint64_t)(v + 0.5), buf, n);
	return buf;
}

static void print_slope(json_t *s)
{
	if (!s || !json_is_true(json_object_get(s, "ci_valid")))
		return;
	printf("  drift (Theil-Sen): %+.3f %% of the median per point [%+.4g, %+.4g per point] (%.0f %% CI)\n",
	       json_number_value(json_object_get(s, "pct_per_point")), json_number_value(json_object_get(s, "lo")),
	       json_number_value(json_object_get(s, "hi")), json_number_value(json_object_get(s, "level")) * 100);
}

static void print_event(json_t *e, const char *metric, unsigned int show_points)
{
	json_t *pts = json_object_get(e, "points"), *p, *cps = json_object_get(e, "change_points");
	size_t i, n = json_array_size(pts);
	char t[32], a[32], b[32];

	printf("%s (%s): %zu points\n", json_string_value(json_object_get(e, "name")), metric, n);
	json_array_foreach(pts, i, p) {
		if (i + show_points < n)
			continue;
		printf("  %s  %10lld events  %s\n", clock_of(json_integer_value(json_object_get(p, "start_unix_ms")), t, 32),
		       json_integer_value(json_object_get(p, "count")),
		       value_str(metric, json_number_value(json_object_get(p, "value")), a, 32));
	}
	json_array_foreach(cps, i, p)
		printf("  change point at %s (point %lld): %s -> %s (%+.1f %%), p = %.3g\n",
		       clock_of(json_integer_value(json_object_get(p, "start_unix_ms")), t, 32),
		       json_integer_value(json_object_get(p, "index")),
		       value_str(metric, json_number_value(json_object_get(p, "before")), a, 32),
		       value_str(metric, json_number_value(json_object_get(p, "after")), b, 32),
		       json_number_value(json_object_get(p, "change_pct")), json_number_value(json_object_get(p, "p_value")));
	if (!json_array_size(cps) && n)
		printf("  no change point\n");
	print_slope(json_object_get(e, "slope"));
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "metric", required_argument, NULL, O_METRIC },
		{ "last", required_argument, NULL, O_LAST },
		{ "min-segment", required_argument, NULL, O_MIN_SEGMENT },
		{ "points", required_argument, NULL, O_POINTS },
		{ "event", required_argument, NULL, 'e' },
		CLI_COMMON_LONGOPTS, { 0 },
	};
	const struct verb *v = &verb_trend;
	const char *metric = "p50", *event = NULL;
	uint64_t last_ms = 0, min_seg = 0, show = 20;
	json_t *p = json_object(), *res = NULL, *e;
	unsigned int ev;
	size_t i;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': event = optarg; break;
		case O_METRIC:
			if (strcmp(optarg, "p50") && strcmp(optarg, "p90") && strcmp(optarg, "p99") &&
			    strcmp(optarg, "avg") && strcmp(optarg, "rate")) {
				json_decref(p);
				return cli_usage_error(v, "--metric '%s' is not one of p50, p90, p99, avg, rate", optarg);
			}
			metric = optarg;
			break;
		case O_LAST:
			if (cli_parse_duration_ms(v->name, "--last", optarg, &last_ms) < 0)
				goto usage;
			break;
		case O_MIN_SEGMENT:
			if (cli_parse_uint(v->name, "--min-segment", optarg, 2, 1000, &min_seg) < 0)
				goto usage;
			break;
		case O_POINTS:
			if (cli_parse_uint(v->name, "--points", optarg, 0, 100000, &show) < 0)
				goto usage;
			break;
		case 'J': cli->json = true; break;
		case 'h': json_decref(p); return cli_verb_help(v);
		default: json_decref(p); return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		goto usage;
	if (optind < argc && event) {
		r = cli_usage_error(v, "give the event once: as EVENT or with -e");
		goto out;
	}
	if (optind < argc)
		event = argv[optind];
	if (event && pa_event_lookup(NULL, event) < 0 && cli_program_event_name(event)) {
		/* A program's event, by the name it registered (its id differs from run to run). */
		json_object_set_new(p, "event_name", json_string(event));
	} else if (event) {
		if (cli_parse_event(v->name, event, &ev) < 0)
			goto usage;
		json_object_set_new(p, "event", json_integer(ev));
	}
	json_object_set_new(p, "metric", json_string(metric));
	if (last_ms)
		json_object_set_new(p, "last_ms", json_integer((json_int_t)last_ms));
	if (min_seg)
		json_object_set_new(p, "min_segment", json_integer((json_int_t)min_seg));
	r = cli_call(cli, "trend", p, &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
	} else {
		json_t *events = json_object_get(res, "events");

		printf("History: one point per %.1f s, kept %.1f days\n",
		       (double)json_integer_value(json_object_get(res, "interval_ms")) / 1000,
		       (double)json_integer_value(json_object_get(res, "retention_s")) / 86400);
		if (!json_array_size(events))
			printf("no history yet: it fills as the daemon closes windows with events\n");
		json_array_foreach(events, i, e)
			print_event(e, metric, event ? (unsigned int)show : 0);
	}
	json_decref(res);
	return EXIT_OK;
usage:
	r = EXIT_USAGE;
out:
	json_decref(p);
	return r;
}

const struct verb verb_trend = {
	.name = "trend", .min_args = 0, .max_args = 1, .run = run,
	.summary = "window history of an event: change points and slow drift",
	.usage = "USAGE: perf-analysis trend [EVENT | -e EVENT] [--metric p50|p90|p99|avg|rate] [--last DURATION]\n"
		 "                          [--min-segment N] [--points N] [--json]\n\n"
		 "The daemon keeps a history of every event (one point per history interval, 10 s by\n"
		 "default, for 7 days: perf-analysisd --history-interval-ms, --history-retention).\n"
		 "trend shows it with its change points (E-divisive means with a permutation test; no\n"
		 "segment shorter than --min-segment points, default 5, so a spike is not a change)\n"
		 "and the Theil-Sen slope with its interval for slow drift. Without EVENT, every event\n"
		 "with history is summarised; with EVENT, the last --points points are listed too.\n"
		 "EVENT may be a program's event name (db.query): its history is merged over every\n"
		 "program that recorded it; an untimed one (PERF_EVENT_RECORD) has only --metric rate.\n\n"
		 "EXAMPLES:\n  perf-analysis trend\n  perf-analysis trend syscall --metric p99 --last 24h\n"
		 "  perf-analysis trend -e db.query --metric p99\n",
};
