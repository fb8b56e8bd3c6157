/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.h - resource tracking and event correlation (issue 6): loads
 * bpf/resources.bpf.c and turns its maps into the replies of the `top` and
 * `correlate` methods. Single-threaded like the rest of the daemon.
 */
#ifndef PA_DAEMON_RESOURCES_H
#define PA_DAEMON_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct pa_resources;

/*
 * Load and attach. carried: the collector's programs will do resource
 * tracking's part of each syscall, switch, fault and interrupt (opened with pa_resources_maps,
 * see daemon/collector.h), so ours are not attached; once it is clear that
 * they will not, pa_resources_set_carried(r, false). Returns 0 and *ret, or
 * a negative errno (-EPERM without root, -ENOSYS when a hook does not
 * attach) with *ret_why set to a static one-line reason.
 */
int pa_resources_open(bool carried, struct pa_resources **ret, const char **ret_why);
void pa_resources_free(struct pa_resources *r); /* detaches; NULL is fine */

/*
 * Attach every program (on; while carried, not those on the hooks the collector's programs share) or
 * detach them all; the maps and their figures stay. Returns 0, or -ENOSYS
 * when no program attached (those that did not are listed in the replies as
 * before). For benchmarks.
 */
int pa_resources_attach(struct pa_resources *r, bool on);

/* Change whether the collector carries our part of those hooks; attached programs follow. */
int pa_resources_set_carried(struct pa_resources *r, bool carried);

/*
 * The maps that resource tracking's part of each syscall, switch, fault and interrupt updates
 * (bpf/resources-sys.h), for the collector's programs: descriptors valid
 * while r lives.
 */
struct pa_res_maps {
	int cpu_state, tasks, tasks_hi, msgs, pairs, sys_attr;
};
void pa_resources_maps(const struct pa_resources *r, struct pa_res_maps *ret);

/*
 * Run count and run time of program i (0, 1, ... until -ENOENT): *ret_name
 * is the program's name (static while r lives), *ret_ns its summed run time,
 * counted only while kernel.bpf_stats_enabled is on. For benchmarks.
 */
int pa_resources_prog_stats(struct pa_resources *r, unsigned int i, const char **ret_name, uint64_t *ret_cnt,
			    uint64_t *ret_ns);

/* Forget every record and counter (the daemon's reset). */
int pa_resources_reset(struct pa_resources *r);

/* What `top` sorts by. */
enum pa_top_by {
	PA_TOP_CPU,
	PA_TOP_EVENTS,
	PA_TOP_IO,
	PA_TOP_MEM,
	PA_TOP_EVENT, /* time (count for events without a duration) in one event type */
	PA_TOP_MAX,
};

/* Name of `by` ("cpu", ...), and the inverse (-EINVAL for an unknown name). */
const char *pa_top_by_name(enum pa_top_by by);
int pa_top_by_lookup(const char *name);

/*
 * The `top` reply: the n heaviest processes (threads = false) or threads,
 * sorted by `by` (event: the event id for PA_TOP_EVENT), cumulative since
 * load or the last reset, optionally only thread group `pid` (0 = all);
 * with the table's loss counters. NULL on out-of-memory.
 */
json_t *pa_resources_top(struct pa_resources *r, enum pa_top_by by, unsigned int event, unsigned int n,
			 bool threads, uint32_t pid);

/*
 * The `correlate` reply: linked IPC messages (totals and the n busiest
 * sender/receiver pairs), page faults and interrupts inside syscalls (per
 * syscall), run-queue latency and lifetimes (n tasks each), optionally only
 * thread group `pid`. NULL on out-of-memory.
 */
json_t *pa_resources_correlate(struct pa_resources *r, unsigned int n, uint32_t pid);

#endif /* PA_DAEMON_RESOURCES_H */
