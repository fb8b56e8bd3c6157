/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-baseline.c - perf-analysis baseline [NAME] [--last DURATION]: store the
 * statistics and per-window figures of a period as a baseline; --list,
 * --show NAME, --delete NAME.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { O_LAST = 0x100, O_LIST, O_SHOW, O_DELETE };

static int check_name(const struct verb *v, const char *name)
{
	if (!*name || strlen(name) > 63)
		return cli_usage_error(v, "baseline name '%s' must be 1-63 bytes", name);
	return EXIT_OK;
}

static const char *when(json_t *o, char *buf, size_t n)
{
	time_t t = (time_t)json_integer_value(json_object_get(o, "created_unix"));
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "?");
	return buf;
}

static int list(struct cli *cli)
{
	json_t *res = NULL, *b;
	size_t i;
	int r = cli_call(cli, "baselines", NULL, &res);
	char t[64];

	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
	} else {
		printf("%-24s %-19s %8s  %s\n", "NAME", "CREATED", "WINDOWS", "ENVIRONMENT");
		json_array_foreach(json_object_get(res, "baselines"), i, b) {
			json_t *env = json_object_get(b, "environment");

			printf("%-24s %-19s %8lld  %s, %s, %lld CPUs\n", json_string_value(json_object_get(b, "name")),
			       when(b, t, sizeof(t)), json_integer_value(json_object_get(b, "windows")),
			       json_string_value(json_object_get(env, "kernel")) ?: "?",
			       json_string_value(json_object_get(env, "cpu_model")) ?: "?",
			       json_integer_value(json_object_get(env, "cpus")));
		}
	}
	json_decref(res);
	return EXIT_OK;
}

static int show(struct cli *cli, const char *name)
{
	json_t *res = NULL, *env, *cfg;
	int r = cli_call(cli, "baseline_show", json_pack("{ss}", "name", name), &res);
	char t[64], *cs;

	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	env = json_object_get(res, "environment");
	cfg = json_object_get(env, "config");
	cs = cfg ? json_dumps(cfg, JSON_COMPACT) : NULL;
	printf("Baseline '%s', stored %s, %lld windows of %.1f s\n", name, when(res, t, sizeof(t)),
	       json_integer_value(json_object_get(res, "windows")),
	       (double)(json_integer_value(json_object_get(json_object_get(res, "period"), "end_ns")) -
			json_integer_value(json_object_get(json_object_get(res, "period"), "start_ns"))) / 1e9);
	printf("Environment: kernel %s (%s), %s, %lld CPUs\nConfiguration: %s\n\n",
	       json_string_value(json_object_get(env, "kernel")) ?: "?",
	       json_string_value(json_object_get(env, "machine")) ?: "?",
	       json_string_value(json_object_get(env, "cpu_model")) ?: "?",
	       json_integer_value(json_object_get(env, "cpus")), cs ? cs : "?");
	free(cs);
	cli_print_stats_table(stdout, json_object_get(res, "events"), false);
	json_decref(res);
	return EXIT_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "last", required_argument, NULL, O_LAST },
		{ "list", no_argument, NULL, O_LIST },
		{ "show", required_argument, NULL, O_SHOW },
		{ "delete", required_argument, NULL, O_DELETE },
		CLI_COMMON_LONGOPTS, { 0 },
	};
	const struct verb *v = &verb_baseline;
	const char *show_name = NULL, *delete_name = NULL;
	json_t *p = json_object(), *res = NULL;
	uint64_t last_ms = 0;
	bool do_list = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_LAST:
			if (cli_parse_duration_ms(v->name, "--last", optarg, &last_ms) < 0)
				goto usage;
			break;
		case O_LIST: do_list = true; break;
		case O_SHOW: show_name = optarg; break;
		case O_DELETE: delete_name = optarg; break;
		case 'J': cli->json = true; break;
		case 'h': json_decref(p); return cli_verb_help(v);
		default: json_decref(p); return cli_bad_option(v, argc, argv);
		}
	}
	if ((do_list + !!show_name + !!delete_name) > 1 ||
	    ((do_list || show_name || delete_name) && (last_ms || optind < argc))) {
		json_decref(p);
		return cli_usage_error(v, "--list, --show and --delete go alone (no NAME argument, no --last)");
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		goto out;
	if (do_list) {
		r = list(cli);
		goto out;
	}
	if (show_name) {
		r = check_name(v, show_name);
		if (!r)
			r = show(cli, show_name);
		goto out;
	}
	if (delete_name) {
		r = check_name(v, delete_name);
		if (!r)
			r = cli_call(cli, "baseline_delete", json_pack("{ss}", "name", delete_name), &res);
		if (!r) {
			if (cli->json)
				cli_print_json(res);
			else
				printf("Baseline '%s' deleted.\n", delete_name);
		}
		goto out;
	}
	if (optind < argc) {
		r = check_name(v, argv[optind]);
		if (r)
			goto out;
		json_object_set_new(p, "name", json_string(argv[optind]));
	}
	if (last_ms)
		json_object_set_new(p, "last_ms", json_integer((json_int_t)last_ms));
	r = cli_call(cli, "baseline", p, &res);
	p = NULL;
	if (r)
		goto out;
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
out:
	json_decref(p);
	json_decref(res);
	return r;
usage:
	json_decref(p);
	return EXIT_USAGE;
}

const struct verb verb_baseline = {
	.name = "baseline", .min_args = 0, .max_args = 1, .run = run,
	.summary = "store, list, show or delete performance baselines",
	.usage = "USAGE: perf-analysis baseline [NAME] [--last DURATION] [--json]\n"
		 "       perf-analysis baseline --list | --show NAME | --delete NAME\n\n"
		 "Stores every event's statistics and per-window figures (count, errors, mean, p50, p90,\n"
		 "p99, max of each window) since start or reset, or of the last DURATION (30s, 5m, ...),\n"
		 "as baseline NAME (default 'default'), replacing an older one of that name, with the\n"
		 "environment: kernel, CPU model, cores and capture configuration.\n"
		 "check-regression then compares what happens afterwards against it.\n"
		 "Baselines live in the daemon's state database and survive restarts. Storing and\n"
		 "deleting need the configure right; --list and --show the observe right.\n\n"
		 "EXAMPLES:\n  perf-analysis baseline\n  perf-analysis baseline before-upgrade --last 60s\n"
		 "  perf-analysis baseline --list\n  perf-analysis baseline --show before-upgrade\n",
};
