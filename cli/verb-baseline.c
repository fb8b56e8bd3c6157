/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-baseline.c - perf-analysis baseline [NAME]: store the statistics so far as a baseline. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { 0 } };
	const struct verb *v = &verb_baseline;
	json_t *p = NULL, *res = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	if (optind < argc) {
		if (!*argv[optind] || strlen(argv[optind]) > 63)
			return cli_usage_error(v, "baseline name '%s' must be 1-63 bytes", argv[optind]);
		p = json_pack("{ss}", "name", argv[optind]);
	}
	r = cli_call(cli, "baseline", p, &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
	} else {
		json_t *e;
		size_t i;
		unsigned long long n = 0;

		json_array_foreach(json_object_get(res, "events"), i, e)
			n += (unsigned long long)json_integer_value(json_object_get(e, "count"));
		printf("Baseline '%s' set: %llu events over %lld windows.\n",
		       json_string_value(json_object_get(res, "name")), n,
		       json_integer_value(json_object_get(res, "windows")));
	}
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_baseline = {
	.name = "baseline", .min_args = 0, .max_args = 1, .run = run,
	.summary = "store the statistics so far as the performance baseline",
	.usage = "USAGE: perf-analysis baseline [NAME] [--json]\n\n"
		 "Stores every event's statistics since start or reset (and its per-window figures)\n"
		 "as baseline NAME (default 'default'), replacing an older one of that name.\n"
		 "check-regression then compares what happens afterwards against it.\n"
		 "Baselines live in the daemon's state database and survive restarts. Needs the configure right.\n\n"
		 "EXAMPLES:\n  perf-analysis baseline\n  perf-analysis baseline before-upgrade\n",
};
