/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instrument.h - private interface of the instrumentation runtime
 * (lib/instrument.c), for its tests and benchmarks.
 */
#ifndef PA_LIB_INSTRUMENT_H
#define PA_LIB_INSTRUMENT_H

#include <stdint.h>

#include "perf-analysis/app-shm.h"

/* Default geometry; PERF_ANALYSIS_APP_THREADS and PERF_ANALYSIS_APP_RING_SAMPLES override it. */
#define PA_APP_DEFAULT_RINGS 64u
#define PA_APP_DEFAULT_CAPACITY 8192u

/* How long the attach handshake waits for the daemon's reply, in milliseconds. */
#define PA_APP_ATTACH_TIMEOUT_MS 250

/* The daemon's socket when $PERF_ANALYSIS_SOCKET is not set. */
#define PA_APP_DEFAULT_SOCKET "/run/perf-analysis/perf-analysisd.sock"

/* A region as the program sees it. */
struct pa_app_region {
	struct pa_app_shm_header *hdr; /* mapped at this address */
	uint64_t bytes;                /* mapped length = memfd size */
	int fd;                        /* the memfd (close-on-exec, sealed) */
};

/*
 * Create a region for process `pid` with `rings` rings of `capacity` samples
 * (a power of two in [PA_APP_RING_CAPACITY_MIN, PA_APP_RING_CAPACITY_LIMIT];
 * rings in [1, PA_APP_RINGS_LIMIT]) in a memfd sealed against shrinking and
 * growing, mapped shared and not inherited by fork(). `clock` is an enum
 * pa_app_clock. The caller owns *ret and releases it with
 * pa_app_region_done(). Returns 0, or -EINVAL (geometry), or the errno of
 * memfd_create/ftruncate/fcntl/mmap.
 */
int pa_app_region_create(uint32_t pid, uint32_t rings, uint32_t capacity, uint32_t clock,
			 struct pa_app_region *ret);

/* Unmap and close a region; accepts a zeroed struct. */
void pa_app_region_done(struct pa_app_region *r);

/* Ring `i` (< hdr->rings_max) of a region the caller created. */
struct pa_app_ring *pa_app_region_ring(const struct pa_app_region *r, uint32_t i);

/*
 * Write `name` as user event `id` into the region's name table (id in
 * [PERF_EVENT_USER_BASE, PERF_EVENT_ID_LIMIT), name shorter than
 * PA_APP_NAME_BYTES). Returns 0 or -EINVAL.
 */
int pa_app_region_set_name(const struct pa_app_region *r, uint32_t id, const char *name);

/*
 * Format the attach request for `pid` into buf: one JSON object and a
 * newline (docs/app-instrumentation.md). `names` holds `n_names` names for
 * ids PERF_EVENT_USER_BASE.. in order. Returns the length, or -ENOSPC.
 */
int pa_app_format_attach(char *buf, size_t size, uint32_t pid, const char *comm,
			 const struct pa_app_region *r, const char (*names)[PA_APP_NAME_BYTES],
			 uint32_t n_names);

/*
 * True when a daemon's reply line means success: a JSON object without an
 * "error" member, or whose "error" is null.
 */
int pa_app_reply_ok(const char *line);

/* The memfd of this process's region, or -1 before the first attach (benchmarks). */
int pa_app_region_fd(void);

#endif /* PA_LIB_INSTRUMENT_H */
