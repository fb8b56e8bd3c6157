#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-benchmarks.sh BUILD_DIR - run every benchmark; each figure is printed as
# a ratio against a reference measured in the same run.
set -eu
build=${1:-build}
"$build/bench/bench-core"
# each script runs under the interpreter its first line names (kernel-overhead.sh needs bash)
for b in bench/*.sh; do
	[ -e "$b" ] || continue
	"$b" "$build"
done
