/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-disable.c - perf-analysis disable: disable performance monitoring */
#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	return cli_run_simple(cli, &verb_disable, argc, argv, "enable", json_pack("{sb}", "enabled", 0), "Performance monitoring disabled.");
}

const struct verb verb_disable = {
	.name = "disable", .min_args = 0, .max_args = 0, .run = run,
	.summary = "disable performance monitoring",
	.usage = "USAGE: perf-analysis disable [--json]\n\nStops capturing kernel events; statistics are kept (needs the configure right).\n\nEXAMPLES:\n  perf-analysis disable\n",
};
