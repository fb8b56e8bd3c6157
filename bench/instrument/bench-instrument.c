/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-instrument.c - what the instrumentation macros cost, as ratios to one
 * rdtsc measured in the same run, beside an LTTng-UST tracepoint recording the
 * same fields.
 *
 *   bench-instrument [--rounds N] [--lttng-state LABEL]
 *
 * The program attaches to a stand-in daemon in a thread of its own (the real
 * handshake, tests/helpers/app-test-daemon.c). Each figure is the median over
 * rounds of batches of BATCH operations, the rounds interleaved so that a
 * slow moment of the machine hits every case alike. Between batches, outside
 * the timing, the ring is given back ("self-drain"), as a daemon keeping up
 * would; one case drains with a real consumer on the other core instead.
 * Exit: 0; 2 on bad usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "perf-analysis/perf_analysis.h"
#include "app-test-daemon.h"
#include "instrument.h"
#include "lttng-tp.h"

#define BATCH 4096u
#define BATCHES 64u
#define ROUNDS_DEFAULT 7

static volatile uint64_t sink;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Give this thread's ring back to itself, as a daemon that keeps up would. */
static void self_drain(void)
{
	struct pa_app_ring *ring = pa_app_tls.ring;

	if (ring)
		__atomic_store_n(&ring->tail, pa_app_tls.head, __ATOMIC_RELEASE);
}

enum bench_case {
	C_RDTSC,
	C_FLOOR,
	C_RECORD,
	C_TIME_BLOCK,
	C_START_END,
	C_DISABLED,
	C_DISABLED_BLOCK,
	C_LTTNG,
	C_MAX,
};

static const char *case_name[C_MAX] = {
	[C_RDTSC] = "rdtsc (reference)",
	[C_FLOOR] = "floor: rdtsc + 32-byte store to a thread-local array",
	[C_RECORD] = "PERF_EVENT_RECORD",
	[C_TIME_BLOCK] = "PERF_TIME_BLOCK (empty block)",
	[C_START_END] = "PERF_EVENT_TIME_START + _END",
	[C_DISABLED] = "PERF_EVENT_RECORD, disabled at run time",
	[C_DISABLED_BLOCK] = "PERF_TIME_BLOCK, disabled at run time",
	[C_LTTNG] = "LTTng-UST tracepoint, same fields",
};

static __thread struct perf_sample floor_ring[8192];

/* Nanoseconds per operation of one batch of case `c`. */
static double run_batch(enum bench_case c)
{
	uint64_t t0, t1;

	self_drain();
	if (c == C_DISABLED || c == C_DISABLED_BLOCK)
		perf_analysis_set_enabled(false);
	t0 = mono_ns();
	switch (c) {
	case C_RDTSC:
		for (uint32_t i = 0; i < BATCH; i++)
			sink = pa_app_clock();
		break;
	case C_FLOOR:
		for (uint32_t i = 0; i < BATCH; i++) {
			struct perf_sample *s = &floor_ring[i & 8191];

			*s = (struct perf_sample){ .timestamp_ns = pa_app_clock(), .event = 1, .data1 = i };
			__asm__ __volatile__("" ::"r"(s) : "memory");
		}
		break;
	case C_RECORD:
	case C_DISABLED:
		for (uint32_t i = 0; i < BATCH; i++)
			PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, i, 0);
		break;
	case C_TIME_BLOCK:
	case C_DISABLED_BLOCK:
		for (uint32_t i = 0; i < BATCH; i++)
			PERF_TIME_BLOCK(PERF_EVENT_VM_ALLOC, 0, 0, i, 0, { __asm__ __volatile__("" ::: "memory"); });
		break;
	case C_START_END:
		for (uint32_t i = 0; i < BATCH; i++) {
			uint64_t start = PERF_EVENT_TIME_START(PERF_EVENT_SYSCALL);

			__asm__ __volatile__("" ::: "memory");
			PERF_EVENT_TIME_END(PERF_EVENT_SYSCALL, start, 0, 0, i, 0);
		}
		break;
	case C_LTTNG:
		for (uint32_t i = 0; i < BATCH; i++)
			lttng_ust_tracepoint(pa_bench, event, PERF_EVENT_IPC_SEND, 0, 0, i, 0);
		break;
	default:
		break;
	}
	t1 = mono_ns();
	perf_analysis_set_enabled(true);
	return (double)(t1 - t0) / BATCH;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median over batches of one case. */
