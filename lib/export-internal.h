/* SPDX-License-Identifier: GPL-2.0-or-later */
/* export-internal.h - helpers shared by the export writers (not installed). */
#ifndef PA_LIB_EXPORT_INTERNAL_H
#define PA_LIB_EXPORT_INTERNAL_H

#include <stdio.h>

#include "export.h"

/*
 * Name of event `id` into buf: the table's name, or "event_<id>" for an id
 * nobody named. Returns buf or the table's static string.
 */
static inline const char *pa_export_event_name(const struct pa_event_table *t, unsigned int id,
					       char buf[static 16])
{
	const char *n = pa_event_name(t, id);

	if (n)
		return n;
	snprintf(buf, 16, "event_%u", id);
	return buf;
}

/* Drops charged to CPU `cpu`: the per-CPU array if given, else all of them on first_cpu. */
static inline uint64_t pa_export_cpu_dropped(const struct pa_export_trace *t, unsigned int cpu,
					     unsigned int first_cpu)
{
	if (t->cpu_dropped)
		return cpu < t->n_cpu_dropped ? t->cpu_dropped[cpu] : 0;
	return cpu == first_cpu ? t->dropped : 0;
}

/* Total drops, whichever way they were given. */
static inline uint64_t pa_export_total_dropped(const struct pa_export_trace *t)
{
	uint64_t sum = 0;

	if (!t->cpu_dropped)
		return t->dropped;
	for (size_t i = 0; i < t->n_cpu_dropped; i++)
		sum += t->cpu_dropped[i];
	return sum;
}

/*
 * Write the first `max` bytes (or up to the NUL) of `str` as a JSON string:
 * ", \ and control bytes escaped, every byte that is not part of valid UTF-8
 * (a comm is any 15 bytes) replaced by U+FFFD, so the output is valid JSON.
 */
void pa_export_put_json_string(FILE *f, const char *str, size_t max);

#endif /* PA_LIB_EXPORT_INTERNAL_H */
