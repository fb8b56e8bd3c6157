/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-capture.c - kernel capture against ground truth, as root on the real
 * kernel: the workload's known operation counts (filtered to its process
 * tree), `perf stat -a` on the same tracepoints over the same window, the
 * sample rate, and a flood larger than the ring buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/collector.h"

#define NR_close 3
#define NR_getppid 110
#define NR_nanosleep 35
#define NR_clock_nanosleep 230

static struct pa_collector *col;
static char workload_path[PATH_MAX];
static pid_t current_workload; /* pid of the last workload run */

struct run {
	struct pa_stats st[PERF_EVENT_MAX];
	struct pa_collector_counts cnt[PERF_EVENT_MAX];
	struct pa_syscall_stats getppid, close_, sleep_;
	long done[16]; /* workload's printed numbers, in print order */
	pid_t pid;
	uint64_t elapsed_ns;
};

enum { D_TASK_CREATE, D_TASK_TERMINATE, D_THREAD_CREATE, D_THREAD_TERMINATE, D_IPC_SEND, D_IPC_RECEIVE,
       D_VM_ALLOC, D_VM_FREE, D_PAGES, D_SWITCHES, D_GETPPID, D_CLOSE_ERRORS, D_SLEEP_NS,
       D_SLEEP_WALL_NS, D_MAX };
