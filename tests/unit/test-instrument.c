/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-instrument.c - the instrumentation runtime end to end: a forked child
 * is the instrumented program (lib/instrument.c, the public macros), this
 * process is the daemon (tests/helpers/app-test-daemon.c: the real attach
 * handshake over a Unix socket, then daemon/app-rings.c on the memfd).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "perf-analysis/perf_analysis.h"
#include "app-test-daemon.h"
#include "instrument.h"

static char sock_path[108];
static struct pa_test_daemon daemon_;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec d = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&d, &d) < 0 && errno == EINTR)
		;
}

/* Child side: report a failure and exit non-zero. */
static void __attribute__((noreturn, format(printf, 1, 2))) child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "child: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	_exit(1);
}

typedef void (*child_fn)(int out_fd);

/* Fork the instrumented program; its results come back through a pipe. */
static pid_t spawn(child_fn fn, int *ret_rd)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		fn(p[1]);
		_exit(0);
	}
	close(p[1]);
	*ret_rd = p[0];
	return pid;
}

/* Serve attaches (draining if asked) until the child exits; then a last drain. Returns its status. */
static int serve(pid_t pid, bool drain)
{
	int status = -1;

	for (;;) {
		pid_t w;

		(void)pa_test_daemon_poll(&daemon_, 2);
		if (drain)
			assert_true(pa_test_daemon_drain(&daemon_) >= 0);
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
	}
	(void)pa_test_daemon_poll(&daemon_, 0);
	assert_true(pa_test_daemon_drain(&daemon_) >= 0);
	return status;
}

static int setup(void **state)
{
	static int n;

	snprintf(sock_path, sizeof(sock_path), "/tmp/pa-test-instrument-%d-%d.sock", (int)getpid(), n++);
	setenv("PERF_ANALYSIS_SOCKET", sock_path, 1);
	unsetenv("PERF_ANALYSIS_APP_RING_SAMPLES");
	unsetenv("PERF_ANALYSIS_APP_THREADS");
	unsetenv("PERF_ANALYSIS_APP");
	/* A loaded machine may keep this process from answering within the default 250 ms. */
	setenv("PERF_ANALYSIS_ATTACH_TIMEOUT_MS", "5000", 1);
	assert_int_equal(pa_test_daemon_listen(&daemon_, sock_path), 0);
	return 0;
}

static int teardown(void **state)
{
	pa_test_daemon_close(&daemon_);
	return 0;
}

/* ---- Exact counts from several threads and several kinds of event ---------------------- */

#define T_THREADS 4
#define T_ITER 20000

static int ev_query, ev_miss;

static void *record_thread(void *arg)
{
	uint32_t idx = (uint32_t)(uintptr_t)arg;
	volatile uint32_t sink = 0;

	for (uint32_t i = 0; i < T_ITER; i++) {
		uint64_t start;

		PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, i, idx);
		PERF_TIME_BLOCK(ev_query, 0, 0, i, idx, { sink += i; });
		start = PERF_EVENT_TIME_START(ev_miss);
		sink += i;
		PERF_EVENT_TIME_END(ev_miss, start, 0, 0, i, idx);
		if (i % 4 == 0)
			PERF_EVENT_RECORD(PERF_EVENT_SYSCALL, 7, 9, i, idx);
	}
	return NULL;
}

static void child_exact(int out)
{
	pthread_t th[T_THREADS];

	ev_query = perf_event_register("db.query");
	ev_miss = perf_event_register("cache.miss");
	if (ev_query != PERF_EVENT_USER_BASE || ev_miss != PERF_EVENT_USER_BASE + 1)
		child_fail("register gave %d and %d", ev_query, ev_miss);
	if (perf_event_register("db.query") != ev_query)
		child_fail("registering a name twice gave another id");
	if (perf_event_register("9bad") != -EINVAL || perf_event_register("vm_alloc") != -EINVAL)
		child_fail("bad names were accepted");
	for (uintptr_t i = 0; i < T_THREADS; i++)
		if (pthread_create(&th[i], NULL, record_thread, (void *)i))
			child_fail("pthread_create");
	for (int i = 0; i < T_THREADS; i++)
		pthread_join(th[i], NULL);
}

