#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-app-attach.sh - instrumented programs attached to the real
# perf-analysisd (docs/app-instrumentation.md), black-box:
#   - the seed's macro example and a multi-thread program (built-in ids and
#     named events) are counted exactly, per kind, attributed to their pid,
#     when nothing was dropped; names appear in `stats` and `stats --json`;
#     the closed windows (`stats --last`) hold the same counts;
#   - with a 16-sample ring per thread the daemon cannot keep up: drops are
#     counted, the daemon's figure equals the program's, and
#     received + dropped + no_ring + unattached == recorded;
#   - a program that exits is released (its connection closed) after a final
#     drain: the counts include what was still in the rings at the exit;
#   - the program keeps running while the daemon is stopped and re-attaches to
#     the next one;
#   - attaching needs the observe right: a stranger is refused (and runs on),
#     a member of the observe group is accepted.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
APP=$PWD/$BUILD/tests/blackbox/app-threads
SEED=$PWD/$BUILD/examples/instrument-seed

# prog_json PID: the stats reply's entry for program PID ("null" if absent).
prog_json() { "$PA" --json stats | jq -c --argjson p "$1" '[.programs[] | select(.pid == $p)][0]'; }
# count_of JSON NAME: the count of event NAME in a program entry.
count_of() { echo "$1" | jq -r --arg n "$2" '[.events[] | select(.name == $n) | .count][0] // 0'; }
# val OUTPUT KEY: "KEY VALUE" line of app-threads' output.
val() { echo "$1" | awk -v k="$2" '$1 == k { v = $2 } END { print v }'; }

t_begin "the daemon starts (windows of 200 ms)"
if pa_start -w 200; then t_ok; else t_fail "perf-analysisd did not start: $(cat "$PA_DIR/daemon.log")"; t_done; fi

t_begin "the seed's example: 3000 of each of its four events, exactly, attributed to its pid"
PERF_ANALYSIS_APP_RING_SAMPLES=16384 "$SEED" 3000 >"$PA_DIR/seed.out" 2>&1 &
pid=$!
wait $pid
rc=$?
j=$(prog_json $pid)
ok=1
if [ $rc -ne 0 ] || ! grep -q "attached: yes, dropped: 0, lost without a ring: 0" "$PA_DIR/seed.out"; then
	ok=0; t_fail "seed: rc=$rc $(cat "$PA_DIR/seed.out")"
fi
for n in ipc_send vm_alloc syscall example.query; do
	[ $ok -eq 1 ] || break
	c=$(count_of "$j" $n)
	[ "$c" = 3000 ] || { ok=0; t_fail "$n: daemon counted $c, expected 3000: $j"; }
done
[ $ok -eq 1 ] && t_assert_eq "dropped" 0 "$(echo "$j" | jq .lost)" &&
	t_assert_eq "comm" instrument-seed "$(echo "$j" | jq -r .comm)" && t_ok

t_begin "4 threads x 25000 iterations x 5 kinds: exact counts per kind, released after the exit"
PERF_ANALYSIS_APP_RING_SAMPLES=262144 PERF_ANALYSIS_APP_THREADS=8 "$APP" burst 4 25000 >"$PA_DIR/burst.out" 2>&1 &
pid=$!
wait $pid
rc=$?
out=$(cat "$PA_DIR/burst.out")
j=$(prog_json $pid)
ok=1
if [ $rc -ne 0 ] || [ "$(val "$out" recorded)" != 500000 ] || [ "$(val "$out" dropped)" != 0 ] ||
	[ "$(val "$out" unattached)" != 0 ] || [ "$(val "$out" attached)" != yes ]; then
	ok=0; t_fail "program: rc=$rc: $out"
fi
for n in ipc_send vm_alloc syscall bb.alpha bb.beta; do
	[ $ok -eq 1 ] || break
	c=$(count_of "$j" $n)
	[ "$c" = 100000 ] || { ok=0; t_fail "$n: daemon counted $c, expected 100000: $j"; }
