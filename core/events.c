/* SPDX-License-Identifier: GPL-2.0-or-later */
/* events.c - the seed's event table and the user-event registry. */
#include "events.h"
#include "pa-errno.h"

#define EV(id_, name_, unused_, desc_, dur_) \
	[id_] = { .id = id_, .name = name_, .seed_name = #id_, .description = desc_, .has_duration = dur_ }

static const struct pa_event_info event_table[PERF_EVENT_MAX] = {
	EV(PERF_EVENT_IPC_SEND, "ipc_send", 0, "IPC message send operations", true),
	EV(PERF_EVENT_IPC_RECEIVE, "ipc_receive", 0, "IPC message receive operations", true),
	EV(PERF_EVENT_VM_ALLOC, "vm_alloc", 0, "Virtual memory allocation", true),
	EV(PERF_EVENT_VM_FREE, "vm_free", 0, "Virtual memory deallocation", true),
	EV(PERF_EVENT_TASK_CREATE, "task_create", 0, "Task creation", true),
	EV(PERF_EVENT_TASK_TERMINATE, "task_terminate", 0, "Task termination", true),
	EV(PERF_EVENT_THREAD_CREATE, "thread_create", 0, "Thread creation", true),
	EV(PERF_EVENT_THREAD_TERMINATE, "thread_terminate", 0, "Thread termination", true),
	EV(PERF_EVENT_CONTEXT_SWITCH, "context_switch", 0, "Context switching", true),
	EV(PERF_EVENT_INTERRUPT, "interrupt", 0, "Interrupt handling", true),
	EV(PERF_EVENT_SYSCALL, "syscall", 0, "System call execution", true),
	EV(PERF_EVENT_PAGE_FAULT, "page_fault", 0, "Page fault handling", false),
};

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const struct pa_event_info *pa_event_info(unsigned int id)
{
	return id < PERF_EVENT_MAX ? &event_table[id] : NULL;
}

static bool user_id_valid(const struct pa_event_table *t, unsigned int id)
{
	return t && id >= PERF_EVENT_USER_BASE && id - PERF_EVENT_USER_BASE < t->n_user;
}

const char *pa_event_name(const struct pa_event_table *t, unsigned int id)
{
	if (id < PERF_EVENT_MAX)
		return event_table[id].name;
	if (user_id_valid(t, id))
		return t->user_names[id - PERF_EVENT_USER_BASE];
	return NULL;
}

/* Decimal id, or -1 if `s` is not 1-3 decimal digits. */
static int parse_id(const char *s)
{
	int v = 0, n = 0;

	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n == 3)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return n ? v : -1;
}

int pa_event_lookup(const struct pa_event_table *t, const char *s)
{
	int id;

	if (!s || !*s)
		return -PA_ENOENT;
	id = parse_id(s);
	if (id >= 0)
		return (id < PERF_EVENT_MAX || user_id_valid(t, (unsigned int)id)) ? id : -PA_ENOENT;
	for (id = 0; id < PERF_EVENT_MAX; id++)
		if (str_eq(s, event_table[id].name) || str_eq(s, event_table[id].seed_name))
			return id;
	if (t)
		for (uint32_t i = 0; i < t->n_user; i++)
			if (str_eq(s, t->user_names[i]))
				return (int)(PERF_EVENT_USER_BASE + i);
	return -PA_ENOENT;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

int pa_event_register(struct pa_event_table *t, const char *name)
{
	size_t len = 0;
	int id;

	if (!t || !name || !*name || (name[0] >= '0' && name[0] <= '9'))
		return -PA_EINVAL;
	for (; name[len]; len++) {
		if (!name_char_ok(name[len]))
			return -PA_EINVAL;
		if (len + 1 >= PA_EVENT_NAME_MAX)
			return -PA_ENAMETOOLONG;
	}
	id = pa_event_lookup(t, name);
	if (id >= PERF_EVENT_USER_BASE)
		return id;
	if (id >= 0)
		return -PA_EINVAL; /* a built-in name */
	if (t->n_user >= PA_USER_EVENT_MAX)
		return -PA_ENOSPC;
	for (size_t i = 0; i <= len; i++)
		t->user_names[t->n_user][i] = name[i];
	return (int)(PERF_EVENT_USER_BASE + t->n_user++);
}
