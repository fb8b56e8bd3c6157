/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.h - the event table: ids, short names, seed names, descriptions,
 * and a registry for user-defined events.
 */
#ifndef PA_CORE_EVENTS_H
#define PA_CORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perf-analysis/perf_events.h"

#define PA_EVENT_NAME_MAX 48 /* bytes, including the terminating NUL */
#define PA_USER_EVENT_MAX (PERF_EVENT_ID_LIMIT - PERF_EVENT_USER_BASE)

struct pa_event_info {
	unsigned int id;
	const char *name;      /* short name: "vm_alloc" */
	const char *seed_name; /* "PERF_EVENT_VM_ALLOC" */
	const char *description;
	bool has_duration;     /* false: the kernel gives no duration (page faults on Linux) */
};

/* Built-in event `id` (0..PERF_EVENT_MAX-1), or NULL. Static storage. */
const struct pa_event_info *pa_event_info(unsigned int id);

/*
 * User-defined events. The caller owns the table (no allocation here);
 * zero-initialised storage is an empty table. Not thread-safe: callers lock.
 */
struct pa_event_table {
	uint32_t n_user;
	char user_names[PA_USER_EVENT_MAX][PA_EVENT_NAME_MAX];
};

/*
 * Register `name` and return its id (>= PERF_EVENT_USER_BASE). Registering a
 * name twice returns the same id. Names are 1..PA_EVENT_NAME_MAX-1 bytes of
 * [A-Za-z0-9_.:-], must not start with a digit and must not equal a built-in
 * short or seed name. Errors: -PA_EINVAL (bad name), -PA_ENAMETOOLONG,
 * -PA_ENOSPC (table full).
 */
int pa_event_register(struct pa_event_table *t, const char *name);

/*
 * Look an event up by decimal id ("2"), short name ("vm_alloc") or seed name
 * ("PERF_EVENT_VM_ALLOC", case-sensitive), or by a user name when `t` is not
 * NULL. Returns the id, or -PA_ENOENT. A decimal id is accepted only if it
 * names a built-in event or a registered user event.
 */
int pa_event_lookup(const struct pa_event_table *t, const char *s);

/* Short name of any id (built-in or registered), or NULL. */
const char *pa_event_name(const struct pa_event_table *t, unsigned int id);

#endif /* PA_CORE_EVENTS_H */
