/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.c - loader of bpf/resources.bpf.c and the `top` / `correlate`
 * replies built from its maps.
 *
 * A reply reads every thread record once (one map walk: O(records), about
 * 2 ms for 16384 records here) and sorts in user space. CPU time of the
 * thread on each CPU right now, not yet accounted at a switch, is added from
 * the per-CPU scheduler state, so a CPU-bound thread that is never switched
 * out still shows its time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "events.h"
#include "resources.h"
#include "../bpf/resources.h"
#include "bpf/resources.skel.h"

#define N_PROGS 16

/* A thread record as read: its id and figures (since the last reset). */
struct rec {
	uint32_t tid;
	struct pa_res_task t;
};

/* What a reset leaves behind: the figures at that moment, subtracted from later reads. */
struct base {
	struct rec *tasks;            /* sorted by tid */
	size_t n;
	uint64_t counters[PA_RES_C_MAX];
	uint64_t lost;                /* records lost (reused slots, tasks_hi evictions) until then */
	struct pa_res_sys sys[PA_RES_SYSCALL_NR_MAX];
};

struct pa_resources {
	struct resources_bpf *skel;
	bool carried; /* the collector's programs do our part on the hooks they share: ours stay detached */
	struct bpf_link *links[N_PROGS];
	const char *unattached[N_PROGS];
	unsigned int n_unattached;
	int ncpu;
	uint64_t since_ns; /* load or last reset, CLOCK_MONOTONIC */
	long page_kb;
	uint32_t slots;    /* thread ids below this have an array slot */
	uint32_t hi_max;   /* tasks_hi's size */
	bool hi_needed;    /* pid_max > slots: thread ids can reach tasks_hi */
	/* the mmapable maps, read in place */
	const struct pa_res_task *tasks;
	size_t tasks_len;
	const struct pa_res_cpu *cpus;
	size_t cpus_len;
	const struct pa_res_sys *sys;
	size_t sys_len;
	struct base base;
};

static const char *const syscall_names[PA_RES_SYSCALL_NR_MAX] = {
#include "daemon/syscall-names.h"
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static unsigned long pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	unsigned long v = 32768;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 32768;
		fclose(f);
	}
	return v;
}

/*
 * Size of the thread-id-indexed array: pid_max (every thread id fits), at
 * most PA_RES_TID_SLOTS_MAX; PA_RES_TID_SLOTS in the environment overrides it
 * (tests use a small array to exercise tasks_hi). 0 or -EINVAL.
 */
static int tid_slots(uint32_t *ret)
{
	const char *env = getenv("PA_RES_TID_SLOTS");
	unsigned long v = pid_max();
	char *end;

	if (env) {
		errno = 0;
		v = strtoul(env, &end, 10);
		if (errno || end == env || *end || v < 1 || v > PA_RES_TID_SLOTS_MAX)
			return -EINVAL;
	} else if (v > PA_RES_TID_SLOTS_MAX) {
		v = PA_RES_TID_SLOTS_MAX;
	}
	*ret = (uint32_t)v;
	return 0;
}

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