done
if [ $ok -eq 1 ]; then
	t_assert_eq "received" 500000 "$(echo "$j" | jq .received)" &&
	t_assert_eq "lost" 0 "$(echo "$j" | jq .lost)" &&
	t_assert_eq "threads" 4 "$(echo "$j" | jq .threads)" &&
	t_assert_eq "attached after the exit" false "$(echo "$j" | jq .attached)" &&
	t_assert_eq "exited" true "$(echo "$j" | jq .exited)" &&
	t_assert_eq "bb.alpha id" "$(val "$out" alpha_id)" \
		"$(echo "$j" | jq '[.events[] | select(.name == "bb.alpha") | .id][0]')" &&
	t_assert_eq "bb.beta is timed" true "$(echo "$j" | jq '[.events[] | select(.name == "bb.beta") | .has_duration][0]')" &&
	t_assert_eq "bb.alpha is not" false "$(echo "$j" | jq '[.events[] | select(.name == "bb.alpha") | .has_duration][0]')" &&
	t_assert_eq "complete" '"complete"' "$(echo "$j" | jq '[.events[].completeness] | unique | .[0]')" &&
	t_ok
fi
burst_pid=$pid

t_begin "the exited program's connection is closed (no client left)"
clients=$("$PA" --json status | jq .clients)
if [ "$clients" -le 1 ]; then t_ok; else t_fail "clients=$clients"; fi

t_begin "named events appear in perf-analysis stats, attributed to the process"
run "$PA" stats
if expect_rc 0 && [[ $OUT == *"program $burst_pid (app-threads), exited: 500000 events received, 0 dropped"* ]] &&
	echo "$OUT" | grep -Eq '^64 bb\.alpha +100000 ' && echo "$OUT" | grep -Eq '^65 bb\.beta +100000 '; then
	t_ok
else
	t_fail "stats: $OUT"
fi

t_begin "the closed windows hold the same counts (stats --last 60)"
sleep 0.5
c=$("$PA" --json stats --last 60 | jq --argjson p $burst_pid \
	'[.programs[] | select(.pid == $p) | .events[] | .count] | add')
t_assert_eq "sum over windows" 500000 "$c" && t_ok

t_begin "a 16-sample ring: drops counted, received + dropped == recorded"
PERF_ANALYSIS_APP_RING_SAMPLES=16 "$APP" burst 4 20000 >"$PA_DIR/drop.out" 2>&1 &
pid=$!
wait $pid
rc=$?
out=$(cat "$PA_DIR/drop.out")
j=$(prog_json $pid)
rec=$(val "$out" recorded)
recv=$(echo "$j" | jq .received)
drop=$(echo "$j" | jq .dropped)
lost=$(echo "$j" | jq '.dropped + .no_ring + .unattached')
sum=$(echo "$j" | jq '[.events[].count] | add // 0')
echo "# recorded $rec, received $recv, dropped $drop, other losses $((lost - drop))"
if [ $rc -ne 0 ]; then
	t_fail "program: rc=$rc: $out"
elif [ "$drop" -le 0 ]; then
	t_fail "no drops with a 16-sample ring: $j"
else
	t_assert_eq "daemon's dropped == program's" "$(val "$out" dropped)" "$drop" &&
	t_assert_eq "received + losses" "$rec" "$((recv + lost))" &&
	t_assert_eq "event counts == received" "$recv" "$sum" &&
	t_assert_eq "marked lossy" '"lossy"' "$(echo "$j" | jq '[.events[].completeness] | unique | .[0]')" &&
	t_ok
fi

t_begin "stats notes the loss next to the program's events"
run "$PA" stats
if [[ $OUT == *"program $pid (app-threads), exited: $recv events received, $drop dropped (ring full)"* ]] &&
	[[ $OUT == *"note: program $pid lost $lost events: its figures are lossy"* ]]; then
	t_ok
else
	t_fail "stats: $OUT"
fi

t_begin "the program runs on while the daemon is stopped, and re-attaches to the next one"
PERF_ANALYSIS_APP_RING_SAMPLES=64 "$APP" steady 9 >"$PA_DIR/steady.out" 2>&1 &
pid=$!
ok=0
for _ in $(seq 30); do
	[ "$(prog_json $pid | jq .attached)" = true ] && { ok=1; break; }
	sleep 0.1
done
if [ $ok -eq 0 ]; then
	t_fail "never attached: $(cat "$PA_DIR/steady.out")"
