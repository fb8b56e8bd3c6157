#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-app-regression.sh - program events (issue 8) in stored baselines and
# check-regression, end to end: the real daemon (100 ms windows), a real
# instrumented program (tests/blackbox/app-dbquery: COUNT "db.query" events
# timed around sleeps of BASE_US x 1, 1.25, 1.5, 1.75, 2, and as many untimed
# "db.ping"), over the real shared-memory rings. Kernel capture stays
# disabled, so the program's events are the only evidence.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

APP=$PWD/$BUILD/tests/blackbox/app-dbquery
N=3000
# Real-time priority (root) keeps other tenants' CPU load out of the sleeps' lateness.
RT=""
chrt -f 50 true 2>/dev/null && RT="chrt -f 50"
# dbq [PROGRAM] BASE_US: run the program (FAILED=PCT: that share of queries marked failed), fail unless every
# event reached the daemon; then let the last window close.
dbq() {
	local prog=$APP
	[ $# = 2 ] && { prog=$1; shift; }
	APPOUT=$($RT "$prog" $N "$1" "${FAILED:-0}")
	sleep 0.35
	case $APPOUT in *"recorded $((2 * N))"*"attached yes"*"dropped 0"*"no_ring 0"*"unattached 0"*) return 0 ;; esac
	t_fail "the program lost events: $APPOUT"
	return 1
}
ev_of() { jq -c --arg e "$2" '.events[] | select(.name == $e)' <<<"$1"; }

pa_start -w 100 || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }
$PA reset >/dev/null

t_begin "a baseline with no program events first (for the current-period-only case below)"
run $PA --json baseline empty
expect_rc 0 && [ "$(jq '[.events[] | select(.source == "app")] | length' <<<"$OUT")" = 0 ] && t_ok || t_fail "$OUT"

t_begin "baseline stores db.query by name: exact count, its windows, the program's name, source app"
$PA reset >/dev/null
dbq 400
run $PA --json baseline app
q=$(ev_of "$OUT" db.query)
p=$(ev_of "$OUT" db.ping)
expect_rc 0 && [ "$(jq .count <<<"$q")" = $N ] && [ "$(jq -r .source <<<"$q")" = app ] &&
	[ "$(jq -c .programs <<<"$q")" = '["app-dbquery"]' ] && [ "$(jq -r .completeness <<<"$q")" = complete ] &&
	[ "$(jq .has_duration <<<"$q")" = true ] && [ "$(jq .count <<<"$p")" = $N ] &&
	[ "$(jq .has_duration <<<"$p")" = false ] && t_ok || t_fail "db.query $q, db.ping $p"

t_begin "... its median is the distribution's (1.5 x 400 us, plus the sleep's lateness, under 2 x)"
p50=$(jq .p50_ns <<<"$q")
[ "${p50:-0}" -ge 590000 ] && [ "$p50" -le 800000 ] && t_ok || t_fail "p50 $p50 ns"

t_begin "baseline --show lists db.query with its per-window medians (at least 10 windows of 100 ms)"
run $PA --json baseline --show app
s=$(ev_of "$OUT" db.query)
nw=$(jq '.window_p50_ns | length' <<<"$s")
[ "$RC" = 0 ] && [ "${nw:-0}" -ge 10 ] && [ "$(jq .windows <<<"$s")" = "$nw" ] && [ "$(jq .count <<<"$s")" = $N ] &&
	t_ok || t_fail "rc $RC: $s"

t_begin "the same distribution again (a new pid, a new run): check-regression -e db.query exits 0, OK"
dbq 400
run $PA check-regression -e db.query -t 50 --baseline app
[ "$RC" = 0 ] && case $OUT in "OK: db.query: "*) true ;; *) false ;; esac && t_ok || t_fail "exit $RC: $OUT $ERR"

t_begin "... every event (no -e): db.query checked, untimed db.ping skipped and said why, exit 0"
run $PA --json check-regression -t 50 --baseline app
[ "$RC" = 0 ] && [ "$(jq -r .verdict <<<"$OUT")" = OK ] &&
	[ "$(ev_of "$OUT" db.query | jq -r '.verdict + " " + .source + " " + (.current_count | tostring)')" = "OK app $N" ] &&
	jq -e '.skipped[] | select(.name == "db.ping") | .why | test("no duration")' <<<"$OUT" >/dev/null &&
	t_ok || t_fail "exit $RC: $(jq -c '[.events[] | {name, verdict, reason}], .skipped' <<<"$OUT")"

