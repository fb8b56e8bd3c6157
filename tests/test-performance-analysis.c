/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-performance-analysis.c - the seed's main test program.
 * Placeholder suite; grows with the engine (see issues).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "events.h"

static void test_seed_cli_event_arguments(void **state)
{
	/* `stats 2` and `check-regression -e 2` name VM allocation */
	assert_int_equal(pa_event_lookup(NULL, "2"), PERF_EVENT_VM_ALLOC);
	assert_int_equal(pa_event_lookup(NULL, "PERF_EVENT_VM_ALLOC"), PERF_EVENT_VM_ALLOC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_cli_event_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
