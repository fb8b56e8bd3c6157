#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-export.sh - perf-analysis export against a private daemon capturing a
# real workload: the CTF trace read back by babeltrace2 (event names, counts
# per event against the statistics' sample counts, timestamps inside the run,
# the workload's pid, the thread and fork counts it reports), the plain JSON
# export, and the Chrome trace of the same samples (converted with --input)
# through the npm checker of tests/export (schema, sample for sample, the
# DevTools trace engine). Needs root for kernel capture.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
WORKLOAD=$PWD/$BUILD/tests/workloads/workload
mono() { python3 -c 'import time; print(time.monotonic_ns())'; }

t_begin "bad usage: exit 2 with a message naming the problem"
ok=1
for args in "--format xml -o x" "--format ctf" "-o x" "--format ctf -o -" "--format json -o x --last 10q" \
	"--format json -o x --input /nonexistent"; do
	# shellcheck disable=SC2086 # word splitting intended
	run "$PA" export $args
	[ "$RC" = 2 ] && [ -n "$ERR" ] || { ok=0; t_fail "export $args: rc $RC, '$ERR'"; }
done
[ $ok = 1 ] && t_ok

if ! pa_start; then
	t_begin "daemon"
	t_fail "did not start: $(cat "$PA_DIR/daemon.log")"
	t_done
fi
if ! pa_kernel_available; then
	t_begin "export of captured samples"
	t_skip "kernel capture unavailable (needs root and eBPF)"
	t_done
fi

# Only the workload's events (a copy under a name of its own: other tests on this machine
# run `workload` too), every sample taken, a queue large enough to hold them all.
cp "$WORKLOAD" "$PA_DIR/pawl$$"
WORKLOAD=$PA_DIR/pawl$$
$PA enable >/dev/null
$PA configure --comm "pawl$$" -r 1000000 -b 262144 >/dev/null
$PA export --format json -o /dev/null >/dev/null # drain what came before the filter
$PA reset >/dev/null

t_begin "CTF of a captured workload: babeltrace2 reads every sample with the statistics' counts"
t0=$(mono)
"$WORKLOAD" -f 10 -t 12 -p 200 -m 40 -g 300 -e 20 >"$PA_DIR/wl.out" &
wl=$!
wait $wl
t1=$(mono)
run $PA --json export --format ctf -o "$PA_DIR/ctf"
stats=$($PA --json stats)
if ! expect_rc 0; then
	:
elif ! babeltrace2 --clock-cycles "$PA_DIR/ctf" >"$PA_DIR/bt.txt" 2>"$PA_DIR/bt.err"; then
	t_fail "babeltrace2 refused the trace: $(head -5 "$PA_DIR/bt.err")"
else
	n=$(jq .samples <<<"$OUT")
	lines=$(wc -l <"$PA_DIR/bt.txt")
	# babeltrace2 --clock-cycles: "[TS] (+DELTA) HOST NAME: { cpu_id = C }, { duration_ns = .., task_id = P, ... }"
	sed -n 's/^\[\([0-9]*\)\] ([^)]*) [^ ]* \([a-z_]*\): .* task_id = \([0-9]*\), thread_id.*/\1 \2 \3/p' \
		"$PA_DIR/bt.txt" >"$PA_DIR/ev.txt"
	ok=1
	[ "$n" -gt 500 ] && [ "$n" = "$lines" ] && [ "$(wc -l <"$PA_DIR/ev.txt")" = "$n" ] ||
		{ ok=0; t_fail "$n samples exported, $lines lines from babeltrace2"; }
	for ev in syscall ipc_send ipc_receive vm_alloc thread_create task_create; do
		want=$(jq ".events[] | select(.name == \"$ev\") | .samples" <<<"$stats")
		got=$(awk -v e=$ev '$2 == e' "$PA_DIR/ev.txt" | wc -l)
		[ "$got" = "$want" ] && [ "$got" -gt 0 ] || { ok=0; t_fail "$ev: $got in the trace, stats say $want samples"; }
	done
	# ground truth from the workload itself
	threads=$(sed -n 's/^thread_create //p' "$PA_DIR/wl.out")
	forks=$(sed -n 's/^task_create //p' "$PA_DIR/wl.out")
	got=$(awk '$2 == "thread_create"' "$PA_DIR/ev.txt" | wc -l)
	[ "$got" = "$threads" ] || { ok=0; t_fail "thread_create: $got in the trace, the workload made $threads"; }
	got=$(awk '$2 == "task_create"' "$PA_DIR/ev.txt" | wc -l)
	[ "$got" = "$forks" ] || { ok=0; t_fail "task_create: $got in the trace, the workload made $forks"; }
	# every sample lies inside the run (raw monotonic ns); the getppid() calls are the workload's own
	bad=$(awk -v a="$t0" -v b="$t1" '$1 < a || $1 > b' "$PA_DIR/ev.txt" | wc -l)
	[ "$bad" = 0 ] || { ok=0; t_fail "$bad samples outside [$t0, $t1]"; }
	own=$(awk -v p=$wl '$2 == "syscall" && $3 == p' "$PA_DIR/ev.txt" | wc -l)
	[ "$own" -ge 300 ] || { ok=0; t_fail "only $own syscall samples from the workload's pid $wl (300 getppid)"; }
	[ $ok = 1 ] && t_ok