t_begin "durations 2x longer: check-regression -e db.query exits 1 and names db.query"
$PA reset >/dev/null
dbq 800
run $PA check-regression -e db.query -t 50 --baseline app
[ "$RC" = 1 ] && case $OUT in "REGRESSION: db.query: slower by more than 50 %"*) true ;; *) false ;; esac && t_ok ||
	t_fail "exit $RC: $OUT $ERR"

t_begin "... every event: overall REGRESSION (exit 1), db.query the one regressed, its interval above +50 %"
run $PA --json check-regression -t 50 --baseline app
e=$(ev_of "$OUT" db.query)
lo=$(jq '[.metrics[] | select(.verdict == "REGRESSION") | .ci_lo_pct] | max' <<<"$e")
[ "$RC" = 1 ] && [ "$(jq -r .verdict <<<"$e")" = REGRESSION ] && [ "$(jq .event <<<"$e")" = null ] &&
	[ "$(jq '[.events[] | select(.verdict == "REGRESSION")] | length' <<<"$OUT")" = 1 ] &&
	awk -v x="$lo" 'BEGIN { exit !(x > 50) }' && t_ok || t_fail "exit $RC: $e"

t_begin "the human output names db.query as regressed"
run $PA check-regression -t 50 --baseline app
[ "$RC" = 1 ] && case $OUT in *"REGRESSION: db.query:"*"Overall: REGRESSION (1 of 1 events regressed"*) true ;;
	*) false ;; esac && t_ok || t_fail "exit $RC: $OUT"

t_begin "an event no program recorded: a message naming it and the baseline's program events, exit 2"
run $PA check-regression -e no.such -t 50 --baseline app
[ "$RC" = 2 ] && expect_err "no event 'no.such'" && expect_err "program events in the baseline: db.query, db.ping" &&
	t_ok
t_begin "a program's numeric id (differs from run to run) or a malformed name: exit 2, said why"
run $PA check-regression -e 64 --baseline app
r1=$RC e1=$ERR
run $PA check-regression -e 'db query' --baseline app
[ "$r1" = 2 ] && [ "$RC" = 2 ] && case $e1 in *"unknown event '64'"*) true ;; *) false ;; esac &&
	expect_err "unknown event 'db query'" && t_ok || t_fail "exit $r1: $e1 / exit $RC: $ERR"

t_begin "a program event the baseline lacks: INCONCLUSIVE (exit 3), nothing to compare with"
run $PA --json check-regression -e db.query -t 50 --baseline empty
[ "$RC" = 3 ] && [ "$(jq .baseline_windows <<<"$OUT")" = 0 ] && [ "$(jq .current_windows <<<"$OUT")" -ge 10 ] &&
	t_ok || t_fail "exit $RC: $OUT"

t_begin "the baseline survives a restart; a program under another name is compared by event name"
pa_stop
pa_start -w 100 || t_fail "restart: $(cat "$PA_DIR/daemon.log")"
ln -s "$APP" "$PA_DIR/dbq-renamed"
dbq "$PA_DIR/dbq-renamed" 400
run $PA --json check-regression -e db.query -t 50 --baseline app
[ "$RC" = 0 ] && [ "$(jq -c .programs <<<"$OUT")" = '["app-dbquery","dbq-renamed"]' ] && t_ok ||
	t_fail "exit $RC: $(jq -c '{verdict, reason, programs}' <<<"$OUT") $ERR"

