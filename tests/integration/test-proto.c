/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-proto.c - the RPC interface: the decoder's checks, encoder/decoder
 * round trips, and agreement between proto/perf_monitor.defs and the table
 * in proto/proto.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"

static int decode(const char *s, struct pa_request *req, struct pa_proto_error *err)
{
	return pa_proto_decode_request(s, strlen(s), req, err);
}

static void test_valid_request_decodes(void **state)
{
	struct pa_proto_error err;
	struct pa_request req;
	uint64_t v;
	bool b;

	assert_int_equal(decode("{\"v\":1,\"id\":7,\"method\":\"stats\",\"params\":{\"event\":2,\"since_baseline\":true}}",
				&req, &err), 0);
	assert_int_equal(req.id, 7);
	assert_int_equal(req.method, PA_M_STATS);
	assert_true(pa_param_uint(&req, "event", &v));
	assert_int_equal(v, 2);
	assert_true(pa_param_bool(&req, "since_baseline", &b));
	assert_true(b);
	assert_false(pa_param_uint(&req, "last_ms", &v));
	pa_request_done(&req);
	/* params may be omitted */
	assert_int_equal(decode("{\"v\":1,\"id\":1,\"method\":\"status\"}", &req, &err), 0);
	assert_int_equal(req.method, PA_M_STATUS);
	pa_request_done(&req);
}

static void test_event_names_become_ids(void **state)
{
	struct pa_proto_error err;
	struct pa_request req;
	uint64_t v;

	assert_int_equal(decode("{\"v\":1,\"id\":1,\"method\":\"stats\",\"params\":{\"event\":\"vm_alloc\"}}", &req, &err), 0);
	assert_true(pa_param_uint(&req, "event", &v));
	assert_int_equal(v, 2);
	pa_request_done(&req);
	assert_int_equal(decode("{\"v\":1,\"id\":1,\"method\":\"check_regression\",\"params\":"
				"{\"event\":\"PERF_EVENT_PAGE_FAULT\"}}", &req, &err), 0);
	assert_true(pa_param_uint(&req, "event", &v));
	assert_int_equal(v, 11);
	pa_request_done(&req);
	assert_int_equal(decode("{\"v\":1,\"id\":1,\"method\":\"stats\",\"params\":{\"event\":\"nope\"}}", &req, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "unknown event 'nope'"));
	assert_int_equal(decode("{\"v\":1,\"id\":1,\"method\":\"stats\",\"params\":{\"event\":12}}", &req, &err), -EINVAL);
	assert_int_equal(decode("{\"v\":1,\"id\":1,\"method\":\"stats\",\"params\":{\"event\":-1}}", &req, &err), -EINVAL);
}

