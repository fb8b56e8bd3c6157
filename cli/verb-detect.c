/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verb-detect.c - perf-analysis detect FILE: change-point detection
 * (E-divisive means, core/changepoint.h) on a series the user already has,
 * offline, without a daemon. The same detector as `trend`.
 *
 * Input: CSV with a header "id,value" or "timestamp,value" (one point per
 * line, oldest first; the first column is kept as the point's label), or a
 * JSON array of numbers (or of objects with a "value" member). A file that is
 * neither, or a value that is not a finite number, is refused with the line
 * (or element) that is wrong: exit 2.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "cli.h"

enum { O_MIN_SEGMENT = 0x100, O_ALPHA, O_MIN_CHANGE, O_SEED, O_PERMUTATIONS };

#define MAX_POINTS 1000000

struct series {
	double *v;
	char **label;   /* CSV: the first column of each row; NULL for JSON */
	size_t n, cap;
	const char *key; /* "id" or "timestamp" (CSV), NULL for JSON */
};

static void series_done(struct series *s)
{
	if (s->label)
		for (size_t i = 0; i < s->n; i++)
			free(s->label[i]);
	free(s->label);
	free(s->v);
}

static int push(struct series *s, double v, const char *label)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		double *nv = realloc(s->v, cap * sizeof(*nv));
		char **nl;

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		nl = realloc(s->label, cap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		s->label = nl;
		s->cap = cap;
	}
	s->label[s->n] = label ? strdup(label) : NULL;
	s->v[s->n++] = v;
	return 0;
}

static char *trim(char *p)
{
	char *e;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (e - p >= 2 && *p == '"' && e[-1] == '"') {
		e[-1] = '\0';
		p++;
	}
	return p;
}

static bool parse_number(const char *p, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p || *end || !isfinite(v))
		return false;
	*ret = v;
	return true;
}

static int bad(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "perf-analysis detect: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int read_json(const char *file, FILE *f, struct series *s)
{
	json_error_t je;
	json_t *a = json_loadf(f, 0, &je), *e;
	size_t i;
	int r = EXIT_OK;

	if (!a)
		return bad(file, "not valid JSON (line %d, column %d: %s); expected an array of numbers", je.line,
			   je.column, je.text);
	if (!json_is_array(a)) {
		json_decref(a);
		return bad(file, "the JSON is not an array; expected [v1, v2, ...] or [{\"value\": v1}, ...]");
	}
	json_array_foreach(a, i, e) {
		json_t *x = json_is_object(e) ? json_object_get(e, "value") : e;

		if (!json_is_number(x) || !isfinite(json_number_value(x))) {
			r = bad(file, "element %zu is not a number%s", i, json_is_object(e) ? " (its \"value\")" : "");
			break;
		}
		if (s->n >= MAX_POINTS) {
			r = bad(file, "more than %d points", MAX_POINTS);
			break;
		}
		if (push(s, json_number_value(x), NULL) < 0) {
			r = bad(file, "out of memory");
			break;
		}
	}
	json_decref(a);
	return r;
}

static int read_csv(const char *file, FILE *f, struct series *s)
{
	char *line = NULL, *key, *val, *comma;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int r = EXIT_OK;

	while ((len = getline(&line, &cap, f)) >= 0) {
		double v;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!*trim(line))
			continue; /* blank lines */
		comma = strchr(line, ',');
		if (!comma || strchr(comma + 1, ',')) {
			r = bad(file, "line %lu: expected two columns (%s,value), got '%s'", lineno,
				s->key ? s->key : "id", line);
			break;
		}
		*comma = '\0';
		key = trim(line);
		val = trim(comma + 1);
		if (!s->key) {
			if (strcasecmp(val, "value") != 0 || (strcasecmp(key, "id") != 0 && strcasecmp(key, "timestamp") != 0)) {
				r = bad(file, "line %lu: the header must be 'id,value' or 'timestamp,value', got '%s,%s'",
					lineno, key, val);
				break;
			}
			s->key = strcasecmp(key, "id") == 0 ? "id" : "timestamp";
			continue;
		}
		if (!parse_number(val, &v)) {
			r = bad(file, "line %lu: value '%s' is not a finite number", lineno, val);
			break;
		}
		if (s->n >= MAX_POINTS) {
			r = bad(file, "more than %d points", MAX_POINTS);
			break;
		}
		if (push(s, v, key) < 0) {
			r = bad(file, "out of memory");
			break;
		}
	}
	free(line);
	if (r == EXIT_OK && !s->key)
		r = bad(file, "the file is empty; expected a header 'id,value' or 'timestamp,value' and rows");
	return r;
}

