#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-errors.sh - every error path of the CLI: its exit code, and a message
# that names the thing and what to do.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

t_begin "daemon unreachable: exit 69, names the socket and how to start the daemon"
run $PA status
expect_rc 69 && expect_err "cannot connect to $PERF_ANALYSIS_SOCKET" && expect_err "start it with: perf-analysisd" && t_ok

t_begin "daemon unreachable through the C API: the example fails and says why"
run $BUILD/examples/basic-monitoring
[ "$RC" -ne 0 ] && expect_err "no daemon is listening" && t_ok || t_fail "rc=$RC $ERR"

pa_start || { t_fail "daemon did not start: $(cat "$PA_DIR/daemon.log")"; t_done; }

t_begin "unknown verb: exit 2 and the nearest verb suggested"
run $PA chek-regression -e 2
expect_rc 2 && expect_err "unknown verb 'chek-regression'; did you mean 'check-regression'?" && t_ok

t_begin "unknown event: exit 2, says how to list events"
run $PA stats frobnicate
expect_rc 2 && expect_err "unknown event 'frobnicate'" && expect_err "perf-analysis events" && t_ok

t_begin "event id out of range: exit 2"
run $PA check-regression -e 12 -t 20
expect_rc 2 && expect_err "unknown event '12'" && t_ok

t_begin "non-numeric rate: exit 2, names the option and the range"
run $PA configure -r fast
expect_rc 2 && expect_err "-r 'fast' is not a whole number in 0-1000000" && t_ok

t_begin "buffer too small: exit 2"
run $PA configure -b 3
expect_rc 2 && expect_err "-b '3' is not a whole number in 16-4194304" && t_ok

t_begin "unknown option: exit 2, names it"
run $PA stats --bogus
expect_rc 2 && expect_err "unknown option '--bogus'" && t_ok

t_begin "option without its value: exit 2"
run $PA monitor -i
expect_rc 2 && expect_err "option '-i' needs a value" && t_ok

t_begin "check-regression with a threshold that is not a number: exit 2, names the option"
run $PA check-regression -t fast
expect_rc 2 && expect_err "-t 'fast' is not a whole number" && t_ok

t_begin "too many arguments: exit 2"
run $PA stats 1 2
expect_rc 2 && expect_err "too many arguments" && t_ok

t_begin "check-regression before any baseline: exit 2, says how to set one"
run $PA check-regression -e 2 -t 20
expect_rc 2 && expect_err "no baseline named 'default'" && expect_err "perf-analysis baseline" && t_ok

t_begin "check-regression against an unknown baseline name: exit 2"
$PA baseline >/dev/null
run $PA check-regression -e 2 --baseline nosuch
expect_rc 2 && expect_err "no baseline named 'nosuch'" && t_ok

t_begin "no data on either side: INCONCLUSIVE, exit 3, never a silent pass"
$PA reset >/dev/null && $PA baseline >/dev/null
run $PA check-regression -e interrupt -t 20
if pa_kernel_available; then
	# interrupts happen on their own; what matters is that 0/1/3 match the printed verdict
	case "${OUT%%:*}/$RC" in OK/0 | REGRESSION/1 | INCONCLUSIVE/3) t_ok ;; *) t_fail "$OUT rc=$RC" ;; esac
else
	expect_rc 3 && case $OUT in INCONCLUSIVE:*"no interrupt events"*) t_ok ;; *) t_fail "$OUT" ;; esac
fi

t_begin "baseline name too long: exit 2"
run $PA baseline "$(printf 'x%.0s' $(seq 70))"
expect_rc 2 && expect_err "must be 1-63 bytes" && t_ok

t_begin "help exits 0 and has USAGE and EXAMPLES for every verb"
bad=
for v in enable disable configure stats baseline check-regression monitor test reset status events; do
	h=$($PA $v --help) || bad="$bad $v(rc)"
	case $h in *USAGE:*EXAMPLES:*) ;; *) bad="$bad $v" ;; esac
done
[ -z "$bad" ] && t_ok || t_fail "help missing for:$bad"

t_begin "no verb: exit 2 with usage on stderr"
run $PA
expect_rc 2 && expect_err "USAGE: perf-analysis" && t_ok

t_begin "the daemon refuses bad options with exit 2"
run $PAD --window-ms 0
expect_rc 2 && expect_err "--window-ms '0' is not a number" && t_ok
t_done
