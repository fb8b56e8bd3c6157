#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-store-migrate.sh - a state.db written by schema version 1 (the first
# daemon: baselines without per-window p90/max/errors, no history) is migrated
# to the current version in place: its baselines stay usable, and a version from the
# future is refused without touching the file.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

mkdir -p "$PERF_ANALYSIS_STATE_DIR"
DB=$PERF_ANALYSIS_STATE_DIR/state.db
# The v1 schema as the first daemon wrote it, and a baseline 'old' with 6 windows of vm_alloc.
sqlite3 "$DB" <<'SQL'
CREATE TABLE config (key TEXT PRIMARY KEY, value INTEGER, text TEXT);
CREATE TABLE baselines (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, created_ns INTEGER, created_unix INTEGER,
  env TEXT);
CREATE TABLE baseline_events (baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
  event INTEGER NOT NULL, count INTEGER, errors INTEGER, total_ns INTEGER, min_ns INTEGER, max_ns INTEGER,
  avg_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, p999_ns INTEGER, last_timestamp_ns INTEGER,
  dropped INTEGER, sampled_out INTEGER, lost INTEGER, samples INTEGER, completeness INTEGER, has_duration INTEGER,
  available INTEGER, PRIMARY KEY (baseline_id, event));
CREATE TABLE baseline_windows (baseline_id INTEGER NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
  event INTEGER NOT NULL, start_ns INTEGER, end_ns INTEGER, count INTEGER, total_ns INTEGER, p50_ns INTEGER,
  p99_ns INTEGER);
CREATE TABLE audit (id INTEGER PRIMARY KEY, time_unix_ns INTEGER, uid INTEGER, gid INTEGER, pid INTEGER,
  method TEXT, params TEXT, result TEXT);
INSERT INTO baselines VALUES (1, 'old', 1000, 1700000000, '{"kernel":"5.10.0-old","machine":"x86_64","cpu_model":"x","cpus":2}');
INSERT INTO baseline_events VALUES (1, 2, 600, 0, 600000, 500, 5000, 1000, 1000, 1500, 3000, 4000, 0, 0, 0, 0, 0, 0, 1, 1);
INSERT INTO baseline_windows VALUES (1, 2, 1, 2, 100, 100000, 1000, 3000), (1, 2, 2, 3, 100, 100000, 1010, 3100),
  (1, 2, 3, 4, 100, 100000, 990, 2900), (1, 2, 4, 5, 100, 100000, 1005, 3050), (1, 2, 5, 6, 100, 100000, 995, 2950),
  (1, 2, 6, 7, 100, 100000, 1000, 3000);
PRAGMA user_version = 1;
SQL

t_begin "a version-1 state.db is migrated to the current version (3: alert log) on start"
pa_start || t_fail "daemon: $(cat "$PA_DIR/daemon.log")"
t_assert_eq "user_version" 3 "$(sqlite3 "$DB" 'PRAGMA user_version')" && t_ok

t_begin "its baseline is listed and shown with its 6 windows"
l=$($PA --json baseline --list | jq -c '[.baselines[] | [.name, .windows]]')
w=$($PA --json baseline --show old | jq '.events[] | select(.name == "vm_alloc") | .window_p50_ns | length')
t_assert_eq "list" '[["old",6]]' "$l" && t_assert_eq "windows" 6 "$w" && t_ok

t_begin "check-regression against it answers (no windows now: INCONCLUSIVE, exit 3) and warns about the kernel"
run $PA --json check-regression -e vm_alloc --baseline old
[ "$RC" = 3 ] && [ "$(jq .baseline_windows <<<"$OUT")" = 6 ] && case $ERR in *'kernel: "5.10.0-old" in the baseline'*) true ;;
	*) false ;; esac && t_ok || t_fail "exit $RC: $OUT / $ERR"

t_begin "a state.db from a newer schema is refused, and left as it was"
pa_stop
sqlite3 "$DB" "PRAGMA user_version = 99"
sum=$(sha256sum "$DB" | cut -d' ' -f1)
"$PAD" 2>"$PA_DIR/newer.log" & pid=$!
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
wait $pid; rc=$?
[ "$rc" = 1 ] && grep -q "schema version 99, newer than this daemon's 3" "$PA_DIR/newer.log" &&
	[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$sum" ] && t_ok || t_fail "exit $rc: $(cat "$PA_DIR/newer.log")"

t_done