static int read_series(const char *file, struct series *s)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	int c, r;

	if (!f)
		return bad(file, "cannot open: %s", strerror(errno));
	do
		c = getc(f);
	while (c != EOF && isspace(c));
	if (c == EOF) {
		r = bad(file, "the file is empty; expected CSV (id,value or timestamp,value) or a JSON array");
	} else {
		ungetc(c, f);
		r = c == '[' || c == '{' ? read_json(file, f, s) : read_csv(file, f, s);
	}
	if (f != stdin)
		fclose(f);
	return r;
}

static bool parse_double(const char *opt, const char *s, double lo, double hi, double *ret)
{
	if (parse_number(s, ret) && *ret > lo && *ret < hi)
		return true;
	fprintf(stderr, "perf-analysis detect: %s '%s' is not a number in (%g, %g)\n", opt, s, lo, hi);
	return false;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min-segment", required_argument, NULL, O_MIN_SEGMENT },
		{ "alpha", required_argument, NULL, O_ALPHA },
		{ "min-change", required_argument, NULL, O_MIN_CHANGE },
		{ "permutations", required_argument, NULL, O_PERMUTATIONS },
		{ "seed", required_argument, NULL, O_SEED },
		CLI_COMMON_LONGOPTS, { 0 },
	};
	const struct verb *v = &verb_detect;
	struct series s = { 0 };
	struct pa_cp_params p;
	struct pa_cp_result res;
	struct pa_change_point *cps = NULL;
	struct pa_theil_sen ts;
	bool ts_ok = false;
	void *scratch = NULL;
	uint64_t u;
	double d;
	const char *file;
	int c, r, n;

	pa_cp_params_default(&p);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_MIN_SEGMENT:
			if (cli_parse_uint(v->name, "--min-segment", optarg, 2, 100000, &u) < 0)
				return EXIT_USAGE;
			p.min_segment = (uint32_t)u;
			break;
		case O_ALPHA:
			if (!parse_double("--alpha", optarg, 0, 0.5, &d))
				return EXIT_USAGE;
			p.alpha = d;
			break;
		case O_MIN_CHANGE:
			if (!parse_double("--min-change", optarg, -1e-300, 1e9, &d))
				return EXIT_USAGE;
			p.min_change_pct = d;
			break;
		case O_PERMUTATIONS:
			if (cli_parse_uint(v->name, "--permutations", optarg, 19, 100000, &u) < 0)
				return EXIT_USAGE;
			p.permutations = (uint32_t)u;
			break;
		case O_SEED:
			if (cli_parse_uint(v->name, "--seed", optarg, 0, UINT64_MAX, &u) < 0)
				return EXIT_USAGE;
			p.seed = u;
			break;
		case 'J': cli->json = true; break;
		case 'h': return cli_verb_help(v);
		default: return cli_bad_option(v, argc, argv);
		}
	}
	r = cli_check_args(v, argc - optind);
	if (r)
		return r;
	if ((double)p.permutations < 1.0 / p.alpha - 1.0)
		return cli_usage_error(v, "--permutations %u is too few for --alpha %g (at least %.0f)", p.permutations,
				       p.alpha, 1.0 / p.alpha - 1.0);
	file = argv[optind];
	r = read_series(file, &s);
	if (r)
		goto out;
	if (s.n < 2) {
		r = bad(file, "%zu point%s: a series needs at least 2 (and 2 x min-segment = %u to hold a change)", s.n,
			s.n == 1 ? "" : "s", 2 * p.min_segment);
		goto out;
	}
	scratch = malloc(pa_cp_scratch_bytes(s.n) > pa_theil_sen_scratch_bytes(s.n) ? pa_cp_scratch_bytes(s.n)
										    : pa_theil_sen_scratch_bytes(s.n));
	cps = calloc(s.n / 2 + 1, sizeof(*cps));
	if (!scratch || !cps) {
		r = bad(file, "out of memory for %zu points", s.n);
		goto out;
	}
	n = pa_cp_detect(s.v, s.n, &p, scratch, pa_cp_scratch_bytes(s.n), cps, s.n / 2 + 1, &res);
	if (n < 0) {
		r = bad(file, "change-point detection failed: %s", strerror(-n));
		goto out;
	}
	if (s.n <= 20000 && pa_theil_sen_scratch_bytes(s.n) != SIZE_MAX)
		ts_ok = pa_theil_sen(NULL, s.v, s.n, 0.05, scratch, pa_theil_sen_scratch_bytes(s.n), &ts) == 0;
	if (cli->json) {
		json_t *a = json_array(), *o;

		for (int i = 0; i < n; i++) {
			json_t *cp = json_pack("{sI sf sf sf sf sf}", "index", (json_int_t)cps[i].index,
					       "before", cps[i].before, "after", cps[i].after,
					       "change_pct", cps[i].change_pct, "p_value", cps[i].p_value,
					       "energy", cps[i].energy);

			if (cp && s.key && s.label[cps[i].index])
				json_object_set_new(cp, s.key, json_string(s.label[cps[i].index]));
			json_array_append_new(a, cp);
		}
		o = json_pack("{ss sI so sb sI s{sI sf sI sI sf}}", "file", file, "points", (json_int_t)s.n,
			      "change_points", a, "truncated", res.truncated, "tests", (json_int_t)res.tests,
			      "params", "min_segment", (json_int_t)p.min_segment, "alpha", p.alpha,
			      "permutations", (json_int_t)p.permutations, "seed", (json_int_t)p.seed,
			      "min_change_pct", p.min_change_pct);
		if (o && ts_ok)
			json_object_set_new(o, "slope", json_pack("{sf sf sf sf sb sf}", "per_point", ts.slope,
								  "lo", ts.slope_lo, "hi", ts.slope_hi, "pct_per_point",
								  ts.slope_pct, "ci_valid", ts.ci_valid, "level", ts.level));
		cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s: %zu points, %d change point%s (E-divisive, min segment %u, alpha %g, %u permutations)\n", file,
		       s.n, n, n == 1 ? "" : "s", p.min_segment, p.alpha, p.permutations);
		for (int i = 0; i < n; i++) {
			printf("  at point %u", cps[i].index);
			if (s.key && s.label[cps[i].index])
				printf(" (%s %s)", s.key, s.label[cps[i].index]);
			printf(": %g -> %g (%+.1f %%), p = %.3g\n", cps[i].before, cps[i].after, cps[i].change_pct,
			       cps[i].p_value);
		}
		if (res.truncated)
			printf("  (more change points than shown)\n");
		if (ts_ok && ts.ci_valid)
			printf("drift (Theil-Sen): %+.4g per point (%+.3f %% of the median) [%+.4g, %+.4g] (%.0f %% CI)\n",
			       ts.slope, ts.slope_pct, ts.slope_lo, ts.slope_hi, ts.level * 100);
	}
	r = EXIT_OK;
