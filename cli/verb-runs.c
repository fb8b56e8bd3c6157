/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-runs.c - runs of a workload as the unit of evidence (issue 5):
 *
 *   perf-analysis record -n RUNS [--name NAME] -- COMMAND...
 *   perf-analysis compare -n RUNS [-t PERCENT] -- CMD_A... -- CMD_B...
 *
 * One run: the command is forked stopped (it raises SIGSTOP before exec), the
 * daemon's process filter is pointed at it and its descendants, statistics
 * are reset, the command continues and is waited for, and the statistics are
 * read: exactly that run's events. record prints one summary per run; compare
 * runs A and B RUNS times each in randomised interleaved order (each pair in
 * a coin-flip order: drift of a shared machine hits both alike) and gives the
 * statistical verdict per event on the per-run medians and p99s (one-sided
 * Mann-Whitney U, Holm across events and metrics, Hodges-Lehmann interval),
 * exit 0 OK, 1 REGRESSION (B slower than A), 3 INCONCLUSIVE.
 *
 * Both take over the daemon while they run: they need the configure right,
 * reset its statistics before every run, and restore the previous filter and
 * enable state at the end (also on Ctrl-C).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "events.h"
#include "regress.h"

enum { O_NAME = 0x100, O_SEED, O_MIN_RUNS };

struct run_result {
	double p50[PERF_EVENT_MAX], p99[PERF_EVENT_MAX];
	uint64_t count[PERF_EVENT_MAX], errors[PERF_EVENT_MAX], avg[PERF_EVENT_MAX];
	bool has_duration[PERF_EVENT_MAX];
	int status;          /* the command's exit status */
	double seconds;      /* wall time */
};

/* The daemon's state before we took it over. */
struct saved {
	bool valid, enabled, children;
	json_int_t pid, tid;
	char comm[32];
};

static struct saved saved;
static struct cli *saved_cli;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int save_state(struct cli *cli)
{
	json_t *res = NULL, *cfg;
	int r = cli_call(cli, "status", NULL, &res);

	if (r)
		return r;
	cfg = json_object_get(res, "config");
	saved.enabled = json_is_true(json_object_get(res, "enabled"));
	saved.pid = json_integer_value(json_object_get(cfg, "filter_pid"));
	saved.tid = json_integer_value(json_object_get(cfg, "filter_tid"));
	saved.children = json_is_true(json_object_get(cfg, "filter_children"));
	snprintf(saved.comm, sizeof(saved.comm), "%s", json_string_value(json_object_get(cfg, "filter_comm")) ?: "");
	saved.valid = true;
	saved_cli = cli;
	json_decref(res);
	return EXIT_OK;
}

static void restore_state(void)
{
	if (!saved.valid)
		return;
	saved.valid = false;
	(void)cli_call(saved_cli, "configure", json_pack("{sI sb sI ss}", "filter_pid", saved.pid, "filter_children",
							 saved.children, "filter_tid", saved.tid, "filter_comm",
							 saved.comm), NULL);
	if (!saved.enabled)
		(void)cli_call(saved_cli, "enable", json_pack("{sb}", "enabled", false), NULL);
}

/* Run `cmd` once, capturing exactly its processes. EXIT_OK, or an exit code after printing why. */
static int run_once(struct cli *cli, char **cmd, struct run_result *ret)
{
	struct timespec t0, t1;
	json_t *res = NULL, *e;
	int st, r;
	size_t i;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "perf-analysis: cannot fork: %s\n", strerror(errno));
		return EXIT_INTERNAL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO); /* our output is the summary; the command's goes away */
		raise(SIGSTOP);            /* wait until the filter points at us */
		execvp(cmd[0], cmd);
		fprintf(stderr, "perf-analysis: cannot run '%s': %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, WUNTRACED) < 0 || !WIFSTOPPED(st)) {
		fprintf(stderr, "perf-analysis: the command's process did not start\n");
		return EXIT_INTERNAL;
	}
	r = cli_call(cli, "configure", json_pack("{sI sb sI ss}", "filter_pid", (json_int_t)pid, "filter_children", 1,
						 "filter_tid", (json_int_t)0, "filter_comm", ""), NULL);
	if (!r)
		r = cli_call(cli, "reset", NULL, NULL);
	if (r) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(pid, SIGCONT);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		if (interrupted)
			kill(pid, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ret->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (ret->status == 127) {
		fprintf(stderr, "perf-analysis: '%s' could not be run (exit 127)\n", cmd[0]);
		return EXIT_USAGE;
	}
	r = cli_call(cli, "stats", NULL, &res);
	if (r)
		return r;
	json_array_foreach(json_object_get(res, "events"), i, e) {
		json_int_t id = json_integer_value(json_object_get(e, "id"));

		if (id < 0 || id >= PERF_EVENT_MAX)
			continue;
		ret->count[id] = (uint64_t)json_integer_value(json_object_get(e, "count"));
		ret->errors[id] = (uint64_t)json_integer_value(json_object_get(e, "errors"));
		ret->avg[id] = (uint64_t)json_integer_value(json_object_get(e, "avg_ns"));
		ret->p50[id] = (double)json_integer_value(json_object_get(e, "p50_ns"));
		ret->p99[id] = (double)json_integer_value(json_object_get(e, "p99_ns"));
		ret->has_duration[id] = json_is_true(json_object_get(e, "has_duration"));
	}
	json_decref(res);
	return EXIT_OK;
}

