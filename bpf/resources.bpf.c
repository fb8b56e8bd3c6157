/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.bpf.c - resource tracking and event correlation: per-thread CPU
 * time, run-queue latency, address-space size, block I/O and time per event
 * type; IPC messages linked from send to receipt; page faults and
 * interrupts attributed to the syscall they interrupt.
 *
 * Separate from capture.bpf.c so that it can be loaded or left out on its
 * own; its part of each syscall lives in resources-sys.h, which the
 * collector's syscall programs run too when both are loaded (then this
 * file's own syscall programs stay detached). Costs that shape this file, on the test VM (PTI without PCID: every
 * kernel entry flushes the TLB, so each distinct page a program touches costs
 * a page walk, ~30 ns; kvm-clock): a thread's record is element tid of a plain
 * array (an inlined lookup: address arithmetic, no hash, no helper call; the
 * array is mmapable, which makes its 512-byte values page-aligned, so a
 * record is one page), with an LRU hash only for ids above the array's size
 * (pid_max). The hot events do not touch the record at all: the syscall in
 * flight and the running thread's pending statistics (acc) sit in this CPU's
 * element of cpu_state, and sched_switch, which touches the record of the
 * thread it switches out anyway, moves them there (a syscall still in flight
 * goes with them and comes back at the thread's next switch-in). The current
 * thread's id comes from cpu_state too (set at switch-in), not from a
 * helper. So a plain syscall touches one page of ours and reads the clock
 * twice. A read-family call's fd is classified at sys_exit, after the call
 * walked the same pages; a send's at sys_enter, since its pending message
 * must exist before the receiver can see the data.
 * Measured (getppid on top of the collector, setups alternating in one
 * process; docs/resources.md has the tables): with its own syscall programs
 * this file added 220-300 ns per syscall, where the LRU-hash version added
 * 270-370; an empty sys_enter and sys_exit pair alone costs 165-220 (the
 * floor of any second object on these hooks), and the two clock reads are
 * most of the rest, hence resources-sys.h. Per run
 * (kernel.bpf_stats): sys_enter 207 -> 143 ns, sched_switch 448 -> 366,
 * page_fault_user 196 -> 100.
 */
#define perf_event_type vmlinux_perf_event_type
#include "vmlinux.h"
#undef perf_event_type
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kernel-defs.h"
#include "resources.h"
#include "resources-sys.h"

char LICENSE[] SEC("license") = "GPL";

#define REQ_OP_MASK 0xff
#define REQ_OP_WRITE 1
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PA_RES_RQ_MAX);
	__type(key, uint64_t);
	__type(value, struct pa_res_rq);
} rqs SEC(".maps");



