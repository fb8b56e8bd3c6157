/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_analysis.c - the GNU Mach performance monitor: per-CPU statistics,
 * the sample ring, the hooks GNU Mach calls, and the perf_monitor RPCs.
 *
 * Locking. Statistics are per CPU and written at splhigh by the local CPU
 * only, so recording takes no lock and interrupt handlers may record.
 * The sample ring is one ring for the machine (core/ring.c is single
 * producer, single consumer), so producers and the consumer serialise on
 * perf_ring_lock, an irq spin lock held for one 32-byte copy. Control
 * operations (configure, baseline, reset, reads that merge the CPUs) run in
 * thread context and serialise on perf_ctl_lock; they use preallocated
 * scratch statistics because a struct pa_stats (~11 KiB) does not fit on a
 * kernel stack.
 *
 * Readers merge the per-CPU statistics without stopping the writers: every
 * counter read is exact, but an event being recorded during the merge may be
 * in one field and not yet in another. Read a quiescent system for exact
 * cross-field identities.
 */

#ifdef PERF_GNUMACH_COMPAT
#include "gnumach-kernel.h"
#else
#include <string.h>
#include <kern/cpu_number.h>
#include <kern/host.h>
#include <kern/kalloc.h>
#include <kern/lock.h>
#include <kern/mach_clock.h>
#include <kern/printf.h>
#include <kern/smp.h>
#include <kern/syscall_sw.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <machine/spl.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include <vm/vm_map.h>
#include <vm/vm_user.h>
#include <ipc/mach_msg.h>
extern char *kernel_cmdline;
#endif

#include <kern/perf_analysis.h>
#include <mach/perf_monitor.h>
#include <kern/perf_hooks.h>

#include "pa-errno.h"
#include "ring.h"
#include "token-bucket.h"

_Static_assert(sizeof(perf_sample_t) == sizeof(struct perf_sample), "perf_sample_t is the 32-byte sample");

#define NS_PER_US 1000ull

struct perf_cpu {
	struct pa_stats stats[PERF_EVENT_MAX];
	uint64_t over_latency[PERF_EVENT_MAX]; /* events longer than the latency threshold */
	struct pa_token_bucket tb;             /* this CPU's share of the sample rate */
};

volatile int perf_monitor_enabled;

static struct perf_cpu *perf_cpus;
static unsigned int perf_ncpus;
static uint64_t perf_enabled_since_ns;  /* starts older than this are stale */
static uint64_t perf_unattributed;      /* events on a CPU number >= perf_ncpus */

static uint32_t perf_sample_rate = PERF_DEFAULT_SAMPLE_RATE;
static uint32_t perf_buffer_size = PERF_DEFAULT_BUFFER_SIZE;
static struct pa_thresholds perf_thresholds = PA_THRESHOLD_DEFAULTS;

def_simple_lock_irq_data(static, perf_ring_lock)
static struct pa_ring *perf_ring;
static uint64_t perf_ring_old_overruns; /* overruns of rings replaced by configure */

decl_simple_lock_data(static, perf_ctl_lock)
static struct pa_stats *perf_mark;      /* cumulative statistics at the last baseline */
static struct pa_stats *perf_baseline;  /* statistics of the baseline period */
static bool perf_have_baseline;
static struct pa_stats *perf_scratch;   /* PERF_EVENT_MAX entries for merges */

/*
 * record_time_stamp() retries while the clock interrupt updates the mapped
 * time. No hook records from inside that update (the clock interrupt is
 * recorded after its body returns), so a reader never spins on itself.
 */
uint64_t perf_clock_ns(void)
{
	time_value64_t tv;

	record_time_stamp(&tv);
	return (uint64_t)tv.seconds * 1000000000ull + (uint64_t)tv.nanoseconds + 1;
}

static inline uint32_t perf_id(const void *p)
{
	return (uint32_t)(uintptr_t)p;
}

static inline uint32_t perf_cur_task_id(void)
{
	thread_t self = current_thread();

	return self ? perf_id(self->task) : 0;
}

static inline uint32_t perf_cur_thread_id(void)
{
	return perf_id(current_thread());
}

/*
 * Push under the ring lock, stamping the sample there: samples then leave
 * the ring in timestamp order across all CPUs. This is the one extra clock
 * read, paid only by sampled events (at most the sample rate per second).
 */
static void perf_sample_push(struct pa_stats *st, struct perf_sample *s)
{
	spl_t s_irq;
	bool ok = false;

	s_irq = simple_lock_irq(&perf_ring_lock);
	s->timestamp_ns = perf_clock_ns();
	if (perf_ring)
		ok = pa_ring_push(perf_ring, s);
	simple_unlock_irq(s_irq, &perf_ring_lock);
	if (ok)
		st->samples++;
	else
		st->dropped++;
}

