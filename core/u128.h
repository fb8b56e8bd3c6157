/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * u128.h - 128-bit unsigned arithmetic in two 64-bit words, private to core/.
 * i386 has no __int128, and core/ must build there (GNU Mach's port).
 */
#ifndef PA_CORE_U128_H
#define PA_CORE_U128_H

#include <stdint.h>

struct pa_u128 {
	uint64_t lo;
	uint64_t hi;
};

/* a * b, the full 128-bit product, from four 32x32->64 products. */
static inline struct pa_u128 pa_u128_mul64(uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	/* middle column: three 32-bit terms, < 2^34 */
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	struct pa_u128 r;

	r.lo = (mid << 32) | (uint32_t)p00;
	r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	return r;
}

/* a * b modulo 2^128. */
static inline struct pa_u128 pa_u128_mul(struct pa_u128 a, uint64_t b)
{
	struct pa_u128 r = pa_u128_mul64(a.lo, b);

	r.hi += a.hi * b;
	return r;
}

static inline struct pa_u128 pa_u128_add(struct pa_u128 a, struct pa_u128 b)
{
	struct pa_u128 r = { a.lo + b.lo, a.hi + b.hi };

	r.hi += r.lo < a.lo;
	return r;
}

static inline struct pa_u128 pa_u128_sub(struct pa_u128 a, struct pa_u128 b)
{
	struct pa_u128 r = { a.lo - b.lo, a.hi - b.hi };

	r.hi -= a.lo < b.lo;
	return r;
}

/* -1, 0 or 1 as a <, == or > b. */
static inline int pa_u128_cmp(struct pa_u128 a, struct pa_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return (a.lo > b.lo) - (a.lo < b.lo);
}

#endif /* PA_CORE_U128_H */
