/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_analysis.h - record and time your own code with the seed's macros.
 *
 *   #include <perf-analysis/perf_analysis.h>       link with -lperfanalysis -lpthread
 *
 *   PERF_EVENT_RECORD(PERF_EVENT_IPC_SEND, task_id, thread_id, data1, data2);
 *   PERF_TIME_BLOCK(PERF_EVENT_VM_ALLOC, task_id, thread_id, size, 0, {
 *       result = allocate(size);
 *   });
 *   uint64_t start = PERF_EVENT_TIME_START(PERF_EVENT_SYSCALL);
 *   ...
 *   PERF_EVENT_TIME_END(PERF_EVENT_SYSCALL, start, task_id, thread_id, result, 0);
 *
 *   int db_query = perf_event_register("db.query");     (an id >= PERF_EVENT_USER_BASE)
 *   PERF_TIME_BLOCK(db_query, 0, 0, rows, 0, { rows = run_query(q); });
 *
 * Each thread appends 32-byte samples to its own ring in a shared-memory region
 * that the daemon (perf-analysisd) maps and drains, so that recording takes no
 * system call, no lock and no atomic read-modify-write: one rdtsc, a few loads
 * and two stores. The program finds the daemon by itself (socket
 * $PERF_ANALYSIS_SOCKET, else /run/perf-analysis/perf-analysisd.sock) on its
 * first event and then at most once a second while none is listening; until
 * one is, a macro costs a few nanoseconds and records nothing. Samples the
 * daemon could not take in time (ring full) are counted, never silently lost.
 *
 * Arguments: `event` is a PERF_EVENT_* id or an id from perf_event_register();
 * `task` and `thread` are stored as given, except that 0 means "this process"
 * and "the calling thread"; data1 and data2 are any 32-bit values (wider ones
 * are truncated). PERF_TIME_BLOCK and PERF_EVENT_TIME_END evaluate task,
 * thread, data1 and data2 after the timed code, so they may carry its results.
 * Leaving a PERF_TIME_BLOCK body with return, goto or break records nothing.
 *
 * Failures: wrap the event in PERF_EVENT_FAILED_IF(event, failed) (or
 * PERF_EVENT_FAILED(event)) to mark that one sample failed; the daemon counts
 * it in the event's errors, which its error-rate alert judges. In
 * PERF_TIME_BLOCK the event is evaluated after the timed code, so `failed`
 * may test its result:
 *
 *   PERF_TIME_BLOCK(PERF_EVENT_FAILED_IF(db_query, rc < 0), 0, 0, 0, 0, {
 *       rc = run_query(q);
 *   });
 *
 * Thread safety: every macro may be used from any thread at any time. They
 * are not async-signal-safe: do not use them in a signal handler that may
 * interrupt a macro on the same thread.
 *
 * Controls:
 *   -DPERF_ANALYSIS_DISABLE       compile every macro out: no code, no data, no
 *                                 library needed; arguments are not evaluated.
 *   PERF_ANALYSIS_APP=0           (environment) start with recording off.
 *   perf_analysis_set_enabled()   switch recording at run time; off costs one
 *                                 load and one branch per macro.
 *   PERF_ANALYSIS_APP_THREADS, PERF_ANALYSIS_APP_RING_SAMPLES (environment):
 *                                 rings per process (default 64) and samples
 *                                 per ring (default 8192, a power of two).
 *   PERF_ANALYSIS_ATTACH_TIMEOUT_MS: how long attaching waits for the daemon's
 *                                 reply (default 250).
 */
#ifndef PERF_ANALYSIS_PERF_ANALYSIS_H
#define PERF_ANALYSIS_PERF_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "perf-analysis/perf_events.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the runtime knows about this process (perf_analysis_app_stats()). */
struct perf_analysis_app_stats {
	bool attached;          /* a daemon has this process's region now */
	uint32_t threads;       /* rings handed out to threads */
	uint64_t dropped;       /* samples refused because a ring was full */
	uint64_t no_ring;       /* samples lost because every ring was taken */
	uint64_t unattached;    /* samples not recorded because no daemon was attached */
	uint32_t attaches;      /* successful attach handshakes so far */
};

/*
 * Mark one sample failed: the event argument of any macro, with bit 8 set
 * (ids are below 256, so the id itself is unchanged). PERF_EVENT_FAILED_IF
 * sets it when `failed` is nonzero, without a branch. The sample carries
 * PERF_SAMPLE_F_ERROR, and the daemon counts it in the event's `errors`
 * (error rate = errors / count in a window, as for a failing syscall).
 * Plain integer arithmetic: usable with PERF_ANALYSIS_DISABLE too.
 */
