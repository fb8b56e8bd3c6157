#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-http.sh - perf-analysisd --http: the listener's address rules, /metrics
# checked by promtool and scraped by a real Prometheus while a workload runs,
# /api/ answering like the RPC interface, and bad requests (unknown path,
# POST, huge headers, foreign Host, configure methods) refused with 4xx while
# the daemon carries on.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
WORKLOAD=$PWD/$BUILD/tests/workloads/workload

# http_get PATH [CURL ARGS]: status code in CODE, body in BODY, headers in HDRS.
http_get() {
	local path=$1
	shift
	CODE=$(curl -s -o "$PA_DIR/body" -D "$PA_DIR/hdrs" -w '%{http_code}' --max-time 10 "$@" "$URL${path#/}")
	BODY=$(cat "$PA_DIR/body" 2>/dev/null)
	HDRS=$(cat "$PA_DIR/hdrs" 2>/dev/null)
}

t_begin "--http refuses a non-loopback address without --http-allow-remote, and bad addresses"
ok=1
for a in 0.0.0.0:0 192.168.1.1:80 '[::]:0'; do
	"$PAD" --http "$a" 2>"$PA_DIR/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q -- "--http-allow-remote" "$PA_DIR/err" || { ok=0; t_fail "$a: rc $rc $(cat "$PA_DIR/err")"; }
done
for a in 127.0.0.1:x 70000 'host.example:80' '[::1]80' ''; do
	"$PAD" --http "$a" 2>"$PA_DIR/err"
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "--http '$a'" "$PA_DIR/err" || { ok=0; t_fail "'$a': rc $rc $(cat "$PA_DIR/err")"; }
done
[ $ok = 1 ] && t_ok

t_begin "the daemon starts with --http PORT on 127.0.0.1 and logs where"
if ! pa_start --http 0 -w 500; then
	t_fail "daemon did not start: $(cat "$PA_DIR/daemon.log")"
	t_done
fi
URL=$(sed -n 's|.*http: dashboard and /metrics on \(http://[^ ]*\) .*|\1|p' "$PA_DIR/daemon.log")
case $URL in
http://127.0.0.1:[1-9]*/) t_ok ;;
*) t_fail "no loopback URL in the log: $(cat "$PA_DIR/daemon.log")"; t_done ;;
esac
port=${URL##*:}
port=${port%/}
ss -ltn | grep -q "127.0.0.1:$port " || t_fail "port $port not listening on 127.0.0.1 only: $(ss -ltn)"

t_begin "a port in use: exit 1 naming the address and the reason, the first daemon unharmed"
PERF_ANALYSIS_STATE_DIR=$PA_DIR/state2 "$PAD" --socket "$PA_DIR/second.sock" --http "127.0.0.1:$port" \
	2>"$PA_DIR/second.log"
rc=$?
if [ $rc = 1 ] && grep -q "cannot listen: Address already in use" "$PA_DIR/second.log" &&
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${URL}metrics")" = 200 ]; then t_ok
else t_fail "rc $rc: $(cat "$PA_DIR/second.log")"; fi

KERNEL=no
pa_kernel_available && KERNEL=yes
if [ $KERNEL = no ]; then
	[ "${CI:-}" = true ] && echo "note: kernel capture unavailable under CI" >&2
fi
$PA enable >/dev/null

t_begin "/metrics: 200, the exporter's content type, promtool finds nothing to complain about"
"$WORKLOAD" -g 20000 -p 20 >/dev/null
sleep 0.6
http_get /metrics
if [ "$CODE" != 200 ]; then
	t_fail "status $CODE"
elif ! grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' <<<"$HDRS"; then
	t_fail "content type: $HDRS"
elif ! out=$(promtool check metrics <"$PA_DIR/body" 2>&1) || [ -n "$out" ]; then
	t_fail "promtool check metrics: $out"
elif ! grep -q '^perf_analysis_event_duration_seconds_bucket{event="syscall",le="+Inf"} [1-9]' <<<"$BODY" &&
	[ $KERNEL = yes ]; then
	t_fail "no syscall histogram with events"
else
	t_ok
fi

t_begin "/metrics carries drops by stage and the daemon's own overhead"
for m in 'perf_analysis_dropped_total{stage="ring_reserve"}' 'perf_analysis_dropped_total{stage="queue_overflow"}' \
	perf_analysis_daemon_cpu_seconds_total perf_analysis_daemon_resident_memory_bytes perf_analysis_bpf_runs_total; do
	grep -qF "$m " <<<"$BODY" || { t_fail "missing $m"; break; }
