#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh - the README's main job, from a fresh Debian 12 machine, as root:
# install what is missing, build, start a daemon, run the seed's "Basic
# Performance Monitoring" example and a short mixed workload, print the
# statistics table, set a baseline, run the workload again, print the
# regression verdict, and stop the daemon.
#
# The daemon is a private instance (its own socket and state under a
# temporary directory), so a system perf-analysisd is left alone.
# Exit status: 0 when the rerun's verdict is OK or INCONCLUSIVE (what the same
# workload run twice should give: check-regression exits 0 or 3), 1 when it is
# REGRESSION, or the failing step's.
set -u
cd "$(dirname "$0")/.." || exit 1

step() { printf '\n==> %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: eBPF capture needs it (sudo $0)"

step "Installing missing packages and building (make deps && make)"
make -s deps || die "installing dependencies failed"
make -s -j"$(nproc)" || die "the build failed"

dir=$(mktemp -d /tmp/perf-analysis-demo.XXXXXX)
export PERF_ANALYSIS_SOCKET=$dir/perf-analysisd.sock PERF_ANALYSIS_STATE_DIR=$dir/state
PA=build/perf-analysis
daemon=
cleanup() {
	if [ -n "$daemon" ]; then kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null; fi
	rm -rf "$dir"
}
trap cleanup EXIT

step "Starting perf-analysisd (socket $PERF_ANALYSIS_SOCKET)"
# 200 ms windows: the statistical verdict compares windows (at least 5 a side),
# and the workload below lasts a few seconds.
build/perf-analysisd --window-ms 200 2>"$dir/daemon.log" &
daemon=$!
for _ in $(seq 100); do
	$PA status >/dev/null 2>&1 && break
	kill -0 "$daemon" 2>/dev/null || { cat "$dir/daemon.log" >&2; daemon=; die "the daemon did not start"; }
	sleep 0.1
done
$PA status || die "the daemon does not answer"

step "./scripts/perf-analysis.sh enable"
./scripts/perf-analysis.sh enable || exit

workload() {
	# The seed's Basic Performance Monitoring example: enable, configure 1000/s and
	# 4096 samples, 1000 VM allocations and frees, then read the statistics.
	build/examples/basic-monitoring || exit
	# A short mixed workload: mmap/munmap, pipe I/O, fork, threads, page faults and
	# a ping-pong between two processes, checked against what was captured...
	$PA test >/dev/null || echo "demo: note: perf-analysis test reported a mismatch (run it alone to see)" >&2
	# ... and some ordinary work: compress the system headers.
	find /usr/include -name '*.h' 2>/dev/null | head -3000 | xargs cat 2>/dev/null | gzip -c >/dev/null
}

step "Running the seed's Basic Performance Monitoring example and a mixed workload"
workload

step "Statistics (./scripts/perf-analysis.sh stats)"
./scripts/perf-analysis.sh stats || exit

step "Setting the baseline (./scripts/perf-analysis.sh baseline)"
./scripts/perf-analysis.sh baseline || exit

step "Running the same workload again"
workload

step "Regression verdict (./scripts/perf-analysis.sh check-regression -e 2 -t 20)"
./scripts/perf-analysis.sh check-regression -e 2 -t 20
verdict=$?
./scripts/perf-analysis.sh check-regression -e syscall -t 20
case $verdict in
0 | 3) echo "(the same workload twice: OK or INCONCLUSIVE is the expected answer; exit 3 means more windows would decide)"
	verdict=0 ;;
esac

step "Stopping the daemon"
kill -TERM "$daemon" && wait "$daemon"
echo "perf-analysisd exited with status $?"
daemon=
exit $verdict