#define PERF_EVENT_F_FAILED 0x100u
#define PERF_EVENT_FAILED(event) ((uint32_t)(event) | PERF_EVENT_F_FAILED)
#define PERF_EVENT_FAILED_IF(event, failed) ((uint32_t)(event) | (uint32_t)!!(failed) << 8)

#ifndef PERF_ANALYSIS_DISABLE

/*
 * Register a program-defined event name and return its id, an integer in
 * [PERF_EVENT_USER_BASE, PERF_EVENT_ID_LIMIT). The same name always gives the
 * same id. Names are 1-47 bytes of [A-Za-z0-9_.:-], not starting with a digit,
 * and not a built-in event's name. The daemon learns the name through the
 * shared region, before or after attaching. Thread-safe; takes a lock.
 * Errors: -EINVAL (bad name), -ENAMETOOLONG, -ENOSPC (192 names taken).
 */
int perf_event_register(const char *name);

/* Switch recording on or off at run time, for every thread. Thread-safe. */
void perf_analysis_set_enabled(bool on);

/* True when recording is on (it is unless PERF_ANALYSIS_APP=0 or switched off). */
bool perf_analysis_enabled(void);

/*
 * Fill `ret` with this process's counters (summed over its rings). Thread-safe;
 * a snapshot. Returns 0, or -EINVAL if `ret` is NULL.
 */
int perf_analysis_app_stats(struct perf_analysis_app_stats *ret);

/* ---- Internals used by the macros; not an API. ------------------------- */

/* Per-thread producer state. The fast path touches only the first fields. */
struct pa_app_thread {
	struct perf_sample *slots;   /* this thread's ring slots, NULL until it has one */
	uint64_t *head_pub;          /* the ring's shared head */
	uint64_t head;               /* next sequence number this thread writes */
	uint64_t limit;              /* head may reach this without re-reading the daemon's tail */
	const volatile int32_t *cpu; /* this thread's rseq cpu_id, or a constant -1 */
	uint32_t mask;               /* ring capacity - 1 */
	uint32_t tid;                /* Linux thread id */
	/* Slow path only. */
	void *ring;                  /* struct pa_app_ring in the shared region */
	uint64_t drops;              /* this ring's drop count as last stored */
	uint64_t unattached;         /* samples skipped before this thread had a ring */
	int64_t next_try;            /* second (time()) of the next attach or liveness check */
};

extern __thread struct pa_app_thread pa_app_tls __attribute__((tls_model("initial-exec")));
extern int pa_app_gate; /* nonzero: recording is on */

bool pa_app_make_room(struct pa_app_thread *t);
bool pa_app_thread_ready(struct pa_app_thread *t);
uint64_t pa_app_clock_slow(void);

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "perf_analysis.h writes samples as little-endian words"
#endif

