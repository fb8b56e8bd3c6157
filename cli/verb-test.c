/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-test.c - perf-analysis test: run known workloads in this process and
 * check that the daemon captured at least what was done, event by event.
 *
 * The statistics are system-wide, so other activity can only add events:
 * each check is "captured >= done". Events the kernel cannot capture, or that
 * the event mask turns off, are reported as not checked, never as passed.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "perf-analysis/perf_events.h"

#define N_VM 1000
#define N_PIPE 1000
#define N_FORK 20
#define N_THREAD 20
#define N_PAGES 1000
#define N_PINGPONG 200

static void w_vm(void)
{
	for (int i = 0; i < N_VM; i++) {
		void *p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, 16384);
	}
}

static void w_pipe(void)
{
	char buf[64] = { 0 };
	int fd[2];

	if (pipe(fd) < 0)
		return;
	for (int i = 0; i < N_PIPE; i++) {
		if (write(fd[1], buf, sizeof(buf)) != sizeof(buf) || read(fd[0], buf, sizeof(buf)) != sizeof(buf))
			break;
	}
	close(fd[0]);
	close(fd[1]);
}

static void w_fork(void)
{
	for (int i = 0; i < N_FORK; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void w_threads(void)
{
	for (int i = 0; i < N_THREAD; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_fn, NULL) == 0)
			pthread_join(t, NULL);
	}
}

static void w_faults(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)N_PAGES * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	(void)madvise(p, (size_t)N_PAGES * (size_t)page, MADV_NOHUGEPAGE);
	for (int i = 0; i < N_PAGES; i++)
		((volatile char *)p)[(long)i * page] = 1;
	munmap(p, (size_t)N_PAGES * (size_t)page);
}

