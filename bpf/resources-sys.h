/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources-sys.h - resource tracking's part of the hooks kernel capture
 * uses too: every syscall, context switch, page fault and interrupt entry.
 * Included by two objects: bpf/resources.bpf.c, whose own programs on those
 * hooks run it when resource tracking is loaded alone, and
 * bpf/capture.bpf.c, whose programs on those hooks run it too when the
 * daemon loads both (configuration word `resources`). Then one program per
 * hook does both jobs with one clock read: a second object's empty
 * sys_enter/sys_exit pair alone costs about as much as the first's, 130-220
 * ns per syscall on the test VM (PTI without PCID), and its clock reads most
 * of the rest. The capture object then uses resource tracking's maps, not
 * its own copies (user space hands their fds over before load:
 * bpf_map__reuse_fd), so the records are the same whichever object updates
 * them.
 *
 * Needs vmlinux.h, the libbpf headers, kernel-defs.h and resources.h first.
 */
#ifndef PA_BPF_RESOURCES_SYS_H
#define PA_BPF_RESOURCES_SYS_H

/* numbers below 64 of sends, read-family calls and address-space changes: one bit test skips the rest */
#define LOW_SEND ((1ull << NR_write) | (1ull << NR_writev) | (1ull << NR_sendto) | (1ull << NR_sendmsg))
#define LOW_RECV ((1ull << NR_read) | (1ull << NR_readv) | (1ull << NR_recvfrom) | (1ull << NR_recvmsg))
#define LOW_VM ((1ull << NR_mmap) | (1ull << NR_mremap) | (1ull << NR_munmap) | (1ull << NR_brk))

/* ipc_dir of a send on an unconnected socket: an IPC send without a channel */
#define PA_RES_IPC_NOKEY 3

/*
 * Thread records: an array indexed by thread id (an inlined lookup: address
 * arithmetic, one page per record) for ids below its size, set by user
 * space before load (pid_max); larger ids in tasks_hi, an LRU hash.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 32768); /* set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_res_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PA_RES_TASKS_MAX); /* set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_res_task);
} tasks_hi SEC(".maps");

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

/*
 * Per-CPU state, element = CPU id: a plain array, not a per-CPU map (an
 * inlined per-CPU lookup reads the map's pointer table, one page more).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* = possible CPUs, set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_res_cpu);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PA_RES_SYSCALL_NR_MAX); /* x possible CPUs, set by user space before load */
	__type(key, uint32_t);
	__type(value, struct pa_res_sys);
} sys_attr SEC(".maps");

static const struct pa_res_task zero_task;
static const struct pa_res_pair zero_pair;

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

static __always_inline struct pa_res_cpu *cpu_state_get(void)
{
	uint32_t cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&cpu_state, &cpu);
}

/*
 * The current thread's id, from the kernel, not cpu_state's curr_tid: on
 * this kernel some switches are not reported (sched_switch shows threads of
 * the init process switched in but never out: perf and bpftrace see the
 * same), and a thread id trusted from the last reported switch put one
 * process's syscalls, and a pipe message it received, on another thread.
 * curr_tid stays what the CPU-time accounting and the pending statistics
 * (acc) go by; a syscall is added to acc only when both agree.
 */
static __always_inline uint32_t current_tid(void)
{
	return (uint32_t)bpf_get_current_pid_tgid();
}

/* Atomic: some counters are bumped from interrupt context too. */
static __always_inline void cnt(struct pa_res_cpu *cs, uint32_t idx, uint64_t v)
{
	if (idx < PA_RES_C_MAX)
		__sync_fetch_and_add(&cs->counters[idx], v);
}

/* Fill a fresh record (tgid == 0) from its thread. */
static __always_inline void rec_init(struct pa_res_cpu *cs, struct pa_res_task *r, struct task_struct *t)
{
	r->tgid = t->tgid;
	r->start_ns = t->start_time;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), t->comm);
	if (t->pid != t->tgid)
		r->flags |= PA_RES_F_THREAD;
	if (t->mm)
		r->vm_first_pages = r->vm_pages = r->vm_peak_pages = BPF_CORE_READ(t, mm, total_vm);
	if (cs)
		cnt(cs, PA_RES_C_TASK_INSERT, 1);
}

/* Record of thread tid without creating it: its array slot (maybe unused), else tasks_hi's record or NULL. */
static __always_inline struct pa_res_task *task_find(uint32_t tid)
{
	struct pa_res_task *r = bpf_map_lookup_elem(&tasks, &tid);

	if (r)
		return r;
	return bpf_map_lookup_elem(&tasks_hi, &tid);
}

