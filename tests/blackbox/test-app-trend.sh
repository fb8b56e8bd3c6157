#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-app-trend.sh - window history and `perf-analysis trend` for programs'
# named events (issue 8): a real daemon (100 ms windows, one history point
# per 100 ms) and a real instrumented program (tests/blackbox/app-dbquery:
# "db.query" timed around sleeps of BASE_US x 1 to 2, and untimed "db.ping"),
# kernel capture disabled. The same distribution twice shows no step; twice
# the base then does, and trend -e db.query finds that change point; the
# history's counts add up to the daemon's exact count and survive a restart.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

APP=$PWD/$BUILD/tests/blackbox/app-dbquery
RT=""
chrt -f 50 true 2>/dev/null && RT="chrt -f 50"
# dbq COUNT BASE_US: run the program, fail unless every event reached the daemon.
dbq() {
	local out
	out=$($RT "$APP" "$1" "$2")
	case $out in *"recorded $((2 * $1))"*"attached yes"*"dropped 0"*"no_ring 0"*"unattached 0"*) return 0 ;; esac
	t_fail "the program lost events: $out"
	return 1
}
# big_cps JSON: db.query's change points of more than +-50 %.
big_cps() { jq -c '[.events[0].change_points[] | select(.change_pct | fabs > 50)]' <<<"$1"; }

pa_start -w 100 --history-interval-ms 100 || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }

t_begin "the same distribution twice (two runs, 400 us base): db.query's history has no step"
dbq 1500 400
dbq 1500 400
sleep 0.5
j=$($PA --json trend -e db.query)
n0=$(jq '.events[0].points_count' <<<"$j")
[ "$(jq -r '.events[0] | .name + " " + .source' <<<"$j")" = "db.query app" ] && [ "$n0" -ge 8 ] &&
	[ "$(big_cps "$j")" = '[]' ] && t_ok || t_fail "$n0 points, change points $(jq -c '.events[0].change_points' <<<"$j")"

t_begin "then twice the base: trend -e db.query finds one change point of ~+100 %, from ~0.6 ms to ~1.2 ms"
dbq 1500 800
sleep 0.5
j=$($PA --json trend -e db.query)
big=$(big_cps "$j")
n=$(jq '.events[0].points_count' <<<"$j")
jq -e 'length == 1 and (.[0].change_pct | . > 60 and . < 140) and (.[0].before | . > 550000 and . < 900000)
	and (.[0].after | . > 1100000 and . < 1700000) and .[0].p_value <= 0.01' <<<"$big" >/dev/null &&
	[ "$n" -gt "$n0" ] && t_ok || t_fail "$n points, change points $(jq -c '.events[0].change_points' <<<"$j")"

t_begin "... positional EVENT is the same series; --metric rate: the rate halves at the same point"
p=$($PA --json trend db.query | jq -c '.events[0].points')
cr=$($PA --json trend -e db.query --metric rate | jq -c '.events[0].change_points')
[ "$p" = "$(jq -c '.events[0].points' <<<"$j")" ] &&
	jq -e --argjson i "$(jq '.[0].index // -99' <<<"$big")" 'any(.[]; (.change_pct | . > -70 and . < -30)
	and (.index - $i | fabs) <= 2)' <<<"$cr" >/dev/null && t_ok || t_fail "rate change points $cr"

t_begin "its points add up to the daemon's exact count of db.query (4500)"
sum=$(jq '[.events[0].points[].count] | add' <<<"$j")
count=$($PA --json stats | jq '[.programs[].events[] | select(.name == "db.query") | .count] | add')
[ "$sum" = 4500 ] && [ "$count" = 4500 ] && t_ok || t_fail "history $sum, stats $count"

t_begin "trend without an event: db.query (timed) with its change; untimed db.ping only with --metric rate"
out=$($PA trend)
rate=$($PA --json trend --metric rate | jq -c '[.events[] | .name]')
case $out in *"db.query (p50): "*" points"*"change point at "*"(+"*) true ;; *) false ;; esac &&
	case $out in *db.ping*) false ;; *) true ;; esac && [ "$rate" = '["db.ping","db.query"]' ] && t_ok ||
	t_fail "$out / rate: $rate"

t_begin "the history survives a restart: the store (schema 5) keeps it by name, in app_history"
pa_stop
pa_start -w 100 --history-interval-ms 100 || t_fail "restart: $(cat "$PA_DIR/daemon.log")"
j2=$($PA --json trend -e db.query)
rows=$(sqlite3 "$PERF_ANALYSIS_STATE_DIR/state.db" "SELECT name || ':' || sum(count) || ':' || max(timed) FROM app_history
	GROUP BY name ORDER BY name" | tr '\n' ' ')
[ "$(jq '.events[0].points_count' <<<"$j2")" = "$n" ] && [ "$(big_cps "$j2")" = "$big" ] &&
	[ "$(sqlite3 "$PERF_ANALYSIS_STATE_DIR/state.db" 'PRAGMA user_version')" = 5 ] &&
	[ "$rows" = "db.ping:4500:0 db.query:4500:1 " ] && t_ok || t_fail "after restart: $(jq -c '.events[0] |
	{points_count, change_points}' <<<"$j2"); rows $rows"

t_begin "bad input: a name without history exits 2 naming those with history; EVENT given twice exits 2"
run $PA trend -e no.such
r1=$RC e1=$ERR
run $PA trend -e db.query db.query
[ "$r1" = 2 ] && [ "$RC" = 2 ] &&
	case $e1 in *"no program event 'no.such' in the history (program events with history: db.ping, db.query)"*)
		true ;; *) false ;; esac && expect_err "give the event once" && t_ok || t_fail "exits $r1 $RC: $e1 / $ERR"

t_done
