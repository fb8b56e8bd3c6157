#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-freestanding.sh OBJ... - fail if a freestanding core/ object needs a
# symbol a kernel would not provide. Allowed: the compiler's memory helpers
# (gcc may emit calls to them for struct copies even with -fno-builtin) and
# libgcc's 64-bit division on i386, which kernels link (GNU Mach does).
set -eu
ALLOWED="memcpy memset memmove memcmp __udivdi3 __umoddi3 __divdi3 __moddi3"
status=0
# One nm per target directory (nm is slow to start): symbols defined by the
# core/ objects built for the same target are part of the engine, not needs.
for dir in $(for o in "$@"; do dirname "$o"; done | sort -u); do
	objs=()
	for o in "$@"; do
		[ "$(dirname "$o")" = "$dir" ] && objs+=("$o")
	done
	own=$(nm -A --defined-only "${objs[@]}" | awk '$2 ~ /[TDBR]/ {printf " %s", $3}')
	while read -r obj sym; do
		case " $ALLOWED $own " in
		*" $sym "*) ;;
		*) echo "check-freestanding: $obj needs '$sym', which a kernel does not provide" >&2; status=1 ;;
		esac
	done < <(nm -A -u "${objs[@]}" | awk '{sub(/:$/, "", $1); print $1, $NF}')
done
[ $status -eq 0 ] && echo "  FS-OK    $# freestanding objects (x86_64, i386): no undefined symbols beyond: $ALLOWED"
exit $status