/*
 * Record at time `now` (the caller has just read the clock: on QEMU a clock
 * read is an emulated HPET access, the dearest step here, so each event
 * reads it once at its end, and once at its start if timed).
 */
static void perf_record_at(uint64_t now, unsigned int event, uint32_t task_id, uint32_t thread_id,
			   uint64_t duration_ns, uint32_t data1, uint32_t data2, unsigned int flags)
{
	struct perf_cpu *pc;
	struct pa_stats *st;
	unsigned int cpu;
	spl_t s;

	if (!perf_monitor_active() || event >= PERF_EVENT_MAX || perf_cpus == NULL)
		return;
	if (flags & PERF_SAMPLE_F_NO_DURATION)
		duration_ns = 0;

	s = splhigh();
	cpu = cpu_number();
	if (cpu >= perf_ncpus) {
		perf_unattributed++;
		splx(s);
		return;
	}
	pc = &perf_cpus[cpu];
	st = &pc->stats[event];

	(void)pa_hist_record(&st->hist, duration_ns);
	st->last_timestamp_ns = now;
	if (flags & PERF_SAMPLE_F_ERROR)
		st->errors++;
	if (perf_thresholds.latency_ns && duration_ns > perf_thresholds.latency_ns)
		pc->over_latency[event]++;

	if (!pa_tb_take(&pc->tb, now)) {
		st->sampled_out++;
	} else {
		struct perf_sample smp = {
			.timestamp_ns = 0, /* stamped under the ring lock */
			.duration_ns = duration_ns > UINT32_MAX ? UINT32_MAX : (uint32_t)duration_ns,
			.event = (uint8_t)event,
			.flags = (uint8_t)(flags | (duration_ns > UINT32_MAX ? PERF_SAMPLE_F_DUR_CLAMPED : 0)
					   | PERF_SAMPLE_F_KERNEL),
			.cpu = (uint16_t)cpu,
			.task_id = task_id,
			.thread_id = thread_id,
			.data1 = data1,
			.data2 = data2,
		};
		perf_sample_push(st, &smp);
	}
	splx(s);
}

void perf_event_record(unsigned int event, uint32_t task_id, uint32_t thread_id,
		       uint64_t duration_ns, uint32_t data1, uint32_t data2, unsigned int flags)
{
	if (!perf_monitor_active())
		return;
	perf_record_at(perf_clock_ns(), event, task_id, thread_id, duration_ns, data1, data2, flags);
}

void perf_event_end(unsigned int event, uint64_t start_ns, uint32_t task_id, uint32_t thread_id,
		    uint32_t data1, uint32_t data2, unsigned int flags)
{
	uint64_t now;

	if (start_ns == 0 || !perf_monitor_active())
		return;
	if (start_ns < perf_enabled_since_ns)
		return; /* began in an earlier enabled period */
	now = perf_clock_ns();
	perf_record_at(now, event, task_id, thread_id, now > start_ns ? now - start_ns : 0, data1, data2, flags);
}

/* ------------------------------------------------------------------------
 * Mach traps (PERF_EVENT_SYSCALL).
 *
 * While monitoring is enabled, every entry of mach_trap_table points to a
 * thunk that knows its trap number, stamps the start in the calling
 * thread's perf_state, and calls the saved function with eleven arguments
 * (the most any Mach trap takes; a callee ignores the extra ones under both
 * the i386 and the x86_64 calling conventions, and the trap entry code
 * still copies in only the trap's own arg_count). A trap that returns
 * completes here; one that blocks and resumes in a continuation completes in
 * perf_hook_trap_leave(), called before thread_syscall_return() by the
 * mach_msg hooks; a trap that leaves any other way is not timed and shows as
 * `lost` (entered minus completed).
 */
#define PERF_TRAP_MAX 160
typedef long (*perf_trap_fn)(long, long, long, long, long, long, long, long, long, long, long);
static generic_trap_function perf_trap_saved[PERF_TRAP_MAX];
static uint64_t perf_trap_entered; /* traps that began under timing (all CPUs, approximate under races) */
static unsigned int perf_trap_installed;

