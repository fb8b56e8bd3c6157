/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture.bpf.c - kernel side of event capture: the twelve seed events from
 * Linux tracepoints (tp_btf), exact statistics in per-CPU maps, and a
 * rate-limited stream of 32-byte samples through a BPF ring buffer.
 *
 * Costs that shape this file: the hot hooks are sys_enter/sys_exit and
 * sched_switch. On the test VM (PTI without PCID, so every kernel entry
 * flushes the TLB) each distinct page a program touches costs a page walk
 * (measured: one map store in an otherwise empty sys_enter program, +25 ns;
 * a second touch of that page at sys_exit of the same kernel entry,
 * nothing), and the kernel's clock (bpf_ktime_get_ns, kvm-clock behind a
 * retpoline here) costs ~90 ns at sys_enter and ~45 ns at sys_exit, which
 * bench/kernel/clock.bpf.c measures as the floor of any syscall timer. So a
 * syscall that does not block touches one map of ours (the `hot` array:
 * configuration, this CPU's state, the hot counters and a log of buckets
 * and per-syscall statistics, applied to their maps 32 entries at a time),
 * and asks for no thread id unless a filter or a sample needs it.
 * A syscall's start stays in the per-CPU state and is spilled to the
 * per-thread slot (array indexed by thread id, or task-local storage above
 * it, ~120 ns a lookup) only when its thread is switched out. Run-queue
 * latency comes from the scheduler's own sched_info (no wake-up hooks),
 * everything optional (filters, fd classification, sampling) sits behind a
 * test of a configuration word, the fd of a read or write is classified at
 * sys_exit, and the token bucket refuses without a division.
 * Wake-ups of the consumer are batched (BPF_RB_NO_WAKEUP) because a default
 * wake-up costs about three times the record itself.
 * When the daemon loads resource tracking too, the programs on sys_enter,
 * sys_exit, sched_switch, page faults and interrupt entries also do its part
 * (resources-sys.h, on its maps, handed over before load), sharing the
 * clock reads: configuration word `resources`.
 */
/* the kernel has its own enum perf_event_type (perf ring records): rename it away */
#define perf_event_type vmlinux_perf_event_type
#include "vmlinux.h"
#undef perf_event_type
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kernel-defs.h"
#include "capture.h"
#include "token-bucket.h"
#include "resources.h"
#include "resources-sys.h"

char LICENSE[] SEC("license") = "GPL";

/* numbers below 64 that classify as IPC or VM: one bit test skips the rest */
#define LOW_INTERESTING ((1ull << NR_read) | (1ull << NR_write) | (1ull << NR_mmap) | \
	(1ull << NR_munmap) | (1ull << NR_brk) | (1ull << NR_readv) | (1ull << NR_writev) | \
	(1ull << NR_mremap) | (1ull << NR_sendto) | (1ull << NR_recvfrom) | \
	(1ull << NR_sendmsg) | (1ull << NR_recvmsg))

#define BIT(e) (1u << (e))
#define SYS_EVENTS (BIT(PERF_EVENT_SYSCALL) | BIT(PERF_EVENT_IPC_SEND) | BIT(PERF_EVENT_IPC_RECEIVE) | \
	BIT(PERF_EVENT_VM_ALLOC) | BIT(PERF_EVENT_VM_FREE))

/* Configuration, pending creations and per-CPU state: see union pa_bpf_hot in capture.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PA_HOT_CPU0 + 1); /* PA_HOT_CPU0 + possible CPUs, set by user space before load */
	__type(key, uint32_t);
	__type(value, union pa_bpf_hot);
} hot SEC(".maps");

/* Counters of the slots that are not hot, element i for CPU i. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* = possible CPUs, set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_bpf_cpu_counters);
} counters SEC(".maps");

/* Per-thread state: a spilled syscall and a pending creation. */
struct task_ctx {
	struct pa_bpf_sys_slot sys;
	uint64_t create_ts;   /* task_newtask time, until first run */
	uint32_t create_parent;
	uint32_t create_flags;
	uint8_t create_ev;    /* 0, or event id + 1 */
	uint8_t pad[3];
	uint32_t create_gen;  /* config filter_gen when the creation was admitted */
	uint8_t pad2[16];     /* one cache line per thread */
};

