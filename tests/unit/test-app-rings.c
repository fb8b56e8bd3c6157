/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-app-rings.c - the daemon's side of application instrumentation on
 * regions built by hand: valid ones drain exactly; corrupt, hostile or
 * unsealed ones are refused with a reason and never crash the reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "app-rings.h"
#include "instrument.h"

static struct pa_app_region reg;
static uint32_t my_pid;

static int setup(void **state)
{
	my_pid = (uint32_t)getpid();
	assert_int_equal(pa_app_region_create(my_pid, 4, 16, PA_APP_CLOCK_MONOTONIC, &reg), 0);
	return 0;
}

static int teardown(void **state)
{
	pa_app_region_done(&reg);
	return 0;
}

/* Append a sample to ring `i` as a producer would. */
static void push(uint32_t i, const struct perf_sample *s)
{
	struct pa_app_ring *ring = pa_app_region_ring(&reg, i);

	ring->slots[ring->head & (reg.hdr->ring_capacity - 1)] = *s;
	__atomic_store_n(&ring->head, ring->head + 1, __ATOMIC_RELEASE);
}

static void use_rings(uint32_t n)
{
	__atomic_store_n(&reg.hdr->rings_used, n, __ATOMIC_RELEASE);
}

struct got {
	int n;
	struct perf_sample s[64];
};

static void collect(const struct perf_sample *s, void *userdata)
{
	struct got *g = userdata;

	if (g->n < 64)
		g->s[g->n] = *s;
	g->n++;
}

static void test_valid_region_drains_in_order(void **state)
{
	struct pa_app_rings *r;
	struct pa_app_rings_stats st;
	struct got g = { 0 };
	char why[160] = "";

	use_rings(2);
	for (uint32_t k = 0; k < 10; k++) {
		struct perf_sample s = { .timestamp_ns = 1000 + k, .duration_ns = 5, .event = PERF_EVENT_SYSCALL,
					 .thread_id = 77, .data1 = k, .cpu = 1 };
		push(k % 2, &s);
	}
	assert_int_equal(pa_app_rings_open(reg.fd, my_pid, &r, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(pa_app_rings_drain(r, 3, collect, &g), 3); /* the budget is honoured */
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), 7);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), 0);
	assert_int_equal(g.n, 10);
	/* Ring 0 holds the even samples, ring 1 the odd ones, each in order. */
	for (int k = 0; k < 5; k++) {
		assert_int_equal(g.s[k].data1, 2 * k);
		assert_int_equal(g.s[5 + k].data1, 2 * k + 1);
	}
	assert_int_equal(g.s[0].timestamp_ns, 1000); /* MONOTONIC regions pass through */
	assert_int_equal(g.s[0].duration_ns, 5);
	assert_int_equal(g.s[0].task_id, my_pid);    /* 0 means the owner */
	assert_int_equal(g.s[0].flags, PERF_SAMPLE_F_APP);
	/* The program sees its slots given back. */
	assert_int_equal(pa_app_region_ring(&reg, 0)->tail, 5);
	assert_int_equal(pa_app_rings_stats(r, &st), 0);
	assert_int_equal(st.received, 10);
	assert_int_equal(st.threads, 2);
	assert_int_equal(st.exited, false);
	assert_int_equal(pa_app_rings_exited(r), 0);
	pa_app_rings_free(r);
}

static void test_sample_conversion(void **state)
{
	struct pa_app_rings *r;
	struct pa_app_rings_stats st;
	struct got g = { 0 };
	struct perf_sample s[] = {
		{ .event = 3, .duration_ns = 9, .flags = PERF_SAMPLE_F_NO_DURATION | PERF_SAMPLE_F_KERNEL },
		{ .event = 70, .duration_ns = 3, .flags = PA_APP_SLOT_F_DUR_SHIFT16, .task_id = 5, .cpu = 0xfffe },
		{ .event = 12, .data1 = 1 },  /* reserved id: discarded */
		{ .event = 63, .data1 = 2 },  /* reserved id: discarded */
		{ .event = 71, .duration_ns = 0x10000, .flags = PA_APP_SLOT_F_DUR_SHIFT16 | PERF_SAMPLE_F_ERROR },
	};

	use_rings(1);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		push(0, &s[i]);
	assert_int_equal(pa_app_rings_open(reg.fd, my_pid, &r, NULL, 0), 0);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), 3);
	assert_int_equal(g.s[0].duration_ns, 0);
	assert_int_equal(g.s[0].flags, PERF_SAMPLE_F_NO_DURATION | PERF_SAMPLE_F_APP); /* KERNEL not believed */
	assert_int_equal(g.s[1].duration_ns, 3u << 16);
	assert_int_equal(g.s[1].task_id, 5);
	assert_int_equal(g.s[1].cpu, 0xffff);
	assert_int_equal(g.s[2].duration_ns, UINT32_MAX);
	assert_int_equal(g.s[2].flags, PERF_SAMPLE_F_ERROR | PERF_SAMPLE_F_DUR_CLAMPED | PERF_SAMPLE_F_APP);
	assert_int_equal(pa_app_rings_stats(r, &st), 0);
	assert_int_equal(st.invalid, 2);
	assert_int_equal(st.received, 3);
	pa_app_rings_free(r);
}