static long perf_trap_call(unsigned int n, long a0, long a1, long a2, long a3, long a4, long a5,
			   long a6, long a7, long a8, long a9, long a10)
{
	thread_t self = current_thread();
	long r;

	__atomic_fetch_add(&perf_trap_entered, 1, __ATOMIC_RELAXED);
	self->perf_state.trap_no = n;
	self->perf_state.trap_start_ns = perf_clock_ns();
	r = ((perf_trap_fn)perf_trap_saved[n])(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
	perf_hook_trap_leave(r);
	return r;
}

#define PERF_THUNK(n)									\
	static long perf_trap_thunk_##n(long a0, long a1, long a2, long a3, long a4,	\
					long a5, long a6, long a7, long a8, long a9, long a10) \
	{										\
		return perf_trap_call(n, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);	\
	}
#define PERF_THUNK10(t) PERF_THUNK(t##0) PERF_THUNK(t##1) PERF_THUNK(t##2) PERF_THUNK(t##3) \
	PERF_THUNK(t##4) PERF_THUNK(t##5) PERF_THUNK(t##6) PERF_THUNK(t##7) PERF_THUNK(t##8) PERF_THUNK(t##9)
PERF_THUNK(0) PERF_THUNK(1) PERF_THUNK(2) PERF_THUNK(3) PERF_THUNK(4)
PERF_THUNK(5) PERF_THUNK(6) PERF_THUNK(7) PERF_THUNK(8) PERF_THUNK(9)
PERF_THUNK10(1) PERF_THUNK10(2) PERF_THUNK10(3) PERF_THUNK10(4) PERF_THUNK10(5)
PERF_THUNK10(6) PERF_THUNK10(7) PERF_THUNK10(8) PERF_THUNK10(9) PERF_THUNK10(10)
PERF_THUNK10(11) PERF_THUNK10(12) PERF_THUNK10(13) PERF_THUNK10(14) PERF_THUNK10(15)

#define PERF_T(n) perf_trap_thunk_##n
#define PERF_T10(t) PERF_T(t##0), PERF_T(t##1), PERF_T(t##2), PERF_T(t##3), PERF_T(t##4), \
	PERF_T(t##5), PERF_T(t##6), PERF_T(t##7), PERF_T(t##8), PERF_T(t##9)
static perf_trap_fn const perf_trap_thunks[PERF_TRAP_MAX] = {
	PERF_T(0), PERF_T(1), PERF_T(2), PERF_T(3), PERF_T(4),
	PERF_T(5), PERF_T(6), PERF_T(7), PERF_T(8), PERF_T(9),
	PERF_T10(1), PERF_T10(2), PERF_T10(3), PERF_T10(4), PERF_T10(5),
	PERF_T10(6), PERF_T10(7), PERF_T10(8), PERF_T10(9), PERF_T10(10),
	PERF_T10(11), PERF_T10(12), PERF_T10(13), PERF_T10(14), PERF_T10(15),
};

/*
 * Point the trap table at the thunks, or back. Pointer-sized stores: a
 * thread already inside a trap finishes untimed (or timed), never broken.
 * Called with perf_ctl_lock held.
 */
void perf_trap_table_install(bool install)
{
	unsigned int i, n = (unsigned int)mach_trap_count;

	if (n > PERF_TRAP_MAX)
		n = PERF_TRAP_MAX;
	if (install && !perf_trap_installed) {
		for (i = 0; i < n; i++) {
			perf_trap_saved[i] = mach_trap_table[i].mach_trap_function;
			__atomic_store_n(&mach_trap_table[i].mach_trap_function,
					 (generic_trap_function)perf_trap_thunks[i], __ATOMIC_RELEASE);
		}
		perf_trap_installed = n;
	} else if (!install && perf_trap_installed) {
		for (i = 0; i < perf_trap_installed; i++)
			__atomic_store_n(&mach_trap_table[i].mach_trap_function, perf_trap_saved[i],
					 __ATOMIC_RELEASE);
		perf_trap_installed = 0;
	}
}

static void perf_ipc_complete(thread_t self, long retval, uint64_t now)
{
	struct perf_thread_state *ps = &self->perf_state;
	uint64_t start = ps->ipc_start_ns, dur;
	unsigned int flags = retval != MACH_MSG_SUCCESS ? PERF_SAMPLE_F_ERROR : 0;
	uint32_t both;

	ps->ipc_start_ns = 0;
	if (start < perf_enabled_since_ns)
		return;
	dur = now > start ? now - start : 0;
	both = (ps->ipc_option & (MACH_SEND_MSG | MACH_RCV_MSG)) == (MACH_SEND_MSG | MACH_RCV_MSG);
	if (ps->ipc_option & MACH_SEND_MSG)
		perf_record_at(now, PERF_EVENT_IPC_SEND, perf_id(self->task), perf_id(self), dur,
				  (uint32_t)retval, both, flags);
	if (ps->ipc_option & MACH_RCV_MSG)
		perf_record_at(now, PERF_EVENT_IPC_RECEIVE, perf_id(self->task), perf_id(self), dur,
				  (uint32_t)retval, both, flags);
}

void perf_hook_trap_leave(long retval)
{
	thread_t self = current_thread();
	struct perf_thread_state *ps = &self->perf_state;
	uint64_t now, start;

	if (!perf_monitor_active()) {
		ps->ipc_start_ns = 0;
		ps->trap_start_ns = 0;
		return;
	}
	now = perf_clock_ns();
	if (ps->ipc_start_ns)
		perf_ipc_complete(self, retval, now);
	start = ps->trap_start_ns;
	if (start) {
		ps->trap_start_ns = 0;
		if (start >= perf_enabled_since_ns)
			perf_record_at(now, PERF_EVENT_SYSCALL, perf_id(self->task), perf_id(self),
					  now > start ? now - start : 0, ps->trap_no, (uint32_t)retval, 0);
	}
}

/* ------------------------------------------------------------------------
 * Wrappers. The hooks rename GNU Mach's function to *_body with a #define
 * around its definition (see patches/); these take the public name, so
 * every caller, MIG stubs and trap table included, comes through here.
 */
mach_msg_return_t mach_msg_trap(mach_msg_user_header_t *msg, mach_msg_option_t option,
				mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				mach_port_name_t rcv_name, mach_msg_timeout_t time_out,
				mach_port_name_t notify)
{
	mach_msg_return_t mr;

	/*
	 * Under a trap thunk (the usual case while enabled) the trap's start
	 * and end times serve the IPC events too: one clock read each.
	 */
	if (perf_monitor_active()) {
		thread_t self = current_thread();
		uint64_t t = self->perf_state.trap_start_ns;

		self->perf_state.ipc_option = (uint32_t)option;
		self->perf_state.ipc_start_ns = t ? t : perf_clock_ns();
	}
	mr = perf_mach_msg_trap_body(msg, option, send_size, rcv_size, rcv_name, time_out, notify);
	if (perf_monitor_active()) {
		thread_t self = current_thread();

		/* under a thunk, its perf_hook_trap_leave() completes both */
		if (self->perf_state.ipc_start_ns && !self->perf_state.trap_start_ns)
			perf_ipc_complete(self, mr, perf_clock_ns());
	}
	return mr;
}

kern_return_t vm_allocate(vm_map_t map, vm_offset_t *addr, vm_size_t size, boolean_t anywhere)
{
	uint64_t t0 = PERF_EVENT_TIME_START(PERF_EVENT_VM_ALLOC);
	kern_return_t kr = perf_vm_allocate_body(map, addr, size, anywhere);

	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_VM_ALLOC, t0, perf_cur_task_id(), perf_cur_thread_id(),
			       (uint32_t)size, (uint32_t)kr, kr != KERN_SUCCESS ? PERF_SAMPLE_F_ERROR : 0);
	return kr;
}

kern_return_t vm_deallocate(vm_map_t map, vm_offset_t start, vm_size_t size)
{
	uint64_t t0 = PERF_EVENT_TIME_START(PERF_EVENT_VM_FREE);
	kern_return_t kr = perf_vm_deallocate_body(map, start, size);

	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_VM_FREE, t0, perf_cur_task_id(), perf_cur_thread_id(),
			       (uint32_t)size, (uint32_t)kr, kr != KERN_SUCCESS ? PERF_SAMPLE_F_ERROR : 0);
	return kr;
}

