/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instrument.c - the runtime behind PERF_EVENT_RECORD and friends.
 *
 * The fast path is inline in perf_analysis.h and touches only the calling
 * thread's TLS and its own ring: a load of the global gate, a compare of
 * head against limit, rdtsc, a 32-byte store and a store-release of head.
 * Everything here runs off that path:
 *   - a thread's first event claims a ring (one compare-and-swap, once);
 *   - when head reaches limit the thread re-reads the daemon's tail (a load),
 *     and only when the ring is really full counts a drop;
 *   - while no daemon is attached, a thread without a ring tries to attach at
 *     most once a second (time() from the vDSO, ~1.5 ns, is the throttle) and
 *     otherwise just counts the event as "unattached";
 *   - when a ring is full, at most once a second, the thread checks that the
 *     daemon is still there, and re-attaches to a new one if it is not.
 * errno is preserved across every slow path: the macros must not change it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define PA_HAVE_RSEQ 1
#endif

#include "perf-analysis/app-shm.h"
#include "perf-analysis/perf_analysis.h"
#include "events.h"
#include "instrument.h"

_Static_assert(PA_APP_NAME_BYTES == PA_EVENT_NAME_MAX, "name sizes of core and region differ");
_Static_assert(PA_APP_NAMES_MAX == PA_USER_EVENT_MAX, "name table sizes of core and region differ");

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static const int32_t no_cpu = -1;

__thread struct pa_app_thread pa_app_tls __attribute__((tls_model("initial-exec"))) = {
	.cpu = &no_cpu,
};
int pa_app_gate = 1;

/* Process-wide state; `lock` guards everything but the atomics noted. */
static struct {
	pthread_mutex_t lock;
	struct pa_event_table names;
	struct pa_app_region region; /* hdr NULL until the first attach */
	int sock;                    /* connection to the daemon, -1 if none */
	int attached;                /* atomic: 1 while a daemon has the region */
	int64_t next_try;            /* atomic: no attach attempt before this second */
	unsigned int refusals;       /* attach attempts in a row that reached a daemon and failed */
	pthread_key_t key;
	bool key_ok;
} pa_app = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.region = { .fd = -1 },
	.sock = -1,
};

static pthread_once_t pa_app_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) || defined(__i386__)
#define PA_APP_CLOCK_KIND PA_APP_CLOCK_TSC
#else
#define PA_APP_CLOCK_KIND PA_APP_CLOCK_MONOTONIC
#endif

uint64_t pa_app_clock_slow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- Region ------------------------------------------------------------ */

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

struct pa_app_ring *pa_app_region_ring(const struct pa_app_region *r, uint32_t i)
{
	const struct pa_app_shm_header *h = r->hdr;

	return (struct pa_app_ring *)((char *)r->hdr + h->rings_offset + (uint64_t)i * h->ring_bytes);
}

int pa_app_region_set_name(const struct pa_app_region *r, uint32_t id, const char *name)
{
	struct pa_app_shm_name *e;
	size_t len;

	if (!r->hdr || id < PERF_EVENT_USER_BASE || id >= PERF_EVENT_ID_LIMIT || !name)
		return -EINVAL;
	len = strnlen(name, PA_APP_NAME_BYTES);
	if (len == 0 || len >= PA_APP_NAME_BYTES)
		return -EINVAL;
	e = (struct pa_app_shm_name *)((char *)r->hdr + r->hdr->names_offset) + (id - PERF_EVENT_USER_BASE);
	memset(e->name, 0, sizeof(e->name));
	memcpy(e->name, name, len);
	/* The daemon reads the name only after it sees the id. */
	__atomic_store_n(&e->id, id, __ATOMIC_RELEASE);
	return 0;
}

int pa_app_region_create(uint32_t pid, uint32_t rings, uint32_t capacity, uint32_t clock,
			 struct pa_app_region *ret)
{
	struct pa_app_shm_header *h;
	uint64_t names_end, rings_offset, bytes;
	void *p;
	int fd, r;