static const void *map_in_place(struct bpf_map *m, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(m), 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Our programs on the hooks whose collector programs can do their work (resources-sys.h). */
static bool is_carried_prog(const struct pa_resources *r, const struct bpf_program *p)
{
	return p == r->skel->progs.res_sys_enter_prog || p == r->skel->progs.res_sys_exit_prog ||
	       p == r->skel->progs.res_sched_switch_prog || p == r->skel->progs.res_irq_entry ||
	       p == r->skel->progs.res_softirq_entry || p == r->skel->progs.res_page_fault_user ||
	       p == r->skel->progs.res_page_fault_kernel;
}

int pa_resources_attach(struct pa_resources *r, bool on)
{
	struct bpf_program *p;
	unsigned int i = 0, tried = 0;

	for (i = 0; i < N_PROGS; i++) {
		bpf_link__destroy(r->links[i]);
		r->links[i] = NULL;
	}
	r->n_unattached = 0;
	if (!on)
		return 0;
	/* one by one: a hook this kernel lacks is reported, not fatal */
	i = 0;
	bpf_object__for_each_program(p, r->skel->obj) {
		if (i >= N_PROGS)
			break;
		if (!(r->carried && is_carried_prog(r, p))) {
			tried++;
			r->links[i] = bpf_program__attach(p);
			if (!r->links[i])
				r->unattached[r->n_unattached++] = bpf_program__name(p);
		}
		i++;
	}
	return r->n_unattached < tried ? 0 : -ENOSYS;
}

int pa_resources_set_carried(struct pa_resources *r, bool carried)
{
	bool attached = false;

	for (unsigned int i = 0; i < N_PROGS; i++)
		attached |= r->links[i] != NULL;
	r->carried = carried;
	return attached ? pa_resources_attach(r, true) : 0;
}

void pa_resources_maps(const struct pa_resources *r, struct pa_res_maps *ret)
{
	ret->cpu_state = bpf_map__fd(r->skel->maps.cpu_state);
	ret->tasks = bpf_map__fd(r->skel->maps.tasks);
	ret->tasks_hi = bpf_map__fd(r->skel->maps.tasks_hi);
	ret->msgs = bpf_map__fd(r->skel->maps.msgs);
	ret->pairs = bpf_map__fd(r->skel->maps.pairs);
	ret->sys_attr = bpf_map__fd(r->skel->maps.sys_attr);
}

int pa_resources_open(bool carried, struct pa_resources **ret, const char **ret_why)
{
	struct pa_resources *r;
	int err;

	*ret_why = NULL;
	if (geteuid() != 0) {
		*ret_why = "resource tracking needs root (CAP_BPF and CAP_PERFMON)";
		return -EPERM;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->carried = carried;
	r->ncpu = libbpf_num_possible_cpus();
	r->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	if (tid_slots(&r->slots) < 0) {
		*ret_why = "PA_RES_TID_SLOTS must be a number of thread slots from 1 to 65536";
		pa_resources_free(r);
		return -EINVAL;
	}
	r->hi_needed = pid_max() > r->slots;
	r->hi_max = r->hi_needed ? PA_RES_TASKS_MAX : PA_RES_TASKS_HI_MIN;
	libbpf_set_print(silent_print);
	r->skel = resources_bpf__open();
	err = -errno;
	if (r->skel && r->ncpu > 0) {
		(void)bpf_map__set_max_entries(r->skel->maps.tasks, r->slots);
		(void)bpf_map__set_max_entries(r->skel->maps.tasks_hi, r->hi_max);
		(void)bpf_map__set_max_entries(r->skel->maps.cpu_state, (uint32_t)r->ncpu);
		(void)bpf_map__set_max_entries(r->skel->maps.sys_attr, PA_RES_SYSCALL_NR_MAX * (uint32_t)r->ncpu);
		err = resources_bpf__load(r->skel);
	}
	libbpf_set_print(NULL);
	if (!r->skel || r->ncpu <= 0 || err) {
		*ret_why = "cannot load the resource-tracking eBPF programs (tp_btf with BTF needed)";
		pa_resources_free(r);
		return err < 0 ? err : -ENOSYS;
	}
	r->tasks_len = page_round((size_t)r->slots * sizeof(struct pa_res_task));
	r->cpus_len = page_round((size_t)r->ncpu * sizeof(struct pa_res_cpu));
	r->sys_len = page_round((size_t)r->ncpu * PA_RES_SYSCALL_NR_MAX * sizeof(struct pa_res_sys));
	r->tasks = map_in_place(r->skel->maps.tasks, r->tasks_len);
	r->cpus = map_in_place(r->skel->maps.cpu_state, r->cpus_len);
	r->sys = map_in_place(r->skel->maps.sys_attr, r->sys_len);
	if (!r->tasks || !r->cpus || !r->sys) {
		err = -errno;
		*ret_why = "cannot map the resource-tracking tables (mmapable BPF arrays needed)";
		pa_resources_free(r);
		return err < 0 ? err : -ENOSYS;
	}
	(void)pa_resources_attach(r, true);
	r->since_ns = now_ns();
	*ret = r;
	return 0;
}

void pa_resources_free(struct pa_resources *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < N_PROGS; i++)
		bpf_link__destroy(r->links[i]);
	if (r->tasks)
		munmap((void *)r->tasks, r->tasks_len);
	if (r->cpus)
		munmap((void *)r->cpus, r->cpus_len);
	if (r->sys)
		munmap((void *)r->sys, r->sys_len);
	resources_bpf__destroy(r->skel);
	free(r->base.tasks);
	free(r);
}

int pa_resources_prog_stats(struct pa_resources *r, unsigned int i, const char **ret_name, uint64_t *ret_cnt,
			    uint64_t *ret_ns)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	struct bpf_program *p;
	unsigned int k = 0;

	bpf_object__for_each_program(p, r->skel->obj) {
		if (k++ != i)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
			return -errno;
		*ret_name = bpf_program__name(p);
		*ret_cnt = info.run_cnt;
		*ret_ns = info.run_time_ns;
		return 0;
	}
	return -ENOENT;
}

/*
 * Delete the records present now: collect the keys first, then delete them.
 * (Deleting the first key until none is left never ends: busy threads,
 * this one included, recreate their records at once.)
 */
