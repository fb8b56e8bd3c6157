#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-into.sh GNUMACH_SRC - put the port into a GNU Mach source checkout:
# copy our files (monitor, MIG interface, test module, the core/ engine) and
# apply our hook patches (added lines only). It builds nothing; build GNU Mach
# as usual afterwards (README.md). Refuses to run twice on the same tree.
#
# Exit: 0 done; 1 bad usage or not a GNU Mach tree; 2 a patch did not apply
# (the tree is left as `patch` left it: start again from a clean checkout).
set -eu

usage() { echo "usage: $0 GNUMACH_SRC" >&2; exit 1; }
[ $# -eq 1 ] || usage
dst=$1
port=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$port/../.." && pwd)

if [ ! -f "$dst/kern/startup.c" ] || [ ! -f "$dst/ipc/mach_msg.c" ]; then
	echo "install-into.sh: $dst is not a GNU Mach source tree (no kern/startup.c, ipc/mach_msg.c)" >&2
	exit 1
fi
if [ -f "$dst/kern/perf_analysis.c" ]; then
	echo "install-into.sh: $dst already has kern/perf_analysis.c: use a clean checkout" >&2
	exit 1
fi

# Dry run first, so that a mismatch changes nothing.
for p in "$port"/patches/*.patch; do
	if ! patch -d "$dst" -p1 --dry-run --silent --forward < "$p" > /dev/null; then
		echo "install-into.sh: $(basename "$p") does not apply to $dst (see README.md for the verified GNU Mach commit)" >&2
		exit 2
	fi
done
for p in "$port"/patches/*.patch; do
	patch -d "$dst" -p1 --silent --forward < "$p" || exit 2
done

# Zero-context patches apply by line number: check that each renaming pair
# landed around its function (the #define right before the definition, the
# #undef right after its closing brace), so a drifted tree fails loudly.
bad=0
for f in ipc/mach_msg.c vm/vm_user.c kern/task.c kern/thread.c kern/mach_clock.c; do
	awk -v file="$f" '
		/^#define [a-z_]+ perf_[a-z_]+_body\t/ { name = $2; want = NR + 2; next }
		want && NR <= want && $0 ~ ("(^|[ \t])" name "\\($") { want = 0 }
		want && NR > want { printf "install-into.sh: %s:%d: #define %s is not followed by its definition\n", file, NR, name; bad = 1; want = 0 }
		/^#undef [a-z_]+\t\/\* perf_analysis/ { if (prev != "}") { printf "install-into.sh: %s:%d: #undef %s does not follow a closing brace\n", file, NR, $2; bad = 1 } }
		{ prev = $0 }
		END { exit bad }' "$dst/$f" >&2 || bad=1
done
if [ $bad -ne 0 ]; then
	echo "install-into.sh: the hooks landed in the wrong places: this GNU Mach differs from the verified commit (README.md)" >&2
	exit 2
fi

cp "$port"/kern/perf_analysis.c "$port"/kern/perf_analysis.h "$port"/kern/perf_hooks.h \
	"$port"/kern/perf_thread.h "$port"/kern/perf_monitor.srv "$dst/kern/"
cp "$port"/include/mach/perf_monitor.defs "$port"/include/mach/perf_monitor.h "$dst/include/mach/"
cp "$top"/include/perf-analysis/perf_events.h "$dst/include/mach/perf_events.h"
cp "$port"/tests/test-performance-analysis.c "$dst/tests/"
mkdir -p "$dst/perf/perf-analysis"
cp "$top"/core/*.h "$dst/perf/"
cp "$top"/core/histogram.c "$top"/core/stats.c "$top"/core/ring.c "$dst/perf/"
cp "$top"/include/perf-analysis/perf_events.h "$dst/perf/perf-analysis/"
echo "install-into.sh: port installed into $dst; now run autoreconf -fi and configure (README.md)"
