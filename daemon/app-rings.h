/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-rings.h - the daemon's side of application instrumentation: map the
 * shared-memory region an instrumented program sent (a sealed memfd, see
 * include/perf-analysis/app-shm.h), drain its per-thread rings into a
 * callback, and report what the program dropped, the event names it
 * registered, and whether it has exited.
 *
 * The region is written by another process and trusted in nothing: every
 * offset, size, index and name is checked, the geometry is copied once when
 * the region is opened, and the consumer indices live in the daemon's own
 * memory. A corrupt or hostile region gives an error, never a crash.
 * The memfd must be sealed against shrinking (F_SEAL_SHRINK), so that the
 * program cannot truncate it under the daemon's mapping (SIGBUS).
 *
 * No sockets, no JSON here: the RPC layer receives the app.attach request and
 * its memfd (docs/app-instrumentation.md) and hands both to
 * pa_app_rings_open(). One pa_app_rings is used by one thread at a time.
 */
#ifndef PA_DAEMON_APP_RINGS_H
#define PA_DAEMON_APP_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perf-analysis/app-shm.h"
#include "perf-analysis/perf_events.h"

struct pa_app_rings;

/* Counters of one program, as seen by the daemon. */
struct pa_app_rings_stats {
	uint32_t pid;
	uint32_t threads;    /* rings the program handed out to its threads */
	uint32_t names;      /* valid registered names */
	uint32_t attaches;   /* attach handshakes the program made with this region */
	uint64_t received;   /* samples passed to the callback */
	uint64_t dropped;    /* samples the program refused because a ring was full */
	uint64_t no_ring;    /* samples lost because every ring was in use */
	uint64_t unattached; /* events the program skipped while no daemon was attached */
	uint64_t invalid;    /* samples discarded: reserved event id (PERF_EVENT_MAX..USER_BASE-1) */
	bool exited;         /* the process has exited (what is left in the rings is final) */
};

/* Called once per sample, in ring order per thread; `s` is valid during the call only. */
typedef void (*pa_app_sample_fn)(const struct perf_sample *s, void *userdata);

/* Called once per registered name. */
typedef void (*pa_app_name_fn)(uint32_t id, const char *name, void *userdata);

/*
 * Map and validate the region in `memfd`, sent by process `pid` (the peer's
 * SO_PEERCRED pid; the region must name the same pid; 0 trusts the region's
 * own pid, for tests only). The memfd is not
 * consumed: the caller may close it at once, the mapping stays. On failure,
 * when `why` is not NULL, a sentence naming what is wrong is written there.
 * Returns 0 and sets *ret; or -EINVAL (not a sealed memfd, bad size, bad
 * header, wrong pid), -EPERM (not sealed against shrinking),
 * -EPROTONOSUPPORT (version or clock this daemon cannot read), -ENOMEM, or
 * the errno of fstat/mmap.
 */
int pa_app_rings_open(int memfd, uint32_t pid, struct pa_app_rings **ret, char *why, size_t why_size);

/* Unmap and free; accepts NULL. */
void pa_app_rings_free(struct pa_app_rings *r);

/*
 * Pass up to `max` queued samples to `fn`, oldest first per ring, and give
 * their slots back to the program. Timestamps are CLOCK_MONOTONIC nanoseconds
 * (TSC ticks are converted), durations nanoseconds (saturated, with
 * PERF_SAMPLE_F_DUR_CLAMPED), flags get PERF_SAMPLE_F_APP, a task_id of 0
 * becomes the program's pid, and cpu is 0xffff when unknown.
 * Returns the number of samples passed to `fn` (0 when nothing was queued),
 * or -EBADMSG when the region turned out corrupt (a ring index out of range):
 * then the region is unusable and every later call returns -EBADMSG.
 */
int pa_app_rings_drain(struct pa_app_rings *r, uint32_t max, pa_app_sample_fn fn, void *userdata);

/* Fill *ret with the program's counters (read now). Returns 0 or -EINVAL. */
int pa_app_rings_stats(struct pa_app_rings *r, struct pa_app_rings_stats *ret);

/*
 * Call `fn` for every valid name the program registered so far, in id order;
 * malformed entries are skipped. Returns how many names were passed.
 */
int pa_app_rings_for_each_name(struct pa_app_rings *r, pa_app_name_fn fn, void *userdata);

/* Copy the name of user event `id` into `ret` (PA_APP_NAME_BYTES). 0 or -ENOENT. */
int pa_app_rings_name(struct pa_app_rings *r, uint32_t id, char *ret);

/*
 * 1 if the program has exited, 0 if it runs. Once it has, a last drain gets
 * everything it recorded. Uses a pidfd (no pid-reuse race) where the kernel
 * has one.
 */
int pa_app_rings_exited(struct pa_app_rings *r);

/* A descriptor that polls readable when the program exits, or -1. Owned by `r`. */
int pa_app_rings_pidfd(const struct pa_app_rings *r);

/* The pid given to pa_app_rings_open(). */
uint32_t pa_app_rings_pid(const struct pa_app_rings *r);

/* Why the region was declared corrupt (after -EBADMSG), or "". */
const char *pa_app_rings_why(const struct pa_app_rings *r);

/*
 * Convert a TSC reading of this machine to CLOCK_MONOTONIC nanoseconds, as
 * drained timestamps are. Thread-safe. The first call calibrates for ~10 ms.
 */
uint64_t pa_app_tsc_to_ns(uint64_t tsc);

#endif /* PA_DAEMON_APP_RINGS_H */