	if (!ret || rings == 0 || rings > PA_APP_RINGS_LIMIT || !is_pow2(capacity) ||
	    capacity < PA_APP_RING_CAPACITY_MIN || capacity > PA_APP_RING_CAPACITY_LIMIT ||
	    clock == 0 || clock >= PA_APP_CLOCK_MAX)
		return -EINVAL;
	names_end = sizeof(struct pa_app_shm_header) + PA_APP_NAMES_MAX * sizeof(struct pa_app_shm_name);
	rings_offset = (names_end + 4095) & ~4095ull; /* rings start on a page */
	bytes = rings_offset + rings * PA_APP_RING_BYTES(capacity);
	if (bytes > PA_APP_REGION_BYTES_LIMIT)
		return -EINVAL;

	fd = memfd_create("perf-analysis-app", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		r = -errno;
		goto fail;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	/* A child of fork() must not write into its parent's rings. */
	(void)madvise(p, bytes, MADV_DONTFORK);

	h = p;
	h->version = PA_APP_SHM_VERSION;
	h->header_bytes = sizeof(*h);
	h->region_bytes = bytes;
	h->pid = pid;
	h->clock = clock;
	h->tsc_hz = 0;
	h->names_offset = sizeof(*h);
	h->names_max = PA_APP_NAMES_MAX;
	h->rings_offset = (uint32_t)rings_offset;
	h->rings_max = rings;
	h->ring_bytes = (uint32_t)PA_APP_RING_BYTES(capacity);
	h->ring_capacity = capacity;
	__atomic_store_n(&h->magic, PA_APP_SHM_MAGIC, __ATOMIC_RELEASE);

	*ret = (struct pa_app_region){ .hdr = h, .bytes = bytes, .fd = fd };
	return 0;
fail:
	close(fd);
	return r;
}

void pa_app_region_done(struct pa_app_region *r)
{
	if (!r)
		return;
	if (r->hdr)
		munmap(r->hdr, r->bytes);
	if (r->fd >= 0)
		close(r->fd);
	*r = (struct pa_app_region){ .fd = -1 };
}

/* ---- Attach handshake ---------------------------------------------------- */

/* Append `s` as a JSON string body: escape quotes, backslashes, control and non-ASCII bytes. */
static size_t json_escape(char *out, size_t size, size_t pos, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 0;

		if (c == '"' || c == '\\') {
			esc[n++] = '\\';
			esc[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes >= 0x80 are not known to be UTF-8: send them as Latin-1 code points. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		} else {
			esc[n++] = (char)c;
		}
		if (pos + n < size)
			memcpy(out + pos, esc, n);
		pos += n;
	}
	return pos;
}

int pa_app_format_attach(char *buf, size_t size, uint32_t pid, const char *comm,
			 const struct pa_app_region *r, const char (*names)[PA_APP_NAME_BYTES],
			 uint32_t n_names)
{
	const struct pa_app_shm_header *h = r->hdr;
	size_t pos;
	int n;

	n = snprintf(buf, size,
		     "{\"v\":1,\"id\":1,\"method\":\"app.attach\",\"params\":{\"version\":%u,\"pid\":%u,\"comm\":\"",
		     PA_APP_SHM_VERSION, pid);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	pos = json_escape(buf, size, (size_t)n, comm ? comm : "");
	if (pos >= size)
		return -ENOSPC;
	n = snprintf(buf + pos, size - pos,
		     "\",\"region_bytes\":%llu,\"rings\":%u,\"ring_capacity\":%u,\"clock\":\"%s\",\"names\":{",
		     (unsigned long long)h->region_bytes, h->rings_max, h->ring_capacity,
		     h->clock == PA_APP_CLOCK_TSC ? "tsc" : "monotonic");
	if (n < 0 || (size_t)n >= size - pos)
		return -ENOSPC;
	pos += (size_t)n;
	for (uint32_t i = 0; i < n_names; i++) {
		/* Registered names are [A-Za-z0-9_.:-]: nothing to escape. */
		n = snprintf(buf + pos, size - pos, "%s\"%s\":%u", i ? "," : "", names[i],
			     PERF_EVENT_USER_BASE + i);
		if (n < 0 || (size_t)n >= size - pos)
			return -ENOSPC;
		pos += (size_t)n;
	}
	n = snprintf(buf + pos, size - pos, "}}}\n");
	if (n < 0 || (size_t)n >= size - pos)
		return -ENOSPC;
	return (int)(pos + (size_t)n);
}

int pa_app_reply_ok(const char *line)
{
	const char *p;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '{')
		return 0;
	p = strstr(line, "\"error\"");
	if (!p)
		return 1;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return 1; /* "error" was a value, not a member name */
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return strncmp(p, "null", 4) == 0;
}