static void test_tsc_conversion(void **state)
{
	struct pa_app_region t;
	struct pa_app_rings *r;
	struct got g = { 0 };
	struct timespec ts;
	uint64_t a, b, tsc;
	uint32_t lo, hi;

	assert_int_equal(pa_app_region_create(my_pid, 1, 16, PA_APP_CLOCK_TSC, &t), 0);
	assert_int_equal(pa_app_rings_open(t.fd, my_pid, &r, NULL, 0), 0);
	(void)pa_app_tsc_to_ns(0); /* calibrate first, outside the bracket */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	tsc = ((uint64_t)hi << 32) | lo;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	b = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	{
		struct pa_app_ring *ring = pa_app_region_ring(&t, 0);

		ring->slots[0] = (struct perf_sample){ .timestamp_ns = tsc, .duration_ns = 2096000, .event = 1 };
		__atomic_store_n(&ring->head, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&t.hdr->rings_used, 1, __ATOMIC_RELEASE);
	}
	assert_int_equal(pa_app_rings_drain(r, 10, collect, &g), 1);
	assert_true(g.s[0].timestamp_ns + 20000 >= a);
	assert_true(g.s[0].timestamp_ns <= b + 20000);
	/* 2,096,000 ticks is a millisecond at this machine's 2.096 GHz; only bound it loosely. */
	assert_true(g.s[0].duration_ns > 100000 && g.s[0].duration_ns < 10000000);
	pa_app_rings_free(r);
	pa_app_region_done(&t);
}

/* Corrupt one header field, expect open to refuse with `err`, then restore. */
static void expect_refused(size_t off, const void *val, size_t len, uint32_t pid, int err)
{
	struct pa_app_rings *r = NULL;
	unsigned char saved[16];
	char why[160] = "";
	int e;

	memcpy(saved, (char *)reg.hdr + off, len);
	memcpy((char *)reg.hdr + off, val, len);
	e = pa_app_rings_open(reg.fd, pid, &r, why, sizeof(why));
	memcpy((char *)reg.hdr + off, saved, len);
	if (e != err)
		fail_msg("field at %zu: got %d (%s), expected %d", off, e, why, err);
	assert_null(r);
	assert_true(strlen(why) > 10);
}

#define FIELD(f) offsetof(struct pa_app_shm_header, f)

static void test_corrupt_header_refused(void **state)
{
	uint64_t u64;
	uint32_t u32;

	u64 = 0x1234;
	expect_refused(FIELD(magic), &u64, 8, my_pid, -EINVAL);
	u32 = 2;
	expect_refused(FIELD(version), &u32, 4, my_pid, -EPROTONOSUPPORT);
	u32 = 64;
	expect_refused(FIELD(header_bytes), &u32, 4, my_pid, -EINVAL);
	u64 = reg.bytes + 4096;
	expect_refused(FIELD(region_bytes), &u64, 8, my_pid, -EINVAL);
	u32 = my_pid + 1;
	expect_refused(FIELD(pid), &u32, 4, my_pid, -EINVAL);
	u32 = 0;
	expect_refused(FIELD(clock), &u32, 4, my_pid, -EINVAL);
	u32 = 99;
	expect_refused(FIELD(clock), &u32, 4, my_pid, -EINVAL);
	u32 = 7;
	expect_refused(FIELD(names_max), &u32, 4, my_pid, -EINVAL);
	u32 = 130;
	expect_refused(FIELD(names_offset), &u32, 4, my_pid, -EINVAL);
	u32 = 24;
	expect_refused(FIELD(ring_capacity), &u32, 4, my_pid, -EINVAL);
	u32 = 1u << 30;
	expect_refused(FIELD(ring_capacity), &u32, 4, my_pid, -EINVAL);
	u32 = (uint32_t)PA_APP_RING_BYTES(16) + 64;
	expect_refused(FIELD(ring_bytes), &u32, 4, my_pid, -EINVAL);
	u32 = 0;
	expect_refused(FIELD(rings_max), &u32, 4, my_pid, -EINVAL);
	u32 = 5; /* one ring more than the memfd holds */
	expect_refused(FIELD(rings_max), &u32, 4, my_pid, -EINVAL);
	u32 = 0xffffffffu;
	expect_refused(FIELD(rings_max), &u32, 4, my_pid, -EINVAL);
	u32 = reg.hdr->rings_offset + 8;
	expect_refused(FIELD(rings_offset), &u32, 4, my_pid, -EINVAL);
	u32 = 128; /* rings over the name table */
	expect_refused(FIELD(rings_offset), &u32, 4, my_pid, -EINVAL);
	u32 = 0xffffffc0u;
	expect_refused(FIELD(rings_offset), &u32, 4, my_pid, -EINVAL);
}

