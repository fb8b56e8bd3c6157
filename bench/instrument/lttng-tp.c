/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lttng-tp.c - the tracepoint provider of lttng-tp.h. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "lttng-tp.h"
