/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.bpf.c - resource tracking and event correlation: per-thread CPU
 * time, run-queue latency, address-space size, block I/O and time per event
 * type; IPC messages linked from send to receipt; page faults and
 * interrupts attributed to the syscall they interrupt.
 *
 * Separate from capture.bpf.c so that it can be loaded or left out on its
 * own: it adds a hash lookup (the thread's record) to sys_enter, sys_exit and
 * sched_switch, about 40-60 ns each here. Every map is bounded; the thread
 * and pair tables are LRU hashes whose insertions are counted, so user space
 * reports evictions (insertions minus live records) instead of losing
 * records silently.
 */
#define perf_event_type vmlinux_perf_event_type
#include "vmlinux.h"
#undef perf_event_type
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "resources.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_THREAD 0x00010000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define MAX_ERRNO 4095
#define REQ_OP_MASK 0xff
#define REQ_OP_WRITE 1

#define NR_read 0
#define NR_write 1
#define NR_mmap 9
#define NR_munmap 11
#define NR_brk 12
#define NR_readv 19
#define NR_writev 20
#define NR_mremap 25
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_recvmmsg 299
#define NR_sendmmsg 307

#define VM_CALL_MMAP 1
#define VM_CALL_MUNMAP 2
#define VM_CALL_BRK 3

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PA_RES_TASKS_MAX);
	__type(key, uint32_t);
	__type(value, struct pa_res_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PA_RES_CHANNELS_MAX);
	__type(key, uint64_t);
	__type(value, struct pa_res_msg);
} msgs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PA_RES_PAIRS_MAX);
	__type(key, struct pa_res_pair_key);
	__type(value, struct pa_res_pair);
} pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PA_RES_RQ_MAX);
	__type(key, uint64_t);
	__type(value, struct pa_res_rq);
} rqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, uint32_t);
	__type(value, struct pa_res_cpu);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PA_RES_SYSCALL_NR_MAX);
	__type(key, uint32_t);
	__type(value, struct pa_res_sys);
} sys_attr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PA_RES_C_MAX);
	__type(key, uint32_t);
	__type(value, uint64_t);
} counters SEC(".maps");

static const struct pa_res_task zero_task;
static const struct pa_res_pair zero_pair;

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* Atomic: some counters are bumped from interrupt context too. */
static __always_inline void cnt(uint32_t idx, uint64_t v)
{
	uint64_t *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		__sync_fetch_and_add(c, v);
}

/* Record of thread t (NULL: current), created on first sight. */
static __always_inline struct pa_res_task *task_rec(struct task_struct *t)
{
	struct pa_res_task *r;
	uint32_t tid;

	if (!t)
		t = bpf_get_current_task_btf();
	tid = t->pid;
	r = bpf_map_lookup_elem(&tasks, &tid);
	if (r)
		return r;
	if (bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_NOEXIST) == 0)
		cnt(PA_RES_C_TASK_INSERT, 1);
	r = bpf_map_lookup_elem(&tasks, &tid);
	if (!r) {
		cnt(PA_RES_C_TASK_NOSPACE, 1);
		return NULL;
	}
	if (!r->tgid) {
		r->tgid = t->tgid;
		r->start_ns = t->start_time;
		bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), t->comm);
		if (t->pid != t->tgid)
			r->flags |= PA_RES_F_THREAD;
		if (t->mm)
			r->vm_first_pages = r->vm_pages = r->vm_peak_pages = BPF_CORE_READ(t, mm, total_vm);
	}
	return r;
}

static __always_inline struct pa_res_task *task_find(uint32_t tid)
{
	return bpf_map_lookup_elem(&tasks, &tid);
}

/*
 * Channel of an fd if it is a pipe or a Unix socket, else 0. A pipe's two
 * ends share their pipe_inode_info; a Unix socket's sends are keyed by the
 * peer socket, its receives by itself, so both ends name the receiving
 * socket.
 */
