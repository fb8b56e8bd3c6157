/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-top.c - perf-analysis top: the heaviest processes or threads by CPU, events, I/O, memory or one event type. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_BY = 0x100, O_PID, O_THREADS };

static const char *kb(int64_t v, char *buf, size_t n)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else if (v < 10240)
		snprintf(buf, n, "%lldK", (long long)v);
	else if (v < 10240 * 1024)
		snprintf(buf, n, "%.1fM", (double)v / 1024);
	else
		snprintf(buf, n, "%.1fG", (double)v / (1024 * 1024));
	return buf;
}

static int64_t geti(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, O_BY },
		{ "count", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, O_PID },
		{ "threads", no_argument, NULL, O_THREADS },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_top;
	const char *by = "cpu", *event_name = NULL;
	uint64_t n = 20, pid = 0;
	bool threads = false;
	json_t *res = NULL, *row, *t;
	size_t i;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:h", opts, NULL)) != -1) {
		switch (c) {
		case O_BY: by = optarg; break;
		case 'n':
			if (cli_parse_uint(v->name, "-n", optarg, 1, 100000, &n) < 0)
				return EXIT_USAGE;
			break;
		case O_PID:
			if (cli_parse_uint(v->name, "--pid", optarg, 1, UINT32_MAX, &pid) < 0)
				return EXIT_USAGE;
			break;
		case O_THREADS: threads = true; break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	if (strcmp(by, "cpu") && strcmp(by, "events") && strcmp(by, "io") && strcmp(by, "mem")) {
		unsigned int ev;

		if (cli_parse_event(v->name, by, &ev) < 0)
			return EXIT_USAGE; /* it said why */
		if (ev >= PERF_EVENT_MAX)
			return cli_usage_error(v, "--by %s: use cpu, events, io, mem or a kernel event name", by);
		event_name = by;
	}
	r = cli_call(cli, "top", json_pack("{ss sI sb sI}", "by", by, "n", (json_int_t)n, "threads", threads,
					     "pid", (json_int_t)pid), &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	printf("%7s %7s %-16s %8s %6s %9s %8s %9s %9s %7s %7s %7s", "PID", threads ? "TID" : "THREADS", "COMMAND",
	       "CPU", "CPU%", "RUNQ-AVG", "EVENTS", "SYSCALLS", "IO-BYTES", "IO-AVG", "RSS", "VM+");
	if (event_name)
		printf(" %10s %8s", "EV-COUNT", "EV-TIME");
	printf("\n");
	json_array_foreach(json_object_get(res, "rows"), i, row) {
		char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[32];
		int64_t sw = geti(row, "switches"), io = geti(row, "io_reqs");

		printf("%7lld %7lld %-16.16s %8s %5.1f%% %9s %8lld %9lld %9s %7s %7s %7s",
		       (long long)geti(row, "pid"), (long long)(threads ? geti(row, "tid") : geti(row, "threads")),
		       json_string_value(json_object_get(row, "comm")), cli_fmt_ns((uint64_t)geti(row, "cpu_ns"), b1, 32),
		       json_real_value(json_object_get(row, "cpu_pct")),
		       cli_fmt_ns(sw ? (uint64_t)(geti(row, "runq_ns") / sw) : 0, b2, 32), (long long)geti(row, "events"),
		       (long long)geti(row, "syscalls"),
		       kb((geti(row, "io_read_bytes") + geti(row, "io_write_bytes")) / 1024, b3, 32),
		       io ? cli_fmt_ns((uint64_t)(geti(row, "io_ns") / io), b4, 32) : "-",
		       kb(geti(row, "rss_kb"), b5, 32), kb(geti(row, "vm_growth_kb"), b6, 32));
		if (event_name) {
			json_t *e = json_object_get(json_object_get(row, "by_event"),
						    json_string_value(json_object_get(res, "by")));

			printf(" %10lld %8s", (long long)geti(e, "count"), cli_fmt_ns((uint64_t)geti(e, "ns"), b7, 32));
		}
		printf("\n");
	}
	t = json_object_get(res, "table");
	if (geti(t, "evicted") || geti(t, "no_space"))
		printf("note: %lld thread records evicted and %lld refused (table of %lld): figures of those threads "
		       "are missing\n", (long long)geti(t, "evicted"), (long long)geti(t, "no_space"),
		       (long long)geti(t, "capacity"));
	if (geti(json_object_get(res, "io"), "unmatched"))
		printf("note: %lld block completions without their start (not attributed)\n",
		       (long long)geti(json_object_get(res, "io"), "unmatched"));
	if (json_array_size(json_object_get(res, "unattached"))) {
		printf("note: hooks this kernel lacks:");
		json_array_foreach(json_object_get(res, "unattached"), i, row)
			printf(" %s", json_string_value(row));
		printf("\n");
	}
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_top = {
	.name = "top", .min_args = 0, .max_args = 0, .run = run,
	.summary = "the heaviest processes or threads by CPU time, events, block I/O, memory or one event type",
	.usage = "USAGE: perf-analysis top [--by cpu|events|io|mem|EVENT] [-n N] [--pid PID] [--threads] [--json]\n\n"
		 "  --by KEY          sort by CPU time (default), number of events, block I/O bytes, address-space\n"
		 "                    size, or the time spent in one event type (count for events without duration)\n"
		 "  -n, --count N     show N rows (default 20)\n"
		 "  --pid PID         only this process (with --threads: its threads)\n"
		 "  --threads         one row per thread instead of per process\n\n"
		 "Figures are cumulative since the daemon started or the last reset. CPU% is CPU time over the\n"
		 "time the task was tracked; RUNQ-AVG is the mean wait from wake-up to running; RSS is read now\n"
		 "from /proc; VM+ is the address-space growth seen.\n\n"
		 "EXAMPLES:\n  perf-analysis top\n  perf-analysis top --by io -n 5\n"
		 "  perf-analysis top --by syscall --threads --pid 1234\n  perf-analysis --json top --by page_fault\n",
};

/*
 * The live view's top tasks (the weak hook in cli.h): up to `rows` processes
 * by CPU. Quiet when the daemon runs without resource tracking: the monitor
 * is not the place to repeat that error every interval.
 */
void cli_monitor_top(struct cli *cli, FILE *f, bool tty, unsigned int rows)
{
	char params[64], *reply = NULL;
	json_t *res, *row;
	size_t i;

	snprintf(params, sizeof(params), "{\"by\":\"cpu\",\"n\":%u}", rows);
	if (perf_host_call(cli->host, "top", params, &reply) != KERN_SUCCESS || !reply)
		return;
	res = json_loads(reply, 0, NULL);
	free(reply);
	if (!res)
		return;
	if (tty)
		fprintf(f, "\ntop tasks by CPU:\n     %7s %-16s %8s %6s %8s %9s\n", "PID", "COMMAND", "CPU", "CPU%", "EVENTS",
			"SYSCALLS");
	else
		fprintf(f, " | top");
	json_array_foreach(json_object_get(res, "rows"), i, row) {
		char b[32];

		if (tty)
			fprintf(f, "task %7lld %-16.16s %8s %5.1f%% %8lld %9lld\n", (long long)geti(row, "pid"),
				json_string_value(json_object_get(row, "comm")),
				cli_fmt_ns((uint64_t)geti(row, "cpu_ns"), b, sizeof(b)),
				json_real_value(json_object_get(row, "cpu_pct")), (long long)geti(row, "events"),
				(long long)geti(row, "syscalls"));
		else
			fprintf(f, " %lld %s %.1f%%", (long long)geti(row, "pid"),
				json_string_value(json_object_get(row, "comm")),
				json_real_value(json_object_get(row, "cpu_pct")));
	}
	json_decref(res);
}