/* Record of thread t (NULL: current, whose id is tid), created on first sight. */
static __always_inline struct pa_res_task *task_rec(struct pa_res_cpu *cs, struct task_struct *t, uint32_t tid)
{
	struct pa_res_task *r = bpf_map_lookup_elem(&tasks, &tid);

	if (!r) {
		r = bpf_map_lookup_elem(&tasks_hi, &tid);
		if (!r) {
			if (bpf_map_update_elem(&tasks_hi, &tid, &zero_task, BPF_NOEXIST) == 0 && cs)
				cnt(cs, PA_RES_C_TASK_HI_INSERT, 1);
			r = bpf_map_lookup_elem(&tasks_hi, &tid);
			if (!r) {
				if (cs)
					cnt(cs, PA_RES_C_TASK_NOSPACE, 1);
				return NULL;
			}
		}
	}
	if (!r->tgid)
		rec_init(cs, r, t ? t : bpf_get_current_task_btf());
	return r;
}

/*
 * Channel of an fd if it is a pipe or a Unix socket, else 0. A pipe's two
 * ends share their pipe_inode_info; a Unix socket's sends are keyed by the
 * peer socket, its receives by itself, so both ends name the receiving
 * socket. A receive's channel is never 0 for a pipe or a Unix socket, so
 * kernel capture uses it to tell IPC from other fds too. Direct
 * (fault-safe) loads through BTF pointers, no bpf_probe_read_kernel() calls.
 */
static __always_inline uint64_t ipc_channel(uint32_t fd, bool send, uint8_t *is_sock)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = t->files->fdt;
	struct file *f;
	unsigned int mode;

	if (!fdt || fd >= fdt->max_fds)
		return 0;
	/*
	 * The slot, indexed by a variable, read through a type whose first
	 * member is a struct file * (struct kiocb): a fault-safe load like the
	 * others, where bpf_probe_read_kernel() costs a helper call.
	 */
	f = ((struct kiocb *)bpf_rdonly_cast((void *)((unsigned long)fdt->fd + fd * sizeof(f)),
					     bpf_core_type_id_kernel(struct kiocb)))->ki_filp;
	if (!f)
		return 0;
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

static __always_inline void send_begin(uint64_t key, uint64_t now, uint32_t tid, uint32_t tgid)
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

static __always_inline void send_end(struct pa_res_cpu *cs, uint64_t key, long ret)
{
	struct pa_res_msg *m;

	if (ret > 0) {
		cnt(cs, PA_RES_C_MSG_SENT, 1);
		return;
	}
	cnt(cs, PA_RES_C_MSG_FAILED, 1);
	m = bpf_map_lookup_elem(&msgs, &key);
	if (m && m->pending)
		m->pending--;
}

static __always_inline void receive_end(struct pa_res_cpu *cs, struct pa_res_task *r, uint64_t key, long ret,
					uint64_t now, uint32_t tid, bool is_sock)
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
		cnt(cs, PA_RES_C_MSG_UNLINKED, 1);
		return;
	}
	lat = now > m->send_ns ? now - m->send_ns : 0;
	extra = m->pending - 1;
	m->pending = 0;
	woken = r->woken_key == key && r->woken_ns >= m->send_ns;
	cnt(cs, PA_RES_C_MSG_LINKED, 1);
	if (woken)
		cnt(cs, PA_RES_C_MSG_WOKEN, 1);
	if (extra)
		cnt(cs, PA_RES_C_MSG_COALESCED, extra);
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
			cnt(cs, PA_RES_C_PAIR_INSERT, 1);
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


/*
 * A syscall starts in this CPU's state, which nothing else touches on the
 * way: no record, and no clock read here (the caller reads it last and
 * hands it to res_sys_started). Only a send needs its channel now (a
 * pending message must be there before the data is visible to the
 * receiver); a read-family call is classified at sys_exit, when the call
 * itself has walked the same fd table, file and inode pages. Returns this
 * CPU's state (NULL: none), with *send_key the channel of a send, else 0.
 */
