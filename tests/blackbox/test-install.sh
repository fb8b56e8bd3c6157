#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-install.sh - `make install` into a staging root installs the programs,
# library, headers, pkg-config file, man pages and systemd unit; a program
# built with `pkg-config --cflags --libs perf-analysis` against that root
# runs against a daemon; the man pages render without warnings.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
ROOT=$PA_DIR/root

t_begin "make install DESTDIR=... installs every piece"
if make -s install DESTDIR="$ROOT" PREFIX=/usr/local >"$PA_DIR/install.log" 2>&1; then
	missing=
	for f in usr/local/sbin/perf-analysisd usr/local/bin/perf-analysis usr/local/lib/libperfanalysis.a \
		usr/local/lib/libperfanalysis.so usr/local/lib/libperfanalysis.so.0 usr/local/lib/pkgconfig/perf-analysis.pc \
		usr/local/include/perf-analysis/perf_monitor.h usr/local/include/perf-analysis/perf_events.h \
		usr/local/share/man/man1/perf-analysis.1 usr/local/share/man/man8/perf-analysisd.8 \
		usr/local/share/perf-analysis/perf_monitor.defs lib/systemd/system/perf-analysisd.service \
		lib/systemd/system/perf-analysisd.socket; do
		[ -e "$ROOT/$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] && t_ok || t_fail "missing:$missing"
else
	t_fail "make install failed: $(tail -5 "$PA_DIR/install.log")"
fi

t_begin "the unit starts the installed daemon"
grep -q '^ExecStart=/usr/local/sbin/perf-analysisd$' "$ROOT/lib/systemd/system/perf-analysisd.service" && t_ok ||
	t_fail "$(cat "$ROOT/lib/systemd/system/perf-analysisd.service")"

t_begin "socket activation: the daemon serves a listening socket passed as fd 3"
if command -v systemd-socket-activate >/dev/null; then
	act=$PA_DIR/act.sock
	systemd-socket-activate -l "$act" -E PERF_ANALYSIS_STATE_DIR="$PA_DIR/act-state" "$PAD" 2>"$PA_DIR/act.log" &
	sa=$!
	sleep 0.3
	out=$(PERF_ANALYSIS_SOCKET=$act $PA --json status | jq -r .version)
	kill -TERM $sa; wait $sa 2>/dev/null
	t_assert_eq "version over the activated socket" 0.1.0 "$out" && grep -q "socket activation" "$PA_DIR/act.log" && t_ok ||
		t_fail "$(cat "$PA_DIR/act.log")"
else
	t_skip "systemd-socket-activate is not installed"
fi

t_begin "a program built with pkg-config against the installed tree runs against the daemon"
export PKG_CONFIG_PATH=$ROOT/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$ROOT
flags=$(pkg-config --cflags --libs perf-analysis)
if cc -o "$PA_DIR/basic" examples/basic-monitoring.c $flags 2>"$PA_DIR/cc.log"; then
	pa_start || t_fail "daemon: $(cat "$PA_DIR/daemon.log")"
	out=$(LD_LIBRARY_PATH=$ROOT/usr/local/lib "$PA_DIR/basic")
	case $out in "VM Allocations: "*) t_ok ;; *) t_fail "output: $out" ;; esac
	pa_stop
else
	t_fail "cc $flags: $(cat "$PA_DIR/cc.log")"
fi

t_begin "a static build works with pkg-config --static"
if cc -o "$PA_DIR/basic-static" examples/basic-monitoring.c $(pkg-config --cflags perf-analysis) \
	"$ROOT/usr/local/lib/libperfanalysis.a" $(pkg-config --static --libs-only-l perf-analysis | sed 's/-lperfanalysis//') \
	2>"$PA_DIR/cc.log"; then t_ok; else t_fail "$(cat "$PA_DIR/cc.log")"; fi

t_begin "the man pages render without warnings and document the exit codes"
w=$(MANWIDTH=80 man --warnings -l "$ROOT/usr/local/share/man/man1/perf-analysis.1" 2>&1 >"$PA_DIR/man1.txt";
	MANWIDTH=80 man --warnings -l "$ROOT/usr/local/share/man/man8/perf-analysisd.8" 2>&1 >/dev/null)
if [ -z "$w" ] && grep -q "^ *77 *Permission" "$PA_DIR/man1.txt" && grep -qE "^ *69 +The +daemon +cannot +be +reached" "$PA_DIR/man1.txt"; then t_ok
else t_fail "warnings: $w"; fi
t_done
