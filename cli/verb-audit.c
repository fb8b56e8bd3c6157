/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-audit.c - perf-analysis audit: who changed what, and who was refused. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "count", required_argument, NULL, 'n' }, CLI_COMMON_LONGOPTS, { 0 } };
	const struct verb *v = &verb_audit;
	json_t *res = NULL, *e;
	uint64_t n = 20;
	size_t i;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_uint(v->name, "-n", optarg, 1, 10000, &n) < 0)
				return EXIT_USAGE;
			break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	r = cli_call(cli, "audit", json_pack("{sI}", "limit", (json_int_t)n), &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	printf("%-19s %-10s %7s %-17s %-24s %s\n", "TIME", "USER", "PID", "METHOD", "RESULT", "PARAMS");
	json_array_foreach(json_object_get(res, "entries"), i, e) {
		time_t t = (time_t)(json_integer_value(json_object_get(e, "time_unix_ns")) / 1000000000);
		uid_t uid = (uid_t)json_integer_value(json_object_get(e, "uid"));
		struct passwd *pw = getpwuid(uid);
		char tbuf[32], ubuf[32];

		strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", localtime(&t));
		if (pw)
			snprintf(ubuf, sizeof(ubuf), "%s", pw->pw_name);
		else
			snprintf(ubuf, sizeof(ubuf), "%u", (unsigned)uid);
		printf("%-19s %-10s %7lld %-17s %-24.24s %s\n", tbuf, ubuf, json_integer_value(json_object_get(e, "pid")),
		       json_string_value(json_object_get(e, "method")), json_string_value(json_object_get(e, "result")),
		       json_string_value(json_object_get(e, "params")));
	}
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_audit = {
	.name = "audit", .min_args = 0, .max_args = 0, .run = run,
	.summary = "show the audit log: every change and refused attempt, with who made it",
	.usage = "USAGE: perf-analysis audit [-n COUNT] [--json]\n\n"
		 "  -n, --count COUNT   the last COUNT entries (1-10000, default 20)\n\n"
		 "EXAMPLES:\n  perf-analysis audit\n  perf-analysis --json audit -n 100\n",
};
