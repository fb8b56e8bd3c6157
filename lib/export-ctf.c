/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export-ctf.c - the sample stream as a CTF 1.8 trace (Common Trace Format,
 * the format of LTTng; read by babeltrace2 and Trace Compass).
 *
 * Layout: one stream class, one stream file per CPU, little-endian, every
 * field byte-aligned, so an event is a fixed 33 bytes (12 of header, 21 of
 * payload) and a packet's size is known before it is written. Each stream
 * begins with an empty packet at the trace's start whose events_discarded is
 * 0; the data packets carry the CPU's drop count, and CTF readers report the
 * difference as discarded events: that is how loss shows in CTF, and we
 * cannot say more precisely when the samples were lost.
 * Cost: O(n log n) for the sort (an index of n uint32), then one pass.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "export-internal.h"

#define CTF_MAGIC 0xC1FC1FC1u
#define PACKET_HEADER_BYTES 32 /* magic, uuid[16], stream_id, stream_instance_id */
#define PACKET_CONTEXT_BYTES 52 /* 6 x u64, cpu_id u32 */
#define EVENT_BYTES 33         /* id u32, timestamp u64; 5 x u32, flags u8 */
#define EVENTS_PER_PACKET 65536 /* ~2 MiB packets: readers map a packet at a time */

static const char metadata_head[] =
	"/* CTF 1.8 */\n"
	"\n"
	"typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
	"typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
	"typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	"typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
	"\n";