out:
	free(cps);
	free(scratch);
	series_done(&s);
	return r;
}

const struct verb verb_detect = {
	.name = "detect", .min_args = 1, .max_args = 1, .run = run,
	.summary = "find change points in a series of your own (CSV or JSON), offline",
	.usage = "USAGE: perf-analysis detect FILE [--min-segment N] [--alpha A] [--min-change PCT]\n"
		 "                            [--permutations R] [--seed S] [--json]\n\n"
		 "FILE (or - for stdin) is CSV with a header 'id,value' or 'timestamp,value', one point\n"
		 "per line, oldest first, or a JSON array of numbers (or of {\"value\": ...} objects).\n"
		 "Change points are found by E-divisive means with a permutation test, as Apache Otava\n"
		 "does: spikes are pulled in to 4 robust standard deviations first and no segment is\n"
		 "shorter than --min-segment points (default 5), so a single spike is not a change.\n"
		 "Prints each change point's position, the medians before and after, the change in\n"
		 "percent and its p-value, and the Theil-Sen slope for slow drift. Needs no daemon.\n"
		 "  --alpha A          level of each split's test (default 0.005)\n"
		 "  --min-change PCT   drop significant changes smaller than PCT % (default 0)\n"
		 "  --permutations R   permutations per test (default 399); --seed S their seed\n"
		 "Exit status: 0 analysed (whether or not a change was found), 2 bad file or option.\n\n"
		 "EXAMPLES:\n  perf-analysis detect nightly-runtimes.csv\n"
		 "  perf-analysis detect --json --min-change 5 history.json\n",
};
