#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-resources-slots.sh - where resource tracking keeps its thread records:
# an array indexed by thread id (pid_max slots), and an LRU hash (tasks_hi)
# for ids at or above the array's size. Through a private perf-analysisd and
# the CLI, with children given a chosen process id (clone3 set_tid): a thread
# id reused after an exit starts from a fresh record, in the array and in
# tasks_hi (the daemon started with PA_RES_TID_SLOTS=1000, so that ordinary
# ids land there); counts of threads in tasks_hi are exact and IPC links
# between them work; a bad PA_RES_TID_SLOTS is refused by name. Needs root
# and eBPF (CI).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
LOAD=$PWD/$BUILD/tests/workloads/res-load

kv() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2"; }

# free_tid: a process id in use by nobody now, from 5000 up to pid_max
free_tid() {
	local max p
	max=$(cat /proc/sys/kernel/pid_max)
	[ "$max" -gt 30000 ] && max=30000
	for _ in $(seq 200); do
		p=$((5000 + RANDOM % (max - 5000)))
		[ -e "/proc/$p" ] || { echo "$p"; return 0; }
	done
	return 1
}

# tid_run TID N NAME: res-load's child with id TID making N getppid calls (retries if TID got taken meanwhile)
tid_run() {
	for _ in 1 2 3 4 5; do
		"$LOAD" tid "$1" "$2" "$3" >/dev/null 2>&1 && return 0
		[ -e "/proc/$1" ] || return 1
		sleep 0.2
	done
	return 1
}

# row TID: the thread's row of top (syscalls, comm) as JSON, or empty
row() { "$PA" --json top --by syscall --threads --pid "$1" | jq -c --argjson t "$1" '.rows[] | select(.tid == $t)'; }

# reuse_check WHERE: run a child with id P twice; the second must not inherit the first's numbers
reuse_check() {
	local where=$1 p r1 r2 reused0 reused1
	t_begin "a thread id reused after an exit starts a fresh record ($where)"
	if ! p=$(free_tid); then
		t_fail "no free process id found"
		return
	fi
	reused0=$("$PA" --json top -n 1 | jq .table.reused)
	if ! tid_run "$p" 20000 res-first; then
		t_fail "cannot create a process with id $p"
		return
	fi
	r1=$(row "$p")
	if ! tid_run "$p" 100 res-second; then
		t_fail "cannot create a process with id $p a second time"
		return
	fi
	r2=$(row "$p")
	reused1=$("$PA" --json top -n 1 | jq .table.reused)
	if [ "$(jq '.comm == "res-first" and .syscalls >= 20000' <<<"$r1")" = true ] &&
		[ "$(jq '.comm == "res-second" and .syscalls >= 100 and .syscalls <= 110 and .threads == 1' <<<"$r2")" = true ] &&
		[ "$reused1" -gt "$reused0" ]; then
		t_ok
		echo "# id $p: first $(jq -c '{comm, syscalls}' <<<"$r1"), then $(jq -c '{comm, syscalls}' <<<"$r2"); reused $reused0 -> $reused1"
	else
		t_fail "id $p: first $r1, then $r2 (expected res-second with 100..110 syscalls); reused $reused0 -> $reused1"
	fi
}

t_begin "perf-analysisd starts with resource tracking"
if [ "$(id -u)" != 0 ]; then
	t_skip "needs root for eBPF"
	t_done
fi
if ! pa_start || grep -q "resource tracking unavailable" "$PA_DIR/daemon.log"; then
	t_fail "$(cat "$PA_DIR/daemon.log")"
	t_done
fi
t_ok

t_begin "the thread table is an array of pid_max slots"
tbl=$("$PA" --json top -n 1 | jq -c .table)
if [ "$(jq --argjson m "$(cat /proc/sys/kernel/pid_max)" '.slots == ([$m, 65536] | min)' <<<"$tbl")" = true ]; then
	t_ok
else
	t_fail "$tbl"
fi

reuse_check "array slot"
pa_stop

t_begin "with PA_RES_TID_SLOTS=1000 the daemon starts, ids from 1000 up in tasks_hi"
export PA_RES_TID_SLOTS=1000
if ! pa_start || grep -q "resource tracking unavailable" "$PA_DIR/daemon.log"; then
	t_fail "$(cat "$PA_DIR/daemon.log")"
	t_done
fi
tbl=$("$PA" --json top -n 1 | jq -c .table)
if [ "$(jq '.slots == 1000 and .capacity == 1000 + .overflow_capacity and .overflow_live > 0' <<<"$tbl")" = true ]; then
	t_ok
else
	t_fail "$tbl"
fi

t_begin "a thread in tasks_hi: its syscalls counted exactly"
p=$(free_tid)
if tid_run "$p" 5000 res-hi; then
	r=$(row "$p")
	if [ "$(jq '.comm == "res-hi" and .syscalls >= 5000 and .syscalls <= 5010 and .by_event.syscall.ns > 0' \
		<<<"$r")" = true ]; then
		t_ok
	else
		t_fail "id $p: $r"
	fi
else
	t_fail "cannot create a process with id $p"
fi

reuse_check "tasks_hi"

t_begin "pipe messages between threads in tasks_hi are linked, N each way"
N=300
# after the kernel's pid counter wrapped, new ids start low again: move it above the array
[ "$(cat /proc/sys/kernel/ns_last_pid)" -ge 2000 ] || echo 4999 >/proc/sys/kernel/ns_last_pid
out=$("$LOAD" pingpong $N)
parent=$(kv pid "$out")
child=$(kv child "$out")
cor=$("$PA" --json correlate --pid "$parent" -n 100)
down=$(pa_pair_messages "$cor" "$parent" "$child")
up=$(pa_pair_messages "$cor" "$child" "$parent")
if [ "$down" = $N ] && [ "$up" = $N ] && [ "$parent" -ge 1000 ] && [ "$child" -ge 1000 ]; then
	t_ok
else
	t_fail "parent $parent -> child $child: $down, back: $up (expected $N each)"
fi

t_begin "a CPU burner in tasks_hi shows the CPU time it measured"
[ "$(cat /proc/sys/kernel/ns_last_pid)" -ge 2000 ] || echo 4999 >/proc/sys/kernel/ns_last_pid
out=$("$LOAD" cpu 1000)
pid=$(kv pid "$out")
ms=$(kv cpu_ms "$out")
ns=$("$PA" --json top --by cpu --pid "$pid" | jq '.rows[0].cpu_ns // 0')
if awk -v ns="$ns" -v ms="$ms" 'BEGIN { r = ns / (ms * 1e6); exit !(r >= 0.95 && r <= 1.10) }'; then
	t_ok
else
	t_fail "pid $pid: cpu_ns $ns against its own $ms ms"
fi
pa_stop

t_begin "bad input: PA_RES_TID_SLOTS=0 is refused by name, the daemon runs without resource tracking"
export PA_RES_TID_SLOTS=0
if ! pa_start; then
	t_fail "perf-analysisd did not start: $(cat "$PA_DIR/daemon.log")"
else
	run "$PA" top
	if grep -q "resource tracking unavailable: PA_RES_TID_SLOTS" "$PA_DIR/daemon.log" && [ "$RC" != 0 ] &&
		[[ $ERR == *PA_RES_TID_SLOTS* ]]; then
		t_ok
	else
		t_fail "rc=$RC: $ERR; log: $(cat "$PA_DIR/daemon.log")"
	fi
	pa_stop
fi
unset PA_RES_TID_SLOTS
t_done