static double measure(enum bench_case c)
{
	double v[BATCHES];

	for (uint32_t b = 0; b < BATCHES; b++)
		v[b] = run_batch(c);
	return median(v, BATCHES);
}

/* ---- Two threads at once ------------------------------------------------------------ */

struct worker {
	pthread_barrier_t *start;
	double ns;
};

static void *record_worker(void *arg)
{
	struct worker *w = arg;

	PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, 0, 0); /* claim a ring outside the timing */
	pthread_barrier_wait(w->start);
	w->ns = measure(C_RECORD);
	return NULL;
}

/* Per-operation cost of PERF_EVENT_RECORD with `n` threads recording at once. */
static double concurrent(int n)
{
	pthread_barrier_t start;
	struct worker w[2];
	pthread_t th[2];
	double sum = 0;

	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		w[i].start = &start;
		pthread_create(&th[i], NULL, record_worker, &w[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		sum += w[i].ns;
	}
	pthread_barrier_destroy(&start);
	return sum / n;
}

/* ---- A consumer draining on the other core ------------------------------------------ */

static struct pa_test_daemon daemon_;
static int drain_stop, drain_started;

static void count_sample(const struct perf_sample *s, void *userdata)
{
	(*(uint64_t *)userdata)++;
}

static void *drainer(void *arg)
{
	struct pa_app_rings *r = arg;
	uint64_t n = 0;
	int e = 0;

	while (!__atomic_load_n(&drain_stop, __ATOMIC_ACQUIRE)) {
		if ((e = pa_app_rings_drain(r, 1u << 20, count_sample, &n)) < 0)
			break;
		__atomic_store_n(&drain_started, 1, __ATOMIC_RELEASE);
	}
	if (e < 0)
		fprintf(stderr, "bench-instrument: drain failed: %s\n", pa_app_rings_why(r));
	return NULL;
}

struct consumed {
	double ns;
	uint64_t dropped;
};

/* PERF_EVENT_RECORD with a daemon-like consumer thread; the ring is never given back by hand. */
static struct consumed with_consumer(void)
{
	struct perf_analysis_app_stats before, after;
	struct pa_app_rings *r;
	struct consumed c = { 0 };
	double v[BATCHES];
	pthread_t th;

	if (pa_app_rings_open(pa_app_region_fd(), (uint32_t)getpid(), &r, NULL, 0) < 0)
		return c;
	(void)perf_analysis_app_stats(&before);
	(void)pa_app_tsc_to_ns(0); /* the first conversion calibrates for 10 ms: not in the timing */
	drain_stop = 0;
	drain_started = 0;
	pthread_create(&th, NULL, drainer, r);
	while (!__atomic_load_n(&drain_started, __ATOMIC_ACQUIRE))
		sched_yield();
	for (uint32_t b = 0; b < BATCHES; b++) {
		uint64_t t0 = mono_ns();

		for (uint32_t i = 0; i < BATCH; i++)
			PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, i, 0);
		v[b] = (double)(mono_ns() - t0) / BATCH;
	}
	__atomic_store_n(&drain_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	pa_app_rings_free(r);
	(void)perf_analysis_app_stats(&after);
	c.ns = median(v, BATCHES);
	c.dropped = after.dropped - before.dropped;
	return c;
}

/* ---- No daemon at all --------------------------------------------------------------- */

/* Cost of PERF_EVENT_RECORD in a child that finds no daemon; -1 on failure. */
static double without_daemon(void)
{
	double ns = -1;
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		double v;

		close(p[0]);
		setenv("PERF_ANALYSIS_SOCKET", "/nonexistent/perf-analysis-bench.sock", 1);
		PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, 0, 0); /* the one attach attempt of this second */
		v = measure(C_RECORD);
		if (write(p[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid > 0) {
		if (read(p[0], &ns, sizeof(ns)) != sizeof(ns))
			ns = -1;
		waitpid(pid, NULL, 0);
	}
	close(p[0]);
	return ns;
}

/* ---- Main ----------------------------------------------------------------------------- */

static void *attach_server(void *arg)
{
	for (int i = 0; i < 500 && daemon_.n_apps == 0; i++)
		(void)pa_test_daemon_poll(&daemon_, 10);
	return NULL;
}

static void line(const char *what, double ratio, double ns, double limit)
{
	printf("  %-56s %6.2fx rdtsc  (%5.1f ns)", what, ratio, ns);
	if (limit > 0)
		printf("  limit %.1fx: %s", limit, ratio <= limit ? "ok" : "OVER");
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *lttng_state = "no session daemon";
	double v[C_MAX][64], m[C_MAX], one[64], two[64], m1, m2, nd;
	char sock[108];
	struct consumed cons;
	pthread_t th;
	int rounds = ROUNDS_DEFAULT;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--lttng-state"))
			lttng_state = argv[i + 1];
		else {
			fprintf(stderr, "usage: bench-instrument [--rounds N] [--lttng-state LABEL]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64) {
		fprintf(stderr, "bench-instrument: --rounds must be 1..64\n");
		return 2;
	}

	snprintf(sock, sizeof(sock), "/tmp/pa-bench-instrument-%d.sock", (int)getpid());
	setenv("PERF_ANALYSIS_SOCKET", sock, 1);
	if (pa_test_daemon_listen(&daemon_, sock) < 0) {
		fprintf(stderr, "bench-instrument: cannot listen on %s\n", sock);
		return 1;
	}
	pthread_create(&th, NULL, attach_server, NULL);
	PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, 0, 0, 0, 0);
	pthread_join(th, NULL);
	if (daemon_.n_apps != 1) {
		fprintf(stderr, "bench-instrument: did not attach to the stand-in daemon\n");
		return 1;
	}

	for (int r = 0; r < rounds; r++) {
		for (int c = 0; c < C_MAX; c++)
			v[c][r] = measure((enum bench_case)c);
		one[r] = concurrent(1);
		two[r] = concurrent(2);
	}
	for (int c = 0; c < C_MAX; c++)
		m[c] = median(v[c], rounds);
	m1 = median(one, rounds);
	m2 = median(two, rounds);
	cons = with_consumer();
	nd = without_daemon();

	printf("bench-instrument: %d rounds x %u batches x %u operations, medians; ratios to one rdtsc\n", rounds,
	       BATCHES, BATCH);
	line(case_name[C_RDTSC], 1.0, m[C_RDTSC], 0);
	line(case_name[C_FLOOR], m[C_FLOOR] / m[C_RDTSC], m[C_FLOOR], 0);
	line(case_name[C_RECORD], m[C_RECORD] / m[C_RDTSC], m[C_RECORD], 1.5);
	line(case_name[C_TIME_BLOCK], m[C_TIME_BLOCK] / m[C_RDTSC], m[C_TIME_BLOCK], 2.5);
	line(case_name[C_START_END], m[C_START_END] / m[C_RDTSC], m[C_START_END], 2.5);
	line("PERF_EVENT_RECORD, a consumer draining on the other core", cons.ns / m[C_RDTSC], cons.ns, 0);
	printf("  %-56s the consumer took %.0f%%, %llu dropped and counted\n", "",
	       100.0 - 100.0 * (double)cons.dropped / (BATCHES * BATCH), (unsigned long long)cons.dropped);
	line("PERF_EVENT_RECORD, no daemon listening", nd / m[C_RDTSC], nd, 0);
	line(case_name[C_DISABLED], m[C_DISABLED] / m[C_RDTSC], m[C_DISABLED], 0);
	printf("  %-56s %s (limit 1 ns)\n", "", m[C_DISABLED] <= 1.0 ? "ok" : "OVER");
	line(case_name[C_DISABLED_BLOCK], m[C_DISABLED_BLOCK] / m[C_RDTSC], m[C_DISABLED_BLOCK], 0);
	printf("  %-56s %s (limit 1 ns)\n", "", m[C_DISABLED_BLOCK] <= 1.0 ? "ok" : "OVER");
	printf("  %-56s %6.3fx  limit 1.10x: %s\n", "two threads recording at once, per-op cost vs one",
	       m2 / m1, m2 / m1 <= 1.10 ? "ok" : "OVER");
	{
		char what[160];
		bool on = lttng_ust_tracepoint_enabled(pa_bench, event);

		snprintf(what, sizeof(what), "LTTng-UST tracepoint, %s, %s", lttng_state,
			 on ? "recording" : "not recording");
		line(what, m[C_LTTNG] / m[C_RDTSC], m[C_LTTNG], 0);
		if (on)
			printf("  %-56s %6.2fx\n", "that tracepoint's cost / PERF_EVENT_RECORD's", m[C_LTTNG] / m[C_RECORD]);
		else
			printf("  %-56s (only its enabled-check: it records nothing)\n", "");
	}
	pa_test_daemon_close(&daemon_);
	return 0;
}