kern_return_t task_create(task_t parent_task, boolean_t inherit_memory, task_t *child_task)
{
	uint64_t t0 = PERF_EVENT_TIME_START(PERF_EVENT_TASK_CREATE);
	kern_return_t kr = perf_task_create_body(parent_task, inherit_memory, child_task);

	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_TASK_CREATE, t0,
			       kr == KERN_SUCCESS ? perf_id(*child_task) : 0, perf_cur_thread_id(),
			       perf_id(parent_task), (uint32_t)kr, kr != KERN_SUCCESS ? PERF_SAMPLE_F_ERROR : 0);
	return kr;
}

kern_return_t task_terminate(task_t task)
{
	uint64_t t0;
	kern_return_t kr;

	/* Terminating oneself does not come back: count it now, untimed. */
	if (perf_monitor_active() && current_thread() && task == current_thread()->task)
		perf_event_record(PERF_EVENT_TASK_TERMINATE, perf_id(task), perf_cur_thread_id(), 0,
				  0, 0, PERF_SAMPLE_F_NO_DURATION);
	t0 = current_thread() && task == current_thread()->task ? 0 : PERF_EVENT_TIME_START(PERF_EVENT_TASK_TERMINATE);
	kr = perf_task_terminate_body(task);
	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_TASK_TERMINATE, t0, perf_id(task), perf_cur_thread_id(),
			       0, (uint32_t)kr, kr != KERN_SUCCESS ? PERF_SAMPLE_F_ERROR : 0);
	return kr;
}