done
rss=$(sed -n 's/^perf_analysis_daemon_resident_memory_bytes //p' <<<"$BODY")
[ "${rss:-0}" -gt 1000000 ] && t_ok || t_fail "resident memory '$rss' bytes"

t_begin "/metrics alert states agree with the alerts RPC: a 1 us syscall latency threshold fires"
$PA configure --latency-event syscall --latency-threshold 1 >/dev/null
for _ in $(seq 50); do
	"$WORKLOAD" -g 2000 >/dev/null
	[ "$($PA --json alerts | jq '[.active[] | select(.name == "syscall" and .metric == "latency")] | length')" = 1 ] && break
	sleep 0.2
done
http_get /metrics
firing=$(sed -n 's/^perf_analysis_alert_firing{alert="latency",event="syscall"} //p' <<<"$BODY")
raised=$(sed -n 's/^perf_analysis_alerts_raised_total{alert="latency",event="syscall"} //p' <<<"$BODY")
quiet=$(sed -n 's/^perf_analysis_alert_firing{alert="error_rate",event="vm_alloc"} //p' <<<"$BODY")
$PA configure --latency-event syscall --latency-threshold 0 >/dev/null
if [ $KERNEL = no ]; then
	t_skip "kernel capture unavailable: no syscall latency to judge"
elif [ "$firing" = 1 ] && [ "${raised:-0}" -ge 1 ] && [ "$quiet" = 0 ]; then
	t_ok
else
	t_fail "firing '$firing' raised '$raised' (vm_alloc error_rate '$quiet'): $(grep alert <<<"$BODY" | head -5)"
fi

t_begin "/metrics counts agree with the RPC interface (between two readings)"
ok=1
for ev in syscall context_switch ipc_send vm_alloc; do
	c1=$($PA --json stats $ev | jq .events[0].count)
	http_get /metrics
	c2=$($PA --json stats $ev | jq .events[0].count)
	v=$(sed -n "s/^perf_analysis_events_total{event=\"$ev\"} //p" <<<"$BODY")
	if [ -z "$v" ] || [ "$v" -lt "$c1" ] || [ "$v" -gt "$c2" ]; then
		ok=0
		t_fail "$ev: /metrics $v outside [$c1, $c2]"
	fi
done
if [ $KERNEL = yes ] && [ "$c2" = 0 ]; then ok=0; t_fail "no vm_alloc events counted"; fi
[ $ok = 1 ] && t_ok

t_begin "a real Prometheus scrapes the daemon: rate() and histogram_quantile() come back"
if ! command -v prometheus >/dev/null; then
	t_skip "prometheus missing (scripts/install-deps.sh installs it)"
elif [ $KERNEL = no ]; then
	t_skip "kernel capture unavailable: no events to scrape"
else
	python3 tests/web/prom-daemon.py "${URL}metrics" "$PA" "$WORKLOAD" "$PA_DIR" >"$PA_DIR/prom.out" 2>&1
	rc=$?
	cat "$PA_DIR/prom.out"
	if [ $rc -eq 0 ] && grep -c '^ok ' "$PA_DIR/prom.out" | grep -qx 4; then
		t_ok
	else
		t_fail "prom-daemon.py exit $rc; prometheus log: $(tail -5 "$PA_DIR/prometheus.log" 2>/dev/null)"
	fi
fi

t_begin "/api/stats answers like the RPC stats method"
http_get "/api/stats?event=vm_alloc"
a=$(jq -c '.events[0] | [.id, .name, .has_duration, .available]' <<<"$BODY")
b=$($PA --json stats vm_alloc | jq -c '.events[0] | [.id, .name, .has_duration, .available]')
[ "$CODE" = 200 ] && [ -n "$a" ] && [ "$a" = "$b" ] && t_ok || t_fail "$CODE: $a vs $b"

t_begin "/api/windows: columns of closed windows whose counts add up to stats --last"
sleep 1.1
http_get "/api/windows?last=4"
n=$(jq '[.events[] | select(.name == "syscall") | .count | length] | .[0]' <<<"$BODY")
wm=$(jq .window_ms <<<"$BODY")
[ "$CODE" = 200 ] && [ "$n" = 4 ] && [ "$wm" = 500 ] && t_ok || t_fail "$CODE: $n windows, window_ms $wm"

