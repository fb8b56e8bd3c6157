/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-shm.h - the shared-memory region between an instrumented program and
 * the daemon.
 *
 * An instrumented program (lib/instrument.c) creates one region per process:
 * a sealed memfd holding this header, a table of the event names the program
 * registered, and one single-producer single-consumer ring of 32-byte samples
 * per recording thread. It passes the memfd to the daemon once, over the
 * daemon's socket (docs/app-instrumentation.md); from then on they talk only
 * through this memory: the program's threads append samples and move `head`,
 * the daemon (daemon/app-rings.c) copies samples out and moves `tail`.
 *
 * The layout is an ABI between two processes, possibly built apart: fixed-width
 * types, explicit offsets and sizes in the header, a magic number and a version.
 * The daemon treats every byte as hostile: it validates the geometry once when
 * it maps the region, keeps its own copy of it and of every `tail`, and checks
 * each `head` it reads against its own tail before it touches a slot.
 *
 * Slots hold a struct perf_sample (perf_events.h) with two differences: the
 * timestamp and the duration are in the region's clock units (`clock`: TSC
 * ticks on x86, CLOCK_MONOTONIC nanoseconds elsewhere), and a task_id of 0
 * means "the process that owns the region". The daemon converts both.
 */
#ifndef PERF_ANALYSIS_APP_SHM_H
#define PERF_ANALYSIS_APP_SHM_H

#include <stdint.h>

#include "perf-analysis/perf_events.h"

/* "PAAPPSHM" read as a little-endian 64-bit number. */
#define PA_APP_SHM_MAGIC 0x4d48535050414150ull
#define PA_APP_SHM_VERSION 1u

/* Unit of slot timestamps and durations (pa_app_shm_header.clock). */
enum pa_app_clock {
	PA_APP_CLOCK_TSC = 1,       /* x86 time-stamp counter ticks (rdtsc) */
	PA_APP_CLOCK_MONOTONIC = 2, /* CLOCK_MONOTONIC nanoseconds */
	PA_APP_CLOCK_MAX,
};

/* Ring ownership (pa_app_ring.state). */
enum pa_app_ring_state {
	PA_APP_RING_FREE = 0,     /* never handed out */
	PA_APP_RING_ACTIVE = 1,   /* owned by a live thread */
	PA_APP_RING_RELEASED = 2, /* its thread exited; another thread may take it over */
	PA_APP_RING_STATE_MAX,
};

/* Bytes of one name, including the terminating NUL (core's PA_EVENT_NAME_MAX). */
#define PA_APP_NAME_BYTES 48
/* Entries in the name table: one per user event id. */
#define PA_APP_NAMES_MAX (PERF_EVENT_ID_LIMIT - PERF_EVENT_USER_BASE)

/*
 * Slot flag used only inside the region: the slot's duration is the real
 * duration shifted right by 16 (durations of 2^32 clock units or more).
 */
#define PA_APP_SLOT_F_DUR_SHIFT16 0x80u

/* Limits the daemon enforces on a region it is given. */
#define PA_APP_RINGS_LIMIT 4096u                 /* rings per region */
#define PA_APP_RING_CAPACITY_MIN 2u              /* samples per ring */
#define PA_APP_RING_CAPACITY_LIMIT (1u << 22)    /* samples per ring */
#define PA_APP_REGION_BYTES_LIMIT (1ull << 30)   /* whole region */

/*
 * The region's first bytes. Fields above `rings_used` are written once by the
 * program before it shares the region and never change; the rest change while
 * the program runs and are accessed with atomic loads and stores.
 */
struct pa_app_shm_header {
	uint64_t magic;         /* PA_APP_SHM_MAGIC */
	uint32_t version;       /* PA_APP_SHM_VERSION */
	uint32_t header_bytes;  /* sizeof(struct pa_app_shm_header) */
	uint64_t region_bytes;  /* size of the whole region (the memfd) */
	uint32_t pid;           /* process (thread-group) id of the program */
	uint32_t clock;         /* enum pa_app_clock */
	uint64_t tsc_hz;        /* the program's estimate of the TSC rate; 0 if unknown; informational */
	uint32_t names_offset;  /* byte offset of struct pa_app_shm_name[names_max] */
	uint32_t names_max;     /* PA_APP_NAMES_MAX */
	uint32_t rings_offset;  /* byte offset of the first ring, a multiple of 64 */
	uint32_t rings_max;     /* rings in the region */
	uint32_t ring_bytes;    /* stride between rings: PA_APP_RING_BYTES(ring_capacity) */
	uint32_t ring_capacity; /* samples per ring, a power of two */

	/* Changing while the program runs. */
	_Alignas(64) uint32_t rings_used; /* rings handed out (may exceed rings_max: then all are taken) */
	uint32_t attaches;                /* times the program attached to a daemon */
	uint64_t no_ring_drops;           /* samples lost because every ring was taken */
	uint8_t reserved[48];
};

_Static_assert(sizeof(struct pa_app_shm_header) == 128, "pa_app_shm_header layout");

/* One registered name. `id` is 0 until the name is complete (store-release). */
struct pa_app_shm_name {
	uint32_t id; /* PERF_EVENT_USER_BASE + index in the table, or 0 */
	uint32_t reserved;
	char name[PA_APP_NAME_BYTES];
	uint8_t pad[8];
};

_Static_assert(sizeof(struct pa_app_shm_name) == 64, "pa_app_shm_name layout");

/*
 * One ring: this 128-byte header, then ring_capacity slots. The first cache
 * line is written by the producing thread, the second by the daemon only.
 * Sequence numbers count up forever; slot = sequence & (capacity - 1).
 * Invariant kept by a well-behaved producer: 0 <= head - tail <= capacity.
 */
struct pa_app_ring {
	uint64_t head;       /* producer: next sequence number to write (store-release) */
	uint64_t drops;      /* producer: samples refused because the ring was full */
	uint64_t unattached; /* producer: samples not recorded because no daemon was attached */
	uint32_t tid;        /* producer: Linux thread id of the current owner */
	uint32_t state;      /* enum pa_app_ring_state */
	uint8_t pad0[32];
	_Alignas(64) uint64_t tail; /* consumer: next sequence number to read (store-release) */
	uint8_t pad1[56];
	_Alignas(64) struct perf_sample slots[];
};

_Static_assert(sizeof(struct pa_app_ring) == 128, "pa_app_ring layout");

/* Bytes of one ring of `capacity` samples. */
#define PA_APP_RING_BYTES(capacity) \
	((uint64_t)sizeof(struct pa_app_ring) + (uint64_t)(capacity) * sizeof(struct perf_sample))

#endif /* PERF_ANALYSIS_APP_SHM_H */
