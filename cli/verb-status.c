/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-status.c - perf-analysis status: the daemon's version, state, kernel support, drops and overhead. */
#include <stdio.h>

#include "cli.h"

static unsigned long long u64(json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (unsigned long long)v : 0;
}

static int run(struct cli *cli, int argc, char **argv)
{
	json_t *res, *cfg, *k, *ov, *ev;
	size_t i;
	int r = cli_fetch(cli, &verb_status, argc, argv, "status", NULL, &res);

	if (r || !res)
		return r;
	cfg = json_object_get(res, "config");
	k = json_object_get(res, "kernel");
	ov = json_object_get(res, "overhead");
	printf("perf-analysisd %s (protocol %llu), pid %llu, up %.1f s\n",
	       json_string_value(json_object_get(res, "version")), u64(res, "protocol"), u64(res, "pid"),
	       (double)u64(res, "uptime_ns") / 1e9);
	printf("  monitoring:     %s\n", json_is_true(json_object_get(res, "enabled")) ? "enabled" :
	       "disabled (start it with: perf-analysis enable)");
	if (json_is_true(json_object_get(k, "available")))
		printf("  kernel capture: loaded%s\n", json_is_true(json_object_get(k, "bpf_stats_enabled")) ?
		       " (kernel.bpf_stats_enabled on)" : "");
	else
		printf("  kernel capture: unavailable: %s\n", json_string_value(json_object_get(k, "why")));
	printf("  sample rate:    %llu/s per CPU, buffer %llu samples, event mask 0x%03llx\n",
	       u64(cfg, "sample_rate"), u64(cfg, "buffer_size"), u64(cfg, "event_mask"));
	printf("  thresholds:     latency %llu us, throughput %llu ops/s, error rate %llu %%, regression %llu %%\n",
	       u64(cfg, "latency_threshold_us"), u64(cfg, "throughput_threshold"),
	       u64(cfg, "error_rate_threshold_pct"), u64(cfg, "regression_threshold_pct"));
	printf("  windows:        %llu ms each, %llu kept per event\n", u64(res, "window_ms"), u64(res, "windows"));
	printf("  loss:           %llu samples dropped, %llu sampled out, %llu events lost; %llu samples\n"
	       "                  overwritten in the daemon's queues before a client read them (kernel %llu,\n"
	       "                  programs %llu)\n", u64(res, "dropped"),
	       u64(res, "sampled_out"), u64(res, "lost"), u64(res, "queue_overwritten"),
	       u64(json_object_get(res, "queue_overwritten_by_source"), "kernel"),
	       u64(json_object_get(res, "queue_overwritten_by_source"), "app"));
	printf("  daemon:         %.3f s CPU, %llu KiB max RSS, %llu clients, %llu baselines\n",
	       (double)u64(ov, "cpu_ns") / 1e9, u64(ov, "rss_kb"), u64(res, "clients"), u64(res, "baselines"));
	{
		json_t *b = json_object_get(ov, "bpf");

		if (json_is_true(json_object_get(b, "stats_enabled")))
			printf("  kernel side:    %llu program runs, %.3f s in eBPF programs (%.0f ns per run), %llu missed\n",
			       u64(b, "run_cnt"), (double)u64(b, "run_time_ns") / 1e9,
			       u64(b, "run_cnt") ? (double)u64(b, "run_time_ns") / (double)u64(b, "run_cnt") : 0.0,
			       u64(b, "misses"));
		else if (json_is_true(json_object_get(k, "available")))
			printf("  kernel side:    %llu program runs, %llu missed (run time not measured: start the "
			       "daemon with --bpf-stats)\n", u64(b, "run_cnt"), u64(b, "misses"));
	}
	{
		json_t *bg = json_object_get(ov, "budget"), *act = json_object_get(res, "active_alerts"), *a;
		double budget = json_number_value(json_object_get(bg, "budget_pct"));

		if (bg) {
			printf("  overhead:       %.3f %% of all CPUs in the last window (eBPF %.3f %%%s, daemon %.3f %%); ",
			       json_number_value(json_object_get(bg, "pct")), json_number_value(json_object_get(bg, "bpf_pct")),
			       json_is_true(json_object_get(bg, "bpf_measured")) ? "" : " not measured",
			       json_number_value(json_object_get(bg, "daemon_pct")));
			if (budget > 0)
				printf("budget %g %%\n", budget);
			else
				printf("no budget\n");
			if (json_is_true(json_object_get(bg, "throttled")))
				printf("                  over budget: sample rate lowered to %llu/s per CPU (configured %llu/s); "
				       "statistics stay exact\n", u64(bg, "sample_rate_effective"),
				       u64(bg, "sample_rate_configured"));
			if (json_is_true(json_object_get(bg, "at_lowest_rate")))
				printf("                  still over budget at the lowest rate: the rest is the exact statistics;\n"
				       "                  capture fewer events (configure -e) or filter (--pid, --comm)\n");
		}
		if (json_array_size(act))
			printf("  alerts:         %zu active (perf-analysis alerts --active)\n", json_array_size(act));
		else if (act)
			printf("  alerts:         none active\n");
		json_array_foreach(act, i, a)
			printf("                  %s\n", json_string_value(json_object_get(a, "message")));
	}
	printf("  state:          %s\n", json_string_value(json_object_get(res, "state_dir")));
	json_array_foreach(json_object_get(res, "events"), i, ev)
		if (!json_is_true(json_object_get(ev, "available")))
			printf("  unavailable:    %s: %s\n", json_string_value(json_object_get(ev, "name")),
			       json_string_value(json_object_get(ev, "why")));
	json_decref(res);
	return EXIT_OK;
}

const struct verb verb_status = {
	.name = "status", .min_args = 0, .max_args = 0, .run = run,
	.summary = "show the daemon's state, kernel support, loss counters and overhead",
	.usage = "USAGE: perf-analysis status [--json]\n\nEXAMPLES:\n  perf-analysis status\n"
		 "  perf-analysis --json status\n",
};