static void test_unsealed_or_not_memfd_refused(void **state)
{
	struct pa_app_rings *r = NULL;
	char why[160] = "", path[] = "build/test-app-rings-XXXXXX";
	int fd, p[2];

	/* A memfd that could be shrunk under the daemon's mapping. */
	fd = memfd_create("x", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)reg.bytes), 0);
	assert_int_equal(pa_app_rings_open(fd, my_pid, &r, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "F_SEAL_SHRINK"));
	close(fd);
	/* A pipe, and a file on disk. */
	assert_int_equal(pipe(p), 0);
	assert_true(pa_app_rings_open(p[0], my_pid, &r, why, sizeof(why)) < 0);
	close(p[0]);
	close(p[1]);
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/test-app-rings-XXXXXX");
		fd = mkstemp(path);
	}
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 65536), 0);
	assert_true(pa_app_rings_open(fd, my_pid, &r, why, sizeof(why)) < 0);
	close(fd);
	unlink(path);
	/* Too small to hold a header. */
	fd = memfd_create("y", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	assert_int_equal(pa_app_rings_open(fd, my_pid, &r, why, sizeof(why)), -EINVAL);
	close(fd);
	assert_null(r);
	assert_int_equal(pa_app_rings_open(-1, my_pid, &r, NULL, 0), -EINVAL);
}

static void test_hostile_while_open(void **state)
{
	struct pa_app_rings *r;
	struct got g = { 0 };
	struct perf_sample s = { .event = 1 };

	assert_int_equal(pa_app_rings_open(reg.fd, my_pid, &r, NULL, 0), 0);
	/* The program cannot shrink the region now that the daemon maps it. */
	assert_int_equal(ftruncate(reg.fd, 4096), -1);
	assert_int_equal(errno, EPERM);
	/* Rewriting the geometry afterwards changes nothing: the daemon kept its copy. */
	reg.hdr->rings_max = 100000;
	reg.hdr->ring_capacity = 1u << 20;
	/* More rings claimed than exist: clamped. */
	use_rings(0xffffffffu);
	push(3, &s);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), 1);
	/* A head that runs past the capacity: refused, and the region stays refused. */
	__atomic_store_n(&pa_app_region_ring(&reg, 2)->head, 17, __ATOMIC_RELEASE);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), -EBADMSG);
	assert_non_null(strstr(pa_app_rings_why(r), "ring 2"));
	__atomic_store_n(&pa_app_region_ring(&reg, 2)->head, 0, __ATOMIC_RELEASE);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), -EBADMSG);
	pa_app_rings_free(r);

	/* A head behind the daemon's tail is as bad. */
	reg.hdr->rings_max = 4;
	reg.hdr->ring_capacity = 16;
	assert_int_equal(pa_app_rings_open(reg.fd, my_pid, &r, NULL, 0), 0);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), 0);
	__atomic_store_n(&pa_app_region_ring(&reg, 3)->head, 0, __ATOMIC_RELEASE);
	assert_int_equal(pa_app_rings_drain(r, 100, collect, &g), -EBADMSG);
	pa_app_rings_free(r);
}

static void name_cb(uint32_t id, const char *name, void *userdata)
{
	char *out = userdata;

	snprintf(out + strlen(out), 256 - strlen(out), "%u=%s;", id, name);
}