static int take_over(struct cli *cli)
{
	struct sigaction sa;
	int r;

	r = save_state(cli);
	if (r)
		return r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!saved.enabled)
		r = cli_call(cli, "enable", json_pack("{sb}", "enabled", true), NULL);
	return r;
}

static json_t *run_json(const struct run_result *rr, int index, const char *side)
{
	json_t *ev = json_array();

	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		json_array_append_new(ev, json_pack("{sI ss sI sI sI sI sI}", "id", (json_int_t)e, "name",
						    pa_event_info(e)->name, "count", (json_int_t)rr->count[e],
						    "errors", (json_int_t)rr->errors[e], "avg_ns", (json_int_t)rr->avg[e],
						    "p50_ns", (json_int_t)rr->p50[e], "p99_ns", (json_int_t)rr->p99[e]));
	return json_pack("{sI ss sI sf so}", "run", (json_int_t)index, "command", side, "exit_status",
			 (json_int_t)rr->status, "seconds", rr->seconds, "events", ev);
}

static void print_run(const struct run_result *rr, int index, const char *side)
{
	char b[2][32];

	printf("run %d%s%s: %.3f s, exit %d\n", index, side ? " " : "", side ? side : "", rr->seconds, rr->status);
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		if (!rr->count[e])
			continue;
		if (rr->has_duration[e])
			printf("  %-16s %10llu  p50 %9s  p99 %9s\n", pa_event_info(e)->name,
			       (unsigned long long)rr->count[e], cli_fmt_ns((uint64_t)rr->p50[e], b[0], 32),
			       cli_fmt_ns((uint64_t)rr->p99[e], b[1], 32));
		else
			printf("  %-16s %10llu\n", pa_event_info(e)->name, (unsigned long long)rr->count[e]);
	}
}

static int parse_runs(const struct verb *v, const char *s, uint64_t *ret)
{
	return cli_parse_uint(v->name, "-n", s, 1, 1000, ret) < 0 ? EXIT_USAGE : EXIT_OK;
}

static int record(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "name", required_argument, NULL, O_NAME },
		CLI_COMMON_LONGOPTS, { 0 },
	};
	const struct verb *v = &verb_record;
	struct run_result rr;
	const char *name = "record";
	uint64_t runs = 5;
	json_t *all = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_runs(v, optarg, &runs))
				return EXIT_USAGE;
			break;
		case O_NAME: name = optarg; break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(v, "no command: give it after --, e.g. record -n 5 -- make -j2");
	r = take_over(cli);
	if (r)
		return r;
	all = json_array();
	for (uint64_t i = 0; i < runs && !interrupted; i++) {
		r = run_once(cli, argv + optind, &rr);
		if (r)
			goto out;
		if (cli->json)
			json_array_append_new(all, run_json(&rr, (int)i + 1, name));
		else
			print_run(&rr, (int)i + 1, NULL);
	}
	if (interrupted) {
		fprintf(stderr, "perf-analysis record: interrupted\n");
		r = EXIT_INTERNAL;
		goto out;
	}
	if (cli->json) {
		json_t *o = json_pack("{ss sI sO}", "name", name, "runs_requested", (json_int_t)runs, "runs", all);

		cli_print_json(o);
		json_decref(o);
	}
	r = EXIT_OK;
