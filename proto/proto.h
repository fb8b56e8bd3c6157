/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto.h - the perf-analysisd RPC interface in C: the method table of
 * proto/perf_monitor.defs, and the encoder/decoder for its JSON messages.
 *
 * Used by the daemon (decode requests, encode replies) and by libperfanalysis
 * (encode requests, decode replies). Pure functions over memory: no I/O, no
 * printing, no global state; thread-safe. Errors are negative errno values.
 */
#ifndef PA_PROTO_H
#define PA_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PA_PROTO_VERSION 1
#define PA_PROTO_MAX_REQUEST 65536u      /* bytes, including the '\n' */
#define PA_PROTO_MAX_REPLY (64u << 20)   /* bytes a client accepts in one reply */

enum pa_right {
	PA_RIGHT_OBSERVE = 0,
	PA_RIGHT_CONFIGURE = 1,
	PA_RIGHT_MAX,
};

enum pa_param_type {
	PA_PT_BOOL,
	PA_PT_UINT,
	PA_PT_STRING,
	PA_PT_EVENT, /* integer id or name; decoded to an integer id */
	PA_PT_MAX,
};

struct pa_param_def {
	const char *name;
	enum pa_param_type type;
	uint64_t max; /* PA_PT_UINT: largest value; PA_PT_STRING: longest length in bytes */
};

enum pa_method_id {
	PA_M_STATUS,
	PA_M_EVENTS,
	PA_M_ENABLE,
	PA_M_CONFIGURE,
	PA_M_STATS,
	PA_M_RESET,
	PA_M_BASELINE,
	PA_M_CHECK_REGRESSION,
	PA_M_SAMPLES,
	PA_M_AUDIT,
	PA_M_BASELINES,        /* issue 5: list, show and delete baselines */
	PA_M_BASELINE_SHOW,
	PA_M_BASELINE_DELETE,
	PA_M_TREND,
	PA_M_ALERTS,
	PA_M_TOP,       /* resource tracking (issue 6) */
	PA_M_CORRELATE, /* event correlation (issue 6) */
	PA_METHOD_MAX,
};

struct pa_method_def {
	const char *name;
	enum pa_right right;
	const struct pa_param_def *params; /* n_params entries */
	unsigned int n_params;
};

/* Method `m` (< PA_METHOD_MAX), or NULL. Static storage. */
const struct pa_method_def *pa_proto_method(unsigned int m);

/* Method id for `name`, or -ENOSYS. */
int pa_proto_method_lookup(const char *name);

/* A decoding or remote error: positive errno and a message naming the problem. */
struct pa_proto_error {
	int err;
	char message[256];
};

/* Name of an errno the protocol uses ("EINVAL"); "EIO" for anything else. */
const char *pa_proto_errno_name(int err);
/* Inverse of pa_proto_errno_name; EIO for an unknown name. */
int pa_proto_errno_from_name(const char *name);

/* A decoded, validated request. */
struct pa_request {
	uint64_t id;
	int method;      /* enum pa_method_id */
	json_t *params;  /* owned: an object whose members all passed validation; event params are integers */
};

/*
 * Decode one request line (`len` bytes, without the '\n'; need not be NUL
 * terminated). On success fills *ret (release with pa_request_done) and
 * returns 0. On failure returns -errno, fills *err, and still sets ret->id
 * when the message carried a usable id (else 0), so the reply can echo it.
 * Checks: JSON object, v == PA_PROTO_VERSION, id, known method, every param
 * known to the method and of the declared type and range.
 */
int pa_proto_decode_request(const char *buf, size_t len, struct pa_request *ret, struct pa_proto_error *err);

/* Release what a request owns; NULL-safe; leaves r reusable. */
void pa_request_done(struct pa_request *r);

/* Typed access to validated params: true and *ret when present. */
bool pa_param_bool(const struct pa_request *r, const char *name, bool *ret);
bool pa_param_uint(const struct pa_request *r, const char *name, uint64_t *ret);
bool pa_param_string(const struct pa_request *r, const char *name, const char **ret);

/*
 * Encoders: return a malloc'd, NUL-terminated line ending in '\n' (caller
 * frees), or NULL on out-of-memory. `params`/`result` are borrowed (NULL is
 * an empty object).
 */
char *pa_proto_encode_request(uint64_t id, const char *method, json_t *params);
char *pa_proto_encode_result(uint64_t id, json_t *result);
char *pa_proto_encode_error(uint64_t id, int err, const char *message);

/*
 * Decode one reply line. Returns 0 and *ret_result (owned by the caller) for
 * a result; -errno and *err for an error reply (err->err = the remote errno)
 * or for a malformed reply (-EBADMSG). *ret_id is set whenever present.
 */
int pa_proto_decode_reply(const char *buf, size_t len, uint64_t *ret_id, json_t **ret_result,
			  struct pa_proto_error *err);

/* The per-event summary carried by stats, baseline and the C API. Times in ns. */
struct pa_event_summary {
	unsigned int id;
	char name[48];
	uint64_t count, errors;
	uint64_t total_ns, min_ns, max_ns, avg_ns;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns;
	uint64_t last_timestamp_ns;
	uint64_t dropped, sampled_out, lost, samples;
	int completeness; /* enum pa_completeness */
	bool has_duration;
	bool available;
};

/* New JSON object with every field of `s` (the stats reply's element). NULL on ENOMEM. */
json_t *pa_proto_summary_to_json(const struct pa_event_summary *s);

/* Fill *ret from such an object; -EBADMSG if a required field is missing or mistyped. */
int pa_proto_summary_from_json(json_t *o, struct pa_event_summary *ret);

/* JSON integer as uint64 (negative or non-integer: false). */
bool pa_json_u64(json_t *v, uint64_t *ret);

#endif /* PA_PROTO_H */