t_begin "the store is at schema version 5; program rows are keyed by name with source 'app'"
v=$(sqlite3 "$PERF_ANALYSIS_STATE_DIR/state.db" "PRAGMA user_version")
r=$(sqlite3 "$PERF_ANALYSIS_STATE_DIR/state.db" "SELECT e.event >= 256, e.source, e.programs FROM baseline_events e
	JOIN baselines b ON b.id = e.baseline_id WHERE b.name = 'app' AND e.name = 'db.query'")
[ "$v" = 5 ] && [ "$r" = "1|app|app-dbquery" ] && t_ok || t_fail "user_version $v, row '$r'"

# Alerts on a program event, by name: p99 of db.query (about 2 x 400 us + the sleep's lateness) against 500 us.
t_begin "configure --latency-event db.query sets a program event's threshold; it survives a restart"
run $PA configure --latency-event db.query --latency-threshold 500 --alert-min-count 5 --alert-fire-windows 2 \
	--alert-resolve-windows 3
r1=$RC
pa_stop
pa_start -w 100 || t_fail "restart: $(cat "$PA_DIR/daemon.log")"
c=$($PA --json configure | jq -c '.config.event_latency_threshold_us')
[ "$r1" = 0 ] && [ "$c" = '{"db.query":500}' ] && t_ok || t_fail "exit $r1, thresholds $c"

t_begin "db.query over its threshold fires one alert (after 2 windows), which resolves after 3 windows back"
dbq 400
sleep 0.5
a=$($PA --json alerts | jq -c '[.alerts[] | select(.name == "db.query")]')
f=$(jq -c '.[] | select(.state == "firing")' <<<"$a")
[ "$(jq length <<<"$a")" = 2 ] && [ "$(jq -r '.source + " " + .metric + " " + (.event | tostring)' <<<"$f")" = "app latency -2" ] &&
	awk -v v="$(jq .value <<<"$f")" 'BEGIN { exit !(v > 500) }' &&
	[ "$(jq '.[] | select(.state == "resolved") | .fired_id' <<<"$a")" = "$(jq .id <<<"$f")" ] &&
	[ "$(jq '(.window_end_ns - .window_start_ns) < 200000000' <<<"$f")" = true ] && t_ok || t_fail "alerts $a"

t_begin "the same run under a threshold it stays below (20 ms) raises nothing"
$PA configure --latency-event db.query --latency-threshold 20000 >/dev/null
n0=$($PA --json alerts | jq '.alerts | length')
dbq 400
sleep 0.5
n1=$($PA --json alerts | jq '.alerts | length')
[ "$n0" = 2 ] && [ "$n1" = 2 ] && t_ok || t_fail "alerts before $n0, after $n1"

t_begin "removing the threshold (0) removes it; a malformed name or a lone --latency-event is refused (exit 2)"
run $PA configure --latency-event db.query --latency-threshold 0
r1=$RC
c=$($PA --json configure | jq -c '.config.event_latency_threshold_us')
run $PA configure --latency-event 'db query' --latency-threshold 5
r2=$RC
run $PA configure --latency-event db.query
[ "$r1" = 0 ] && [ "$c" = '{}' ] && [ "$r2" = 2 ] && [ "$RC" = 2 ] && expect_err "needs --latency-threshold" && t_ok ||
	t_fail "exits $r1 $r2 $RC, thresholds $c: $ERR"

# Throughput and error-rate thresholds of a program event. The program marks queries failed with
# PERF_EVENT_FAILED_IF; a query takes 0.4-0.8 ms, so db.query runs at ~1500/s, ~150 per 100 ms window.
# alerts_since ID METRIC: db.query's alert records of METRIC after record ID.
alerts_since() { $PA --json alerts --since "$1" | jq -c --arg m "$2" '[.alerts[] | select(.name == "db.query" and .metric == $m)]'; }
last_id() { $PA --json alerts | jq '[.alerts[].id] | max // 0'; }
t_begin "--error-rate-event and --throughput-event give db.query thresholds of its own, kept over a restart"
run $PA configure --error-rate-event db.query --error-rate-threshold 10
r1=$RC
run $PA configure --throughput-event db.query --throughput-threshold 500
r2=$RC
pa_stop
pa_start -w 100 --http 0 || t_fail "restart: $(cat "$PA_DIR/daemon.log")"
URL=$(sed -n 's|.*http: dashboard and /metrics on \(http://[^ ]*\) .*|\1|p' "$PA_DIR/daemon.log" | tail -1)
cfg=$($PA --json configure | jq -c .config)
[ "$r1$r2" = 00 ] &&
	[ "$(jq -c '.app_thresholds."db.query"' <<<"$cfg")" = '{"latency_us":0,"throughput":500,"throughput_below":false,"error_rate_pct":10}' ] &&
	[ "$(jq -c '[.throughput_threshold, .error_rate_threshold_pct, .throughput_below]' <<<"$cfg")" = '[1000,5,false]' ] &&
	case $($PA configure) in *"db.query throughput above 500 ops/s, db.query error rate 10 %"*) true ;; *) false ;; esac &&
	t_ok || t_fail "exits $r1 $r2: $cfg"

