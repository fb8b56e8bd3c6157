#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/blackbox/test-alerts.sh - threshold alerts and the overhead budget,
# driven by real workloads against a private daemon (needs root and eBPF):
#   - syscalls made to take 2 ms fire one syscall latency alert (value at
#     least the 2 ms slept, in us; oversleeping on a busy machine only adds), which
#     resolves once they stop; the record has the right fields and comes once;
#   - syscalls of which 10 % fail fire an error-rate alert;
#   - every transition runs the alert command with the alert in its
#     environment, goes to syslog, and to `alerts --follow --json`;
#   - an overhead budget set very low lowers the sample rate, says so in the
#     log, the alert log and status, and restores it when lifted.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
LOAD=$PWD/$BUILD/tests/workloads/alert-load

if [ "$(id -u)" != 0 ]; then
	t_begin "alerts"; t_skip "needs root for eBPF"; t_done
fi

# The alert command: writes its environment to a file named after the alert id.
cat >"$PA_DIR/hook" <<'EOF'
#!/bin/sh
env | grep '^PA_ALERT_' | sort >"$(dirname "$0")/hook.$PA_ALERT_ID.tmp"
echo "argc $#" >>"$(dirname "$0")/hook.$PA_ALERT_ID.tmp"
mv "$(dirname "$0")/hook.$PA_ALERT_ID.tmp" "$(dirname "$0")/hook.$PA_ALERT_ID"
EOF
chmod 755 "$PA_DIR/hook"

# Syslog: with no syslog daemon here, listen on /dev/log ourselves for the test's duration.
SYSLOG_OWN=
if [ ! -e /dev/log ] && command -v python3 >/dev/null; then
	python3 - "$PA_DIR/syslog" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
EOF
	SYSLOG_OWN=$!
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
fi
syslog_cleanup() {
	if [ -n "$SYSLOG_OWN" ]; then kill "$SYSLOG_OWN" 2>/dev/null; wait "$SYSLOG_OWN" 2>/dev/null; rm -f /dev/log; fi
	[ -n "${FOLLOW_PID:-}" ] && kill "$FOLLOW_PID" 2>/dev/null
	pa_cleanup
}
trap syslog_cleanup EXIT

pa_start --window-ms 250 --alert-command "$PA_DIR/hook" || { t_begin "daemon"; t_fail "$(cat "$PA_DIR/daemon.log")"; t_done; }
if ! pa_kernel_available; then
	t_begin "alerts"; t_skip "kernel capture unavailable: $("$PA" --json status | jq -r .kernel.why)"; t_done
fi

# Only the workload's events; every threshold off except the ones a test turns on.
"$PA" configure --comm alert-load --latency-threshold 0 --throughput-threshold 0 --error-rate-threshold 5 \
	--alert-resolve-windows 3 >/dev/null &&
	"$PA" configure --latency-event syscall --latency-threshold 1000 >/dev/null && "$PA" enable >/dev/null ||
	{ t_begin "configure"; t_fail "configure/enable failed"; t_done; }

# alerts --follow --json from the start: every record it prints must be new.
"$PA" --json alerts --follow >"$PA_DIR/follow" 2>"$PA_DIR/follow.err" &
FOLLOW_PID=$!

# alerts_json: the alert log as JSON, one record per line.
alerts_json() { "$PA" --json alerts -n 1000 | jq -c '.alerts[]'; }

t_begin "configure shows the per-event latency threshold and the alert settings"
cfg=$("$PA" --json configure | jq -c '.config | [.latency_threshold_us, .event_latency_threshold_us.syscall,
	.latency_quantile_ppm, .error_rate_threshold_pct, .alert_resolve_windows, .alert_min_count, .overhead_budget_ppm]')
t_assert_eq "config" "[0,1000,990000,5,3,20,50000]" "$cfg" && t_ok

