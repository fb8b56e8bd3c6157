#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-client-lib.sh - libperfanalysis is thread-safe (shared and private
# handles, replies never crossed) and a handle survives a daemon restart;
# `monitor` redraws in place on a terminal (checked the way a person sees it,
# through tmux).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
CT=$BUILD/tests/blackbox/client-threads

pa_start || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }

t_begin "16 threads x 200 calls through shared and private handles all succeed"
out=$($CT threads)
t_assert_eq "successful calls" "ok 3200" "$out" && t_ok

t_begin "a handle reconnects by itself after the daemon restarts"
mkfifo "$PA_DIR/go"
$CT reconnect <"$PA_DIR/go" >"$PA_DIR/reconnect.out" &
ct=$!
exec 9>"$PA_DIR/go"
for _ in $(seq 50); do grep -q first "$PA_DIR/reconnect.out" && break; sleep 0.1; done
pa_stop
pa_start || t_fail "restart"
echo go >&9
exec 9>&-
wait $ct
tail -1 "$PA_DIR/reconnect.out" | grep -qx ok && t_ok || t_fail "$(cat "$PA_DIR/reconnect.out")"

t_begin "monitor on a terminal redraws one table in place"
if ! command -v tmux >/dev/null; then
	t_skip "tmux is not installed (scripts/install-deps.sh installs it)"
else
	sess=pa-test-$$
	tmux new-session -d -s "$sess" -x 160 -y 40 \
		"env PERF_ANALYSIS_SOCKET=$PERF_ANALYSIS_SOCKET $PA monitor -i 1; sleep 5"
	sleep 3.5
	screen=$(tmux capture-pane -p -t "$sess")
	tmux kill-session -t "$sess" 2>/dev/null
	headers=$(printf '%s\n' "$screen" | grep -c "perf-analysis monitor: every 1 s")
	rows=$(printf '%s\n' "$screen" | grep -cE '^ ?[0-9]+ [a-z_]+ +[0-9]+ ')
	if [ "$headers" = 1 ] && [ "$rows" = 12 ]; then t_ok; else t_fail "headers=$headers rows=$rows: $screen"; fi
fi
t_done