static const char *const done_keys[D_MAX] = {
	"task_create", "task_terminate", "thread_create", "thread_terminate", "ipc_send", "ipc_receive",
	"vm_alloc", "vm_free", "pages_touched", "switches_at_least", "getppid", "close_errors", "sleep_ns",
	"sleep_wall_ns",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t percentile(const struct pa_hist *h, uint32_t ppm)
{
	return pa_hist_percentile(h, ppm);
}

static void base_config(struct pa_collector_config *cfg)
{
	struct pa_collector_config d = PA_COLLECTOR_CONFIG_DEFAULT;

	*cfg = d;
}

static void read_all(struct run *r)
{
	unsigned int e;

	for (e = 0; e < PERF_EVENT_MAX; e++) {
		assert_int_equal(pa_collector_read_stats(col, e, &r->st[e]), 0);
		assert_int_equal(pa_collector_read_counts(col, e, &r->cnt[e]), 0);
	}
	assert_int_equal(pa_collector_read_syscall(col, NR_getppid, &r->getppid), 0);
	assert_int_equal(pa_collector_read_syscall(col, NR_close, &r->close_), 0);
	assert_int_equal(pa_collector_read_syscall(col, NR_clock_nanosleep, &r->sleep_), 0);
}

static void count_sample(const struct perf_sample *s, void *userdata)
{
	long *n = userdata;

	(void)s;
	(*n)++;
}

struct pid_check {
	long n, foreign;
};

static void check_sample_pid(const struct perf_sample *s, void *userdata)
{
	struct pid_check *pc = userdata;

	pc->n++;
	/* the workload and its children have pids above it (no pid wrap in a test run) */
	if ((pid_t)s->task_id < current_workload)
		pc->foreign++;
}

/*
 * Run the workload with `args` under `cfg` plus a filter on its process tree
 * (filter != 0) or no filter: the child stops itself before exec, the filter
 * and a reset are applied, then it continues. Statistics are read after it
 * exited; nothing is drained unless drain is set.
 */
static void run_workload(const char *const *args, struct pa_collector_config *cfg, int filter, struct run *r,
			 pa_sample_fn drain_fn, void *drain_data)
{
	char *argv[32];
	char out[4096];
	FILE *f;
	int fd, st, n = 0;
	pid_t pid;
	uint64_t t0;

	memset(r, 0, sizeof(*r));
	argv[n++] = workload_path;
	while (args && *args && n < 30)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	f = tmpfile();
	assert_non_null(f);
	fd = fileno(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, 1);
		raise(SIGSTOP);
		execv(workload_path, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	if (filter) {
		cfg->filter_tgid = (uint32_t)pid;
		cfg->filter_children = true;
	}
	assert_int_equal(pa_collector_configure(col, cfg), 0);
	assert_int_equal(pa_collector_reset(col), 0);
	if (drain_fn)
		(void)pa_collector_drain(col, NULL, NULL);
	t0 = now_ns();
	kill(pid, SIGCONT);
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	r->elapsed_ns = now_ns() - t0;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	r->pid = pid;
	current_workload = pid;
	read_all(r);
	if (drain_fn)
		assert_true(pa_collector_drain(col, drain_fn, drain_data) >= 0);
	rewind(f);
	while (fgets(out, sizeof(out), f)) {
		char key[64];
		long v;
		int i;

		if (sscanf(out, "%63s %ld", key, &v) != 2)
			continue;
		for (i = 0; i < D_MAX; i++)
			if (!strcmp(key, done_keys[i]))
				r->done[i] = v;
	}
	fclose(f);
}

static int64_t dc(const struct run *a, const struct run *b, unsigned int e)
{
	return (int64_t)a->st[e].hist.count - (int64_t)b->st[e].hist.count;
}

static void assert_sample_accounting(const struct run *r)
{
	unsigned int e;

	for (e = 0; e < PERF_EVENT_MAX; e++) {
		uint64_t occurred = r->st[e].hist.count + r->cnt[e].untimed;
		uint64_t offered = r->st[e].samples + r->st[e].sampled_out + r->st[e].dropped;

		if (occurred != offered)
			fail_msg("event %u: %llu occurrences but %llu samples+sampled_out+dropped", e,
				 (unsigned long long)occurred, (unsigned long long)offered);
	}
}

static void assert_ordered_percentiles(const struct pa_hist *h, const char *what)
{
	uint64_t p50 = percentile(h, 500000), p99 = percentile(h, 990000);

	if (!(h->count && h->min <= p50 && p50 <= p99 && p99 <= h->max))
		fail_msg("%s: count %llu min %llu p50 %llu p99 %llu max %llu not ordered", what,
			 (unsigned long long)h->count, (unsigned long long)h->min, (unsigned long long)p50,
			 (unsigned long long)p99, (unsigned long long)h->max);
}

/* Counts filtered to the workload equal what it did (difference to a run doing nothing). */
static void test_workload_exact(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const full[] = { "-f", "40", "-t", "30", "-p", "200", "-u", "150", "-m", "60",
					     "-P", "500", "-g", "1000", "-e", "25", "-s", "2000", NULL };
	static struct run base, run;
	struct pa_collector_config cfg;

	base_config(&cfg);
	run_workload(none, &cfg, 1, &base, NULL, NULL);
	base_config(&cfg);
	run_workload(full, &cfg, 1, &run, NULL, NULL);

	{
		struct pa_collector_overhead o;

		assert_int_equal(pa_collector_overhead(col, &o), 0);
		for (unsigned int i = 0; i < o.n; i++)
			if (o.prog[i].misses)
				printf("# %s missed %llu\n", o.prog[i].name, (unsigned long long)o.prog[i].misses);
	}
	for (unsigned int e = 0; e < PERF_EVENT_MAX; e++)
		printf("# event %2u: base %llu run %llu (lost %llu)\n", e, (unsigned long long)base.st[e].hist.count,
		       (unsigned long long)run.st[e].hist.count, (unsigned long long)run.st[e].lost);
	assert_int_equal(dc(&run, &base, PERF_EVENT_TASK_CREATE), run.done[D_TASK_CREATE]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_TASK_TERMINATE), run.done[D_TASK_TERMINATE]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_THREAD_CREATE), run.done[D_THREAD_CREATE]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_THREAD_TERMINATE), run.done[D_THREAD_TERMINATE]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_IPC_SEND), run.done[D_IPC_SEND]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_IPC_RECEIVE), run.done[D_IPC_RECEIVE]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_VM_ALLOC), run.done[D_VM_ALLOC]);
	assert_int_equal(dc(&run, &base, PERF_EVENT_VM_FREE), run.done[D_VM_FREE]);
	assert_true(dc(&run, &base, PERF_EVENT_PAGE_FAULT) >= run.done[D_PAGES]);
	assert_true((int64_t)run.cnt[PERF_EVENT_CONTEXT_SWITCH].events >= run.done[D_SWITCHES]);
	assert_int_equal(run.getppid.count, run.done[D_GETPPID]);
	assert_int_equal(run.getppid.errors, 0);
	assert_int_equal(run.close_.errors - base.close_.errors, run.done[D_CLOSE_ERRORS]);
	assert_true(run.st[PERF_EVENT_SYSCALL].errors - base.st[PERF_EVENT_SYSCALL].errors >=
		    (uint64_t)run.done[D_CLOSE_ERRORS]);
	/* the workload did 2 ms of nanosleep: one clock_nanosleep of at least 2 ms and at
	 * most the wall time the workload itself measured around the call (on a quiet
	 * machine ~2.1 ms; a loaded one may wake it late, and both clocks see that) */
	assert_int_equal(run.done[D_SLEEP_NS], 2000000);
	assert_int_equal(run.sleep_.count - base.sleep_.count, 1);
	if (run.sleep_.max < 2000000 || run.sleep_.max > (uint64_t)run.done[D_SLEEP_WALL_NS])
		fail_msg("2 ms nanosleep measured as %llu ns; the workload saw %ld ns around the call",
			 (unsigned long long)run.sleep_.max, run.done[D_SLEEP_WALL_NS]);
	assert_true(run.st[PERF_EVENT_SYSCALL].hist.max >= run.sleep_.max);
	/* the filter was on from the start: a missing start timestamp is rare (the
	 * kernel's task-storage lock was busy on that CPU), counted, never silent */
	assert_true(run.st[PERF_EVENT_SYSCALL].lost * 100 <= run.st[PERF_EVENT_SYSCALL].hist.count);
	assert_true(run.st[PERF_EVENT_CONTEXT_SWITCH].lost * 100 <= run.st[PERF_EVENT_CONTEXT_SWITCH].hist.count);
	assert_int_equal(run.cnt[PERF_EVENT_CONTEXT_SWITCH].untimed, 0); /* idle is never the workload */
	assert_sample_accounting(&run);
	assert_ordered_percentiles(&run.st[PERF_EVENT_SYSCALL].hist, "syscall");
	assert_ordered_percentiles(&run.st[PERF_EVENT_CONTEXT_SWITCH].hist, "context switch");
	assert_ordered_percentiles(&run.st[PERF_EVENT_IPC_SEND].hist, "ipc send");
	assert_ordered_percentiles(&run.st[PERF_EVENT_VM_ALLOC].hist, "vm alloc");
	assert_ordered_percentiles(&run.st[PERF_EVENT_TASK_TERMINATE].hist, "task terminate");
	/* page faults carry no duration on this kernel */
	assert_int_equal(run.st[PERF_EVENT_PAGE_FAULT].hist.max, 0);
	printf("# workload: run-queue latency p50 %llu ns p99 %llu ns max %llu ns\n",
	       (unsigned long long)percentile(&run.st[PERF_EVENT_CONTEXT_SWITCH].hist, 500000),
	       (unsigned long long)percentile(&run.st[PERF_EVENT_CONTEXT_SWITCH].hist, 990000),
	       (unsigned long long)run.st[PERF_EVENT_CONTEXT_SWITCH].hist.max);
	printf("# workload: syscalls %llu p50 %llu ns p99 %llu ns max %llu ns; switches %llu (timed %llu)\n",
	       (unsigned long long)run.st[PERF_EVENT_SYSCALL].hist.count,
	       (unsigned long long)percentile(&run.st[PERF_EVENT_SYSCALL].hist, 500000),
	       (unsigned long long)percentile(&run.st[PERF_EVENT_SYSCALL].hist, 990000),
	       (unsigned long long)run.st[PERF_EVENT_SYSCALL].hist.max,
	       (unsigned long long)run.cnt[PERF_EVENT_CONTEXT_SWITCH].events,
	       (unsigned long long)run.st[PERF_EVENT_CONTEXT_SWITCH].hist.count);
	(void)state;
}

