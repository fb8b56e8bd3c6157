#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-persistence.sh - configuration and baselines survive a clean restart
# (SIGTERM) and a crash (kill -9): what the daemon acknowledged is on disk.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

baseline_created() {
	echo "{\"v\":1,\"id\":1,\"method\":\"check_regression\",\"params\":{\"event\":2,\"baseline\":\"$1\"}}" |
		$RAWSOCK "$PERF_ANALYSIS_SOCKET" send | jq -r '.result.baseline_created_unix // .error.code'
}

pa_start || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }

t_begin "a fresh state directory starts disabled with the seed's defaults"
s=$($PA --json status | jq -c '[.enabled, .config.sample_rate, .config.buffer_size, .config.latency_threshold_us,
	.config.throughput_threshold, .config.error_rate_threshold_pct, .config.regression_threshold_pct]')
t_assert_eq "defaults" "[false,1000,8192,1000,1000,5,20]" "$s" && t_ok

$PA enable >/dev/null
$PA configure -r 2000 -b 4096 --latency-threshold 500 --regression-threshold 30 >/dev/null
$PA baseline before-restart >/dev/null
created=$(baseline_created before-restart)

t_begin "baseline and configuration survive SIGTERM and a restart"
pa_stop
pa_start || t_fail "restart: $(cat "$PA_DIR/daemon.log")"
s=$($PA --json status | jq -c '[.enabled, .config.sample_rate, .config.buffer_size, .config.latency_threshold_us,
	.config.regression_threshold_pct, .baselines]')
t_assert_eq "state after restart" "[true,2000,4096,500,30,1]" "$s" &&
	t_assert_eq "baseline created" "$created" "$(baseline_created before-restart)" && t_ok

t_begin "check-regression against the stored baseline works after the restart"
run $PA check-regression -e 2 --baseline before-restart
[ "$RC" != 2 ] && [ "$RC" != 69 ] && t_ok || t_fail "rc=$RC $ERR"

t_begin "an acknowledged baseline and configuration survive kill -9"
$PA configure -r 1234 >/dev/null
$PA baseline after-crash >/dev/null
pa_kill9
[ -S "$PERF_ANALYSIS_SOCKET" ] || echo "note: no stale socket left by kill -9" >&2
pa_start || t_fail "restart after kill -9: $(cat "$PA_DIR/daemon.log")"
s=$($PA --json status | jq -c '[.config.sample_rate, .baselines]')
t_assert_eq "state after kill -9" "[1234,2]" "$s" &&
	[ "$(baseline_created after-crash)" != ENOENT ] && t_ok || t_fail "baseline after-crash lost"

t_begin "the state lock is released by a crash: the restarted daemon owns it"
"$PAD" --socket "$PA_DIR/x.sock" 2>"$PA_DIR/second.log"
[ $? = 1 ] && grep -q "pid $PA_PID" "$PA_DIR/second.log" && t_ok || t_fail "$(cat "$PA_DIR/second.log")"

t_begin "the database is in WAL mode"
mode=$(sqlite3 "$PERF_ANALYSIS_STATE_DIR/state.db" 'PRAGMA journal_mode')
t_assert_eq "journal_mode" wal "$mode" && t_ok
t_done