struct order {
	uint32_t next[PERF_EVENT_ID_LIMIT][T_THREADS];
	uint32_t tid[T_THREADS];
	uint32_t pid;
	long ncpu;
	int bad;
	char why[200];
};

static void check_order(const struct perf_sample *s, void *userdata)
{
	struct order *o = userdata;
	uint32_t idx = s->data2, step = s->event == PERF_EVENT_SYSCALL ? 4 : 1;
	bool timed = s->event == ev_query || s->event == ev_miss;

	if (o->bad)
		return;
	if (idx >= T_THREADS || s->data1 != o->next[s->event][idx]) {
		snprintf(o->why, sizeof(o->why), "event %u thread %u: data1 %u, expected %u", s->event, idx,
			 s->data1, idx < T_THREADS ? o->next[s->event][idx] : 0);
		o->bad = 1;
		return;
	}
	o->next[s->event][idx] += step;
	if (s->event == PERF_EVENT_SYSCALL) {
		if (s->task_id != 7 || s->thread_id != 9)
			o->bad = 2;
	} else {
		if (s->task_id != o->pid)
			o->bad = 3;
		if (!o->tid[idx])
			o->tid[idx] = s->thread_id;
		if (s->thread_id != o->tid[idx] || s->thread_id == o->pid)
			o->bad = 4;
	}
	if (!(s->flags & PERF_SAMPLE_F_APP) || !!(s->flags & PERF_SAMPLE_F_NO_DURATION) == timed)
		o->bad = 5;
	if (s->cpu >= o->ncpu) /* rseq's cpu_id: a real CPU number */
		o->bad = 6;
	if (o->bad && !o->why[0])
		snprintf(o->why, sizeof(o->why), "sample of event %u: check %d failed", s->event, o->bad);
}

static void test_exact_counts(void **state)
{
	struct pa_app_rings_stats st;
	struct order o = { 0 };
	char name[PA_APP_NAME_BYTES];
	pid_t pid;
	int rd;

	ev_query = PERF_EVENT_USER_BASE;
	ev_miss = PERF_EVENT_USER_BASE + 1;
	/* Rings larger than what a thread records: nothing can be dropped, counts must be exact. */
	setenv("PERF_ANALYSIS_APP_RING_SAMPLES", "131072", 1);
	pid = spawn(child_exact, &rd);
	o.pid = (uint32_t)pid;
	o.ncpu = sysconf(_SC_NPROCESSORS_CONF);
	daemon_.fn = check_order;
	daemon_.userdata = &o;
	assert_int_equal(serve(pid, true), 0);
	close(rd);

	assert_int_equal(daemon_.n_apps, 1);
	assert_string_equal(o.why, "");
	assert_int_equal(o.bad, 0);
	assert_int_equal(daemon_.counts[PERF_EVENT_IPC_SEND], T_THREADS * T_ITER);
	assert_int_equal(daemon_.counts[PERF_EVENT_USER_BASE], T_THREADS * T_ITER);
	assert_int_equal(daemon_.counts[PERF_EVENT_USER_BASE + 1], T_THREADS * T_ITER);
	assert_int_equal(daemon_.counts[PERF_EVENT_SYSCALL], T_THREADS * T_ITER / 4);
	assert_int_equal(daemon_.total, T_THREADS * T_ITER * 3 + T_THREADS * T_ITER / 4);
	for (int i = 0; i < T_THREADS; i++)
		for (int j = 0; i != j && j < T_THREADS; j++)
			assert_int_not_equal(o.tid[i], o.tid[j]);

	assert_int_equal(pa_app_rings_stats(daemon_.apps[0].rings, &st), 0);
	assert_int_equal(st.pid, pid);
	assert_int_equal(st.threads, T_THREADS);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.no_ring, 0);
	assert_int_equal(st.unattached, 0);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(st.received, daemon_.total);
	assert_int_equal(st.names, 2);
	assert_int_equal(st.attaches, 1);
	assert_true(st.exited);
	/* Names arrive both in the request and in the region. */
	assert_string_equal(daemon_.apps[0].names_json[0], "db.query");
	assert_string_equal(daemon_.apps[0].names_json[1], "cache.miss");
	assert_int_equal(pa_app_rings_name(daemon_.apps[0].rings, PERF_EVENT_USER_BASE, name), 0);
	assert_string_equal(name, "db.query");
	assert_int_equal(pa_app_rings_name(daemon_.apps[0].rings, PERF_EVENT_USER_BASE + 1, name), 0);
	assert_string_equal(name, "cache.miss");
	assert_int_equal(pa_app_rings_name(daemon_.apps[0].rings, PERF_EVENT_USER_BASE + 2, name), -ENOENT);
	assert_string_equal(daemon_.apps[0].comm, "test-instrument");
}