fi

t_begin "CTF records drops as discarded events; the queue is empty afterwards"
$PA configure -b 16 >/dev/null
"$WORKLOAD" -g 5000 >/dev/null
sleep 1.1
run $PA --json export --format ctf -o "$PA_DIR/ctf2"
d=$(jq .dropped <<<"$OUT")
babeltrace2 "$PA_DIR/ctf2" >/dev/null 2>"$PA_DIR/bt2.err"
disc=$(grep -o 'discarded [0-9]* events' "$PA_DIR/bt2.err" | awk '{s += $2} END {print s + 0}')
run $PA --json export --format json -o -
left=$(jq '.samples | length' <<<"$OUT")
[ "${d:-0}" -gt 0 ] && [ "$disc" = "$d" ] && [ "$left" = 0 ] && t_ok ||
	t_fail "dropped $d, babeltrace2 reports $disc discarded, $left samples left"
$PA configure -b 262144 >/dev/null

t_begin "JSON export, then Chrome trace of the same samples: schema, sample for sample, DevTools trace engine"
"$WORKLOAD" -t 8 -p 100 -u 100 -m 20 -g 200 >/dev/null
sleep 0.2
run $PA export --format json -o "$PA_DIR/samples.json" --last 30s
n=$(jq '.samples | length' "$PA_DIR/samples.json" 2>/dev/null)
if ! expect_rc 0; then
	:
elif [ "${n:-0}" -lt 100 ]; then
	t_fail "only '$n' samples in the JSON export"
elif ! run $PA export --format chrome -o "$PA_DIR/trace.json" --input "$PA_DIR/samples.json" || [ "$RC" != 0 ]; then
	t_fail "chrome from --input: rc $RC $ERR"
elif [ ! -d tests/export/node_modules/@paulirish/trace_engine ]; then
	t_skip "tests/export/node_modules missing (make installs it)"
else
	# the checker's input: what went in, in export-gen's form (comm bytes as hex)
	jq '{realtime_offset_ns: .clock.realtime_offset_ns, dropped: .loss.samples_dropped,
		sampled_out: .loss.samples_sampled_out,
		names: ([.samples[] | {key: (.event_id | tostring), value: .event}] | from_entries),
		comms: [],
		samples: [.samples[] | [.timestamp_ns, .duration_ns, .event_id, .flags, .cpu, .task_id, .thread_id,
			.data1, .data2]]}' "$PA_DIR/samples.json" >"$PA_DIR/input.json"
	python3 - "$PA_DIR/input.json" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))
		src = json.load(open(sys.argv[1].replace("input.json", "samples.json")))
		d["comms"] = [[t["tid"], t["tgid"], t["comm"].encode().hex()] for t in src["threads"]]
		json.dump(d, open(sys.argv[1], "w"))
	EOF
	node tests/export/check-chrome.mjs "$PA_DIR/trace.json" "$PA_DIR/input.json" \
		tests/export/chrome-trace.schema.json --captured >"$PA_DIR/chk.out" 2>&1
	# Required: every check but the DevTools engine's call trees, printed only: on real
	# captures the engine leaves some context_switch slices out of its trees.
	cat "$PA_DIR/chk.out"
	fails=$(grep '^not ok' "$PA_DIR/chk.out" | grep -v -e 'Chrome DevTools trace engine builds')
	passed=$(grep -c '^ok' "$PA_DIR/chk.out")
	if [ -z "$fails" ] && [ "$passed" -ge 9 ]; then t_ok; else t_fail "check-chrome.mjs: $fails ($passed ok)"; fi
fi
t_done