static __always_inline uint64_t ipc_channel(uint32_t fd, bool send, uint8_t *is_sock)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = t->files->fdt;
	struct file *f = NULL;
	unsigned int mode;

	if (!fdt || fd >= fdt->max_fds)
		return 0;
	if (bpf_probe_read_kernel(&f, sizeof(f), (void *)((unsigned long)fdt->fd + fd * sizeof(f))) || !f)
		return 0;
	f = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
	mode = f->f_inode->i_mode & S_IFMT;
	if (mode == S_IFIFO)
		return (uint64_t)(unsigned long)f->private_data;
	if (mode == S_IFSOCK) {
		struct socket *sock = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
		struct sock *sk = sock->sk;
		struct unix_sock *u;

		if (!sk || sk->__sk_common.skc_family != AF_UNIX)
			return 0;
		*is_sock = 1;
		if (!send)
			return (uint64_t)(unsigned long)sk;
		u = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct unix_sock));
		return (uint64_t)(unsigned long)u->peer;
	}
	return 0;
}

static __always_inline void send_begin(struct pa_res_task *r, uint64_t key, uint64_t now, uint32_t tid,
				       uint32_t tgid)
{
	struct pa_res_msg *m = bpf_map_lookup_elem(&msgs, &key);

	if (!m) {
		struct pa_res_msg init = { .send_ns = now, .sender_tid = tid, .sender_tgid = tgid, .pending = 1 };

		bpf_map_update_elem(&msgs, &key, &init, BPF_NOEXIST);
		return;
	}
	if (!m->pending) {
		m->send_ns = now;
		m->sender_tid = tid;
		m->sender_tgid = tgid;
		m->pending = 1;
	} else {
		__sync_fetch_and_add(&m->pending, 1);
	}
}

static __always_inline void send_end(uint64_t key, long ret)
{
	struct pa_res_msg *m;

	if (ret > 0) {
		cnt(PA_RES_C_MSG_SENT, 1);
		return;
	}
	cnt(PA_RES_C_MSG_FAILED, 1);
	m = bpf_map_lookup_elem(&msgs, &key);
	if (m && m->pending)
		m->pending--;
}

