#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-robustness.sh - 100 concurrent clients are served; garbage, malformed
# JSON, oversized and stalled clients get an error or a disconnect, and the
# daemon goes on serving everyone else.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

healthy() { $PA --json status >/dev/null 2>&1; }
pa_start --client-timeout-ms 500 || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }

t_begin "100 concurrent CLI clients are all served"
pids=
for i in $(seq 100); do
	( $PA --json stats >"$PA_DIR/c$i.out" 2>&1; echo $? >"$PA_DIR/c$i.rc" ) &
	pids="$pids $!"
done
wait $pids # not a bare wait: that would wait for the daemon too
ok=0
for i in $(seq 100); do
	[ "$(cat "$PA_DIR/c$i.rc")" = 0 ] && [ "$(jq '.events | length' "$PA_DIR/c$i.out")" = 12 ] && ok=$((ok + 1))
done
t_assert_eq "clients served" 100 "$ok" && t_ok

t_begin "100 connections held open at once each get a reply, and a 101st client is served meanwhile"
$RAWSOCK "$PERF_ANALYSIS_SOCKET" hold 100 2 >"$PA_DIR/hold.out" &
hold=$!
sleep 1
healthy && h=yes || h=no
wait $hold
t_assert_eq "replies" 100 "$(cat "$PA_DIR/hold.out")" && t_assert_eq "101st served" yes "$h" && t_ok

t_begin "random bytes on the socket: the daemon stays healthy"
head -c 200000 /dev/urandom | $RAWSOCK "$PERF_ANALYSIS_SOCKET" send >/dev/null
healthy && t_ok || t_fail "daemon unhealthy after garbage"

t_begin "malformed JSON gets an EBADMSG reply and the connection keeps working"
out=$(printf '{"v":1,"id":5,"method":\n{"v":1,"id":6,"method":"status"}\n' | $RAWSOCK "$PERF_ANALYSIS_SOCKET" send)
a=$(echo "$out" | sed -n 1p | jq -r .error.code)
b=$(echo "$out" | sed -n 2p | jq -r '.id, (.result | has("version"))' | tr '\n' ' ')
t_assert_eq "first reply" EBADMSG "$a" && t_assert_eq "second reply" "6 true " "$b" && t_ok

t_begin "unknown method, wrong type, unknown version: each its error code, id echoed"
out=$(printf '%s\n' '{"v":1,"id":7,"method":"explode"}' \
	'{"v":1,"id":8,"method":"configure","params":{"sample_rate":"lots"}}' \
	'{"v":9,"id":9,"method":"status"}' | $RAWSOCK "$PERF_ANALYSIS_SOCKET" send | jq -r '"\(.id):\(.error.code)"' | tr '\n' ' ')
t_assert_eq "replies" "7:ENOSYS 8:EINVAL 9:EPROTO " "$out" && t_ok

t_begin "an oversized request gets EMSGSIZE and a disconnect; the daemon stays healthy"
out=$( (printf '{"v":1,"id":1,"method":"status","params":{"x":"'; head -c 70000 /dev/zero | tr '\0' a) |
	timeout 10 $RAWSOCK "$PERF_ANALYSIS_SOCKET" send | jq -r .error.code)
t_assert_eq "reply" EMSGSIZE "$out" && healthy && t_ok || t_fail "unhealthy"

t_begin "a client stalling mid-request is disconnected after the timeout"
printf '{"v":1,"id":1,"meth' | $RAWSOCK "$PERF_ANALYSIS_SOCKET" stall 5000
[ $? = 0 ] && healthy && grep -q "request unfinished" "$PA_DIR/daemon.log" && t_ok || t_fail "not disconnected"

t_begin "a client that never reads its replies is disconnected; others are served"
# 20000 pipelined requests (~10 MB of replies) and no reading: the daemon must not block on it
python_free_flood() { for i in $(seq 20000); do echo '{"v":1,"id":1,"method":"status"}'; done; }
python_free_flood >"$PA_DIR/flood"
$RAWSOCK "$PERF_ANALYSIS_SOCKET" stall 8000 <"$PA_DIR/flood" &
flood=$!
sleep 0.5
healthy && h=yes || h=no
wait $flood
rc=$?
t_assert_eq "served meanwhile" yes "$h" && t_assert_eq "flooder disconnected" 0 "$rc" && t_ok

t_begin "after all that the daemon still answers and has no clients left over"
sleep 0.3
n=$($PA --json status | jq .clients)
t_assert_eq "clients (this one)" 1 "$n" && t_ok

t_begin "out of file descriptors: extra clients are refused, the daemon neither spins nor dies"
pa_stop
PA_ULIMIT_N=128 pa_start || t_fail "start with ulimit -n 128: $(tail -3 "$PA_DIR/daemon.log")"
cpu() { awk '{print $14 + $15}' "/proc/$PA_PID/stat"; }
before=$(cpu)
$RAWSOCK "$PERF_ANALYSIS_SOCKET" hold 200 2 >"$PA_DIR/hold.out" &
hold=$!
wait $hold
after=$(cpu)
got=$(cat "$PA_DIR/hold.out")
ticks=$((after - before))
# some clients are served, some refused; 2 s of a spinning loop would be ~200 ticks
if [ "$got" -gt 0 ] && [ "$got" -lt 200 ] && [ "$ticks" -lt 50 ] && healthy; then t_ok
else t_fail "served $got of 200, daemon used $ticks ticks"; fi
t_done