t_begin "syscalls taking 2 ms fire one syscall latency alert (p99 over 1000 us) that resolves after they stop"
"$LOAD" sleep 2000 2 >/dev/null
sleep 1.5 # three windows of 250 ms back under the threshold, and some margin
lat=$(alerts_json | jq -c 'select(.name == "syscall" and .metric == "latency")')
firing=$(printf '%s\n' "$lat" | jq -c 'select(.state == "firing")')
resolved=$(printf '%s\n' "$lat" | jq -c 'select(.state == "resolved")')
if [ "$(printf '%s\n' "$firing" | grep -c .)" != 1 ] || [ "$(printf '%s\n' "$resolved" | grep -c .)" != 1 ]; then
	t_fail "expected one firing and one resolved record, got: $lat"
elif ! printf '%s\n' "$firing" | jq -e '.event == 10 and .unit == "us" and .threshold == 1000 and
		.value >= 1950 and .value < 100000 and .quantile_ppm == 990000 and .time_unix_ns > 0 and
		.window_end_ns > .window_start_ns and (.completeness | test("complete|sampled|lossy")) and
		(.message | test("syscall p99 latency"))' >/dev/null; then
	t_fail "firing record has wrong fields: $firing"
elif ! jq -e --argjson f "$firing" '.fired_id == $f.id and .id > $f.id and .value < 1000' <<<"$resolved" >/dev/null; then
	t_fail "resolved record does not end the firing one: $resolved"
else
	t_ok
fi
LAT_ID=$(printf '%s\n' "$firing" | jq -r .id)

t_begin "no alert is active once the load stopped (alerts --active, status)"
active=$("$PA" --json alerts | jq -c '[.active[] | select(.name == "syscall")] | length')
status_active=$("$PA" --json status | jq -c '[.active_alerts[] | select(.name == "syscall")] | length')
t_assert_eq "active" "0 0" "$active $status_active" && t_ok

t_begin "syscalls failing at 10 % fire an error-rate alert (over 5 %), resolved after they stop"
"$LOAD" errors 10 2 >"$PA_DIR/errors.out"
sleep 1.5
err=$(alerts_json | jq -c 'select(.name == "syscall" and .metric == "error_rate")')
firing=$(printf '%s\n' "$err" | jq -c 'select(.state == "firing")')
if [ "$(printf '%s\n' "$firing" | grep -c .)" != 1 ]; then
	t_fail "expected one firing error_rate record, got: $err (workload: $(cat "$PA_DIR/errors.out"))"
elif ! printf '%s\n' "$firing" | jq -e '.unit == "%" and .threshold == 5 and .value > 8 and .value < 11' >/dev/null; then
	t_fail "error-rate record: $firing"
elif [ "$(printf '%s\n' "$err" | jq -c 'select(.state == "resolved")' | grep -c .)" != 1 ]; then
	t_fail "no resolved record: $err"
else
	t_ok
fi
ERR_ID=$(printf '%s\n' "$firing" | jq -r .id)

t_begin "the alert command ran for each transition with the alert in its environment, no arguments"
for _ in $(seq 30); do [ -f "$PA_DIR/hook.$ERR_ID" ] && break; sleep 0.1; done
h=$(cat "$PA_DIR/hook.$LAT_ID" 2>/dev/null)
case $h in
*PA_ALERT_EVENT_NAME=syscall*PA_ALERT_METRIC=latency*PA_ALERT_STATE=firing*PA_ALERT_THRESHOLD=1000.000*)
	if grep -q '^argc 0$' "$PA_DIR/hook.$LAT_ID" && grep -q PA_ALERT_METRIC=error_rate "$PA_DIR/hook.$ERR_ID"; then
		t_ok
	else
		t_fail "hook files: $(cat "$PA_DIR"/hook.* 2>&1)"
	fi ;;
*) t_fail "hook environment for alert $LAT_ID: '$h'" ;;
esac

t_begin "alerts went to syslog"
if [ ! -e /dev/log ]; then
	t_skip "no /dev/log and no python3 to listen there (scripts/install-deps.sh installs python3)"
elif [ -z "$SYSLOG_OWN" ]; then
	if command -v journalctl >/dev/null && journalctl -t perf-analysisd --since "-2min" | grep -q "alert $LAT_ID firing"; then
		t_ok
	else
		t_skip "/dev/log belongs to a syslog daemon and journalctl does not show it"
	fi
