/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * collector.c - loads bpf/capture.bpf.c through its skeleton, probes what the
 * kernel offers, attaches one program per tracepoint as the event mask needs
 * it, rewrites the run-time configuration in the program's .data map, sums
 * per-CPU statistics and drains the sample ring buffer.
 *
 * Reading statistics costs two map lookups per slot and one per CPU
 * (ncpu x 11 KiB copied); nothing here runs per event.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "resources.h"
#include "../bpf/capture.h"
#include "bpf/capture.skel.h"

#define BIT(e) (1u << (e))
#define ALL_EVENTS ((1u << PERF_EVENT_MAX) - 1)
#define SAMPLE_RECORD_BYTES (sizeof(struct perf_sample) + 8) /* ring records carry an 8-byte header */
#define BUFFER_SAMPLES_MAX (1u << 24)
#define WHY_LEN 160

enum hook {
	H_SYS_ENTER, H_SYS_EXIT, H_SWITCH, H_NEWTASK, H_EXIT,
	H_IRQ_ENTRY, H_IRQ_EXIT, H_SOFTIRQ_ENTRY, H_SOFTIRQ_EXIT, H_PF_USER, H_PF_KERNEL, H_MAX,
};

#define SYS_EVENTS (BIT(PERF_EVENT_SYSCALL) | BIT(PERF_EVENT_IPC_SEND) | BIT(PERF_EVENT_IPC_RECEIVE) | \
	BIT(PERF_EVENT_VM_ALLOC) | BIT(PERF_EVENT_VM_FREE))
#define CREATE_EVENTS (BIT(PERF_EVENT_TASK_CREATE) | BIT(PERF_EVENT_THREAD_CREATE))
#define EXIT_EVENTS (BIT(PERF_EVENT_TASK_TERMINATE) | BIT(PERF_EVENT_THREAD_TERMINATE))

/*
 * Each hook: its tracepoint, the events that need it attached, and whether
 * it runs resource tracking's part too (bpf/resources-sys.h), which needs it
 * attached whatever the events while the collector carries that part.
 */
static const struct {
	const char *tp;
	uint32_t events;
	bool res;
} hooks[H_MAX] = {
	[H_SYS_ENTER] = { "sys_enter", SYS_EVENTS, true },
	[H_SYS_EXIT] = { "sys_exit", SYS_EVENTS, true },
	/* also moves a syscall in flight from the CPU's state to its thread's slot */
	[H_SWITCH] = { "sched_switch", BIT(PERF_EVENT_CONTEXT_SWITCH) | CREATE_EVENTS | SYS_EVENTS, true },
	/* also keeps per-thread slots clean for every event that uses them */
	[H_NEWTASK] = { "task_newtask", CREATE_EVENTS | SYS_EVENTS, false },
	[H_EXIT] = { "sched_process_exit", EXIT_EVENTS, false },
	[H_IRQ_ENTRY] = { "irq_handler_entry", BIT(PERF_EVENT_INTERRUPT), true },
	[H_IRQ_EXIT] = { "irq_handler_exit", BIT(PERF_EVENT_INTERRUPT), false },
	[H_SOFTIRQ_ENTRY] = { "softirq_entry", BIT(PERF_EVENT_INTERRUPT), true },
	[H_SOFTIRQ_EXIT] = { "softirq_exit", BIT(PERF_EVENT_INTERRUPT), false },
	[H_PF_USER] = { "page_fault_user", BIT(PERF_EVENT_PAGE_FAULT), true },
	[H_PF_KERNEL] = { "page_fault_kernel", BIT(PERF_EVENT_PAGE_FAULT), true },
};

