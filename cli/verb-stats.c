/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-stats.c - perf-analysis stats [EVENT]: the statistics table, or {"events":[...]} with --json. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

enum { O_LAST = 0x100, O_SINCE_BASELINE };

static unsigned long long prog_u64(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (unsigned long long)json_integer_value(v) : 0;
}

/* Instrumented programs (docs/app-instrumentation.md): one table each, losses on the line above it. */
static void print_programs(FILE *f, json_t *progs)
{
	size_t i;
	json_t *p;

	json_array_foreach(progs, i, p) {
		fprintf(f, "\nprogram %llu (%s), %s: %llu events received, %llu dropped (ring full), "
			"%llu lost (no ring free), %llu before the daemon attached",
			prog_u64(p, "pid"), json_string_value(json_object_get(p, "comm")),
			json_is_true(json_object_get(p, "attached")) ? "attached" :
			json_is_true(json_object_get(p, "exited")) ? "exited" : "released",
			prog_u64(p, "received"), prog_u64(p, "dropped"), prog_u64(p, "no_ring"),
			prog_u64(p, "unattached"));
		if (prog_u64(p, "untracked"))
			fprintf(f, ", %llu not tracked (too many program events)", prog_u64(p, "untracked"));
		if (prog_u64(p, "invalid"))
			fprintf(f, ", %llu with a reserved event id", prog_u64(p, "invalid"));
		fputc('\n', f);
		cli_print_stats_table(f, json_object_get(p, "events"), false);
		if (prog_u64(p, "lost"))
			fprintf(f, "note: program %llu lost %llu events: its figures are lossy\n", prog_u64(p, "pid"),
				prog_u64(p, "lost"));
	}
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "last", required_argument, NULL, O_LAST },
		{ "since-baseline", no_argument, NULL, O_SINCE_BASELINE },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_stats;
	json_t *p = json_object(), *res = NULL;
	unsigned int ev;
	uint64_t last;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case O_LAST:
			if (cli_parse_uint(v->name, "--last", optarg, 1, 86400, &last) < 0) {
				json_decref(p);
				return EXIT_USAGE;
			}
			json_object_set_new(p, "last_ms", json_integer((json_int_t)(last * 1000)));
			break;
		case O_SINCE_BASELINE: json_object_set_new(p, "since_baseline", json_true()); break;
		case 'J': cli->json = true; break;
		case 'h': json_decref(p); return cli_verb_help(v);
		default: json_decref(p); return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r) {
		json_decref(p);
		return r;
	}
	if (optind < argc) {
		if (cli_parse_event(v->name, argv[optind], &ev) < 0) {
			json_decref(p);
			return EXIT_USAGE;
		}
		json_object_set_new(p, "event", json_integer(ev));
	}
	r = cli_call(cli, "stats", p, &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
	} else {
		cli_print_stats_table(stdout, json_object_get(res, "events"), true);
		print_programs(stdout, json_object_get(res, "programs"));
		if (!json_is_true(json_object_get(res, "enabled")))
			fprintf(stderr, "perf-analysis: monitoring is disabled; these are the figures up to when it "
				"was disabled (start it with: perf-analysis enable)\n");
	}
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_stats = {
	.name = "stats", .min_args = 0, .max_args = 1, .run = run,
	.summary = "show event statistics (all events, or one EVENT)",
	.usage = "USAGE: perf-analysis stats [EVENT] [--last SECONDS] [--since-baseline] [--json]\n\n"
		 "EVENT is an id (0-11), a name (vm_alloc) or a seed name (PERF_EVENT_VM_ALLOC).\n"
		 "Default period: since the daemon started or the last reset.\n"
		 "  --last SECONDS     only the last SECONDS of closed windows\n"
		 "  --since-baseline   only what happened since the last baseline\n"
		 "Counts, totals, min and max are exact; percentiles are within 1/64 (1.6 %).\n"
		 "DATA says whether the figures saw every event: complete, sampled, or lossy.\n"
		 "Instrumented programs' events follow, one table per process, with what each dropped.\n\n"
		 "EXAMPLES:\n  perf-analysis stats\n  perf-analysis stats 2\n  perf-analysis stats vm_alloc --last 10\n"
		 "  perf-analysis --json stats\n",
};
