/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-export-ctf.c - CTF 1.8 traces written by pa_export_ctf and read back
 * by babeltrace2: every event with its name, timestamp and fields, the
 * absolute clock, discarded events per stream, and refusal of corrupted
 * traces (truncated stream, broken metadata, bad magic, foreign UUID).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "export.h"

#define N_SAMPLES 100000 /* CPU 1 gets 80 %: more than one packet's worth (65536) */
#define OFFSET_NS 1764100000123456789LL

struct fixture {
	char dir[64];
	struct perf_sample s[N_SAMPLES];
	struct pa_event_table events;
	uint64_t cpu_dropped[4];
	struct pa_export_trace t;
};

static uint64_t lcg = 7;
static uint32_t next_rand(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg >> 32);
}

/* Output of `cmd` (stdout and stderr when `cmd` says 2>&1), NUL-terminated; exit status in *ret_rc. */
static char *run(const char *cmd, int *ret_rc)
{
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	FILE *p = popen(cmd, "r");

	assert_non_null(buf);
	assert_non_null(p);
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = 0;
	*ret_rc = pclose(p);
	*ret_rc = WIFEXITED(*ret_rc) ? WEXITSTATUS(*ret_rc) : 128;
	return buf;
}

static int have_babeltrace(void)
{
	return system("command -v babeltrace2 >/dev/null 2>&1") == 0;
}

static int setup(void **state)
{
	static const uint16_t cpus[] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 3 };
	struct fixture *fx = calloc(1, sizeof(*fx));
	int user_id;

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/test-export-ctf-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	user_id = pa_event_register(&fx->events, "my_app.request");
	if (user_id != PERF_EVENT_USER_BASE)
		return -1;
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct perf_sample *s = &fx->s[i];
		uint32_t r = next_rand();

		/* out of order, with ties: the writer sorts */
		s->timestamp_ns = 5000000000ull + (next_rand() % 2000000) * 1000 + (r & 1);
		s->duration_ns = r % 7 == 0 ? 0 : next_rand() >> (r % 24);
		s->event = (uint8_t)(r % 13 == 12 ? (uint32_t)user_id : r % 12);
		s->flags = (uint8_t)(next_rand() & 0xf);
		s->cpu = cpus[next_rand() % 10];
		s->task_id = 1000 + next_rand() % 5;
		s->thread_id = s->task_id + next_rand() % 3;
		s->data1 = next_rand();
		s->data2 = i % 3 ? next_rand() : UINT32_MAX;
	}
	fx->cpu_dropped[0] = 3;
	fx->cpu_dropped[1] = 0;
	fx->cpu_dropped[2] = 4; /* drops on a CPU without samples still get a stream */
	fx->cpu_dropped[3] = 11;
	fx->t = (struct pa_export_trace){
		.samples = fx->s, .n_samples = N_SAMPLES, .events = &fx->events,
		.realtime_offset_ns = OFFSET_NS, .cpu_dropped = fx->cpu_dropped, .n_cpu_dropped = 4,
		.sampled_out = 99, .hostname = "testhost",
	};
	if (pa_export_ctf(fx->dir, &fx->t) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	(void)system(cmd);
	free(fx);
	return 0;
}

struct row {
	uint64_t ts;
	char name[48];
	unsigned int cpu, dur, task, thread, d1, d2, flags;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return memcmp(&x->cpu, &y->cpu, sizeof(*x) - offsetof(struct row, cpu)) ?:
	       strcmp(x->name, y->name);
}

