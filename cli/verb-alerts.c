/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-alerts.c - perf-analysis alerts [--follow] [--active] [--json]: the
 * daemon's alert log (one record per threshold crossed or recovered).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static uint64_t u64(json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (uint64_t)v : 0;
}

void cli_print_alert(FILE *f, json_t *a)
{
	time_t t = (time_t)(u64(a, "time_unix_ns") / 1000000000ull);
	const char *metric = json_string_value(json_object_get(a, "metric"));
	const char *unit = json_string_value(json_object_get(a, "unit"));
	const char *comp = json_string_value(json_object_get(a, "completeness"));
	char tbuf[32], what[40];
	struct tm tm;

	strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	if (metric && strcmp(metric, "latency") == 0)
		snprintf(what, sizeof(what), "latency p%g", (double)u64(a, "quantile_ppm") / 10000.0);
	else if (metric && strcmp(metric, "throughput") == 0)
		snprintf(what, sizeof(what), "throughput %s",
			 json_string_value(json_object_get(a, "direction")) ?: "");
	else
		snprintf(what, sizeof(what), "%s", metric ? metric : "?");
	fprintf(f, "%-5llu %s %-8s %-16s %-17s %12.2f %-5s %10.2f %-5s%s%s\n", (unsigned long long)u64(a, "id"), tbuf,
		json_string_value(json_object_get(a, "state")) ?: "?",
		json_string_value(json_object_get(a, "name")) ?: "?", what,
		json_number_value(json_object_get(a, "value")), unit ? unit : "",
		json_number_value(json_object_get(a, "threshold")), unit ? unit : "",
		comp && strcmp(comp, "complete") ? " " : "", comp && strcmp(comp, "complete") ? comp : "");
}

static void header(FILE *f)
{
	fprintf(f, "%-5s %-19s %-8s %-16s %-17s %12s %-5s %10s %-5s %s\n", "ID", "TIME", "STATE", "EVENT", "METRIC",
		"VALUE", "", "THRESHOLD", "", "INPUT");
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "active", no_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_alerts;
	bool follow = false, active = false;
	uint64_t limit = 50, since = 0;
	json_t *res = NULL, *a;
	size_t i;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fan:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': follow = true; break;
		case 'a': active = true; break;
		case 'n':
			if (cli_parse_uint(v->name, "--limit", optarg, 1, 100000, &limit) < 0)
				return EXIT_USAGE;
			break;
		case 's':
			if (cli_parse_uint(v->name, "--since", optarg, 0, INT64_MAX, &since) < 0)
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
	if (follow && active)
		return cli_usage_error(v, "--follow and --active do not go together");
	r = cli_call(cli, "alerts", json_pack("{sI sI}", "since_id", (json_int_t)since, "limit", (json_int_t)limit),
		     &res);
	if (r)
		return r;
	if (!follow) {
		json_t *list = json_object_get(res, active ? "active" : "alerts");

		if (cli->json) {
			cli_print_json(res);
		} else if (json_array_size(list) == 0) {
			printf(active ? "no active alerts\n" : "no alerts\n");
		} else {
			header(stdout);
			json_array_foreach(list, i, a)
				cli_print_alert(stdout, a);
		}
		json_decref(res);
		return EXIT_OK;
	}
	/* Follow: what the log holds, then every new record as it comes (polled twice a second). */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!cli->json)
		header(stdout);
	while (!stop) {
		json_array_foreach(json_object_get(res, "alerts"), i, a) {
			if (cli->json)
				cli_print_json(a);
			else
				cli_print_alert(stdout, a);
		}
		fflush(stdout);
		since = u64(res, "last_id") > since ? u64(res, "last_id") : since;
		json_decref(res);
		res = NULL;
		usleep(500000);
		if (stop)
			break;
		r = cli_call(cli, "alerts", json_pack("{sI sI sb}", "since_id", (json_int_t)since, "limit", (json_int_t)100000,
						       "from_oldest", 1),
			     &res);
		if (r)
			return r;
	}
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_alerts = {
	.name = "alerts", .min_args = 0, .max_args = 0, .run = run,
	.summary = "show the alert log: thresholds crossed and recovered (--follow to watch)",
	.usage = "USAGE: perf-analysis alerts [-f] [-a] [-n LIMIT] [--since ID] [--json]\n\n"
		 "  -f, --follow       print the log, then each new record as the daemon raises it\n"
		 "  -a, --active       only the alerts firing now\n"
		 "  -n, --limit N      at most the N newest records (default 50)\n"
		 "      --since ID     only records after record ID\n"
		 "An alert fires once when a threshold is crossed and resolves (a second record) when the\n"
		 "value is back for alert_resolve_windows windows; thresholds are set with configure.\n"
		 "INPUT says when the statistics judged were sampled or lossy.\n"
		 "With --json: the reply as one object ({alerts, active, last_id}); with --follow, one\n"
		 "alert object per line.\n\n"
		 "EXAMPLES:\n  perf-analysis alerts\n  perf-analysis alerts --active\n"
		 "  perf-analysis --json alerts --follow | jq 'select(.state == \"firing\")'\n",
};
