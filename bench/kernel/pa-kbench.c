/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pa-kbench.c - run a command under one tracing setup, for the kernel
 * overhead benchmarks (bench/kernel-overhead.sh):
 *   none   nothing attached
 *   empty  empty tp_btf programs on every hook the capture uses (the floor)
 *   clock  the same, timing each syscall (clock.bpf.c: a latency tracer's floor)
 *   ours   the collector with its defaults (every event, 1000 samples/s/CPU),
 *          drained every 100 ms as the daemon does
 *   stream ours, but every event offered to the stream (10M samples/s/CPU,
 *          65536-sample ring), drained on wake-up; prints to stderr
 *          "stream: SAMPLES samples DROPPED dropped SECONDS s"
 *   resources  ours plus resource tracking (bpf/resources.bpf.c), as
 *          perf-analysisd loads them by default (the collector's syscall
 *          programs doing resource tracking's part of each syscall too)
 * The command's output passes through; exit status is the command's. Last,
 * "cpu-seconds S" goes to stderr: user + system CPU time of the command and
 * its waited-for descendants (the programs run in their context), which
 * other load on a shared machine inflates far less than wall time.
 *
 * With PA_KBENCH_PROGSTATS=1, kernel.bpf_stats is turned on and the mean
 * run time of every program is printed to stderr afterwards.
 *
 * USAGE: pa-kbench none|empty|clock|ours|resources|stream -- COMMAND [ARG...]
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../daemon/collector.h"
#include "../../daemon/resources.h"
#include "empty.skel.h"
#include "clock.skel.h"

enum mode { M_NONE, M_EMPTY, M_CLOCK, M_OURS, M_RES, M_STREAM, M_MAX };
static const char *const mode_name[M_MAX] = { "none", "empty", "clock", "ours", "resources", "stream" };

static void ignore_sample(const struct perf_sample *s, void *userdata)
{
	(void)s;
	(*(long *)userdata)++;
}

int main(int argc, char **argv)
{
	struct pa_collector_config cfg = PA_COLLECTOR_CONFIG_DEFAULT;
	struct pa_collector *col = NULL;
	struct empty_bpf *empty = NULL;
	struct clock_bpf *clk = NULL;
	struct bpf_object *floor_obj = NULL;
	struct pa_resources *res = NULL;
	struct pa_res_maps res_maps;
	unsigned int mode;
	const char *why = NULL;
	long samples = 0;
	int st, r, stats_fd = -1;
	struct timespec t0, t1;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: pa-kbench none|empty|clock|ours|resources|stream -- COMMAND [ARG...]\n");
		return 2;
	}
	for (mode = 0; mode < M_MAX && strcmp(argv[1], mode_name[mode]); mode++)
		;
	if (mode == M_MAX) {
		fprintf(stderr, "pa-kbench: unknown mode '%s' (none, empty, clock, ours, resources or stream)\n", argv[1]);
		return 2;
	}
	if (getenv("PA_KBENCH_PROGSTATS"))
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (mode == M_EMPTY) {
		empty = empty_bpf__open_and_load();
		if (!empty || empty_bpf__attach(empty)) {
			fprintf(stderr, "pa-kbench: cannot attach the empty programs: %s\n", strerror(errno));
			return 3;
		}
		floor_obj = empty->obj;
	} else if (mode == M_CLOCK) {
		clk = clock_bpf__open_and_load();
		if (!clk || clock_bpf__attach(clk)) {
			fprintf(stderr, "pa-kbench: cannot attach the clock programs: %s\n", strerror(errno));
			return 3;
		}
		floor_obj = clk->obj;
	}
	if (mode == M_RES) {
		/* as perf-analysisd does: resource tracking first, its syscall part done by the collector */
		r = pa_resources_open(true, &res, &why);
		if (r < 0) {
			fprintf(stderr, "pa-kbench: cannot open resource tracking: %s: %s\n", strerror(-r), why ? why : "");
			return 3;
		}
		pa_resources_maps(res, &res_maps);
	}
	if (mode == M_OURS || mode == M_RES || mode == M_STREAM) {
		if (mode == M_STREAM) {
			cfg.sample_rate = 10000000;
			cfg.buffer_samples = 65536;
		}
		r = pa_collector_open(&cfg, res ? &res_maps : NULL, &col, &why);
		if (r < 0) {
			fprintf(stderr, "pa-kbench: cannot open the collector: %s: %s\n", strerror(-r), why ? why : "");
			return 3;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return 3;
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "pa-kbench: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	for (;;) {
		r = waitpid(pid, &st, col ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return 3;
		if (col) {
			struct pollfd p = { .fd = pa_collector_fd(col), .events = POLLIN };

			(void)poll(&p, 1, 100);
			(void)pa_collector_drain(col, ignore_sample, &samples);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (mode == M_STREAM) {
		uint64_t dropped = 0;
		unsigned int e;

		(void)pa_collector_drain(col, ignore_sample, &samples);
		for (e = 0; e < PERF_EVENT_MAX; e++) {
			struct pa_stats *s = calloc(1, sizeof(*s));

			if (s && pa_collector_read_stats(col, e, s) == 0)
				dropped += s->dropped;
			free(s);
		}
		fprintf(stderr, "stream: %ld samples %llu dropped %.3f s\n", samples, (unsigned long long)dropped,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (stats_fd >= 0) {
		struct bpf_program *prog;

		if (col) {
			struct pa_collector_overhead o;
			unsigned int i;

			if (pa_collector_overhead(col, &o) == 0)
				for (i = 0; i < o.n; i++)
					if (o.prog[i].run_cnt)
						fprintf(stderr, "ours  %-20s %10llu runs %7.1f ns/run\n", o.prog[i].name,
							(unsigned long long)o.prog[i].run_cnt,
							(double)o.prog[i].run_time_ns / (double)o.prog[i].run_cnt);
		}
		if (res) {
			const char *name;
			uint64_t cnt, ns;

			for (unsigned int i = 0; pa_resources_prog_stats(res, i, &name, &cnt, &ns) == 0; i++)
				if (cnt)
					fprintf(stderr, "res   %-20s %10llu runs %7.1f ns/run\n", name,
						(unsigned long long)cnt, (double)ns / (double)cnt);
		}
		if (floor_obj)
			bpf_object__for_each_program(prog, floor_obj) {
				struct bpf_prog_info info = { 0 };
				uint32_t len = sizeof(info);

				if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0 && info.run_cnt)
					fprintf(stderr, "%-5s %-20s %10llu runs %7.1f ns/run\n", argv[1],
						bpf_program__name(prog),
						(unsigned long long)info.run_cnt,
						(double)info.run_time_ns / (double)info.run_cnt);
			}
	}
	{
		struct rusage ru;

		if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
			fprintf(stderr, "cpu-seconds %.6f\n",
				(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
				(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	pa_collector_free(col); /* first: its syscall programs use resource tracking's maps */
	pa_resources_free(res);
	empty_bpf__destroy(empty);
	clock_bpf__destroy(clk);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}
