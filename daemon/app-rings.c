/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app-rings.c - map, validate and drain an instrumented program's region.
 *
 * Rules that keep a hostile region from hurting the daemon:
 *   - the memfd must be sealed against shrinking, so the mapping can never
 *     lose pages under us (a truncated shared mapping raises SIGBUS);
 *   - the header is copied once and validated; afterwards only the copy's
 *     geometry is used, so the program cannot move the rings by rewriting it;
 *   - each ring's tail is kept here; the program's head is read once per
 *     drain and checked against it (0 <= head - tail <= capacity) before any
 *     slot is touched; slot indices are masked by our own capacity;
 *   - samples and names are copied out before they are checked, so a value
 *     changing under us cannot pass the check and then be used differently.
 * The program can still lie about its own events; that only hurts its data.
 *
 * Cost: a drain is one acquire load per claimed ring, a 32-byte copy per
 * sample, and one release store per ring that had samples.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "app-rings.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

struct pa_app_rings {
	struct pa_app_shm_header geo; /* validated copy of the header; geometry fields only are used */
	uint8_t *base;                /* the mapping */
	uint64_t bytes;
	uint64_t *tails;              /* consumer index of each ring, ours */
	uint32_t rings_seen;          /* rings already mapped in (MADV_POPULATE_READ) */
	uint32_t pid;
	int pidfd;
	bool exited;
	bool broken;
	uint64_t received;
	uint64_t invalid;
	char why[160];
};

/* ---- TSC to CLOCK_MONOTONIC ---------------------------------------------------------- */

/*
 * A linear map fitted to (tsc, CLOCK_MONOTONIC) pairs read back to back: the
 * rate comes from a pair at least `CALIB_SPAN_NS` old, the offset from one at
 * most `CALIB_REFRESH_NS` old, so NTP slewing of CLOCK_MONOTONIC is followed.
 */
#define CALIB_FIRST_NS 10000000ull     /* first rate from a 10 ms span */
#define CALIB_REFRESH_NS 50000000ull   /* new reference pair every 50 ms */
#define CALIB_SPAN_NS 300000000000ull  /* rate anchors roll every 5 min */

static struct {
	pthread_mutex_t lock;
	bool ready;
	uint64_t tsc0, ns0;     /* rate anchor */
	uint64_t tscm, nsm;     /* next rate anchor */
	uint64_t tsc1, ns1;     /* reference point */
	double ns_per_tick;
} calib = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_TSC 1
static uint64_t read_tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#else
#define HAVE_TSC 0
static uint64_t read_tsc(void)
{
	return 0;
}
#endif

/* The tightest of a few (ns, tsc, ns) readings: error about half its gap. */
static void clock_pair(uint64_t *ret_tsc, uint64_t *ret_ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 9; i++) {
		uint64_t a = mono_ns(), t = read_tsc(), b = mono_ns();

		if (b - a < best) {
			best = b - a;
			*ret_tsc = t;
			*ret_ns = a + (b - a) / 2;
		}
	}
}

static void calib_refresh_locked(void)
{
	uint64_t now = mono_ns();

	if (!calib.ready) {
		struct timespec d = { 0, CALIB_FIRST_NS };

		clock_pair(&calib.tsc0, &calib.ns0);
		while (nanosleep(&d, &d) < 0 && errno == EINTR)
			;
		clock_pair(&calib.tsc1, &calib.ns1);
		calib.tscm = calib.tsc1;
		calib.nsm = calib.ns1;
		calib.ready = true;
	} else if (now - calib.ns1 >= CALIB_REFRESH_NS) {
		clock_pair(&calib.tsc1, &calib.ns1);
		if (calib.ns1 - calib.nsm >= CALIB_SPAN_NS) {
			calib.tsc0 = calib.tscm;
			calib.ns0 = calib.nsm;
			calib.tscm = calib.tsc1;
			calib.nsm = calib.ns1;
		}
	} else {
		return;
	}
	if (calib.tsc1 > calib.tsc0)
		calib.ns_per_tick = (double)(calib.ns1 - calib.ns0) / (double)(calib.tsc1 - calib.tsc0);
}

/* Snapshot of the map, taken once per drain. */
struct tsc_map {
	uint64_t tsc1, ns1;
	double ns_per_tick;
};

static void tsc_map_get(struct tsc_map *m)
{
	pthread_mutex_lock(&calib.lock);
	calib_refresh_locked();
	m->tsc1 = calib.tsc1;
	m->ns1 = calib.ns1;
	m->ns_per_tick = calib.ns_per_tick;
	pthread_mutex_unlock(&calib.lock);
}