static int clear_map(int fd, size_t key_size, size_t max_entries)
{
	char *keys = malloc(max_entries * key_size), *prev = NULL;
	size_t n = 0;

	if (!keys)
		return -ENOMEM;
	while (n < max_entries && bpf_map_get_next_key(fd, prev, keys + n * key_size) == 0) {
		prev = keys + n * key_size;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		(void)bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
	return 0;
}

/* Counters summed over the CPUs, as they are in the kernel (not since the reset). */
static void read_counters_raw(struct pa_resources *r, uint64_t c[PA_RES_C_MAX])
{
	for (uint32_t k = 0; k < PA_RES_C_MAX; k++) {
		c[k] = 0;
		for (int i = 0; i < r->ncpu; i++)
			c[k] += __atomic_load_n(&r->cpus[i].counters[k], __ATOMIC_RELAXED);
	}
}

/* c: raw counters less those at the last reset */
static void counters_since(struct pa_resources *r, const uint64_t raw[PA_RES_C_MAX], uint64_t c[PA_RES_C_MAX])
{
	for (uint32_t k = 0; k < PA_RES_C_MAX; k++)
		c[k] = raw[k] >= r->base.counters[k] ? raw[k] - r->base.counters[k] : 0;
}

static void read_sys(struct pa_resources *r, uint32_t nr, struct pa_res_sys *ret)
{
	const struct pa_res_sys *b = &r->base.sys[nr];

	*ret = (struct pa_res_sys){ 0 };
	for (int i = 0; i < r->ncpu; i++) {
		const struct pa_res_sys *s = &r->sys[(size_t)i * PA_RES_SYSCALL_NR_MAX + nr];

		ret->faults += __atomic_load_n(&s->faults, __ATOMIC_RELAXED);
		ret->irqs += __atomic_load_n(&s->irqs, __ATOMIC_RELAXED);
		ret->softirqs += __atomic_load_n(&s->softirqs, __ATOMIC_RELAXED);
	}
	ret->faults = ret->faults >= b->faults ? ret->faults - b->faults : 0;
	ret->irqs = ret->irqs >= b->irqs ? ret->irqs - b->irqs : 0;
	ret->softirqs = ret->softirqs >= b->softirqs ? ret->softirqs - b->softirqs : 0;
}

/* Record of tid as it is now: from the array in place, or tasks_hi. false if none. */
static bool read_one(struct pa_resources *r, uint32_t tid, struct pa_res_task *ret)
{
	if (tid < r->slots) {
		memcpy(ret, &r->tasks[tid], sizeof(*ret));
		return ret->tgid != 0;
	}
	return bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.tasks_hi), &tid, ret) == 0 && ret->tgid;
}

static int push_rec(struct rec **a, size_t *n, size_t *cap, uint32_t tid, const struct pa_res_task *t)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 1024;
		struct rec *b = realloc(*a, c * sizeof(**a));

		if (!b)
			return -ENOMEM;
		*a = b;
		*cap = c;
	}
	(*a)[*n].tid = tid;
	(*a)[*n].t = *t;
	(*n)++;
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/*
 * Every thread record as it is in the kernel now, with what the threads
 * running on each CPU have accumulated since their switch-in (acc, and the
 * CPU time of the current stretch) added; sorted by tid. *ret_hi_live: how
 * many came from tasks_hi. O(slots) for the array walk (one cache line per
 * unused slot) plus a lookup per tasks_hi record.
 */
static int read_tasks_raw(struct pa_resources *r, struct rec **ret, size_t *ret_n, size_t *ret_hi_live,
			  uint64_t *ret_busy, uint64_t *ret_idle)
{
	int fd = bpf_map__fd(r->skel->maps.tasks_hi);
	size_t n = 0, cap = 0, hi = 0;
	struct rec *a = NULL;
	uint32_t key, next;
	uint64_t now, busy = 0, idle = 0;
	struct pa_res_task t;
	void *prev = NULL;

	for (uint32_t tid = 1; tid < r->slots; tid++) {
		if (!__atomic_load_n(&r->tasks[tid].tgid, __ATOMIC_RELAXED))
			continue;
		memcpy(&t, &r->tasks[tid], sizeof(t));
		if (push_rec(&a, &n, &cap, tid, &t) < 0)
			goto nomem;
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &t) == 0 && t.tgid) {
			if (push_rec(&a, &n, &cap, key, &t) < 0)
				goto nomem;
			hi++;
		}
	}
	qsort(a, n, sizeof(*a), cmp_tid);
	now = now_ns();
	for (int c = 0; c < r->ncpu; c++) {
		const struct pa_res_cpu *cs = &r->cpus[c];
		struct pa_res_cpu v;
		uint32_t s1, s2;
		bool have = false;
		int tries = 0;

		/* acc and the record of curr_tid from one moment: not across a switch (seq odd or changed) */
		do {
			s1 = __atomic_load_n(&cs->seq, __ATOMIC_ACQUIRE);
			memcpy(&v, cs, sizeof(v));
			have = v.curr_tid && read_one(r, v.curr_tid, &t);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&cs->seq, __ATOMIC_RELAXED);
		} while ((s1 != s2 || (s1 & 1)) && ++tries < 1000);
		busy += v.busy_ns;
		idle += v.idle_ns;
		if (!v.since)
			continue;
		if (!v.curr_tid) {
			idle += now > v.since ? now - v.since : 0;
			continue;
		}
		busy += now > v.since ? now - v.since : 0;
		if (have) {
			struct rec k = { .tid = v.curr_tid }, *x = bsearch(&k, a, n, sizeof(*a), cmp_tid);

			t.cpu_ns += now > v.since ? now - v.since : 0;
			t.ev_count[PERF_EVENT_SYSCALL] += v.acc.sys_count;
			t.ev_ns[PERF_EVENT_SYSCALL] += v.acc.sys_ns;
			t.sys_errors += v.acc.sys_errors;
			t.ev_count[PERF_EVENT_PAGE_FAULT] += v.acc.faults;
			t.faults_in_sys += v.acc.faults_in_sys;
			t.ev_count[PERF_EVENT_INTERRUPT] += v.acc.irqs + v.acc.softirqs;
			t.irqs_in_sys += v.acc.irqs_in_sys + v.acc.softirqs_in_sys;
			if (x) {
				x->t = t;
			} else {
				if (push_rec(&a, &n, &cap, v.curr_tid, &t) < 0)
					goto nomem;
				qsort(a, n, sizeof(*a), cmp_tid);
			}
		}
	}
	*ret = a;
	*ret_n = n;
	*ret_hi_live = hi;
	*ret_busy = busy;
	*ret_idle = idle;
	return 0;