elif grep -q "perf-analysisd\[$PA_PID\]: alert $LAT_ID firing: syscall p99 latency" "$PA_DIR/syslog" &&
	grep -q "alert $ERR_ID firing: syscall error rate" "$PA_DIR/syslog"; then
	t_ok
else
	t_fail "syslog got: $(cat "$PA_DIR/syslog")"
fi

t_begin "alerts --follow --json printed each record exactly once"
sleep 0.7
kill "$FOLLOW_PID"; wait "$FOLLOW_PID" 2>/dev/null; FOLLOW_PID=
ids=$(jq -r .id "$PA_DIR/follow" | sort -n | tr '\n' ' ')
all=$(alerts_json | jq -r .id | sort -n | tr '\n' ' ')
if [ -n "$ids" ] && [ "$ids" = "$all" ]; then t_ok; else t_fail "follow saw '$ids', log has '$all' ($(cat "$PA_DIR/follow.err"))"; fi

t_begin "the human alert table lists the latency alert"
"$PA" alerts | grep -E "^$LAT_ID +[0-9-]+ [0-9:]+ firing +syscall +latency p99 +[0-9.]+ us +1000.00 us" >/dev/null &&
	t_ok || t_fail "$("$PA" alerts)"

t_begin "throughput: above 1000 ops/s fires under a fast loop; below 100 ops/s fires when idle, resolves under load"
"$PA" configure --alert-events syscall --throughput-threshold 1000 --error-rate-threshold 0 >/dev/null
b0=$(alerts_json | jq -s 'map(.id) | max // 0')
"$LOAD" errors 0 2 >/dev/null
sleep 1.5
above=$(alerts_json | jq -c --argjson b "$b0" 'select(.id > $b and .name == "syscall" and .metric == "throughput")')
"$PA" configure --throughput-below --throughput-threshold 100 >/dev/null
sleep 1 # idle: the workload's syscall rate is 0
b1=$(alerts_json | jq -s 'map(.id) | max // 0')
"$LOAD" errors 0 2 >/dev/null
below=$(alerts_json | jq -c --argjson b "$b0" 'select(.id > $b and .name == "syscall" and .metric == "throughput" and
	.direction == "below")')
"$PA" configure --throughput-above --throughput-threshold 0 >/dev/null
if ! jq -se 'length == 2 and .[0].state == "firing" and .[0].direction == "above" and .[0].value > 1000 and
		.[0].threshold == 1000 and .[0].unit == "ops/s" and .[1].state == "resolved" and .[1].fired_id == .[0].id' \
		<<<"$above" >/dev/null; then
	t_fail "above: $above"
elif ! jq -se --argjson b "$b1" 'length == 2 and .[0].state == "firing" and .[0].value < 100 and .[0].id <= $b and
		.[1].state == "resolved" and .[1].value >= 100 and .[1].id > $b' <<<"$below" >/dev/null; then
	t_fail "below: $below"
else
	t_ok
fi

t_begin "an overhead budget set very low lowers the sample rate and says so (log, alert, status)"
# (On a busy machine the default 5 % budget may have acted already: count only what follows.)
"$PA" configure --overhead-budget 0 >/dev/null # no budget: the configured rate, no overhead alert
for _ in $(seq 20); do
	[ "$("$PA" --json status | jq -c '[.overhead.budget.throttled, [.active_alerts[] | select(.metric == "overhead")]]')" = \
		"[false,[]]" ] && break
	sleep 0.25
done
b2=$(alerts_json | jq -s 'map(.id) | max // 0')
"$PA" configure --overhead-budget 0.001 >/dev/null
"$LOAD" spin 2 >/dev/null
st=$("$PA" --json status)
if ! jq -e '.overhead.budget.throttled == true and .overhead.budget.bpf_measured == true and
		.overhead.budget.sample_rate_effective < .overhead.budget.sample_rate_configured and
		.overhead.budget.pct > 0.001 and .kernel.bpf_stats_enabled == true' <<<"$st" >/dev/null; then
	t_fail "status: $(jq -c .overhead <<<"$st")"
