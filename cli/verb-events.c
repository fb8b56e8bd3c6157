/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-events.c - perf-analysis events: the event table and what this kernel captures. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { 0 } };
	json_t *res = NULL, *e;
	size_t i;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(&verb_events);
		default: return cli_bad_option(&verb_events, argc, argv);
		}
	}
	r = cli_check_args(&verb_events, argc - optind);
	if (r)
		return r;
	r = cli_call(cli, "events", NULL, &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	printf("%2s %-16s %-28s %-9s %s\n", "ID", "NAME", "SEED NAME", "DURATION", "DESCRIPTION");
	json_array_foreach(json_object_get(res, "events"), i, e) {
		bool avail = json_is_true(json_object_get(e, "available"));

		printf("%2lld %-16s %-28s %-9s %s", json_integer_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "name")), json_string_value(json_object_get(e, "seed_name")),
		       json_is_true(json_object_get(e, "has_duration")) ? "yes" : "no",
		       json_string_value(json_object_get(e, "description")));
		if (!avail)
			printf(" [unavailable: %s]", json_string_value(json_object_get(e, "why")));
		printf("\n");
	}
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_events = {
	.name = "events", .min_args = 0, .max_args = 0, .run = run,
	.summary = "list the event types, their names, and whether this kernel captures them",
	.usage = "USAGE: perf-analysis events [--json]\n\nAn EVENT argument elsewhere is an id, a NAME or a SEED NAME.\n\n"
		 "EXAMPLES:\n  perf-analysis events\n",
};
