#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-gnumach-port.sh - what CI can check of ports/gnumach/ without a GNU
# Mach checkout (the hand verification against upstream is in README.md):
#
#  1. the kernel objects (the monitor and the core/ files the kernel links,
#     built by `make check-gnumach-port`: freestanding, x86_64 and i386, with
#     GNU Mach's kernel code-generation flags) need no symbol beyond the GNU
#     Mach interfaces declared in compat/ and the bodies the hooks rename;
#  2. Debian's MIG (mig-x86-64-gnu) accepts perf_monitor.defs against
#     Debian's GNU Mach headers (gnumach-dev), server and user side, with ids
#     4800-4807 clear of every subsystem those headers define, and the user
#     stubs and the test module compile freestanding (x86_64);
#  3. every hook patch is a zero-context patch of added lines only, and every
#     perf_* / PERF_* name and perf header it uses is provided by the port;
#  4. install-into.sh refuses a directory that is not a GNU Mach tree.
#
# Run from the top of the repository (scripts/run-tests.sh does).
# Environment: BUILD (default build), CC (default gcc).

. tests/lib.sh

PORT=ports/gnumach
BUILD=${BUILD:-build}
CC=${CC:-gcc}
OUT=$BUILD/gnumach-port
GMINC_SRC=/usr/include/x86_64-linux-gnu
GCCINC=$($CC -print-file-name=include)
mkdir -p "$OUT/mig" "$OUT/inc"

# --- 1. undefined symbols of the kernel objects ----------------------------
# Allowed: every function or object the compat header declares, core/'s pa_*,
# the renamed GNU Mach bodies, and what check-freestanding.sh allows.
allowed=$(sed -e 's,/\*.*\*/,,g' "$PORT/compat/gnumach-kernel.h" |
	grep -oE '\b[a-z_][a-z_0-9]*(\(|\[\];|;$)' | tr -d '([];' | sort -u)
allowed="$allowed
$(printf '%s\n' memcpy memset memmove memcmp __udivdi3 __umoddi3 __divdi3 __moddi3)"
for arch in x86_64 i386; do
	t_begin "kernel objects $arch (monitor + core): only declared GNU Mach interfaces"
	objs="$OUT/$arch/perf_analysis.o $OUT/$arch/core-histogram.o $OUT/$arch/core-stats.o $OUT/$arch/core-ring.o"
	absent=""
	for o in $objs; do [ -f "$o" ] || absent="$absent $o"; done
	if [ -n "$absent" ]; then
		t_fail "missing:$absent (run: make check-gnumach-port)"
		continue
	fi
	defined=$(nm --defined-only $objs | awk 'NF == 3 {print $3}' | sort -u)
	bad=""
	for sym in $(nm -u $objs | awk '{print $2}' | sort -u); do
		case $sym in
		perf_*_body) continue ;; # GNU Mach's own functions, renamed by the hooks
		esac
		echo "$defined" | grep -qx -- "$sym" && continue
		echo "$allowed" | grep -qx -- "$sym" || bad="$bad $sym"
	done
	if [ -n "$bad" ]; then t_fail "undeclared symbols:$bad"; else t_ok; fi
done

t_begin "kernel object: hooks and RPC server functions are defined"
if [ -f "$OUT/x86_64/perf_analysis.o" ]; then
	missing=""
	for f in perf_analysis_init perf_event_record perf_hook_trap_leave perf_hook_context_switch \
		perf_hook_page_fault mach_msg_trap vm_allocate vm_deallocate task_create task_terminate \
		thread_create thread_terminate clock_interrupt perf_monitor_enable perf_monitor_configure \
		perf_get_event_stats perf_set_baseline perf_check_regression perf_read_samples \
		perf_get_event_info perf_monitor_reset; do
		nm "$OUT/x86_64/perf_analysis.o" | grep -qE " T $f\$" || missing="$missing $f"
	done
	if [ -n "$missing" ]; then t_fail "not defined:$missing"; else t_ok; fi
else
	t_fail "object missing"
fi

# --- 2. MIG -----------------------------------------------------------------
have_mig=1
if ! command -v x86_64-gnu-mig > /dev/null || [ ! -f "$GMINC_SRC/mach/std_types.defs" ]; then
	have_mig=0