elif ! grep -qE "over the budget of [0-9.]+ % .*sample rate lowered from 1000/s to 500/s per CPU" "$PA_DIR/daemon.log"; then
	t_fail "daemon log: $(grep overhead "$PA_DIR/daemon.log")"
elif [ "$(alerts_json | jq -c --argjson b "$b2" 'select(.id > $b and .metric == "overhead" and .state == "firing" and
		.event == -1 and .threshold == 0.001)' | grep -c .)" != 1 ]; then
	t_fail "overhead alerts: $(alerts_json | jq -c 'select(.metric == "overhead")')"
elif ! "$PA" status | grep -q "sample rate lowered"; then
	t_fail "status text: $("$PA" status)"
else
	t_ok
fi

t_begin "lifting the budget restores the configured sample rate and resolves the overhead alert"
"$PA" configure --overhead-budget 50 >/dev/null
for _ in $(seq 60); do
	[ "$("$PA" --json status | jq .overhead.budget.throttled)" = false ] && break
	sleep 0.25
done
st=$("$PA" --json status | jq -c '.overhead.budget | [.throttled, .sample_rate_effective]')
res=$(alerts_json | jq -c --argjson b "$b2" 'select(.id > $b and .metric == "overhead" and .state == "resolved")' |
	grep -c .)
if [ "$st" = "[false,1000]" ] && [ "$res" = 1 ] && grep -q "raised to 1000/s per CPU (the configured rate)" "$PA_DIR/daemon.log"; then
	t_ok
else
	t_fail "status $st, resolved records $res, log: $(grep -i 'sample rate' "$PA_DIR/daemon.log")"
fi

t_begin "bad alert settings are refused with a message naming them"
# (A well-formed unknown name, such as db.query, is a program's event: test-app-regression.sh.)
run "$PA" configure --latency-event 'no such' --latency-threshold 5
r1=$RC
run "$PA" configure --latency-event syscall
r2=$RC; e2=$ERR
run "$PA" configure --overhead-budget 200
r3=$RC
if [ "$r1 $r2 $r3" = "2 2 2" ] && [[ $e2 == *"--latency-event needs --latency-threshold"* ]]; then t_ok; else t_fail "rc $r1 $r2 $r3: $e2"; fi

t_begin "C API: perf_monitor_configure_ex sets a per-event threshold and quantile, refuses a bad combination"
API=$PWD/$BUILD/tests/blackbox/alerts-api
run "$API" configure
cfg=$("$PA" --json configure | jq -c '.config | [.event_latency_threshold_us.syscall, .latency_quantile_ppm]')
if [ "$RC" = 0 ] && [ "$OUT" = ok ] && [ "$cfg" = "[1500,999000]" ]; then t_ok; else t_fail "rc $RC $OUT $ERR, config $cfg"; fi

t_begin "C API: perf_monitor_alerts pages through the same records as alerts --json"
api=$("$API" list)
cli=$(alerts_json | jq -r '"\(.id) \(.event) \(.metric) \(.state) \(.value * 1000 | round / 1000) \(.threshold) \(.fired_id)"')
# Compare id, event, metric, state, fired_id exactly and the value to 0.01.
a=$(awk '{ printf "%s %s %s %s %.2f %d %s\n", $1, $2, $3, $4, $5, $6, $7 }' <<<"$api")
c=$(awk '{ printf "%s %s %s %s %.2f %d %s\n", $1, $2, $3, $4, $5, $6, $7 }' <<<"$cli")
if [ -n "$a" ] && [ "$a" = "$c" ]; then t_ok; else t_fail "API:\n$a\nCLI:\n$c"; fi

t_begin "the alert log survives a daemon restart"
n_before=$(alerts_json | grep -c .)
pa_stop
pa_start --window-ms 250 || t_fail "restart"
n_after=$("$PA" --json alerts -n 1000 | jq '.alerts | length')
t_assert_eq "records" "$n_before" "$n_after" && t_ok
t_done
