/* SPDX-License-Identifier: GPL-2.0-or-later */
/* regress-util.c - helpers shared by the regression verbs (baseline, check-regression, detect, record, compare). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_duration_ms(const char *verb, const char *opt, const char *s, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && v > 0 && *s != '-')
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i].suffix) == 0 && v * units[i].ms >= 1 && v * units[i].ms <= 86400000) {
				*ret = (uint64_t)(v * units[i].ms + 0.5);
				return 0;
			}
	fprintf(stderr, "perf-analysis %s: %s '%s' is not a duration from 1ms to 24h (e.g. 30s, 5m, 500ms; "
		"a bare number means seconds)\n", verb, opt, s);
	return -1;
}

void cli_warn_environment(const char *baseline, json_t *env)
{
	json_t *diffs = json_object_get(env, "differences"), *d;
	size_t i;

	if (!json_array_size(diffs))
		return;
	fprintf(stderr, "perf-analysis: warning: baseline '%s' was taken in a different environment; the comparison "
		"may reflect that, not the code:\n", baseline);
	json_array_foreach(diffs, i, d) {
		char *a = json_dumps(json_object_get(d, "baseline"), JSON_ENCODE_ANY | JSON_COMPACT);
		char *b = json_dumps(json_object_get(d, "current"), JSON_ENCODE_ANY | JSON_COMPACT);

		fprintf(stderr, "  %s: %s in the baseline, %s now\n", json_string_value(json_object_get(d, "field")),
			a ? a : "?", b ? b : "?");
		free(a);
		free(b);
	}
}