fi
# a private include root holding only GNU Mach's directories, not Linux's
for d in mach device mach_debug; do ln -sfn "$GMINC_SRC/$d" "$OUT/inc/$d"; done
MIGI="-I$OUT/inc -I$PORT/include -Iinclude"

t_begin "MIG: perf_monitor.defs, server side (KernelServer)"
if [ $have_mig -eq 0 ]; then
	t_skip "needs mig-x86-64-gnu and gnumach-dev (scripts/install-deps.sh)"
elif ! x86_64-gnu-mig $MIGI -server "$OUT/mig/perf_monitor.server.c" \
	-sheader "$OUT/mig/perf_monitor.server.h" -user /dev/null -header /dev/null \
	"$PORT/kern/perf_monitor.srv" 2> "$OUT/mig/server.err"; then
	t_fail "mig: $(cat "$OUT/mig/server.err")"
elif ! grep -q 'perf_monitor_server_routine' "$OUT/mig/perf_monitor.server.h"; then
	t_fail "no perf_monitor_server_routine in the server header (the dispatch hook calls it)"
else
	t_ok
fi

t_begin "MIG: user stubs, ids 4800-4807, no collision"
if [ $have_mig -eq 0 ]; then
	t_skip "needs mig-x86-64-gnu and gnumach-dev (scripts/install-deps.sh)"
elif ! x86_64-gnu-mig $MIGI -user "$OUT/mig/perf_monitor.user.c" -header "$OUT/mig/perf_monitor.user.h" \
	-server /dev/null -list "$OUT/mig/perf_monitor.msgids" \
	"$PORT/include/mach/perf_monitor.defs" 2> "$OUT/mig/user.err"; then
	t_fail "mig: $(cat "$OUT/mig/user.err")"
