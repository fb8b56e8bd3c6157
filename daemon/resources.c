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
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "events.h"
#include "resources.h"
#include "../bpf/resources.h"
#include "bpf/resources.skel.h"

#define N_PROGS 16

struct pa_resources {
	struct resources_bpf *skel;
	struct bpf_link *links[N_PROGS];
	const char *unattached[N_PROGS];
	unsigned int n_unattached;
	int ncpu;
	uint64_t since_ns; /* load or last reset, CLOCK_MONOTONIC */
	long page_kb;
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

int pa_resources_open(struct pa_resources **ret, const char **ret_why)
{
	struct pa_resources *r;
	struct bpf_program *p;
	unsigned int i = 0;
	int err;

	*ret_why = NULL;
	if (geteuid() != 0) {
		*ret_why = "resource tracking needs root (CAP_BPF and CAP_PERFMON)";
		return -EPERM;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ncpu = libbpf_num_possible_cpus();
	r->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	libbpf_set_print(silent_print);
	r->skel = resources_bpf__open_and_load();
	libbpf_set_print(NULL);
	if (!r->skel || r->ncpu <= 0) {
		err = -errno;
		*ret_why = "cannot load the resource-tracking eBPF programs (tp_btf with BTF needed)";
		pa_resources_free(r);
		return err < 0 ? err : -ENOSYS;
	}
	/* attach one by one: a hook this kernel lacks is reported, not fatal */
	bpf_object__for_each_program(p, r->skel->obj) {
		if (i >= N_PROGS)
			break;
		r->links[i] = bpf_program__attach(p);
		if (!r->links[i]) {
			r->links[i] = NULL;
			r->unattached[r->n_unattached++] = bpf_program__name(p);
		}
		i++;
	}
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
	resources_bpf__destroy(r->skel);
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

int pa_resources_reset(struct pa_resources *r)
{
	size_t vsz = sizeof(struct pa_res_sys) > sizeof(uint64_t) ? sizeof(struct pa_res_sys) : sizeof(uint64_t);
	void *zero = calloc((size_t)r->ncpu, vsz);

	if (!zero)
		return -ENOMEM;
	if (clear_map(bpf_map__fd(r->skel->maps.tasks), sizeof(uint32_t), PA_RES_TASKS_MAX) < 0 ||
	    clear_map(bpf_map__fd(r->skel->maps.pairs), sizeof(struct pa_res_pair_key), PA_RES_PAIRS_MAX) < 0 ||
	    clear_map(bpf_map__fd(r->skel->maps.msgs), sizeof(uint64_t), PA_RES_CHANNELS_MAX) < 0) {
		free(zero);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < PA_RES_C_MAX; k++)
		(void)bpf_map_update_elem(bpf_map__fd(r->skel->maps.counters), &k, zero, BPF_ANY);
	for (uint32_t k = 0; k < PA_RES_SYSCALL_NR_MAX; k++)
		(void)bpf_map_update_elem(bpf_map__fd(r->skel->maps.sys_attr), &k, zero, BPF_ANY);
	free(zero);
	r->since_ns = now_ns();
	return 0;
}

static void read_counters(struct pa_resources *r, uint64_t c[PA_RES_C_MAX])
{
	uint64_t v[r->ncpu];

	for (uint32_t k = 0; k < PA_RES_C_MAX; k++) {
		c[k] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.counters), &k, v) == 0)
			for (int i = 0; i < r->ncpu; i++)
				c[k] += v[i];
	}
}

struct rec {
	uint32_t tid;
	struct pa_res_task t;
};

/* Every thread record, with the running threads' current stretch added. */
static int read_tasks(struct pa_resources *r, struct rec **ret, size_t *ret_n, uint64_t *ret_busy,
		      uint64_t *ret_idle)
{
	int fd = bpf_map__fd(r->skel->maps.tasks);
	size_t n = 0, cap = 1024;
	struct rec *a = malloc(cap * sizeof(*a));
	struct pa_res_cpu cpus[r->ncpu];
	uint32_t key, next, zero = 0;
	uint64_t now = now_ns(), busy = 0, idle = 0;
	void *prev = NULL;

	if (!a)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (n == cap) {
			struct rec *b = realloc(a, 2 * cap * sizeof(*a));

			if (!b) {
				free(a);
				return -ENOMEM;
			}
			a = b;
			cap *= 2;
		}
		if (bpf_map_lookup_elem(fd, &key, &a[n].t) == 0) {
			a[n].tid = key;
			n++;
		}
	}
	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.cpu_state), &zero, cpus) == 0) {
		for (int c = 0; c < r->ncpu; c++) {
			uint64_t d = cpus[c].since && now > cpus[c].since ? now - cpus[c].since : 0;

			busy += cpus[c].busy_ns;
			idle += cpus[c].idle_ns;
			if (!cpus[c].since)
				continue;
			if (!cpus[c].curr_tid) {
				idle += d;
				continue;
			}
			busy += d;
			for (size_t i = 0; i < n; i++)
				if (a[i].tid == cpus[c].curr_tid) {
					a[i].t.cpu_ns += d;
					break;
				}
		}
	}
	*ret = a;
	*ret_n = n;
	*ret_busy = busy;
	*ret_idle = idle;
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
	uint64_t c[PA_RES_C_MAX], busy, idle, now;
	struct rec *a = NULL;
	struct row *rows = NULL;
	size_t na = 0, nr = 0;
	json_t *res = NULL, *list;

	read_counters(r, c); /* before the walk: see table_json() */
	if (read_tasks(r, &a, &na, &busy, &idle) < 0)
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
			"table", table_json(PA_RES_TASKS_MAX, na, c[PA_RES_C_TASK_INSERT], c[PA_RES_C_TASK_NOSPACE]),
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
	uint64_t c[PA_RES_C_MAX], busy, idle;
	struct rec *a = NULL, *sel = NULL;
	struct pair *pairs = NULL;
	struct sysrow sys[PA_RES_SYSCALL_NR_MAX];
	struct pa_res_sys pcpu[r->ncpu];
	size_t na = 0, np = 0, np_all = 0, ns = 0, nsel = 0, cap = 256;
	struct pa_res_pair_key pk, *prev = NULL;
	int fd = bpf_map__fd(r->skel->maps.pairs);
	json_t *res = NULL, *jp, *js, *jr, *jl;

	read_counters(r, c); /* before the walks: see table_json() */
	if (read_tasks(r, &a, &na, &busy, &idle) < 0)
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
		struct pa_res_sys s = { 0 };

		if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.sys_attr), &nr, pcpu) < 0)
			continue;
		for (int i = 0; i < r->ncpu; i++) {
			s.faults += pcpu[i].faults;
			s.irqs += pcpu[i].irqs;
			s.softirqs += pcpu[i].softirqs;
		}
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
		"task_table", table_json(PA_RES_TASKS_MAX, na, c[PA_RES_C_TASK_INSERT], c[PA_RES_C_TASK_NOSPACE]),
		"pair_table", table_json(PA_RES_PAIRS_MAX, np_all, c[PA_RES_C_PAIR_INSERT], 0));
out:
	free(pairs);
	free(sel);
	free(a);
	return res;
}