#if defined(__x86_64__) || defined(__i386__)
static inline __attribute__((always_inline)) uint64_t pa_app_clock(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#else
static inline uint64_t pa_app_clock(void)
{
	return pa_app_clock_slow();
}
#endif

typedef uint64_t __attribute__((may_alias)) pa_app_word;

static inline __attribute__((always_inline)) bool pa_app_on(void)
{
	return __builtin_expect(__atomic_load_n(&pa_app_gate, __ATOMIC_RELAXED) != 0, 1);
}

/* Write one sample into the calling thread's ring. `t` has room (head < limit). */
static inline __attribute__((always_inline)) void
pa_app_put(struct pa_app_thread *t, uint32_t event, uint32_t flags, uint64_t now, uint64_t duration,
	   uint32_t task, uint32_t thread, uint32_t data1, uint32_t data2)
{
	pa_app_word *slot = (pa_app_word *)(t->slots + (t->head & t->mask));

	flags |= event & PERF_EVENT_F_FAILED ? PERF_SAMPLE_F_ERROR : 0; /* a shift and a mask, no branch */
	if (__builtin_expect(duration > UINT32_MAX, 0)) {
		duration >>= 16;
		flags |= 0x80u; /* PA_APP_SLOT_F_DUR_SHIFT16 */
		if (duration > UINT32_MAX)
			duration = UINT32_MAX;
	}
	/*
	 * struct perf_sample as four 64-bit words (little-endian): four stores
	 * instead of nine field stores, which would cost more than the rdtsc.
	 */
	slot[0] = now;
	slot[1] = duration | (uint64_t)(uint8_t)event << 32 | (uint64_t)(uint8_t)flags << 40 |
		  (uint64_t)(uint16_t)*t->cpu << 48;
	slot[2] = task | (uint64_t)(thread ? thread : t->tid) << 32;
	slot[3] = data1 | (uint64_t)data2 << 32;
	__atomic_store_n(t->head_pub, ++t->head, __ATOMIC_RELEASE);
}

static inline __attribute__((always_inline)) void
pa_app_record(uint32_t event, uint32_t task, uint32_t thread, uint32_t data1, uint32_t data2)
{
	struct pa_app_thread *t;

	if (!pa_app_on())
		return;
	t = &pa_app_tls;
	if (__builtin_expect(t->head >= t->limit, 0) && !pa_app_make_room(t))
		return;
	pa_app_put(t, event, PERF_SAMPLE_F_NO_DURATION, pa_app_clock(), 0, task, thread, data1, data2);
}

static inline __attribute__((always_inline)) uint64_t pa_app_time_start(void)
{
	struct pa_app_thread *t;

	if (!pa_app_on())
		return 0;
	t = &pa_app_tls;
	if (__builtin_expect(t->slots == 0, 0) && !pa_app_thread_ready(t))
		return 0;
	return pa_app_clock();
}

static inline __attribute__((always_inline)) void
pa_app_time_end(uint32_t event, uint64_t start, uint32_t task, uint32_t thread, uint32_t data1,
		uint32_t data2)
{
	struct pa_app_thread *t;
	uint64_t now;

	if (start == 0)
		return;
	/* Read the clock first: making room may take a while, and is not the block's time. */
	now = pa_app_clock();
	t = &pa_app_tls;
	if (__builtin_expect(t->head >= t->limit, 0) && !pa_app_make_room(t))
		return;
	pa_app_put(t, event, 0, now, now >= start ? now - start : 0, task, thread, data1, data2);
}

#define PA_APP_CAT2(a, b) a##b
#define PA_APP_CAT(a, b) PA_APP_CAT2(a, b)

/* ---- The seed's macros. ----------------------------------------------- */

/* Record one event, without a duration, at the current time. */
#define PERF_EVENT_RECORD(event, task, thread, data1, data2) \
	pa_app_record((uint32_t)(event), (uint32_t)(task), (uint32_t)(thread), (uint32_t)(data1), \
		      (uint32_t)(data2))

/*
 * Time the statements in the last argument (braces optional, commas allowed)
 * and record one event with their duration.
 */
#define PERF_TIME_BLOCK(event, task, thread, data1, data2, ...) \
	PA_APP_TIME_BLOCK(PA_APP_CAT(pa_app_start_, __COUNTER__), event, task, thread, data1, data2, \
			  __VA_ARGS__)
#define PA_APP_TIME_BLOCK(start, event, task, thread, data1, data2, ...) \
	do { \
		uint64_t start = pa_app_time_start(); \
		__VA_ARGS__ \
		pa_app_time_end((uint32_t)(event), start, (uint32_t)(task), (uint32_t)(thread), \
				(uint32_t)(data1), (uint32_t)(data2)); \
	} while (0)

/* Start timing: returns an opaque uint64_t for PERF_EVENT_TIME_END (0: not timing). */
#define PERF_EVENT_TIME_START(event) ((void)(event), pa_app_time_start())

/* Record one event whose duration runs from `start` (PERF_EVENT_TIME_START) to now. */
#define PERF_EVENT_TIME_END(event, start, task, thread, data1, data2) \
	pa_app_time_end((uint32_t)(event), (start), (uint32_t)(task), (uint32_t)(thread), \
			(uint32_t)(data1), (uint32_t)(data2))

#else /* PERF_ANALYSIS_DISABLE: everything compiles to nothing. */

static inline int perf_event_register(const char *name)
{
	(void)name;
	return PERF_EVENT_USER_BASE;
}
static inline void perf_analysis_set_enabled(bool on)
{
	(void)on;
}
static inline bool perf_analysis_enabled(void)
{
	return false;
}
static inline int perf_analysis_app_stats(struct perf_analysis_app_stats *ret)
{
	if (!ret)
		return -22;
	*ret = (struct perf_analysis_app_stats){ 0 };
	return 0;
}

/* sizeof marks the arguments used without evaluating them. */
#define PA_APP_UNUSED5(a, b, c, d, e) \
	((void)sizeof(a), (void)sizeof(b), (void)sizeof(c), (void)sizeof(d), (void)sizeof(e))
#define PERF_EVENT_RECORD(event, task, thread, data1, data2) \
	PA_APP_UNUSED5(event, task, thread, data1, data2)
#define PERF_TIME_BLOCK(event, task, thread, data1, data2, ...) \
	do { \
		PA_APP_UNUSED5(event, task, thread, data1, data2); \
		__VA_ARGS__ \
	} while (0)
#define PERF_EVENT_TIME_START(event) ((void)sizeof(event), (uint64_t)0)
#define PERF_EVENT_TIME_END(event, start, task, thread, data1, data2) \
	((void)sizeof(start), PA_APP_UNUSED5(event, task, thread, data1, data2))

#endif /* PERF_ANALYSIS_DISABLE */

#ifdef __cplusplus
}
#endif

#endif /* PERF_ANALYSIS_PERF_ANALYSIS_H */
