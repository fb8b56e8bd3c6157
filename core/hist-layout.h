/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hist-layout.h - the bucket layout of the log-linear histogram.
 *
 * Shared, as plain static inline C with no builtins, by core/histogram.c, the
 * eBPF programs (which fill the same buckets in per-CPU maps) and the daemon,
 * so a histogram built in the kernel can be merged with one built in user
 * space bucket for bucket.
 *
 * Layout (HDR-style): values below 2^PA_HIST_SUB_BITS get one bucket each.
 * Above that, every power-of-two range [2^k, 2^(k+1)) is split into
 * 2^PA_HIST_SUB_BITS equal linear sub-buckets of width 2^(k - SUB_BITS).
 * A bucket's width is therefore at most 1/32 of its lower bound, and taking
 * its midpoint as the value is off by at most 1/64 (1.5625 %) relative.
 * Values at or above 2^PA_HIST_MAX_BITS ns (~78 hours) land in the last
 * bucket; min, max and total stay exact regardless.
 */
#ifndef PA_CORE_HIST_LAYOUT_H
#define PA_CORE_HIST_LAYOUT_H

#define PA_HIST_SUB_BITS 5
#define PA_HIST_SUB_COUNT (1u << PA_HIST_SUB_BITS) /* 32 */
#define PA_HIST_MAX_BITS 48
/* (MAX_BITS - SUB_BITS) ranges of SUB_COUNT buckets, plus the exact ones */
#define PA_HIST_BUCKETS ((PA_HIST_MAX_BITS - PA_HIST_SUB_BITS + 1) * PA_HIST_SUB_COUNT) /* 1408 */

/* Index of the highest set bit of v (v != 0); branch-light, verifier-friendly. */
static inline unsigned int pa_hist_msb(uint64_t v)
{
	unsigned int r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

/* Bucket index of a value, in [0, PA_HIST_BUCKETS). */
static inline unsigned int pa_hist_bucket(uint64_t v)
{
	unsigned int shift;

	if (v < PA_HIST_SUB_COUNT)
		return (unsigned int)v;
	if (v >> PA_HIST_MAX_BITS)
		return PA_HIST_BUCKETS - 1;
	shift = pa_hist_msb(v) - PA_HIST_SUB_BITS;
	/* v >> shift lies in [SUB_COUNT, 2 * SUB_COUNT) */
	return (shift << PA_HIST_SUB_BITS) + (unsigned int)(v >> shift);
}

/* Smallest value that falls in bucket i. */
static inline uint64_t pa_hist_bucket_low(unsigned int i)
{
	unsigned int shift;

	if (i < PA_HIST_SUB_COUNT)
		return i;
	shift = (i >> PA_HIST_SUB_BITS) - 1;
	return (uint64_t)((i & (PA_HIST_SUB_COUNT - 1)) | PA_HIST_SUB_COUNT) << shift;
}

/* Number of distinct values in bucket i (its width). */
static inline uint64_t pa_hist_bucket_width(unsigned int i)
{
	if (i < PA_HIST_SUB_COUNT)
		return 1;
	return (uint64_t)1 << ((i >> PA_HIST_SUB_BITS) - 1);
}

#endif /* PA_CORE_HIST_LAYOUT_H */
