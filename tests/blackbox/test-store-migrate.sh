#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-store-migrate.sh - a state.db written by schema version 1 (the first
# daemon: baselines without per-window p90/max/errors, no history), or by
# version 3 (before program events were stored by name, and before their
# history), is migrated to the current version (5) in place: its baselines
# and history stay usable, and a version from the future is refused without
# touching the file.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

mkdir -p "$PERF_ANALYSIS_STATE_DIR"
DB=$PERF_ANALYSIS_STATE_DIR/state.db
# The v1 schema as the first daemon wrote it (v2 and v3 add to it below), and a baseline 'old' with 6 windows of
# vm_alloc.
SCHEMA_V1=$(cat <<'SQL'
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
SQL
)
sqlite3 "$DB" <<SQL
$SCHEMA_V1
INSERT INTO baselines VALUES (1, 'old', 1000, 1700000000, '{"kernel":"5.10.0-old","machine":"x86_64","cpu_model":"x","cpus":2}');
INSERT INTO baseline_events VALUES (1, 2, 600, 0, 600000, 500, 5000, 1000, 1000, 1500, 3000, 4000, 0, 0, 0, 0, 0, 0, 1, 1);
INSERT INTO baseline_windows VALUES (1, 2, 1, 2, 100, 100000, 1000, 3000), (1, 2, 2, 3, 100, 100000, 1010, 3100),
  (1, 2, 3, 4, 100, 100000, 990, 2900), (1, 2, 4, 5, 100, 100000, 1005, 3050), (1, 2, 5, 6, 100, 100000, 995, 2950),
  (1, 2, 6, 7, 100, 100000, 1000, 3000);
PRAGMA user_version = 1;
SQL

t_begin "a version-1 state.db is migrated to the current version (5: programs' events by name) on start"
pa_start || t_fail "daemon: $(cat "$PA_DIR/daemon.log")"
t_assert_eq "user_version" 5 "$(sqlite3 "$DB" 'PRAGMA user_version')" && t_ok

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
[ "$rc" = 1 ] && grep -q "schema version 99, newer than this daemon's 5" "$PA_DIR/newer.log" &&
	[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$sum" ] && t_ok || t_fail "exit $rc: $(cat "$PA_DIR/newer.log")"

# Version 3, as the daemon before issue 8's program events wrote it (v1 tables, v2's columns and history,
# v3's alert log), with a baseline 'v3old': 6 windows of vm_alloc, one alert and 3 history points of vm_alloc.
# (The daemon is stopped.)
rm -f "$DB" "$DB-wal" "$DB-shm"
H0=$(($(date +%s) * 1000 - 3600000)) # an hour ago: well within the history's retention
sqlite3 "$DB" <<SQL
$SCHEMA_V1
ALTER TABLE baseline_windows ADD COLUMN errors INTEGER;
ALTER TABLE baseline_windows ADD COLUMN p90_ns INTEGER;
ALTER TABLE baseline_windows ADD COLUMN max_ns INTEGER;
ALTER TABLE baselines ADD COLUMN period_start_ns INTEGER;
ALTER TABLE baselines ADD COLUMN period_end_ns INTEGER;
CREATE INDEX baseline_windows_by_event ON baseline_windows (baseline_id, event, start_ns);
CREATE TABLE history (event INTEGER NOT NULL, start_unix_ms INTEGER NOT NULL, end_unix_ms INTEGER NOT NULL,
  windows INTEGER, count INTEGER, errors INTEGER, total_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER,
  p99_ns INTEGER, max_ns INTEGER, completeness INTEGER, PRIMARY KEY (event, start_unix_ms));
CREATE TABLE alerts (id INTEGER PRIMARY KEY, fired_id INTEGER, time_unix_ns INTEGER, window_start_ns INTEGER,
  window_end_ns INTEGER, event INTEGER, event_name TEXT, metric INTEGER, state INTEGER, value REAL,
  threshold REAL, quantile_ppm INTEGER, below INTEGER, completeness INTEGER, message TEXT);
INSERT INTO baselines VALUES (1, 'v3old', 1000, 1700000000, '{"kernel":"6.1.0-v3","machine":"x86_64","cpu_model":"x","cpus":2}', 1, 7);
INSERT INTO baseline_events VALUES (1, 2, 600, 0, 600000, 500, 5000, 1000, 1000, 1500, 3000, 4000, 0, 0, 0, 0, 0, 0, 1, 1);
INSERT INTO baseline_windows VALUES (1, 2, 1, 2, 100, 100000, 1000, 3000, 0, 1500, 4000),
  (1, 2, 2, 3, 100, 100000, 1010, 3100, 0, 1500, 4000), (1, 2, 3, 4, 100, 100000, 990, 2900, 0, 1500, 4000),
  (1, 2, 4, 5, 100, 100000, 1005, 3050, 0, 1500, 4000), (1, 2, 5, 6, 100, 100000, 995, 2950, 0, 1500, 4000),
  (1, 2, 6, 7, 100, 100000, 1000, 3000, 0, 1500, 4000);
INSERT INTO alerts VALUES (1, 0, 1700000000000000000, 1, 2, 2, 'vm_alloc', 0, 0, 3.0, 1.0, 990000, 0, 0, 'old alert');
INSERT INTO history VALUES (2, $((H0)), $((H0 + 10000)), 10, 100, 0, 100000, 1000, 1500, 3000, 4000, 0),
  (2, $((H0 + 10000)), $((H0 + 20000)), 10, 120, 1, 120000, 1000, 1500, 3000, 4000, 0),
  (2, $((H0 + 20000)), $((H0 + 30000)), 10, 110, 0, 110000, 1000, 1500, 3000, 4000, 0);
PRAGMA user_version = 3;
SQL

t_begin "a version-3 state.db is migrated to version 5 on start; its rows are all still there"
pa_start || t_fail "daemon: $(cat "$PA_DIR/daemon.log")"
n=$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM baseline_events) || ',' || (SELECT count(*) FROM baseline_windows) ||
	',' || (SELECT count(*) FROM alerts) || ',' || (SELECT count(*) FROM baseline_events WHERE source IS NULL) ||
	',' || (SELECT count(*) FROM history) || ',' || (SELECT count(*) FROM app_history)")