/*
 * Where per-thread state lives. Thread ids below the array's size (pid_max,
 * set by user space) index a plain array: an inlined lookup touching one
 * cache line (its bound check is against an immediate), where task-local
 * storage costs about 120 ns per lookup on the test VM. A slot outlives its
 * thread, so task_newtask clears it for the new thread that reuses the id.
 * Threads with larger ids use task-local storage.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32768); /* = pid_max, set by user space before load */
	__type(key, uint32_t);
	__type(value, struct task_ctx);
} tid_ctx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx SEC(".maps");

/* State of the current thread; create: make task storage if needed. */
static __always_inline struct task_ctx *current_ctx(uint32_t tid, bool create)
{
	struct task_ctx *tc = bpf_map_lookup_elem(&tid_ctx, &tid);

	if (tc)
		return tc;
	return bpf_task_storage_get(&task_ctx, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* State of any thread. */
static __always_inline struct task_ctx *ctx_of(struct task_struct *t, bool create)
{
	uint32_t tid = t->pid;
	struct task_ctx *tc = bpf_map_lookup_elem(&tid_ctx, &tid);

	if (tc)
		return tc;
	return bpf_task_storage_get(&task_ctx, t, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/*
 * Histogram buckets, key = CPU * PA_SLOT_MAX + slot, and per-syscall-number
 * statistics, key = CPU * PA_SYSCALL_NR_MAX + nr. Plain arrays indexed by
 * CPU, not per-CPU maps: an inlined per-CPU lookup reads the map's pointer
 * table, one page more per event; this one is address arithmetic. So an
 * event touches one page of each (a bucket, a syscall's entry).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PA_SLOT_MAX); /* x possible CPUs, set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_bpf_hist);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PA_SYSCALL_NR_MAX); /* x possible CPUs, set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_bpf_syscall_stats);
} syscall_stats SEC(".maps");

/* Processes admitted by following a filtered process through fork (tgid -> 1). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, uint32_t);
	__type(value, uint8_t);
} followed SEC(".maps");

/* Size set by user space before load (buffer_samples). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);
} samples SEC(".maps");

/* What every hook needs at hand: the configuration and this CPU's state and counters. */
struct hot {
	const struct pa_capture_config *cfg;
	struct pa_bpf_cpu_hot *cs;
	struct pa_bpf_cpu_counters *cnt;
	uint32_t cpu;
};

/* The configuration (an inlined lookup: address arithmetic, no memory access). */
static __always_inline const struct pa_capture_config *get_cfg(void)
{
	uint32_t key = 0;

	return bpf_map_lookup_elem(&hot, &key);
}

static __always_inline struct pa_bpf_cpu_hot *cpu_hot(void)
{
	uint32_t key = PA_HOT_CPU0 + bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&hot, &key);
}

static __always_inline uint64_t *pending_creates(void)
{
	uint32_t key = 1;

	return bpf_map_lookup_elem(&hot, &key);
}

/* The rest of struct hot for this CPU; false if a map is missing (cannot happen). */
static __always_inline bool get_hot(struct hot *h)
{
	uint32_t cpu = bpf_get_smp_processor_id(), key = PA_HOT_CPU0 + cpu;

	h->cpu = cpu;
	h->cs = bpf_map_lookup_elem(&hot, &key);
	h->cnt = bpf_map_lookup_elem(&counters, &cpu);
	if (!h->cs || !h->cnt)
		return false;
	if (h->cs->reset_gen != h->cfg->reset_gen) {
		/* user space reset the statistics: it cannot zero these without racing with us */
		__builtin_memset(h->cs->hot, 0, sizeof(h->cs->hot));
		h->cs->log_len = 0;
		h->cs->reset_gen = h->cfg->reset_gen;
	}
	return true;
}

static __always_inline bool comm_matches(const struct pa_capture_config *cfg, const char *comm)
{
	int i;

#pragma unroll
	for (i = 0; i < 16; i++) {
		if (comm[i] != cfg->filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * Does the task pass the filters? t == NULL means current. Called only when
 * PA_CFG_FILTER is set.
 */
static __always_inline bool filter_ok(const struct pa_capture_config *cfg, uint32_t tgid, uint32_t tid,
				      struct task_struct *t)
{
	uint32_t ftgid = cfg->filter_tgid, ftid = cfg->filter_tid;

	if (ftid && tid != ftid)
		return false;
	if (ftgid && tgid != ftgid) {
		if (!(cfg->flags & PA_CFG_FOLLOW_CHILDREN))
			return false;
		if (!bpf_map_lookup_elem(&followed, &tgid))
			return false;
	}
	if (cfg->flags & PA_CFG_FILTER_COMM) {
		char comm[16] = {};

		if (t)
			bpf_probe_read_kernel_str(comm, sizeof(comm), t->comm);
		else
			bpf_get_current_comm(comm, sizeof(comm));
		if (!comm_matches(cfg, comm))
			return false;
	}
	return true;
}

/* Does the current thread pass the filters? Its ids are looked up only when a filter is set. */
static __always_inline bool current_ok(const struct pa_capture_config *cfg)
{
	uint64_t pid_tgid;

	if (!(cfg->flags & PA_CFG_FILTER))
		return true;
	pid_tgid = bpf_get_current_pid_tgid();
	return filter_ok(cfg, pid_tgid >> 32, (uint32_t)pid_tgid, NULL);
}

static __always_inline bool task_ok(const struct pa_capture_config *cfg, struct task_struct *t)
{
	if (!(cfg->flags & PA_CFG_FILTER))
		return true;
	return filter_ok(cfg, t->tgid, t->pid, t);
}

static __always_inline bool take_token(struct hot *h, uint64_t now)
{
	struct pa_token_bucket *tb = &h->cs->tb;

	if (h->cs->tb_generation != h->cfg->generation) {
		pa_tb_init(tb, h->cfg->sample_rate, 0, now);
		h->cs->tb_generation = h->cfg->generation;
	}
	/*
	 * Fast refusal without pa_tb_take()'s division: not even one token after
	 * refilling for the elapsed time. Leaving last_ns alone is exact, since
	 * the refill is linear in elapsed time below the bucket's capacity.
	 */
	if (tb->nanotokens < PA_NSEC_PER_SEC && now >= tb->last_ns) {
		uint64_t elapsed = now - tb->last_ns;

		if (elapsed < PA_NSEC_PER_SEC && tb->nanotokens + elapsed * tb->rate < PA_NSEC_PER_SEC)
			return false;
	}
	return pa_tb_take(tb, now);
}

/*
 * A thread's ids as bpf_get_current_pid_tgid() gives them (tgid << 32 | tid),
 * or IDS_CURRENT: the current thread's, looked up only if a sample is taken
 * (the idle task, the only thread whose ids are 0, is the current thread
 * when its ids are wanted).
 */
#define IDS_CURRENT 0ull
#define IDS(tgid, tid) (((uint64_t)(tgid) << 32) | (uint32_t)(tid))

/* Offer one sample to the stream; every outcome is counted in st. */
static __always_inline void emit(struct hot *h, struct pa_bpf_counters *st, uint32_t ev, uint8_t flags,
				 uint64_t now, uint64_t dur, uint64_t ids, uint32_t d1, uint32_t d2)
{
	struct perf_sample *s;
	uint64_t wake;

	if (!take_token(h, now)) {
		st->sampled_out++;
		return;
	}
	s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		st->dropped++;
		return;
	}
	if (dur > 0xffffffffull) {
		dur = 0xffffffffull;
		flags |= PERF_SAMPLE_F_DUR_CLAMPED;
	}
	s->timestamp_ns = now;
	s->duration_ns = (uint32_t)dur;
	s->event = (uint8_t)ev;
	s->flags = flags;
	s->cpu = (uint16_t)bpf_get_smp_processor_id();
	if (ids == IDS_CURRENT)
		ids = bpf_get_current_pid_tgid();
	s->task_id = ids >> 32;
	s->thread_id = (uint32_t)ids;
	s->data1 = d1;
	s->data2 = d2;
	st->samples++;
	wake = bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) >= h->cfg->wakeup_bytes ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(s, wake);
}

/* sumsq += v * v in 128 bits (no __int128 in BPF) */
static __always_inline void add_square(struct pa_bpf_counters *st, uint64_t v)
{
	uint64_t lo, hi;

	if (!(v >> 32)) {
		lo = v * v;
		hi = 0;
	} else {
		uint64_t a = v >> 32, b = v & 0xffffffffull, ab = a * b, t = ab << 33;

		hi = a * a + (ab >> 31);
		lo = b * b;
		lo += t;
		if (lo < t)
			hi++;
	}
	st->sumsq_lo += lo;
	if (st->sumsq_lo < lo)
		hi++;
	st->sumsq_hi += hi;
}

/* Where slot's counters are: the hot element for the hot slots (constant slot: folded). */
static __always_inline struct pa_bpf_counters *counters_of(struct hot *h, uint32_t slot)
{
	int hi = pa_hot_index(slot);

	if (hi >= 0) {
		barrier_var(hi);
		return hi < PA_HOT_SLOTS ? &h->cs->hot[hi] : NULL;
	}
	/* one register for the bound check and the index, or the verifier loses the bound */
	barrier_var(slot);
	if (slot >= PA_SLOT_MAX)
		return NULL;
	return &h->cnt->slot[slot];
}

/* One more duration in slot's buckets. */
static __always_inline void hist_add(struct hot *h, uint32_t slot, uint64_t dur)
{
	uint32_t key = h->cpu * PA_SLOT_MAX + slot;
	struct pa_bpf_hist *hb = bpf_map_lookup_elem(&hist, &key);
	uint64_t b = pa_hist_bucket(dur);

	barrier_var(b);
	if (hb && b < PA_HIST_BUCKETS)
		hb->buckets[b]++;
}

/*
 * Count one occurrence with its duration in slot, then offer a sample. The
 * buckets too, unless the caller logs them (log_append) or the event has no
 * duration (PERF_SAMPLE_F_NO_DURATION: user space fills bucket 0).
 */
static __always_inline void record(struct hot *h, uint32_t slot, uint32_t ev, uint64_t dur, bool err,
				   uint64_t now, uint64_t ids, uint32_t d1, uint32_t d2, uint8_t flags, bool logged)
{
	struct pa_bpf_counters *st = counters_of(h, slot);

	if (!st)
		return;
	if (!st->count || dur < st->min)
		st->min = dur;
	if (dur > st->max)
		st->max = dur;
	st->count++;
	st->total += dur;
	add_square(st, dur);
	if (!logged && !(flags & PERF_SAMPLE_F_NO_DURATION))
		hist_add(h, slot, dur);
	if (err) {
		st->errors++;
		flags |= PERF_SAMPLE_F_ERROR;
	}
	st->last_ns = now;
	emit(h, st, ev, flags, now, dur, ids, d1, d2);
}

static __always_inline void syscall_add(struct hot *h, uint32_t nr, uint64_t dur, bool err)
{
	uint32_t key = h->cpu * PA_SYSCALL_NR_MAX + nr;
	struct pa_bpf_syscall_stats *ss;

	if (nr >= PA_SYSCALL_NR_MAX)
		return;
	ss = bpf_map_lookup_elem(&syscall_stats, &key);
	if (!ss)
		return;
	if (!ss->count || dur < ss->min)
		ss->min = dur;
	if (dur > ss->max)
		ss->max = dur;
	ss->count++;
	ss->total += dur;
	if (err)
		ss->errors++;
}

/* Apply the log to the maps and empty it; log_seq is odd meanwhile (user space rereads). */
static __always_inline void log_apply(struct hot *h)
{
	struct pa_bpf_cpu_hot *cs = h->cs;
	uint32_t n = cs->log_len, i;

	cs->log_seq++;
	barrier();
	for (i = 0; i < PA_SYS_LOG_LEN && i < n; i++) {
		const struct pa_bpf_sys_log *e = &cs->log[i];

		if (e->flags & PA_LOG_SYSCALL) {
			hist_add(h, PERF_EVENT_SYSCALL, e->dur);
			syscall_add(h, e->nr, e->dur, e->flags & PA_LOG_ERROR);
		}
		if (e->slot < PA_SLOT_MAX)
			hist_add(h, e->slot, e->dur);
	}
	cs->log_len = 0;
	barrier();
	cs->log_seq++;
}

/*
 * Log what a syscall or switch adds to the buckets and per-syscall
 * statistics (the entry before the length). Only sys_exit and sched_switch
 * call this: they never run at once on one CPU.
 */
static __always_inline void log_append(struct hot *h, uint64_t dur, uint32_t nr, uint32_t slot, uint8_t flags)
{
	struct pa_bpf_cpu_hot *cs = h->cs;
	struct pa_bpf_sys_log *e;
	uint32_t n;

	if (cs->log_len >= PA_SYS_LOG_LEN)
		log_apply(h);
	n = cs->log_len;
	barrier_var(n);
	if (n >= PA_SYS_LOG_LEN)
		return;
	e = &cs->log[n];
	e->dur = dur;
	e->nr = (uint16_t)nr;
	e->slot = (uint8_t)slot;
	e->flags = flags;
	barrier();
	cs->log_len = n + 1;
}

static __always_inline void count_lost(struct hot *h, uint32_t slot)
{
	struct pa_bpf_counters *st = counters_of(h, slot);

	if (st)
		st->lost++;
}

/*
 * Record a pending creation (task_newtask admitted it) at the child's first
 * sign of life: its first switch-in, else its first return to user space
 * (sys_exit of fork/clone), else its exit, so that the count never depends
 * on one hook. Dropped if the filters changed in between.
 */
static __always_inline void consume_create(struct hot *h, struct task_ctx *tc, uint64_t *pend, uint64_t now,
					   uint64_t ids)
{
	uint32_t ev = tc->create_ev - 1;

	tc->create_ev = 0;
	__sync_fetch_and_sub(pend, 1);
	if (ev < PERF_EVENT_MAX && tc->create_gen == h->cfg->filter_gen)
		record(h, ev, ev, now - tc->create_ts, false, now, ids, tc->create_parent, tc->create_flags, 0,
		       false);
}

/* sys_slot.ipc flag: an fd call; whether the fd is a pipe or Unix socket is checked at sys_exit */
#define IPC_CHECK_FD 0x80

/*
 * Which events, besides SYSCALL, does syscall nr stand for? Fills sl->ipc /
 * sl->vm. The fd of read/write-like calls is classified at sys_exit
 * (IPC_CHECK_FD): the call itself has then walked the same task, fd table,
 * file and inode pages, so the TLB holds them, where at sys_enter each costs
 * a page walk.
 */
static __always_inline void classify(struct pa_bpf_sys_slot *sl, struct pt_regs *regs, long nr, uint32_t mask)
{
	bool send = false, fd_call = false, ipc = false;
	uint32_t vm = 0;

	if (nr < 64) {
		if (!((1ull << nr) & LOW_INTERESTING))
			return;
	} else if (nr != NR_mq_timedsend && nr != NR_mq_timedreceive && nr != NR_recvmmsg &&
		   nr != NR_sendmmsg) {
		return;
	}
	switch (nr) {
	case NR_write: case NR_writev: case NR_sendto: case NR_sendmsg: case NR_sendmmsg:
		send = true;
		fd_call = true;
		break;
	case NR_read: case NR_readv: case NR_recvfrom: case NR_recvmsg: case NR_recvmmsg:
		fd_call = true;
		break;
	case NR_mq_timedsend: case NR_msgsnd:
		send = true;
		ipc = true;
		break;
	case NR_mq_timedreceive: case NR_msgrcv:
		ipc = true;
		break;
	case NR_mmap: case NR_mremap:
		vm = PERF_EVENT_VM_ALLOC + 1;
		break;
	case NR_munmap:
		vm = PERF_EVENT_VM_FREE + 1;
		break;
	case NR_brk: {
		/* growing or shrinking the heap; brk(0) and failures to move are neither */
		struct task_struct *t = bpf_get_current_task_btf();
		unsigned long cur = BPF_CORE_READ(t, mm, brk), want = regs->di;

		if (want && want > cur)
			vm = PERF_EVENT_VM_ALLOC + 1;
		else if (want && want < cur)
			vm = PERF_EVENT_VM_FREE + 1;
		break;
	}
	}
	if (vm) {
		if (mask & BIT(vm - 1)) {
			sl->vm = vm;
			sl->arg = nr == NR_brk ? 0 : (uint32_t)regs->si;
		}
		return;
	}
	if (!(mask & BIT(send ? PERF_EVENT_IPC_SEND : PERF_EVENT_IPC_RECEIVE)))
		return;
	sl->arg = (uint32_t)regs->di;
	if (fd_call || ipc)
		sl->ipc = ((send ? PERF_EVENT_IPC_SEND : PERF_EVENT_IPC_RECEIVE) + 1) | (fd_call ? IPC_CHECK_FD : 0);
}

/*
 * The syscall starts in this CPU's state: no per-thread slot is touched
 * unless the thread is switched out before sys_exit (sched_switch spills it
 * then). The state needs no owner's id: every switch on this CPU empties
 * it, so a busy state belongs to the thread running here (the collector
 * attaches sched_switch before sys_enter, detaches it after).
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(pa_sys_enter, struct pt_regs *regs, long id)
{
	const struct pa_capture_config *cfg = get_cfg();
	struct pa_bpf_cpu_hot *cs = NULL;
	struct pa_res_cpu *rcs = NULL;
	uint64_t now, send_key = 0;
	uint32_t mask;

	if (!cfg)
		return 0;
	mask = cfg->event_mask;
	if ((mask & SYS_EVENTS) && current_ok(cfg))
		cs = cpu_hot();
	if (cs) {
		cs->sys.nr = (uint32_t)id;
		cs->sys.ipc = 0;
		cs->sys.vm = 0;
		if (mask & (SYS_EVENTS & ~BIT(PERF_EVENT_SYSCALL)))
			classify(&cs->sys, regs, id, mask);
	}
	if (cfg->resources)
		rcs = res_sys_enter(regs, id, &send_key);
	if (!cs && !rcs)
		return 0;
	/* last, so that our own work is not in the duration */
	now = bpf_ktime_get_ns();
	if (cs) {
		cs->sys.start = now;
		cs->sys_busy = 1;
	}
	if (rcs)
		res_sys_started(rcs, send_key, now);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(pa_sys_exit, struct pt_regs *regs, long ret)
{
	uint64_t now = bpf_ktime_get_ns(), dur, *pend;
	uint32_t mask, nr, other = PA_SLOT_MAX;
	uint8_t lflags = 0;
	struct task_ctx *tc = NULL;
	struct pa_bpf_sys_slot sl = {};
	struct hot h;
	bool err = ret < 0 && ret >= -MAX_ERRNO;
	int res_fd = RES_FD_UNKNOWN;

	h.cfg = get_cfg();
	if (!h.cfg)
		return 0;
	if (h.cfg->resources)
		res_fd = res_sys_exit(ret, now);
	if (!get_hot(&h))
		return 0;
	mask = h.cfg->event_mask;
	if (h.cs->sys_busy) {
		/* the common case: no switch since sys_enter */
		sl = h.cs->sys;
		h.cs->sys_busy = 0;
	}
	if (!(mask & SYS_EVENTS) || !current_ok(h.cfg))
		return 0;
	pend = pending_creates();
	if (pend && *pend) {
		tc = current_ctx((uint32_t)bpf_get_current_pid_tgid(), false);
		if (tc && tc->create_ev)
			consume_create(&h, tc, pend, now, IDS_CURRENT);
	}
	if (!sl.start) {
		/* switched out since sys_enter: sched_switch spilled the syscall to the thread's slot */
		if (!tc)
			tc = current_ctx((uint32_t)bpf_get_current_pid_tgid(), false);
		if (tc && tc->sys.start) {
			sl = tc->sys;
			tc->sys.start = 0;
		}
	}
	if (!sl.start) {
		long onr = regs->orig_ax;

		/* a new task's first return from fork/clone: its parent made the call */
		if (ret == 0 && (onr == NR_clone || onr == NR_fork || onr == NR_vfork || onr == NR_clone3))
			return 0;
		if (mask & BIT(PERF_EVENT_SYSCALL))
			count_lost(&h, PERF_EVENT_SYSCALL);
		return 0;
	}
	dur = now - sl.start;
	nr = sl.nr;
	if (mask & BIT(PERF_EVENT_SYSCALL)) {
		record(&h, PERF_EVENT_SYSCALL, PERF_EVENT_SYSCALL, dur, err, now, IDS_CURRENT, nr, (uint32_t)ret, 0,
		       true);
		lflags = PA_LOG_SYSCALL | (err ? PA_LOG_ERROR : 0);
	}
	if (sl.ipc & IPC_CHECK_FD) {
		/* a pipe or a Unix socket; resource tracking may have found out already */
		uint8_t is_sock;
		bool ipc = res_fd != RES_FD_UNKNOWN ? res_fd == RES_FD_IPC : ipc_channel(sl.arg, false, &is_sock) != 0;

		sl.ipc = ipc ? sl.ipc & ~IPC_CHECK_FD : 0;
	}
	if (sl.ipc) {
		uint32_t ev = sl.ipc - 1;

		if (ev < PERF_EVENT_MAX && (mask & BIT(ev))) {
			record(&h, ev, ev, dur, err, now, IDS_CURRENT, sl.arg, (uint32_t)ret, 0, true);
			other = ev;
		}
	}
	if (sl.vm) {
		uint32_t ev = sl.vm - 1;

		if (ev < PERF_EVENT_MAX && (mask & BIT(ev))) {
			record(&h, ev, ev, dur, err, now, IDS_CURRENT, nr, sl.arg, 0, true);
			other = ev;
		}
	}
	if (lflags || other < PA_SLOT_MAX)
		log_append(&h, dur, nr, other, lflags);
	return 0;
}

/*
 * Context switch: the duration is the run-queue latency of `next`, from
 * wake-up (or preemption) to on-CPU. The scheduler keeps exactly that for
 * its own statistics (CONFIG_SCHED_INFO): sched_info.last_queued, in
 * rq_clock time, is the enqueue time until the switch completes, right after
 * this tracepoint. Reading it costs two loads, where tracking wake-ups
 * ourselves would cost a task-storage update on every wake-up and
 * preemption. A switch to the idle task has no such latency and is counted
 * as `untimed`. A new task's first run also ends its creation event.
 * Attached whenever a syscall event is enabled too: `prev` may leave in the
 * middle of a syscall, whose start moves from this CPU's state to prev's slot.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(pa_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	uint64_t now = bpf_ktime_get_ns(), queued, *pend;
	uint32_t mask, npid = next->pid, ntgid;
	struct hot h;
	struct rq *rq;
	bool cs;

	h.cfg = get_cfg();
	if (!h.cfg)
		return 0;
	if (h.cfg->resources)
		res_sched_switch(prev, next, prev_state, now);
	if (!get_hot(&h))
		return 0;
	if (h.cs->sys_busy) {
		/* prev leaves in the middle of a syscall: the state moves to its slot */
		struct task_ctx *tc = ctx_of(prev, true);

		if (tc)
			tc->sys = h.cs->sys;
		h.cs->sys_busy = 0;
	}
	mask = h.cfg->event_mask;
	cs = mask & BIT(PERF_EVENT_CONTEXT_SWITCH);
	if (!npid) {
		struct pa_bpf_counters *st = counters_of(&h, PERF_EVENT_CONTEXT_SWITCH);

		if (!cs || (h.cfg->flags & PA_CFG_FILTER) || !st)
			return 0;
		st->untimed++;
		st->last_ns = now;
		emit(&h, st, PERF_EVENT_CONTEXT_SWITCH, PERF_SAMPLE_F_NO_DURATION, now, 0, IDS(0, 0), prev->pid,
		     prev_state);
		return 0;
	}
	ntgid = next->tgid;
	/* only while some creation waits for its first run: a task-storage lookup */
	pend = pending_creates();
	if (pend && *pend) {
		struct task_ctx *tc = ctx_of(next, false);

		if (tc && tc->create_ev)
			consume_create(&h, tc, pend, now, IDS(ntgid, npid));
	}
	if (!cs || !task_ok(h.cfg, next))
		return 0;
	queued = next->sched_info.last_queued;
	/*
	 * this CPU's run queue, reached through next's (the runqueues per-CPU
	 * symbol is not in kallsyms); direct BTF loads, no helper calls
	 */
	rq = next->se.cfs_rq->rq;
	if (queued && rq) {
		uint64_t clock = rq->clock;

		uint64_t lat = clock > queued ? clock - queued : 0;

		record(&h, PERF_EVENT_CONTEXT_SWITCH, PERF_EVENT_CONTEXT_SWITCH, lat, false, now, IDS(ntgid, npid),
		       prev->pid, prev_state, 0, true);
		log_append(&h, lat, 0, PERF_EVENT_CONTEXT_SWITCH, 0);
	} else {
		count_lost(&h, PERF_EVENT_CONTEXT_SWITCH);
	}
	return 0;
}

/*
 * Creation is decided here, in the parent's context (filters apply to the
 * parent), and recorded at the child's first run. A process forked by a
 * filtered process is followed when PA_CFG_FOLLOW_CHILDREN is set.
 */
SEC("tp_btf/task_newtask")
int BPF_PROG(pa_task_newtask, struct task_struct *task, u64 clone_flags)
{
	uint64_t pid_tgid = bpf_get_current_pid_tgid(), *pend = pending_creates();
	uint32_t ev = (clone_flags & CLONE_THREAD) ? PERF_EVENT_THREAD_CREATE : PERF_EVENT_TASK_CREATE;
	const struct pa_capture_config *cfg = get_cfg();
	struct task_ctx *tc;
	struct hot h;

	if (!cfg || !pend)
		return 0;
	/* the thread id may have been used before: start from a clean slot */
	tc = ctx_of(task, false);
	if (tc) {
		if (tc->create_ev)
			__sync_fetch_and_sub(pend, 1);
		tc->sys.start = 0;
		tc->create_ev = 0;
	}
	if (!current_ok(cfg))
		return 0;
	if (ev == PERF_EVENT_TASK_CREATE && (cfg->flags & PA_CFG_FOLLOW_CHILDREN)) {
		uint32_t child = task->pid;
		uint8_t one = 1;

		bpf_map_update_elem(&followed, &child, &one, BPF_ANY);
	}
	if (!(cfg->event_mask & BIT(ev)))
		return 0;
	tc = ctx_of(task, true);
	if (!tc) {
		h.cfg = cfg;
		if (get_hot(&h))
			count_lost(&h, ev);
		return 0;
	}
	tc->create_ts = bpf_ktime_get_ns();
	tc->create_gen = cfg->filter_gen;
	tc->create_ev = ev + 1;
	__sync_fetch_and_add(pend, 1);
	tc->create_parent = (uint32_t)pid_tgid;
	tc->create_flags = (uint32_t)clone_flags;
	return 0;
}

/* Exit: the whole thread group (group_dead) or one thread; duration = lifetime. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pa_sched_process_exit, struct task_struct *p, bool group_dead)
{
	uint64_t now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid(), start, *pend;
	uint32_t ev = group_dead ? PERF_EVENT_TASK_TERMINATE : PERF_EVENT_THREAD_TERMINATE;
	uint32_t tgid = pid_tgid >> 32;
	struct task_ctx *tc = ctx_of(p, false);
	struct hot h;

	h.cfg = get_cfg();
	pend = pending_creates();
	if (!h.cfg || !pend || !get_hot(&h))
		return 0;
	/* exit and exit_group never return: a syscall in flight here is the exiting thread's */
	h.cs->sys_busy = 0;
	if (tc) {
		if (tc->create_ev)
			consume_create(&h, tc, pend, now, pid_tgid);
		tc->sys.start = 0;
	}
	if (current_ok(h.cfg) && (h.cfg->event_mask & BIT(ev))) {
		start = group_dead ? BPF_CORE_READ(p, group_leader, start_time) : p->start_time;
		record(&h, ev, ev, now > start ? now - start : 0, false, now, pid_tgid, (uint32_t)p->exit_code, 0, 0,
		       false);
	}
	if (group_dead && (h.cfg->flags & PA_CFG_FOLLOW_CHILDREN))
		bpf_map_delete_elem(&followed, &tgid);
	return 0;
}

static __always_inline void irq_enter(uint32_t which)
{
	const struct pa_capture_config *cfg = get_cfg();
	struct pa_bpf_cpu_hot *cs;

	if (!cfg)
		return;
	if (cfg->resources)
		res_seen(which ? SEEN_SOFTIRQ : SEEN_IRQ);
	if (!(cfg->event_mask & BIT(PERF_EVENT_INTERRUPT)))
		return;
	cs = cpu_hot();
	if (cs)
		cs->irq_start[which & 1] = bpf_ktime_get_ns();
}

static __always_inline void irq_exit(uint32_t which, uint32_t num)
{
	uint64_t now = bpf_ktime_get_ns(), start;
	uint32_t slot = which ? PA_SLOT_SOFTIRQ : PERF_EVENT_INTERRUPT;
	struct hot h;

	h.cfg = get_cfg();
	if (!h.cfg || !(h.cfg->event_mask & BIT(PERF_EVENT_INTERRUPT)) || !get_hot(&h))
		return;
	start = h.cs->irq_start[which & 1];
	h.cs->irq_start[which & 1] = 0;
	if (!current_ok(h.cfg))
		return;
	if (!start) {
		count_lost(&h, slot);
		return;
	}
	record(&h, slot, PERF_EVENT_INTERRUPT, now - start, false, now, IDS_CURRENT, num, which, 0, false);
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(pa_irq_entry, int irq, struct irqaction *action)
{
	irq_enter(0);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(pa_irq_exit, int irq, struct irqaction *action, int ret)
{
	irq_exit(0, (uint32_t)irq);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(pa_softirq_entry, unsigned int vec)
{
	irq_enter(1);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(pa_softirq_exit, unsigned int vec)
{
	irq_exit(1, vec);
	return 0;
}

/* Page faults: the tracepoint fires at entry only and no fexit loads here, so no duration. */
static __always_inline void page_fault(unsigned long address, uint8_t flags)
{
	uint64_t now;
	struct hot h;

	h.cfg = get_cfg();
	if (!h.cfg)
		return;
	if (h.cfg->resources)
		res_seen(SEEN_FAULT);
	if (!(h.cfg->event_mask & BIT(PERF_EVENT_PAGE_FAULT)) || !current_ok(h.cfg) || !get_hot(&h))
		return;
	now = bpf_ktime_get_ns();
	record(&h, PERF_EVENT_PAGE_FAULT, PERF_EVENT_PAGE_FAULT, 0, false, now, IDS_CURRENT, (uint32_t)address,
	       (uint32_t)(address >> 32), flags | PERF_SAMPLE_F_NO_DURATION, false);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(pa_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	page_fault(address, 0);
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(pa_page_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	page_fault(address, PERF_SAMPLE_F_KERNEL);
	return 0;
}