static int64_t now_sec(void)
{
	return (int64_t)time(NULL);
}

static void geometry_from_env(uint32_t *rings, uint32_t *capacity)
{
	const char *s;
	char *end;
	unsigned long v;

	*rings = PA_APP_DEFAULT_RINGS;
	*capacity = PA_APP_DEFAULT_CAPACITY;
	s = getenv("PERF_ANALYSIS_APP_THREADS");
	if (s && *s) {
		v = strtoul(s, &end, 10);
		if (!*end && v >= 1 && v <= PA_APP_RINGS_LIMIT)
			*rings = (uint32_t)v;
	}
	s = getenv("PERF_ANALYSIS_APP_RING_SAMPLES");
	if (s && *s) {
		v = strtoul(s, &end, 10);
		if (!*end && v >= PA_APP_RING_CAPACITY_MIN && v <= PA_APP_RING_CAPACITY_LIMIT &&
		    is_pow2((uint32_t)v))
			*capacity = (uint32_t)v;
	}
}

static int region_ensure_locked(void)
{
	uint32_t rings, capacity;
	int r;

	if (pa_app.region.hdr)
		return 0;
	geometry_from_env(&rings, &capacity);
	r = pa_app_region_create((uint32_t)getpid(), rings, capacity, PA_APP_CLOCK_KIND, &pa_app.region);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < pa_app.names.n_user; i++)
		(void)pa_app_region_set_name(&pa_app.region, PERF_EVENT_USER_BASE + i, pa_app.names.user_names[i]);
	return 0;
}

/* Send `msg` with the region's memfd attached. */
static int send_with_fd(int sock, const char *msg, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&control, 0, sizeof(control));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* The first byte carried the fd; a short write would need a loop, but a
	 * stream socket takes a few hundred bytes at once or fails. */
	return (size_t)n == len ? 0 : -EIO;
}