t_begin "/api lists the read-only endpoints only"
http_get /api
eps=$(jq -c .endpoints <<<"$BODY")
if [ "$CODE" = 200 ] && jq -e '.endpoints | index("stats") and index("status") and index("windows")' <<<"$BODY" >/dev/null &&
	! jq -e '.endpoints | (index("enable") or index("configure") or index("reset") or index("baseline")
		or index("samples") or index("audit"))' <<<"$BODY" >/dev/null; then t_ok; else t_fail "$CODE: $eps"; fi

t_begin "nothing on HTTP changes the daemon: configure methods are 404, state unchanged"
before=$($PA --json status | jq -c .config)
audit_before=$($PA --json audit | jq '.entries | length')
ok=1
for p in "/api/enable?enabled=false" "/api/configure?sample_rate=7" /api/reset /api/baseline "/api/samples?max=5" \
	/api/audit; do
	http_get "$p"
	[ "$CODE" = 404 ] || { ok=0; t_fail "$p: $CODE $BODY"; }
done
for m in POST PUT DELETE PATCH; do
	http_get "/api/configure?sample_rate=7" -X $m -d sample_rate=7
	[ "$CODE" = 405 ] && grep -qi '^Allow: GET, HEAD' <<<"$HDRS" || { ok=0; t_fail "$m: $CODE"; }
done
after=$($PA --json status | jq -c .config)
[ "$before" = "$after" ] || { ok=0; t_fail "configuration changed: $before -> $after"; }
[ "$($PA --json status | jq .enabled)" = true ] || { ok=0; t_fail "monitoring was disabled"; }
[ "$($PA --json audit | jq '.entries | length')" = "$audit_before" ] ||
	{ ok=0; t_fail "the audit log grew: something over HTTP was recorded as a change"; }
[ $ok = 1 ] && t_ok

t_begin "bad requests get 4xx: unknown path 404, bad parameter 400, POST 405, huge header 431, foreign Host 403"
ok=1
expect_code() { [ "$CODE" = "$1" ] || { ok=0; t_fail "$2: got $CODE, expected $1 ($BODY)"; }; }
http_get /nope; expect_code 404 "/nope"
http_get /../../etc/passwd --path-as-is; expect_code 404 "/../../etc/passwd"
http_get /api/nosuchmethod; expect_code 404 "/api/nosuchmethod"
http_get "/api/stats?bogus=1"; expect_code 400 "unknown parameter"
http_get "/api/stats?event=nosuch"; expect_code 400 "unknown event"
http_get "/api/windows?last=-1"; expect_code 400 "windows last=-1"
http_get /metrics -X POST -d x=1; expect_code 405 "POST /metrics"
http_get /metrics -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)"; expect_code 431 "40 kB header"
http_get /metrics -H "Host: attacker.example"; expect_code 403 "foreign Host"
http_get /metrics -H "Host: localhost:$port"; expect_code 200 "Host localhost"
# a request line that is not HTTP, and a connection closed mid-headers
reply=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'GARBAGE\r\n\r\n' >&3; head -1 <&3")
# libmicrohttpd answers 400 or just closes: either way no 2xx/5xx and nothing served
case $reply in "" | "HTTP/1.1 4"*) ;; *) ok=0; t_fail "a non-HTTP request line: '$reply'" ;; esac
timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-' >&3"
http_get /metrics; expect_code 200 "after garbage and a half request"
[ $ok = 1 ] && t_ok

t_begin "HEAD /metrics: headers only"
len=$(curl -s -I --max-time 5 "${URL}metrics" | tr -d '\r' | sed -n 's/^Content-Length: //Ip')
body=$(curl -s --head --max-time 5 "${URL}metrics" | grep -c '^perf_analysis')
[ "${len:-0}" -gt 1000 ] && [ "$body" = 0 ] && t_ok || t_fail "Content-Length '$len', body lines $body"

t_begin "the daemon still answers RPC and HTTP after all that"
run $PA --json status
if expect_rc 0 && [ "$(jq .pid <<<"$OUT")" = "$PA_PID" ]; then
	http_get /api/status
	[ "$CODE" = 200 ] && [ "$(jq .pid <<<"$BODY")" = "$PA_PID" ] && t_ok || t_fail "HTTP status $CODE"
fi

t_begin "the daemon stops cleanly and the port is released"
pa_stop
if [ "$PA_RC" = 0 ] && ! ss -ltn | grep -q "127.0.0.1:$port "; then t_ok; else t_fail "rc $PA_RC"; fi
t_done