struct pa_collector {
	struct pa_collector_config cfg;
	struct pa_res_maps res;  /* resource tracking's maps, when has_res */
	bool has_res;
	bool carry_res;          /* the programs on the shared hooks do resource tracking's part now */
	struct pa_collector_features features;
	char why[PERF_EVENT_MAX][WHY_LEN];
	struct capture_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_program *prog[H_MAX];
	struct bpf_link *link[H_MAX];
	bool loadable[H_MAX];   /* its tracepoint exists in this kernel's BTF */
	int stats_fd;           /* from bpf_enable_stats(), -1 when not held */
	int ncpu;
	struct pa_capture_config kcfg;       /* what the config map holds */
	struct pa_bpf_hist *percpu_hist;      /* lookup buffers, ncpu entries */
	struct pa_bpf_syscall_stats *percpu_sys;
	/* statistics of earlier incarnations of the programs (ring resize reloads) */
	struct pa_bpf_stats carry[PA_SLOT_MAX];
	struct pa_bpf_syscall_stats carry_sys[PA_SYSCALL_NR_MAX];
	pa_sample_fn drain_fn;
	void *drain_userdata;
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's verifier logs help only developers: PA_BPF_DEBUG=1 shows them */
	if (getenv("PA_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static uint64_t ring_bytes(uint32_t samples)
{
	uint64_t want = (uint64_t)samples * SAMPLE_RECORD_BYTES, size = (uint64_t)sysconf(_SC_PAGESIZE);

	while (size < want)
		size <<= 1;
	return size;
}

/*
 * Thread ids below this get an array slot (64 bytes each): pid_max, at most
 * 256 Ki slots (16 MiB); larger ids fall back to task-local storage.
 */
static uint32_t tid_slots(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	unsigned long v = 32768;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 32768;
		fclose(f);
	}
	if (v > (1ul << 18))
		v = 1ul << 18;
	if (v < 1024)
		v = 1024;
	return (uint32_t)v;
}

static void set_why(struct pa_collector *c, uint32_t events, const char *fmt, ...)
{
	char buf[WHY_LEN];
	va_list ap;
	unsigned int e;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (e = 0; e < PERF_EVENT_MAX; e++) {
		if (!(events & BIT(e)) || !c->features.event_available[e])
			continue;
		c->features.event_available[e] = false;
		snprintf(c->why[e], WHY_LEN, "%s", buf);
		c->features.event_why[e] = c->why[e];
	}
}

static bool read_bpf_stats_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

/* Write c->kcfg into element 0 of the hot map. */
static int write_kcfg(struct pa_collector *c)
{
	union pa_bpf_hot v;
	uint32_t zero = 0;

	memset(&v, 0, sizeof(v));
	v.cfg = c->kcfg;
	if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.hot), &zero, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Copy the configuration into the programs' hot map (live, no reload). */
static int push_config(struct pa_collector *c, const struct pa_collector_config *cfg, bool rate_changed)
{
	struct pa_capture_config *k = &c->kcfg;
	uint32_t flags = 0;
	int r;

	if (cfg->filter_tgid || cfg->filter_tid || cfg->filter_comm[0])
		flags |= PA_CFG_FILTER;
	if (cfg->filter_tgid && cfg->filter_children)
		flags |= PA_CFG_FOLLOW_CHILDREN;
	if (cfg->filter_comm[0])
		flags |= PA_CFG_FILTER_COMM;
	/* clear the filter flag first so no program sees a half-written filter as "filter on" */
	k->flags = 0;
	r = write_kcfg(c);
	if (r < 0)
		return r;
	k->filter_tgid = cfg->filter_tgid;
	k->filter_tid = cfg->filter_tid;
	memcpy(k->filter_comm, cfg->filter_comm, sizeof(k->filter_comm));
	k->sample_rate = cfg->sample_rate;
	k->wakeup_bytes = ring_bytes(cfg->buffer_samples) / 4;
	k->event_mask = cfg->event_mask;
	k->resources = c->carry_res;
	k->filter_gen++;
	if (rate_changed)
		k->generation++;
	r = write_kcfg(c);
	if (r < 0)
		return r;
	k->flags = flags;
	return write_kcfg(c);
}

static uint32_t hook_needed(const struct pa_collector *c, const struct pa_collector_config *cfg, enum hook h)
{
	uint32_t need = hooks[h].events & cfg->event_mask;

	if (c->carry_res && hooks[h].res)
		need |= 1;

	/* following children through fork needs fork and exit, whatever the mask */
	if (cfg->filter_tgid && cfg->filter_children && (h == H_NEWTASK || h == H_EXIT))
		need |= 1;
	return need;
}

/*
 * Attach order: sched_switch before sys_enter, and detach in reverse, so that
 * no syscall start is ever left in a CPU's state without the hook that moves
 * it out when its thread is switched out (bpf/capture.bpf.c relies on that
 * instead of tagging the state with the thread's id).
 */
static const enum hook attach_order[H_MAX] = {
	H_SWITCH, H_NEWTASK, H_EXIT, H_SYS_ENTER, H_SYS_EXIT,
	H_IRQ_ENTRY, H_IRQ_EXIT, H_SOFTIRQ_ENTRY, H_SOFTIRQ_EXIT, H_PF_USER, H_PF_KERNEL,
};

/* Attach what the mask needs and detach the rest (detached hooks cost nothing). */
static void sync_links(struct pa_collector *c, const struct pa_collector_config *cfg)
{
	int i;

	/* detach first, in reverse order */
	for (i = H_MAX - 1; i >= 0; i--) {
		enum hook h = attach_order[i];

		if (c->link[h] && !(hook_needed(c, cfg, h) && c->loadable[h])) {
			bpf_link__destroy(c->link[h]);
			c->link[h] = NULL;
		}
	}
	for (i = 0; i < H_MAX; i++) {
		enum hook h = attach_order[i];
		bool want = hook_needed(c, cfg, h) && c->loadable[h];

		if (want && h == H_SYS_ENTER && !c->link[H_SWITCH]) {
			set_why(c, hooks[h].events, "tp_btf/sys_enter needs tp_btf/sched_switch, which is not attached");
			continue;
		}
		if (want && !c->link[h]) {
			c->link[h] = bpf_program__attach(c->prog[h]);
			if (!c->link[h]) {
				int err = errno;

				c->link[h] = NULL;
				set_why(c, hooks[h].events, "cannot attach tp_btf/%s: %s", hooks[h].tp, strerror(err));
			}
		}
	}
}

static int ring_cb(void *ctx, void *data, size_t size)
{
	struct pa_collector *c = ctx;

	if (size < sizeof(struct perf_sample))
		return 0;
	if (c->drain_fn)
		c->drain_fn((const struct perf_sample *)data, c->drain_userdata);
	return 0;
}

static void unload(struct pa_collector *c)
{
	int h;

	ring_buffer__free(c->rb);
	c->rb = NULL;
	for (h = H_MAX - 1; h >= 0; h--) {
		bpf_link__destroy(c->link[attach_order[h]]);
		c->link[attach_order[h]] = NULL;
	}
	capture_bpf__destroy(c->skel);
	c->skel = NULL;
}

/*
 * Resource tracking's maps, which the programs on the hooks both use update
 * when they carry its part (bpf/resources-sys.h): reused when handed over, else the
 * object's own copies, as small as possible (never touched then).
 */
static int share_res_maps(struct pa_collector *c)
{
	struct capture_bpf *s = c->skel;
	uint32_t lru = 8 * (uint32_t)c->ncpu; /* an LRU hash spreads its free list over the CPUs */
	int r;

	if (c->has_res) {
		if ((r = bpf_map__reuse_fd(s->maps.cpu_state, c->res.cpu_state)) < 0 ||
		    (r = bpf_map__reuse_fd(s->maps.tasks, c->res.tasks)) < 0 ||
		    (r = bpf_map__reuse_fd(s->maps.tasks_hi, c->res.tasks_hi)) < 0 ||
		    (r = bpf_map__reuse_fd(s->maps.msgs, c->res.msgs)) < 0 ||
		    (r = bpf_map__reuse_fd(s->maps.sys_attr, c->res.sys_attr)) < 0)
			return r;
		return bpf_map__reuse_fd(s->maps.pairs, c->res.pairs);
	}
	if ((r = bpf_map__set_max_entries(s->maps.cpu_state, 1)) < 0 ||
	    (r = bpf_map__set_max_entries(s->maps.sys_attr, 1)) < 0 ||
	    (r = bpf_map__set_max_entries(s->maps.tasks, 1)) < 0 ||
	    (r = bpf_map__set_max_entries(s->maps.tasks_hi, lru)) < 0 ||
	    (r = bpf_map__set_max_entries(s->maps.msgs, lru)) < 0)
		return r;
	return bpf_map__set_max_entries(s->maps.pairs, lru);
}

/* Open, probe, load and attach per c->cfg. Returns 0 or a negative errno with *ret_why. */
static int load(struct pa_collector *c, const char **ret_why)
{
	struct btf *vmlinux;
	int h, r;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		*ret_why = "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): use a kernel built with "
			   "CONFIG_DEBUG_INFO_BTF=y";
		return -ENOENT;
	}
	c->skel = capture_bpf__open();
	if (!c->skel) {
		btf__free(vmlinux);
		*ret_why = "cannot open the embedded eBPF object (out of memory?)";
		return -ENOMEM;
	}
	c->prog[H_SYS_ENTER] = c->skel->progs.pa_sys_enter;
	c->prog[H_SYS_EXIT] = c->skel->progs.pa_sys_exit;
	c->prog[H_SWITCH] = c->skel->progs.pa_sched_switch;
	c->prog[H_NEWTASK] = c->skel->progs.pa_task_newtask;
	c->prog[H_EXIT] = c->skel->progs.pa_sched_process_exit;
	c->prog[H_IRQ_ENTRY] = c->skel->progs.pa_irq_entry;
	c->prog[H_IRQ_EXIT] = c->skel->progs.pa_irq_exit;
	c->prog[H_SOFTIRQ_ENTRY] = c->skel->progs.pa_softirq_entry;
	c->prog[H_SOFTIRQ_EXIT] = c->skel->progs.pa_softirq_exit;
	c->prog[H_PF_USER] = c->skel->progs.pa_page_fault_user;
	c->prog[H_PF_KERNEL] = c->skel->progs.pa_page_fault_kernel;

	/* a tracepoint this kernel lacks would fail the whole load: leave its program out */
	for (h = 0; h < H_MAX; h++) {
		char name[64];

		snprintf(name, sizeof(name), "btf_trace_%s", hooks[h].tp);
		c->loadable[h] = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
		if (!c->loadable[h]) {
			bpf_program__set_autoload(c->prog[h], false);
			set_why(c, hooks[h].events, "tracepoint %s does not exist in this kernel", hooks[h].tp);
		}
	}
	btf__free(vmlinux);

	r = bpf_map__set_max_entries(c->skel->maps.samples, (uint32_t)ring_bytes(c->cfg.buffer_samples));
	if (r < 0)
		goto fail_open;
	r = bpf_map__set_max_entries(c->skel->maps.tid_ctx, tid_slots());
	if (r < 0)
		goto fail_open;
	r = bpf_map__set_max_entries(c->skel->maps.hot, PA_HOT_CPU0 + (uint32_t)c->ncpu);
	if (r < 0)
		goto fail_open;
	r = bpf_map__set_max_entries(c->skel->maps.counters, (uint32_t)c->ncpu);
	if (r < 0)
		goto fail_open;
	r = bpf_map__set_max_entries(c->skel->maps.hist, PA_SLOT_MAX * (uint32_t)c->ncpu);
	if (r < 0)
		goto fail_open;
	r = bpf_map__set_max_entries(c->skel->maps.syscall_stats, PA_SYSCALL_NR_MAX * (uint32_t)c->ncpu);
	if (r < 0)
		goto fail_open;
	r = share_res_maps(c);
	if (r < 0)
		goto fail_open;
	r = capture_bpf__load(c->skel);
	if (r < 0)
		goto fail_load;
	r = push_config(c, &c->cfg, true);
	if (r < 0)
		goto fail_open;
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.samples), ring_cb, c, NULL);
	if (!c->rb) {
		r = -errno;
		goto fail_open;
	}
	sync_links(c, &c->cfg);
	return 0;

