/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - shared pieces of the perf-analysis command: the verb table entry,
 * exit codes, calls to the daemon through libperfanalysis, and output helpers.
 */
#ifndef PA_CLI_H
#define PA_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "perf-analysis/perf_monitor.h"

/* Exit codes (documented in perf-analysis(1)). */
enum {
	EXIT_OK = 0,
	EXIT_REGRESSION = 1,   /* check-regression: regression found; test: a check failed */
	EXIT_USAGE = 2,        /* bad usage or bad input */
	EXIT_INCONCLUSIVE = 3, /* check-regression: not enough data to decide */
	EXIT_UNREACHABLE = 69, /* the daemon cannot be reached */
	EXIT_INTERNAL = 70,    /* the daemon failed internally (e.g. its database) */
	EXIT_NOPERM = 77,      /* permission denied */
};

struct cli {
	perf_host_t *host;
	bool json;
	const char *socket_path;
};

struct verb {
	const char *name;
	int min_args, max_args; /* positional arguments after the verb and its options */
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;      /* USAGE and EXAMPLES text */
};

extern const struct verb verb_enable, verb_disable, verb_configure, verb_stats, verb_baseline,
	verb_check_regression, verb_monitor, verb_test, verb_reset, verb_status, verb_events, verb_audit;
extern const struct verb verb_export;
/* issue 5 */
extern const struct verb verb_detect, verb_record, verb_compare, verb_trend;
extern const struct verb verb_alerts;

/* One alert record (an element of the alerts reply) as a table row (verb-alerts.c). */
void cli_print_alert(FILE *f, json_t *alert);

/*
 * Hook for the live view: when linked in (a `top` verb defines it), monitor
 * calls it every interval after the alerts, to print up to `rows` of the
 * heaviest tasks; `tty` says whether the screen is redrawn (else one line).
 */
void cli_monitor_top(struct cli *cli, FILE *f, bool tty, unsigned int rows) __attribute__((weak));
extern const struct verb verb_top, verb_correlate; /* resource tracking (issue 6) */

/* Call `method` (params stolen, may be NULL); on failure print why and return the exit code (> 0). */
int cli_call(struct cli *cli, const char *method, json_t *params, json_t **ret_result);

/* Exit code for a negative errno from libperfanalysis. */
int cli_exit_code(int r);

/* Print `o` as JSON on stdout, one line. */
void cli_print_json(json_t *o);

/* Parse an event id, short name or seed name; prints the error and returns -1 if unknown. */
int cli_parse_event(const char *verb, const char *s, unsigned int *ret);
/* Whether `s` is a valid name for a program's own event (perf_event_register's rules; built-in names are not). */
bool cli_program_event_name(const char *s);

/* Parse a decimal number in [min, max]; prints the error and returns -1. */
int cli_parse_uint(const char *verb, const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* Print a usage error for `verb` and return EXIT_USAGE. */
int cli_usage_error(const struct verb *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After getopt_long returned '?': print which option was wrong; returns EXIT_USAGE. */
int cli_bad_option(const struct verb *v, int argc, char **argv);

/* Check the number of positional arguments against the verb's min/max; EXIT_OK or EXIT_USAGE. */
int cli_check_args(const struct verb *v, int n);

/*
 * The prologue of a verb with no options of its own and no arguments that
 * shows one method's result: parses --json and --help, checks there are no
 * arguments, calls `method` (params stolen, may be NULL). Returns the exit
 * code; on EXIT_OK *ret_result is the result for the caller to print in human
 * form and free, or NULL when nothing is left to do (--help was shown, or
 * --json printed the result). *ret_result is NULL on error.
 */
int cli_fetch(struct cli *cli, const struct verb *v, int argc, char **argv, const char *method, json_t *params,
	      json_t **ret_result);

/*
 * A verb with no options of its own and no arguments that calls one method
 * (params stolen, may be NULL) and prints `done` (or the result with --json):
 * enable, disable, reset. Returns the exit code.
 */
int cli_run_simple(struct cli *cli, const struct verb *v, int argc, char **argv, const char *method, json_t *params,
		   const char *done);

/* Print the verb's help on stdout; returns EXIT_OK. */
int cli_verb_help(const struct verb *v);

/* Human form of a duration in ns: "812ns", "4.21us", "1.50ms", "2.00s". */
const char *cli_fmt_ns(uint64_t ns, char *buf, size_t n);

/* Standard options every verb accepts: --json, --help. Returns true if handled (sets *ret_exit for help). */
#define CLI_COMMON_LONGOPTS { "json", no_argument, NULL, 'J' }, { "help", no_argument, NULL, 'h' }

/* Parse a duration ("30s", "5m", "500ms", "2h"; bare number = seconds) into ms, 1 ms-24 h; prints and returns -1. */
int cli_parse_duration_ms(const char *verb, const char *opt, const char *s, uint64_t *ret);

/* On stderr: what differs between a baseline's environment and now, from {match, differences} (nothing if none). */
void cli_warn_environment(const char *baseline, json_t *env);

/* The stats table (shared by stats and monitor): header + one row per event object in `events`. */
void cli_print_stats_table(FILE *f, json_t *events, bool show_notes);

#endif /* PA_CLI_H */
