/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - perf-analysis: global options, the verb table and the dispatcher
 * (with the nearest verb suggested on a typo), and shared helpers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"

#define VERSION "0.1.0"

static const struct verb *const verbs[] = {
	&verb_enable, &verb_disable, &verb_configure, &verb_stats, &verb_baseline, &verb_check_regression,
	&verb_monitor, &verb_test, &verb_reset, &verb_status, &verb_events, &verb_audit,
	&verb_export,
	&verb_detect, &verb_record, &verb_compare, &verb_trend, /* issue 5 */
	&verb_alerts,
	&verb_top, &verb_correlate,
};
#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

int cli_exit_code(int r)
{
	switch (-r) {
	case 0: return EXIT_OK;
	case ECONNREFUSED: case ETIMEDOUT: case ECONNRESET: return EXIT_UNREACHABLE;
	case EPERM: case EACCES: return EXIT_NOPERM;
	case EINVAL: case ENOENT: case ENOSYS: case EPROTO: case EBADMSG: case ERANGE: case EMSGSIZE:
	case ENAMETOOLONG: return EXIT_USAGE;
	default: return EXIT_INTERNAL;
	}
}

int cli_call(struct cli *cli, const char *method, json_t *params, json_t **ret_result)
{
	char *p = params ? json_dumps(params, JSON_COMPACT) : NULL, *res = NULL;
	int r;

	json_decref(params);
	r = perf_host_call(cli->host, method, p, &res);
	free(p);
	if (r < 0) {
		fprintf(stderr, "perf-analysis: %s\n", perf_host_last_error(cli->host));
		return cli_exit_code(r);
	}
	if (ret_result)
		*ret_result = json_loads(res, 0, NULL);
	free(res);
	return EXIT_OK;
}

void cli_print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s)
		puts(s);
	free(s);
	fflush(stdout);
}

int cli_parse_event(const char *verb, const char *s, unsigned int *ret)
{
	int id = pa_event_lookup(NULL, s);

	if (id < 0) {
		fprintf(stderr, "perf-analysis %s: unknown event '%s': give an id 0-%d, a short name (vm_alloc) "
			"or a seed name (PERF_EVENT_VM_ALLOC); list them with: perf-analysis events\n",
			verb, s, PERF_EVENT_MAX - 1);
		return -1;
	}
	*ret = (unsigned int)id;
	return 0;
}

bool cli_program_event_name(const char *s)
{
	static struct pa_event_table t; /* scratch: registering into it only checks the name */

	t.n_user = 0;
	return pa_event_register(&t, s) >= 0;
}

int cli_parse_uint(const char *verb, const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "perf-analysis %s: %s '%s' is not a whole number in %llu-%llu\n", verb, opt, s,
			(unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*ret = v;
	return 0;
}

int cli_usage_error(const struct verb *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "perf-analysis %s: ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see: perf-analysis %s --help)\n", v->name);
	return EXIT_USAGE;
}

int cli_bad_option(const struct verb *v, int argc, char **argv)
{
	const char *o = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (optopt && strchr("abcdefgimnrtBCEILPTW", optopt) && o[0] == '-' && o[1] == optopt && !o[2])
		return cli_usage_error(v, "option '%s' needs a value", o);
	return cli_usage_error(v, "unknown option '%s'", o);
}

int cli_check_args(const struct verb *v, int n)
{
	if (n < v->min_args)
		return cli_usage_error(v, "missing argument");
	if (n > v->max_args)
		return cli_usage_error(v, "too many arguments");
	return EXIT_OK;
}

int cli_fetch(struct cli *cli, const struct verb *v, int argc, char **argv, const char *method, json_t *params,
	      json_t **ret_result)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { 0 } };
	json_t *res = NULL;
	int c, r;

	*ret_result = NULL;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'J': cli->json = true; break;
		case 'h': r = cli_verb_help(v); goto out;
		default: r = cli_bad_option(v, argc, argv); goto out;
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		goto out;
	r = cli_call(cli, method, params, &res);
	params = NULL; /* cli_call took it */
	if (r)
		goto out;
	if (cli->json) {
		cli_print_json(res);
		json_decref(res);
	} else {
		/* a result that does not parse reads as an empty object: the caller still prints its line or table */
		*ret_result = res ?: json_object();
	}
out:
	json_decref(params);
	return r;
}

int cli_run_simple(struct cli *cli, const struct verb *v, int argc, char **argv, const char *method, json_t *params,
		   const char *done)
{
	json_t *res;
	int r = cli_fetch(cli, v, argc, argv, method, params, &res);

	if (r || !res)
		return r;
	printf("%s\n", done);
	json_decref(res);
	return EXIT_OK;
}

int cli_verb_help(const struct verb *v)
{
	printf("%s - %s\n\n%s", v->name, v->summary, v->usage);
	return EXIT_OK;
}

