#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-freestanding.sh OBJ... - fail if a freestanding core/ object needs a
# symbol a kernel would not provide. Allowed: the compiler's memory helpers
# (gcc may emit calls to them for struct copies even with -fno-builtin) and
# libgcc's 64-bit division on i386, which kernels link (GNU Mach does).
set -eu
ALLOWED="memcpy memset memmove memcmp __udivdi3 __umoddi3 __divdi3 __moddi3"
status=0
for obj in "$@"; do
	# symbols defined by the other core/ objects built for the same target
	# (same directory) are part of the engine, not outside needs
	own=""
	for o in "$@"; do
		[ "$(dirname "$o")" = "$(dirname "$obj")" ] && own="$own $(nm --defined-only "$o" | awk '$2 ~ /[TDBR]/ {print $3}')"
	done
	for sym in $(nm -u "$obj" | awk '{print $2}'); do
		case " $ALLOWED $(echo $own) " in
		*" $sym "*) ;;
		*) echo "check-freestanding: $obj needs '$sym', which a kernel does not provide" >&2; status=1 ;;
		esac
	done
done
[ $status -eq 0 ] && echo "  FS-OK    $# freestanding objects (x86_64, i386): no undefined symbols beyond: $ALLOWED"
exit $status
