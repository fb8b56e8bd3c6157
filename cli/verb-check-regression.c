/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-check-regression.c - perf-analysis check-regression [-e EVENT] -t PERCENT:
 * the statistical verdict (docs/regression.md) as an exit code.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "events.h"

enum { O_BASELINE = 0x100, O_LAST, O_MIN_WINDOWS };

static int exit_of(const char *verdict)
{
	return !verdict ? EXIT_INTERNAL : strcmp(verdict, "REGRESSION") == 0 ? EXIT_REGRESSION :
	       strcmp(verdict, "OK") == 0 ? EXIT_OK : EXIT_INCONCLUSIVE;
}

static void print_human(json_t *res, bool one)
{
	json_t *events = json_object_get(res, "events"), *e;
	size_t i, n_reg = 0, n_inc = 0;

	json_array_foreach(events, i, e) {
		const char *v = json_string_value(json_object_get(e, "verdict"));

		printf("%s: %s: %s [%s]\n", v, json_string_value(json_object_get(e, "name")),
		       json_string_value(json_object_get(e, "reason")),
		       json_string_value(json_object_get(e, "completeness")));
		n_reg += exit_of(v) == EXIT_REGRESSION;
		n_inc += exit_of(v) == EXIT_INCONCLUSIVE;
	}
	if (!one || json_array_size(events) != 1) {
		json_array_foreach(json_object_get(res, "skipped"), i, e)
			printf("skipped: %s: %s\n", json_string_value(json_object_get(e, "name")),
			       json_string_value(json_object_get(e, "why")));
		printf("Overall: %s (%zu of %zu events regressed, %zu inconclusive; threshold %lld %%, Holm-corrected "
		       "across %zu tests at alpha %.2g) against baseline '%s'\n",
		       json_string_value(json_object_get(res, "verdict")), n_reg, json_array_size(events), n_inc,
		       json_integer_value(json_object_get(res, "threshold_pct")), 2 * json_array_size(events),
		       json_number_value(json_object_get(res, "alpha")),
		       json_string_value(json_object_get(res, "baseline")));
	}
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "threshold", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, O_BASELINE },
		{ "last", required_argument, NULL, O_LAST },
		{ "min-windows", required_argument, NULL, O_MIN_WINDOWS },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_check_regression;
	const char *baseline = NULL, *ev_name = NULL;
	bool have_event = false;
	json_t *p, *res = NULL;
	uint64_t thr = UINT64_MAX, last_ms = 0, min_n = 0;
	unsigned int ev = 0;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+e:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			have_event = true;
			if (pa_event_lookup(NULL, optarg) < 0 && cli_program_event_name(optarg)) {
				ev_name = optarg; /* a program's event, by the name it registered */
				break;
			}
			if (cli_parse_event(v->name, optarg, &ev) < 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (cli_parse_uint(v->name, "-t", optarg, 0, 10000, &thr) < 0)
				return EXIT_USAGE;
			break;
		case O_BASELINE:
			if (!*optarg || strlen(optarg) > 63)
				return cli_usage_error(v, "baseline name '%s' must be 1-63 bytes", optarg);
			baseline = optarg;
			break;
		case O_LAST:
			if (cli_parse_duration_ms(v->name, "--last", optarg, &last_ms) < 0)
				return EXIT_USAGE;
			break;
		case O_MIN_WINDOWS:
			if (cli_parse_uint(v->name, "--min-windows", optarg, 3, 1000, &min_n) < 0)
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
	p = json_object();
	if (ev_name)
		json_object_set_new(p, "event_name", json_string(ev_name));
	else if (have_event)
		json_object_set_new(p, "event", json_integer((json_int_t)ev));
	if (thr != UINT64_MAX)
		json_object_set_new(p, "threshold_pct", json_integer((json_int_t)thr));
	if (baseline)
		json_object_set_new(p, "baseline", json_string(baseline));
	if (last_ms)
		json_object_set_new(p, "last_ms", json_integer((json_int_t)last_ms));
	if (min_n)
		json_object_set_new(p, "min_windows", json_integer((json_int_t)min_n));
	r = cli_call(cli, "check_regression", p, &res);
	if (r)
		return r;
	cli_warn_environment(json_string_value(json_object_get(res, "baseline")), json_object_get(res, "environment"));
	if (cli->json)
		cli_print_json(res);
	else
		print_human(res, have_event);
	r = exit_of(json_string_value(json_object_get(res, "verdict")));
	json_decref(res);
	return r;
}

const struct verb verb_check_regression = {
	.name = "check-regression", .min_args = 0, .max_args = 0, .run = run,
	.summary = "compare events against a baseline; exit 1 on a regression, 3 if inconclusive",
	.usage = "USAGE: perf-analysis check-regression [-e EVENT] [-t PERCENT] [--baseline NAME] [--last DURATION]\n"
		 "                                     [--min-windows N] [--json]\n\n"
		 "  -e, --event EVENT      id, name or seed name, or the name a program registered\n"
		 "                         (perf_event_register: db.query); default: every event with a\n"
		 "                         duration, programs' events included\n"
		 "  -t, --threshold PCT    smallest slowdown that matters (default: configured, seed 20)\n"
		 "      --baseline NAME    compare against this baseline (default 'default')\n"
		 "      --last DURATION    the current period is the last DURATION (default: since the last\n"
		 "                         baseline was stored or the last reset)\n"
		 "      --min-windows N    windows needed on each side for a decided verdict (default 5, at least 3)\n\n"
		 "The unit of evidence is a window: the per-window medians and p99s of the current period are\n"
		 "compared with the baseline's by a one-sided Mann-Whitney U test (Holm-corrected across every\n"
		 "event and metric checked), with a Hodges-Lehmann estimate of the change and its interval.\n"
		 "REGRESSION: significant, and the interval's lower end is above +PCT %. OK: the interval's upper\n"
		 "end is below +PCT %. INCONCLUSIVE otherwise, with how many more windows would decide.\n"
		 "Programs' events are compared by name, merged over every process that recorded them (pids\n"
		 "change from run to run, names do not).\n"
		 "A baseline from a different environment (kernel, CPU, cores, configuration) gives a warning.\n"
		 "Exit status: 0 OK, 1 REGRESSION, 3 INCONCLUSIVE, 2 bad input. See docs/regression.md.\n\n"
		 "EXAMPLES:\n  perf-analysis check-regression -e 2 -t 30\n"
		 "  perf-analysis check-regression -t 20 --baseline before-upgrade\n"
		 "  perf-analysis check-regression -e PERF_EVENT_SYSCALL --last 30s --json\n"
		 "  perf-analysis check-regression -e db.query -t 50 --baseline ci-main\n",
};
