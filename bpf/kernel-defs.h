/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-defs.h - kernel constants the eBPF programs need that vmlinux.h
 * cannot carry (BTF has types and enums, not #defines), and the x86_64
 * syscall numbers the events are derived from. Included after vmlinux.h by
 * bpf/capture.bpf.c and bpf/resources.bpf.c.
 */
#ifndef PA_BPF_KERNEL_DEFS_H
#define PA_BPF_KERNEL_DEFS_H

#define CLONE_THREAD 0x00010000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define MAX_ERRNO 4095

#define NR_read 0
#define NR_write 1
#define NR_mmap 9
#define NR_munmap 11
#define NR_brk 12
#define NR_pread64 17
#define NR_readv 19
#define NR_writev 20
#define NR_mremap 25
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_msgsnd 69
#define NR_msgrcv 70
#define NR_mq_timedsend 242
#define NR_mq_timedreceive 243
#define NR_recvmmsg 299
#define NR_sendmmsg 307
#define NR_clone3 435

#endif /* PA_BPF_KERNEL_DEFS_H */
