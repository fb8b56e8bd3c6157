/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-reset.c - perf-analysis reset: zero every statistic */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { 0 } };
	json_t *res = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(&verb_reset);
		default: return cli_bad_option(&verb_reset, argc, argv);
		}
	}
	r = cli_check_args(&verb_reset, argc - optind);
	if (r)
		return r;
	r = cli_call(cli, "reset", NULL, &res);
	if (r)
		return r;
	if (cli->json)
		cli_print_json(res);
	else
		printf("Statistics reset.\n");
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_reset = {
	.name = "reset", .min_args = 0, .max_args = 0, .run = run,
	.summary = "zero every statistic",
	.usage = "USAGE: perf-analysis reset [--json]\n\nZeroes every statistic and counter (needs the configure right). Baselines are kept.\n\nEXAMPLES:\n  perf-analysis reset\n",
};