else
	ids=$(awk '{print $5}' "$OUT/mig/perf_monitor.msgids" | tr '\n' ' ')
	clash=""
	for defs in "$GMINC_SRC"/mach/*.defs "$GMINC_SRC"/device/*.defs "$GMINC_SRC"/mach_debug/*.defs; do
		base=$(awk '/^subsystem/{p=1} p{print} p&&/;/{exit}' "$defs" | grep -oE '\b[0-9]+;' | tr -d ';')
		[ -n "$base" ] || continue
		for id in $ids; do
			if [ "$id" -ge "$base" ] && [ "$id" -lt $((base + 200)) ]; then clash="$clash $(basename "$defs"):$base"; fi
		done
	done
	if [ "$ids" != "4800 4801 4802 4803 4804 4805 4806 4807 " ]; then
		t_fail "message ids: $ids"
	elif [ -n "$clash" ]; then
		t_fail "ids collide with:$clash"
	else
		t_ok
	fi
fi

compile_user() { # FILE OBJ [WARNING FLAGS]: ours get -Wextra -Werror, MIG's output -Wall
	$CC -m64 -std=gnu11 ${3:--Wall} -ffreestanding -nostdinc \
		-fno-builtin -fno-pic -fno-stack-protector -I"$GCCINC" -I"$PORT/compat/user" \
		-I"$OUT/inc" -I"$PORT/include" -Iinclude -I"$OUT/mig" -c "$1" -o "$2"
}

t_begin "MIG user stubs compile freestanding (x86_64)"
if [ $have_mig -eq 0 ]; then
	t_skip "needs mig-x86-64-gnu and gnumach-dev"
elif ! err=$(compile_user "$OUT/mig/perf_monitor.user.c" "$OUT/mig/perf_monitor.user.o" 2>&1); then
	t_fail "$err"
else
	t_ok
fi

t_begin "test module compiles freestanding (x86_64) against MIG's mach, mach_host and perf_monitor stubs"
if [ $have_mig -eq 0 ]; then
	t_skip "needs mig-x86-64-gnu and gnumach-dev"
elif ! x86_64-gnu-mig -I"$OUT/inc" -user /dev/null -header "$OUT/mig/mach.user.h" -server /dev/null \
	"$OUT/inc/mach/mach.defs" 2> "$OUT/mig/mach.err"; then
	t_fail "mig mach.defs: $(cat "$OUT/mig/mach.err")"
elif ! x86_64-gnu-mig -I"$OUT/inc" -user /dev/null -header "$OUT/mig/mach_host.user.h" -server /dev/null \
	"$OUT/inc/mach/mach_host.defs" 2> "$OUT/mig/mach_host.err"; then
	t_fail "mig mach_host.defs: $(cat "$OUT/mig/mach_host.err")"
elif ! err=$(compile_user "$PORT/tests/test-performance-analysis.c" "$OUT/mig/test-performance-analysis.o" \
	"-Wall -Wextra -Wno-unused-parameter -Werror" 2>&1); then
	t_fail "$err"
else
	t_ok
fi

# --- 3. the hook patches -----------------------------------------------------
# Names the patches use that the port provides: declared in a port header, or
# generated by MIG from the subsystem name, or declared by a patch itself.
port_names=$(cat "$PORT"/kern/*.h "$PORT"/include/mach/*.h | grep -oE '\b(perf|PERF)_[A-Za-z0-9_]*' | sort -u)
for p in "$PORT"/patches/*.patch; do
	name=$(basename "$p")
	t_begin "patch $name: zero context, added lines only"
	err=$(awk '
		/^diff --git a\// { files++; next }
		/^--- a\// || /^\+\+\+ b\// { next }
		/^@@ / {
			if (want > 0) { print "hunk before line " NR " is short by " want; bad = 1 }
			if ($0 !~ /^@@ -[0-9]+,0 \+[0-9]+(,[0-9]+)? @@$/) { print "line " NR ": not a zero-context insertion hunk: " $0; bad = 1 }
			n = split($3, a, ","); want = (n == 2) ? a[2] : 1; hunks++; next
		}
		/^\+/ { if (want <= 0) { print "line " NR ": line outside a hunk"; bad = 1 } want--; next }
		{ print "line " NR ": not an added line: " $0; bad = 1 }
		END {
			if (want > 0) { print "last hunk is short by " want; bad = 1 }
			if (files != 1) { print files " files in one patch (want 1)"; bad = 1 }
			if (hunks == 0) { print "no hunk"; bad = 1 }
			exit bad
		}' "$p")
	if [ -n "$err" ]; then t_fail "$err"; else t_ok; fi

	t_begin "patch $name: every perf name and header it uses is the port's"
	added=$(grep '^+' "$p" | grep -v '^+++')
	own=$(echo "$added" | grep -oE '\b(perf|PERF)_[A-Za-z0-9_]*;' | tr -d ';')
	missing=""
	for id in $(echo "$added" | grep -oE '\b(perf|PERF)_[A-Za-z0-9_]*' | sort -u); do
		case $id in
		perf_monitor_server_routine) continue ;; # MIG: subsystem perf_monitor
		esac
		echo "$port_names $own" | tr ' ' '\n' | grep -qx -- "$id" || missing="$missing $id"
	done
	for h in $(echo "$added" | sed -n 's/^+#include <\(kern\/perf_[a-z_]*\.h\)>.*/\1/p'); do
		[ "$h" = kern/perf_monitor.server.h ] && continue # generated by MIG
		[ -f "$PORT/$h" ] || missing="$missing $h"
	done
	for f in $(echo "$added" | sed -n 's/^+\t\(kern\/perf_[a-z_.]*\|include\/mach\/perf_[a-z_.]*\|perf\/[a-z_.-]*\) \\$/\1/p'); do
		case $f in
		kern/perf_monitor.server.*) ;;
		include/mach/perf_events.h) [ -f include/perf-analysis/perf_events.h ] || missing="$missing $f" ;;
		perf/*) [ -f "core/${f#perf/}" ] || [ -f "core/$(basename "${f%.c}").h" ] || missing="$missing $f" ;;
		*) [ -f "$PORT/$f" ] || missing="$missing $f" ;;
		esac
	done
	if [ -n "$missing" ]; then t_fail "not provided by the port:$missing"; else t_ok; fi
done

# --- 4. the installer refuses a wrong tree ---------------------------------
t_begin "install-into.sh refuses a directory that is not GNU Mach"
mkdir -p "$OUT/not-gnumach"
msg=$("$PORT/install-into.sh" "$OUT/not-gnumach" 2>&1)
rc=$?
if [ $rc -ne 1 ]; then
	t_fail "exit $rc, want 1"
elif ! echo "$msg" | grep -q "is not a GNU Mach source tree"; then
	t_fail "message does not say why: $msg"
else
	t_ok
fi

t_done