out:
	json_decref(all);
	restore_state();
	return r;
}

struct family_item {
	unsigned int event;
	int metric;              /* 0 p50, 1 p99 */
	struct pa_regress_result res;
};

static int compare(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "threshold", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, O_SEED },
		{ "min-runs", required_argument, NULL, O_MIN_RUNS },
		CLI_COMMON_LONGOPTS, { 0 },
	};
	const struct verb *v = &verb_compare;
	uint64_t runs = 10, thr = 20, seed = (uint64_t)time(NULL) ^ (uint64_t)getpid(), min_n = PA_REGRESS_MIN_N_DEFAULT;
	struct run_result *ra = NULL, *rb = NULL;
	struct family_item fam[2 * PERF_EVENT_MAX];
	struct pa_regress_result res[2 * PERF_EVENT_MAX];
	struct pa_regress_params params;
	char **cmd_a, **cmd_b = NULL;
	double *va = NULL, *vb = NULL;
	size_t nf = 0;
	struct pa_rng rng;
	json_t *out = NULL, *events = NULL;
	void *scratch = NULL;
	int c, r, worst = PA_VERDICT_OK, n_checked = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_runs(v, optarg, &runs))
				return EXIT_USAGE;
			break;
		case 't':
			if (cli_parse_uint(v->name, "-t", optarg, 0, 10000, &thr) < 0)
				return EXIT_USAGE;
			break;
		case O_SEED:
			if (cli_parse_uint(v->name, "--seed", optarg, 0, UINT64_MAX, &seed) < 0)
				return EXIT_USAGE;
			break;
		case O_MIN_RUNS:
			if (cli_parse_uint(v->name, "--min-runs", optarg, 3, 1000, &min_n) < 0)
				return EXIT_USAGE;
			break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	/* getopt consumed the first "--"; CMD_A runs to the next "--". */
	cmd_a = argv + optind;
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			cmd_b = argv + i + 1;
			break;
		}
	if (!cmd_a[0] || !cmd_b || !cmd_b[0])
		return cli_usage_error(v, "give two commands: compare -n RUNS -- CMD_A ... -- CMD_B ...");
	ra = calloc(runs, sizeof(*ra));
	rb = calloc(runs, sizeof(*rb));
	va = calloc(2 * runs, sizeof(double));
	vb = calloc(2 * runs, sizeof(double));
	if (!ra || !rb || !va || !vb) {
		r = EXIT_INTERNAL;
		goto out;
	}
	r = take_over(cli);
	if (r)
		goto out;
	pa_rng_seed(&rng, seed);
	for (uint64_t i = 0; i < runs && !interrupted; i++) {
		bool a_first = pa_rng_below(&rng, 2) == 0;

		for (int k = 0; k < 2; k++) {
			bool is_a = (k == 0) == a_first;

			if (!cli->json)
				fprintf(stderr, "\rrun %llu/%llu: %s   ", (unsigned long long)i + 1,
					(unsigned long long)runs, is_a ? "A" : "B");
			r = run_once(cli, is_a ? cmd_a : cmd_b, is_a ? &ra[i] : &rb[i]);
			if (r)
				goto out;
		}
	}
	if (!cli->json)
		fprintf(stderr, "\r%40s\r", "");
	if (interrupted) {
		fprintf(stderr, "perf-analysis compare: interrupted\n");
		r = EXIT_INTERNAL;
		goto out;
	}
	restore_state();

	pa_regress_params_default(&params);
	params.threshold_pct = (double)thr;
	params.min_n = (uint32_t)min_n;
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		size_t na = 0, nb = 0;

		if (!pa_event_info(e)->has_duration)
			continue;
		for (uint64_t i = 0; i < runs; i++) {
			if (ra[i].count[e])
				va[na++] = ra[i].p50[e] > 0 ? ra[i].p50[e] : 1;
			if (rb[i].count[e])
				vb[nb++] = rb[i].p50[e] > 0 ? rb[i].p50[e] : 1;
		}
		if (!na && !nb)
			continue;
		for (uint64_t i = 0, ka = 0, kb = 0; i < runs; i++) {
			if (ra[i].count[e])
				va[runs + ka++] = ra[i].p99[e] > 0 ? ra[i].p99[e] : 1;
			if (rb[i].count[e])
				vb[runs + kb++] = rb[i].p99[e] > 0 ? rb[i].p99[e] : 1;
		}
		for (int m = 0; m < 2; m++) {
			size_t need = pa_regress_scratch_bytes(na, nb, params.method);

			fam[nf].event = e;
			fam[nf].metric = m;
			memset(&fam[nf].res, 0, sizeof(fam[nf].res));
			if (na && nb) {
				free(scratch);
				scratch = malloc(need);
				if (!scratch || pa_regress_compare(va + (m ? runs : 0), na, vb + (m ? runs : 0), nb, &params,
								   scratch, need, &fam[nf].res) < 0) {
					fprintf(stderr, "perf-analysis compare: the statistics failed for %s\n",
						pa_event_info(e)->name);
					r = EXIT_INTERNAL;
					goto out;
				}
			} else {
				fam[nf].res.verdict = PA_VERDICT_INCONCLUSIVE;
				fam[nf].res.reason = PA_REASON_TOO_FEW;
				fam[nf].res.mw.na = (uint32_t)na;
				fam[nf].res.mw.nb = (uint32_t)nb;
			}
			nf++;
		}
	}
	{
		/* Holm across every tested metric (the untestable ones stay INCONCLUSIVE). */
		size_t k = 0, map[2 * PERF_EVENT_MAX];

		for (size_t i = 0; i < nf; i++)
			if (fam[i].res.mw.na && fam[i].res.mw.nb) {
				res[k] = fam[i].res;
				map[k++] = i;
			}
		if (k && pa_regress_apply_holm(res, k) >= 0)
			for (size_t i = 0; i < k; i++)
				fam[map[i]].res = res[i];
	}
	events = json_array();
	for (size_t i = 0; i < nf; i += 2) {
		const struct pa_regress_result *m50 = &fam[i].res, *m99 = &fam[i + 1].res;
		int verdict = m50->verdict == PA_VERDICT_REGRESSION || m99->verdict == PA_VERDICT_REGRESSION ?
			      PA_VERDICT_REGRESSION :
			      m50->verdict == PA_VERDICT_OK && m99->verdict == PA_VERDICT_OK && m50->mw.na ?
			      PA_VERDICT_OK : PA_VERDICT_INCONCLUSIVE;
		const struct pa_regress_result *show = verdict == PA_VERDICT_REGRESSION &&
						       m50->verdict != PA_VERDICT_REGRESSION ? m99 :
						       verdict == PA_VERDICT_INCONCLUSIVE &&
						       m50->verdict == PA_VERDICT_OK ? m99 : m50;
		const char *name = pa_event_info(fam[i].event)->name;
		json_t *ms = json_array();

		n_checked++;
		if (verdict == PA_VERDICT_REGRESSION)
			worst = PA_VERDICT_REGRESSION;
		else if (verdict == PA_VERDICT_INCONCLUSIVE && worst == PA_VERDICT_OK)
			worst = PA_VERDICT_INCONCLUSIVE;
		for (int m = 0; m < 2; m++) {
			const struct pa_regress_result *x = m ? m99 : m50;

			json_array_append_new(ms, json_pack("{ss ss ss sf sf sf sb sf sf sf sf sI sI}",
				"metric", m ? "p99" : "p50", "verdict", pa_verdict_name(x->verdict),
				"reason", pa_regress_reason_name(x->reason), "p", x->mw.p, "p_adjusted", x->p_adjusted,
				"change_pct", x->change_pct, "ci_valid", x->hl.ci_valid, "ci_lo_pct", x->ci_lo_pct,
				"ci_hi_pct", x->ci_hi_pct, "a_median_ns", x->median_a, "b_median_ns", x->median_b,
				"a_runs", (json_int_t)x->mw.na, "b_runs", (json_int_t)x->mw.nb));
		}
		json_array_append_new(events, json_pack("{sI ss ss so}", "event", (json_int_t)fam[i].event, "name", name,
							"verdict", pa_verdict_name(verdict), "metrics", ms));
		if (!cli->json) {
			if (!show->mw.na || !show->mw.nb)
				printf("%s: %s: too few runs with events (%u of A, %u of B)\n", pa_verdict_name(verdict),
				       name, show->mw.na, show->mw.nb);
			else if (show->hl.ci_valid)
				printf("%s: %s: %s %+.1f %% [%+.1f, %+.1f] (%.0f %% CI), p = %.2g; %u vs %u runs\n",
				       pa_verdict_name(verdict), name, show == m50 ? "p50" : "p99", show->change_pct,
				       show->ci_lo_pct, show->ci_hi_pct, show->hl.level * 100, show->p_adjusted,
				       show->mw.na, show->mw.nb);
			else
				printf("%s: %s: %s %+.1f %% (%s), p = %.2g; %u vs %u runs\n", pa_verdict_name(verdict),
				       name, show == m50 ? "p50" : "p99", show->change_pct,
				       pa_regress_reason_name(show->reason), show->p_adjusted, show->mw.na, show->mw.nb);
		}
	}
	if (!n_checked)
		worst = PA_VERDICT_INCONCLUSIVE;
	if (cli->json) {
		json_t *ja = json_array(), *jb = json_array();

		for (uint64_t i = 0; i < runs; i++) {
			json_array_append_new(ja, run_json(&ra[i], (int)i + 1, "A"));
			json_array_append_new(jb, run_json(&rb[i], (int)i + 1, "B"));
		}
		out = json_pack("{ss sI sI sI sf sI so so so}", "verdict", pa_verdict_name(worst), "exit_code",
				(json_int_t)worst, "runs", (json_int_t)runs, "threshold_pct", (json_int_t)thr,
				"alpha", params.alpha, "seed", (json_int_t)seed, "events", events, "a", ja, "b", jb);
		events = NULL;
		cli_print_json(out);
	} else {
		printf("Overall: %s (B against A, %llu interleaved runs each, threshold %llu %%, Holm-corrected; "
		       "seed %llu)\n", pa_verdict_name(worst), (unsigned long long)runs, (unsigned long long)thr,
		       (unsigned long long)seed);
	}
	r = worst;
