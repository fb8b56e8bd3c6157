/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lttng-tp.h - an LTTng-UST tracepoint carrying what PERF_EVENT_RECORD
 * records (event id, task, thread, two data words; LTTng adds its own
 * timestamp), for the side-by-side benchmark.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER pa_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "lttng-tp.h"

#if !defined(PA_BENCH_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define PA_BENCH_LTTNG_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(pa_bench, event,
	LTTNG_UST_TP_ARGS(uint32_t, ev, uint32_t, task, uint32_t, thread, uint32_t, data1, uint32_t, data2),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, event, ev)
		lttng_ust_field_integer(uint32_t, task, task)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_integer(uint32_t, data1, data1)
		lttng_ust_field_integer(uint32_t, data2, data2)
	)
)

#endif /* PA_BENCH_LTTNG_TP_H */

#include <lttng/tracepoint-event.h>