static __always_inline struct pa_res_cpu *res_sys_enter(struct pt_regs *regs, long id, uint64_t *send_key)
{
	struct pa_res_cpu *cs = cpu_state_get();
	uint64_t key;
	uint8_t is_sock = 0;

	*send_key = 0;
	if (!cs)
		return NULL;
	cs->sys_tid = current_tid();
	cs->sys_nr = (uint32_t)id;
	cs->ipc_dir = 0;
	if (((uint64_t)id < 64 && ((1ull << id) & (LOW_SEND | LOW_RECV))) || id == NR_recvmmsg || id == NR_sendmmsg) {
		switch (id) {
		case NR_write: case NR_writev: case NR_sendto: case NR_sendmsg: case NR_sendmmsg:
			key = ipc_channel((uint32_t)regs->di, true, &is_sock);
			if (key) {
				cs->ipc_dir = PA_RES_IPC_SEND;
				cs->ipc_key = key;
				*send_key = key;
			} else if (is_sock) {
				cs->ipc_dir = PA_RES_IPC_NOKEY;
				cnt(cs, PA_RES_C_MSG_NOKEY, 1);
			}
			break;
		default:
			cs->ipc_dir = PA_RES_IPC_RECV;
			cs->sys_arg = (uint32_t)regs->di;
			break;
		}
	}
	return cs;
}

/* The syscall's start time, read last so that our own work is not in the duration. */
static __always_inline void res_sys_started(struct pa_res_cpu *cs, uint64_t send_key, uint64_t now)
{
	if (send_key) {
		uint64_t pid_tgid = bpf_get_current_pid_tgid();

		send_begin(send_key, now, (uint32_t)pid_tgid, pid_tgid >> 32);
	}
	cs->sys_start = now;
}

/* The rarer syscalls: IPC and address-space changes, straight into the record. */
static __always_inline void sys_exit_slow(struct pa_res_cpu *cs, struct pa_res_task *r, uint32_t nr, uint8_t dir,
					  uint64_t key, bool is_sock, long ret, uint64_t now, uint64_t dur,
					  uint32_t tid)
{
	uint32_t ev = PERF_EVENT_MAX;

	if (dir) {
		ev = dir == PA_RES_IPC_RECV ? PERF_EVENT_IPC_RECEIVE : PERF_EVENT_IPC_SEND;
		r->ev_count[ev]++;
		r->ev_ns[ev] += dur;
		if (dir == PA_RES_IPC_SEND)
			send_end(cs, key, ret);
		else if (dir == PA_RES_IPC_RECV)
			receive_end(cs, r, key, ret, now, tid, is_sock);
		return;
	}
	if (nr < 64 && ((1ull << nr) & LOW_VM)) {
		struct task_struct *t = bpf_get_current_task_btf();
		uint64_t before = r->vm_pages, after = t->mm ? BPF_CORE_READ(t, mm, total_vm) : 0;

		if (nr == NR_munmap)
			ev = PERF_EVENT_VM_FREE;
		else if (nr != NR_brk || after > before)
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
	}
}


/* What res_sys_exit found out about the fd of a read- or write-family call */
enum { RES_FD_UNKNOWN, RES_FD_OTHER, RES_FD_IPC };

/*
 * The common syscall (not IPC, not an address-space change, thread switched
 * in since load) touches this CPU's page alone: its count and time go to
 * acc, which sched_switch moves into the record. now: the clock at sys_exit.
 * Returns RES_FD_IPC or RES_FD_OTHER for a read- or write-family call whose
 * fd it classified (at sys_enter for a send, here for a receive), so that
 * kernel capture need not look again; else RES_FD_UNKNOWN.
 */