static uint64_t tsc_map_ns(const struct tsc_map *m, uint64_t tsc)
{
	double d = (double)(int64_t)(tsc - m->tsc1) * m->ns_per_tick + (double)m->ns1;

	return d <= 0 ? 0 : d >= 1.8e19 ? UINT64_MAX : (uint64_t)(d + 0.5);
}

uint64_t pa_app_tsc_to_ns(uint64_t tsc)
{
	struct tsc_map m;

	tsc_map_get(&m);
	return tsc_map_ns(&m, tsc);
}

/* ---- Open and validate -------------------------------------------------------------- */

static int fail(char *why, size_t size, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return err;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Check the copied header against the mapping's size; 0 or a negative errno with `why`. */
static int check_header(const struct pa_app_shm_header *h, uint64_t size, uint32_t pid, char *why,
			size_t ws)
{
	uint64_t names_end, rings_end;

	if (h->magic != PA_APP_SHM_MAGIC)
		return fail(why, ws, -EINVAL, "bad magic %#llx: not a perf-analysis application region",
			    (unsigned long long)h->magic);
	if (h->version != PA_APP_SHM_VERSION)
		return fail(why, ws, -EPROTONOSUPPORT, "region version %u, this daemon reads version %u",
			    h->version, PA_APP_SHM_VERSION);
	if (h->header_bytes != sizeof(*h))
		return fail(why, ws, -EINVAL, "header size %u, expected %zu", h->header_bytes, sizeof(*h));
	if (h->region_bytes != size)
		return fail(why, ws, -EINVAL, "header says %llu bytes, the memfd has %llu",
			    (unsigned long long)h->region_bytes, (unsigned long long)size);
	if (pid && h->pid != pid)
		return fail(why, ws, -EINVAL, "region belongs to pid %u, sent by pid %u", h->pid, pid);
	if (h->clock == 0 || h->clock >= PA_APP_CLOCK_MAX)
		return fail(why, ws, -EINVAL, "unknown clock %u", h->clock);
	if (h->clock == PA_APP_CLOCK_TSC && !HAVE_TSC)
		return fail(why, ws, -EPROTONOSUPPORT, "region uses TSC ticks, which this machine lacks");
	if (h->names_max != PA_APP_NAMES_MAX || h->names_offset < sizeof(*h) || h->names_offset % 8)
		return fail(why, ws, -EINVAL, "bad name table (offset %u, %u entries)", h->names_offset,
			    h->names_max);
	names_end = (uint64_t)h->names_offset + (uint64_t)h->names_max * sizeof(struct pa_app_shm_name);
	if (!is_pow2(h->ring_capacity) || h->ring_capacity < PA_APP_RING_CAPACITY_MIN ||
	    h->ring_capacity > PA_APP_RING_CAPACITY_LIMIT)
		return fail(why, ws, -EINVAL, "bad ring capacity %u", h->ring_capacity);
	if (h->ring_bytes != PA_APP_RING_BYTES(h->ring_capacity))
		return fail(why, ws, -EINVAL, "ring stride %u does not match capacity %u", h->ring_bytes,
			    h->ring_capacity);
	if (h->rings_max == 0 || h->rings_max > PA_APP_RINGS_LIMIT)
		return fail(why, ws, -EINVAL, "bad ring count %u", h->rings_max);
	if (h->rings_offset % 64 || h->rings_offset < names_end)
		return fail(why, ws, -EINVAL, "bad ring offset %u", h->rings_offset);
	rings_end = (uint64_t)h->rings_offset + (uint64_t)h->rings_max * h->ring_bytes;
	if (rings_end > size)
		return fail(why, ws, -EINVAL, "%u rings of %u bytes at %u overrun the %llu-byte region",
			    h->rings_max, h->ring_bytes, h->rings_offset, (unsigned long long)size);
	return 0;
}

int pa_app_rings_open(int memfd, uint32_t pid, struct pa_app_rings **ret, char *why, size_t ws)
{
	struct pa_app_rings *r;
	struct stat st;
	void *p;
	int seals, e;

	if (!ret || memfd < 0)
		return fail(why, ws, -EINVAL, "no region descriptor");
	if (fstat(memfd, &st) < 0)
		return fail(why, ws, -errno, "cannot stat the region: %s", strerror(errno));
	seals = fcntl(memfd, F_GET_SEALS);
	if (!S_ISREG(st.st_mode) || seals < 0)
		return fail(why, ws, -EINVAL, "the descriptor is not a memfd");
	if (!(seals & F_SEAL_SHRINK))
		return fail(why, ws, -EPERM, "the memfd is not sealed against shrinking (F_SEAL_SHRINK)");
	if (st.st_size < (off_t)sizeof(struct pa_app_shm_header) ||
	    (uint64_t)st.st_size > PA_APP_REGION_BYTES_LIMIT)
		return fail(why, ws, -EINVAL, "region size %lld out of range", (long long)st.st_size);

	r = calloc(1, sizeof(*r));
	if (!r)
		return fail(why, ws, -ENOMEM, "out of memory");
	r->pidfd = -1;
	r->bytes = (uint64_t)st.st_size;
	p = mmap(NULL, r->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED) {
		e = fail(why, ws, -errno, "cannot map the region: %s", strerror(errno));
		free(r);
		return e;
	}
	r->base = p;
	memcpy(&r->geo, r->base, sizeof(r->geo));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = check_header(&r->geo, r->bytes, pid, why, ws);
	if (e < 0)
		goto fail;
	r->tails = calloc(r->geo.rings_max, sizeof(*r->tails));
	if (!r->tails) {
		e = fail(why, ws, -ENOMEM, "out of memory");
		goto fail;
	}
	/* Carry on from a previous daemon's progress; checked against head at each drain. */
	for (uint32_t i = 0; i < r->geo.rings_max; i++) {
		const struct pa_app_ring *ring =
			(const void *)(r->base + r->geo.rings_offset + (uint64_t)i * r->geo.ring_bytes);

		r->tails[i] = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
	}
	r->pid = pid ? pid : r->geo.pid;
	r->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)r->pid, 0);
	if (r->pidfd < 0 && errno == ESRCH)
		r->exited = true;
	*ret = r;
	return 0;
