/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf_monitor.h - the seed's user-space API (GNU Mach <mach/perf_monitor.h>)
 * on Linux: a client of perf-analysisd over its Unix socket.
 *
 * Link with -lperfanalysis (pkg-config perf-analysis). A `perf_host_t *`
 * stands in for the seed's mach_host_self(): perf_host_self() returns a
 * process-wide handle, perf_host_open() a private one.
 *
 * Return values: 0 (KERN_SUCCESS) or a negative errno:
 *   -ECONNREFUSED  no daemon is listening (socket missing or refused)
 *   -ETIMEDOUT     the daemon did not answer within the handle's timeout
 *   -ECONNRESET    the connection broke during the call
 *   -EACCES        the socket file is not accessible to this user
 *   -EPERM         the daemon refused: the caller lacks the right (observe or configure)
 *   -EINVAL        a bad argument (unknown event, value out of range)
 *   -ENOENT        the named thing does not exist (e.g. no baseline set)
 *   -EBADMSG/-EPROTO/-ENOSYS  protocol mismatch with the daemon
 * perf_host_last_error() gives the message behind the last failure.
 *
 * Thread safety: every function may be called from any thread; calls on one
 * handle are serialised by a mutex inside it (one request at a time per
 * connection). Handles reconnect by themselves after a daemon restart.
 */
#ifndef PERF_ANALYSIS_PERF_MONITOR_H
#define PERF_ANALYSIS_PERF_MONITOR_H

#include <stdint.h>

#include "perf-analysis/perf_events.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mach's names for what the seed's examples use, unless the program already has them. */
#ifndef PERF_MONITOR_NO_MACH_NAMES
#ifndef KERN_SUCCESS
typedef int kern_return_t;
#define KERN_SUCCESS 0
#endif
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif
typedef int boolean_t;
#endif

typedef struct perf_host perf_host_t;

/*
 * Open a connection handle to the daemon at `socket_path` (NULL: the
 * environment's PERF_ANALYSIS_SOCKET, else /run/perf-analysis/perf-analysisd.sock).
 * The connection is made lazily on the first call, so this fails only with
 * -ENOMEM or -ENAMETOOLONG. Free with perf_host_close().
 */
int perf_host_open(const char *socket_path, perf_host_t **ret);

/* Close a handle from perf_host_open(); NULL is fine. Not for perf_host_self(). */
void perf_host_close(perf_host_t *host);

/* The process-wide default handle (like mach_host_self()); never NULL unless out of memory. */
perf_host_t *perf_host_self(void);

/* Per-call timeout in milliseconds (default 10000). */
void perf_host_set_timeout(perf_host_t *host, unsigned int timeout_ms);

/* Message for the last failed call on `host` on this handle ("" if none). Valid until the next call. */
const char *perf_host_last_error(perf_host_t *host);

/* The seed's calls. */
kern_return_t perf_monitor_enable(perf_host_t *host, boolean_t enable);
/* sample_rate in samples/s per CPU (0 = no samples; statistics stay exact), buffer_size in samples. */
kern_return_t perf_monitor_configure(perf_host_t *host, uint32_t sample_rate, uint32_t buffer_size);

/* Everything configure can change; set a PERF_CONFIG_* bit in `set` for each field to change. */
struct perf_monitor_config {
	uint32_t set;
	uint32_t sample_rate;
	uint32_t buffer_size;
	uint32_t event_mask;               /* bit i enables event i */
	uint32_t filter_pid;               /* 0 = every process */
	int filter_children;               /* with filter_pid: follow its descendants */
	uint32_t filter_tid;               /* 0 = every thread */
	char filter_comm[16];              /* "" = every command name */
	uint32_t latency_threshold_us;
	uint32_t throughput_threshold;     /* ops/s */
	uint32_t error_rate_threshold_pct;
	uint32_t regression_threshold_pct;
};
#define PERF_CONFIG_SAMPLE_RATE (1u << 0)
#define PERF_CONFIG_BUFFER_SIZE (1u << 1)
#define PERF_CONFIG_EVENT_MASK (1u << 2)
#define PERF_CONFIG_FILTER_PID (1u << 3)
#define PERF_CONFIG_FILTER_CHILDREN (1u << 4)
#define PERF_CONFIG_FILTER_TID (1u << 5)
#define PERF_CONFIG_FILTER_COMM (1u << 6)
#define PERF_CONFIG_LATENCY_THRESHOLD (1u << 7)
#define PERF_CONFIG_THROUGHPUT_THRESHOLD (1u << 8)
#define PERF_CONFIG_ERROR_RATE_THRESHOLD (1u << 9)
#define PERF_CONFIG_REGRESSION_THRESHOLD (1u << 10)

kern_return_t perf_monitor_configure_ex(perf_host_t *host, const struct perf_monitor_config *cfg);

/* Zero every statistic (needs the configure right). */
kern_return_t perf_monitor_reset(perf_host_t *host);

/*
 * Statistics of one event since the daemon started or the last reset. The
 * seed's fields (times in microseconds) first, then the exact nanosecond
 * figures, percentiles (within 1/64 relative) and the loss counters: loss is
 * never silent, completeness says whether the numbers saw every event.
 */
