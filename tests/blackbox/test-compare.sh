#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-compare.sh - runs as the unit of evidence (issue 5): `record` captures
# exactly a command's processes run by run, and `compare` runs two commands in
# randomised interleaved order and gives the verdict per event. Real daemon,
# real kernel capture, real workload (tests/workloads/slowop: -r sets how long
# each ipc_receive blocks; ipc_send, vm_alloc and vm_free keep their rhythm).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

SLOWOP=$PWD/$BUILD/tests/workloads/slowop
RT=""
chrt -f 50 true 2>/dev/null && RT="chrt -f 50"
verdict_of() { jq -r --arg e "$2" '.events[] | select(.name == $e) | .verdict' <<<"$1"; }

pa_start || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }
if ! pa_kernel_available; then
	t_begin "kernel capture"
	t_skip "the daemon has no kernel capture here: $($PA --json status | jq -r .kernel.why)"
	t_done
fi
$PA configure --comm sshd >/dev/null # a filter of the user's, which record must put back

t_begin "record -n 3: three runs, each with only the command's events (ipc_receive p50 ~ the 1 ms it was told)"
run $PA --json record -n 3 --name aa -- $RT "$SLOWOP" -d 0.5 -r 1000
n=$(jq '.runs | length' <<<"$OUT")
p50s=$(jq -c '[.runs[].events[] | select(.name == "ipc_receive") | .p50_ns]' <<<"$OUT")
cnts=$(jq -c '[.runs[].events[] | select(.name == "ipc_receive") | .count]' <<<"$OUT")
[ "$RC" = 0 ] && [ "$n" = 3 ] && jq -e 'all(.[]; . > 900000 and . < 1300000)' <<<"$p50s" >/dev/null &&
	jq -e 'all(.[]; . > 300 and . < 600)' <<<"$cnts" >/dev/null && t_ok || t_fail "rc $RC, $n runs, p50 $p50s, counts $cnts"

t_begin "... and the daemon's filter and enable state are restored afterwards"
s=$($PA --json status | jq -c '[.enabled, .config.filter_pid, .config.filter_comm]')
t_assert_eq "state" '[false,0,"sshd"]' "$s" && t_ok

t_begin "compare A with A: no REGRESSION for any event (exit 0 or 3)"
run $PA --json compare -n 8 --seed 1 -- $RT "$SLOWOP" -d 0.5 -r 1000 -- $RT "$SLOWOP" -d 0.5 -r 1000
regs=$(jq -c '[.events[] | select(.verdict == "REGRESSION") | .name]' <<<"$OUT")
case "$(jq -r .verdict <<<"$OUT")/$RC" in OK/0 | INCONCLUSIVE/3) [ "$regs" = "[]" ] && t_ok || t_fail "$regs" ;;
*) t_fail "exit $RC, regressions $regs: $(jq -c '[.events[] | {name, verdict}]' <<<"$OUT")" ;; esac

t_begin "compare A with A slowed ~40 % in ipc_receive: REGRESSION for it (exit 1), not for ipc_send, vm_alloc, vm_free"
run $PA --json compare -n 8 --seed 2 -- $RT "$SLOWOP" -d 0.5 -r 1000 -- $RT "$SLOWOP" -d 0.5 -r 1400
got=$(jq -c '[.events[] | {(.name): .verdict}] | add' <<<"$OUT")
[ "$RC" = 1 ] && [ "$(verdict_of "$OUT" ipc_receive)" = REGRESSION ] &&
	for e in ipc_send vm_alloc vm_free; do [ "$(verdict_of "$OUT" "$e")" != REGRESSION ] || false; done && t_ok ||
	t_fail "exit $RC: $got"

t_begin "... the runs were interleaved: 8 of each, and the change of ipc_receive's median is ~+40 %"
pct=$(jq '.events[] | select(.name == "ipc_receive") | .metrics[0].change_pct' <<<"$OUT")
[ "$(jq '.a | length' <<<"$OUT")" = 8 ] && [ "$(jq '.b | length' <<<"$OUT")" = 8 ] &&
	awk -v x="$pct" 'BEGIN { exit !(x > 30 && x < 50) }' && t_ok || t_fail "change $pct"

t_begin "bad input exits 2: one command only, a command that cannot run, -n 0"
run $PA compare -n 2 -- true
r1=$RC
run $PA record -n 1 -- /nonexistent/command
r2=$RC; e2=$ERR
run $PA record -n 0 -- true
r3=$RC
s=$($PA --json status | jq -c '[.enabled, .config.filter_pid, .config.filter_comm]')
[ "$r1$r2$r3" = 222 ] && [ "$s" = '[false,0,"sshd"]' ] && case $e2 in *"cannot run '/nonexistent/command'"*) true ;;
	*) false ;; esac && t_ok || t_fail "exits $r1 $r2 $r3, state $s, stderr $e2"

t_done
