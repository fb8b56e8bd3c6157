/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verb-configure.c - perf-analysis configure: sample rate, buffer, events, filters, thresholds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"

static int parse_events(const char *s, uint64_t *ret)
{
	char *dup = strdup(s), *save = NULL, *tok;
	uint64_t mask = 0;
	unsigned int id;

	if (!dup)
		return -1;
	if (strcmp(s, "all") == 0) {
		free(dup);
		*ret = (1u << PERF_EVENT_MAX) - 1;
		return 0;
	}
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (cli_parse_event("configure", tok, &id) < 0 || id >= PERF_EVENT_MAX) {
			free(dup);
			return -1;
		}
		mask |= 1u << id;
	}
	free(dup);
	*ret = mask;
	return 0;
}

enum { O_PID = 0x100, O_CHILDREN, O_TID, O_COMM, O_LAT, O_THR, O_ERR, O_REG, O_MASK, O_LAT_EVENT, O_LAT_Q,
       O_THR_BELOW, O_THR_ABOVE, O_ALERT_EVENTS, O_FIRE, O_RESOLVE, O_BUDGET, O_MIN_COUNT, O_THR_EVENT,
       O_ERR_EVENT };

/* "99", "99.9", "50": a percentile as parts per million (0 < q <= 100). */
static int parse_pct_ppm(const char *opt, const char *s, bool allow_zero, uint64_t *ret)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || v != v || v < 0 || v > 100 || (!allow_zero && v == 0)) {
		fprintf(stderr, "perf-analysis configure: %s '%s' is not a percentage in %s-100\n", opt, s,
			allow_zero ? "0" : "(0");
		return -1;
	}
	*ret = (uint64_t)(v * 10000.0 + 0.5);
	return 0;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "events", required_argument, NULL, 'e' },
		{ "event-mask", required_argument, NULL, O_MASK },
		{ "pid", required_argument, NULL, O_PID },
		{ "children", no_argument, NULL, O_CHILDREN },
		{ "tid", required_argument, NULL, O_TID },
		{ "comm", required_argument, NULL, O_COMM },
		{ "latency-threshold", required_argument, NULL, O_LAT },
		{ "throughput-threshold", required_argument, NULL, O_THR },
		{ "error-rate-threshold", required_argument, NULL, O_ERR },
		{ "regression-threshold", required_argument, NULL, O_REG },
		{ "latency-event", required_argument, NULL, O_LAT_EVENT },
		{ "throughput-event", required_argument, NULL, O_THR_EVENT },
		{ "error-rate-event", required_argument, NULL, O_ERR_EVENT },
		{ "latency-quantile", required_argument, NULL, O_LAT_Q },
		{ "throughput-below", no_argument, NULL, O_THR_BELOW },
		{ "throughput-above", no_argument, NULL, O_THR_ABOVE },
		{ "alert-events", required_argument, NULL, O_ALERT_EVENTS },
		{ "alert-fire-windows", required_argument, NULL, O_FIRE },
		{ "alert-resolve-windows", required_argument, NULL, O_RESOLVE },
		{ "overhead-budget", required_argument, NULL, O_BUDGET },
		{ "alert-min-count", required_argument, NULL, O_MIN_COUNT },
		CLI_COMMON_LONGOPTS,
		{ 0 },
	};
	const struct verb *v = &verb_configure;
	json_t *p = json_object(), *res = NULL, *cfg;
	uint64_t u;
	char *end;
	char optname[32];
	int c, r, li = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:b:e:h", opts, &li)) != -1) {
		const char *key = NULL;

		if (li >= 0)
			snprintf(optname, sizeof(optname), "--%s", opts[li].name);
		else
			snprintf(optname, sizeof(optname), "-%c", c);
		li = -1;
		uint64_t max = UINT32_MAX, min = 0;

		switch (c) {
		case 'r': key = "sample_rate"; max = 1000000; break;
		case 'b': key = "buffer_size"; min = 16; max = 4194304; break;
		case 'e':
			if (parse_events(optarg, &u) < 0)
				goto usage;
			json_object_set_new(p, "event_mask", json_integer((json_int_t)u));
			continue;
		case O_MASK:
			u = strtoull(optarg, &end, 0);
			if (!*optarg || *end || u >= (1u << PERF_EVENT_MAX)) {
				r = cli_usage_error(v, "--event-mask '%s' is not a mask of events 0-%d (e.g. 0x%x)", optarg,
						    PERF_EVENT_MAX - 1, (1u << PERF_EVENT_MAX) - 1);
				goto out;
			}
			json_object_set_new(p, "event_mask", json_integer((json_int_t)u));
			continue;
		case O_PID: key = "filter_pid"; break;
		case O_CHILDREN: json_object_set_new(p, "filter_children", json_true()); continue;
		case O_TID: key = "filter_tid"; break;
		case O_COMM:
			if (strlen(optarg) > 15) {
				r = cli_usage_error(v, "--comm '%s' is longer than 15 bytes (the kernel's comm limit)", optarg);
				goto out;
			}
			json_object_set_new(p, "filter_comm", json_string(optarg));
			continue;
		case O_LAT: key = "latency_threshold_us"; break;
		case O_THR: key = "throughput_threshold"; break;
		case O_ERR: key = "error_rate_threshold_pct"; max = 100; break;
		case O_REG: key = "regression_threshold_pct"; max = 10000; break;
		case O_LAT_EVENT: {
			unsigned int id;

			if (pa_event_lookup(NULL, optarg) < 0 && cli_program_event_name(optarg)) {
				/* A program's event, by the name it registered (its id differs from run to run). */
				json_object_set_new(p, "latency_event_name", json_string(optarg));
				continue;
			}
			if (cli_parse_event(v->name, optarg, &id) < 0 || id >= PERF_EVENT_MAX)
				goto usage;
			json_object_set_new(p, "latency_event", json_integer(id));
			continue;
		}
		case O_THR_EVENT:
		case O_ERR_EVENT:
			/* Kernel events share the all-events throughput and error-rate thresholds. */
			if (pa_event_lookup(NULL, optarg) >= 0 || !cli_program_event_name(optarg)) {
				r = cli_usage_error(v, "%s '%s' is not a program event's name (1-47 bytes of "
						    "[A-Za-z0-9_.:-], not starting with a digit; kernel events share "
						    "--%s)", optname, optarg, c == O_THR_EVENT ? "throughput-threshold" :
						    "error-rate-threshold");
				goto out;
			}
			json_object_set_new(p, c == O_THR_EVENT ? "throughput_event_name" : "error_rate_event_name",
					    json_string(optarg));
			continue;
		case O_LAT_Q:
			if (parse_pct_ppm("--latency-quantile", optarg, false, &u) < 0)
				goto usage;
			json_object_set_new(p, "latency_quantile_ppm", json_integer((json_int_t)u));
			continue;
		case O_THR_BELOW: json_object_set_new(p, "throughput_below", json_true()); continue;
		case O_THR_ABOVE: json_object_set_new(p, "throughput_below", json_false()); continue;
		case O_ALERT_EVENTS:
			if (parse_events(optarg, &u) < 0)
				goto usage;
			json_object_set_new(p, "alert_event_mask", json_integer((json_int_t)u));
			continue;
		case O_FIRE: key = "alert_fire_windows"; min = 1; max = 3600; break;
		case O_RESOLVE: key = "alert_resolve_windows"; min = 1; max = 3600; break;
		case O_MIN_COUNT: key = "alert_min_count"; max = 1000000000; break;
		case O_BUDGET:
			if (parse_pct_ppm("--overhead-budget", optarg, true, &u) < 0)
				goto usage;
			json_object_set_new(p, "overhead_budget_ppm", json_integer((json_int_t)u));
			continue;
		case 'J': cli->json = true; continue;
		case 'h': json_decref(p); return cli_verb_help(v);
		default: json_decref(p); return cli_bad_option(v, argc, argv);
		}
		if (cli_parse_uint(v->name, optname, optarg, min, max, &u) < 0)
			goto usage;
		json_object_set_new(p, key, json_integer((json_int_t)u));
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		goto out;
	if ((json_object_get(p, "latency_event") || json_object_get(p, "latency_event_name")) &&
	    !json_object_get(p, "latency_threshold_us")) {
		r = cli_usage_error(v, "--latency-event needs --latency-threshold (that event's threshold; 0 = the "
				    "all-events one)");
		goto out;
	}
	if (json_object_get(p, "throughput_event_name") && !json_object_get(p, "throughput_threshold")) {
		r = cli_usage_error(v, "--throughput-event needs --throughput-threshold (that event's threshold; 0 = "
				    "none)");
		goto out;
	}
	if (json_object_get(p, "error_rate_event_name") && !json_object_get(p, "error_rate_threshold_pct")) {
		r = cli_usage_error(v, "--error-rate-event needs --error-rate-threshold (that event's threshold; 0 = "
				    "none)");
		goto out;
	}
	if (json_object_size(p) == 0) {
		/* No change asked: show the configuration. */
		json_decref(p);
		p = NULL;
		r = cli_call(cli, "status", NULL, &res);
		if (r)
			goto out;
		cfg = json_incref(json_object_get(res, "config"));
		json_decref(res);
		res = json_pack("{so}", "config", cfg);
	} else {
		r = cli_call(cli, "configure", p, &res);
		p = NULL;
		if (r)
			goto out;
	}
	cfg = json_object_get(res, "config");
	if (cli->json) {
		cli_print_json(res);
	} else {
		printf("sample rate %lld/s, buffer %lld samples, event mask 0x%03llx",
		       json_integer_value(json_object_get(cfg, "sample_rate")),
		       json_integer_value(json_object_get(cfg, "buffer_size")),
		       (long long)json_integer_value(json_object_get(cfg, "event_mask")));
		if (json_integer_value(json_object_get(cfg, "filter_pid")))
			printf(", pid %lld%s", json_integer_value(json_object_get(cfg, "filter_pid")),
			       json_is_true(json_object_get(cfg, "filter_children")) ? " and children" : "");
		if (json_integer_value(json_object_get(cfg, "filter_tid")))
			printf(", tid %lld", json_integer_value(json_object_get(cfg, "filter_tid")));
		if (*json_string_value(json_object_get(cfg, "filter_comm")))
			printf(", comm %s", json_string_value(json_object_get(cfg, "filter_comm")));
		printf("\nthresholds: latency %lld us, throughput %lld ops/s, error rate %lld %%, regression %lld %%\n",
		       json_integer_value(json_object_get(cfg, "latency_threshold_us")),
		       json_integer_value(json_object_get(cfg, "throughput_threshold")),
		       json_integer_value(json_object_get(cfg, "error_rate_threshold_pct")),
		       json_integer_value(json_object_get(cfg, "regression_threshold_pct")));
		{
			json_t *ev = json_object_get(cfg, "event_latency_threshold_us"), *val;
			const char *name;

			printf("alerts: latency on p%g, throughput alert when %s, fire after %lld window(s), resolve "
			       "after %lld, at least %lld operations, events 0x%03llx",
			       (double)json_integer_value(json_object_get(cfg, "latency_quantile_ppm")) / 10000.0,
			       json_is_true(json_object_get(cfg, "throughput_below")) ? "below" : "above",
			       json_integer_value(json_object_get(cfg, "alert_fire_windows")),
			       json_integer_value(json_object_get(cfg, "alert_resolve_windows")),
			       json_integer_value(json_object_get(cfg, "alert_min_count")),
			       (long long)json_integer_value(json_object_get(cfg, "alert_event_mask")));
			json_object_foreach(ev, name, val)
				printf(", %s latency %lld us", name, json_integer_value(val));
			json_object_foreach(json_object_get(cfg, "app_thresholds"), name, val) {
				json_int_t thr = json_integer_value(json_object_get(val, "throughput"));
				json_int_t err = json_integer_value(json_object_get(val, "error_rate_pct"));

				if (thr)
					printf(", %s throughput %s %lld ops/s", name,
					       json_is_true(json_object_get(val, "throughput_below")) ? "below" : "above",
					       (long long)thr);
				if (err)
					printf(", %s error rate %lld %%", name, (long long)err);
			}
			printf("\noverhead budget: %g %% of CPU%s\n",
			       (double)json_integer_value(json_object_get(cfg, "overhead_budget_ppm")) / 10000.0,
			       json_integer_value(json_object_get(cfg, "overhead_budget_ppm")) ? "" : " (off)");
		}
	}
	r = EXIT_OK;
	goto out;