/*
 * The syscall and sched_switch programs of resource tracking loaded alone;
 * when the daemon loads the collector too, these stay detached and the
 * collector's own programs on those hooks run the same code
 * (resources-sys.h).
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(res_sys_enter_prog, struct pt_regs *regs, long id)
{
	uint64_t send_key;
	struct pa_res_cpu *cs = res_sys_enter(regs, id, &send_key);

	if (cs)
		res_sys_started(cs, send_key, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(res_sys_exit_prog, struct pt_regs *regs, long ret)
{
	res_sys_exit(ret, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(res_sched_switch_prog, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	res_sched_switch(prev, next, prev_state, bpf_ktime_get_ns());
	return 0;
}

/* The wake-up that links a send to its receive: the sender wakes the receiver. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(res_sched_wakeup, struct task_struct *p)
{
	struct pa_res_cpu *cs = cpu_state_get();
	struct pa_res_task *w;

	/* the current thread is inside a send */
	if (!cs || !cs->sys_tid || cs->ipc_dir != PA_RES_IPC_SEND)
		return 0;
	w = task_find(p->pid);
	if (!w || !w->tgid)
		return 0;
	w->woken_key = cs->ipc_key;
	w->woken_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(res_task_newtask, struct task_struct *task, u64 clone_flags)
{
	uint32_t tid = task->pid;
	struct pa_res_cpu *cs = cpu_state_get();
	struct pa_res_task *parent, *r;

	if (!cs)
		return 0;
	/*
	 * A reused thread id starts a fresh record. An array slot still holding
	 * an exited thread's record loses it (counted); a tasks_hi record is
	 * replaced in place, not deleted and inserted, so that insertions minus
	 * live records stays the number of evictions.
	 */
	r = task_find(tid);
	if (r && r->tgid) {
		cnt(cs, PA_RES_C_TASK_REUSED, 1);
		if (bpf_map_lookup_elem(&tasks, &tid))
			bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_ANY);
		else
			bpf_map_update_elem(&tasks_hi, &tid, &zero_task, BPF_EXIST);
	}
	r = task_rec(cs, task, tid);
	if (r) {
		r->ppid = (uint32_t)(bpf_get_current_pid_tgid() >> 32);
		r->flags |= PA_RES_F_SEEN_CREATE | ((clone_flags & CLONE_THREAD) ? PA_RES_F_THREAD : 0);
	}
	parent = task_rec(cs, NULL, (uint32_t)bpf_get_current_pid_tgid());
	if (parent)
		parent->ev_count[(clone_flags & CLONE_THREAD) ? PERF_EVENT_THREAD_CREATE : PERF_EVENT_TASK_CREATE]++;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(res_sched_process_exit, struct task_struct *p, bool group_dead)
{
	uint32_t ev = group_dead ? PERF_EVENT_TASK_TERMINATE : PERF_EVENT_THREAD_TERMINATE, tid = p->pid;
	struct pa_res_cpu *cs = cpu_state_get();
	uint64_t now = bpf_ktime_get_ns();
	struct pa_res_task *r;

	if (!cs)
		return 0;
	/* exit and exit_group never return */
	cs->sys_tid = 0;
	r = task_rec(cs, p, tid);
	if (!r)
		return 0;
	r->exit_ns = now;
	r->exit_code = p->exit_code;
	/* the name it ends with (prctl(PR_SET_NAME) and thread names are set after creation) */
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), p->comm);
	r->ev_count[ev]++;
	r->ev_ns[ev] += now > r->start_ns ? now - r->start_ns : 0;
	r->sys_start = 0;
	return 0;
}

/* A non-leader thread's exec takes the leader's id: the CPU's state follows it. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(res_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pa_res_cpu *cs = cpu_state_get();
	uint32_t tid = p->pid;
	struct pa_res_task *r;

	if (!cs)
		return 0;
	if (cs->sys_tid)
		cs->sys_tid = tid;
	if (cs->curr_tid)
		cs->curr_tid = tid;
	r = task_rec(cs, p, tid);
	if (r) {
		bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), p->comm);
		if (p->mm)
			r->vm_pages = BPF_CORE_READ(p, mm, total_vm);
	}
	return 0;
}

/*
 * Interrupts and page faults of resource tracking loaded alone (see the
 * syscall programs above): res_seen() in resources-sys.h.
 */
SEC("tp_btf/irq_handler_entry")
int BPF_PROG(res_irq_entry, int irq, struct irqaction *action)
{
	res_seen(SEEN_IRQ);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(res_softirq_entry, unsigned int vec)
{
	res_seen(SEEN_SOFTIRQ);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(res_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	res_seen(SEEN_FAULT);
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(res_page_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	res_seen(SEEN_FAULT);
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
	struct pa_res_cpu *cs = cpu_state_get();
	struct pa_res_task *r;
	bool write;

	if (!cs)
		return 0;
	if (!v) {
		cnt(cs, PA_RES_C_RQ_UNMATCHED, 1);
		return 0;
	}
	start = v->issue_ns ? v->issue_ns : v->start_ns;
	lat = now > start ? now - start : 0;
	write = v->write;
	cnt(cs, PA_RES_C_RQ_DONE, 1);
	cnt(cs, write ? PA_RES_C_IO_BYTES_WRITE : PA_RES_C_IO_BYTES_READ, nr_bytes);
	cnt(cs, PA_RES_C_IO_NS, lat);
	r = task_find(v->tid);
	if (r && r->tgid) {
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
