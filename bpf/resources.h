/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.h - the only contract between bpf/resources.bpf.c and user space
 * (daemon/resources.c): per-task resource records (CPU, memory, block I/O,
 * time per event type), IPC message links, per-syscall attribution of page
 * faults and interrupts, and the loss counters of the bounded maps.
 * Fixed-width types only.
 */
#ifndef PA_BPF_RESOURCES_H
#define PA_BPF_RESOURCES_H

#ifndef __bpf__
#include <stdint.h>
#endif

#include "perf-analysis/perf_events.h"

/*
 * Thread records live in `tasks`, an array indexed by thread id whose size
 * (PA_RES_TID_SLOTS_DEFAULT: pid_max, at most PA_RES_TID_SLOTS_MAX) user space
 * sets before load; thread ids at or above it go to `tasks_hi`, an LRU hash of
 * PA_RES_TASKS_MAX records (PA_RES_TASKS_HI_MIN when no id can be that large).
 */
#define PA_RES_TID_SLOTS_MAX (1u << 16) /* 32 MiB of records */
#define PA_RES_TASKS_MAX 16384   /* records in tasks_hi (LRU: the least recently active is evicted) */
#define PA_RES_TASKS_HI_MIN 1024 /* tasks_hi's size while pid_max <= the array's size */
#define PA_RES_PAIRS_MAX 4096    /* IPC (sender, receiver) thread pairs */
#define PA_RES_CHANNELS_MAX 8192 /* pipes / Unix sockets with a message in flight */
#define PA_RES_RQ_MAX 4096       /* block requests in flight */
#define PA_RES_SYSCALL_NR_MAX 512

/*
 * Per-thread record: element tid of the `tasks` array (or the value of
 * `tasks_hi`). 512 bytes, and the array is mmapable, which makes its values
 * page-aligned: a record never straddles two pages. tgid == 0 marks an
 * unused slot. A slot outlives its thread; task_newtask clears it for the
 * next thread with the same id. Statistics of the thread running on a CPU
 * since its last switch-in are in that CPU's pa_res_cpu.acc, not here yet.
 */
struct pa_res_task {
	uint32_t tgid;
	uint32_t ppid;           /* parent's thread-group id at creation (0 if unknown) */
	char comm[16];
	uint64_t start_ns;       /* CLOCK_MONOTONIC creation time (task->start_time): with the tid, the identity */
	uint64_t exit_ns;        /* 0 while alive */
	int32_t exit_code;
	uint32_t flags;          /* PA_RES_F_* */
	uint64_t cpu_ns;         /* on-CPU time, accounted at switch-out */
	uint64_t switches_in;
	uint64_t voluntary;      /* switched out while blocking (prev_state != running) */
	uint64_t runq_ns;        /* run-queue latency, summed */
	uint64_t ev_count[PERF_EVENT_MAX];
	uint64_t ev_ns[PERF_EVENT_MAX];  /* time in each event type (0 for those without a duration) */
	uint64_t sys_errors;
	uint64_t faults_in_sys;  /* page faults taken inside a syscall */
	uint64_t irqs_in_sys;    /* hard and soft interrupts that hit inside a syscall */
	uint64_t vm_first_pages; /* mm->total_vm when first seen, pages */
	uint64_t vm_pages;       /* mm->total_vm after the last address-space change */
	uint64_t vm_peak_pages;
	uint64_t io_reqs;        /* block requests completed for this thread */
	uint64_t io_read_bytes, io_write_bytes;
	uint64_t io_ns;          /* issue-to-completion latency, summed */
	uint64_t io_max_ns;
	uint64_t ipc_sent, ipc_received; /* linked messages */
	uint64_t ipc_latency_ns;          /* send-to-receipt latency of received linked messages, summed */
	/* in-flight state (not statistics): a syscall spilled here while its thread is switched out */
	uint64_t woken_key;      /* channel whose sender last woke this thread */
	uint64_t woken_ns;
	uint64_t sys_start;      /* 0 = no syscall spilled */
	uint64_t sys_arg;        /* fd of a read-family call, classified at sys_exit */
	uint64_t ipc_key;        /* channel of a send in flight */
	uint32_t sys_nr;
	uint8_t ipc_dir;         /* PA_RES_IPC_* */
	uint8_t pad[3];
	uint8_t reserved[80];    /* to 512 bytes */
};

/* ipc_dir: a send whose channel is known at entry, or a read-family call to classify at exit */
#define PA_RES_IPC_SEND 1
#define PA_RES_IPC_RECV 2

#define PA_RES_F_THREAD 0x1u /* created with CLONE_THREAD */
#define PA_RES_F_SEEN_CREATE 0x2u

/* A message in flight on a channel (pipe, or the receiving Unix socket). */
struct pa_res_msg {
	uint64_t send_ns;        /* entry of the oldest send not yet received */
	uint32_t sender_tid, sender_tgid;
	uint64_t pending;        /* sends since the last receive */
};

