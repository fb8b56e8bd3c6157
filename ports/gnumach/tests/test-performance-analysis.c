/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-performance-analysis.c - GNU Mach test module (bootstrap task run
 * under QEMU by GNU Mach's tests/user-qemu.mk, with testlib) for the
 * kernel performance monitor: the seed's "Basic Performance Monitoring"
 * example with its counts asserted.
 *
 * Enable, configure (1000 samples/s, 4096-sample ring), 1000
 * vm_allocate/vm_deallocate pairs, read the statistics, set a baseline,
 * repeat, check for a regression. The kernel counts every call that goes
 * through vm_allocate/vm_deallocate, whoever makes it; this task is the
 * only user task, so the counts must grow by exactly 1000 per round.
 */

#include <syscalls.h>
#include <testlib.h>

#include <mach/mach_types.h>
#include <mach/vm_param.h>
#include <mach/perf_monitor.h>

#include <mach.user.h>
#include <mach_host.user.h>
#include <perf_monitor.user.h>

#define ROUNDS_OPS 1000

static void vm_workload(void)
{
	for (int i = 0; i < ROUNDS_OPS; i++) {
		vm_address_t addr = 0;
		kern_return_t err;

		err = vm_allocate(mach_task_self(), &addr, vm_page_size, TRUE);
		ASSERT_RET(err, "vm_allocate");
		/* touch it: a page fault the monitor must count */
		*(volatile char *)addr = 1;
		err = vm_deallocate(mach_task_self(), addr, vm_page_size);
		ASSERT_RET(err, "vm_deallocate");
	}
}

/* Wall time of one vm_workload() in us, by the host clock. */
static uint64_t workload_us(void)
{
	time_value_t a, b;
	kern_return_t err;

	err = host_get_time(mach_host_self(), &a);
	ASSERT_RET(err, "host_get_time");
	vm_workload();
	err = host_get_time(mach_host_self(), &b);
	ASSERT_RET(err, "host_get_time");
	return (uint64_t)(b.seconds - a.seconds) * 1000000 + (uint64_t)((int64_t)b.microseconds - a.microseconds);
}

static void sort5(uint64_t *v)
{
	for (int i = 1; i < 5; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/*
 * The cost of monitoring on this workload: five interleaved rounds off and
 * on, medians compared. Printed, not asserted (no timed tests).
 */
static void measure_overhead(void)
{
	uint64_t off[5], on[5];
	kern_return_t err;

	for (int r = 0; r < 5; r++) {
		err = perf_monitor_enable(host_priv(), FALSE);
		ASSERT_RET(err, "perf_monitor_enable FALSE");
		off[r] = workload_us();
		err = perf_monitor_enable(host_priv(), TRUE);
		ASSERT_RET(err, "perf_monitor_enable TRUE");
		on[r] = workload_us();
	}
	err = perf_monitor_enable(host_priv(), FALSE);
	ASSERT_RET(err, "perf_monitor_enable FALSE");
	sort5(off);
	sort5(on);
	printf("overhead: %d x (vm_allocate + touch + vm_deallocate): off %llu us, on %llu us, "
	       "on/off = %llu.%02llu (medians of 5 interleaved rounds)\n", ROUNDS_OPS,
	       (unsigned long long)off[2], (unsigned long long)on[2],
	       (unsigned long long)(off[2] ? on[2] * 100 / off[2] / 100 : 0),
	       (unsigned long long)(off[2] ? on[2] * 100 / off[2] % 100 : 0));
}

struct stats {
	uint64_t count, total, min, max, avg, last;
};

static void get_stats(int event, struct stats *s)
{
	kern_return_t err = perf_get_event_stats(mach_host_self(), event, &s->count, &s->total,
						 &s->min, &s->max, &s->avg, &s->last);
	ASSERT_RET(err, "perf_get_event_stats");
	ASSERT(s->count == 0 || (s->min <= s->avg && s->avg <= s->max), "min <= avg <= max");
	ASSERT(s->count == 0 || s->total >= s->count * s->min, "total >= count * min");
}

static void test_bad_input(void)
{
	uint64_t a, b, c, d, e, f;
	boolean_t reg;
	kern_return_t err;

	err = perf_get_event_stats(mach_host_self(), PERF_EVENT_MAX, &a, &b, &c, &d, &e, &f);
	ASSERT(err == KERN_INVALID_ARGUMENT, "event out of range is refused");
	err = perf_monitor_configure(host_priv(), 1000, 3000);
	ASSERT(err == KERN_INVALID_ARGUMENT, "a ring size that is not a power of two is refused");
	err = perf_check_regression(mach_host_self(), PERF_EVENT_VM_ALLOC, 20, &reg);
	ASSERT(err == KERN_FAILURE, "no baseline yet: no verdict");
	err = perf_monitor_enable(mach_host_self(), TRUE);
	ASSERT(err != KERN_SUCCESS, "the unprivileged host port cannot enable monitoring");
}

int main(int argc, char *argv[], int envc, char *envp[])
{
	struct stats alloc0, alloc1, free1, alloc2, free2, pf1;
	perf_event_info_t info;
	mach_msg_type_number_t n = PERF_EVENT_INFO_COUNT;
	perf_sample_t samples[PERF_READ_SAMPLES_MAX];
	mach_msg_type_number_t nsamples;
	uint64_t dropped, sampled_out;
	boolean_t regression;
	kern_return_t err;
	int vm_samples = 0;

	err = perf_monitor_reset(host_priv());
	ASSERT_RET(err, "perf_monitor_reset");
	test_bad_input();

	/* the seed's example */
	err = perf_monitor_enable(host_priv(), TRUE);
	ASSERT_RET(err, "perf_monitor_enable");
	err = perf_monitor_configure(host_priv(), 1000, 4096);
	ASSERT_RET(err, "perf_monitor_configure");

	get_stats(PERF_EVENT_VM_ALLOC, &alloc0);
	vm_workload();
	get_stats(PERF_EVENT_VM_ALLOC, &alloc1);
	get_stats(PERF_EVENT_VM_FREE, &free1);
	get_stats(PERF_EVENT_PAGE_FAULT, &pf1);
	printf("VM Allocations: %llu, Average time: %llu ns (min %llu, max %llu)\n",
	       (unsigned long long)alloc1.count, (unsigned long long)alloc1.avg,
	       (unsigned long long)alloc1.min, (unsigned long long)alloc1.max);
	printf("VM Deallocations: %llu, Average time: %llu ns; page faults: %llu\n",
	       (unsigned long long)free1.count, (unsigned long long)free1.avg,
	       (unsigned long long)pf1.count);
	ASSERT(alloc1.count - alloc0.count == ROUNDS_OPS, "exactly 1000 vm_allocate counted");
	ASSERT(free1.count >= ROUNDS_OPS, "at least 1000 vm_deallocate counted");
	ASSERT(pf1.count >= ROUNDS_OPS, "each touched page faulted");
	ASSERT(alloc1.total > 0 && alloc1.last > 0, "durations and timestamps recorded");

	err = perf_get_event_info(mach_host_self(), PERF_EVENT_VM_ALLOC, info, &n);
	ASSERT_RET(err, "perf_get_event_info");
	ASSERT(n == PERF_EVENT_INFO_COUNT, "info size");
	ASSERT(info[PERF_INFO_COUNT] == alloc1.count, "info count = stats count");
	ASSERT(info[PERF_INFO_ERRORS] == 0, "no failed vm_allocate");
	ASSERT(info[PERF_INFO_SAMPLES] + info[PERF_INFO_SAMPLED_OUT] + info[PERF_INFO_DROPPED]
	       == info[PERF_INFO_COUNT], "every event is sampled, sampled out or dropped, and counted");
	ASSERT(info[PERF_INFO_P50_NS] >= alloc1.min && info[PERF_INFO_P50_NS] <= alloc1.max, "p50 within [min, max]");
	printf("vm_alloc: p50 %llu ns p99 %llu ns; samples %llu, sampled out %llu, dropped %llu\n",
	       (unsigned long long)info[PERF_INFO_P50_NS], (unsigned long long)info[PERF_INFO_P99_NS],
	       (unsigned long long)info[PERF_INFO_SAMPLES], (unsigned long long)info[PERF_INFO_SAMPLED_OUT],
	       (unsigned long long)info[PERF_INFO_DROPPED]);

	/* the samples taken are real vm_alloc samples of this run */
	nsamples = PERF_READ_SAMPLES_MAX;
	err = perf_read_samples(host_priv(), samples, &nsamples, &dropped, &sampled_out);
	ASSERT_RET(err, "perf_read_samples");
	ASSERT(nsamples > 0, "some samples were taken");
	for (unsigned i = 0; i < nsamples; i++) {
		ASSERT(samples[i].event < PERF_EVENT_MAX, "sample event id in range");
		ASSERT(samples[i].timestamp_ns > 0, "sample has a timestamp");
		ASSERT(i == 0 || samples[i].timestamp_ns >= samples[i - 1].timestamp_ns,
		       "samples leave the ring in time order");
		if (samples[i].event == PERF_EVENT_VM_ALLOC) {
			ASSERT(samples[i].data1 == vm_page_size, "vm_alloc sample carries the size");
			vm_samples++;
		}
	}
	printf("read %u samples (%d vm_alloc), dropped %llu, sampled out %llu\n", nsamples, vm_samples,
	       (unsigned long long)dropped, (unsigned long long)sampled_out);
	ASSERT(vm_samples > 0, "vm_alloc samples present");

	/* baseline, same workload again, no regression expected at +1000 %
	   (a generous bound: this is a functional test, not a timed one) */
	err = perf_set_baseline(host_priv());
	ASSERT_RET(err, "perf_set_baseline");
	vm_workload();
	get_stats(PERF_EVENT_VM_ALLOC, &alloc2);
	get_stats(PERF_EVENT_VM_FREE, &free2);
	ASSERT(alloc2.count - alloc1.count == ROUNDS_OPS, "exactly 1000 more vm_allocate counted");
	ASSERT(free2.count - free1.count >= ROUNDS_OPS, "at least 1000 more vm_deallocate counted");
	err = perf_check_regression(mach_host_self(), PERF_EVENT_VM_ALLOC, 1000, &regression);
	ASSERT_RET(err, "perf_check_regression");
	ASSERT(!regression, "same workload is not 11x slower");
	/* at 0 % the verdict is a coin toss between two equal workloads: shown, not asserted */
	err = perf_check_regression(mach_host_self(), PERF_EVENT_VM_ALLOC, 0, &regression);
	ASSERT_RET(err, "perf_check_regression 0 %");
	printf("regression at 0 %%: %s\n", regression ? "yes" : "no");

	/* disabled: nothing more is counted */
	err = perf_monitor_enable(host_priv(), FALSE);
	ASSERT_RET(err, "perf_monitor_enable FALSE");
	vm_workload();
	get_stats(PERF_EVENT_VM_ALLOC, &alloc1);
	ASSERT(alloc1.count == alloc2.count, "nothing counted while disabled");

	err = perf_get_event_info(mach_host_self(), PERF_EVENT_SYSCALL, info, &n);
	ASSERT_RET(err, "perf_get_event_info syscall");
	printf("mach traps timed: %llu of %llu entered\n", (unsigned long long)info[PERF_INFO_COUNT],
	       (unsigned long long)info[PERF_INFO_TRAPS_ENTERED]);
	ASSERT(info[PERF_INFO_COUNT] > 0, "Mach traps were timed");

	measure_overhead();

	return 0;
}