static __always_inline int res_sys_exit(long ret, uint64_t now)
{
	struct pa_res_cpu *cs = cpu_state_get();
	struct pa_res_task *r;
	bool err = ret < 0 && ret >= -MAX_ERRNO, slow;
	uint8_t dir, is_sock = 0;
	uint32_t tid, nr, arg;
	uint64_t start, dur, key;
	int fd;

	if (!cs)
		return RES_FD_UNKNOWN;
	tid = current_tid();
	if (cs->sys_tid == tid) {
		/* the common case: this CPU's state is the current thread's syscall */
		cs->sys_tid = 0;
		start = cs->sys_start;
		nr = cs->sys_nr;
		dir = cs->ipc_dir;
		key = cs->ipc_key;
		arg = cs->sys_arg;
	} else {
		/*
		 * Every reported switch clears or restores the CPU's state, but
		 * some switches are not reported (see current_tid): the state
		 * may be another thread's (dropped, counted), and the current
		 * thread's syscall may still be in its record, spilled there by
		 * a reported switch-out whose switch-in was not.
		 */
		struct pa_res_task *sr = task_find(tid);

		if (cs->sys_tid) {
			cs->sys_tid = 0;
			cnt(cs, PA_RES_C_SYS_UNOWNED, 1);
		}
		if (!sr || !sr->sys_start)
			return RES_FD_UNKNOWN;
		start = sr->sys_start;
		nr = sr->sys_nr;
		dir = sr->ipc_dir;
		key = sr->ipc_key;
		arg = sr->sys_arg;
		sr->sys_start = 0;
	}
	dur = now - start;
	if (dir == PA_RES_IPC_RECV) {
		key = ipc_channel(arg, false, &is_sock);
		if (!key)
			dir = 0;
	}
	fd = (nr < 64 && ((1ull << nr) & (LOW_SEND | LOW_RECV))) || nr == NR_recvmmsg || nr == NR_sendmmsg ?
		     (dir ? RES_FD_IPC : RES_FD_OTHER) : RES_FD_UNKNOWN;
	slow = dir || (nr < 64 && ((1ull << nr) & LOW_VM));
	if (!slow && cs->curr_tid == tid) {
		cs->acc.sys_count++;
		cs->acc.sys_ns += dur;
		cs->acc.sys_errors += err;
		return fd;
	}
	r = task_rec(cs, NULL, tid);
	if (!r)
		return fd;
	r->ev_count[PERF_EVENT_SYSCALL]++;
	r->ev_ns[PERF_EVENT_SYSCALL] += dur;
	r->sys_errors += err;
	if (slow)
		sys_exit_slow(cs, r, nr, dir, key, is_sock, ret, now, dur, tid);
	return fd;
}

#define TASK_DEAD 0x80
#ifndef barrier
#define barrier() asm volatile("" ::: "memory")
#endif

/* Move the statistics of the thread running on this CPU into its record r. */
static __always_inline void acc_flush(struct pa_res_cpu *cs, struct pa_res_task *r)
{
	struct pa_res_acc *a = &cs->acc;

	r->ev_count[PERF_EVENT_SYSCALL] += a->sys_count;
	r->ev_ns[PERF_EVENT_SYSCALL] += a->sys_ns;
	r->sys_errors += a->sys_errors;
	r->ev_count[PERF_EVENT_PAGE_FAULT] += a->faults;
	r->faults_in_sys += a->faults_in_sys;
	r->ev_count[PERF_EVENT_INTERRUPT] += a->irqs + a->softirqs;
	r->irqs_in_sys += a->irqs_in_sys + a->softirqs_in_sys;
	__builtin_memset(a, 0, sizeof(*a));
}

/*
 * CPU time: the time between two switches on a CPU belongs to the task
 * switched out (or to idle). The run-queue latency of `next` is the
 * scheduler's own sched_info.last_queued against its run queue's clock.
 * `prev` leaves with its pending statistics (acc) and its syscall in flight
 * moved into its record; `next` brings its spilled syscall back to the CPU.
 */