/* ---- A slow daemon: drops are counted, received + dropped == recorded ----------------- */

#define D_THREADS 2
#define D_ITER 10000
#define D_RING 1024

static void *drop_thread(void *arg)
{
	for (uint32_t i = 0; i < D_ITER; i++)
		PERF_EVENT_RECORD(PERF_EVENT_VM_ALLOC, 0, 0, i, (uint32_t)(uintptr_t)arg);
	return NULL;
}

static void child_drops(int out)
{
	struct perf_analysis_app_stats st;
	pthread_t th[D_THREADS];

	for (uintptr_t i = 0; i < D_THREADS; i++)
		if (pthread_create(&th[i], NULL, drop_thread, (void *)i))
			child_fail("pthread_create");
	for (int i = 0; i < D_THREADS; i++)
		pthread_join(th[i], NULL);
	if (perf_analysis_app_stats(&st) < 0 || st.dropped != D_THREADS * (D_ITER - D_RING) || !st.attached)
		child_fail("own stats: dropped %llu attached %d", (unsigned long long)st.dropped, st.attached);
}

static uint32_t first_seq[D_THREADS];
static void check_oldest_kept(const struct perf_sample *s, void *userdata)
{
	/* The ring refuses the newest: what survives is each thread's first D_RING, in order. */
	if (s->data2 < D_THREADS && s->data1 == first_seq[s->data2])
		first_seq[s->data2]++;
}

static void test_drops_counted(void **state)
{
	struct pa_app_rings_stats st;
	pid_t pid;
	int rd;

	setenv("PERF_ANALYSIS_APP_RING_SAMPLES", "1024", 1);
	pid = spawn(child_drops, &rd);
	daemon_.fn = check_oldest_kept;
	memset(first_seq, 0, sizeof(first_seq));
	assert_int_equal(serve(pid, false), 0); /* never drains while the program runs */
	close(rd);
	assert_int_equal(daemon_.n_apps, 1);
	assert_int_equal(pa_app_rings_stats(daemon_.apps[0].rings, &st), 0);
	assert_int_equal(st.received, D_THREADS * D_RING);
	assert_int_equal(st.dropped, D_THREADS * (D_ITER - D_RING));
	assert_int_equal(st.received + st.dropped, D_THREADS * D_ITER);
	assert_int_equal(daemon_.counts[PERF_EVENT_VM_ALLOC], D_THREADS * D_RING);
	for (int i = 0; i < D_THREADS; i++)
		assert_int_equal(first_seq[i], D_RING);
}

/* ---- Names registered after attaching reach the daemon through the region ------------- */

static void child_late_name(int out)
{
	int early = perf_event_register("early.name"), late;

	PERF_EVENT_RECORD(early, 0, 0, 1, 0);
	late = perf_event_register("late.name");
	PERF_EVENT_RECORD(late, 0, 0, 2, 0);
	if (early != 64 || late != 65)
		child_fail("ids %d %d", early, late);
}

