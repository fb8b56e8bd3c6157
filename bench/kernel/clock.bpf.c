/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock.bpf.c - the floor of any tracer that times every syscall: the empty
 * programs of empty.bpf.c, except that sys_enter reads the clock into this
 * CPU's slot and sys_exit reads it again and adds the difference to the
 * slot's total. Two bpf_ktime_get_ns() calls and one small map are the
 * least a syscall's duration costs; what bpf/capture.bpf.c costs above this
 * is the price of everything else it keeps.
 */
#define PA_CLOCK_FLOOR
#include "empty.bpf.c"

struct clock_slot {
	__u64 start;
	__u64 total;
	__u64 count;
	__u64 pad[5]; /* one cache line per CPU */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct clock_slot);
} clock_slots SEC(".maps");

SEC("tp_btf/sys_enter")
int clock_sys_enter(void *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct clock_slot *s = bpf_map_lookup_elem(&clock_slots, &cpu);

	if (s)
		s->start = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int clock_sys_exit(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 cpu = bpf_get_smp_processor_id();
	struct clock_slot *s = bpf_map_lookup_elem(&clock_slots, &cpu);

	if (s && s->start) {
		s->total += now - s->start;
		s->count++;
		s->start = 0;
	}
	return 0;
}