/* Every event babeltrace2 reads equals one that was written: name, raw timestamp, all fields. */
static void test_events_read_back(void **state)
{
	struct fixture *fx = *state;
	struct row *want = calloc(N_SAMPLES, sizeof(*want)), *got = calloc(N_SAMPLES + 1, sizeof(*got));
	char cmd[256], *out, *line, *save = NULL;
	size_t n = 0;
	int rc;

	if (!have_babeltrace())
		skip(); /* scripts/install-deps.sh installs it */
	assert_non_null(want);
	assert_non_null(got);
	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct perf_sample *s = &fx->s[i];

		want[i] = (struct row){ s->timestamp_ns, "", s->cpu, s->duration_ns, s->task_id,
					s->thread_id, s->data1, s->data2, s->flags };
		strcpy(want[i].name, pa_event_name(&fx->events, s->event));
	}
	snprintf(cmd, sizeof(cmd), "babeltrace2 --clock-cycles --no-delta '%s' 2>/dev/null", fx->dir);
	out = run(cmd, &rc);
	assert_int_equal(rc, 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct row *r = &got[n];

		if (n == N_SAMPLES)
			fail_msg("more events read than written: %s", line);
		if (sscanf(line, "[%" SCNu64 "] testhost %47[^:]: { cpu_id = %u }, { duration_ns = %u, "
			   "task_id = %u, thread_id = %u, data1 = %u, data2 = %u, flags = %u }",
			   &r->ts, r->name, &r->cpu, &r->dur, &r->task, &r->thread, &r->d1, &r->d2,
			   &r->flags) != 9)
			fail_msg("unexpected line from babeltrace2: %s", line);
		n++;
	}
	assert_int_equal(n, N_SAMPLES);
	qsort(want, N_SAMPLES, sizeof(*want), cmp_row);
	qsort(got, N_SAMPLES, sizeof(*got), cmp_row);
	for (size_t i = 0; i < N_SAMPLES; i++) {
		if (cmp_row(&want[i], &got[i]) != 0)
			fail_msg("event %zu differs: wrote %s@%" PRIu64 " cpu %u, read %s@%" PRIu64 " cpu %u",
				 i, want[i].name, want[i].ts, want[i].cpu, got[i].name, got[i].ts, got[i].cpu);
	}
	free(out);
	free(want);
	free(got);
}

/* The clock's offset makes the first event's time absolute: offset + monotonic. */
static void test_absolute_clock(void **state)
{
	struct fixture *fx = *state;
	uint64_t first = UINT64_MAX, abs_ns;
	char cmd[256], want[64], *out;
	int rc;

	if (!have_babeltrace())
		skip();
	for (size_t i = 0; i < N_SAMPLES; i++)
		first = fx->s[i].timestamp_ns < first ? fx->s[i].timestamp_ns : first;
	abs_ns = (uint64_t)OFFSET_NS + first;
	snprintf(want, sizeof(want), "[%" PRIu64 ".%09" PRIu64 "] testhost ", abs_ns / 1000000000,
		 abs_ns % 1000000000);
	snprintf(cmd, sizeof(cmd), "babeltrace2 --clock-seconds --no-delta '%s' 2>/dev/null | head -1", fx->dir);
	out = run(cmd, &rc);
	assert_int_equal(rc, 0);
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("first event: expected %s..., got %s", want, out);
	free(out);
}

/* Drops show as discarded events, per CPU stream, with the right counts. */
static void test_discarded_events(void **state)
{
	struct fixture *fx = *state;
	char cmd[256], *out, *p;
	uint64_t total = 0;
	int rc, messages = 0, packets = 0;

	if (!have_babeltrace())
		skip();
	snprintf(cmd, sizeof(cmd), "babeltrace2 -c sink.text.details '%s' 2>&1", fx->dir);
	out = run(cmd, &rc);
	assert_int_equal(rc, 0);
	for (p = out; (p = strstr(p, "Discarded events (")); p++) {
		total += strtoull(p + strlen("Discarded events ("), NULL, 10);
		messages++;
	}
	assert_int_equal(total, 3 + 4 + 11);
	for (p = out; (p = strstr(p, "Packet beginning:")); p++)
		packets++;
	/* an empty first packet per stream, then data: CPU 1 needs two, CPU 2 has only its drops */
	assert_int_equal(packets, 2 + 3 + 2 + 2);
	assert_int_equal(messages, 3); /* CPUs 0, 2 and 3; none for CPU 1 */
	assert_non_null(strstr(out, "samples_dropped: 18"));
	assert_non_null(strstr(out, "samples_sampled_out: 99"));
	assert_non_null(strstr(out, "Event class `my_app.request` (ID 64)"));
	free(out);

	/* the default pretty sink warns on stderr, naming the stream */
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1 >/dev/null", fx->dir);
	out = run(cmd, &rc);
	assert_int_equal(rc, 0);
	for (unsigned int cpu = 0; cpu < 4; cpu++) {
		char want[64], stream[64];
		const char *w;

		if (!fx->cpu_dropped[cpu])
			continue;
		snprintf(want, sizeof(want), "discarded %" PRIu64 " events", fx->cpu_dropped[cpu]);
		snprintf(stream, sizeof(stream), "stream_%u\"", cpu);
		w = strstr(out, want);
		assert_non_null(w);
		assert_non_null(strstr(w, stream));
	}
	free(out);
}