t_begin "5 % of the queries marked failed (under 10 %): the daemon counts every one, no error-rate alert"
$PA reset >/dev/null
id0=$(last_id)
FAILED=5 N=1000 dbq 400
sleep 0.4
k=$(sed -n 's/^failed //p' <<<"$APPOUT")
e=$($PA --json stats | jq '[.programs[].events[] | select(.name == "db.query") | .errors] | add')
a=$(alerts_since "$id0" error_rate)
[ "$k" = 50 ] && [ "$e" = 50 ] && [ "$a" = '[]' ] && t_ok || t_fail "program failed $k, daemon errors $e, alerts $a"

t_begin "25 % marked failed: one error-rate alert (app, -2, about 25 %), resolved once the program stopped"
id0=$(last_id)
FAILED=25 N=1000 dbq 400
sleep 0.5
a=$(alerts_since "$id0" error_rate)
f=$(jq -c '.[] | select(.state == "firing")' <<<"$a")
[ "$(jq length <<<"$a")" = 2 ] && [ "$(jq -r '.source + " " + (.event | tostring) + " " + .unit' <<<"$f")" = "app -2 %" ] &&
	awk -v v="$(jq .value <<<"$f")" 'BEGIN { exit !(v >= 15 && v <= 35) }' && [ "$(jq .threshold <<<"$f")" = 10 ] &&
	[ "$(jq '.[] | select(.state == "resolved") | .fired_id' <<<"$a")" = "$(jq .id <<<"$f")" ] && t_ok ||
	t_fail "alerts $a"

t_begin "above its 500 ops/s: a throughput alert while db.query runs, firing in /metrics, resolved after"
id0=$(last_id)
$RT "$APP" 2000 400 >"$PA_DIR/bg.out" &
bg=$!
act=0
for _ in $(seq 40); do
	act=$($PA --json alerts --active | jq '[.active[] | select(.name == "db.query" and .metric == "throughput")] | length')
	[ "$act" = 1 ] && break
	sleep 0.1
done
m=$(curl -s --max-time 10 "${URL}metrics")
wait $bg
sleep 0.6
a=$(alerts_since "$id0" throughput)
f=$(jq -c '.[] | select(.state == "firing")' <<<"$a")
[ "$act" = 1 ] && [ "$(jq length <<<"$a")" = 2 ] && [ "$(jq -r '.source + " " + .direction' <<<"$f")" = "app above" ] &&
	awk -v v="$(jq .value <<<"$f")" 'BEGIN { exit !(v > 500 && v < 5000) }' &&
	[ "$(jq '.[] | select(.state == "resolved") | .fired_id' <<<"$a")" = "$(jq .id <<<"$f")" ] &&
	grep -qx 'perf_analysis_alert_firing{alert="throughput",event="db.query"} 1' <<<"$m" &&
	grep -qx 'perf_analysis_alert_firing{alert="error_rate",event="db.query"} 0' <<<"$m" &&
	! grep -q 'alert="latency",event="db.query"' <<<"$m" && t_ok ||
	t_fail "active $act, alerts $a, metrics: $(grep 'db.query' <<<"$m")"

t_begin "--throughput-below on db.query: idle (0 ops/s) fires, a run resolves it; the kernel's direction unchanged"
id0=$(last_id)
$PA configure --throughput-event db.query --throughput-below --throughput-threshold 100 >/dev/null
sleep 0.5
N=1000 dbq 400
a=$(alerts_since "$id0" throughput)
below=$($PA --json configure | jq -c '[.config.throughput_below, .config.app_thresholds."db.query".throughput_below]')
[ "$(jq -c '.[0] | [.state, .value, .direction]' <<<"$a")" = '["firing",0,"below"]' ] &&
	[ "$(jq -c '.[1] | [.state, .fired_id]' <<<"$a")" = "[\"resolved\",$(jq '.[0].id' <<<"$a")]" ] &&
	[ "$below" = '[false,true]' ] && t_ok || t_fail "alerts $a, directions $below"