/* The reply timeout: PA_APP_ATTACH_TIMEOUT_MS, or $PERF_ANALYSIS_ATTACH_TIMEOUT_MS (1-60000). */
static int attach_timeout_ms(void)
{
	const char *s = getenv("PERF_ANALYSIS_ATTACH_TIMEOUT_MS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v >= 1 && v <= 60000 ? (int)v : PA_APP_ATTACH_TIMEOUT_MS;
}

/* Read one reply line within the attach timeout. */
static int read_reply(int sock, char *buf, size_t size)
{
	int timeout = attach_timeout_ms();
	size_t pos = 0;

	while (pos + 1 < size) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t n;
		int r;

		r = poll(&pfd, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = recv(sock, buf + pos, size - 1 - pos, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		pos += (size_t)n;
		buf[pos] = 0;
		if (memchr(buf, '\n', pos))
			return 0;
	}
	return -EMSGSIZE;
}

static const char *socket_path(void)
{
	const char *s = getenv("PERF_ANALYSIS_SOCKET");

	return s && *s ? s : PA_APP_DEFAULT_SOCKET;
}

/* Connect, send the region, wait for the reply. Called with the lock held. */
static int attach_locked(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = socket_path();
	char comm[17] = "";
	char msg[16384], reply[1024];
	int sock, r, len;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto fail;
	}
	r = region_ensure_locked();
	if (r < 0)
		goto fail;
	(void)prctl(PR_GET_NAME, comm, 0, 0, 0);
	len = pa_app_format_attach(msg, sizeof(msg), (uint32_t)getpid(), comm, &pa_app.region,
				   (const char(*)[PA_APP_NAME_BYTES])pa_app.names.user_names,
				   pa_app.names.n_user);
	if (len < 0) {
		r = len;
		goto fail;
	}
	r = send_with_fd(sock, msg, (size_t)len, pa_app.region.fd);
	if (r < 0)
		goto fail;
	r = read_reply(sock, reply, sizeof(reply));
	if (r < 0)
		goto fail;
	if (!pa_app_reply_ok(reply)) {
		r = -ECONNREFUSED;
		goto fail;
	}
	pa_app.sock = sock;
	__atomic_store_n(&pa_app.region.hdr->attaches, pa_app.region.hdr->attaches + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&pa_app.attached, 1, __ATOMIC_RELEASE);
	return 0;
fail:
	close(sock);
	return r;
}

/* Forget the daemon (it went away). Called with the lock held. */
static void detach_locked(void)
{
	if (pa_app.sock >= 0)
		close(pa_app.sock);
	pa_app.sock = -1;
	__atomic_store_n(&pa_app.attached, 0, __ATOMIC_RELEASE);
}

/* Is the daemon still at the other end of the socket? Called with the lock held. */
static bool daemon_alive_locked(void)
{
	struct pollfd pfd = { .fd = pa_app.sock, .events = POLLIN | POLLRDHUP };
	char buf[256];

	if (pa_app.sock < 0)
		return false;
	if (poll(&pfd, 1, 0) <= 0)
		return true;
	if (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))
		return false;
	/* The daemon said something unasked: it can only be a goodbye or an error. */
	return recv(pa_app.sock, buf, sizeof(buf), MSG_DONTWAIT) > 0 && !strstr(buf, "\"error\"");
}

/*
 * Attach if no daemon has the region, at most once a second. Threads that
 * arrive while another is attaching wait for its result rather than lose
 * their event. Returns true when attached.
 */
