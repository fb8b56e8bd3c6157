/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-correlate.c - perf-analysis correlate: IPC messages linked from send to
 * receipt, faults and interrupts inside syscalls, run-queue latency, lifetimes.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

enum { O_PID = 0x100 };

static int64_t geti(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, O_PID },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_correlate;
	uint64_t n = 10, pid = 0;
	json_t *res = NULL, *o, *e;
	char b1[32], b2[32], b3[32], b4[32];
	size_t i;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_uint(v->name, "-n", optarg, 1, 100000, &n) < 0)
				return EXIT_USAGE;
			break;
		case O_PID:
			if (cli_parse_uint(v->name, "--pid", optarg, 1, UINT32_MAX, &pid) < 0)
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
	r = cli_call(cli, "correlate", json_pack("{sI sI}", "n", (json_int_t)n, "pid", (json_int_t)pid), &res);
	if (r)
		return r;
	if (cli->json) {
		cli_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	o = json_object_get(res, "ipc");
	printf("IPC messages (pipes, Unix sockets): %lld sent, %lld linked to their receive (%lld through the "
	       "receiver's wake-up), %lld coalesced into an earlier receive, %lld receives without a send seen, "
	       "%lld failed sends, %lld sends without a channel\n",
	       (long long)geti(o, "sent"), (long long)geti(o, "linked"), (long long)geti(o, "woken"),
	       (long long)geti(o, "coalesced"), (long long)geti(o, "unlinked"), (long long)geti(o, "failed"),
	       (long long)geti(o, "no_channel"));
	printf("%-24s %-24s %-4s %8s %7s %9s %9s %9s %9s\n", "SENDER", "RECEIVER", "VIA", "MESSAGES", "WOKEN",
	       "LAT-AVG", "LAT-MIN", "LAT-MAX", "WAKE-RECV");
	json_array_foreach(json_object_get(res, "pairs"), i, e) {
		char s[40], rcv[40];

		snprintf(s, sizeof(s), "%lld/%s", (long long)geti(e, "sender_tid"),
			 json_string_value(json_object_get(e, "sender_comm")));
		snprintf(rcv, sizeof(rcv), "%lld/%s", (long long)geti(e, "receiver_tid"),
			 json_string_value(json_object_get(e, "receiver_comm")));
		printf("%-24.24s %-24.24s %-4s %8lld %7lld %9s %9s %9s %9s\n", s, rcv,
		       json_string_value(json_object_get(e, "channel")), (long long)geti(e, "messages"),
		       (long long)geti(e, "woken"), cli_fmt_ns((uint64_t)geti(e, "latency_avg_ns"), b1, 32),
		       cli_fmt_ns((uint64_t)geti(e, "latency_min_ns"), b2, 32),
		       cli_fmt_ns((uint64_t)geti(e, "latency_max_ns"), b3, 32),
		       cli_fmt_ns((uint64_t)geti(e, "wake_to_receive_avg_ns"), b4, 32));
	}
	o = json_object_get(res, "faults_irqs");
	printf("\nInside syscalls (system-wide): %lld of %lld page faults, %lld of %lld interrupts\n",
	       (long long)geti(o, "faults_in_syscalls"), (long long)geti(o, "faults"),
	       (long long)geti(o, "irqs_in_syscalls"), (long long)geti(o, "irqs"));
	printf("%-20s %10s %10s %10s\n", "SYSCALL", "FAULTS", "IRQS", "SOFTIRQS");
	json_array_foreach(json_object_get(res, "syscalls"), i, e)
		printf("%-20s %10lld %10lld %10lld\n", json_string_value(json_object_get(e, "name")),
		       (long long)geti(e, "faults"), (long long)geti(e, "irqs"), (long long)geti(e, "softirqs"));
	printf("\nRun-queue latency (wake-up or preemption to running), by thread:\n");
	printf("%7s %7s %-16s %9s %10s %10s\n", "PID", "TID", "COMMAND", "SWITCHES", "RUNQ-TOTAL", "RUNQ-AVG");
	json_array_foreach(json_object_get(res, "runq"), i, e)
		printf("%7lld %7lld %-16.16s %9lld %10s %10s\n", (long long)geti(e, "pid"), (long long)geti(e, "tid"),
		       json_string_value(json_object_get(e, "comm")), (long long)geti(e, "switches"),
		       cli_fmt_ns((uint64_t)geti(e, "runq_ns"), b1, 32),
		       cli_fmt_ns((uint64_t)geti(e, "runq_avg_ns"), b2, 32));
	printf("\nLifetimes of tasks and threads that ended (creation to exit), most recent first:\n");
	printf("%7s %7s %7s %-16s %-7s %10s\n", "PID", "TID", "PPID", "COMMAND", "KIND", "LIFETIME");
	json_array_foreach(json_object_get(res, "lifetimes"), i, e)
		printf("%7lld %7lld %7lld %-16.16s %-7s %10s\n", (long long)geti(e, "pid"), (long long)geti(e, "tid"),
		       (long long)geti(e, "ppid"), json_string_value(json_object_get(e, "comm")),
		       json_is_true(json_object_get(e, "thread")) ? "thread" : "process",
		       cli_fmt_ns((uint64_t)geti(e, "lifetime_ns"), b1, 32));
	o = json_object_get(res, "task_table");
	e = json_object_get(res, "pair_table");
	if (geti(o, "evicted") || geti(o, "no_space") || geti(e, "evicted"))
		printf("note: records lost to the bounded tables: %lld threads evicted, %lld refused, %lld IPC pairs "
		       "evicted\n", (long long)geti(o, "evicted"), (long long)geti(o, "no_space"),
		       (long long)geti(e, "evicted"));
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_correlate = {
	.name = "correlate", .min_args = 0, .max_args = 0, .run = run,
	.summary = "IPC send-to-receive links, faults and interrupts inside syscalls, run-queue latency, lifetimes",
	.usage = "USAGE: perf-analysis correlate [-n N] [--pid PID] [--json]\n\n"
		 "  -n, --count N     N rows per table (default 10)\n"
		 "  --pid PID         only this process: IPC pairs where it sends or receives; run-queue latency\n"
		 "                    and lifetimes of its threads and of the processes it created\n\n"
		 "A message is a write or send on a pipe or Unix socket; it is linked to the read or receive that\n"
		 "returns it, and its latency runs from the start of the send to the return of the receive.\n"
		 "WOKEN counts messages whose receiver was asleep and woken by that very send.\n\n"
		 "EXAMPLES:\n  perf-analysis correlate\n  perf-analysis correlate --pid 1234 -n 5\n"
		 "  perf-analysis --json correlate\n",
};