nomem:
	free(a);
	return -ENOMEM;
}

/* x minus what it had at the reset (b: the same thread then) */
static void rec_sub(struct pa_res_task *x, const struct pa_res_task *b)
{
#define SUB(f) x->f = x->f >= b->f ? x->f - b->f : 0
	SUB(cpu_ns);
	SUB(switches_in);
	SUB(voluntary);
	SUB(runq_ns);
	for (int e = 0; e < PERF_EVENT_MAX; e++) {
		SUB(ev_count[e]);
		SUB(ev_ns[e]);
	}
	SUB(sys_errors);
	SUB(faults_in_sys);
	SUB(irqs_in_sys);
	SUB(io_reqs);
	SUB(io_read_bytes);
	SUB(io_write_bytes);
	SUB(io_ns);
	SUB(ipc_sent);
	SUB(ipc_received);
	SUB(ipc_latency_ns);
#undef SUB
	if (!x->io_reqs)
		x->io_max_ns = 0;
	x->vm_first_pages = b->vm_pages;
}

/*
 * The thread records since the last reset: records of threads that had
 * exited by then are left out, the others less their figures then. Also
 * the number of records present in the kernel (*ret_live) and how many of
 * them are in tasks_hi.
 */
static int read_tasks(struct pa_resources *r, struct rec **ret, size_t *ret_n, size_t *ret_live,
		      size_t *ret_hi_live, uint64_t *ret_busy, uint64_t *ret_idle)
{
	struct rec *a;
	size_t n, m = 0;
	int err = read_tasks_raw(r, &a, &n, ret_hi_live, ret_busy, ret_idle);

	if (err < 0)
		return err;
	*ret_live = n;
	for (size_t i = 0; i < n; i++) {
		const struct rec *b = r->base.n ? bsearch(&a[i], r->base.tasks, r->base.n, sizeof(*a), cmp_tid) : NULL;

		if (b && b->t.start_ns == a[i].t.start_ns && b->t.tgid == a[i].t.tgid) {
			if (b->t.exit_ns)
				continue;
			rec_sub(&a[i].t, &b->t);
		}
		a[m++] = a[i];
	}
	*ret = a;
	*ret_n = m;
	return 0;
}

/*
 * Records lost so far (raw counters c): array slots of exited threads
 * reused by new threads, and tasks_hi evictions (the kernel does not report
 * LRU evictions: insertions minus live records, insertions read before the
 * walk that counts the live ones; a record created during the walk, about a
 * millisecond, can hide one eviction, never invent one).
 */
static uint64_t lost_raw(const uint64_t c[PA_RES_C_MAX], size_t hi_live)
{
	uint64_t hi_ins = c[PA_RES_C_TASK_HI_INSERT];

	return c[PA_RES_C_TASK_REUSED] + (hi_ins > hi_live ? hi_ins - hi_live : 0);
}

int pa_resources_reset(struct pa_resources *r)
{
	uint64_t c[PA_RES_C_MAX], busy, idle;
	struct rec *a;
	size_t n, hi;

	if (clear_map(bpf_map__fd(r->skel->maps.pairs), sizeof(struct pa_res_pair_key), PA_RES_PAIRS_MAX) < 0 ||
	    clear_map(bpf_map__fd(r->skel->maps.msgs), sizeof(uint64_t), PA_RES_CHANNELS_MAX) < 0)
		return -ENOMEM;
	/*
	 * The arrays are the programs' to write: rather than zeroing them under
	 * their feet, remember the figures now and subtract them from later reads.
	 */
	read_counters_raw(r, c);
	if (read_tasks_raw(r, &a, &n, &hi, &busy, &idle) < 0)
		return -ENOMEM;
	free(r->base.tasks);
	r->base.tasks = a;
	r->base.n = n;
	memcpy(r->base.counters, c, sizeof(c));
	r->base.lost = lost_raw(c, hi);
	memset(r->base.sys, 0, sizeof(r->base.sys));
	for (uint32_t nr = 0; nr < PA_RES_SYSCALL_NR_MAX; nr++)
		read_sys(r, nr, &r->base.sys[nr]);
	r->since_ns = now_ns();
	return 0;
}

/* A process or thread row of `top`. */
struct row {
	uint32_t pid, tid;
	char comm[16];
	unsigned int threads, exited;
	bool leader_seen;
	uint64_t start_ns;
	struct pa_res_task sum;
	uint64_t vm_first, vm_pages, vm_peak;
	uint64_t key;
};

