/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-monitor.c - perf-analysis monitor -i SECONDS: live rates, p50/p99,
 * errors and drops, the daemon's own overhead against its budget, and the
 * active alerts. On a terminal the screen is redrawn in place; when piped,
 * one line per interval (or one JSON object per line with --json).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "perf-analysis/perf_events.h"

struct prev {
	uint64_t count[PERF_EVENT_MAX], errors[PERF_EVENT_MAX], dropped[PERF_EVENT_MAX];
	double t;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t u64(json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (uint64_t)v : 0;
}

/* Cumulative counters: index by event id. */
static void take(json_t *events, struct prev *p)
{
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e) {
		uint64_t id = u64(e, "id");

		if (id >= PERF_EVENT_MAX)
			continue;
		p->count[id] = u64(e, "count");
		p->errors[id] = u64(e, "errors");
		p->dropped[id] = u64(e, "dropped");
	}
	p->t = now_s();
}

/*
 * Overhead and active alerts from `status` (st): printed under the table on a
 * terminal, appended to the line when piped, added to the JSON object.
 */
static void print_status_part(struct cli *cli, bool tty, json_t *st, json_t *out)
{
	json_t *bg = json_object_get(json_object_get(st, "overhead"), "budget");
	json_t *act = json_object_get(st, "active_alerts"), *a;
	double budget = json_number_value(json_object_get(bg, "budget_pct"));
	bool throttled = json_is_true(json_object_get(bg, "throttled"));
	size_t i;

	if (cli->json) {
		json_object_set(out, "overhead", bg ? bg : json_null());
		json_object_set(out, "active_alerts", act ? act : json_null());
		return;
	}
	if (!tty) {
		printf(" | overhead %.2f%%%s | alerts %zu", json_number_value(json_object_get(bg, "pct")),
		       throttled ? " (sample rate lowered)" : "", json_array_size(act));
		return;
	}
	printf("\noverhead: %.3f %% of all CPUs (eBPF %.3f %%%s, daemon %.3f %%), budget %s%g %%%s; sample rate %llu/s",
	       json_number_value(json_object_get(bg, "pct")), json_number_value(json_object_get(bg, "bpf_pct")),
	       json_is_true(json_object_get(bg, "bpf_measured")) ? "" : " not measured",
	       json_number_value(json_object_get(bg, "daemon_pct")), budget > 0 ? "" : "off (",
	       budget, budget > 0 ? "" : ")", (unsigned long long)u64(bg, "sample_rate_effective"));
	if (throttled)
		printf(" -- LOWERED from %llu/s: over budget", (unsigned long long)u64(bg, "sample_rate_configured"));
	printf("\n\nactive alerts: %zu\n", json_array_size(act));
	json_array_foreach(act, i, a)
		cli_print_alert(stdout, a);
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_monitor;
	uint64_t interval = 1, count = 0, window_ms = 1000;
	struct prev before, after;
	json_t *res = NULL;
	bool tty;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (cli_parse_uint(v->name, "-i", optarg, 1, 3600, &interval) < 0)
				return EXIT_USAGE;
			break;
		case 'n':
			if (cli_parse_uint(v->name, "-n", optarg, 0, 1000000000, &count) < 0)
				return EXIT_USAGE;
			break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	tty = isatty(STDOUT_FILENO) && !cli->json;
	r = cli_call(cli, "status", NULL, &res);
	if (r)
		return r;
	window_ms = u64(res, "window_ms") ? u64(res, "window_ms") : 1000;
	json_decref(res);
	r = cli_call(cli, "stats", NULL, &res);
	if (r)
		return r;
	take(json_object_get(res, "events"), &before);
	json_decref(res);

	for (uint64_t n = 0; count == 0 || n < count; n++) {
		json_t *win = NULL, *st = NULL, *e, *out = NULL;
		char tbuf[16], b1[32], b2[32];
		time_t wall;
		double dt;
		size_t i;

		sleep((unsigned int)interval);
		r = cli_call(cli, "stats", NULL, &res);
		if (r)
			return r;
		take(json_object_get(res, "events"), &after);
		json_decref(res);
		/* Percentiles over the windows of the interval. */
		r = cli_call(cli, "stats", json_pack("{sI}", "last_ms", (json_int_t)(interval * 1000 + window_ms)), &win);
		if (r)
			return r;
		r = cli_call(cli, "status", NULL, &st);
		if (r) {
			json_decref(win);
			return r;
		}
		dt = after.t - before.t;
		wall = time(NULL);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&wall));
		if (cli->json)
			out = json_pack("{sI sI s[]}", "time_unix", (json_int_t)wall, "interval_s", (json_int_t)interval,
					"events");
		else if (tty)
			printf("\033[H\033[2Jperf-analysis monitor: every %llu s, %s (Ctrl-C to quit)\n\n"
			       "%2s %-16s %12s %10s %10s %8s %8s\n", (unsigned long long)interval, tbuf, "ID", "EVENT",
			       "RATE/s", "P50", "P99", "ERRORS", "DROPPED");
		else
			printf("%s", tbuf);
		json_array_foreach(json_object_get(win, "events"), i, e) {
			uint64_t id = u64(e, "id");
			uint64_t dc, de, dd;
			double rate;

			if (id >= PERF_EVENT_MAX)
				continue;
			dc = after.count[id] >= before.count[id] ? after.count[id] - before.count[id] : after.count[id];
			de = after.errors[id] >= before.errors[id] ? after.errors[id] - before.errors[id] : after.errors[id];
			dd = after.dropped[id] >= before.dropped[id] ? after.dropped[id] - before.dropped[id]
								     : after.dropped[id];
			rate = dt > 0 ? (double)dc / dt : 0;
			if (cli->json) {
				json_array_append_new(json_object_get(out, "events"),
					json_pack("{sI ss sf sI sI sI sI}", "id", (json_int_t)id, "name",
						  json_string_value(json_object_get(e, "name")), "rate", rate,
						  "p50_ns", (json_int_t)u64(e, "p50_ns"), "p99_ns", (json_int_t)u64(e, "p99_ns"),
						  "errors", (json_int_t)de, "dropped", (json_int_t)dd));
			} else if (tty) {
				printf("%2llu %-16s %12.0f %10s %10s %8llu %8llu\n", (unsigned long long)id,
				       json_string_value(json_object_get(e, "name")), rate,
				       cli_fmt_ns(u64(e, "p50_ns"), b1, sizeof(b1)), cli_fmt_ns(u64(e, "p99_ns"), b2, sizeof(b2)),
				       (unsigned long long)de, (unsigned long long)dd);
			} else if (dc || dd) {
				printf(" | %s %.0f/s p50 %s p99 %s", json_string_value(json_object_get(e, "name")), rate,
				       cli_fmt_ns(u64(e, "p50_ns"), b1, sizeof(b1)), cli_fmt_ns(u64(e, "p99_ns"), b2, sizeof(b2)));
				if (de)
					printf(" err %llu", (unsigned long long)de);
				if (dd)
					printf(" dropped %llu", (unsigned long long)dd);
			}
		}
		print_status_part(cli, tty, st, out);
		/* The heaviest tasks, when a `top` implementation provides them (weak hook, cli.h). */
		if (cli_monitor_top && !cli->json)
			cli_monitor_top(cli, stdout, tty, 5);
		if (cli->json)
			cli_print_json(out);
		else if (!tty)
			printf("\n");
		fflush(stdout);
		json_decref(out);
		json_decref(st);
		json_decref(win);
		before = after;
	}
	return EXIT_OK;
}

const struct verb verb_monitor = {
	.name = "monitor", .min_args = 0, .max_args = 0, .run = run,
	.summary = "watch rates, p50/p99, errors, drops, overhead and active alerts live",
	.usage = "USAGE: perf-analysis monitor [-i SECONDS] [-n COUNT] [--json]\n\n"
		 "  -i, --interval SECONDS  update every SECONDS (1-3600, default 1)\n"
		 "  -n, --count COUNT       stop after COUNT updates (default: until interrupted)\n"
		 "On a terminal the screen is redrawn in place: the events table, the daemon's own\n"
		 "overhead against its budget (and the sample rate, when the budget lowered it), and\n"
		 "the active alerts. Piped, one line per interval; with --json one JSON object per\n"
		 "interval and line (with \"overhead\" and \"active_alerts\").\n\n"
		 "EXAMPLES:\n  perf-analysis monitor -i 5\n  perf-analysis monitor -i 1 -n 10 | tee log\n",
};
