#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# perf-analysis.sh - the seed's command-line utility: forwards every argument
# to the perf-analysis CLI, so the seed's command lines work as written:
#   ./scripts/perf-analysis.sh enable
#   ./scripts/perf-analysis.sh check-regression -e 2 -t 30
# Uses the tree's build/perf-analysis when it exists, else the installed one.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -x "$here/build/perf-analysis" ]; then
	exec "$here/build/perf-analysis" "$@"
fi
if command -v perf-analysis >/dev/null 2>&1; then
	exec perf-analysis "$@"
fi
echo "perf-analysis.sh: perf-analysis is not built or installed (build it with: make -C $here)" >&2
exit 69