kern_return_t thread_create(task_t parent_task, thread_t *child_thread)
{
	uint64_t t0 = PERF_EVENT_TIME_START(PERF_EVENT_THREAD_CREATE);
	kern_return_t kr = perf_thread_create_body(parent_task, child_thread);

	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_THREAD_CREATE, t0, perf_id(parent_task),
			       kr == KERN_SUCCESS ? perf_id(*child_thread) : 0,
			       0, (uint32_t)kr, kr != KERN_SUCCESS ? PERF_SAMPLE_F_ERROR : 0);
	return kr;
}

kern_return_t thread_terminate(thread_t thread)
{
	uint64_t t0;
	kern_return_t kr;

	if (perf_monitor_active() && thread == current_thread())
		perf_event_record(PERF_EVENT_THREAD_TERMINATE, perf_cur_task_id(), perf_id(thread), 0,
				  0, 0, PERF_SAMPLE_F_NO_DURATION);
	t0 = thread == current_thread() ? 0 : PERF_EVENT_TIME_START(PERF_EVENT_THREAD_TERMINATE);
	kr = perf_thread_terminate_body(thread);
	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_THREAD_TERMINATE, t0,
			       thread != THREAD_NULL ? perf_id(thread->task) : 0, perf_id(thread),
			       0, (uint32_t)kr, kr != KERN_SUCCESS ? PERF_SAMPLE_F_ERROR : 0);
	return kr;
}

void clock_interrupt(int usec, boolean_t usermode, boolean_t basepri, vm_offset_t pc)
{
	uint64_t t0 = PERF_EVENT_TIME_START(PERF_EVENT_INTERRUPT);

	perf_clock_interrupt_body(usec, usermode, basepri, pc);
	if (__builtin_expect(t0 != 0, 0))
		perf_event_end(PERF_EVENT_INTERRUPT, t0, perf_cur_task_id(), perf_cur_thread_id(),
			       0 /* irq 0: the clock */, usermode ? 1 : 0, 0);
}

void perf_hook_context_switch(struct thread *old_thread, struct thread *new_thread)
{
	perf_event_record(PERF_EVENT_CONTEXT_SWITCH, new_thread ? perf_id(new_thread->task) : 0,
			  perf_id(new_thread), 0, perf_id(old_thread), perf_id(new_thread),
			  PERF_SAMPLE_F_NO_DURATION);
}

void perf_hook_page_fault(uint64_t address, int fault_type)
{
	perf_event_record(PERF_EVENT_PAGE_FAULT, perf_cur_task_id(), perf_cur_thread_id(), 0,
			  (uint32_t)address, (uint32_t)(address >> 32), PERF_SAMPLE_F_NO_DURATION);
	(void)fault_type;
}

/* ------------------------------------------------------------------------
 * Control.
 */
static void perf_reset_locked(void)
{
	unsigned int c, e;
	uint64_t now = perf_clock_ns();

	for (c = 0; c < perf_ncpus; c++) {
		spl_t s = splhigh(); /* the local CPU's writer cannot interleave; others may (see top) */

		for (e = 0; e < PERF_EVENT_MAX; e++) {
			pa_stats_reset(&perf_cpus[c].stats[e]);
			perf_cpus[c].over_latency[e] = 0;
		}
		pa_tb_init(&perf_cpus[c].tb, perf_sample_rate / perf_ncpus ? perf_sample_rate / perf_ncpus
				: (perf_sample_rate ? 1 : 0), 0, now);
		splx(s);
	}
	for (e = 0; e < PERF_EVENT_MAX; e++) {
		pa_stats_reset(&perf_mark[e]);
		pa_stats_reset(&perf_baseline[e]);
	}
	perf_have_baseline = false;
	perf_unattributed = 0;
	__atomic_store_n(&perf_trap_entered, 0, __ATOMIC_RELAXED);
}

