#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-instrument-daemon.sh - an instrumented program (examples/instrument-seed)
# beside the real perf-analysisd: it sends its app.attach request, gets
# whatever answer the daemon gives (now that the daemon routes app.attach, an
# attach: tests/blackbox/test-app-attach.sh checks the counts), and both carry on: the program finishes its work, the daemon
# still answers and holds no stale client.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
seed=$PWD/$BUILD/examples/instrument-seed

t_begin "the real daemon is up"
if pa_start; then t_ok; else t_fail "perf-analysisd did not start: $(cat "$PA_DIR/daemon.log")"; t_done; fi

t_begin "an instrumented program runs to completion beside it, twice in a row"
ok=1
for i in 1 2; do
	out=$(timeout 60 "$seed" 5000 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || ! [[ $out == *"5000 iterations, attached: "* ]]; then
		ok=0
		t_fail "run $i: rc=$rc: $out"
		break
	fi
done
[ $ok -eq 1 ] && t_ok && echo "# program says: $out"

t_begin "the daemon still answers, with no client left over"
status=$(echo '{"v":1,"id":7,"method":"status"}' | "$RAWSOCK" "$PERF_ANALYSIS_SOCKET" send 2>&1)
if [[ $status == *"\"pid\":$PA_PID,"* ]] && [[ $status == *'"clients":'* ]] && kill -0 "$PA_PID" 2>/dev/null; then
	clients=$(echo "$status" | jq -r .result.clients)
	if [[ $out == *"attached: yes"* ]] || [ "$clients" -le 1 ]; then t_ok; else t_fail "clients=$clients: $status"; fi
else
	t_fail "status: $status; log: $(tail -5 "$PA_DIR/daemon.log")"
fi

t_begin "the daemon stops cleanly"
pa_stop
t_assert_eq "exit status" 0 "$PA_RC" && t_ok
t_done