/* A command-name filter alone admits exactly the workload's getppid calls. */
static void test_comm_filter(void **state)
{
	static const char *const args[] = { "-g", "777", NULL };
	static struct run run;
	struct pa_collector_config cfg;

	base_config(&cfg);
	strcpy(cfg.filter_comm, "workload");
	run_workload(args, &cfg, 0, &run, NULL, NULL);
	assert_int_equal(run.getppid.count, 777);
	(void)state;
}

/* At a low sample rate counts stay exact and the stream keeps to the rate. */
static void test_low_rate(void **state)
{
	static const char *const args[] = { "-g", "200000", "-p", "2000", NULL };
	static struct run run;
	struct pa_collector_config cfg;
	struct pid_check pc = { 0 };
	uint64_t samples = 0, allowed;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int e;

	base_config(&cfg);
	cfg.sample_rate = 50;
	run_workload(args, &cfg, 1, &run, check_sample_pid, &pc);
	assert_int_equal(run.getppid.count, 200000);
	assert_int_equal(run.st[PERF_EVENT_IPC_SEND].hist.count, 4000);
	for (e = 0; e < PERF_EVENT_MAX; e++) {
		samples += run.st[e].samples;
		assert_int_equal(run.st[e].dropped, 0);
	}
	/* per CPU: a full bucket (rate/10) at the start plus rate per second */
	allowed = (uint64_t)ncpu * (5 + (50 * run.elapsed_ns + 999999999) / 1000000000ull);
	if (samples > allowed || samples == 0)
		fail_msg("%llu samples in %.3f s at 50/s/cpu (allowed %llu)", (unsigned long long)samples,
			 run.elapsed_ns / 1e9, (unsigned long long)allowed);
	assert_true(run.st[PERF_EVENT_SYSCALL].sampled_out > 0);
	assert_int_equal(pa_stats_completeness(&run.st[PERF_EVENT_IPC_SEND]), PA_SAMPLED);
	assert_sample_accounting(&run);
	assert_int_equal((uint64_t)pc.n, samples);
	assert_int_equal(pc.foreign, 0);
	(void)state;
}

