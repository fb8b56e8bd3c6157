/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-events.c - the seed's event table and the user-event registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"
#include "pa-errno.h"

/* The seed's table, verbatim: id, seed name. */
static const struct { int id; const char *seed; const char *name; } seed_table[] = {
	{ 0, "PERF_EVENT_IPC_SEND", "ipc_send" },
	{ 1, "PERF_EVENT_IPC_RECEIVE", "ipc_receive" },
	{ 2, "PERF_EVENT_VM_ALLOC", "vm_alloc" },
	{ 3, "PERF_EVENT_VM_FREE", "vm_free" },
	{ 4, "PERF_EVENT_TASK_CREATE", "task_create" },
	{ 5, "PERF_EVENT_TASK_TERMINATE", "task_terminate" },
	{ 6, "PERF_EVENT_THREAD_CREATE", "thread_create" },
	{ 7, "PERF_EVENT_THREAD_TERMINATE", "thread_terminate" },
	{ 8, "PERF_EVENT_CONTEXT_SWITCH", "context_switch" },
	{ 9, "PERF_EVENT_INTERRUPT", "interrupt" },
	{ 10, "PERF_EVENT_SYSCALL", "syscall" },
	{ 11, "PERF_EVENT_PAGE_FAULT", "page_fault" },
};

static void test_seed_table_ids_and_names(void **state)
{
	char idbuf[8];

	assert_int_equal(PERF_EVENT_MAX, 12);
	for (size_t i = 0; i < sizeof(seed_table) / sizeof(seed_table[0]); i++) {
		const struct pa_event_info *e = pa_event_info((unsigned)seed_table[i].id);

		assert_non_null(e);
		assert_int_equal(e->id, seed_table[i].id);
		assert_string_equal(e->seed_name, seed_table[i].seed);
		assert_string_equal(e->name, seed_table[i].name);
		assert_int_equal(pa_event_lookup(NULL, seed_table[i].seed), seed_table[i].id);
		assert_int_equal(pa_event_lookup(NULL, seed_table[i].name), seed_table[i].id);
		snprintf(idbuf, sizeof(idbuf), "%d", seed_table[i].id);
		assert_int_equal(pa_event_lookup(NULL, idbuf), seed_table[i].id);
	}
	assert_null(pa_event_info(PERF_EVENT_MAX));
	assert_false(pa_event_info(PERF_EVENT_PAGE_FAULT)->has_duration);
}

static void test_lookup_rejects_unknown(void **state)
{
	assert_int_equal(pa_event_lookup(NULL, "12"), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, "1234"), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, ""), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, NULL), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, "vm_allocx"), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, "perf_event_vm_alloc"), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, "-1"), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(NULL, "2 "), -PA_ENOENT);
}

static void test_user_events(void **state)
{
	static struct pa_event_table t;
	char name[PA_EVENT_NAME_MAX + 8];
	int id;

	id = pa_event_register(&t, "db.query");
	assert_int_equal(id, PERF_EVENT_USER_BASE);
	assert_int_equal(pa_event_register(&t, "db.query"), id); /* idempotent */
	assert_int_equal(pa_event_register(&t, "cache:miss"), PERF_EVENT_USER_BASE + 1);
	assert_int_equal(pa_event_lookup(&t, "db.query"), id);
	assert_int_equal(pa_event_lookup(NULL, "db.query"), -PA_ENOENT);
	assert_int_equal(pa_event_lookup(&t, "64"), 64);
	assert_int_equal(pa_event_lookup(&t, "66"), -PA_ENOENT);
	assert_string_equal(pa_event_name(&t, 65), "cache:miss");
	assert_string_equal(pa_event_name(&t, 2), "vm_alloc");
	assert_null(pa_event_name(&t, 66));

	assert_int_equal(pa_event_register(&t, "vm_alloc"), -PA_EINVAL);
	assert_int_equal(pa_event_register(&t, "PERF_EVENT_SYSCALL"), -PA_EINVAL);
	assert_int_equal(pa_event_register(&t, "9lives"), -PA_EINVAL);
	assert_int_equal(pa_event_register(&t, "has space"), -PA_EINVAL);
	assert_int_equal(pa_event_register(&t, ""), -PA_EINVAL);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	assert_int_equal(pa_event_register(&t, name), -PA_ENAMETOOLONG);
	name[PA_EVENT_NAME_MAX - 1] = 0; /* exactly the longest allowed */
	assert_true(pa_event_register(&t, name) >= PERF_EVENT_USER_BASE);
}

static void test_user_table_full(void **state)
{
	static struct pa_event_table t;
	char name[32];

	for (int i = 0; i < PA_USER_EVENT_MAX; i++) {
		snprintf(name, sizeof(name), "ev%d", i);
		assert_int_equal(pa_event_register(&t, name), PERF_EVENT_USER_BASE + i);
	}
	assert_int_equal(pa_event_register(&t, "one_more"), -PA_ENOSPC);
	assert_int_equal(pa_event_lookup(&t, "ev191"), PERF_EVENT_ID_LIMIT - 1);
}

static void test_sample_layout(void **state)
{
	assert_int_equal(sizeof(struct perf_sample), 32);
	assert_int_equal(offsetof(struct perf_sample, timestamp_ns), 0);
	/* the seed's default buffer: 8192 samples of 32 bytes = 256 KiB */
	assert_int_equal(8192 * sizeof(struct perf_sample), 256 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_table_ids_and_names),
		cmocka_unit_test(test_lookup_rejects_unknown),
		cmocka_unit_test(test_user_events),
		cmocka_unit_test(test_user_table_full),
		cmocka_unit_test(test_sample_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
