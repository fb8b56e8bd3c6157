#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-core-i386.sh - core/ computes the same on i386 as on x86_64.
#
# The freestanding objects of both targets (what GNU Mach's i386 port would
# link) run the same fixed workout (tests/core-arch/core-dump.c); the outputs
# must be identical. This covers what differs between the targets: 128-bit
# sums in two words, libgcc's 64-bit division, 64-bit atomics, the ring's
# 32-bit word copies, structure layout.
. "$(dirname "$0")/lib.sh"
build=${BUILD:-build}
x64=$build/tests/core-dump-x86_64
x32=$build/tests/core-dump-i386

t_begin core_i386_matches_x86_64
if [ ! -x "$x64" ] || [ ! -x "$x32" ]; then
	t_fail "missing $x64 or $x32 (build them with: make check)"
elif ! out64=$("$x64"); then
	t_fail "$x64 failed"
else
	if "$x32" >/dev/null 2>&1; then
		run=("$x32")
	elif command -v qemu-i386 >/dev/null; then
		run=(qemu-i386 "$x32")
	else
		run=()
	fi
	if [ ${#run[@]} -eq 0 ]; then
		t_skip "this kernel cannot run i386 programs and qemu-i386 is missing (scripts/install-deps.sh installs qemu-user)"
	elif ! out32=$("${run[@]}"); then
		t_fail "${run[*]} failed"
	elif [ "$out64" != "$out32" ]; then
		t_fail "i386 and x86_64 results differ:
$(diff <(echo "$out64") <(echo "$out32") | head -20)"
	elif [ "$(echo "$out64" | wc -l)" -lt 40 ]; then
		t_fail "the workout printed only $(echo "$out64" | wc -l) lines"
	else
		echo "# $(echo "$out64" | wc -l) lines identical (i386 via: ${run[*]})"
		t_ok
	fi
fi
t_done
