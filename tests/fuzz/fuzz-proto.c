/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-proto.c - libFuzzer target for the daemon's request decoder and the
 * client's reply decoder (proto/proto.c): any byte string must decode or be
 * refused with an errno and a message, without crashing, leaking or reading
 * out of bounds (built with ASan and UBSan). A request that decodes must
 * re-encode, and its reply line must decode again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_proto_error err;
	struct pa_request req;
	json_t *result = NULL;
	uint64_t id;
	char *line;
	int r;

	r = pa_proto_decode_request((const char *)data, size, &req, &err);
	if (r == 0) {
		const struct pa_method_def *m = pa_proto_method((unsigned int)req.method);

		if (!m)
			abort();
		line = pa_proto_encode_request(req.id, m->name, req.params);
		if (line) {
			struct pa_request again;

			/* What we encode, we must accept. */
			if (pa_proto_decode_request(line, strlen(line) - 1, &again, &err) != 0)
				abort();
			pa_request_done(&again);
			free(line);
		}
		line = pa_proto_encode_result(req.id, req.params);
		if (line && pa_proto_decode_reply(line, strlen(line) - 1, &id, &result, &err) == 0)
			json_decref(result);
		free(line);
		pa_request_done(&req);
	} else if (err.err <= 0 || err.message[0] == '\0') {
		abort(); /* every refusal names a reason */
	}
	result = NULL;
	if (pa_proto_decode_reply((const char *)data, size, &id, &result, &err) == 0)
		json_decref(result);
	return 0;
}