/* Linked messages between two threads. */
struct pa_res_pair_key {
	uint32_t sender_tid, receiver_tid;
};
struct pa_res_pair {
	uint32_t sender_tgid, receiver_tgid;
	uint64_t count;
	uint64_t woken;          /* the receiver was woken by this sender's send */
	uint64_t coalesced;      /* further sends consumed by the same receive */
	uint64_t latency_ns, min_ns, max_ns; /* send entry to receive exit */
	uint64_t wake_ns;        /* woken: wake-up to receive exit, summed */
	uint8_t is_socket;
	uint8_t pad[7];
};

/* A block request from accounting start (submitter's context) to completion. */
struct pa_res_rq {
	uint64_t start_ns, issue_ns;
	uint32_t tid, tgid;
	uint32_t bytes;
	uint32_t write;
};

/* Per-syscall-number attribution: element CPU * PA_RES_SYSCALL_NR_MAX + nr of the `sys_attr` array. */
struct pa_res_sys {
	uint64_t faults;
	uint64_t irqs;
	uint64_t softirqs;
};

/* Counters (pa_res_cpu.counters indexes): what was seen and what was lost. */
enum {
	PA_RES_C_TASK_INSERT,     /* task records created (array and tasks_hi) */
	PA_RES_C_TASK_NOSPACE,    /* a record could not be created: its events are not in any per-task figure */
	PA_RES_C_TASK_HI_INSERT,  /* of those, in tasks_hi: its evictions are these minus its live records */
	PA_RES_C_TASK_REUSED,     /* array slots of an exited thread taken by a new thread with the same id */
	PA_RES_C_TASK_STALE,      /* a dead thread's last switch found its slot already reused: not recorded */
	PA_RES_C_MSG_SENT,        /* sends on a pipe / Unix socket */
	PA_RES_C_MSG_LINKED,      /* receives linked to their send */
	PA_RES_C_MSG_WOKEN,       /* of those, the receiver was woken by the send */
	PA_RES_C_MSG_COALESCED,   /* sends consumed by a receive that got an earlier send too */
	PA_RES_C_MSG_UNLINKED,    /* receives with data but no send seen (partial reads, earlier data) */
	PA_RES_C_MSG_FAILED,      /* sends that failed (not messages) */
	PA_RES_C_MSG_NOKEY,       /* sends on unconnected sockets: no channel to link by */
	PA_RES_C_PAIR_INSERT,     /* pair records created */
	PA_RES_C_RQ_DONE,         /* block requests completed */
	PA_RES_C_RQ_UNMATCHED,    /* completions without their start (attached mid-request, map full) */
	PA_RES_C_FAULTS,          /* page faults seen */
	PA_RES_C_FAULTS_IN_SYS,
	PA_RES_C_IRQS,
	PA_RES_C_IRQS_IN_SYS,
	PA_RES_C_IO_BYTES_READ,
	PA_RES_C_IO_BYTES_WRITE,
	PA_RES_C_IO_NS,
	PA_RES_C_SYS_UNOWNED,     /* syscall exits whose CPU state was another thread's (an unreported switch) */
	PA_RES_C_MAX,
};

/*
 * Statistics of the thread running on a CPU since its last switch-in: the
 * hot events add here, in the one page every hook touches anyway, and
 * sched_switch moves them into the thread's record when it switches the
 * thread out (the thread's own page is touched then anyway).
 */
struct pa_res_acc {
	uint64_t sys_count, sys_ns, sys_errors;
	uint64_t faults, faults_in_sys;
	uint64_t irqs, irqs_in_sys;         /* hard interrupts */
	uint64_t softirqs, softirqs_in_sys;
};

/*
 * Element i of the `cpu_state` array (mmapable: user space reads it in
 * place): CPU i's scheduler accounting, the syscall in flight of the thread
 * running on it, that thread's pending statistics and the CPU's counters.
 * seq is odd while sched_switch moves acc into a record and changes
 * curr_tid: a reader that wants acc and the record consistent retries until
 * it reads the same even seq before and after.
 */
struct pa_res_cpu {
	uint32_t seq;
	uint32_t curr_tid;       /* thread switched in last (0: idle, or none seen yet); acc is its */
	uint64_t since;          /* time of the last switch on this CPU (0 = none seen) */
	uint64_t busy_ns, idle_ns;
	/* the syscall in flight of thread sys_tid (0 = none), which is running here */
	uint32_t sys_tid;
	uint32_t sys_nr;
	uint64_t sys_start;
	uint64_t sys_arg;
	uint64_t ipc_key;
	uint8_t ipc_dir;
	uint8_t pad[7];
	struct pa_res_acc acc;
	uint64_t counters[PA_RES_C_MAX];
} __attribute__((aligned(64)));

#endif /* PA_BPF_RESOURCES_H */