void perf_analysis_init(void)
{
	unsigned int n = smp_get_numcpus();
	vm_size_t cpus_bytes, stats_bytes;
	struct pa_ring *ring;

	if (n == 0)
		n = 1;
	cpus_bytes = (vm_size_t)n * sizeof(struct perf_cpu);
	stats_bytes = (vm_size_t)PERF_EVENT_MAX * sizeof(struct pa_stats);
	perf_cpus = (struct perf_cpu *)kalloc(cpus_bytes);
	perf_mark = (struct pa_stats *)kalloc(stats_bytes);
	perf_baseline = (struct pa_stats *)kalloc(stats_bytes);
	perf_scratch = (struct pa_stats *)kalloc(stats_bytes);
	ring = (struct pa_ring *)kalloc(PA_RING_BYTES(perf_buffer_size));
	if (!perf_cpus || !perf_mark || !perf_baseline || !perf_scratch || !ring) {
		if (perf_cpus)
			kfree((vm_offset_t)perf_cpus, cpus_bytes);
		if (perf_mark)
			kfree((vm_offset_t)perf_mark, stats_bytes);
		if (perf_baseline)
			kfree((vm_offset_t)perf_baseline, stats_bytes);
		if (perf_scratch)
			kfree((vm_offset_t)perf_scratch, stats_bytes);
		if (ring)
			kfree((vm_offset_t)ring, PA_RING_BYTES(perf_buffer_size));
		perf_cpus = NULL;
		printf("Performance Analysis: cannot allocate %lu bytes; monitor unavailable\n",
		       (unsigned long)(cpus_bytes + 3 * stats_bytes + PA_RING_BYTES(perf_buffer_size)));
		return;
	}
	(void)pa_ring_init(ring, perf_buffer_size, PA_RING_DROP_NEWEST);
	simple_lock_init(&perf_ctl_lock);
	perf_ring = ring;
	perf_ncpus = n;
	perf_reset_locked();
	printf("Performance Analysis: %u CPU(s), %lu KiB statistics, %u-sample ring, %u samples/s\n",
	       n, (unsigned long)((cpus_bytes + 3 * stats_bytes) >> 10), perf_buffer_size, perf_sample_rate);
	if (kernel_cmdline && strstr(kernel_cmdline, "perf_monitor=1")
	    && perf_monitor_set_enabled(true) == 0)
		printf("Performance Analysis: monitoring enabled at boot (perf_monitor=1)\n");
}

int perf_monitor_set_enabled(bool enable)
{
	if (perf_cpus == NULL)
		return -PA_ENOMEM;
	simple_lock(&perf_ctl_lock);
	if (enable && !perf_monitor_enabled) {
		perf_enabled_since_ns = perf_clock_ns();
		__atomic_store_n(&perf_monitor_enabled, 1, __ATOMIC_RELEASE);
		perf_trap_table_install(true);
	} else if (!enable && perf_monitor_enabled) {
		perf_trap_table_install(false);
		__atomic_store_n(&perf_monitor_enabled, 0, __ATOMIC_RELEASE);
	}
	simple_unlock(&perf_ctl_lock);
	return 0;
}

int perf_monitor_set_config(uint32_t sample_rate, uint32_t buffer_size)
{
	struct pa_ring *ring, *old;
	uint32_t old_size;
	spl_t s;

	if (perf_cpus == NULL)
		return -PA_ENOMEM;
	if (sample_rate > PERF_SAMPLE_RATE_MAX || buffer_size < PERF_BUFFER_SIZE_MIN
	    || buffer_size > PERF_BUFFER_SIZE_MAX || (buffer_size & (buffer_size - 1)))
		return -PA_EINVAL;
	/* kalloc may block: allocate before taking any lock */
	ring = (struct pa_ring *)kalloc(PA_RING_BYTES(buffer_size));
	if (ring == NULL)
		return -PA_ENOMEM;
	(void)pa_ring_init(ring, buffer_size, PA_RING_DROP_NEWEST);

	simple_lock(&perf_ctl_lock);
	s = simple_lock_irq(&perf_ring_lock);
	old = perf_ring;
	old_size = perf_buffer_size;
	/* samples still queued in the old ring are lost: count them */
	perf_ring_old_overruns += pa_ring_overruns(old) + pa_ring_count(old);
	perf_ring = ring;
	perf_buffer_size = buffer_size;
	simple_unlock_irq(s, &perf_ring_lock);

	perf_sample_rate = sample_rate;
	{
		unsigned int c;
		uint64_t now = perf_clock_ns();
		uint64_t per_cpu = sample_rate / perf_ncpus ? sample_rate / perf_ncpus : (sample_rate ? 1 : 0);

		for (c = 0; c < perf_ncpus; c++) {
			s = splhigh();
			pa_tb_init(&perf_cpus[c].tb, per_cpu, 0, now);
			splx(s);
		}
	}
	simple_unlock(&perf_ctl_lock);
	kfree((vm_offset_t)old, PA_RING_BYTES(old_size));
	return 0;
}