static void row_add(struct row *w, const struct rec *x)
{
	const struct pa_res_task *t = &x->t;

	w->threads++;
	if (t->exit_ns)
		w->exited++;
	if (!w->comm[0] || x->tid == t->tgid) {
		memcpy(w->comm, t->comm, sizeof(w->comm));
		w->comm[15] = '\0';
	}
	if (!w->start_ns || (t->start_ns && t->start_ns < w->start_ns))
		w->start_ns = t->start_ns;
	w->sum.cpu_ns += t->cpu_ns;
	w->sum.switches_in += t->switches_in;
	w->sum.voluntary += t->voluntary;
	w->sum.runq_ns += t->runq_ns;
	for (int e = 0; e < PERF_EVENT_MAX; e++) {
		w->sum.ev_count[e] += t->ev_count[e];
		w->sum.ev_ns[e] += t->ev_ns[e];
	}
	w->sum.sys_errors += t->sys_errors;
	w->sum.faults_in_sys += t->faults_in_sys;
	w->sum.irqs_in_sys += t->irqs_in_sys;
	w->sum.io_reqs += t->io_reqs;
	w->sum.io_read_bytes += t->io_read_bytes;
	w->sum.io_write_bytes += t->io_write_bytes;
	w->sum.io_ns += t->io_ns;
	if (t->io_max_ns > w->sum.io_max_ns)
		w->sum.io_max_ns = t->io_max_ns;
	w->sum.ipc_sent += t->ipc_sent;
	w->sum.ipc_received += t->ipc_received;
	w->sum.ipc_latency_ns += t->ipc_latency_ns;
	if (t->vm_first_pages && (!w->vm_first || t->vm_first_pages < w->vm_first))
		w->vm_first = t->vm_first_pages;
	if (t->vm_pages > w->vm_pages)
		w->vm_pages = t->vm_pages;
	if (t->vm_peak_pages > w->vm_peak)
		w->vm_peak = t->vm_peak_pages;
}

