/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ring.c - the single-producer single-consumer sample ring.
 *
 * Memory ordering (C11 model, through the __atomic builtins so that the same
 * code builds freestanding for x86_64 and i386, where 64-bit atomic loads and
 * stores inline as one x87 move):
 *  - the producer fills a slot, then store-releases `head`; the consumer
 *    load-acquires `head` before copying, so a published slot is complete;
 *  - DROP_NEWEST: the consumer store-releases `tail` after copying; the
 *    producer load-acquires it before reusing a slot;
 *  - OVERWRITE: seqlock. Producer: store `writing`, release fence, fill the
 *    slot. Consumer: copy, acquire fence, load `writing`. If the copy read
 *    any word of a newer sample, the fences order the producer's `writing`
 *    store before the consumer's load of it, so the check below sees it.
 * Slot words are accessed as relaxed atomics (word-sized, so plain moves on
 * both architectures): the overwrite race is then defined behaviour rather
 * than a data race the compiler may exploit.
 */
#include "ring.h"
#include "pa-errno.h"

#if __SIZEOF_POINTER__ == 8
typedef uint64_t __attribute__((may_alias)) ring_word;
#else
typedef uint32_t __attribute__((may_alias)) ring_word;
#endif
#define RING_WORDS (sizeof(struct perf_sample) / sizeof(ring_word))

#define LOAD(p, mo) __atomic_load_n((p), __ATOMIC_##mo)
#define STORE(p, v, mo) __atomic_store_n((p), (v), __ATOMIC_##mo)

static inline void slot_write(struct perf_sample *dst, const struct perf_sample *src)
{
	ring_word *d = (ring_word *)dst;
	const ring_word *s = (const ring_word *)src;

	for (unsigned int i = 0; i < RING_WORDS; i++)
		STORE(&d[i], s[i], RELAXED);
}

static inline void slot_read(struct perf_sample *dst, const struct perf_sample *src)
{
	ring_word *d = (ring_word *)dst;
	const ring_word *s = (const ring_word *)src;

	for (unsigned int i = 0; i < RING_WORDS; i++)
		d[i] = LOAD(&s[i], RELAXED);
}

int pa_ring_init(struct pa_ring *r, uint32_t capacity, enum pa_ring_policy policy)
{
	if (capacity < 2 || (capacity & (capacity - 1)) || (unsigned int)policy >= PA_RING_POLICY_MAX)
		return -PA_EINVAL;
	r->head = 0;
	r->writing = 0;
	r->tail_cache = 0;
	r->tail = 0;
	r->overruns = 0;
	r->mask = capacity - 1;
	r->policy = policy;
	/* publish the initialised header to a consumer that starts later */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

bool pa_ring_push(struct pa_ring *r, const struct perf_sample *s)
{
	uint64_t h = LOAD(&r->head, RELAXED);

	if (r->policy == PA_RING_OVERWRITE) {
		STORE(&r->writing, h, RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		slot_write(&r->slots[h & r->mask], s);
		STORE(&r->head, h + 1, RELEASE);
		return true;
	}
	/* the cached tail spares a read of the consumer's cache line per push */
	if (h - r->tail_cache > r->mask) {
		r->tail_cache = LOAD(&r->tail, ACQUIRE);
		if (h - r->tail_cache > r->mask) {
			STORE(&r->overruns, LOAD(&r->overruns, RELAXED) + 1, RELAXED);
			return false;
		}
	}
	slot_write(&r->slots[h & r->mask], s);
	STORE(&r->head, h + 1, RELEASE);
	return true;
}

/*
 * Lock-free rather than wait-free: the loop repeats only when everything
 * copied had been overwritten meanwhile, i.e. the producer made progress.
 */
uint32_t pa_ring_pop(struct pa_ring *r, struct perf_sample *out, uint32_t max)
{
	const uint64_t cap = (uint64_t)r->mask + 1;
	uint64_t t = LOAD(&r->tail, RELAXED), lost = 0, n, h, w, skip;

	if (max == 0)
		return 0;
	for (;;) {
		h = LOAD(&r->head, ACQUIRE);
		if (h - t > cap) { /* lapped (OVERWRITE only): the oldest are gone */
			lost += h - t - cap;
			t = h - cap;
		}
		n = h - t < max ? h - t : max;
		if (n == 0)
			break;
		for (uint64_t i = 0; i < n; i++)
			slot_read(&out[i], &r->slots[(t + i) & r->mask]);
		if (r->policy != PA_RING_OVERWRITE)
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		w = LOAD(&r->writing, RELAXED);
		/* sample s is intact iff its slot was not yet taken for s + cap */
		if (w - t < cap)
			break;
		skip = w - cap + 1 - t;
		lost += skip;
		t += skip;
		if (skip < n) {
			n -= skip;
			for (uint64_t i = 0; i < n; i++)
				out[i] = out[i + skip];
			break;
		}
	}
	STORE(&r->tail, t + n, RELEASE);
	if (lost)
		STORE(&r->overruns, LOAD(&r->overruns, RELAXED) + lost, RELAXED);
	return (uint32_t)n;
}

uint32_t pa_ring_count(const struct pa_ring *r)
{
	/* tail first: then t <= h even while both move */
	uint64_t t = LOAD(&r->tail, ACQUIRE), h = LOAD(&r->head, ACQUIRE);

	return h - t > r->mask ? r->mask + 1 : (uint32_t)(h - t);
}

uint64_t pa_ring_overruns(const struct pa_ring *r)
{
	uint64_t o = LOAD(&r->overruns, RELAXED);

	if (r->policy == PA_RING_OVERWRITE) {
		uint64_t t = LOAD(&r->tail, ACQUIRE), h = LOAD(&r->head, ACQUIRE);
		uint64_t w = LOAD(&r->writing, RELAXED);

		/* lapped but not yet skipped by a pop */
		if (h > t && w - t > r->mask)
			o += w - r->mask - t;
	}
	return o;
}