fail:
	pa_app_rings_free(r);
	return e;
}

void pa_app_rings_free(struct pa_app_rings *r)
{
	if (!r)
		return;
	if (r->base)
		munmap(r->base, r->bytes);
	if (r->pidfd >= 0)
		close(r->pidfd);
	free(r->tails);
	free(r);
}

/* ---- Drain ----------------------------------------------------------------------------- */

static struct pa_app_ring *ring_at(const struct pa_app_rings *r, uint32_t i)
{
	return (struct pa_app_ring *)(r->base + r->geo.rings_offset + (uint64_t)i * r->geo.ring_bytes);
}

static uint32_t rings_used(const struct pa_app_rings *r)
{
	const struct pa_app_shm_header *h = (const void *)r->base;
	uint32_t used = __atomic_load_n(&h->rings_used, __ATOMIC_ACQUIRE);

	return used < r->geo.rings_max ? used : r->geo.rings_max;
}

/* Turn a slot, copied out of the region, into a sample; false if it must be discarded. */
static bool convert(const struct pa_app_rings *r, const struct tsc_map *m, const struct perf_sample *in,
		    struct perf_sample *out)
{
	uint64_t d = in->duration_ns;
	uint8_t flags = (in->flags & (PERF_SAMPLE_F_ERROR | PERF_SAMPLE_F_NO_DURATION)) | PERF_SAMPLE_F_APP;

	if (in->event >= PERF_EVENT_MAX && in->event < PERF_EVENT_USER_BASE)
		return false;
	if (in->flags & PA_APP_SLOT_F_DUR_SHIFT16)
		d <<= 16;
	if (r->geo.clock == PA_APP_CLOCK_TSC) {
		out->timestamp_ns = tsc_map_ns(m, in->timestamp_ns);
		d = (uint64_t)((double)d * m->ns_per_tick + 0.5);
	} else {
		out->timestamp_ns = in->timestamp_ns;
	}
	if (flags & PERF_SAMPLE_F_NO_DURATION)
		d = 0;
	if (d > UINT32_MAX) {
		d = UINT32_MAX;
		flags |= PERF_SAMPLE_F_DUR_CLAMPED;
	}
	out->duration_ns = (uint32_t)d;
	out->event = in->event;
	out->flags = flags;
	out->cpu = in->cpu >= 0xfff0 ? 0xffff : in->cpu;
	out->task_id = in->task_id ? in->task_id : r->pid;
	out->thread_id = in->thread_id;
	out->data1 = in->data1;
	out->data2 = in->data2;
	return true;
}