static void test_each_bad_request_has_its_errno(void **state)
{
	static const struct {
		const char *msg;
		int err;
		const char *says;
	} cases[] = {
		{ "{\"v\":1,\"id\":1,\"method\":\"stats\"", EBADMSG, "malformed JSON" },
		{ "[1,2,3]", EBADMSG, "JSON object" },
		{ "{\"v\":1,\"method\":\"status\"}", EBADMSG, "\"id\"" },
		{ "{\"id\":1,\"method\":\"status\"}", EBADMSG, "\"v\"" },
		{ "{\"v\":2,\"id\":1,\"method\":\"status\"}", EPROTO, "version 2" },
		{ "{\"v\":1,\"id\":1,\"method\":\"frobnicate\"}", ENOSYS, "unknown method 'frobnicate'" },
		{ "{\"v\":1,\"id\":1,\"method\":5}", EBADMSG, "method" },
		{ "{\"v\":1,\"id\":1,\"method\":\"status\",\"extra\":1}", EBADMSG, "extra" },
		{ "{\"v\":1,\"id\":1,\"method\":\"configure\",\"params\":{\"sample_rate\":\"fast\"}}", EINVAL,
		  "'sample_rate' must be a non-negative integer" },
		{ "{\"v\":1,\"id\":1,\"method\":\"configure\",\"params\":{\"sample_rate\":-5}}", EINVAL, "sample_rate" },
		{ "{\"v\":1,\"id\":1,\"method\":\"configure\",\"params\":{\"sample_rate\":1.5}}", EINVAL, "sample_rate" },
		{ "{\"v\":1,\"id\":1,\"method\":\"configure\",\"params\":{\"sample_rate\":2000000}}", EINVAL, "maximum" },
		{ "{\"v\":1,\"id\":1,\"method\":\"configure\",\"params\":{\"filter_comm\":\"0123456789abcdefg\"}}", EINVAL,
		  "at most 15 bytes" },
		{ "{\"v\":1,\"id\":1,\"method\":\"configure\",\"params\":{\"sample_rat\":1}}", EINVAL,
		  "unknown parameter 'sample_rat'" },
		{ "{\"v\":1,\"id\":1,\"method\":\"enable\",\"params\":{\"enabled\":1}}", EINVAL, "boolean" },
		{ "{\"v\":1,\"id\":1,\"method\":\"enable\",\"params\":[true]}", EINVAL, "object" },
		{ "{\"v\":1,\"id\":1,\"id\":2,\"method\":\"status\"}", EBADMSG, "malformed" },
		{ "{\"v\":1,\"id\":1,\"method\":\"baseline\",\"params\":{\"name\":\"a\\u0000b\"}}", EBADMSG, "not allowed" },
	};
	struct pa_proto_error err;
	struct pa_request req;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (decode(cases[i].msg, &req, &err) != -cases[i].err || !strstr(err.message, cases[i].says))
			fail_msg("%s: expected errno %d mentioning \"%s\", got %d \"%s\"", cases[i].msg, cases[i].err,
				 cases[i].says, err.err, err.message);
		assert_null(req.params);
	}
}

static void test_error_echoes_the_id(void **state)
{
	struct pa_proto_error err;
	struct pa_request req;

	assert_int_equal(decode("{\"v\":1,\"id\":42,\"method\":\"nope\"}", &req, &err), -ENOSYS);
	assert_int_equal(req.id, 42);
}

static void test_oversized_request_is_refused(void **state)
{
	size_t n = PA_PROTO_MAX_REQUEST + 10;
	char *big = malloc(n);
	struct pa_proto_error err;
	struct pa_request req;

	assert_non_null(big);
	memset(big, ' ', n);
	assert_int_equal(pa_proto_decode_request(big, n, &req, &err), -EMSGSIZE);
	free(big);
}

static void test_reply_round_trip(void **state)
{
	struct pa_proto_error err;
	json_t *res = json_pack("{si}", "x", 5), *back = NULL;
	uint64_t id;
	char *line = pa_proto_encode_result(9, res);

	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_null(strchr(line, '\n') == line + strlen(line) - 1 ? NULL : line);
	assert_int_equal(pa_proto_decode_reply(line, strlen(line) - 1, &id, &back, &err), 0);
	assert_int_equal(id, 9);
	assert_int_equal(json_integer_value(json_object_get(back, "x")), 5);
	json_decref(back);
	json_decref(res);
	free(line);

	line = pa_proto_encode_error(3, EPERM, "you may not");
	assert_int_equal(pa_proto_decode_reply(line, strlen(line) - 1, &id, &back, &err), -EPERM);
	assert_int_equal(id, 3);
	assert_string_equal(err.message, "you may not");
	free(line);
	assert_int_equal(pa_proto_decode_reply("garbage", 7, &id, &back, &err), -EBADMSG);
}

static void test_request_encoder_output_decodes(void **state)
{
	json_t *p = json_pack("{sI sI}", "sample_rate", (json_int_t)2000, "buffer_size", (json_int_t)8192);
	struct pa_proto_error err;
	struct pa_request req;
	char *line = pa_proto_encode_request(5, "configure", p);
	uint64_t v;

	assert_int_equal(pa_proto_decode_request(line, strlen(line) - 1, &req, &err), 0);
	assert_int_equal(req.method, PA_M_CONFIGURE);
	assert_true(pa_param_uint(&req, "buffer_size", &v));
	assert_int_equal(v, 8192);
	pa_request_done(&req);
	json_decref(p);
	free(line);
}