/* A flood larger than the ring reports drops, and a resize carries statistics over. */
static void test_flood_drops(void **state)
{
	static const char *const args[] = { "-g", "100000", NULL };
	static struct run run;
	struct pa_collector_config cfg;
	struct pa_stats *after = calloc(1, sizeof(*after));
	long drained = 0;
	uint64_t samples = 0;
	unsigned int e;

	assert_non_null(after);
	base_config(&cfg);
	cfg.sample_rate = 100000000;
	cfg.buffer_samples = 64; /* one page: ~100 samples */
	run_workload(args, &cfg, 1, &run, NULL, NULL);
	assert_int_equal(run.getppid.count, 100000);
	assert_true(run.st[PERF_EVENT_SYSCALL].dropped > 0);
	assert_int_equal(pa_stats_completeness(&run.st[PERF_EVENT_SYSCALL]), PA_LOSSY);
	assert_sample_accounting(&run);
	for (e = 0; e < PERF_EVENT_MAX; e++)
		samples += run.st[e].samples;
	assert_true(pa_collector_drain(col, count_sample, &drained) >= 0);
	assert_int_equal((uint64_t)drained, samples);
	printf("# flood: %llu syscalls, %llu samples, %llu dropped, %llu sampled out\n",
	       (unsigned long long)run.st[PERF_EVENT_SYSCALL].hist.count, (unsigned long long)samples,
	       (unsigned long long)run.st[PERF_EVENT_SYSCALL].dropped,
	       (unsigned long long)run.st[PERF_EVENT_SYSCALL].sampled_out);

	/* resize back (reloads the programs): nothing counted so far disappears */
	cfg.buffer_samples = 8192;
	assert_int_equal(pa_collector_configure(col, &cfg), 0);
	assert_int_equal(pa_collector_read_stats(col, PERF_EVENT_SYSCALL, after), 0);
	assert_true(after->hist.count >= run.st[PERF_EVENT_SYSCALL].hist.count);
	assert_true(after->dropped >= run.st[PERF_EVENT_SYSCALL].dropped);
	free(after);
	(void)state;
}

static int read_perf_counts(const char *path, uint64_t *sys, uint64_t *sw, uint64_t *pf, uint64_t *irq)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return -errno;
	*sys = *sw = *pf = *irq = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char *unit, *name, *end;

		/* CSV: value,unit (often empty),event,... */
		unit = strchr(line, ',');
		name = unit ? strchr(unit + 1, ',') : NULL;
		if (!name || line[0] < '0' || line[0] > '9')
			continue;
		v = strtoull(line, NULL, 10);
		name++;
		end = strchr(name, ',');
		if (end)
			*end = '\0';
		if (!strcmp(name, "raw_syscalls:sys_enter"))
			*sys += v;
		else if (!strcmp(name, "sched:sched_switch"))
			*sw += v;
		else if (!strncmp(name, "exceptions:page_fault_", 22))
			*pf += v;
		else if (!strcmp(name, "irq:irq_handler_entry") || !strcmp(name, "irq:softirq_entry"))
			*irq += v;
	}
	fclose(f);
	return 0;
}

