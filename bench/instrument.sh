#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/instrument.sh BUILD_DIR - the instrumentation macros against rdtsc and
# an LTTng-UST tracepoint, in two runs of bench-instrument (each run prints
# its ratios against its own rdtsc):
#   1. no LTTng session daemon: the tracepoint is only its enabled-check;
#   2. a private lttng-sessiond started here (stopped at the end) with a
#      snapshot-mode session recording the tracepoint into LTTng's in-memory
#      ring buffers (nothing written to disk, like our rings).
# Run 2 is skipped, saying why, when lttng-tools is missing or another
# session daemon already runs. `make run-benchmarks` runs this script.
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
if pgrep -x lttng-sessiond >/dev/null 2>&1; then
	echo "bench/instrument.sh: an lttng-sessiond is already running: not starting a private one, no recording LTTng run"
	exit 0
fi
tmp=$(mktemp -d /tmp/pa-bench-lttng.XXXXXX)
export LTTNG_HOME="$tmp"
sessiond_pid=""
cleanup() {
	lttng destroy pa-bench >/dev/null 2>&1 || true
	[ -n "$sessiond_pid" ] && kill "$sessiond_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if ! lttng-sessiond --daemonize --no-kernel --pidfile="$tmp/sessiond.pid" >"$tmp/sessiond.log" 2>&1; then
	echo "bench/instrument.sh: lttng-sessiond did not start: $(tail -1 "$tmp/sessiond.log")"
	exit 0
fi
sessiond_pid=$(cat "$tmp/sessiond.pid")
lttng create pa-bench --snapshot --output="$tmp/traces" >/dev/null
lttng enable-event --userspace 'pa_bench:*' >/dev/null
lttng start >/dev/null
"$bin" --lttng-state "private session daemon, snapshot session recording"