static void perf_merge(unsigned int event, struct pa_stats *ret, uint64_t *ret_over_latency)
{
	unsigned int c;

	pa_stats_reset(ret);
	if (ret_over_latency)
		*ret_over_latency = 0;
	for (c = 0; c < perf_ncpus; c++) {
		pa_stats_merge(ret, &perf_cpus[c].stats[event]);
		if (ret_over_latency)
			*ret_over_latency += perf_cpus[c].over_latency[event];
	}
}

int perf_monitor_event_stats(unsigned int event, struct pa_stats *ret)
{
	if (event >= PERF_EVENT_MAX)
		return -PA_EINVAL;
	if (perf_cpus == NULL)
		return -PA_ENOMEM;
	perf_merge(event, ret, NULL);
	return 0;
}

int perf_monitor_regression(unsigned int event, uint32_t threshold_percent)
{
	struct pa_stats *now, *cur;
	uint64_t base_mean, cur_mean;
	int ret;

	if (event >= PERF_EVENT_MAX)
		return -PA_EINVAL;
	if (perf_cpus == NULL)
		return -PA_ENOMEM;
	simple_lock(&perf_ctl_lock);
	if (!perf_have_baseline) {
		ret = -PA_ENOENT;
		goto out;
	}
	now = &perf_scratch[0];
	cur = &perf_scratch[1];
	perf_merge(event, now, NULL);
	if (pa_stats_delta(cur, now, &perf_mark[event]) < 0) {
		ret = -PA_ERANGE;
		goto out;
	}
	if (perf_baseline[event].hist.count < PERF_REGRESSION_MIN_COUNT
	    || cur->hist.count < PERF_REGRESSION_MIN_COUNT) {
		ret = -PA_ERANGE;
		goto out;
	}
	base_mean = pa_hist_mean(&perf_baseline[event].hist);
	cur_mean = pa_hist_mean(&cur->hist);
	/* cur > base * (1 + T/100), in integers: cur * 100 > base * (100 + T) */
	ret = cur_mean * 100 > base_mean * (100 + (uint64_t)threshold_percent) ? 1 : 0;
out:
	simple_unlock(&perf_ctl_lock);
	return ret;
}

/* ------------------------------------------------------------------------
 * The perf_monitor RPCs (include/mach/perf_monitor.defs), host port.
 */
static kern_return_t perf_kr(int err)
{
	switch (err) {
	case 0:
		return KERN_SUCCESS;
	case -PA_EINVAL:
		return KERN_INVALID_ARGUMENT;
	case -PA_ENOMEM:
		return KERN_RESOURCE_SHORTAGE;
	default:
		return KERN_FAILURE;
	}
}

kern_return_t perf_monitor_enable(host_t host, boolean_t enable)
{
	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	return perf_kr(perf_monitor_set_enabled(enable != FALSE));
}

kern_return_t perf_monitor_configure(host_t host, natural_t sample_rate, natural_t buffer_size)
{
	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	return perf_kr(perf_monitor_set_config(sample_rate, buffer_size));
}

kern_return_t perf_monitor_reset(host_t host)
{
	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	if (perf_cpus == NULL)
		return KERN_RESOURCE_SHORTAGE;
	simple_lock(&perf_ctl_lock);
	perf_reset_locked();
	simple_unlock(&perf_ctl_lock);
	return KERN_SUCCESS;
}

kern_return_t perf_get_event_stats(host_t host, int event, uint64_t *count, uint64_t *total_time,
				   uint64_t *min_time, uint64_t *max_time, uint64_t *avg_time,
				   uint64_t *last_timestamp)
{
	struct pa_stats *st;

	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	if (event < 0 || event >= PERF_EVENT_MAX)
		return KERN_INVALID_ARGUMENT;
	if (perf_cpus == NULL)
		return KERN_RESOURCE_SHORTAGE;
	simple_lock(&perf_ctl_lock);
	st = &perf_scratch[0];
	perf_merge((unsigned int)event, st, NULL);
	*count = st->hist.count;
	*total_time = st->hist.total;
	*min_time = st->hist.count ? st->hist.min : 0;
	*max_time = st->hist.max;
	*avg_time = pa_hist_mean(&st->hist);
	*last_timestamp = st->last_timestamp_ns;
	simple_unlock(&perf_ctl_lock);
	return KERN_SUCCESS;
}