fail_load:
	if (r == -EPERM || r == -EACCES) {
		*ret_why = geteuid() != 0 ?
			"not permitted to load eBPF programs: run as root (or with CAP_BPF and CAP_PERFMON)" :
			"not permitted to load eBPF programs although root: kernel lockdown or a security module "
			"forbids BPF; boot without lockdown=confidentiality";
		unload(c);
		return -EPERM;
	}
	if (r == -ENOSYS || r == -EOPNOTSUPP) {
		*ret_why = "this kernel has no eBPF (CONFIG_BPF_SYSCALL) or no BTF tracing programs: "
			   "use a kernel with both";
		unload(c);
		return -ENOSYS;
	}
	*ret_why = "the kernel rejected the eBPF programs: rerun with PA_BPF_DEBUG=1 to see the verifier log";
	unload(c);
	return -ENOSYS;
fail_open:
	*ret_why = "cannot set up the eBPF maps (out of locked memory?)";
	unload(c);
	return r;
}

static int check_config(const struct pa_collector_config *cfg)
{
	if (cfg->event_mask & ~ALL_EVENTS)
		return -EINVAL;
	if (cfg->buffer_samples == 0 || cfg->buffer_samples > BUFFER_SAMPLES_MAX)
		return -EINVAL;
	if (!memchr(cfg->filter_comm, '\0', sizeof(cfg->filter_comm)))
		return -EINVAL;
	return 0;
}