t_assert_eq "user_version" 5 "$(sqlite3 "$DB" 'PRAGMA user_version')" && t_assert_eq "rows" "1,6,1,1,3,0" "$n" && t_ok

t_begin "... its window history still reads (trend vm_alloc: 3 points, 330 events); no program has history yet"
t=$($PA --json trend vm_alloc | jq -c '.events[0] | [.points_count, ([.points[].count] | add)]')
run $PA trend -e db.query
[ "$t" = '[3,330]' ] && [ "$RC" = 2 ] && expect_err "no program event 'db.query' in the history" && t_ok ||
	t_fail "trend $t; exit $RC: $ERR"

t_begin "its baseline is shown (vm_alloc, 6 windows, no program events) and still compares (exit 3, 6 windows)"
s=$($PA --json baseline --show v3old | jq -c '[.events[] | select(.windows > 0 or .source == "app") | [.name, .windows, .source]]')
run $PA --json check-regression -e vm_alloc --baseline v3old
[ "$s" = '[["vm_alloc",6,null]]' ] && [ "$RC" = 3 ] && [ "$(jq .baseline_windows <<<"$OUT")" = 6 ] &&
	[ "$(jq .baseline_count <<<"$OUT")" = 600 ] && t_ok || t_fail "show $s; exit $RC: $OUT"
t_begin "... an all-events check against it answers too (no program events in it), and the old alert is listed"
run $PA --json check-regression --baseline v3old
a=$($PA --json alerts 2>/dev/null | jq -r '[.. | objects | select(has("message")) | .message] | index("old alert")')
[ "$RC" = 3 ] && [ "$(jq '[.events[] | select(.name == "vm_alloc")] | length' <<<"$OUT")" = 1 ] &&
	[ "$(jq '[.events[] | select(.source == "app")] | length' <<<"$OUT")" = 0 ] && [ "$a" != null ] && [ -n "$a" ] &&
	t_ok || t_fail "exit $RC: $(jq -c '.events | map(.name)' <<<"$OUT"); alert index '$a'"
t_begin "... and a new baseline can be stored beside it"
run $PA baseline v4new
[ "$RC" = 0 ] && [ "$($PA --json baseline --list | jq -c '[.baselines[].name]')" = '["v3old","v4new"]' ] && t_ok ||
	t_fail "exit $RC: $ERR"

t_done