kern_return_t perf_get_event_info(host_t host, int event, uint64_t *info, mach_msg_type_number_t *infoCnt)
{
	struct pa_stats *st;
	uint64_t over;

	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	if (event < 0 || event >= PERF_EVENT_MAX)
		return KERN_INVALID_ARGUMENT;
	if (perf_cpus == NULL)
		return KERN_RESOURCE_SHORTAGE;
	if (*infoCnt < PERF_EVENT_INFO_COUNT)
		return KERN_INVALID_ARGUMENT;
	simple_lock(&perf_ctl_lock);
	st = &perf_scratch[0];
	perf_merge((unsigned int)event, st, &over);
	info[PERF_INFO_COUNT] = st->hist.count;
	info[PERF_INFO_ERRORS] = st->errors;
	info[PERF_INFO_LOST] = st->lost;
	info[PERF_INFO_SAMPLES] = st->samples;
	info[PERF_INFO_SAMPLED_OUT] = st->sampled_out;
	info[PERF_INFO_DROPPED] = st->dropped;
	info[PERF_INFO_OVER_LATENCY] = over;
	info[PERF_INFO_P50_NS] = pa_hist_percentile(&st->hist, 500000);
	info[PERF_INFO_P90_NS] = pa_hist_percentile(&st->hist, 900000);
	info[PERF_INFO_P99_NS] = pa_hist_percentile(&st->hist, 990000);
	info[PERF_INFO_P999_NS] = pa_hist_percentile(&st->hist, 999000);
	info[PERF_INFO_COMPLETENESS] = (uint64_t)pa_stats_completeness(st);
	info[PERF_INFO_TRAPS_ENTERED] = event == PERF_EVENT_SYSCALL
		? __atomic_load_n(&perf_trap_entered, __ATOMIC_RELAXED) : 0;
	info[PERF_INFO_UNATTRIBUTED] = perf_unattributed;
	info[PERF_INFO_ENABLED] = (uint64_t)perf_monitor_enabled;
	info[PERF_INFO_BUFFER_SIZE] = perf_buffer_size;
	simple_unlock(&perf_ctl_lock);
	*infoCnt = PERF_EVENT_INFO_COUNT;
	return KERN_SUCCESS;
}

kern_return_t perf_set_baseline(host_t host)
{
	unsigned int e;

	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	if (perf_cpus == NULL)
		return KERN_RESOURCE_SHORTAGE;
	simple_lock(&perf_ctl_lock);
	for (e = 0; e < PERF_EVENT_MAX; e++) {
		struct pa_stats *now = &perf_scratch[0];

		perf_merge(e, now, NULL);
		if (pa_stats_delta(&perf_baseline[e], now, &perf_mark[e]) < 0)
			pa_stats_reset(&perf_baseline[e]);
		perf_mark[e] = *now;
	}
	perf_have_baseline = true;
	simple_unlock(&perf_ctl_lock);
	return KERN_SUCCESS;
}

kern_return_t perf_check_regression(host_t host, int event, natural_t threshold_percent,
				    boolean_t *regression)
{
	int r;

	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	if (event < 0 || event >= PERF_EVENT_MAX || threshold_percent > 10000)
		return KERN_INVALID_ARGUMENT;
	r = perf_monitor_regression((unsigned int)event, threshold_percent);
	if (r < 0)
		return r == -PA_EINVAL ? KERN_INVALID_ARGUMENT
			: r == -PA_ENOMEM ? KERN_RESOURCE_SHORTAGE : KERN_FAILURE;
	*regression = r ? TRUE : FALSE;
	return KERN_SUCCESS;
}

kern_return_t perf_read_samples(host_t host, perf_sample_t *samples, mach_msg_type_number_t *samplesCnt,
				uint64_t *dropped, uint64_t *sampled_out)
{
	uint32_t max = *samplesCnt, got, c, e;
	uint64_t drops = 0, outs = 0;
	spl_t s;

	if (host == HOST_NULL)
		return KERN_INVALID_HOST;
	if (perf_cpus == NULL)
		return KERN_RESOURCE_SHORTAGE;
	if (max > PERF_READ_SAMPLES_MAX)
		max = PERF_READ_SAMPLES_MAX;
	s = simple_lock_irq(&perf_ring_lock);
	got = pa_ring_pop(perf_ring, (struct perf_sample *)samples, max);
	drops = pa_ring_overruns(perf_ring) + perf_ring_old_overruns;
	simple_unlock_irq(s, &perf_ring_lock);
	for (c = 0; c < perf_ncpus; c++)
		for (e = 0; e < PERF_EVENT_MAX; e++)
			outs += perf_cpus[c].stats[e].sampled_out;
	*samplesCnt = got;
	*dropped = drops;
	*sampled_out = outs;
	return KERN_SUCCESS;
}
