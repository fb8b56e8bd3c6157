#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-benchmarks.sh BUILD_DIR - run every benchmark; each figure is printed as
# a ratio against a reference measured in the same run.
set -eu
build=${1:-build}
"$build/bench/bench-core"
for b in bench/*.sh; do
	[ -e "$b" ] || continue
	sh "$b" "$build"
done