const char *cli_fmt_ns(uint64_t ns, char *buf, size_t n)
{
	if (ns < 1000)
		snprintf(buf, n, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, n, "%.2fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, n, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, n, "%.2fs", (double)ns / 1e9);
	return buf;
}

static uint64_t u64(json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (uint64_t)v : 0;
}

void cli_print_stats_table(FILE *f, json_t *events, bool show_notes)
{
	char b[7][32];
	size_t i;
	json_t *e;

	fprintf(f, "%2s %-16s %12s %8s %9s %9s %9s %9s %9s %9s %8s %s\n", "ID", "EVENT", "COUNT", "ERRORS", "AVG",
		"MIN", "P50", "P90", "P99", "MAX", "DROPPED", "DATA");
	json_array_foreach(events, i, e) {
		bool dur = json_is_true(json_object_get(e, "has_duration"));
		bool avail = json_is_true(json_object_get(e, "available"));
		const char *comp = json_string_value(json_object_get(e, "completeness"));

		if (dur)
			fprintf(f, "%2llu %-16s %12llu %8llu %9s %9s %9s %9s %9s %9s %8llu %s\n",
				(unsigned long long)u64(e, "id"), json_string_value(json_object_get(e, "name")),
				(unsigned long long)u64(e, "count"), (unsigned long long)u64(e, "errors"),
				cli_fmt_ns(u64(e, "avg_ns"), b[0], 32), cli_fmt_ns(u64(e, "min_ns"), b[1], 32),
				cli_fmt_ns(u64(e, "p50_ns"), b[2], 32), cli_fmt_ns(u64(e, "p90_ns"), b[3], 32),
				cli_fmt_ns(u64(e, "p99_ns"), b[4], 32), cli_fmt_ns(u64(e, "max_ns"), b[5], 32),
				(unsigned long long)u64(e, "dropped"), avail ? comp : "unavailable");
		else
			fprintf(f, "%2llu %-16s %12llu %8llu %9s %9s %9s %9s %9s %9s %8llu %s\n",
				(unsigned long long)u64(e, "id"), json_string_value(json_object_get(e, "name")),
				(unsigned long long)u64(e, "count"), (unsigned long long)u64(e, "errors"),
				"-", "-", "-", "-", "-", "-", (unsigned long long)u64(e, "dropped"),
				avail ? comp : "unavailable");
	}
	if (!show_notes)
		return;
	json_array_foreach(events, i, e) {
		if (!json_is_true(json_object_get(e, "has_duration")))
			fprintf(f, "note: %s has no duration on this kernel: counts only (\"-\")\n",
				json_string_value(json_object_get(e, "name")));
		if (u64(e, "dropped") || u64(e, "lost"))
			fprintf(f, "note: %s: %llu samples dropped, %llu events lost: the figures are lossy\n",
				json_string_value(json_object_get(e, "name")), (unsigned long long)u64(e, "dropped"),
				(unsigned long long)u64(e, "lost"));
	}
}

/* Levenshtein distance, for "did you mean". */
static unsigned int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int row[64], prev, tmp;

	if (lb >= 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev : 1 + (prev < row[j] ? (prev < row[j - 1] ? prev : row[j - 1])
									   : (row[j] < row[j - 1] ? row[j] : row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

static void usage(FILE *f)
{
	fputs("USAGE: perf-analysis [--json] [--socket PATH] VERB [OPTIONS] [ARGS]\n\n"
	      "Control perf-analysisd and read its statistics.\n\nVERBS:\n", f);
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(f, "  %-17s %s\n", verbs[i]->name, verbs[i]->summary);
	fputs("\nGLOBAL OPTIONS:\n"
	      "  --json           print data as JSON (also accepted after the verb)\n"
	      "  --socket PATH    daemon socket (default $PERF_ANALYSIS_SOCKET or /run/perf-analysis/perf-analysisd.sock)\n"
	      "  -h, --help       this help; VERB --help for a verb's\n"
	      "  -V, --version    print the version\n\n"
	      "EXAMPLES:\n"
	      "  perf-analysis enable\n"
	      "  perf-analysis configure -r 2000 -b 8192\n"
	      "  perf-analysis stats 2\n"
	      "  perf-analysis baseline\n"
	      "  perf-analysis check-regression -e 2 -t 30\n"
	      "  perf-analysis monitor -i 5\n"
	      "  perf-analysis --json stats\n\n"
	      "Exit status: 0 ok, 1 regression found (test: a check failed), 2 usage or bad input,\n"
	      "3 inconclusive, 69 daemon unreachable, 70 daemon internal error, 77 permission denied.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cli cli = { 0 };
	const struct verb *v = NULL;
	int c, r;

	/* "+": stop at the verb; its options are parsed by the verb. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'J': cli.json = true; break;
		case 's': cli.socket_path = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("perf-analysis %s\n", VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return EXIT_OK;
		}
		optind++;
		for (size_t i = 0; i < N_VERBS; i++)
			if (strcmp(verbs[i]->name, argv[optind]) == 0)
				return cli_verb_help(verbs[i]);
	}
	for (size_t i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i]->name, argv[optind]) == 0)
			v = verbs[i];
	if (!v) {
		const struct verb *best = NULL;
		unsigned int bd = 99;

		for (size_t i = 0; i < N_VERBS; i++) {
			unsigned int d = distance(argv[optind], verbs[i]->name);

			if (d < bd) {
				bd = d;
				best = verbs[i];
			}
		}
		fprintf(stderr, "perf-analysis: unknown verb '%s'", argv[optind]);
		if (best && bd <= 3)
			fprintf(stderr, "; did you mean '%s'?", best->name);
		fprintf(stderr, " (see: perf-analysis --help)\n");
		return EXIT_USAGE;
	}
	r = perf_host_open(cli.socket_path, &cli.host);
	if (r < 0) {
		fprintf(stderr, "perf-analysis: socket path '%s' is unusable: %s\n", cli.socket_path ? cli.socket_path : "",
			strerror(-r));
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* each verb runs getopt_long over its own argv from the start */
	r = v->run(&cli, argc, argv);
	perf_host_close(cli.host);
	return r;
}
