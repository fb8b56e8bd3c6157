/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-check-regression.c - perf-analysis check-regression -e EVENT -t PERCENT: the verdict as an exit code. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { O_BASELINE = 0x100 };

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "threshold", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, O_BASELINE },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_check_regression;
	const char *baseline = NULL, *verdict;
	bool have_event = false;
	json_t *p, *res = NULL;
	uint64_t thr = UINT64_MAX;
	unsigned int ev = 0;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+e:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (cli_parse_event(v->name, optarg, &ev) < 0)
				return EXIT_USAGE;
			have_event = true;
			break;
		case 't':
			if (cli_parse_uint(v->name, "-t", optarg, 0, 10000, &thr) < 0)
				return EXIT_USAGE;
			break;
		case O_BASELINE: baseline = optarg; break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	if (!have_event)
		return cli_usage_error(v, "which event? give -e EVENT (e.g. -e 2 or -e vm_alloc)");
	p = json_pack("{sI}", "event", (json_int_t)ev);
	if (thr != UINT64_MAX)
		json_object_set_new(p, "threshold_pct", json_integer((json_int_t)thr));
	if (baseline)
		json_object_set_new(p, "baseline", json_string(baseline));
	r = cli_call(cli, "check_regression", p, &res);
	if (r)
		return r;
	verdict = json_string_value(json_object_get(res, "verdict"));
	if (cli->json)
		cli_print_json(res);
	else
		printf("%s: %s: %s [%s, baseline '%s']\n", verdict, json_string_value(json_object_get(res, "name")),
		       json_string_value(json_object_get(res, "reason")),
		       json_string_value(json_object_get(res, "completeness")),
		       json_string_value(json_object_get(res, "baseline")));
	r = strcmp(verdict, "REGRESSION") == 0 ? EXIT_REGRESSION :
	    strcmp(verdict, "OK") == 0 ? EXIT_OK : EXIT_INCONCLUSIVE;
	json_decref(res);
	return r;
}

const struct verb verb_check_regression = {
	.name = "check-regression", .min_args = 0, .max_args = 0, .run = run,
	.summary = "compare an event against the baseline; exit 1 on a regression",
	.usage = "USAGE: perf-analysis check-regression -e EVENT [-t PERCENT] [--baseline NAME] [--json]\n\n"
		 "  -e, --event EVENT      id, name or seed name\n"
		 "  -t, --threshold PCT    smallest change that matters (default: configured, seed 20)\n"
		 "      --baseline NAME    compare against this baseline (default 'default')\n"
		 "Compares what happened since the baseline was set with the baseline.\n"
		 "Exit status: 0 OK, 1 REGRESSION, 3 INCONCLUSIVE (not enough data), 2 bad input.\n\n"
		 "EXAMPLES:\n  perf-analysis check-regression -e 2 -t 30\n"
		 "  perf-analysis check-regression -e PERF_EVENT_SYSCALL --json\n",
};