static int set_prog_stats(struct pa_collector *c, bool on)
{
	if (on && c->stats_fd < 0) {
		int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

		if (fd < 0)
			return -errno;
		c->stats_fd = fd;
	} else if (!on && c->stats_fd >= 0) {
		close(c->stats_fd);
		c->stats_fd = -1;
	}
	c->features.bpf_stats_enabled = c->stats_fd >= 0 || read_bpf_stats_sysctl();
	return 0;
}

int pa_collector_open(const struct pa_collector_config *cfg, const struct pa_res_maps *res,
		      struct pa_collector **ret, const char **ret_why)
{
	struct pa_collector *c;
	const char *why = NULL;
	unsigned int e;
	int r;

	if (ret_why)
		*ret_why = NULL;
	r = check_config(cfg);
	if (r < 0) {
		if (ret_why)
			*ret_why = "invalid collector configuration (event mask, buffer size 1..16M samples, "
				   "or command name longer than 15 bytes)";
		return r;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		if (ret_why)
			*ret_why = errno == ENOENT ?
				"no kernel BTF at /sys/kernel/btf/vmlinux: use a kernel built with CONFIG_DEBUG_INFO_BTF=y" :
				"cannot read /sys/kernel/btf/vmlinux: run as root";
		return errno == ENOENT ? -ENOENT : -EPERM;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->stats_fd = -1;
	if (res) {
		c->res = *res;
		c->has_res = c->carry_res = true;
	}
	c->features.resize_reloads = true;
	c->features.event_note[PERF_EVENT_PAGE_FAULT] =
		"no duration on this kernel: the page_fault tracepoints fire at entry only and fexit "
		"programs do not load; counts and addresses only";
	c->features.event_note[PERF_EVENT_TASK_CREATE] = "duration is fork to first run";
	c->features.event_note[PERF_EVENT_THREAD_CREATE] = "duration is clone to first run";
	c->features.event_note[PERF_EVENT_TASK_TERMINATE] = "duration is the process lifetime";
	c->features.event_note[PERF_EVENT_THREAD_TERMINATE] = "duration is the thread lifetime";
	c->features.event_note[PERF_EVENT_CONTEXT_SWITCH] =
		"duration is run-queue latency (wake-up or preemption to on-CPU); switches to idle are untimed";
	for (e = 0; e < PERF_EVENT_MAX; e++)
		c->features.event_available[e] = true;
	c->ncpu = libbpf_num_possible_cpus();
	if (c->ncpu <= 0) {
		r = c->ncpu < 0 ? c->ncpu : -ENOSYS;
		why = "cannot count the possible CPUs (/sys/devices/system/cpu/possible)";
		goto fail;
	}
	c->percpu_hist = calloc((size_t)c->ncpu, sizeof(*c->percpu_hist));
	c->percpu_sys = calloc((size_t)c->ncpu, sizeof(*c->percpu_sys));
	if (!c->percpu_hist || !c->percpu_sys) {
		r = -ENOMEM;
		goto fail;
	}
	libbpf_set_print(libbpf_quiet);
	r = load(c, &why);
	if (r < 0)
		goto fail;
	(void)set_prog_stats(c, cfg->prog_stats);
	*ret = c;
	return 0;
fail:
	if (ret_why)
		*ret_why = why;
	free(c->percpu_hist);
	free(c->percpu_sys);
	free(c);
	return r;
}

void pa_collector_free(struct pa_collector *c)
{
	if (!c)
		return;
	unload(c);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	free(c->percpu_hist);
	free(c->percpu_sys);
	free(c);
}

/*
 * CPU cpu's hot element and, read in between two reads of it, element key of
 * map fd (a histogram or per-syscall entry of that CPU). sys_exit and
 * sched_switch apply their log to those maps, so the reads are retried while
 * that happened (log_seq odd or moved): each logged entry counts once, in the
 * map or in the log. A CPU that has not seen the last reset has counted
 * nothing since: its hot counters and its log are returned empty.
 */
static int read_cpu(struct pa_collector *c, int cpu, union pa_bpf_hot *h, int fd, uint32_t key, void *val)
{
	int hfd = bpf_map__fd(c->skel->maps.hot), tries;
	uint32_t hkey = PA_HOT_CPU0 + (uint32_t)cpu, seq;
	union pa_bpf_hot again;

	for (tries = 0; tries < 1000; tries++) {
		if (bpf_map_lookup_elem(hfd, &hkey, h) < 0 || bpf_map_lookup_elem(fd, &key, val) < 0 ||
		    bpf_map_lookup_elem(hfd, &hkey, &again) < 0)
			return -errno;
		seq = h->cpu.log_seq;
		if (!(seq & 1) && again.cpu.log_seq == seq)
			break;
	}
	if (h->cpu.reset_gen != c->kcfg.reset_gen) {
		memset(&h->cpu.hot, 0, sizeof(h->cpu.hot));
		h->cpu.log_len = 0;
	}
	if (h->cpu.log_len > PA_SYS_LOG_LEN)
		h->cpu.log_len = PA_SYS_LOG_LEN;
	return 0;
}

/* Sum one slot over CPUs into *acc (acc->min meaningful when acc->count). */
static int sum_slot(struct pa_collector *c, uint32_t slot, struct pa_bpf_stats *acc)
{
	int cfd = bpf_map__fd(c->skel->maps.counters), hfd = bpf_map__fd(c->skel->maps.hist), cpu, r;
	int hot = pa_hot_index(slot);
	struct pa_bpf_hist *hb;
	unsigned int b, i;

	for (cpu = 0; cpu < c->ncpu; cpu++) {
		struct pa_bpf_cpu_counters cc;
		union pa_bpf_hot h;
		const struct pa_bpf_counters *s;
		uint32_t key;
		uint64_t lo;

		hb = &c->percpu_hist[cpu];
		r = read_cpu(c, cpu, &h, hfd, (uint32_t)cpu * PA_SLOT_MAX + slot, hb);
		if (r < 0)
			return r;
		for (i = 0; i < h.cpu.log_len; i++) {
			const struct pa_bpf_sys_log *e = &h.cpu.log[i];

			if (e->slot == slot || (slot == PERF_EVENT_SYSCALL && (e->flags & PA_LOG_SYSCALL)))
				hb->buckets[pa_hist_bucket(e->dur)]++;
		}
		if (hot >= 0) {
			s = &h.cpu.hot[hot];
		} else {
			key = (uint32_t)cpu;
			if (bpf_map_lookup_elem(cfd, &key, &cc) < 0)
				return -errno;
			s = &cc.slot[slot];
		}
		/* events without a duration keep no buckets: all of them are 0 ns */
		if (slot == PERF_EVENT_PAGE_FAULT)
			hb->buckets[0] += s->count;
		if (s->count) {
			if (!acc->count || s->min < acc->min)
				acc->min = s->min;
			if (s->max > acc->max)
				acc->max = s->max;
		}
		acc->count += s->count;
		acc->total += s->total;
		lo = acc->sumsq_lo + s->sumsq_lo;
		acc->sumsq_hi += s->sumsq_hi + (lo < acc->sumsq_lo);
		acc->sumsq_lo = lo;
		acc->errors += s->errors;
		acc->lost += s->lost;
		acc->untimed += s->untimed;
		acc->samples += s->samples;
		acc->sampled_out += s->sampled_out;
		acc->dropped += s->dropped;
		if (s->last_ns > acc->last_ns)
			acc->last_ns = s->last_ns;
		for (b = 0; b < PA_HIST_BUCKETS; b++)
			acc->buckets[b] += hb->buckets[b];
	}
	return 0;
}

/* Everything for one event: live slots plus carry-over. */
static int sum_event(struct pa_collector *c, unsigned int event, struct pa_bpf_stats *acc)
{
	uint32_t slots[2] = { event, PA_SLOT_SOFTIRQ };
	int n = event == PERF_EVENT_INTERRUPT ? 2 : 1, i, r;

	memset(acc, 0, sizeof(*acc));
	for (i = 0; i < n; i++) {
		r = sum_slot(c, slots[i], acc);
		if (r < 0)
			return r;
	}
	return 0;
}

static void add_carry(struct pa_bpf_stats *acc, const struct pa_bpf_stats *k)
{
	unsigned int b;
	uint64_t lo;

	if (k->count) {
		if (!acc->count || k->min < acc->min)
			acc->min = k->min;
		if (k->max > acc->max)
			acc->max = k->max;
	}
	acc->count += k->count;
	acc->total += k->total;
	lo = acc->sumsq_lo + k->sumsq_lo;
	acc->sumsq_hi += k->sumsq_hi + (lo < acc->sumsq_lo);
	acc->sumsq_lo = lo;
	acc->errors += k->errors;
	acc->lost += k->lost;
	acc->untimed += k->untimed;
	acc->samples += k->samples;
	acc->sampled_out += k->sampled_out;
	acc->dropped += k->dropped;
	if (k->last_ns > acc->last_ns)
		acc->last_ns = k->last_ns;
	for (b = 0; b < PA_HIST_BUCKETS; b++)
		acc->buckets[b] += k->buckets[b];
}

static int read_event(struct pa_collector *c, unsigned int event, struct pa_bpf_stats *acc)
{
	int r;

	if (event >= PERF_EVENT_MAX)
		return -EINVAL;
	r = sum_event(c, event, acc);
	if (r < 0)
		return r;
	add_carry(acc, &c->carry[event]);
	return 0;
}

int pa_collector_read_stats(struct pa_collector *c, unsigned int event, struct pa_stats *ret)
{
	static struct pa_bpf_stats acc; /* 11 KiB: single-threaded by contract */
	int r;

	if (!c->skel)
		return -ENODEV;
	r = read_event(c, event, &acc);
	if (r < 0)
		return r;
	ret->hist.count = acc.count;
	ret->hist.total = acc.total;
	ret->hist.min = acc.count ? acc.min : UINT64_MAX;
	ret->hist.max = acc.max;
	ret->hist.sumsq_lo = acc.sumsq_lo;
	ret->hist.sumsq_hi = acc.sumsq_hi;
	memcpy(ret->hist.buckets, acc.buckets, sizeof(ret->hist.buckets));
	ret->errors = acc.errors;
	ret->lost = acc.lost;
	ret->samples = acc.samples;
	ret->sampled_out = acc.sampled_out;
	ret->dropped = acc.dropped;
	ret->last_timestamp_ns = acc.last_ns;
	return 0;
}

int pa_collector_read_counts(struct pa_collector *c, unsigned int event, struct pa_collector_counts *ret)
{
	static struct pa_bpf_stats acc;
	int r;

	if (!c->skel)
		return -ENODEV;
	r = read_event(c, event, &acc);
	if (r < 0)
		return r;
	ret->events = acc.count + acc.untimed + acc.lost;
	ret->untimed = acc.untimed;
	return 0;
}

static void syscall_add(struct pa_bpf_syscall_stats *acc, uint64_t count, uint64_t errors, uint64_t total,
			uint64_t min, uint64_t max)
{
	if (count) {
		if (!acc->count || min < acc->min)
			acc->min = min;
		if (max > acc->max)
			acc->max = max;
	}
	acc->count += count;
	acc->errors += errors;
	acc->total += total;
}

static int sum_syscall(struct pa_collector *c, unsigned int nr, struct pa_bpf_syscall_stats *acc)
{
	int sfd = bpf_map__fd(c->skel->maps.syscall_stats), cpu, r;
	unsigned int i;

	*acc = c->carry_sys[nr];
	for (cpu = 0; cpu < c->ncpu; cpu++) {
		const struct pa_bpf_syscall_stats *s = &c->percpu_sys[cpu];
		union pa_bpf_hot h;

		r = read_cpu(c, cpu, &h, sfd, (uint32_t)cpu * PA_SYSCALL_NR_MAX + nr, &c->percpu_sys[cpu]);
		if (r < 0)
			return r;
		syscall_add(acc, s->count, s->errors, s->total, s->min, s->max);
		for (i = 0; i < h.cpu.log_len; i++) {
			const struct pa_bpf_sys_log *e = &h.cpu.log[i];

			if ((e->flags & PA_LOG_SYSCALL) && e->nr == nr)
				syscall_add(acc, 1, !!(e->flags & PA_LOG_ERROR), e->dur, e->dur, e->dur);
		}
	}
	return 0;
}

int pa_collector_read_syscall(struct pa_collector *c, unsigned int nr, struct pa_syscall_stats *ret)
{
	struct pa_bpf_syscall_stats acc;
	int r;

	if (nr >= PA_COLLECTOR_SYSCALL_MAX)
		return -EINVAL;
	if (!c->skel)
		return -ENODEV;
	r = sum_syscall(c, nr, &acc);
	if (r < 0)
		return r;
	ret->count = acc.count;
	ret->errors = acc.errors;
	ret->total = acc.total;
	ret->min = acc.count ? acc.min : UINT64_MAX;
	ret->max = acc.max;
	return 0;
}

/* Zero the kernel maps (not the carry). */
static int zero_maps(struct pa_collector *c)
{
	int fd = bpf_map__fd(c->skel->maps.hist), sfd = bpf_map__fd(c->skel->maps.syscall_stats);
	int cfd = bpf_map__fd(c->skel->maps.counters);
	struct pa_bpf_cpu_counters cc;
	uint32_t k;
	int r;

	/* the hot counters: each CPU zeroes its own when it sees the new reset_gen */
	c->kcfg.reset_gen++;
	r = write_kcfg(c);
	if (r < 0)
		return r;
	memset(&cc, 0, sizeof(cc));
	memset(c->percpu_hist, 0, (size_t)c->ncpu * sizeof(*c->percpu_hist));
	memset(c->percpu_sys, 0, (size_t)c->ncpu * sizeof(*c->percpu_sys));
	for (k = 0; k < (uint32_t)c->ncpu; k++)
		if (bpf_map_update_elem(cfd, &k, &cc, BPF_ANY) < 0)
			return -errno;
	for (k = 0; k < PA_SLOT_MAX * (uint32_t)c->ncpu; k++)
		if (bpf_map_update_elem(fd, &k, c->percpu_hist, BPF_ANY) < 0)
			return -errno;
	for (k = 0; k < PA_SYSCALL_NR_MAX * (uint32_t)c->ncpu; k++)
		if (bpf_map_update_elem(sfd, &k, c->percpu_sys, BPF_ANY) < 0)
			return -errno;
	return 0;
}

int pa_collector_carry_resources(struct pa_collector *c, bool on)
{
	int r;

	if (on && !c->has_res)
		return -EINVAL;
	if (!c->skel)
		return -ENODEV;
	c->carry_res = on;
	c->kcfg.resources = on;
	r = write_kcfg(c);
	sync_links(c, &c->cfg);
	return r;
}

int pa_collector_reset(struct pa_collector *c)
{
	if (!c->skel)
		return -ENODEV;
	memset(c->carry, 0, sizeof(c->carry));
	memset(c->carry_sys, 0, sizeof(c->carry_sys));
	return zero_maps(c);
}

/* Before a reload: move everything the maps hold into the carry. */
static int save_carry(struct pa_collector *c)
{
	static struct pa_bpf_stats acc;
	struct pa_bpf_syscall_stats sacc;
	uint32_t slot;
	unsigned int nr;
	int r;

	for (slot = 0; slot < PA_SLOT_MAX; slot++) {
		memset(&acc, 0, sizeof(acc));
		r = sum_slot(c, slot, &acc);
		if (r < 0)
			return r;
		add_carry(&c->carry[slot == PA_SLOT_SOFTIRQ ? PERF_EVENT_INTERRUPT : slot], &acc);
	}
	for (nr = 0; nr < PA_SYSCALL_NR_MAX; nr++) {
		r = sum_syscall(c, nr, &sacc);
		if (r < 0)
			return r;
		c->carry_sys[nr] = sacc;
	}
	return 0;
}

bool pa_collector_reloads(const struct pa_collector *c, const struct pa_collector_config *cfg)
{
	return ring_bytes(cfg->buffer_samples) != ring_bytes(c->cfg.buffer_samples);
}

int pa_collector_configure(struct pa_collector *c, const struct pa_collector_config *cfg)
{
	const struct pa_collector_config old = c->cfg;
	bool rate_changed = cfg->sample_rate != old.sample_rate;
	const char *why;
	int r;

	r = check_config(cfg);
	if (r < 0)
		return r;
	if (!c->skel)
		return -ENODEV;
	if (ring_bytes(cfg->buffer_samples) != ring_bytes(old.buffer_samples)) {
		/* a ring buffer's size is fixed at creation: reload, carrying the statistics over */
		r = save_carry(c);
		if (r < 0)
			return r;
		unload(c);
		c->cfg = *cfg;
		r = load(c, &why);
		if (r < 0) {
			/* try to get back to where we were; if even that fails, every
			 * call returns -ENODEV until pa_collector_free() */
			c->cfg = old;
			(void)load(c, &why);
			return r;
		}
	} else {
		c->cfg = *cfg;
		if (cfg->filter_tgid != old.filter_tgid || !cfg->filter_children) {
			/* processes followed for an earlier filter no longer pass */
			int fd = bpf_map__fd(c->skel->maps.followed);
			uint32_t key, next;

			while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
				key = next;
				if (bpf_map_delete_elem(fd, &key) < 0)
					break;
			}
		}
		r = push_config(c, cfg, rate_changed);
		if (r < 0)
			return r;
		sync_links(c, cfg);
	}
	return set_prog_stats(c, cfg->prog_stats);
}

