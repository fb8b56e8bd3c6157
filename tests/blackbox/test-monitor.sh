#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/blackbox/test-monitor.sh - the live view as a person sees it: run
# `perf-analysis monitor -i 1` in a tmux pane and read the screen back with
# capture-pane while a workload crosses a threshold and the overhead budget
# lowers the sample rate. Needs root (eBPF) and tmux.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
LOAD=$PWD/$BUILD/tests/workloads/alert-load
SESS=pa-monitor-$$

if [ "$(id -u)" != 0 ]; then
	t_begin "monitor"; t_skip "needs root for eBPF"; t_done
fi
if ! command -v tmux >/dev/null; then
	t_begin "monitor"; t_skip "tmux is not installed (scripts/install-deps.sh installs it)"; t_done
fi
mon_cleanup() {
	tmux kill-session -t "$SESS" 2>/dev/null
	[ -n "${LOAD_PID:-}" ] && kill "$LOAD_PID" 2>/dev/null
	pa_cleanup
}
trap mon_cleanup EXIT

pa_start --window-ms 250 || { t_begin "daemon"; t_fail "$(cat "$PA_DIR/daemon.log")"; t_done; }
if ! pa_kernel_available; then
	t_begin "monitor"; t_skip "kernel capture unavailable"; t_done
fi
"$PA" configure --comm alert-load --latency-threshold 0 --throughput-threshold 0 >/dev/null &&
	"$PA" configure --latency-event syscall --latency-threshold 1000 >/dev/null && "$PA" enable >/dev/null

# screen: the pane as text now.
screen() { tmux capture-pane -p -t "$SESS"; }

"$LOAD" sleep 2000 6 >/dev/null &
LOAD_PID=$!
tmux new-session -d -s "$SESS" -x 160 -y 50 "env PERF_ANALYSIS_SOCKET=$PERF_ANALYSIS_SOCKET $PA monitor -i 1; sleep 30"
sleep 3.5

t_begin "the screen shows one table, redrawn in place, with the syscall rate of a 2 ms sleep loop"
s=$(screen)
headers=$(grep -c "perf-analysis monitor: every 1 s" <<<"$s")
rows=$(grep -cE '^ ?[0-9]+ [a-z_]+ +[0-9]+ ' <<<"$s")
# nanosleep(2 ms) in a loop: at most 500 calls a second, fewer on a busy machine.
rate=$(awk '$2 == "syscall" { print $3 }' <<<"$s")
if [ "$headers" = 1 ] && [ "$rows" = 12 ] && [ -n "$rate" ] && [ "$rate" -ge 100 ] && [ "$rate" -le 520 ]; then
	t_ok
else
	t_fail "headers=$headers rows=$rows syscall rate=$rate: $s"
fi

t_begin "the active syscall latency alert is on screen while the load runs"
# (On a busy machine an overhead alert of the default 5 % budget may be active too.)
if grep -qE "^active alerts: [1-9]" <<<"$s" && grep -qE "^[0-9]+ +[0-9-]+ [0-9:]+ firing +syscall +latency p99 " <<<"$s"; then
	t_ok
else
	t_fail "$s"
fi

t_begin "the top tasks by CPU are on screen, each a live or recent process the top verb also lists"
top_pids=$($PA --json top -n 50 | jq -r '.rows[].pid')
screen_pids=$(awk '$1 == "task" { print $2 }' <<<"$s")
if grep -q "^top tasks by CPU:" <<<"$s" && [ -n "$screen_pids" ] &&
	[ -z "$(comm -23 <(sort -u <<<"$screen_pids") <(sort -u <<<"$top_pids"))" ]; then
	t_ok
else
	t_fail "screen pids '$screen_pids' not all in top's '$top_pids': $(grep -A6 'top tasks' <<<"$s")"
fi

t_begin "the overhead line shows the measured cost and the 5 % budget"
grep -qE "^overhead: [0-9.]+ % of all CPUs \(eBPF [0-9.]+ %, daemon [0-9.]+ %\), budget 5 %; sample rate [0-9]+/s( -- LOWERED from 1000/s: over budget)?$" <<<"$s" &&
	t_ok || t_fail "$(grep overhead <<<"$s")"

t_begin "the alert leaves the screen once the load stopped and it resolved"
wait "$LOAD_PID"; LOAD_PID=
sleep 3.2
s=$(screen)
if grep -qE "^active alerts: [0-9]+$" <<<"$s" && ! grep -qE "firing +syscall" <<<"$s" &&
	[ "$(grep -c "perf-analysis monitor: every 1 s" <<<"$s")" = 1 ]; then
	t_ok
else
	t_fail "$s"
fi

t_begin "a budget the daemon cannot meet shows the lowered sample rate on screen"
"$PA" configure --overhead-budget 0.001 >/dev/null
sleep 2.5
s=$(screen)
if grep -qE "budget 0.001 %; sample rate [0-9]+/s -- LOWERED from 1000/s: over budget$" <<<"$s" &&
	grep -qE "firing +perf-analysisd +overhead" <<<"$s"; then
	t_ok
else
	t_fail "$s"
fi
t_done