int pa_app_rings_drain(struct pa_app_rings *r, uint32_t max, pa_app_sample_fn fn, void *userdata)
{
	const uint64_t capacity = r->geo.ring_capacity, mask = capacity - 1;
	uint32_t used, passed = 0;
	struct tsc_map m = { 0 };

	if (r->broken)
		return -EBADMSG;
	used = rings_used(r);
	/* Map newly claimed rings in one call rather than a page fault per 128 samples. */
	for (; r->rings_seen < used; r->rings_seen++) {
		uintptr_t a = (uintptr_t)ring_at(r, r->rings_seen), b = a + r->geo.ring_bytes;

		a &= ~(uintptr_t)4095; /* the mapping itself starts on a page */
		(void)madvise((void *)a, b - a, MADV_POPULATE_READ);
	}
	if (r->geo.clock == PA_APP_CLOCK_TSC)
		tsc_map_get(&m);
	for (uint32_t i = 0; i < used && passed < max; i++) {
		struct pa_app_ring *ring = ring_at(r, i);
		uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
		uint64_t tail = r->tails[i], n;

		n = head - tail;
		if (n > capacity) {
			snprintf(r->why, sizeof(r->why),
				 "ring %u: head %llu is %llu samples past tail %llu (capacity %llu)", i,
				 (unsigned long long)head, (unsigned long long)n, (unsigned long long)tail,
				 (unsigned long long)capacity);
			r->broken = true;
			return -EBADMSG;
		}
		if (n == 0)
			continue;
		if (n > max - passed)
			n = max - passed;
		for (uint64_t k = 0; k < n; k++) {
			struct perf_sample in, out;

			memcpy(&in, (const void *)&ring->slots[(tail + k) & mask], sizeof(in));
			if (convert(r, &m, &in, &out)) {
				fn(&out, userdata);
				passed++;
			} else {
				r->invalid++;
			}
		}
		r->tails[i] = tail + n;
		/* The slots are copied: the program may reuse them. */
		__atomic_store_n(&ring->tail, r->tails[i], __ATOMIC_RELEASE);
	}
	r->received += passed;
	return (int)passed;
}

/* ---- Counters, names, exit ------------------------------------------------------------ */

int pa_app_rings_exited(struct pa_app_rings *r)
{
	if (r->exited)
		return 1;
	if (r->pidfd >= 0) {
		struct pollfd pfd = { .fd = r->pidfd, .events = POLLIN };

		if (poll(&pfd, 1, 0) > 0)
			r->exited = true;
	} else if (kill((pid_t)r->pid, 0) < 0 && errno == ESRCH) {
		r->exited = true;
	}
	return r->exited;
}

int pa_app_rings_stats(struct pa_app_rings *r, struct pa_app_rings_stats *ret)
{
	const struct pa_app_shm_header *h;
	struct pa_app_rings_stats s = { 0 };

	if (!r || !ret)
		return -EINVAL;
	h = (const void *)r->base;
	s.pid = r->pid;
	s.threads = rings_used(r);
	s.attaches = __atomic_load_n(&h->attaches, __ATOMIC_RELAXED);
	s.no_ring = __atomic_load_n(&h->no_ring_drops, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < s.threads; i++) {
		const struct pa_app_ring *ring = ring_at(r, i);

		s.dropped += __atomic_load_n(&ring->drops, __ATOMIC_RELAXED);
		s.unattached += __atomic_load_n(&ring->unattached, __ATOMIC_RELAXED);
	}
	s.received = r->received;
	s.invalid = r->invalid;
	s.names = (uint32_t)pa_app_rings_for_each_name(r, NULL, NULL);
	s.exited = pa_app_rings_exited(r) == 1;
	*ret = s;
	return 0;
}

/* Same rule as core's pa_event_register(): [A-Za-z0-9_.:-], not starting with a digit. */
static bool name_valid(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

/* Copy entry `i` out and check it; true with `ret` filled if valid. */
static bool name_get(const struct pa_app_rings *r, uint32_t i, char *ret)
{
	const struct pa_app_shm_name *e =
		(const struct pa_app_shm_name *)(r->base + r->geo.names_offset) + i;
	uint32_t id = __atomic_load_n(&e->id, __ATOMIC_ACQUIRE);

	if (id != PERF_EVENT_USER_BASE + i)
		return false;
	memcpy(ret, (const void *)e->name, PA_APP_NAME_BYTES);
	if (!memchr(ret, 0, PA_APP_NAME_BYTES))
		return false;
	return name_valid(ret);
}

int pa_app_rings_for_each_name(struct pa_app_rings *r, pa_app_name_fn fn, void *userdata)
{
	char name[PA_APP_NAME_BYTES];
	int n = 0;

	for (uint32_t i = 0; i < r->geo.names_max; i++) {
		if (!name_get(r, i, name))
			continue;
		if (fn)
			fn(PERF_EVENT_USER_BASE + i, name, userdata);
		n++;
	}
	return n;
}

int pa_app_rings_name(struct pa_app_rings *r, uint32_t id, char *ret)
{
	char name[PA_APP_NAME_BYTES];

	if (id < PERF_EVENT_USER_BASE || id >= PERF_EVENT_ID_LIMIT || !name_get(r, id - PERF_EVENT_USER_BASE, name))
		return -ENOENT;
	memcpy(ret, name, sizeof(name));
	return 0;
}

int pa_app_rings_pidfd(const struct pa_app_rings *r)
{
	return r->pidfd;
}

uint32_t pa_app_rings_pid(const struct pa_app_rings *r)
{
	return r->pid;
}

const char *pa_app_rings_why(const struct pa_app_rings *r)
{
	return r->why;
}
