# SPDX-License-Identifier: GPL-2.0-or-later
# tests/blackbox/daemon.sh - start and stop a private perf-analysisd for a
# black-box test: its own socket and state directory under /tmp, so tests run
# side by side with each other and with a system daemon. Source after tests/lib.sh.

BUILD=${BUILD:-build}
PA=$PWD/$BUILD/perf-analysis
PAD=$PWD/$BUILD/perf-analysisd
RAWSOCK=$PWD/$BUILD/tests/blackbox/rawsock
PA_DIR=$(mktemp -d /tmp/pa-test.XXXXXX)
chmod 755 "$PA_DIR"
export PERF_ANALYSIS_SOCKET=$PA_DIR/run/sock PERF_ANALYSIS_STATE_DIR=$PA_DIR/state
PA_PID=

pa_cleanup() {
	[ -n "$PA_PID" ] && kill -TERM "$PA_PID" 2>/dev/null && wait "$PA_PID" 2>/dev/null
	if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "kept $PA_DIR" >&2; else rm -rf "$PA_DIR"; fi
}
trap pa_cleanup EXIT

# pa_start [DAEMON OPTIONS]: start the daemon, return once it answers on its socket (0) or it died (1).
# (A crashed daemon leaves a stale socket file behind, so existence alone is not enough.)
# PA_ULIMIT_N=N starts it with at most N open files.
pa_start() {
	if [ -n "${PA_ULIMIT_N:-}" ]; then
		(ulimit -n "$PA_ULIMIT_N" && exec "$PAD" "$@") 2>>"$PA_DIR/daemon.log" &
	else
		"$PAD" "$@" 2>>"$PA_DIR/daemon.log" &
	fi
	PA_PID=$!
	for _ in $(seq 100); do
		[ -S "$PERF_ANALYSIS_SOCKET" ] &&
			echo '{"v":1,"id":1,"method":"status"}' | "$RAWSOCK" "$PERF_ANALYSIS_SOCKET" send 2>/dev/null |
			grep -q "\"pid\":$PA_PID," && return 0
		kill -0 "$PA_PID" 2>/dev/null || { PA_PID=; return 1; }
		sleep 0.1
	done
	return 1
}

# pa_stop: SIGTERM, wait; sets PA_RC to the daemon's exit status.
pa_stop() {
	kill -TERM "$PA_PID"
	wait "$PA_PID"
	PA_RC=$?
	PA_PID=
}

# pa_kill9: SIGKILL, as a crash would.
pa_kill9() {
	kill -KILL "$PA_PID"
	wait "$PA_PID" 2>/dev/null
	PA_PID=
}

pa_kernel_available() {
	[ "$("$PA" --json status | jq -r .kernel.available)" = true ]
}

# run CMD...: capture stdout, stderr and exit status in OUT, ERR, RC.
run() {
	OUT=$("$@" 2>"$PA_DIR/stderr")
	RC=$?
	ERR=$(cat "$PA_DIR/stderr")
}

# expect_rc CODE: fail the current test unless the last run exited with CODE.
expect_rc() {
	if [ "$RC" != "$1" ]; then
		t_fail "exit status $RC, expected $1 (stderr: $ERR)"
		return 1
	fi
}

# expect_err TEXT: fail unless stderr contains TEXT.
expect_err() {
	case $ERR in
	*"$1"*) return 0 ;;
	esac
	t_fail "stderr lacks '$1': $ERR"
	return 1
}

# pa_pair_messages CORRELATE_JSON SENDER_PID RECEIVER_PID: the linked messages from one process to
# the other in a correlate reply (0 if none).
pa_pair_messages() {
	jq --argjson s "$2" --argjson r "$3" \
		'[.pairs[] | select(.sender_pid == $s and .receiver_pid == $r)] | map(.messages) | add // 0' <<<"$1"
}