static uint64_t events_total(const struct pa_res_task *t)
{
	uint64_t s = 0;

	for (int e = 0; e < PERF_EVENT_MAX; e++)
		s += t->ev_count[e];
	return s;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static const char *const by_names[PA_TOP_MAX] = { "cpu", "events", "io", "mem", "event" };

const char *pa_top_by_name(enum pa_top_by by)
{
	return by < PA_TOP_MAX ? by_names[by] : "?";
}

int pa_top_by_lookup(const char *name)
{
	for (int i = 0; i < PA_TOP_MAX; i++)
		if (strcmp(name, by_names[i]) == 0)
			return i;
	return -EINVAL;
}

static int64_t rss_kb(uint32_t pid, long page_kb)
{
	char path[64];
	unsigned long size, res;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%u/statm", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fscanf(f, "%lu %lu", &size, &res) == 2;
	fclose(f);
	return ok ? (int64_t)res * page_kb : -1;
}

/*
 * The account of the thread records since the reset (raw: counters as in the
 * kernel, c: since the reset, read before the walk that found live records,
 * hi_live of them in tasks_hi). `evicted` is every record lost: slots of
 * exited threads taken over by a new thread with the same id (`reused`),
 * and tasks_hi evictions. Below pid_max every thread has its slot, so
 * nothing is evicted for lack of room, only for reuse of an id.
 */
static json_t *task_table_json(struct pa_resources *r, const uint64_t raw[PA_RES_C_MAX],
			       const uint64_t c[PA_RES_C_MAX], size_t live, size_t hi_live)
{
	uint64_t lost = lost_raw(raw, hi_live);

	lost = lost > r->base.lost ? lost - r->base.lost : 0;
	return json_pack("{sI sI sI sI sI sI sI sI sI sI sI}",
			 "capacity", (json_int_t)(r->slots + (r->hi_needed ? r->hi_max : 0)),
			 "live", (json_int_t)live, "inserted", (json_int_t)c[PA_RES_C_TASK_INSERT],
			 "evicted", (json_int_t)lost, "no_space", (json_int_t)c[PA_RES_C_TASK_NOSPACE],
			 "slots", (json_int_t)r->slots, "reused", (json_int_t)c[PA_RES_C_TASK_REUSED],
			 "overflow_capacity", (json_int_t)r->hi_max, "overflow_live", (json_int_t)hi_live,
			 "stale", (json_int_t)c[PA_RES_C_TASK_STALE],
			 "syscalls_unowned", (json_int_t)c[PA_RES_C_SYS_UNOWNED]);
}

/*
 * A bounded LRU table's account. The kernel does not report LRU evictions;
 * they are insertions minus live records, with insertions read before the
 * walk that counts the live ones. Exact on a quiet table; a record created
 * during the walk (about a millisecond) can hide one eviction, never invent
 * one.
 */
static json_t *table_json(uint64_t capacity, uint64_t live, uint64_t inserted, uint64_t nospace)
{
	return json_pack("{sI sI sI sI sI}", "capacity", (json_int_t)capacity, "live", (json_int_t)live,
			 "inserted", (json_int_t)inserted,
			 "evicted", (json_int_t)(inserted > live ? inserted - live : 0),
			 "no_space", (json_int_t)nospace);
}

static json_t *row_json(struct pa_resources *r, const struct row *w, bool threads, uint64_t now)
{
	const struct pa_res_task *t = &w->sum;
	uint64_t from = w->start_ns > r->since_ns ? w->start_ns : r->since_ns;
	double span = now > from ? (double)(now - from) : 0;
	json_t *o, *ev = json_object();
	int64_t rss = w->exited < w->threads ? rss_kb(w->pid, r->page_kb) : -1;

	for (unsigned int e = 0; ev && e < PERF_EVENT_MAX; e++) {
		if (!t->ev_count[e])
			continue;
		json_object_set_new(ev, pa_event_name(NULL, e),
				    json_pack("{sI sI}", "count", (json_int_t)t->ev_count[e], "ns",
					      (json_int_t)t->ev_ns[e]));
	}
	o = json_pack("{sI sI ss sI sb sI sf sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI so}",
		      "pid", (json_int_t)w->pid, "tid", (json_int_t)(threads ? w->tid : 0), "comm", w->comm,
		      "threads", (json_int_t)w->threads, "alive", w->exited < w->threads,
		      "cpu_ns", (json_int_t)t->cpu_ns,
		      "cpu_pct", span > 0 ? 100.0 * (double)t->cpu_ns / span : 0.0,
		      "switches", (json_int_t)t->switches_in, "voluntary", (json_int_t)t->voluntary,
		      "runq_ns", (json_int_t)t->runq_ns, "events", (json_int_t)events_total(t),
		      "syscalls", (json_int_t)t->ev_count[PERF_EVENT_SYSCALL],
		      "syscall_errors", (json_int_t)t->sys_errors,
		      "faults", (json_int_t)t->ev_count[PERF_EVENT_PAGE_FAULT],
		      "faults_in_syscalls", (json_int_t)t->faults_in_sys,
		      "irqs_in_syscalls", (json_int_t)t->irqs_in_sys,
		      "io_reqs", (json_int_t)t->io_reqs, "io_read_bytes", (json_int_t)t->io_read_bytes,
		      "io_write_bytes", (json_int_t)t->io_write_bytes, "io_ns", (json_int_t)t->io_ns,
		      "io_max_ns", (json_int_t)t->io_max_ns,
		      "ipc_sent", (json_int_t)t->ipc_sent, "ipc_received", (json_int_t)t->ipc_received,
		      "vm_kb", (json_int_t)(w->vm_pages * (uint64_t)r->page_kb),
		      "vm_peak_kb", (json_int_t)(w->vm_peak * (uint64_t)r->page_kb),
		      "vm_growth_kb", (json_int_t)((int64_t)(w->vm_pages - w->vm_first) * r->page_kb),
		      "rss_kb", (json_int_t)rss, "by_event", ev);
	return o;
}

json_t *pa_resources_top(struct pa_resources *r, enum pa_top_by by, unsigned int event, unsigned int n,
			 bool threads, uint32_t pid)
{
	uint64_t raw[PA_RES_C_MAX], c[PA_RES_C_MAX], busy, idle, now;
	struct rec *a = NULL;
	struct row *rows = NULL;
	size_t na = 0, nr = 0, live, hi_live;
	json_t *res = NULL, *list;

	read_counters_raw(r, raw); /* before the walk: see table_json() */
	counters_since(r, raw, c);
	if (read_tasks(r, &a, &na, &live, &hi_live, &busy, &idle) < 0)
		return NULL;
	now = now_ns();
	rows = calloc(na ? na : 1, sizeof(*rows));
	if (!rows)
		goto out;
	for (size_t i = 0; i < na; i++) {
		uint32_t id = threads ? a[i].tid : a[i].t.tgid;
		size_t j;

		if (pid && a[i].t.tgid != pid)
			continue;
		/* processes: group by tgid (O(n * groups); a few thousand records at most matter here) */
		for (j = 0; j < nr; j++)
			if ((threads ? rows[j].tid : rows[j].pid) == id)
				break;
		if (j == nr) {
			rows[nr].pid = a[i].t.tgid;
			rows[nr].tid = a[i].tid;
			nr++;
		}
		row_add(&rows[j], &a[i]);
	}
	for (size_t j = 0; j < nr; j++) {
		const struct pa_res_task *t = &rows[j].sum;

		switch (by) {
		case PA_TOP_CPU: rows[j].key = t->cpu_ns; break;
		case PA_TOP_EVENTS: rows[j].key = events_total(t); break;
		case PA_TOP_IO: rows[j].key = t->io_read_bytes + t->io_write_bytes; break;
		case PA_TOP_MEM: rows[j].key = rows[j].vm_pages; break;
		default:
			rows[j].key = event < PERF_EVENT_MAX ? (t->ev_ns[event] ? t->ev_ns[event] : t->ev_count[event]) : 0;
			break;
		}
	}
	qsort(rows, nr, sizeof(*rows), cmp_row);
	list = json_array();
	for (size_t j = 0; list && j < nr && j < n; j++) {
		if (!rows[j].key)
			break;
		json_array_append_new(list, row_json(r, &rows[j], threads, now));
	}
	res = json_pack("{ss sI sb sI sI sI sI so so sI s{sI sI sI sI sI}}",
			"by", by == PA_TOP_EVENT ? (event < PERF_EVENT_MAX ? pa_event_name(NULL, event) : "?")
						 : pa_top_by_name(by),
			"event", (json_int_t)(by == PA_TOP_EVENT ? (int)event : -1), "threads", threads,
			"since_ns", (json_int_t)r->since_ns, "now_ns", (json_int_t)now,
			"cpu_busy_ns", (json_int_t)busy, "cpu_idle_ns", (json_int_t)idle,
			"rows", list,
			"table", task_table_json(r, raw, c, live, hi_live),
			"matched", (json_int_t)nr,
			"io", "requests", (json_int_t)c[PA_RES_C_RQ_DONE], "unmatched", (json_int_t)c[PA_RES_C_RQ_UNMATCHED],
			"read_bytes", (json_int_t)c[PA_RES_C_IO_BYTES_READ],
			"write_bytes", (json_int_t)c[PA_RES_C_IO_BYTES_WRITE], "ns", (json_int_t)c[PA_RES_C_IO_NS]);
	if (res && r->n_unattached) {
		json_t *u = json_array();

		for (unsigned int i = 0; u && i < r->n_unattached; i++)
			json_array_append_new(u, json_string(r->unattached[i]));
		json_object_set_new(res, "unattached", u);
	}
out:
	free(rows);
	free(a);
	return res;
}

static const struct rec *find_rec(const struct rec *a, size_t n, uint32_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].tid == tid)
			return &a[i];
	return NULL;
}

