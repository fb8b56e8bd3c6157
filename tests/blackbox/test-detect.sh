#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-detect.sh - perf-analysis detect FILE (issue 5): offline change-point
# detection on series generated here with planted changes (seeded awk), in
# CSV and JSON; bad files exit 2 and say what is wrong. Needs no daemon.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
BUILD=${BUILD:-build}
PA=$PWD/$BUILD/perf-analysis
D=$(mktemp -d /tmp/pa-detect.XXXXXX)
trap 'rm -rf "$D"' EXIT
export PERF_ANALYSIS_SOCKET=$D/no-daemon.sock # detect must not need one

# gen SEED N CHANGE_AT FACTOR [SPIKE_AT]: "id,value", 5 % noise, level 100 then 100*FACTOR.
gen() {
	awk -v seed="$1" -v n="$2" -v at="$3" -v f="$4" -v spike="${5:--1}" 'BEGIN { srand(seed); print "id,value"
		for (i = 0; i < n; i++) { v = (i < at ? 100 : 100 * f) * (1 + 0.05 * (rand() + rand() + rand() - 1.5))
			if (i == spike) v *= 8; print i "," v } }'
}

t_begin "CSV with one planted +30 % step and a spike: exactly one change point, at the step (+-2), ~+30 %, p <= 0.005"
gen 7 200 120 1.3 50 >"$D/step.csv"
j=$($PA --json detect "$D/step.csv")
n=$(jq '.change_points | length' <<<"$j")
idx=$(jq '.change_points[0].index' <<<"$j")
pct=$(jq '.change_points[0].change_pct' <<<"$j")
p=$(jq '.change_points[0].p_value' <<<"$j")
[ "$n" = 1 ] && [ "$idx" -ge 118 ] && [ "$idx" -le 122 ] && awk -v x="$pct" -v p="$p" 'BEGIN { exit !(x > 20 && x < 40 && p <= 0.005) }' &&
	[ "$(jq -r '.change_points[0].id' <<<"$j")" = "$idx" ] && t_ok || t_fail "$j"

t_begin "human output names the position, the label, the change and the p-value"
out=$($PA detect "$D/step.csv")
case $out in *"1 change point"*"at point $idx (id $idx): "*"(+"*" %), p = "*) t_ok ;; *) t_fail "$out" ;; esac

t_begin "no change in flat noise (with a spike): no change point, exit 0"
gen 11 200 1000 1 80 >"$D/flat.csv"
run_out=$($PA --json detect "$D/flat.csv"); rc=$?
[ "$rc" = 0 ] && [ "$(jq '.change_points | length' <<<"$run_out")" = 0 ] && t_ok || t_fail "rc $rc: $run_out"

t_begin "two planted changes (down 25 %, then up 60 %) in a timestamp,value CSV: both found"
awk 'BEGIN { srand(3); print "timestamp,value"; for (i = 0; i < 300; i++) {
	l = i < 100 ? 200 : i < 200 ? 150 : 240; print 1700000000 + 60 * i "," l * (1 + 0.04 * (rand() - 0.5)) } }' >"$D/two.csv"
j=$($PA --json detect "$D/two.csv")
got=$(jq -c '[.change_points[] | [.index, (.change_pct | round)]]' <<<"$j")
jq -e '(.change_points | length) == 2 and (.change_points[0].index | . >= 98 and . <= 102)
	and (.change_points[1].index | . >= 198 and . <= 202) and .change_points[0].change_pct < -20
	and .change_points[1].change_pct > 50 and (.change_points[0].timestamp | tonumber) > 1700000000' <<<"$j" >/dev/null &&
	t_ok || t_fail "$got"

t_begin "a JSON array (numbers, and objects with value) gives the same change point as the CSV"
tail -n +2 "$D/step.csv" | cut -d, -f2 | jq -s . >"$D/step.json"
tail -n +2 "$D/step.csv" | cut -d, -f2 | jq -s 'map({value: .})' >"$D/step-obj.json"
a=$($PA --json detect "$D/step.json" | jq -c '[.change_points[].index]')
b=$($PA --json detect "$D/step-obj.json" | jq -c '[.change_points[].index]')
t_assert_eq "json" "[$idx]" "$a" && t_assert_eq "objects" "[$idx]" "$b" && t_ok

t_begin "reproducible: the same file gives the same p-values"
t_assert_eq "twice" "$($PA --json detect "$D/two.csv")" "$($PA --json detect "$D/two.csv")" && t_ok

t_begin "bad files exit 2 and say what is wrong"
printf 'foo,bar\n1,2\n' >"$D/hdr.csv"
printf 'id,value\n1,2\n2,abc\n' >"$D/val.csv"
printf 'id,value\n1,2,3\n' >"$D/cols.csv"
printf '[1, 2, "x"]' >"$D/bad.json"
printf '[1, 2' >"$D/trunc.json"
printf '{"a": 1}' >"$D/obj.json"
printf 'id,value\n1,5\n' >"$D/one.csv"
: >"$D/empty.csv"
ok=1
for c in "hdr.csv:header must be 'id,value' or 'timestamp,value'" "val.csv:line 3: value 'abc' is not a finite number" \
	"cols.csv:line 2: expected two columns" "bad.json:element 2 is not a number" "trunc.json:not valid JSON" \
	"obj.json:not an array" "one.csv:1 point" "empty.csv:empty" "missing.csv:cannot open"; do
	f=${c%%:*} msg=${c#*:}
	err=$($PA detect "$D/$f" 2>&1 >/dev/null); rc=$?
	if [ "$rc" != 2 ]; then ok=0; t_fail "$f: exit $rc"; fi
	case $err in *"$f: "*"$msg"*) ;; *) ok=0; t_fail "$f: message '$err' lacks '$msg'" ;; esac
done
[ $ok = 1 ] && t_ok

t_begin "bad options exit 2"
$PA detect --alpha 2 "$D/step.csv" 2>/dev/null; r1=$?
$PA detect --min-segment 1 "$D/step.csv" 2>/dev/null; r2=$?
$PA detect 2>/dev/null; r3=$?
t_assert_eq "exits" "2 2 2" "$r1 $r2 $r3" && t_ok

t_done