static void test_late_name(void **state)
{
	char name[PA_APP_NAME_BYTES];
	pid_t pid;
	int rd;

	pid = spawn(child_late_name, &rd);
	assert_int_equal(serve(pid, true), 0);
	close(rd);
	assert_int_equal(daemon_.n_apps, 1);
	assert_string_equal(daemon_.apps[0].names_json[0], "early.name");
	assert_string_equal(daemon_.apps[0].names_json[1], ""); /* not known at attach time */
	assert_int_equal(pa_app_rings_name(daemon_.apps[0].rings, 65, name), 0);
	assert_string_equal(name, "late.name");
	assert_int_equal(daemon_.counts[64], 1);
	assert_int_equal(daemon_.counts[65], 1);
}

/* ---- Timestamps are CLOCK_MONOTONIC, durations nanoseconds ---------------------------- */

static void child_clock(int out)
{
	uint64_t t[4];

	PERF_EVENT_RECORD(PERF_EVENT_INTERRUPT, 0, 0, 0, 0); /* attaches */
	t[0] = mono_ns();
	PERF_EVENT_RECORD(PERF_EVENT_INTERRUPT, 0, 0, 1, 0);
	t[1] = mono_ns();
	sleep_ms(300); /* let the timestamps age: conversion must not drift */
	t[2] = mono_ns();
	PERF_TIME_BLOCK(PERF_EVENT_IPC_RECEIVE, 0, 0, 2, 0, { sleep_ms(2); });
	t[3] = mono_ns();
	if (write(out, t, sizeof(t)) != sizeof(t))
		child_fail("write");
}

static struct perf_sample clock_samples[3];
static void keep(const struct perf_sample *s, void *userdata)
{
	if (s->data1 < 3)
		clock_samples[s->data1] = *s;
}

static void test_clock(void **state)
{
	const uint64_t tol = 20000; /* 20 us: calibration error plus the drain's own reading */
	uint64_t t[4];
	pid_t pid;
	int rd;

	pid = spawn(child_clock, &rd);
	daemon_.fn = keep;
	assert_int_equal(serve(pid, true), 0);
	assert_int_equal(read(rd, t, sizeof(t)), sizeof(t));
	close(rd);
	assert_int_equal(daemon_.total, 3);
	assert_true(clock_samples[1].timestamp_ns + tol >= t[0]);
	assert_true(clock_samples[1].timestamp_ns <= t[1] + tol);
	assert_int_equal(clock_samples[1].duration_ns, 0);
	assert_true(clock_samples[2].timestamp_ns + tol >= t[2]);
	assert_true(clock_samples[2].timestamp_ns <= t[3] + tol);
	assert_true(clock_samples[2].duration_ns + tol >= 2000000);
	assert_true(clock_samples[2].duration_ns <= t[3] - t[2] + tol);
	assert_int_equal(clock_samples[2].flags & PERF_SAMPLE_F_NO_DURATION, 0);
}

/* ---- No daemon: the program carries on, then attaches when one appears --------------- */

#define LATE_BEFORE 1000
#define LATE_AFTER 500

static void child_late_daemon(int out)
{
	struct perf_analysis_app_stats st;
	uint64_t t0, extra = 0;
	char c;

	for (int i = 0; i < LATE_BEFORE; i++)
		PERF_EVENT_RECORD(PERF_EVENT_TASK_CREATE, 0, 0, i, 0);
	if (perf_analysis_app_stats(&st) < 0 || st.attached || st.unattached != LATE_BEFORE)
		child_fail("before the daemon: attached %d unattached %llu", st.attached,
			   (unsigned long long)st.unattached);
	/* Tell the parent to start its daemon, wait until it has. */
	if (write(out, "r", 1) != 1 || read(out, &c, 1) != 1)
		child_fail("handshake with the parent");
	t0 = mono_ns();
	for (;;) {
		PERF_EVENT_RECORD(PERF_EVENT_TASK_CREATE, 0, 0, 0, 1);
		if (perf_analysis_app_stats(&st) < 0)
			child_fail("stats");
		if (st.attached)
			break;
		extra++;
		if (mono_ns() - t0 > 10000000000ull)
			child_fail("did not attach within 10 s");
		sleep_ms(1);
	}
	for (int i = 0; i < LATE_AFTER; i++)
		PERF_EVENT_RECORD(PERF_EVENT_TASK_CREATE, 0, 0, i, 2);
	if (write(out, &extra, sizeof(extra)) != sizeof(extra))
		child_fail("write");
}