struct pair {
	struct pa_res_pair_key k;
	struct pa_res_pair v;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return x->v.count != y->v.count ? (x->v.count < y->v.count ? 1 : -1) : 0;
}

struct sysrow {
	uint32_t nr;
	struct pa_res_sys s;
};

static int cmp_sys(const void *a, const void *b)
{
	const struct sysrow *x = a, *y = b;
	uint64_t kx = x->s.faults + x->s.irqs + x->s.softirqs, ky = y->s.faults + y->s.irqs + y->s.softirqs;

	return kx != ky ? (kx < ky ? 1 : -1) : (x->nr > y->nr) - (x->nr < y->nr);
}

static int cmp_runq(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->t.runq_ns != y->t.runq_ns ? (x->t.runq_ns < y->t.runq_ns ? 1 : -1) : 0;
}

static int cmp_exit(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->t.exit_ns != y->t.exit_ns ? (x->t.exit_ns < y->t.exit_ns ? 1 : -1) : 0;
}

static const char *comm_of(const struct rec *a, size_t n, uint32_t tid)
{
	const struct rec *x = find_rec(a, n, tid);

	return x ? x->t.comm : "";
}

json_t *pa_resources_correlate(struct pa_resources *r, unsigned int n, uint32_t pid)
{
	uint64_t raw[PA_RES_C_MAX], c[PA_RES_C_MAX], busy, idle;
	struct rec *a = NULL, *sel = NULL;
	struct pair *pairs = NULL;
	struct sysrow sys[PA_RES_SYSCALL_NR_MAX];
	size_t na = 0, np = 0, np_all = 0, ns = 0, nsel = 0, cap = 256, live, hi_live;
	struct pa_res_pair_key pk, *prev = NULL;
	int fd = bpf_map__fd(r->skel->maps.pairs);
	json_t *res = NULL, *jp, *js, *jr, *jl;

	read_counters_raw(r, raw); /* before the walks: see table_json() */
	counters_since(r, raw, c);
	if (read_tasks(r, &a, &na, &live, &hi_live, &busy, &idle) < 0)
		return NULL;
	pairs = malloc(cap * sizeof(*pairs));
	sel = malloc((na ? na : 1) * sizeof(*sel));
	if (!pairs || !sel)
		goto out;
	while (bpf_map_get_next_key(fd, prev, &pk) == 0) {
		struct pa_res_pair_key k = pk;

		prev = &pk;
		if (np == cap) {
			struct pair *b = realloc(pairs, 2 * cap * sizeof(*pairs));

			if (!b)
				goto out;
			pairs = b;
			cap *= 2;
		}
		if (bpf_map_lookup_elem(fd, &k, &pairs[np].v) < 0)
			continue;
		pairs[np].k = k;
		np_all++;
		if (pid && pairs[np].v.sender_tgid != pid && pairs[np].v.receiver_tgid != pid)
			continue;
		np++;
	}
	qsort(pairs, np, sizeof(*pairs), cmp_pair);
	jp = json_array();
	for (size_t i = 0; jp && i < np && i < n; i++) {
		const struct pa_res_pair *v = &pairs[i].v;

		json_array_append_new(jp, json_pack("{sI sI ss sI sI ss ss sI sI sI sI sI sI sI sI}",
			"sender_pid", (json_int_t)v->sender_tgid, "sender_tid", (json_int_t)pairs[i].k.sender_tid,
			"sender_comm", comm_of(a, na, pairs[i].k.sender_tid),
			"receiver_pid", (json_int_t)v->receiver_tgid, "receiver_tid", (json_int_t)pairs[i].k.receiver_tid,
			"receiver_comm", comm_of(a, na, pairs[i].k.receiver_tid),
			"channel", v->is_socket ? "unix" : "pipe",
			"messages", (json_int_t)v->count, "woken", (json_int_t)v->woken,
			"coalesced", (json_int_t)v->coalesced,
			"latency_avg_ns", (json_int_t)(v->count ? v->latency_ns / v->count : 0),
			"latency_min_ns", (json_int_t)v->min_ns, "latency_max_ns", (json_int_t)v->max_ns,
			"latency_total_ns", (json_int_t)v->latency_ns,
			"wake_to_receive_avg_ns", (json_int_t)(v->woken ? v->wake_ns / v->woken : 0)));
	}

	/* faults and interrupts inside syscalls: system-wide per syscall number (not per process) */
	for (uint32_t nr = 0; nr < PA_RES_SYSCALL_NR_MAX; nr++) {
		struct pa_res_sys s;

		read_sys(r, nr, &s);
		if (s.faults || s.irqs || s.softirqs)
			sys[ns++] = (struct sysrow){ nr, s };
	}
	qsort(sys, ns, sizeof(*sys), cmp_sys);
	js = json_array();
	for (size_t i = 0; js && i < ns && i < n; i++) {
		const char *name = syscall_names[sys[i].nr];

		json_array_append_new(js, json_pack("{sI ss sI sI sI}", "nr", (json_int_t)sys[i].nr,
			"name", name ? name : "?", "faults", (json_int_t)sys[i].s.faults,
			"irqs", (json_int_t)sys[i].s.irqs, "softirqs", (json_int_t)sys[i].s.softirqs));
	}

	/* a process's own threads, and for lifetimes also the processes it created */
	for (size_t i = 0; i < na; i++)
		if (!pid || a[i].t.tgid == pid || a[i].t.ppid == pid)
			sel[nsel++] = a[i];
	qsort(sel, nsel, sizeof(*sel), cmp_runq);
	jr = json_array();
	for (size_t i = 0; jr && i < nsel && i < n && sel[i].t.runq_ns; i++) {
		const struct pa_res_task *t = &sel[i].t;

		json_array_append_new(jr, json_pack("{sI sI ss sI sI sI sI sI sI}", "pid", (json_int_t)t->tgid,
			"tid", (json_int_t)sel[i].tid, "comm", t->comm, "switches", (json_int_t)t->switches_in,
			"runq_ns", (json_int_t)t->runq_ns,
			"runq_avg_ns", (json_int_t)(t->switches_in ? t->runq_ns / t->switches_in : 0),
			"faults_in_syscalls", (json_int_t)t->faults_in_sys, "irqs_in_syscalls", (json_int_t)t->irqs_in_sys,
			"ipc_latency_avg_ns", (json_int_t)(t->ipc_received ? t->ipc_latency_ns / t->ipc_received : 0)));
	}
	qsort(sel, nsel, sizeof(*sel), cmp_exit);
	jl = json_array();
	for (size_t i = 0; jl && i < nsel && i < n && sel[i].t.exit_ns; i++) {
		const struct pa_res_task *t = &sel[i].t;

		json_array_append_new(jl, json_pack("{sI sI sI ss sb sb sI sI sI}", "pid", (json_int_t)t->tgid,
			"tid", (json_int_t)sel[i].tid, "ppid", (json_int_t)t->ppid, "comm", t->comm,
			"thread", (t->flags & PA_RES_F_THREAD) != 0,
			"created_while_tracking", (t->flags & PA_RES_F_SEEN_CREATE) != 0,
			"start_ns", (json_int_t)t->start_ns, "exit_ns", (json_int_t)t->exit_ns,
			"lifetime_ns", (json_int_t)(t->exit_ns > t->start_ns ? t->exit_ns - t->start_ns : 0)));
	}
	res = json_pack("{sI s{sI sI sI sI sI sI sI sI} so s{sI sI sI sI} so so so so so}",
		"pid", (json_int_t)pid,
		"ipc", "sent", (json_int_t)c[PA_RES_C_MSG_SENT], "linked", (json_int_t)c[PA_RES_C_MSG_LINKED],
		"woken", (json_int_t)c[PA_RES_C_MSG_WOKEN], "coalesced", (json_int_t)c[PA_RES_C_MSG_COALESCED],
		"unlinked", (json_int_t)c[PA_RES_C_MSG_UNLINKED], "failed", (json_int_t)c[PA_RES_C_MSG_FAILED],
		"no_channel", (json_int_t)c[PA_RES_C_MSG_NOKEY], "pairs_matched", (json_int_t)np,
		"pairs", jp,
		"faults_irqs", "faults", (json_int_t)c[PA_RES_C_FAULTS],
		"faults_in_syscalls", (json_int_t)c[PA_RES_C_FAULTS_IN_SYS], "irqs", (json_int_t)c[PA_RES_C_IRQS],
		"irqs_in_syscalls", (json_int_t)c[PA_RES_C_IRQS_IN_SYS],
		"syscalls", js, "runq", jr, "lifetimes", jl,
		"task_table", task_table_json(r, raw, c, live, hi_live),
		"pair_table", table_json(PA_RES_PAIRS_MAX, np_all, c[PA_RES_C_PAIR_INSERT], 0));
out:
	free(pairs);
	free(sel);
	free(a);
	return res;
}