static void test_summary_round_trip(void **state)
{
	struct pa_event_summary s = {
		.id = 2, .name = "vm_alloc", .count = 1000, .errors = 3, .total_ns = 123456, .min_ns = 50,
		.max_ns = 9000, .avg_ns = 123, .p50_ns = 100, .p90_ns = 200, .p99_ns = 800, .p999_ns = 8000,
		.last_timestamp_ns = 987654321, .dropped = 4, .sampled_out = 5, .lost = 6, .samples = 7,
		.completeness = 2, .has_duration = true, .available = true,
	}, back;
	json_t *o = pa_proto_summary_to_json(&s), *again;
	const char *const required[] = { "id", "name", "count", "errors", "total_ns", "min_ns", "max_ns", "avg_ns",
					 "p50_ns", "p90_ns", "p99_ns", "p999_ns", "last_timestamp_ns", "dropped",
					 "completeness" };

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!json_object_get(o, required[i]))
			fail_msg("summary lacks %s", required[i]);
	assert_string_equal(json_string_value(json_object_get(o, "completeness")), "lossy");
	assert_int_equal(pa_proto_summary_from_json(o, &back), 0);
	again = pa_proto_summary_to_json(&back);
	assert_true(json_equal(o, again));
	json_decref(again);
	json_object_del(o, "count");
	assert_int_equal(pa_proto_summary_from_json(o, &back), -EBADMSG);
	json_decref(o);
}

/* Every method and parameter of the .defs file is in the C table, and vice versa. */
static void test_defs_file_matches_table(void **state)
{
	static const char *const types[] = { "bool", "uint", "string", "event" };
	FILE *f = fopen("proto/perf_monitor.defs", "r");
	char line[512], name[64], arg1[64], arg2[64];
	const struct pa_method_def *m = NULL;
	unsigned int seen_params[PA_METHOD_MAX] = { 0 }, version = 0;
	bool seen[PA_METHOD_MAX] = { 0 };

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "version %u", &version) == 1)
			continue;
		if (sscanf(line, "method %63s %63s", name, arg1) == 2) {
			int id = pa_proto_method_lookup(name);

			if (id < 0)
				fail_msg("defs method %s is not in proto.c", name);
			m = pa_proto_method((unsigned int)id);
			seen[id] = true;
			assert_string_equal(arg1, m->right == PA_RIGHT_CONFIGURE ? "configure" : "observe");
		} else if (sscanf(line, " param %63s %63s %63s", name, arg1, arg2) == 3) {
			const struct pa_param_def *p = NULL;

			assert_non_null(m);
			for (unsigned int i = 0; i < m->n_params; i++)
				if (strcmp(m->params[i].name, name) == 0)
					p = &m->params[i];
			if (!p)
				fail_msg("defs param %s.%s is not in proto.c", m->name, name);
			assert_string_equal(arg1, types[p->type]);
			if (p->type == PA_PT_UINT || p->type == PA_PT_STRING)
				assert_int_equal(strtoull(arg2, NULL, 10), p->max);
			seen_params[pa_proto_method_lookup(m->name)]++;
		}
	}
	fclose(f);
	assert_int_equal(version, PA_PROTO_VERSION);
	for (unsigned int i = 0; i < PA_METHOD_MAX; i++) {
		if (!seen[i])
			fail_msg("method %s is missing from perf_monitor.defs", pa_proto_method(i)->name);
		assert_int_equal(seen_params[i], pa_proto_method(i)->n_params);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_request_decodes),
		cmocka_unit_test(test_event_names_become_ids),
		cmocka_unit_test(test_each_bad_request_has_its_errno),
		cmocka_unit_test(test_error_echoes_the_id),
		cmocka_unit_test(test_oversized_request_is_refused),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_request_encoder_output_decodes),
		cmocka_unit_test(test_summary_round_trip),
		cmocka_unit_test(test_defs_file_matches_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