static void test_daemon_appears_later(void **state)
{
	struct pa_app_rings_stats st;
	uint64_t extra;
	int sv[2];
	pid_t pid;
	char c;

	/* No daemon at first: a path nobody listens on. */
	pa_test_daemon_close(&daemon_);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		child_late_daemon(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(pa_test_daemon_listen(&daemon_, sock_path), 0);
	assert_int_equal(write(sv[0], "g", 1), 1);
	assert_int_equal(serve(pid, true), 0);
	assert_int_equal(read(sv[0], &extra, sizeof(extra)), sizeof(extra));
	close(sv[0]);
	assert_int_equal(daemon_.n_apps, 1);
	/* The event whose slow path attached is recorded, then every later one. */
	assert_int_equal(daemon_.total, LATE_AFTER + 1);
	assert_int_equal(pa_app_rings_stats(daemon_.apps[0].rings, &st), 0);
	assert_int_equal(st.unattached, LATE_BEFORE + extra);
}

/* ---- A daemon that refuses: the program stays detached, retries once a second --------- */

static void child_refused(int out)
{
	struct perf_analysis_app_stats st;
	uint64_t t0 = mono_ns();
	uint64_t n = 0;

	while (mono_ns() - t0 < 1500000000ull) {
		PERF_EVENT_RECORD(PERF_EVENT_PAGE_FAULT, 0, 0, 0, 0);
		n++;
		sleep_ms(1);
	}
	if (perf_analysis_app_stats(&st) < 0 || st.attached || st.unattached != n)
		child_fail("refused: attached %d unattached %llu of %llu", st.attached,
			   (unsigned long long)st.unattached, (unsigned long long)n);
}

static void test_refused(void **state)
{
	pid_t pid;
	int rd;

	daemon_.reject = true;
	pid = spawn(child_refused, &rd);
	assert_int_equal(serve(pid, true), 0);
	close(rd);
	assert_int_equal(daemon_.n_apps, 0);
	/* 1.5 s of events: an attempt in at most 2 or 3 distinct seconds, never one per event. */
	assert_true(daemon_.requests >= 1);
	assert_true(daemon_.requests <= 3);
}

/* ---- Disabled at run time: nothing recorded, no connection; enabling resumes --------- */

static void child_disabled(int out)
{
	for (int i = 0; i < 1000; i++)
		PERF_EVENT_RECORD(PERF_EVENT_THREAD_CREATE, 0, 0, i, 0);
	if (perf_analysis_enabled())
		child_fail("PERF_ANALYSIS_APP=0 did not disable");
	if (PERF_EVENT_TIME_START(PERF_EVENT_THREAD_CREATE) != 0)
		child_fail("TIME_START returned a time while disabled");
	sleep_ms(100);
	perf_analysis_set_enabled(true);
	for (int i = 0; i < 5; i++)
		PERF_EVENT_RECORD(PERF_EVENT_THREAD_CREATE, 0, 0, i, 1);
}

static void test_disabled(void **state)
{
	pid_t pid;

	/* The environment is read when the program starts: start one. */
	setenv("PERF_ANALYSIS_APP", "0", 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/proc/self/exe", "test-instrument", "--child-disabled", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(serve(pid, true), 0);
	assert_int_equal(daemon_.requests, 1);
	assert_int_equal(daemon_.total, 5);
}

/* ---- The daemon restarts: the program re-attaches, nothing counted twice or lost ------ */

#define R_RING 256

static void child_restart(int out)
{
	char c;

	for (int i = 0; i < 200; i++)
		PERF_EVENT_RECORD(PERF_EVENT_CONTEXT_SWITCH, 0, 0, i, 0);
	if (write(out, "1", 1) != 1 || read(out, &c, 1) != 1)
		child_fail("handshake");
	/* The first daemon is gone; the ring fills, and the full ring is when the program notices. */
	for (int i = 200; i < 2000; i++)
		PERF_EVENT_RECORD(PERF_EVENT_CONTEXT_SWITCH, 0, 0, i, 0);
}

static void test_daemon_restart(void **state)
{
	struct pa_app_rings_stats st;
	uint64_t first;
	int sv[2];
	pid_t pid;
	char c;

	setenv("PERF_ANALYSIS_APP_RING_SAMPLES", "256", 1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		child_restart(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	while (daemon_.n_apps == 0)
		(void)pa_test_daemon_poll(&daemon_, 10);
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_true(pa_test_daemon_drain(&daemon_) >= 0);
	first = daemon_.total;
	assert_int_equal(first, 200);
	/* The first daemon exits; a second one listens on the same path. */
	pa_test_daemon_close(&daemon_);
	assert_int_equal(pa_test_daemon_listen(&daemon_, sock_path), 0);
	assert_int_equal(write(sv[0], "2", 1), 1);
	assert_int_equal(serve(pid, true), 0);
	close(sv[0]);
	assert_int_equal(daemon_.n_apps, 1);
	assert_int_equal(pa_app_rings_stats(daemon_.apps[0].rings, &st), 0);
	assert_int_equal(st.attaches, 2);
	assert_true(st.dropped > 0);
	assert_int_equal(first + daemon_.total + st.dropped, 2000);
}

/* ---- fork(): the child gets a region of its own ---------------------------------------- */

static void child_forks(int out)
{
	pid_t p;
	int status;

	PERF_EVENT_RECORD(PERF_EVENT_TASK_CREATE, 0, 0, 1, 0);
	p = fork();
	if (p == 0) {
		for (int i = 0; i < 10; i++)
			PERF_EVENT_RECORD(PERF_EVENT_TASK_TERMINATE, 0, 0, i, 0);
		_exit(0);
	}
	if (p < 0 || waitpid(p, &status, 0) != p || status != 0)
		child_fail("grandchild");
	PERF_EVENT_RECORD(PERF_EVENT_TASK_CREATE, 0, 0, 2, 0);
}

static void test_fork(void **state)
{
	pid_t pid;
	int rd;

	pid = spawn(child_forks, &rd);
	assert_int_equal(serve(pid, true), 0);
	close(rd);
	assert_int_equal(daemon_.n_apps, 2);
	assert_int_equal(daemon_.apps[0].pid, pid);
	assert_int_not_equal(daemon_.apps[1].pid, pid);
	assert_int_equal(daemon_.counts[PERF_EVENT_TASK_CREATE], 2);
	assert_int_equal(daemon_.counts[PERF_EVENT_TASK_TERMINATE], 10);
}

/* ---- Rings are reused after their thread exits; beyond them, losses are counted ------ */

static pthread_barrier_t hold;

static void *short_thread(void *arg)
{
	for (uint32_t i = 0; i < 100; i++)
		PERF_EVENT_RECORD(PERF_EVENT_THREAD_TERMINATE, 0, 0, i, (uint32_t)(uintptr_t)arg);
	return NULL;
}

static void *holding_thread(void *arg)
{
	short_thread(arg);
	pthread_barrier_wait(&hold); /* keep the ring while the other thread records */
	pthread_barrier_wait(&hold);
	return NULL;
}

static void child_reuse(int out)
{
	struct perf_analysis_app_stats st;
	pthread_t a, b;

	PERF_EVENT_RECORD(PERF_EVENT_THREAD_CREATE, 0, 0, 0, 0); /* the main thread takes ring 0 */
	for (uintptr_t k = 0; k < 6; k++) { /* one after another: all on ring 1 */
		if (pthread_create(&a, NULL, short_thread, (void *)k) || pthread_join(a, NULL))
			child_fail("thread %u", (unsigned)k);
	}
	pthread_barrier_init(&hold, NULL, 2);
	if (pthread_create(&a, NULL, holding_thread, (void *)6))
		child_fail("thread");
	pthread_barrier_wait(&hold);
	/* Both rings are taken: this thread's 100 events are lost, and counted. */
	if (pthread_create(&b, NULL, short_thread, (void *)7) || pthread_join(b, NULL))
		child_fail("thread");
	pthread_barrier_wait(&hold);
	pthread_join(a, NULL);
	if (perf_analysis_app_stats(&st) < 0 || st.no_ring != 100 || st.threads != 2)
		child_fail("no_ring %llu threads %u", (unsigned long long)st.no_ring, st.threads);
}

static void test_ring_reuse_and_exhaustion(void **state)
{
	struct pa_app_rings_stats st;
	pid_t pid;
	int rd;

	setenv("PERF_ANALYSIS_APP_THREADS", "2", 1);
	pid = spawn(child_reuse, &rd);
	assert_int_equal(serve(pid, true), 0);
	close(rd);
	assert_int_equal(daemon_.counts[PERF_EVENT_THREAD_CREATE], 1);
	assert_int_equal(daemon_.counts[PERF_EVENT_THREAD_TERMINATE], 7 * 100);
	assert_int_equal(pa_app_rings_stats(daemon_.apps[0].rings, &st), 0);
	assert_int_equal(st.threads, 2);
	assert_int_equal(st.no_ring, 100);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.received + st.no_ring, 1 + 8 * 100);
}

/* ---- Durations of 2^32 ticks and more: kept to 2^16 ticks, clamped past 4.29 s ------- */

static void child_long(int out)
{
	uint64_t start = PERF_EVENT_TIME_START(PERF_EVENT_IPC_SEND);

	/* As if the block had begun 2^33 ticks (about 4 s) and 2^34 ticks ago. */
	PERF_EVENT_TIME_END(PERF_EVENT_IPC_SEND, start - (1ull << 33), 0, 0, 1, 0);
	PERF_EVENT_TIME_END(PERF_EVENT_IPC_SEND, start - (1ull << 34), 0, 0, 2, 0);
}

static struct perf_sample long_samples[3];
static void keep_long(const struct perf_sample *s, void *userdata)
{
	if (s->data1 < 3)
		long_samples[s->data1] = *s;
}

static void test_long_durations(void **state)
{
	uint64_t expect, d, now;
	pid_t pid;
	int rd;

	pid = spawn(child_long, &rd);
	daemon_.fn = keep_long;
	assert_int_equal(serve(pid, true), 0);
	close(rd);
	assert_int_equal(daemon_.total, 2);
	now = pa_app_clock(); /* the map is linear: any base gives the same difference */
	expect = pa_app_tsc_to_ns(now + (1ull << 33)) - pa_app_tsc_to_ns(now);
	assert_true(expect > 1000000000ull); /* 2^33 ticks is seconds on any TSC below 8.6 GHz */
	if (expect < UINT32_MAX) {
		d = long_samples[1].duration_ns;
		assert_true(d + 100000 > expect && d < expect + 100000);
		assert_int_equal(long_samples[1].flags & PERF_SAMPLE_F_DUR_CLAMPED, 0);
	}
	assert_int_equal(long_samples[2].duration_ns, UINT32_MAX);
	assert_true(long_samples[2].flags & PERF_SAMPLE_F_DUR_CLAMPED);
}

/* ---- PERF_EVENT_FAILED marks one sample failed, through every macro --------------------- */

#define F_ITER 1000

static void child_failed(int out)
{
	int q = perf_event_register("db.query");

	if (q < 0)
		child_fail("register: %d", q);
	for (uint32_t i = 0; i < F_ITER; i++) {
		uint64_t start;

		/* Every third one fails: the condition is evaluated after the timed code. */
		PERF_TIME_BLOCK(PERF_EVENT_FAILED_IF(q, i % 3 == 0), 0, 0, i, 1, { (void)i; });
		start = PERF_EVENT_TIME_START(q);
		PERF_EVENT_TIME_END(PERF_EVENT_FAILED_IF(q, i % 5 == 0), start, 0, 0, i, 2);
		PERF_EVENT_RECORD(i % 7 == 0 ? PERF_EVENT_FAILED(PERF_EVENT_SYSCALL) : PERF_EVENT_SYSCALL, 0, 0, i, 3);
	}
}

struct failed_check {
	uint64_t errors[4], seen[4];
	int bad;
};

static void check_failed(const struct perf_sample *s, void *userdata)
{
	struct failed_check *c = userdata;
	uint32_t kind = s->data2 < 4 ? s->data2 : 0, i = s->data1;
	bool want = kind == 1 ? i % 3 == 0 : kind == 2 ? i % 5 == 0 : i % 7 == 0;
	bool failed = s->flags & PERF_SAMPLE_F_ERROR;

	/* The mark never changes the event id, nor any other flag. */
	if (!kind || s->event != (kind == 3 ? PERF_EVENT_SYSCALL : PERF_EVENT_USER_BASE) || failed != want ||
	    !!(s->flags & PERF_SAMPLE_F_NO_DURATION) != (kind == 3))
		c->bad++;
	c->seen[kind]++;
	c->errors[kind] += failed;
}

static void test_failed(void **state)
{
	struct failed_check c = { 0 };
	pid_t pid;
	int rd;

	pid = spawn(child_failed, &rd);
	daemon_.fn = check_failed;
	daemon_.userdata = &c;
	assert_int_equal(serve(pid, true), 0);
	close(rd);
	daemon_.fn = NULL;
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.seen[1], F_ITER);
	assert_int_equal(c.seen[2], F_ITER);
	assert_int_equal(c.seen[3], F_ITER);
	assert_int_equal(c.errors[1], (F_ITER + 2) / 3);
	assert_int_equal(c.errors[2], (F_ITER + 4) / 5);
	assert_int_equal(c.errors[3], (F_ITER + 6) / 7);
	/* Plain arithmetic on the id, the same with or without the runtime. */
	assert_int_equal(PERF_EVENT_FAILED(70) & 0xff, 70);
	assert_int_equal(PERF_EVENT_FAILED_IF(70, 0), 70);
	assert_int_equal(PERF_EVENT_FAILED_IF(70, 5), 70 | PERF_EVENT_F_FAILED);
}

/* ---- The attach request as the daemon's RPC layer will parse it ----------------------- */

static void test_attach_message(void **state)
{
	struct pa_app_region r;
	char names[2][PA_APP_NAME_BYTES] = { "db.query", "x" };
	char buf[1024];
	int n;

	assert_int_equal(pa_app_region_create(42, 2, 64, PA_APP_CLOCK_TSC, &r), 0);
	n = pa_app_format_attach(buf, sizeof(buf), 42, "a\"b\\c\x01\xe9", &r,
				 (const char(*)[PA_APP_NAME_BYTES])names, 2);
	assert_true(n > 0);
	snprintf(buf + n - 1, 2, "|");
	assert_string_equal(buf, "{\"v\":1,\"id\":1,\"method\":\"app.attach\",\"params\":{\"version\":1,\"pid\":42,"
				 "\"comm\":\"a\\\"b\\\\c\\u0001\\u00e9\",\"region_bytes\":20736,\"rings\":2,"
				 "\"ring_capacity\":64,\"clock\":\"tsc\",\"names\":{\"db.query\":64,\"x\":65}}}|");
	assert_int_equal(pa_app_format_attach(buf, 60, 42, "c", &r, NULL, 0), -ENOSPC);
	pa_app_region_done(&r);

	assert_true(pa_app_reply_ok("{\"result\":{}}\n"));
	assert_true(pa_app_reply_ok("{\"result\":{},\"error\":null}\n"));
	assert_false(pa_app_reply_ok("{\"error\":{\"code\":-1}}\n"));
	assert_false(pa_app_reply_ok("{ \"error\" : \"no\"}\n"));
	assert_false(pa_app_reply_ok("garbage\n"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_message),
		cmocka_unit_test_setup_teardown(test_exact_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drops_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_appears_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_reuse_and_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_durations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed, setup, teardown),
	};

	if (argc == 2 && !strcmp(argv[1], "--child-disabled")) {
		child_disabled(-1);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