/* Parent and child take turns through two pipes: each round forces two context switches. */
static void w_pingpong(void)
{
	int a[2], b[2];
	char c = 0;
	pid_t pid;

	if (pipe(a) < 0 || pipe(b) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < N_PINGPONG; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	for (int i = 0; pid > 0 && i < N_PINGPONG; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			break;
	if (pid > 0)
		waitpid(pid, NULL, 0);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}

static int counts(struct cli *cli, uint64_t *ret, bool *avail)
{
	json_t *res = NULL, *e;
	size_t i;
	int r = cli_call(cli, "stats", NULL, &res);

	if (r)
		return r;
	json_array_foreach(json_object_get(res, "events"), i, e) {
		json_int_t id = json_integer_value(json_object_get(e, "id"));

		if (id >= 0 && id < PERF_EVENT_MAX) {
			ret[id] = (uint64_t)json_integer_value(json_object_get(e, "count"));
			if (avail)
				avail[id] = json_is_true(json_object_get(e, "available"));
		}
	}
	json_decref(res);
	return EXIT_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { 0 } };
	const struct verb *v = &verb_test;
	static const char *const names[PERF_EVENT_MAX] = {
		"ipc_send", "ipc_receive", "vm_alloc", "vm_free", "task_create", "task_terminate",
		"thread_create", "thread_terminate", "context_switch", "interrupt", "syscall", "page_fault",
	};
	/* What the workloads do, at least, per event (0: not checkable from user space). */
	const uint64_t expect[PERF_EVENT_MAX] = {
		[PERF_EVENT_IPC_SEND] = N_PIPE + N_PINGPONG * 2,
		[PERF_EVENT_IPC_RECEIVE] = N_PIPE + N_PINGPONG * 2,
		[PERF_EVENT_VM_ALLOC] = N_VM + 1,
		[PERF_EVENT_VM_FREE] = N_VM + 1,
		[PERF_EVENT_TASK_CREATE] = N_FORK + 1,
		[PERF_EVENT_TASK_TERMINATE] = N_FORK + 1,
		[PERF_EVENT_THREAD_CREATE] = N_THREAD,
		[PERF_EVENT_THREAD_TERMINATE] = N_THREAD,
		[PERF_EVENT_CONTEXT_SWITCH] = N_PINGPONG,
		[PERF_EVENT_SYSCALL] = 2 * N_VM + 2 * N_PIPE + 4 * N_PINGPONG,
		[PERF_EVENT_PAGE_FAULT] = N_PAGES,
	};
	uint64_t before[PERF_EVENT_MAX] = { 0 }, after[PERF_EVENT_MAX] = { 0 };
	bool avail[PERF_EVENT_MAX] = { 0 };
	json_t *res = NULL, *results;
	uint64_t mask;
	int c, r, failed = 0, checked = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	r = cli_call(cli, "status", NULL, &res);
	if (r)
		return r;
	if (!json_is_true(json_object_get(res, "enabled"))) {
		fprintf(stderr, "perf-analysis test: monitoring is disabled, nothing would be captured "
			"(enable it with: perf-analysis enable)\n");
		json_decref(res);
		return EXIT_USAGE;
	}
	if (!json_is_true(json_object_get(json_object_get(res, "kernel"), "available"))) {
		fprintf(stderr, "perf-analysis test: FAIL: the daemon has no kernel capture: %s\n",
			json_string_value(json_object_get(json_object_get(res, "kernel"), "why")));
		json_decref(res);
		return EXIT_REGRESSION;
	}
	mask = (uint64_t)json_integer_value(json_object_get(json_object_get(res, "config"), "event_mask"));
	if (json_integer_value(json_object_get(json_object_get(res, "config"), "filter_pid")) ||
	    json_integer_value(json_object_get(json_object_get(res, "config"), "filter_tid")) ||
	    *json_string_value(json_object_get(json_object_get(res, "config"), "filter_comm")))
		fprintf(stderr, "perf-analysis test: warning: a pid/tid/comm filter is configured; this test's "
			"own processes may be filtered out (see: perf-analysis configure)\n");
	json_decref(res);

	r = counts(cli, before, avail);
	if (r)
		return r;
	w_vm();
	w_pipe();
	w_fork();
	w_threads();
	w_faults();
	w_pingpong();
	r = counts(cli, after, NULL);
	if (r)
		return r;

	results = json_array();
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++) {
		uint64_t got = after[e] >= before[e] ? after[e] - before[e] : after[e];
		const char *state;

		if (!expect[e])
			state = "not checked (cannot be caused from user space)";
		else if (!avail[e])
			state = "not checked (unavailable on this kernel)";
		else if (!(mask & (1u << e)))
			state = "not checked (off in the event mask)";
		else if (got >= expect[e])
			state = "PASS", checked++;
		else
			state = "FAIL", checked++, failed++;
		if (cli->json)
			json_array_append_new(results, json_pack("{sI ss sI sI ss}", "id", (json_int_t)e, "name", names[e],
								  "expected_min", (json_int_t)expect[e],
								  "captured", (json_int_t)got, "result", state));
		else
			printf("%-17s done >= %-6llu captured %-8llu %s\n", names[e], (unsigned long long)expect[e],
			       (unsigned long long)got, state);
	}
	if (cli->json) {
		json_t *o = json_pack("{so si si}", "checks", results, "checked", checked, "failed", failed);

		cli_print_json(o);
		json_decref(o);
	} else {
		json_decref(results);
		printf("%d of %d checks passed\n", checked - failed, checked);
	}
	if (checked == 0) {
		fprintf(stderr, "perf-analysis test: FAIL: nothing could be checked\n");
		return EXIT_REGRESSION;
	}
	return failed ? EXIT_REGRESSION : EXIT_OK;
}

const struct verb verb_test = {
	.name = "test", .min_args = 0, .max_args = 0, .run = run,
	.summary = "run known workloads and check that the capture saw them",
	.usage = "USAGE: perf-analysis test [--json]\n\n"
		 "Runs mmap/munmap, pipe I/O, fork, threads, page faults and a ping-pong between two\n"
		 "processes, then checks each event's count grew by at least what was done.\n"
		 "Exit status: 0 all checks passed, 1 a check failed, 2 monitoring disabled.\n\n"
		 "EXAMPLES:\n  perf-analysis enable && perf-analysis test\n",
};
