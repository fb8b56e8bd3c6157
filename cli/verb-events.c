/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-events.c - perf-analysis events: the event table and what this kernel captures. */
#include <stdio.h>

#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	json_t *res, *e;
	size_t i;
	int r = cli_fetch(cli, &verb_events, argc, argv, "events", NULL, &res);

	if (r || !res)
		return r;
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