static __always_inline void res_sched_switch(struct task_struct *prev, struct task_struct *next,
					    unsigned int prev_state, uint64_t now)
{
	uint64_t delta = 0, queued;
	uint32_t ptid = prev->pid, ntid = next->pid;
	struct pa_res_cpu *cs = cpu_state_get();
	struct pa_res_task *r;
	bool flushed = false;
	struct rq *rq;

	if (!cs)
		return;
	if (cs->since && now > cs->since)
		delta = now - cs->since;
	cs->seq++;
	barrier();
	if (!ptid) {
		cs->idle_ns += delta;
	} else {
		cs->busy_ns += delta;
		r = task_rec(cs, prev, ptid);
		/* a dead thread's last switch: its id may already be a new thread's (reaped, reused) */
		if (r && (prev_state & TASK_DEAD) && r->start_ns != prev->start_time) {
			cnt(cs, PA_RES_C_TASK_STALE, 1);
			if (cs->curr_tid == ptid) {
				__builtin_memset(&cs->acc, 0, sizeof(cs->acc));
				flushed = true;
			}
			r = NULL;
		}
		if (r) {
			r->cpu_ns += delta;
			if (prev_state)
				r->voluntary++;
			if (cs->sys_tid == ptid) {
				r->sys_start = cs->sys_start;
				r->sys_nr = cs->sys_nr;
				r->sys_arg = cs->sys_arg;
				r->ipc_key = cs->ipc_key;
				r->ipc_dir = cs->ipc_dir;
			}
			if (cs->curr_tid == ptid) {
				acc_flush(cs, r);
				flushed = true;
			}
		}
	}
	if (!flushed) {
		/* no record for prev, or acc is another thread's (none seen yet): its own record or nowhere */
		struct pa_res_task *o = cs->curr_tid ? task_find(cs->curr_tid) : NULL;

		if (o && o->tgid)
			acc_flush(cs, o);
		else
			__builtin_memset(&cs->acc, 0, sizeof(cs->acc));
	}
	cs->sys_tid = 0;
	cs->since = now;
	cs->curr_tid = ntid;
	barrier();
	cs->seq++;
	if (!ntid)
		return;
	r = task_rec(cs, next, ntid);
	if (!r)
		return;
	if (r->sys_start) {
		cs->sys_start = r->sys_start;
		cs->sys_nr = r->sys_nr;
		cs->sys_arg = r->sys_arg;
		cs->ipc_key = r->ipc_key;
		cs->ipc_dir = r->ipc_dir;
		cs->sys_tid = ntid;
		r->sys_start = 0;
	}
	r->switches_in++;
	r->ev_count[PERF_EVENT_CONTEXT_SWITCH]++;
	/* direct (fault-safe) loads through BTF pointers: no helper calls */
	queued = next->sched_info.last_queued;
	rq = next->se.cfs_rq ? next->se.cfs_rq->rq : NULL;
	if (queued && rq) {
		uint64_t clock = rq->clock;

		if (clock > queued) {
			r->runq_ns += clock - queued;
			r->ev_ns[PERF_EVENT_CONTEXT_SWITCH] += clock - queued;
		}
	}
}

/* This CPU's attribution entry of the syscall in flight (NULL: number out of range). */
static __always_inline struct pa_res_sys *sys_attr_of(struct pa_res_cpu *cs)
{
	uint32_t nr = cs->sys_nr, key = bpf_get_smp_processor_id() * PA_RES_SYSCALL_NR_MAX + nr;

	return nr < PA_RES_SYSCALL_NR_MAX ? bpf_map_lookup_elem(&sys_attr, &key) : NULL;
}

/*
 * Interrupts count for the thread they interrupt, page faults for the thread
 * that takes them. Hard and soft interrupts have fields of their own in acc
 * (a hard interrupt can arrive in the middle of a softirq's update);
 * sched_switch runs with interrupts off.
 */
enum { SEEN_IRQ, SEEN_SOFTIRQ, SEEN_FAULT };

static __always_inline void res_seen(uint32_t kind)
{
	struct pa_res_cpu *cs = cpu_state_get();
	bool fault = kind == SEEN_FAULT, in_sys;
	struct pa_res_task *r;
	uint32_t tid;

	if (!cs)
		return;
	cnt(cs, fault ? PA_RES_C_FAULTS : PA_RES_C_IRQS, 1);
	tid = current_tid();
	if (!tid)
		return;
	in_sys = cs->sys_tid != 0;
	if (in_sys) {
		struct pa_res_sys *s = sys_attr_of(cs);

		cnt(cs, fault ? PA_RES_C_FAULTS_IN_SYS : PA_RES_C_IRQS_IN_SYS, 1);
		if (s && kind == SEEN_FAULT)
			s->faults++;
		else if (s && kind == SEEN_SOFTIRQ)
			s->softirqs++;
		else if (s)
			s->irqs++;
	}
	if (cs->curr_tid == tid) {
		if (kind == SEEN_FAULT) {
			cs->acc.faults++;
			cs->acc.faults_in_sys += in_sys;
		} else if (kind == SEEN_SOFTIRQ) {
			cs->acc.softirqs++;
			cs->acc.softirqs_in_sys += in_sys;
		} else {
			cs->acc.irqs++;
			cs->acc.irqs_in_sys += in_sys;
		}
		return;
	}
	/* not switched in since load: straight into the record (a fault's thread is current: create it) */
	if (fault) {
		r = task_rec(cs, NULL, tid);
		if (r) {
			r->ev_count[PERF_EVENT_PAGE_FAULT]++;
			r->faults_in_sys += in_sys;
		}
		return;
	}
	r = task_find(tid);
	if (r && r->tgid) {
		__sync_fetch_and_add(&r->ev_count[PERF_EVENT_INTERRUPT], 1);
		if (in_sys)
			__sync_fetch_and_add(&r->irqs_in_sys, 1);
	}
}

#endif /* PA_BPF_RESOURCES_SYS_H */