static void put_tsdl_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', f); /* TSDL strings are for humans here: no control bytes */
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void format_uuid(char out[37], const uint8_t u[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static int write_metadata(FILE *f, const struct pa_export_trace *t, const uint8_t uuid[16],
			  const bool present[PERF_EVENT_ID_LIMIT])
{
	int64_t off_s = t->realtime_offset_ns / 1000000000, off_ns = t->realtime_offset_ns % 1000000000;
	char u[37];

	if (off_ns < 0) { /* floor division: the sub-second part is counted in cycles, >= 0 */
		off_s -= 1;
		off_ns += 1000000000;
	}
	format_uuid(u, uuid);
	fputs(metadata_head, f);
	fprintf(f,
		"trace {\n"
		"\tmajor = 1;\n"
		"\tminor = 8;\n"
		"\tuuid = \"%s\";\n"
		"\tbyte_order = le;\n"
		"\tpacket.header := struct {\n"
		"\t\tuint32_t magic;\n"
		"\t\tuint8_t uuid[16];\n"
		"\t\tuint32_t stream_id;\n"
		"\t\tuint64_t stream_instance_id;\n"
		"\t};\n"
		"};\n\n", u);
	fputs("env {\n\thostname = ", f);
	put_tsdl_string(f, t->hostname ? t->hostname : "unknown");
	fprintf(f, ";\n"
		"\tdomain = \"kernel\";\n"
		"\ttracer_name = \"perf-analysis\";\n"
		"\ttracer_major = 0;\n"
		"\ttracer_minor = 1;\n"
		"\tclock_realtime_offset_ns = %" PRId64 ";\n"
		"\tsamples_dropped = %" PRIu64 ";\n"
		"\tsamples_sampled_out = %" PRIu64 ";\n"
		"};\n\n",
		t->realtime_offset_ns, pa_export_total_dropped(t), t->sampled_out);
	fprintf(f,
		"clock {\n"
		"\tname = \"monotonic\";\n"
		"\tuuid = \"%s\";\n"
		"\tdescription = \"CLOCK_MONOTONIC; offset: CLOCK_REALTIME at its origin\";\n"
		"\tfreq = 1000000000;\n"
		"\tprecision = 1;\n"
		"\toffset_s = %" PRId64 ";\n"
		"\toffset = %" PRId64 ";\n"
		"\tabsolute = TRUE;\n"
		"};\n\n"
		"typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; }"
		" := uint64_clock_monotonic_t;\n\n", u, off_s, off_ns);
	fputs("stream {\n"
	      "\tid = 0;\n"
	      "\tpacket.context := struct {\n"
	      "\t\tuint64_clock_monotonic_t timestamp_begin;\n"
	      "\t\tuint64_clock_monotonic_t timestamp_end;\n"
	      "\t\tuint64_t content_size;\n"
	      "\t\tuint64_t packet_size;\n"
	      "\t\tuint64_t events_discarded;\n"
	      "\t\tuint64_t packet_seq_num;\n"
	      "\t\tuint32_t cpu_id;\n"
	      "\t};\n"
	      "\tevent.header := struct {\n"
	      "\t\tuint32_t id;\n"
	      "\t\tuint64_clock_monotonic_t timestamp;\n"
	      "\t};\n"
	      "};\n", f);
	for (unsigned int id = 0; id < PERF_EVENT_ID_LIMIT; id++) {
		char buf[16];

		if (!present[id])
			continue;
		fputs("\nevent {\n\tname = ", f);
		put_tsdl_string(f, pa_export_event_name(t->events, id, buf));
		fprintf(f, ";\n"
			"\tid = %u;\n"
			"\tstream_id = 0;\n"
			"\tfields := struct {\n"
			"\t\tuint32_t duration_ns;\n"
			"\t\tuint32_t task_id;\n"
			"\t\tuint32_t thread_id;\n"
			"\t\tuint32_t data1;\n"
			"\t\tuint32_t data2;\n"
			"\t\tuint8_t flags;\n"
			"\t};\n"
			"};\n", id);
	}
	return ferror(f) ? -EIO : 0;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

struct packet {
	uint64_t begin, end, discarded, seq;
	unsigned int cpu;
};

static size_t put_packet_head(uint8_t *p, const uint8_t uuid[16], const struct packet *pk, size_t n)
{
	uint64_t bits = (PACKET_HEADER_BYTES + PACKET_CONTEXT_BYTES + (uint64_t)n * EVENT_BYTES) * 8;
	uint8_t *s = p;

	p = put_u32(p, CTF_MAGIC);
	memcpy(p, uuid, 16);
	p += 16;
	p = put_u32(p, 0);       /* stream_id: the one stream class */
	p = put_u64(p, pk->cpu); /* stream_instance_id */
	p = put_u64(p, pk->begin);
	p = put_u64(p, pk->end);
	p = put_u64(p, bits); /* content_size */
	p = put_u64(p, bits); /* packet_size: no padding */
	p = put_u64(p, pk->discarded);
	p = put_u64(p, pk->seq);
	p = put_u32(p, pk->cpu);
	return (size_t)(p - s);
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Stream of one CPU: idx[0..n) are its samples in time order. */
static int write_stream(int fd, const struct pa_export_trace *t, const uint8_t uuid[16],
			unsigned int cpu, const uint32_t *idx, size_t n, uint64_t discarded,
			uint64_t begin, uint64_t end, uint8_t *buf)
{
	struct packet pk = { .begin = begin, .end = begin, .discarded = 0, .seq = 0, .cpu = cpu };
	size_t len = put_packet_head(buf, uuid, &pk, 0);
	size_t done = 0;
	int r;

	if ((r = write_all(fd, buf, len)) < 0) /* the empty origin packet */
		return r;
	pk.discarded = discarded;
	do {
		size_t m = n - done < EVENTS_PER_PACKET ? n - done : EVENTS_PER_PACKET;
		uint8_t *p;

		pk.seq++;
		pk.begin = pk.end;
		pk.end = done + m == n ? end : t->samples[idx[done + m - 1]].timestamp_ns;
		p = buf + put_packet_head(buf, uuid, &pk, m);
		for (size_t i = done; i < done + m; i++) {
			const struct perf_sample *s = &t->samples[idx[i]];

			p = put_u32(p, s->event);
			p = put_u64(p, s->timestamp_ns);
			p = put_u32(p, s->duration_ns);
			p = put_u32(p, s->task_id);
			p = put_u32(p, s->thread_id);
			p = put_u32(p, s->data1);
			p = put_u32(p, s->data2);
			*p++ = s->flags;
		}
		if ((r = write_all(fd, buf, (size_t)(p - buf))) < 0)
			return r;
		done += m;
	} while (done < n);
	return 0;
}

/* Order: CPU, then time, then position in the input (qsort is not stable). */
static int cmp_cpu_time(const void *a, const void *b, void *arg)
{
	const struct perf_sample *s = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const struct perf_sample *x = &s[ia], *y = &s[ib];

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->timestamp_ns != y->timestamp_ns)
		return x->timestamp_ns < y->timestamp_ns ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/*
 * Remove the stream files of an earlier export into the same directory: a
 * reader takes every file next to `metadata` as a stream, and one left over
 * from a trace with more CPUs would carry another trace's UUID.
 */
static int remove_old_streams(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "stream_", 7) != 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT) {
			r = -errno;
			break;
		}
	}
	closedir(d);
	return r;
}

static int open_in(const char *dir, const char *name, int *ret_fd)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int pa_export_ctf(const char *dir, const struct pa_export_trace *t)
{
	bool present[PERF_EVENT_ID_LIMIT] = { false };
	uint32_t *idx = NULL;
	uint8_t *buf = NULL, uuid[16];
	uint64_t begin = UINT64_MAX, end = 0;
	unsigned int first_cpu = 0;
	FILE *meta = NULL;
	int fd = -1, r = 0;

	if (!dir || !t || (t->n_samples && !t->samples) || (t->n_comms && !t->comms) ||
	    (t->n_cpu_dropped && !t->cpu_dropped) || t->n_samples > UINT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < t->n_samples; i++) {
		const struct perf_sample *s = &t->samples[i];

		present[s->event] = true; /* uint8_t: always < PERF_EVENT_ID_LIMIT */
		begin = s->timestamp_ns < begin ? s->timestamp_ns : begin;
		end = s->timestamp_ns > end ? s->timestamp_ns : end;
	}
	for (unsigned int id = 0; id < PERF_EVENT_MAX; id++)
		present[id] = true; /* the built-ins are always declared */
	if (t->begin_ns && t->begin_ns < begin)
		begin = t->begin_ns;
	if (t->end_ns > end)
		end = t->end_ns;
	if (begin == UINT64_MAX)
		begin = end;
	if (begin > end)
		end = begin;

	if (getrandom(uuid, sizeof(uuid), 0) != sizeof(uuid))
		return errno ? -errno : -EIO;
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((r = remove_old_streams(dir)) < 0)
		return r;
	idx = malloc((t->n_samples ? t->n_samples : 1) * sizeof(*idx));
	buf = malloc(PACKET_HEADER_BYTES + PACKET_CONTEXT_BYTES + (size_t)EVENTS_PER_PACKET * EVENT_BYTES);
	if (!idx || !buf) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->n_samples; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, t->n_samples, sizeof(*idx), cmp_cpu_time, (void *)t->samples);
	if (t->n_samples)
		first_cpu = t->samples[idx[0]].cpu;

	if ((r = open_in(dir, "metadata", &fd)) < 0)
		goto out;
	meta = fdopen(fd, "w");
	if (!meta) {
		r = -errno;
		close(fd);
		goto out;
	}
	fd = -1;
	if ((r = write_metadata(meta, t, uuid, present)) < 0)
		goto out;
	if (fclose(meta) != 0) {
		meta = NULL;
		r = -errno;
		goto out;
	}
	meta = NULL;

	/* One stream per CPU that has samples or drops; at least one stream. */
	for (size_t i = 0, j; i < t->n_samples; i = j) {
		unsigned int cpu = t->samples[idx[i]].cpu;
		char name[32];

		for (j = i; j < t->n_samples && t->samples[idx[j]].cpu == cpu; j++)
			;
		snprintf(name, sizeof(name), "stream_%u", cpu);
		if ((r = open_in(dir, name, &fd)) < 0)
			goto out;
		r = write_stream(fd, t, uuid, cpu, idx + i, j - i,
				 pa_export_cpu_dropped(t, cpu, first_cpu), begin, end, buf);
		if (close(fd) < 0 && r == 0)
			r = -errno;
		fd = -1;
		if (r < 0)
			goto out;
	}
	/* CPUs with drops but no samples, or an empty trace: an event-less stream each */
	for (unsigned int cpu = 0; cpu < (t->cpu_dropped ? t->n_cpu_dropped : 1); cpu++) {
		uint64_t d = pa_export_cpu_dropped(t, cpu, first_cpu);
		bool has_samples = false;
		char name[32];

		for (size_t i = 0; i < t->n_samples && !has_samples; i++)
			has_samples = t->samples[i].cpu == cpu;
		if (has_samples || (!d && (t->n_samples || cpu > 0)))
			continue;
		snprintf(name, sizeof(name), "stream_%u", cpu);
		if ((r = open_in(dir, name, &fd)) < 0)
			goto out;
		r = write_stream(fd, t, uuid, cpu, idx, 0, d, begin, end, buf);
		if (close(fd) < 0 && r == 0)
			r = -errno;
		fd = -1;
		if (r < 0)
			goto out;
	}
out:
	if (meta)
		fclose(meta);
	free(idx);
	free(buf);
	return r;
}