static void perf_ctl(int ctl, int ack, const char *cmd)
{
	char buf[16] = { 0 };

	assert_int_equal(write(ctl, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	assert_true(read(ack, buf, sizeof(buf) - 1) > 0);
	assert_non_null(strstr(buf, "ack"));
}

/* Our four system-wide counters at one moment, and the kernel's own switch count. */
struct sw_snap {
	uint64_t sys, sw, pf, irq, ctxt;
};

/* /proc/stat's ctxt: the sum of rq->nr_switches, bumped under the same
 * condition (prev != next) as the sched_switch tracepoint fires. */
static uint64_t proc_ctxt(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v = 0;
	char line[256];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void snap(struct sw_snap *x)
{
	static struct pa_stats pf;
	struct pa_collector_counts c;

	assert_int_equal(pa_collector_read_counts(col, PERF_EVENT_SYSCALL, &c), 0);
	x->sys = c.events;
	assert_int_equal(pa_collector_read_counts(col, PERF_EVENT_CONTEXT_SWITCH, &c), 0);
	x->sw = c.events;
	assert_int_equal(pa_collector_read_counts(col, PERF_EVENT_INTERRUPT, &c), 0);
	x->irq = c.events;
	assert_int_equal(pa_collector_read_stats(col, PERF_EVENT_PAGE_FAULT, &pf), 0);
	x->pf = pf.hist.count;
	x->ctxt = proc_ctxt();
}

/*
 * perf's window cannot coincide with ours exactly: perf enables and disables
 * its counters when it gets to run after our command. So we read our
 * counters on both sides of each command: `inner` (after perf enabled, before
 * it disabled) lies inside perf's window, `outer` (before enable, after
 * disable) contains it. perf's count must lie in [inner - tol, outer + tol].
 */
static void assert_bracketed_by(const char *what, const char *peer, uint64_t inner, uint64_t outer, uint64_t theirs,
				double tol)
{
	printf("# system-wide %-16s ours %10llu .. %10llu  %-10s %10llu  (%+.2f %% .. %+.2f %%)\n", what,
	       (unsigned long long)inner, (unsigned long long)outer, peer, (unsigned long long)theirs,
	       theirs ? 100.0 * ((double)inner - (double)theirs) / (double)theirs : 0.0,
	       theirs ? 100.0 * ((double)outer - (double)theirs) / (double)theirs : 0.0);
	if (!theirs || (double)theirs < (1 - tol) * (double)inner || (double)theirs > (1 + tol) * (double)outer)
		fail_msg("%s: %s counted %llu, ours %llu..%llu (more than %.0f %% apart)", what, peer,
			 (unsigned long long)theirs, (unsigned long long)inner, (unsigned long long)outer, tol * 100);
}

static void assert_bracketed(const char *what, uint64_t inner, uint64_t outer, uint64_t theirs, double tol)
{
	assert_bracketed_by(what, "perf stat", inner, outer, theirs, tol);
}

/*
 * n datagrams to ourselves over loopback: each send raises a NET_RX softirq,
 * so that interrupts number thousands in the window instead of hundreds and
 * the few that straddle its edges weigh little against the 2 % bound.
 */
static void udp_loopback(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char buf[64] = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)sizeof(buf));
		assert_int_equal(recv(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	}
	close(fd);
}

/* System-wide counts agree with perf stat -a on the same tracepoints over the same window. */
static void test_system_wide_vs_perf(void **state)
{
	static const char *const load_args[] = { "-g", "400000", "-P", "60000", "-p", "3000", "-f", "100", NULL };
	char out[] = "/tmp/pa-perf-XXXXXX", ctl_arg[64];
	int ctl[2], ack[2], ofd, st;
	struct pa_collector_config cfg;
	struct sw_snap s0, s1, s2, s3;
	uint64_t p_sys = 0, p_sw = 0, p_pf = 0, p_irq = 0;
	pid_t perf, load;

	base_config(&cfg);
	assert_int_equal(pa_collector_configure(col, &cfg), 0);
	ofd = mkstemp(out);
	assert_true(ofd >= 0);
	close(ofd);
	assert_int_equal(pipe(ctl), 0);
	assert_int_equal(pipe(ack), 0);
	snprintf(ctl_arg, sizeof(ctl_arg), "fd:%d,%d", ctl[0], ack[1]);
	perf = fork();
	assert_true(perf >= 0);
	if (perf == 0) {
		/* own process group, so that SIGINT reaches perf and its `sleep` together */
		setpgid(0, 0);
		close(ctl[1]);
		close(ack[0]);
		execlp("perf", "perf", "stat", "-a", "-x,", "-o", out, "-D", "-1", "--control", ctl_arg, "-e",
		       "raw_syscalls:sys_enter,sched:sched_switch,exceptions:page_fault_user,"
		       "exceptions:page_fault_kernel,irq:irq_handler_entry,irq:softirq_entry",
		       "--", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	close(ctl[0]);
	close(ack[1]);

	/* a first enable/disable faults in perf's own code paths */
	perf_ctl(ctl[1], ack[0], "enable");
	perf_ctl(ctl[1], ack[0], "disable");
	snap(&s0);
	perf_ctl(ctl[1], ack[0], "enable");
	snap(&s1);

	load = fork();
	assert_true(load >= 0);
	if (load == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		char *argv[16];
		int n = 0;
		const char *const *a = load_args;

		dup2(devnull, 1);
		argv[n++] = workload_path;
		while (*a)
			argv[n++] = (char *)*a++;
		argv[n] = NULL;
		execv(workload_path, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(load, &st, 0), load);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	udp_loopback(5000);
	usleep(100000);

	snap(&s2);
	perf_ctl(ctl[1], ack[0], "disable");
	snap(&s3);
	kill(-perf, SIGINT);
	assert_int_equal(waitpid(perf, &st, 0), perf);
	close(ctl[1]);
	close(ack[0]);
	assert_int_equal(read_perf_counts(out, &p_sys, &p_sw, &p_pf, &p_irq), 0);
	unlink(out);

	assert_bracketed("syscalls", s2.sys - s1.sys, s3.sys - s0.sys, p_sys, 0.02);
	/*
	 * Context switches: the kernel's own counter is the ground truth. On this
	 * VM perf stat has at times counted ~25 % fewer sched_switch events than
	 * both the kernel (/proc/stat ctxt) and us, in the same window, while
	 * agreeing on everything else; perf's figure is printed beside ours.
	 */
	printf("# system-wide %-16s ours %10llu .. %10llu  perf stat  %10llu  (shown, not asserted)\n",
	       "context switches", (unsigned long long)(s2.sw - s1.sw), (unsigned long long)(s3.sw - s0.sw),
	       (unsigned long long)p_sw);
	assert_bracketed_by("context switches", "/proc/stat", s2.sw - s1.sw, s3.sw - s0.sw, s2.ctxt - s1.ctxt, 0.02);
	assert_bracketed("page faults", s2.pf - s1.pf, s3.pf - s0.pf, p_pf, 0.02);
	assert_bracketed("interrupts", s2.irq - s1.irq, s3.irq - s0.irq, p_irq, 0.02);
	(void)state;
}

/* Every event attaches here; the programs' own run time is measurable. */
static void test_features_and_overhead(void **state)
{
	static const char *const args[] = { "-g", "10000", NULL };
	static struct run run;
	const struct pa_collector_features *f = pa_collector_features(col);
	struct pa_collector_config cfg;
	struct pa_collector_overhead o;
	unsigned int e, i;

	for (e = 0; e < PERF_EVENT_MAX; e++) {
		if (!f->event_available[e])
			fail_msg("event %u unavailable: %s", e, f->event_why[e]);
		assert_null(f->event_why[e]);
	}
	/* the output must be able to say that page faults have no duration here */
	assert_non_null(f->event_note[PERF_EVENT_PAGE_FAULT]);
	assert_non_null(strstr(f->event_note[PERF_EVENT_PAGE_FAULT], "no duration"));
	base_config(&cfg);
	cfg.prog_stats = true;
	run_workload(args, &cfg, 1, &run, NULL, NULL);
	assert_true(pa_collector_features(col)->bpf_stats_enabled);
	assert_int_equal(pa_collector_overhead(col, &o), 0);
	assert_true(o.stats_enabled);
	assert_true(o.n >= 11);
	for (i = 0; i < o.n; i++)
		if (!strcmp(o.prog[i].name, "sys_enter")) {
			assert_true(o.prog[i].attached);
			assert_true(o.prog[i].run_cnt >= 10000);
			assert_true(o.prog[i].run_time_ns > 0);
			printf("# sys_enter: %llu runs, %.1f ns per run\n", (unsigned long long)o.prog[i].run_cnt,
			       (double)o.prog[i].run_time_ns / (double)o.prog[i].run_cnt);
		}

	/* disabling an event detaches its hooks and stops its counting */
	cfg.prog_stats = false;
	cfg.event_mask &= ~(1u << PERF_EVENT_PAGE_FAULT);
	run_workload((const char *const[]){ "-P", "100", NULL }, &cfg, 1, &run, NULL, NULL);
	assert_int_equal(run.st[PERF_EVENT_PAGE_FAULT].hist.count, 0);
	assert_true(run.st[PERF_EVENT_SYSCALL].hist.count > 0);
	assert_int_equal(pa_collector_overhead(col, &o), 0);
	for (i = 0; i < o.n; i++)
		if (!strcmp(o.prog[i].name, "page_fault_user"))
			assert_false(o.prog[i].attached);
	(void)state;
}

/* Bad configurations are refused and change nothing. */
static void test_bad_config(void **state)
{
	struct pa_collector_config cfg;

	base_config(&cfg);
	cfg.event_mask = 1u << 20;
	assert_int_equal(pa_collector_configure(col, &cfg), -EINVAL);
	base_config(&cfg);
	cfg.buffer_samples = 0;
	assert_int_equal(pa_collector_configure(col, &cfg), -EINVAL);
	base_config(&cfg);
	memset(cfg.filter_comm, 'a', sizeof(cfg.filter_comm));
	assert_int_equal(pa_collector_configure(col, &cfg), -EINVAL);
	assert_int_equal(pa_collector_read_stats(col, PERF_EVENT_MAX, calloc(1, sizeof(struct pa_stats))), -EINVAL);
	(void)state;
}

/* Without privileges, open fails with -EPERM and says what to do. */
static void test_not_root(void **state)
{
	struct pa_collector_config cfg = PA_COLLECTOR_CONFIG_DEFAULT;
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct pa_collector *c = NULL;
		const char *why = NULL;
		int r;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(101);
		r = pa_collector_open(&cfg, NULL, &c, &why);
		if (r == 0)
			_exit(102);
		if (!why || !strstr(why, "root"))
			_exit(103);
		_exit(-r);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EPERM);
	(void)state;
}

static int setup(void **state)
{
	struct pa_collector_config cfg = PA_COLLECTOR_CONFIG_DEFAULT;
	const char *why = NULL;
	char self[PATH_MAX - 32];
	ssize_t n;
	int r;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(workload_path, sizeof(workload_path), "%s/../workloads/workload", self);
	if (access(workload_path, X_OK) < 0) {
		fprintf(stderr, "test-capture: %s: %s (build it with: make capture)\n", workload_path,
			strerror(errno));
		return -1;
	}
	r = pa_collector_open(&cfg, NULL, &col, &why);
	if (r < 0) {
		fprintf(stderr, "test-capture: cannot open the collector: %s: %s\n", strerror(-r), why ? why : "");
		return -1;
	}
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	pa_collector_free(col);
	(void)state;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_workload_exact),
		cmocka_unit_test(test_comm_filter),
		cmocka_unit_test(test_low_rate),
		cmocka_unit_test(test_flood_drops),
		cmocka_unit_test(test_features_and_overhead),
		cmocka_unit_test(test_system_wide_vs_perf),
	};

	if (geteuid() != 0) {
		/* cmocka-style skip lines, so run-tests.sh counts (and CI fails) them */
		printf("[  SKIPPED ] test-capture: needs root to load eBPF programs\n");
		printf("[==========] 0 test(s) run.\n[  PASSED  ] 0 test(s).\n[  SKIPPED ] %zu test(s), listed below:\n",
		       sizeof(tests) / sizeof(tests[0]));
		return 0;
	}
	/* PA_TEST_FILTER=test_low_rate runs one test (cmocka glob) */
	if (getenv("PA_TEST_FILTER"))
		cmocka_set_test_filter(getenv("PA_TEST_FILTER"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
