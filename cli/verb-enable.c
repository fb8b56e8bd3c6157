/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-enable.c - perf-analysis enable: enable performance monitoring */
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
		case 'h': return cli_verb_help(&verb_enable);
		default: return cli_bad_option(&verb_enable, argc, argv);
		}
	}
	r = cli_check_args(&verb_enable, argc - optind);
	if (r)
		return r;
	r = cli_call(cli, "enable", json_pack("{sb}", "enabled", 1), &res);
	if (r)
		return r;
	if (cli->json)
		cli_print_json(res);
	else
		printf("Performance monitoring enabled.\n");
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_enable = {
	.name = "enable", .min_args = 0, .max_args = 0, .run = run,
	.summary = "enable performance monitoring",
	.usage = "USAGE: perf-analysis enable [--json]\n\nStarts capturing kernel events (needs the configure right).\n\nEXAMPLES:\n  perf-analysis enable\n",
};