const struct pa_collector_features *pa_collector_features(const struct pa_collector *c)
{
	return &c->features;
}

int pa_collector_fd(const struct pa_collector *c)
{
	if (!c->rb)
		return -ENODEV;
	return ring_buffer__epoll_fd(c->rb);
}

int pa_collector_drain(struct pa_collector *c, pa_sample_fn fn, void *userdata)
{
	int n;

	if (!c->rb)
		return -ENODEV;
	c->drain_fn = fn;
	c->drain_userdata = userdata;
	n = ring_buffer__consume(c->rb);
	c->drain_fn = NULL;
	c->drain_userdata = NULL;
	if (n < 0)
		return n;
	return n > INT_MAX ? INT_MAX : n;
}

int pa_collector_overhead(struct pa_collector *c, struct pa_collector_overhead *ret)
{
	int h;

	memset(ret, 0, sizeof(*ret));
	if (!c->skel)
		return -ENODEV;
	ret->stats_enabled = c->stats_fd >= 0 || read_bpf_stats_sysctl();
	for (h = 0; h < H_MAX && h < PA_COLLECTOR_PROGS_MAX; h++) {
		struct pa_collector_prog *p = &ret->prog[ret->n++];
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		p->name = hooks[h].tp;
		p->attached = c->link[h] != NULL;
		if (!c->loadable[h])
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(c->prog[h]), &info, &len) < 0)
			return -errno;
		p->run_cnt = info.run_cnt;
		p->run_time_ns = info.run_time_ns;
		ret->run_cnt += info.run_cnt;
		ret->run_time_ns += info.run_time_ns;
		p->misses = info.recursion_misses;
		ret->misses += info.recursion_misses;
	}
	return 0;
}
