/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * token-bucket.h - the sampling policy: a token bucket admitting at most
 * `rate` samples per second with bursts of up to `burst`.
 *
 * Static inline and integer-only so the eBPF programs (one bucket per CPU),
 * the GNU Mach port and user space all run the same code. The clock is
 * injected (now_ns, any monotonic nanosecond clock), which makes it
 * deterministic under test. Tokens are kept in nano-tokens so rates down to
 * 1/s are exact without floating point.
 */
#ifndef PA_CORE_TOKEN_BUCKET_H
#define PA_CORE_TOKEN_BUCKET_H

#ifndef __bpf__
#include <stdbool.h>
#include <stdint.h>
#endif

#define PA_NSEC_PER_SEC 1000000000ull

struct pa_token_bucket {
	uint64_t rate;      /* tokens per second; 0 admits nothing */
	uint64_t burst;     /* bucket size in tokens (>= 1) */
	uint64_t nanotokens; /* current fill, in 1e-9 tokens */
	uint64_t last_ns;   /* clock at the last refill */
};

/* Start full at time now_ns (empty when rate is 0). burst 0 means max(1, rate / 10). */
static inline void pa_tb_init(struct pa_token_bucket *tb, uint64_t rate, uint64_t burst, uint64_t now_ns)
{
	if (burst == 0)
		burst = rate / 10 > 0 ? rate / 10 : 1;
	tb->rate = rate;
	tb->burst = burst;
	tb->nanotokens = rate ? burst * PA_NSEC_PER_SEC : 0;
	tb->last_ns = now_ns;
}

/*
 * Take one token at time now_ns; true if admitted. A clock that goes
 * backwards refills nothing. Cost: one division only when time has passed.
 */
static inline bool pa_tb_take(struct pa_token_bucket *tb, uint64_t now_ns)
{
	uint64_t cap = tb->burst * PA_NSEC_PER_SEC;

	if (now_ns > tb->last_ns && tb->rate) {
		uint64_t elapsed = now_ns - tb->last_ns;
		/* beyond the time to fill the bucket, more elapsed time changes nothing;
		 * clamping first also keeps elapsed * rate from overflowing */
		uint64_t fill_ns = cap / tb->rate + 1;

		if (elapsed > fill_ns)
			elapsed = fill_ns;
		tb->nanotokens += elapsed * tb->rate;
		if (tb->nanotokens > cap)
			tb->nanotokens = cap;
		tb->last_ns = now_ns;
	}
	if (tb->nanotokens < PA_NSEC_PER_SEC)
		return false;
	tb->nanotokens -= PA_NSEC_PER_SEC;
	return true;
}

#endif /* PA_CORE_TOKEN_BUCKET_H */
