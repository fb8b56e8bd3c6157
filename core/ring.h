/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ring.h - single-producer single-consumer ring of 32-byte samples.
 *
 * The caller provides the slot array (a power-of-two number of samples) and
 * the memory for struct pa_ring itself, which may be shared memory mapped by
 * another process (the in-process instrumentation runtime does this).
 * Push is wait-free and lock-free: one producer thread, one consumer thread,
 * C11 acquire/release atomics on the two indices, nothing else.
 *
 * When full, PA_RING_DROP_NEWEST refuses the new sample; PA_RING_OVERWRITE
 * replaces the oldest. Either way the loss is counted in `overruns`, and the
 * consumer never returns a torn or overwritten sample.
 *
 * OVERWRITE protocol: the producer never writes `tail` (nor reads it). Before
 * it fills slot `head`, it publishes `writing = head` (seqlock style); the
 * consumer copies samples first and then checks `writing`: a copied sample s
 * is valid only if writing - s < capacity, i.e. its slot had not yet been
 * taken for sample s + capacity. Lapped samples are skipped and counted by
 * the consumer, so `overruns` is written by the producer in DROP_NEWEST mode
 * and by the consumer in OVERWRITE mode: one writer each, no locked
 * instructions anywhere. An OVERWRITE ring holds the newest `capacity` samples.
 */
#ifndef PA_CORE_RING_H
#define PA_CORE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "perf-analysis/perf_events.h"

enum pa_ring_policy {
	PA_RING_DROP_NEWEST = 0,
	PA_RING_OVERWRITE = 1,
	PA_RING_POLICY_MAX,
};

/*
 * The ring is one block of memory: this header, then the slots. It holds no
 * pointers, so the same block can live in shared memory mapped at different
 * addresses by the producer's and the consumer's processes. The two indices
 * sit on their own cache lines so producer and consumer do not false-share.
 */
struct pa_ring {
	_Alignas(64) uint64_t head; /* next sequence number to write; producer-owned */
	/* producer-private, on head's cache line (sizeof and the other offsets are unchanged): */
	uint64_t writing;               /* OVERWRITE: sequence number of the slot being or last written */
	uint64_t tail_cache;            /* DROP_NEWEST: the producer's last view of tail */
	_Alignas(64) uint64_t tail; /* next sequence number to read; consumer-owned */
	_Alignas(64) uint64_t overruns; /* samples lost (see above) */
	uint32_t mask;                  /* capacity - 1 */
	uint32_t policy;                /* enum pa_ring_policy */
	_Alignas(64) struct perf_sample slots[];
};

/* Bytes needed for a ring of `capacity` samples. */
#define PA_RING_BYTES(capacity) (sizeof(struct pa_ring) + (uint64_t)(capacity) * sizeof(struct perf_sample))

/*
 * Initialise the PA_RING_BYTES(capacity) bytes at `r` (capacity a power of
 * two >= 2). Returns 0, or -PA_EINVAL for a bad capacity or policy.
 */
int pa_ring_init(struct pa_ring *r, uint32_t capacity, enum pa_ring_policy policy);

/*
 * Producer: append one sample. False if it was dropped (DROP_NEWEST, full);
 * in OVERWRITE mode always true (the oldest may be lost). Wait-free: a fixed
 * number of loads and stores, no loop, no locked instruction.
 */
bool pa_ring_push(struct pa_ring *r, const struct perf_sample *s);

/*
 * Consumer: move up to `max` samples, oldest first, into `out`; returns how
 * many. In OVERWRITE mode samples lapped by the producer are skipped and
 * added to the overruns; the returned ones are intact and in order.
 */
uint32_t pa_ring_pop(struct pa_ring *r, struct perf_sample *out, uint32_t max);

/* Samples currently queued (a snapshot; exact when called by the consumer). */
uint32_t pa_ring_count(const struct pa_ring *r);

/*
 * Samples lost so far: dropped on push, or overwritten before being popped.
 * In OVERWRITE mode this includes samples already lapped but not yet skipped
 * by a pop (exact when called by the consumer while the producer is idle).
 */
uint64_t pa_ring_overruns(const struct pa_ring *r);

#endif /* PA_CORE_RING_H */
