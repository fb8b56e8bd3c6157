/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-reset.c - perf-analysis reset: zero every statistic */
#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	return cli_run_simple(cli, &verb_reset, argc, argv, "reset", NULL, "Statistics reset.");
}

const struct verb verb_reset = {
	.name = "reset", .min_args = 0, .max_args = 0, .run = run,
	.summary = "zero every statistic",
	.usage = "USAGE: perf-analysis reset [--json]\n\nZeroes every statistic and counter (needs the configure right). Baselines are kept.\n\nEXAMPLES:\n  perf-analysis reset\n",
};