out:
	json_decref(out);
	json_decref(events);
	free(scratch);
	free(va);
	free(vb);
	free(ra);
	free(rb);
	restore_state();
	return r;
}

const struct verb verb_record = {
	.name = "record", .min_args = 0, .max_args = 1000, .run = record,
	.summary = "run a command RUNS times, one statistics summary per run",
	.usage = "USAGE: perf-analysis record [-n RUNS] [--name NAME] [--json] -- COMMAND [ARGS...]\n\n"
		 "Runs COMMAND RUNS times (default 5), each time capturing exactly its processes (the\n"
		 "daemon's filter follows it and its children) from a reset, and prints each run's\n"
		 "counts, p50 and p99 per event. The command's standard output is discarded.\n"
		 "Takes over the daemon while it runs (configure right): statistics are reset before\n"
		 "every run; the previous filter and enable state are restored afterwards.\n\n"
		 "EXAMPLES:\n  perf-analysis record -n 10 -- ./build/tests/workloads/workload -m 100\n"
		 "  perf-analysis --json record -n 3 --name nightly -- make -j2\n",
};

const struct verb verb_compare = {
	.name = "compare", .min_args = 0, .max_args = 1000, .run = compare,
	.summary = "run two commands interleaved and give the verdict per event (runs as evidence)",
	.usage = "USAGE: perf-analysis compare [-n RUNS] [-t PERCENT] [--seed S] [--min-runs N] [--json]\n"
		 "                               -- CMD_A [ARGS...] -- CMD_B [ARGS...]\n\n"
		 "Runs A and B RUNS times each (default 10) in randomised interleaved order, as record\n"
		 "does, and compares B with A per event: the per-run medians and p99s by a one-sided\n"
		 "Mann-Whitney U test (Holm-corrected), with a Hodges-Lehmann interval of the change.\n"
		 "REGRESSION: B is slower by more than PERCENT (default 20) with significance; OK: the\n"
		 "interval's upper end is below PERCENT; INCONCLUSIVE otherwise (at least --min-runs\n"
		 "runs a side, default 5). Interleaving is what makes a shared, drifting machine fair.\n"
		 "Exit status: 0 OK, 1 REGRESSION, 3 INCONCLUSIVE, 2 bad input.\n\n"
		 "EXAMPLES:\n  perf-analysis compare -n 10 -- ./old/server --bench -- ./new/server --bench\n"
		 "  perf-analysis compare -n 12 -t 10 -- gzip -1 big.tar -- gzip -9 big.tar\n",
};