/* Copy the trace into a new directory, let `damage` break it, and expect babeltrace2 to refuse it. */
static void expect_refused(struct fixture *fx, const char *what, const char *damage)
{
	char dir[64] = "/tmp/test-export-ctf-bad-XXXXXX", cmd[1024], *out;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp '%s'/* '%s'/ && cd '%s' && %s", fx->dir, dir, dir, damage);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1 >/dev/null", dir);
	out = run(cmd, &rc);
	if (rc == 0)
		fail_msg("babeltrace2 accepted a trace with %s", what);
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static void test_corrupted_trace_refused(void **state)
{
	struct fixture *fx = *state;

	if (!have_babeltrace())
		skip();
	expect_refused(fx, "a truncated stream", "truncate -s -10 stream_1");
	expect_refused(fx, "a stream cut inside its packet header", "truncate -s 20 stream_3");
	expect_refused(fx, "broken metadata", "sed -i 's/fields := struct {/fields := struct/' metadata");
	expect_refused(fx, "metadata cut in half", "truncate -s 2000 metadata");
	expect_refused(fx, "no metadata", "rm metadata");
	expect_refused(fx, "a bad magic number", "printf '\\000' | dd of=stream_0 bs=1 seek=0 conv=notrunc status=none");
	/* content_size (u64 LE at bytes 48-55): its bytes 4-5 set, far beyond packet_size */
	expect_refused(fx, "content larger than its packet",
		       "printf '\\377\\377' | dd of=stream_0 bs=1 seek=52 conv=notrunc status=none");
}

/* The untouched copy is accepted: the damage, not the copying, is what is refused. */
static void test_copy_accepted(void **state)
{
	struct fixture *fx = *state;
	char cmd[512], *out;
	int rc;

	if (!have_babeltrace())
		skip();
	snprintf(cmd, sizeof(cmd), "d=$(mktemp -d) && cp '%s'/* \"$d\" && babeltrace2 \"$d\" 2>/dev/null | wc -l; rm -rf \"$d\"",
		 fx->dir);
	out = run(cmd, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strtoul(out, NULL, 10), N_SAMPLES);
	free(out);
}

static void test_empty_trace(void **state)
{
	char dir[64] = "/tmp/test-export-ctf-empty-XXXXXX", cmd[256], *out;
	struct pa_export_trace t = { .hostname = "h" };
	int rc;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(pa_export_ctf(dir, &t), 0);
	if (have_babeltrace()) {
		snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", dir);
		out = run(cmd, &rc);
		assert_int_equal(rc, 0);
		assert_string_equal(out, "");
		free(out);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

/* Exporting again into the same directory: nothing of the earlier, larger trace remains. */
static void test_export_over_old_trace(void **state)
{
	struct fixture *fx = *state;
	char dir[64] = "/tmp/test-export-ctf-again-XXXXXX", cmd[256], *out;
	const struct perf_sample one = { .timestamp_ns = 42, .duration_ns = 7, .event = PERF_EVENT_VM_FREE,
					 .cpu = 5, .task_id = 9, .thread_id = 9 };
	struct pa_export_trace t = { .samples = &one, .n_samples = 1, .hostname = "again" };
	int rc;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(pa_export_ctf(dir, &fx->t), 0);
	assert_int_equal(pa_export_ctf(dir, &t), 0);
	snprintf(cmd, sizeof(cmd), "ls '%s' | tr '\\n' ' '", dir);
	out = run(cmd, &rc);
	assert_string_equal(out, "metadata stream_5 ");
	free(out);
	if (have_babeltrace()) {
		snprintf(cmd, sizeof(cmd), "babeltrace2 --clock-cycles --no-delta '%s' 2>&1", dir);
		out = run(cmd, &rc);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(out, "[00000000000000000042] again vm_free: { cpu_id = 5 }, { duration_ns = 7,"));
		assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
		free(out);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	struct pa_export_trace t = { .n_samples = 1 };

	assert_int_equal(pa_export_ctf(NULL, &fx->t), -EINVAL);
	assert_int_equal(pa_export_ctf("/tmp", NULL), -EINVAL);
	assert_int_equal(pa_export_ctf("/tmp/x", &t), -EINVAL); /* samples NULL, n 1 */
	assert_int_equal(pa_export_ctf("/proc/no-such-dir/trace", &fx->t), -ENOENT);
	assert_int_equal(pa_export_ctf("/dev/null", &fx->t), -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_read_back),
		cmocka_unit_test(test_absolute_clock),
		cmocka_unit_test(test_discarded_events),
		cmocka_unit_test(test_corrupted_trace_refused),
		cmocka_unit_test(test_copy_accepted),
		cmocka_unit_test(test_empty_trace),
		cmocka_unit_test(test_export_over_old_trace),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