static __always_inline void receive_end(struct pa_res_task *r, uint64_t key, long ret, uint64_t now, uint32_t tid,
					bool is_sock)
{
	struct pa_res_pair_key pk;
	struct pa_res_msg *m;
	struct pa_res_pair *p;
	struct pa_res_task *s;
	uint64_t lat, extra;
	bool woken;

	if (ret <= 0)
		return;
	m = bpf_map_lookup_elem(&msgs, &key);
	if (!m || !m->pending) {
		cnt(PA_RES_C_MSG_UNLINKED, 1);
		return;
	}
	lat = now > m->send_ns ? now - m->send_ns : 0;
	extra = m->pending - 1;
	m->pending = 0;
	woken = r->woken_key == key && r->woken_ns >= m->send_ns;
	cnt(PA_RES_C_MSG_LINKED, 1);
	if (woken)
		cnt(PA_RES_C_MSG_WOKEN, 1);
	if (extra)
		cnt(PA_RES_C_MSG_COALESCED, extra);
	r->ipc_received++;
	r->ipc_latency_ns += lat;
	s = task_find(m->sender_tid);
	if (s)
		__sync_fetch_and_add(&s->ipc_sent, 1);
	pk.sender_tid = m->sender_tid;
	pk.receiver_tid = tid;
	p = bpf_map_lookup_elem(&pairs, &pk);
	if (!p) {
		if (bpf_map_update_elem(&pairs, &pk, &zero_pair, BPF_NOEXIST) == 0)
			cnt(PA_RES_C_PAIR_INSERT, 1);
		p = bpf_map_lookup_elem(&pairs, &pk);
		if (!p)
			return;
		p->sender_tgid = m->sender_tgid;
		p->receiver_tgid = r->tgid;
		p->min_ns = lat;
		p->is_socket = is_sock;
	}
	p->count++;
	p->latency_ns += lat;
	if (lat < p->min_ns)
		p->min_ns = lat;
	if (lat > p->max_ns)
		p->max_ns = lat;
	p->coalesced += extra;
	if (woken) {
		p->woken++;
		p->wake_ns += now - r->woken_ns;
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(res_sys_enter, struct pt_regs *regs, long id)
{
	struct pa_res_task *r = task_rec(NULL);
	uint64_t now;
	uint8_t is_sock = 0;

	if (!r)
		return 0;
	r->sys_nr = (uint32_t)id;
	r->ipc_key = 0;
	r->ipc_dir = 0;
	r->ipc_ev = 0;
	r->vm_call = 0;
	now = bpf_ktime_get_ns();
	switch (id) {
	case NR_write: case NR_writev: case NR_sendto: case NR_sendmsg: case NR_sendmmsg:
		r->ipc_key = ipc_channel((uint32_t)regs->di, true, &is_sock);
		if (r->ipc_key) {
			r->ipc_dir = 1;
			r->ipc_ev = PERF_EVENT_IPC_SEND + 1;
			send_begin(r, r->ipc_key, now, (uint32_t)bpf_get_current_pid_tgid(), r->tgid);
		} else if (is_sock) {
			r->ipc_ev = PERF_EVENT_IPC_SEND + 1;
			cnt(PA_RES_C_MSG_NOKEY, 1);
		}
		break;
	case NR_read: case NR_readv: case NR_recvfrom: case NR_recvmsg: case NR_recvmmsg:
		r->ipc_key = ipc_channel((uint32_t)regs->di, false, &is_sock);
		if (r->ipc_key) {
			r->ipc_dir = 2 | (is_sock << 2);
			r->ipc_ev = PERF_EVENT_IPC_RECEIVE + 1;
		}
		break;
	case NR_mmap: case NR_mremap:
		r->vm_call = VM_CALL_MMAP;
		break;
	case NR_munmap:
		r->vm_call = VM_CALL_MUNMAP;
		break;
	case NR_brk:
		r->vm_call = VM_CALL_BRK;
		break;
	}
	r->sys_start = now;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(res_sys_exit, struct pt_regs *regs, long ret)
{
	uint64_t now = bpf_ktime_get_ns(), dur;
	uint32_t tid = (uint32_t)bpf_get_current_pid_tgid();
	struct pa_res_task *r = task_find(tid);
	uint32_t ev;

	if (!r || !r->sys_start)
		return 0;
	dur = now - r->sys_start;
	r->sys_start = 0;
	r->ev_count[PERF_EVENT_SYSCALL]++;
	r->ev_ns[PERF_EVENT_SYSCALL] += dur;
	if (ret < 0 && ret >= -MAX_ERRNO)
		r->sys_errors++;
	if (r->ipc_ev) {
		ev = r->ipc_ev - 1;
		if (ev < PERF_EVENT_MAX) {
			r->ev_count[ev]++;
			r->ev_ns[ev] += dur;
		}
		if (r->ipc_dir == 1)
			send_end(r->ipc_key, ret);
		else if (r->ipc_dir & 2)
			receive_end(r, r->ipc_key, ret, now, tid, r->ipc_dir & 4);
		r->ipc_ev = 0;
	}
	if (r->vm_call) {
		struct task_struct *t = bpf_get_current_task_btf();
		uint64_t before = r->vm_pages, after = t->mm ? BPF_CORE_READ(t, mm, total_vm) : 0;

		ev = PERF_EVENT_MAX;
		if (r->vm_call == VM_CALL_MMAP)
			ev = PERF_EVENT_VM_ALLOC;
		else if (r->vm_call == VM_CALL_MUNMAP)
			ev = PERF_EVENT_VM_FREE;
		else if (after > before)
			ev = PERF_EVENT_VM_ALLOC;
		else if (after < before)
			ev = PERF_EVENT_VM_FREE;
		if (ev < PERF_EVENT_MAX) {
			r->ev_count[ev]++;
			r->ev_ns[ev] += dur;
		}
		r->vm_pages = after;
		if (after > r->vm_peak_pages)
			r->vm_peak_pages = after;
		r->vm_call = 0;
	}
	return 0;
}

/*
 * CPU time: the time between two switches on a CPU belongs to the task
 * switched out (or to idle). The run-queue latency of `next` is the
 * scheduler's own sched_info.last_queued against its run queue's clock.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(res_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	uint64_t now = bpf_ktime_get_ns(), delta = 0, queued;
	uint32_t zero = 0;
	struct pa_res_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);
	struct pa_res_task *r;
	struct rq *rq;

	if (!c)
		return 0;
	if (c->since && now > c->since)
		delta = now - c->since;
	if (!prev->pid) {
		c->idle_ns += delta;
	} else {
		c->busy_ns += delta;
		r = task_rec(prev);
		if (r) {
			r->cpu_ns += delta;
			if (prev_state)
				r->voluntary++;
		}
	}
	c->since = now;
	c->curr_tid = next->pid;
	if (!next->pid)
		return 0;
	r = task_rec(next);
	if (!r)
		return 0;
	r->switches_in++;
	r->ev_count[PERF_EVENT_CONTEXT_SWITCH]++;
	queued = next->sched_info.last_queued;
	rq = BPF_CORE_READ(next, se.cfs_rq, rq);
	if (queued && rq) {
		uint64_t clock = BPF_CORE_READ(rq, clock);

		if (clock > queued) {
			r->runq_ns += clock - queued;
			r->ev_ns[PERF_EVENT_CONTEXT_SWITCH] += clock - queued;
		}
	}
	return 0;
}

/* The wake-up that links a send to its receive: the sender wakes the receiver. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(res_sched_wakeup, struct task_struct *p)
{
	uint32_t tid = (uint32_t)bpf_get_current_pid_tgid();
	struct pa_res_task *r, *w;

	if (!tid)
		return 0;
	r = task_find(tid);
	if (!r || r->ipc_dir != 1 || !r->sys_start)
		return 0;
	w = task_find(p->pid);
	if (!w)
		return 0;
	w->woken_key = r->ipc_key;
	w->woken_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(res_task_newtask, struct task_struct *task, u64 clone_flags)
{
	uint32_t tid = task->pid;
	struct pa_res_task *parent, *r;

	/*
	 * A reused thread id starts a fresh record: replaced in place, not
	 * deleted and inserted, so that insertions minus live records stays
	 * the number of evictions.
	 */
	bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_EXIST);
	r = task_rec(task);
	if (r) {
		r->ppid = (uint32_t)(bpf_get_current_pid_tgid() >> 32);
		r->flags |= PA_RES_F_SEEN_CREATE | ((clone_flags & CLONE_THREAD) ? PA_RES_F_THREAD : 0);
		r->start_ns = bpf_ktime_get_ns();
	}
	parent = task_rec(NULL);
	if (parent)
		parent->ev_count[(clone_flags & CLONE_THREAD) ? PERF_EVENT_THREAD_CREATE : PERF_EVENT_TASK_CREATE]++;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(res_sched_process_exit, struct task_struct *p, bool group_dead)
{
	struct pa_res_task *r = task_rec(p);
	uint64_t now = bpf_ktime_get_ns();
	uint32_t ev = group_dead ? PERF_EVENT_TASK_TERMINATE : PERF_EVENT_THREAD_TERMINATE;

	if (!r)
		return 0;
	r->exit_ns = now;
	r->exit_code = p->exit_code;
	r->ev_count[ev]++;
	r->ev_ns[ev] += now > r->start_ns ? now - r->start_ns : 0;
	r->sys_start = 0;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(res_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pa_res_task *r = task_rec(p);

	if (r) {
		bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), p->comm);
		if (p->mm)
			r->vm_pages = BPF_CORE_READ(p, mm, total_vm);
	}
	return 0;
}

static __always_inline void irq_seen(uint32_t which)
{
	uint32_t tid = (uint32_t)bpf_get_current_pid_tgid();
	struct pa_res_task *r;

	cnt(PA_RES_C_IRQS, 1);
	if (!tid)
		return;
	r = task_find(tid);
	if (!r)
		return;
	__sync_fetch_and_add(&r->ev_count[PERF_EVENT_INTERRUPT], 1);
	if (r->sys_start) {
		uint32_t nr = r->sys_nr;
		struct pa_res_sys *s = nr < PA_RES_SYSCALL_NR_MAX ? bpf_map_lookup_elem(&sys_attr, &nr) : NULL;

		__sync_fetch_and_add(&r->irqs_in_sys, 1);
		cnt(PA_RES_C_IRQS_IN_SYS, 1);
		if (s) {
			if (which)
				__sync_fetch_and_add(&s->softirqs, 1);
			else
				__sync_fetch_and_add(&s->irqs, 1);
		}
	}
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(res_irq_entry, int irq, struct irqaction *action)
{
	irq_seen(0);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(res_softirq_entry, unsigned int vec)
{
	irq_seen(1);
	return 0;
}

static __always_inline void fault_seen(void)
{
	struct pa_res_task *r = task_rec(NULL);

	cnt(PA_RES_C_FAULTS, 1);
	if (!r)
		return;
	r->ev_count[PERF_EVENT_PAGE_FAULT]++;
	if (r->sys_start) {
		uint32_t nr = r->sys_nr;
		struct pa_res_sys *s = nr < PA_RES_SYSCALL_NR_MAX ? bpf_map_lookup_elem(&sys_attr, &nr) : NULL;

		r->faults_in_sys++;
		cnt(PA_RES_C_FAULTS_IN_SYS, 1);
		if (s)
			__sync_fetch_and_add(&s->faults, 1);
	}
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(res_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	fault_seen();
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(res_page_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	fault_seen();
	return 0;
}

/* Block I/O: accounting starts in the submitter's context, which owns the request. */
SEC("tp_btf/block_io_start")
int BPF_PROG(res_block_io_start, struct request *rq)
{
	uint64_t key = (uint64_t)(unsigned long)rq, pid_tgid = bpf_get_current_pid_tgid();
	struct pa_res_rq v = {
		.start_ns = bpf_ktime_get_ns(),
		.tid = (uint32_t)pid_tgid,
		.tgid = pid_tgid >> 32,
		.bytes = rq->__data_len,
		.write = (rq->cmd_flags & REQ_OP_MASK) == REQ_OP_WRITE,
	};

	bpf_map_update_elem(&rqs, &key, &v, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(res_block_rq_issue, struct request *rq)
{
	uint64_t key = (uint64_t)(unsigned long)rq, now = bpf_ktime_get_ns();
	struct pa_res_rq *v = bpf_map_lookup_elem(&rqs, &key);

	if (v) {
		v->issue_ns = now;
	} else {
		uint64_t pid_tgid = bpf_get_current_pid_tgid();
		struct pa_res_rq n = {
			.start_ns = now, .issue_ns = now, .tid = (uint32_t)pid_tgid, .tgid = pid_tgid >> 32,
			.write = (rq->cmd_flags & REQ_OP_MASK) == REQ_OP_WRITE,
		};

		bpf_map_update_elem(&rqs, &key, &n, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(res_block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	uint64_t key = (uint64_t)(unsigned long)rq, now = bpf_ktime_get_ns(), lat, start;
	struct pa_res_rq *v = bpf_map_lookup_elem(&rqs, &key);
	struct pa_res_task *r;
	bool write;

	if (!v) {
		cnt(PA_RES_C_RQ_UNMATCHED, 1);
		return 0;
	}
	start = v->issue_ns ? v->issue_ns : v->start_ns;
	lat = now > start ? now - start : 0;
	write = v->write;
	cnt(PA_RES_C_RQ_DONE, 1);
	cnt(write ? PA_RES_C_IO_BYTES_WRITE : PA_RES_C_IO_BYTES_READ, nr_bytes);
	cnt(PA_RES_C_IO_NS, lat);
	r = task_find(v->tid);
	if (r) {
		__sync_fetch_and_add(&r->io_reqs, 1);
		if (write)
			__sync_fetch_and_add(&r->io_write_bytes, nr_bytes);
		else
			__sync_fetch_and_add(&r->io_read_bytes, nr_bytes);
		__sync_fetch_and_add(&r->io_ns, lat);
		if (lat > r->io_max_ns)
			r->io_max_ns = lat;
	}
	bpf_map_delete_elem(&rqs, &key);
	return 0;
}