else
	pa_stop
	sleep 2.5
	if ! kill -0 $pid 2>/dev/null; then
		t_fail "the program died with the daemon: $(cat "$PA_DIR/steady.out")"
	elif ! tail -3 "$PA_DIR/steady.out" | grep -q "attached no"; then
		t_fail "the program did not notice the daemon left: $(tail -5 "$PA_DIR/steady.out")"
	elif ! pa_start -w 200; then
		t_fail "restart: $(tail -5 "$PA_DIR/daemon.log")"
	else
		ok=0
		for _ in $(seq 40); do
			j=$(prog_json $pid)
			[ "$(echo "$j" | jq .attached)" = true ] && [ "$(echo "$j" | jq .received)" -gt 0 ] && { ok=1; break; }
			sleep 0.1
		done
		wait $pid
		rc=$?
		out=$(cat "$PA_DIR/steady.out")
		if [ $ok -eq 0 ]; then
			t_fail "not re-attached: $(prog_json $pid); $(tail -3 "$PA_DIR/steady.out")"
		elif [ $rc -ne 0 ] || [ "$(val "$out" recorded)" != 18000 ]; then
			t_fail "program: rc=$rc: $(tail -8 "$PA_DIR/steady.out")"
		else
			t_assert_eq "attaches seen by the new daemon" 2 "$(prog_json $pid | jq .attaches)" && t_ok
		fi
	fi
fi

t_begin "bad attach requests are refused with a reason, and the daemon carries on"
ok=1
for case in \
	'{"v":1,"id":3,"method":"app.attach","params":{"version":1}}|EINVAL|no memfd came with the request' \
	'{"v":1,"id":3,"method":"app.attach","params":{"version":1,"pid":1}}|EINVAL|does not match the sender' \
	'{"v":1,"id":3,"method":"app.attach","params":7}|EINVAL|must be an object' \
	'{"v":2,"id":3,"method":"app.attach","params":{}}|EPROTO|unsupported protocol version'; do
	req=${case%%|*} rest=${case#*|}
	code=${rest%%|*} msg=${rest#*|}
	reply=$(echo "$req" | "$RAWSOCK" "$PERF_ANALYSIS_SOCKET" send 2>&1)
	if [ "$(echo "$reply" | jq -r .error.code)" != "$code" ] || [[ $reply != *"$msg"* ]] ||
		[ "$(echo "$reply" | jq .id)" != 3 ]; then
		ok=0; t_fail "$req: $reply"; break
	fi
done
[ $ok -eq 1 ] && kill -0 "$PA_PID" && t_assert_eq "clients" 1 "$("$PA" --json status | jq .clients)" && t_ok

t_begin "the daemon stops cleanly"
pa_stop
t_assert_eq "exit status" 0 "$PA_RC" && t_ok

# Rights: attaching needs the observe right (a stranger is refused and runs on).
GID=4242
as_stranger() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
as_observer() { setpriv --reuid=nobody --regid=nogroup --groups="$GID" -- "$@"; }
t_begin "attaching needs the observe right"
if [ "$(id -u)" -ne 0 ]; then
	t_skip "not root: setpriv cannot change user"
elif ! as_stranger test -x "$APP"; then
	t_skip "nobody cannot execute $APP (tree not world-readable)"
elif ! pa_start --observe-group "$GID" --configure-group ""; then
	t_fail "daemon: $(tail -5 "$PA_DIR/daemon.log")"
else
	chmod 755 "$PA_DIR/run"
	s_out=$(as_stranger "$APP" burst 1 1000 2>&1)
	s_rc=$?
	o_out=$(as_observer "$APP" burst 1 1000 2>&1)
	o_rc=$?
	n=$("$PA" --json stats | jq '[.programs[] | select(.comm == "app-threads")] | length')
	recv=$("$PA" --json stats | jq '[.programs[] | select(.comm == "app-threads") | .received] | add')
	if [ $s_rc -ne 0 ] || [ "$(val "$s_out" attached)" != no ]; then
		t_fail "stranger: rc=$s_rc: $s_out"
	elif ! grep -q "app.attach from pid .* refused: app.attach needs the right to observe" "$PA_DIR/daemon.log"; then
		t_fail "no refusal in the log: $(tail -5 "$PA_DIR/daemon.log")"
	elif [ $o_rc -ne 0 ] || [ "$(val "$o_out" attached)" != yes ]; then
		t_fail "observer: rc=$o_rc: $o_out"
	else
		t_assert_eq "programs attached" 1 "$n" && t_assert_eq "received" 5000 "$recv" && t_ok
	fi
	pa_stop
fi
t_done