enum perf_completeness { PERF_COMPLETE = 0, PERF_SAMPLED = 1, PERF_LOSSY = 2 };

struct perf_event_stats_user {
	unsigned long long count;
	unsigned long long total_time_us, min_time_us, max_time_us, avg_time_us;
	unsigned long long last_timestamp;   /* ns, CLOCK_MONOTONIC */
	unsigned long long errors;
	unsigned long long total_ns, min_ns, max_ns, avg_ns;
	unsigned long long p50_ns, p90_ns, p99_ns, p999_ns;
	unsigned long long dropped, sampled_out, lost;
	int completeness;                    /* enum perf_completeness */
	int has_duration;                    /* 0: the kernel gives no duration for this event */
	int available;                       /* 0: the running kernel cannot capture this event */
};

/* Struct form: perf_get_event_stats(host, event, &stats). */
kern_return_t perf_get_event_stats_struct(perf_host_t *host, unsigned int event, struct perf_event_stats_user *ret);

/*
 * Out-parameter form of the seed: perf_get_event_stats(host, event, &count,
 * &total_time, &min_time, &max_time, &avg_time, &last_timestamp); times in
 * microseconds, last_timestamp in ns. Any pointer may be NULL.
 */
kern_return_t perf_get_event_stats_values(perf_host_t *host, unsigned int event, uint64_t *count,
					  uint64_t *total_time, uint64_t *min_time, uint64_t *max_time,
					  uint64_t *avg_time, uint64_t *last_timestamp);

/* perf_get_event_stats() takes either form, chosen by its number of arguments, as in the seed. */
#define PERF_GET_STATS_PICK_(a, b, c, d, e, f, g, h, name, ...) name
#define perf_get_event_stats(...)                                                                     \
	PERF_GET_STATS_PICK_(__VA_ARGS__, perf_get_event_stats_values, perf_get_event_stats_values_arity_, \
			     perf_get_event_stats_values_arity_, perf_get_event_stats_values_arity_,       \
			     perf_get_event_stats_values_arity_, perf_get_event_stats_struct, )(__VA_ARGS__)

/* Store the statistics so far as the baseline "default" (needs the configure right). */
kern_return_t perf_set_baseline(perf_host_t *host);
/* The same under `name` (1-63 bytes). */
kern_return_t perf_set_baseline_named(perf_host_t *host, const char *name);

/*
 * The seed's check: *regression = TRUE when `event` regressed by more than
 * threshold_pct percent against the baseline "default": the statistical
 * verdict over windows (docs/regression.md) is REGRESSION. An inconclusive
 * comparison (too few windows, or an interval that contains the threshold)
 * answers FALSE; use perf_check_regression_verdict() to tell it from a pass.
 */
kern_return_t perf_check_regression(perf_host_t *host, unsigned int event, uint32_t threshold_pct,
				    boolean_t *regression);

/* The values are perf-analysis check-regression's exit codes. */
enum perf_verdict { PERF_VERDICT_OK = 0, PERF_VERDICT_REGRESSION = 1, PERF_VERDICT_INCONCLUSIVE = 3 };

struct perf_regression_verdict {
	int verdict;                       /* enum perf_verdict */
	double change_pct;                 /* Hodges-Lehmann change of the per-window medians, percent */
	unsigned long long baseline_avg_ns, current_avg_ns;
	unsigned long long baseline_count, current_count;
	int completeness;                  /* enum perf_completeness, worst of both periods */
	char reason[160];
	/* The statistics behind the verdict (per-window medians; --json has the p99s too). */
	double ci_lo_pct, ci_hi_pct;       /* interval of change_pct; valid if ci_valid */
	int ci_valid;
	double p_value;                    /* one-sided Mann-Whitney p, Holm-adjusted across the metrics */
	unsigned int baseline_windows, current_windows;
	unsigned int more_windows;         /* INCONCLUSIVE: current windows expected to decide; 0 otherwise or unknown */
	int environment_match;             /* 0: the baseline was taken in a different environment */
};

/* The richer check; baseline NULL = "default". */
kern_return_t perf_check_regression_verdict(perf_host_t *host, unsigned int event, uint32_t threshold_pct,
					    const char *baseline, struct perf_regression_verdict *ret);

struct perf_monitor_status {
	char version[32];
	unsigned int protocol;
	int enabled;
	int kernel_available;              /* the daemon's kernel side is loaded */
	char kernel_why[160];              /* why not, when it is not */
	unsigned long long uptime_ns;
	unsigned long long dropped, sampled_out, lost;
	unsigned int sample_rate, buffer_size, event_mask;
	unsigned long long daemon_cpu_ns;  /* the daemon's own CPU time */
	unsigned long long daemon_rss_kb;
};

kern_return_t perf_monitor_status(perf_host_t *host, struct perf_monitor_status *ret);

/*
 * Raw access for tools: send `method` with `params_json` (a JSON object, or
 * NULL) and receive the reply's result as a JSON string in *ret_result_json
 * (malloc'd; free() it). The methods are listed in proto/perf_monitor.defs.
 */
kern_return_t perf_host_call(perf_host_t *host, const char *method, const char *params_json, char **ret_result_json);

#ifdef __cplusplus
}
#endif

#endif /* PERF_ANALYSIS_PERF_MONITOR_H */