t_begin "thresholds set to 0 remove them; a firing alert resolves; nothing stored is left"
$PA configure --throughput-event db.query --throughput-threshold 0 >/dev/null
$PA configure --error-rate-event db.query --error-rate-threshold 0 >/dev/null
sleep 0.6
act=$($PA --json alerts --active | jq '[.active[] | select(.name == "db.query")] | length')
c=$($PA --json configure | jq -c .config.app_thresholds)
rows=$(sqlite3 "$PERF_ANALYSIS_STATE_DIR/state.db" "SELECT count(*) FROM config WHERE key LIKE 'app_%'")
[ "$act" = 0 ] && [ "$c" = '{}' ] && [ "$rows" = 0 ] && t_ok || t_fail "active $act, thresholds $c, rows $rows"

t_begin "refused with exit 2: a kernel event or malformed name, a missing value, a rate over 100 %"
run $PA configure --throughput-event syscall --throughput-threshold 5
r1=$RC e1=$ERR
run $PA configure --error-rate-event 'db query' --error-rate-threshold 5
r2=$RC
run $PA configure --error-rate-event db.query
r3=$RC e3=$ERR
run $PA configure --error-rate-event db.query --error-rate-threshold 101
[ "$r1$r2$r3$RC" = 2222 ] && case $e1 in *"'syscall' is not a program event's name"*) true ;; *) false ;; esac &&
	case $e3 in *"--error-rate-event needs --error-rate-threshold"*) true ;; *) false ;; esac && t_ok ||
	t_fail "exits $r1 $r2 $r3 $RC: $e1 / $e3"

# Programs' samples have a queue of their own: a 16-sample buffer, counted exactly per source.
samples() { echo '{"v":1,"id":1,"method":"samples","params":{"max":65536}}' | "$RAWSOCK" "$PERF_ANALYSIS_SOCKET" send; }
napp() { jq '[.result.samples[] | select(.flags / 16 | floor % 2 == 1)] | length' <<<"$1"; }
t_begin "programs' samples in their own queue: returned + dropped = recorded, exactly"
$PA configure -b 16 >/dev/null
s0=$(samples)
N=100 dbq 50
s1=$(samples)
d0=$(jq .result.queues.app.dropped <<<"$s0")
d1=$(jq .result.queues.app.dropped <<<"$s1")
[ "$(napp "$s1")" = 16 ] && [ $(($(napp "$s1") + d1 - d0)) = 200 ] && [ "$(jq .result.queues.app.remaining <<<"$s1")" = 0 ] &&
	t_ok || t_fail "app samples $(napp "$s1"), app queue dropped $d0 -> $d1: $(jq -c .result.queues <<<"$s1")"

t_begin "a kernel sample flood does not overwrite programs' samples; each queue's loss is its own"
$PA enable >/dev/null
if ! pa_kernel_available; then
	t_skip "the daemon has no kernel capture here: $($PA --json status | jq -r .kernel.why)"
else
	s0=$(samples)
	N=100 dbq 50
	s1=$(samples)
	d0=$(jq .result.queues.app.dropped <<<"$s0")
	d1=$(jq .result.queues.app.dropped <<<"$s1")
	k0=$(jq .result.queues.kernel.dropped <<<"$s0")
	k1=$(jq .result.queues.kernel.dropped <<<"$s1")
	st=$($PA --json status | jq -c .queue_overwritten_by_source)
	[ "$(napp "$s1")" = 16 ] && [ $(($(napp "$s1") + d1 - d0)) = 200 ] && [ "$k1" -gt "$k0" ] &&
		[ "$(jq '.result.samples | length' <<<"$s1")" = 32 ] && [ "$(jq .app <<<"$st")" = "$d1" ] &&
		[ "$(jq .kernel <<<"$st")" -ge "$k1" ] && t_ok ||
		t_fail "app samples $(napp "$s1") (dropped $d0 -> $d1), kernel dropped $k0 -> $k1, status $st"
fi
$PA disable >/dev/null

t_done