static bool try_attach(void)
{
	int64_t now;
	bool ok;

	if (__atomic_load_n(&pa_app.attached, __ATOMIC_ACQUIRE))
		return true;
	now = now_sec();
	if (now < __atomic_load_n(&pa_app.next_try, __ATOMIC_RELAXED))
		return false;
	pthread_mutex_lock(&pa_app.lock);
	ok = pa_app.attached;
	if (!ok && now >= pa_app.next_try) {
		int r = attach_locked();
		int64_t delay = 1;

		ok = r == 0;
		if (ok) {
			pa_app.refusals = 0;
		} else if (r != -ENOENT && r != -ECONNREFUSED && r != -ENOTDIR) {
			/*
			 * A daemon is there but refused or did not answer: back off
			 * (2, 4 ... 64 s) so that a stuck daemon cannot stall a
			 * recording thread for the reply timeout every second.
			 */
			if (pa_app.refusals < 6)
				pa_app.refusals++;
			delay = (int64_t)1 << pa_app.refusals;
		}
		if (!ok)
			__atomic_store_n(&pa_app.next_try, now_sec() + delay, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&pa_app.lock);
	return ok;
}

/* ---- Rings ---------------------------------------------------------------- */

static void thread_exit(void *arg)
{
	struct pa_app_thread *t = arg;
	struct pa_app_ring *ring = t->ring;

	if (!ring)
		return;
	*t = (struct pa_app_thread){ .cpu = &no_cpu };
	__atomic_store_n(&ring->state, PA_APP_RING_RELEASED, __ATOMIC_RELEASE);
}

static const volatile int32_t *rseq_cpu(void)
{
#if defined(PA_HAVE_RSEQ) && defined(RSEQ_SIG)
	if (__rseq_size >= offsetof(struct rseq, cpu_id) + sizeof(uint32_t))
		return (const volatile int32_t *)((char *)__builtin_thread_pointer() + __rseq_offset +
						  offsetof(struct rseq, cpu_id));
#endif
	return &no_cpu;
}

/* Take a never-used ring, else one whose thread exited. NULL if none. */
static struct pa_app_ring *take_ring(const struct pa_app_region *reg)
{
	struct pa_app_shm_header *h = reg->hdr;
	uint32_t used = __atomic_load_n(&h->rings_used, __ATOMIC_RELAXED);

	while (used < h->rings_max) {
		if (__atomic_compare_exchange_n(&h->rings_used, &used, used + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return pa_app_region_ring(reg, used);
	}
	for (uint32_t i = 0; i < h->rings_max; i++) {
		struct pa_app_ring *ring = pa_app_region_ring(reg, i);
		uint32_t released = PA_APP_RING_RELEASED;

		if (__atomic_load_n(&ring->state, __ATOMIC_RELAXED) == PA_APP_RING_RELEASED &&
		    __atomic_compare_exchange_n(&ring->state, &released, PA_APP_RING_ACTIVE, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return ring;
	}
	return NULL;
}

static bool claim_ring(struct pa_app_thread *t)
{
	const struct pa_app_region *reg = &pa_app.region;
	struct pa_app_ring *ring;
	uint32_t capacity;

	ring = take_ring(reg);
	if (!ring) {
		__atomic_fetch_add(&reg->hdr->no_ring_drops, 1, __ATOMIC_RELAXED);
		return false;
	}
	capacity = reg->hdr->ring_capacity;
	/* Fault the ring in now rather than in the middle of the program's hot loop. */
	(void)madvise(ring, PA_APP_RING_BYTES(capacity), MADV_POPULATE_WRITE);

	t->tid = (uint32_t)syscall(SYS_gettid);
	t->cpu = rseq_cpu();
	t->ring = ring;
	t->head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
	t->drops = __atomic_load_n(&ring->drops, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->tid, t->tid, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->unattached, __atomic_load_n(&ring->unattached, __ATOMIC_RELAXED) + t->unattached,
			 __ATOMIC_RELAXED);
	t->unattached = 0;
	__atomic_store_n(&ring->state, PA_APP_RING_ACTIVE, __ATOMIC_RELEASE);
	t->head_pub = &ring->head;
	t->mask = capacity - 1;
	t->limit = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE) + capacity;
	t->slots = ring->slots;
	if (pa_app.key_ok)
		(void)pthread_setspecific(pa_app.key, t);
	return true;
}

/* The calling thread has no ring: attach if need be, then take one. */
static bool thread_get_ring(struct pa_app_thread *t)
{
	bool ok;

	if (!try_attach()) {
		t->unattached++;
		return false;
	}
	pthread_mutex_lock(&pa_app.lock);
	ok = pa_app.region.hdr && claim_ring(t);
	pthread_mutex_unlock(&pa_app.lock);
	return ok;
}

/* The ring is full. Count the drop; now and then, make sure a daemon is draining. */
static void ring_full(struct pa_app_thread *t)
{
	struct pa_app_ring *ring = t->ring;
	int64_t now;

	__atomic_store_n(&ring->drops, ++t->drops, __ATOMIC_RELAXED);
	now = now_sec();
	if (now < t->next_try)
		return;
	t->next_try = now + 1;
	if (__atomic_load_n(&pa_app.attached, __ATOMIC_ACQUIRE)) {
		if (pthread_mutex_trylock(&pa_app.lock) != 0)
			return;
		if (pa_app.attached && !daemon_alive_locked())
			detach_locked();
		pthread_mutex_unlock(&pa_app.lock);
	}
	/* A new daemon gets the same region and drains from where the last one stopped. */
	if (!__atomic_load_n(&pa_app.attached, __ATOMIC_ACQUIRE))
		(void)try_attach();
}

bool pa_app_make_room(struct pa_app_thread *t)
{
	int saved = errno;
	bool ok;

	if (!t->slots) {
		ok = thread_get_ring(t);
	} else {
		struct pa_app_ring *ring = t->ring;

		t->limit = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE) + t->mask + 1;
		ok = t->head < t->limit;
		if (!ok)
			ring_full(t);
	}
	errno = saved;
	return ok;
}

bool pa_app_thread_ready(struct pa_app_thread *t)
{
	int saved = errno;
	bool ok = t->slots || thread_get_ring(t);

	errno = saved;
	return ok;
}

/* ---- Process lifecycle ------------------------------------------------------ */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&pa_app.lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&pa_app.lock);
}

/* The child has no mapping of the parent's region (MADV_DONTFORK): start afresh. */
static void atfork_child(void)
{
	pa_app_tls = (struct pa_app_thread){ .cpu = &no_cpu };
	if (pa_app.region.fd >= 0)
		close(pa_app.region.fd);
	pa_app.region = (struct pa_app_region){ .fd = -1 };
	if (pa_app.sock >= 0)
		close(pa_app.sock);
	pa_app.sock = -1;
	pa_app.attached = 0;
	pa_app.next_try = 0;
	pa_app.refusals = 0;
	pthread_mutex_unlock(&pa_app.lock);
}

static void init_once(void)
{
	const char *s = getenv("PERF_ANALYSIS_APP");

	if (s && (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "no")))
		__atomic_store_n(&pa_app_gate, 0, __ATOMIC_RELAXED);
	pa_app.key_ok = pthread_key_create(&pa_app.key, thread_exit) == 0;
	(void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

__attribute__((constructor)) static void pa_app_init(void)
{
	(void)pthread_once(&pa_app_once, init_once);
}

int pa_app_region_fd(void)
{
	int fd;

	pthread_mutex_lock(&pa_app.lock);
	fd = pa_app.region.fd;
	pthread_mutex_unlock(&pa_app.lock);
	return fd;
}

/* ---- Public API ----------------------------------------------------------- */

int perf_event_register(const char *name)
{
	int id;

	(void)pthread_once(&pa_app_once, init_once);
	if (!name)
		return -EINVAL;
	pthread_mutex_lock(&pa_app.lock);
	id = pa_event_register(&pa_app.names, name);
	if (id >= 0 && pa_app.region.hdr)
		(void)pa_app_region_set_name(&pa_app.region, (uint32_t)id, name);
	pthread_mutex_unlock(&pa_app.lock);
	return id;
}

void perf_analysis_set_enabled(bool on)
{
	__atomic_store_n(&pa_app_gate, on ? 1 : 0, __ATOMIC_RELAXED);
}

bool perf_analysis_enabled(void)
{
	return __atomic_load_n(&pa_app_gate, __ATOMIC_RELAXED) != 0;
}

int perf_analysis_app_stats(struct perf_analysis_app_stats *ret)
{
	struct perf_analysis_app_stats s = { 0 };
	const struct pa_app_shm_header *h;

	if (!ret)
		return -EINVAL;
	pthread_mutex_lock(&pa_app.lock);
	h = pa_app.region.hdr;
	s.attached = __atomic_load_n(&pa_app.attached, __ATOMIC_ACQUIRE);
	if (h) {
		uint32_t used = __atomic_load_n(&h->rings_used, __ATOMIC_ACQUIRE);

		s.threads = used < h->rings_max ? used : h->rings_max;
		s.no_ring = __atomic_load_n(&h->no_ring_drops, __ATOMIC_RELAXED);
		s.attaches = __atomic_load_n(&h->attaches, __ATOMIC_RELAXED);
		for (uint32_t i = 0; i < s.threads; i++) {
			const struct pa_app_ring *ring = pa_app_region_ring(&pa_app.region, i);

			s.dropped += __atomic_load_n(&ring->drops, __ATOMIC_RELAXED);
			s.unattached += __atomic_load_n(&ring->unattached, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&pa_app.lock);
	s.unattached += pa_app_tls.unattached;
	*ret = s;
	return 0;
}
