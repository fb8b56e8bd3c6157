#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/instrument.sh BUILD_DIR - the instrumentation macros against rdtsc and
# an LTTng-UST tracepoint, in two runs of bench-instrument (each run prints
# its ratios against its own rdtsc):
#   1. no LTTng session daemon: the tracepoint is only its enabled-check;
#   2. an lttng-sessiond (started here and stopped at the end, unless one
#      already runs) with a snapshot-mode session of our own recording the
#      tracepoint into LTTng's in-memory ring buffers (nothing written to
#      disk, like our rings).
# Run 2 is skipped, saying why, when lttng-tools is missing or the session
# daemon cannot be started. `make run-benchmarks` runs this script.
set -eu
build=${1:-build}
bin=$build/bench/instrument/bench-instrument
if [ ! -x "$bin" ]; then
	echo "bench/instrument.sh: $bin is not built (make run-benchmarks builds it)" >&2
	exit 1
fi

"$bin" --lttng-state "no session daemon"

if ! command -v lttng-sessiond >/dev/null 2>&1 || ! command -v lttng >/dev/null 2>&1; then
	echo "bench/instrument.sh: lttng-tools is not installed (scripts/install-deps.sh): no recording LTTng run"
	exit 0
fi
tmp=$(mktemp -d /tmp/pa-bench-lttng.XXXXXX)
export LTTNG_HOME="$tmp"
session=pa-bench-$$
sessiond_pid=""
cleanup() {
	lttng destroy "$session" >/dev/null 2>&1 || true
	if [ -n "$sessiond_pid" ]; then kill "$sessiond_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
state="session daemon started here, snapshot session recording"
if pgrep -x lttng-sessiond >/dev/null 2>&1; then
	state="session daemon already running, snapshot session recording"
elif ! lttng-sessiond --daemonize --no-kernel --pidfile="$tmp/sessiond.pid" >"$tmp/sessiond.log" 2>&1; then
	echo "bench/instrument.sh: lttng-sessiond did not start: $(tail -1 "$tmp/sessiond.log"); no recording LTTng run"
	exit 0
else
	sessiond_pid=$(cat "$tmp/sessiond.pid")
fi
if ! lttng create "$session" --snapshot --output="$tmp/traces" >"$tmp/lttng.log" 2>&1 ||
	! lttng enable-event --session="$session" --userspace 'pa_bench:*' >>"$tmp/lttng.log" 2>&1 ||
	! lttng start "$session" >>"$tmp/lttng.log" 2>&1; then
	echo "bench/instrument.sh: cannot set up an LTTng session: $(tail -1 "$tmp/lttng.log"); no recording LTTng run"
	exit 0
fi
"$bin" --lttng-state "$state"
