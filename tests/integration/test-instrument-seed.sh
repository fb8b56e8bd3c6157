#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-instrument-seed.sh - the seed's C examples (examples/instrument-seed.c)
# compile and run: without a daemon, compiled out, and with a daemon that
# must receive exactly the events they record. BUILD (default build) holds
# the binaries `make check` built.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
build=${BUILD:-build}
seed=$build/examples/instrument-seed
drain=$build/tests/helpers/app-drain
tmp=$(mktemp -d /tmp/pa-instrument-seed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

t_begin "seed examples run with no daemon listening"
out=$(PERF_ANALYSIS_SOCKET=$tmp/nobody.sock "$seed" 2000 2>&1)
rc=$?
if [ $rc -eq 0 ] && [[ $out == *"2000 iterations, attached: no"* ]]; then t_ok; else t_fail "rc=$rc: $out"; fi

t_begin "seed examples compiled out with PERF_ANALYSIS_DISABLE"
out=$("$seed-disabled" 10 2>&1)
rc=$?
refs=$(nm -u "$seed-disabled" | grep -c -E 'pa_app|perf_event_register|perf_analysis' || true)
if [ $rc -eq 0 ] && [ "$refs" -eq 0 ] && [[ $out == *"10 iterations, attached: no"* ]]; then
	t_ok
else
	t_fail "rc=$rc, $refs reference(s) to the runtime: $out"
fi

t_begin "seed examples' events reach a daemon, every one"
"$drain" "$tmp/d.sock" --apps 1 --timeout 20 >"$tmp/drain.out" 2>"$tmp/drain.err" &
dpid=$!
for _ in $(seq 100); do [ -S "$tmp/d.sock" ] && break; sleep 0.05; done
out=$(PERF_ANALYSIS_SOCKET=$tmp/d.sock "$seed" 3000 2>&1)
rc=$?
wait $dpid
drc=$?
got=$(cat "$tmp/drain.out")
expect="event 0 ipc_send 3000
event 2 vm_alloc 3000
event 10 syscall 3000
event 64 example.query 3000"
if [ $rc -ne 0 ] || [ $drc -ne 0 ]; then
	t_fail "example rc=$rc, daemon rc=$drc: $out $(cat "$tmp/drain.err")"
elif [[ $out != *"attached: yes, dropped: 0"* ]]; then
	t_fail "example says: $out"
elif [ "$(grep '^event' "$tmp/drain.out")" != "$expect" ]; then
	t_fail "daemon got: $got"
elif ! grep -q "^app pid=[0-9]* comm=instrument-seed received=12000 dropped=0 no_ring=0 unattached=0 invalid=0 names=1$" "$tmp/drain.out"; then
	t_fail "daemon's counters: $got"
else
	t_ok
fi

t_done