usage:
	r = EXIT_USAGE;
out:
	json_decref(p);
	json_decref(res);
	return r;
}

const struct verb verb_configure = {
	.name = "configure", .min_args = 0, .max_args = 0, .run = run,
	.summary = "set sample rate, buffer size, events, filters and thresholds (none: show them)",
	.usage = "USAGE: perf-analysis configure [-r RATE] [-b SIZE] [-e EVENT,...] [OPTIONS] [--json]\n\n"
		 "  -r, --rate RATE              samples per second per CPU (0-1000000; seed default 1000)\n"
		 "  -b, --buffer SIZE            sample buffer in samples (16-4194304; seed default 8192)\n"
		 "  -e, --events EVENT,...       capture only these events (ids or names; 'all')\n"
		 "      --event-mask MASK        the same as a bit mask (0x0-0xfff)\n"
		 "      --pid PID [--children]   only this process (and its descendants); 0 = all\n"
		 "      --tid TID                only this thread; 0 = all\n"
		 "      --comm NAME              only tasks with this command name; '' = all\n"
		 "      --latency-threshold US   alert above this p99 latency (seed default 1000; 0 = off)\n"
		 "      --latency-event EVENT    with --latency-threshold: that event's own threshold\n"
		 "                               (0 = use the all-events one again). EVENT may be a\n"
		 "                               program's event name (db.query): it is judged only\n"
		 "                               with a threshold of its own (0 = not judged)\n"
		 "      --latency-quantile Q     the quantile judged, in percent (default 99, e.g. 99.9)\n"
		 "      --throughput-threshold N alert threshold in ops/s (seed default 1000; 0 = off)\n"
		 "      --throughput-above       alert when throughput rises above it (default)\n"
		 "      --throughput-below       alert when throughput falls below it\n"
		 "      --throughput-event NAME  with --throughput-threshold (and -above/-below): a program\n"
		 "                               event's own (db.query; 0 = not judged; default above)\n"
		 "      --error-rate-threshold P alert above P %% failed operations (seed default 5; 0 = off)\n"
		 "      --error-rate-event NAME  with --error-rate-threshold: a program event's own, on the\n"
		 "                               samples it marks failed (PERF_EVENT_FAILED; 0 = not judged)\n"
		 "      --alert-events EVENT,... events judged for alerts ('all', the default)\n"
		 "      --alert-fire-windows N   windows in a row over a threshold before an alert fires (1)\n"
		 "      --alert-resolve-windows N  windows in a row back before it resolves (default 3)\n"
		 "      --alert-min-count N      judge latency and error rate only in windows with at\n"
		 "                               least N operations (default 20)\n"
		 "      --overhead-budget PCT    own CPU share (eBPF + daemon, %% of all CPUs) above which the\n"
		 "                               sample rate is lowered (seed's promise: 5; 0 = no budget)\n"
		 "      --regression-threshold P default T for check-regression (seed default 20)\n"
		 "Statistics stay exact at any sample rate: sampling only thins the sample stream.\n"
		 "Needs the configure right.\n\n"
		 "EXAMPLES:\n  perf-analysis configure -r 2000 -b 8192\n"
		 "  perf-analysis configure -e syscall,vm_alloc,vm_free --pid 1234 --children\n"
		 "  perf-analysis configure --latency-event syscall --latency-threshold 2000\n"
		 "  perf-analysis configure --latency-event db.query --latency-threshold 5000\n"
		 "  perf-analysis configure --throughput-event db.query --throughput-below --throughput-threshold 50\n"
		 "  perf-analysis configure --error-rate-event db.query --error-rate-threshold 2\n"
		 "  perf-analysis configure --latency-quantile 99.9 --throughput-below --throughput-threshold 100\n"
		 "  perf-analysis configure            # show the configuration\n",
};
