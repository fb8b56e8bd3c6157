/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-enable.c - perf-analysis enable: enable performance monitoring */
#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	return cli_run_simple(cli, &verb_enable, argc, argv, "enable", json_pack("{sb}", "enabled", 1), "Performance monitoring enabled.");
}

const struct verb verb_enable = {
	.name = "enable", .min_args = 0, .max_args = 0, .run = run,
	.summary = "enable performance monitoring",
	.usage = "USAGE: perf-analysis enable [--json]\n\nStarts capturing kernel events (needs the configure right).\n\nEXAMPLES:\n  perf-analysis enable\n",
};