static void test_names_validated(void **state)
{
	struct pa_app_shm_name *t = (struct pa_app_shm_name *)((char *)reg.hdr + reg.hdr->names_offset);
	struct pa_app_rings *r;
	char out[256] = "", name[PA_APP_NAME_BYTES];

	assert_int_equal(pa_app_region_set_name(&reg, 64, "db.query"), 0);
	assert_int_equal(pa_app_region_set_name(&reg, 66, "cache-miss:x_1"), 0);
	assert_int_equal(pa_app_region_set_name(&reg, 63, "low"), -EINVAL);
	/* Hostile entries: wrong id, no NUL, bad characters, leading digit. */
	t[3].id = 64;
	memcpy(t[3].name, "wrong.id", 9);
	t[4].id = 68;
	memset(t[4].name, 'a', sizeof(t[4].name));
	t[5].id = 69;
	memcpy(t[5].name, "bad name", 9);
	t[6].id = 70;
	memcpy(t[6].name, "1st", 4);
	assert_int_equal(pa_app_rings_open(reg.fd, my_pid, &r, NULL, 0), 0);
	assert_int_equal(pa_app_rings_for_each_name(r, name_cb, out), 2);
	assert_string_equal(out, "64=db.query;66=cache-miss:x_1;");
	assert_int_equal(pa_app_rings_name(r, 66, name), 0);
	assert_string_equal(name, "cache-miss:x_1");
	assert_int_equal(pa_app_rings_name(r, 68, name), -ENOENT);
	assert_int_equal(pa_app_rings_name(r, 5, name), -ENOENT);
	assert_int_equal(pa_app_rings_name(r, 300, name), -ENOENT);
	pa_app_rings_free(r);
}

static void test_exit_detected(void **state)
{
	struct pa_app_region c;
	struct pa_app_rings *r;
	char path[64];
	int status, p[2];
	pid_t pid;

	/* The child makes a region, hands it over, exits: the daemon sees the exit. */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(reg.fd); /* the parent's region; only the child's own must be found */
		if (pa_app_region_create((uint32_t)getpid(), 1, 16, PA_APP_CLOCK_MONOTONIC, &c) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		alarm(20); /* never outlive a failed test for long */
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], path, 1), 1);
	/* Get the child's memfd through /proc, as SCM_RIGHTS would give it. */
	{
		int fd = -1;

		for (int tries = 0; tries < 200 && fd < 0; tries++) {
			for (int n = 3; n < 64 && fd < 0; n++) {
				char link[256];
				ssize_t len;

				snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, n);
				len = readlink(path, link, sizeof(link) - 1);
				if (len > 0) {
					link[len] = 0;
					if (strstr(link, "memfd:perf-analysis-app"))
						fd = open(path, O_RDWR | O_CLOEXEC);
				}
			}
			if (fd < 0)
				usleep(5000);
		}
		assert_true(fd >= 0);
		assert_int_equal(pa_app_rings_open(fd, (uint32_t)pid, &r, NULL, 0), 0);
		close(fd);
	}
	assert_int_equal(pa_app_rings_exited(r), 0);
	assert_true(pa_app_rings_pidfd(r) >= 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(pa_app_rings_exited(r), 1);
	/* The mapping outlives the program: what it left can still be drained. */
	assert_int_equal(pa_app_rings_drain(r, 10, collect, &(struct got){ 0 }), 0);
	pa_app_rings_free(r);
	close(p[0]);
}

static void ignore(const struct perf_sample *s, void *userdata)
{
	(*(int *)userdata)++;
}

/* Random damage to the header, the name table and the first ring: never a crash. */
static void test_random_damage(void **state)
{
	struct pa_app_ring *ring0 = pa_app_region_ring(&reg, 0);
	unsigned char orig[512];
	unsigned int seed = 12345;
	int opened = 0;

	memcpy(orig, reg.hdr, sizeof(orig));
	for (int it = 0; it < 20000; it++) {
		struct pa_app_rings *r = NULL;
		struct pa_app_rings_stats st;
		int n = 0;

		memcpy(reg.hdr, orig, sizeof(orig));
		for (int k = 1 + rand_r(&seed) % 4; k > 0; k--)
			((unsigned char *)reg.hdr)[rand_r(&seed) % (it % 2 ? 128 : sizeof(orig))] = (unsigned char)rand_r(&seed);
		ring0->head = (uint64_t)rand_r(&seed) % 40;
		if (pa_app_rings_open(reg.fd, 0, &r, NULL, 0) == 0) {
			opened++;
			(void)pa_app_rings_drain(r, 1000, ignore, &n);
			(void)pa_app_rings_stats(r, &st);
			(void)pa_app_rings_for_each_name(r, NULL, NULL);
			pa_app_rings_free(r);
		}
	}
	memcpy(reg.hdr, orig, sizeof(orig));
	/* Damage outside the checked fields (names, counters) leaves valid regions: some must open. */
	assert_true(opened > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_region_drains_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_conversion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsc_conversion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_header_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsealed_or_not_memfd_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_validated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_damage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
