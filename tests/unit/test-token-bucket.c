/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-token-bucket.c - the sampling policy under an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "token-bucket.h"

#define MS 1000000ull
#define SEC 1000000000ull

/* Offer `per_sec` events/s evenly for `secs` seconds; return how many were admitted. */
static uint64_t offer(struct pa_token_bucket *tb, uint64_t *now, uint64_t per_sec, uint64_t secs)
{
	uint64_t admitted = 0, step = SEC / per_sec;

	for (uint64_t i = 0; i < per_sec * secs; i++) {
		*now += step;
		admitted += pa_tb_take(tb, *now);
	}
	return admitted;
}

static void test_starts_full_then_empties(void **state)
{
	struct pa_token_bucket tb;
	int n = 0;

	pa_tb_init(&tb, 1000, 50, 0);
	while (pa_tb_take(&tb, 0))
		n++;
	assert_int_equal(n, 50); /* a burst of exactly `burst`, then nothing at a frozen clock */
	assert_false(pa_tb_take(&tb, 999999)); /* 0.999 ms: not yet a whole token */
	assert_true(pa_tb_take(&tb, MS));      /* 1 ms at 1000/s: one token */
	assert_false(pa_tb_take(&tb, MS));
}

static void test_long_run_rate_is_exact(void **state)
{
	struct pa_token_bucket tb;
	uint64_t now = 0;

	/* 100000 events/s offered for 10 s at the seed's default 1000 samples/s */
	pa_tb_init(&tb, 1000, 0, now);
	assert_int_equal(tb.burst, 100);
	/* the burst plus 1000/s; the first 10 us refill a full bucket and are lost (0.01 token),
	 * so the 10000th refill token is just short at the very end */
	assert_int_equal(offer(&tb, &now, 100000, 10), 100 + 10 * 1000 - 1);
	/* below the rate, everything is admitted */
	now += 10 * SEC;
	pa_tb_init(&tb, 1000, 1, now);
	assert_int_equal(offer(&tb, &now, 500, 4), 2000);
}

static void test_slow_rates_and_idle(void **state)
{
	struct pa_token_bucket tb;

	pa_tb_init(&tb, 1, 1, 0);
	assert_true(pa_tb_take(&tb, 0));
	assert_false(pa_tb_take(&tb, SEC - 1));
	assert_true(pa_tb_take(&tb, SEC));
	/* an idle hour refills to the burst, not to 3600 tokens (and does not overflow) */
	assert_true(pa_tb_take(&tb, 3601 * SEC));
	assert_false(pa_tb_take(&tb, 3601 * SEC));
	/* a huge rate and an enormous gap must not overflow the fill */
	pa_tb_init(&tb, 4000000000ull, 4000000000ull, 0);
	assert_true(pa_tb_take(&tb, UINT64_MAX / 2));
}

static void test_clock_backwards_and_zero_rate(void **state)
{
	struct pa_token_bucket tb;

	pa_tb_init(&tb, 10, 1, 5 * SEC);
	assert_true(pa_tb_take(&tb, 5 * SEC));
	assert_false(pa_tb_take(&tb, 1 * SEC)); /* time went backwards: no refill */
	assert_true(pa_tb_take(&tb, 5 * SEC + 100 * MS));
	pa_tb_init(&tb, 0, 1, 0);
	assert_false(pa_tb_take(&tb, 0)); /* rate 0 admits nothing, not even a burst */
	assert_false(pa_tb_take(&tb, 100 * SEC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_full_then_empties),
		cmocka_unit_test(test_long_run_rate_is_exact),
		cmocka_unit_test(test_slow_rates_and_idle),
		cmocka_unit_test(test_clock_backwards_and_zero_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
