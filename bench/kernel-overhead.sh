#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kernel-overhead.sh BUILD_DIR - what kernel capture costs, as ratios against
# references measured in the same run, medians of interleaved rounds:
#   none      no tracing
#   empty     empty tp_btf programs on the same hooks: the floor
#   clock     the same, timing each syscall with two clock reads: the floor
#             of any tracer that measures every syscall's duration
#   ours      the collector, every event, default sampling, drained
#   bpftrace  a syscall latency histogram (the peer)
#   perf stat counting raw_syscalls enter/exit system-wide
# on a getppid loop (cost per syscall), `perf bench sched messaging`, and a
# realistic job (parallel `gcc -O2 -c` of core/, twice); then the sustained
# sample stream: every event offered to the ring, how many got through.
# Times are CPU time (user + system) of the measured commands, which the
# programs run inside of; wall time on a shared machine is mostly noise. The
# getppid loop reports the 10th percentile of 200-call chunks (chunks that
# other load interrupted are slower, never faster), and pa-kalt measures it
# once more switching none/floor/ours every few milliseconds inside one
# process, so that slow drifts of a shared machine hit all three alike.
# Needs root. PA_BENCH_ROUNDS (default 5), PA_BENCH_CALLS (default 500000),
# PA_BENCH_ALT_ROUNDS (default 150).
set -u
build=${1:-build}
rounds=${PA_BENCH_ROUNDS:-5}
calls=${PA_BENCH_CALLS:-500000}
kb=$build/bench/kernel/pa-kbench
kalt=$build/bench/kernel/pa-kalt
alt_rounds=${PA_BENCH_ALT_ROUNDS:-150}
loop=$build/bench/kernel/getppid-loop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "kernel-overhead: needs root to load eBPF programs; skipped" >&2
	exit 0
fi
for t in "$kb" "$kalt" "$loop"; do
	[ -x "$t" ] || { echo "kernel-overhead: $t missing (make capture)" >&2; exit 1; }
done

BPFTRACE_PROG='tracepoint:raw_syscalls:sys_enter { @s[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }'

# run_bpftrace CMD...: run CMD while bpftrace's histogram is attached
run_bpftrace() {
	bpftrace -e "$BPFTRACE_PROG" >"$tmp/bt.log" 2>&1 &
	local bt=$! i
	for i in $(seq 1 300); do
		grep -q Attaching "$tmp/bt.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.2
	"$@"
	# TERM, not INT: a background job of a non-interactive shell ignores SIGINT
	kill -TERM $bt 2>/dev/null
	wait $bt 2>/dev/null
}

have_bpftrace=0
command -v bpftrace >/dev/null && have_bpftrace=1

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

cpu_time() { awk '/^cpu-seconds/ {print $2}'; }
MSG="perf bench sched messaging -g 4 -l 500"

# build_job: compile core/*.c twice, two at a time; prints seconds
build_job() {
	local a b
	a=$(date +%s.%N)
	for i in 1 2; do
		ls core/*.c | xargs -P 2 -I{} gcc -O2 -std=gnu11 -Iinclude -Icore -c {} -o /dev/null
	done
	b=$(date +%s.%N)
	echo "$a $b" | awk '{print $2 - $1}'
}

for r in $(seq 1 "$rounds"); do
	for m in none empty clock ours; do
		"$kb" $m -- "$loop" "$calls" 2>/dev/null >>"$tmp/loop.$m"
		"$kb" $m -- $MSG 2>&1 >/dev/null | cpu_time >>"$tmp/msg.$m"
		"$kb" $m -- bash -c "$(declare -f build_job); build_job" 2>&1 >/dev/null | cpu_time >>"$tmp/job.$m"
	done
	# resource tracking on top of ours (bpf/resources.bpf.c), as the daemon loads it by default
	"$kb" resources -- "$loop" "$calls" 2>/dev/null >>"$tmp/loop.resources"
	"$kb" resources -- $MSG 2>&1 >/dev/null | cpu_time >>"$tmp/msg.resources"
	perf stat -a -e raw_syscalls:sys_enter,raw_syscalls:sys_exit -o /dev/null -- "$loop" "$calls" >>"$tmp/loop.perf"
	if [ $have_bpftrace = 1 ]; then
		run_bpftrace "$loop" "$calls" >>"$tmp/loop.bpftrace"
		run_bpftrace "$kb" none -- $MSG 2>&1 >/dev/null | cpu_time >>"$tmp/msg.bpftrace"
	fi
done

for f in "$tmp"/loop.* "$tmp"/msg.* "$tmp"/job.*; do
	eval "$(basename "$f" | tr . _)=$(median <"$f")"
done
[ $have_bpftrace = 1 ] || { loop_bpftrace=nan; msg_bpftrace=nan; }

awk -v rounds="$rounds" -v calls="$calls" \
	-v ln="$loop_none" -v le="$loop_empty" -v lo="$loop_ours" -v lb="$loop_bpftrace" -v lp="$loop_perf" \
	-v lc="$loop_clock" -v mc="$msg_clock" \
	-v mn="$msg_none" -v me="$msg_empty" -v mo="$msg_ours" -v mb="$msg_bpftrace" \
	-v jn="$job_none" -v je="$job_empty" -v jo="$job_ours" 'BEGIN {
	printf "kernel capture overhead: medians of %d interleaved rounds (same machine, same run)\n", rounds
	printf "getppid loop (%d calls), ns per call (10th percentile of 200-call chunks):\n", calls
	printf "  none %.0f | empty programs (floor) %.0f | floor + clock %.0f | ours %.0f | bpftrace histogram %s | perf stat %.0f\n",
		ln, le, lc, lo, lb, lp
	fe = le - ln
	printf "  added per syscall: floor %+.0f ns, floor + clock %+.0f ns, ours %+.0f ns, bpftrace %s, perf stat %+.0f ns\n",
		fe, lc - ln, lo - ln, (lb == "nan" ? "n/a" : sprintf("%+.0f ns", lb - ln)), lp - ln
	printf "  ratio to no tracing: floor %.2fx, ours %.2fx, bpftrace %s, perf stat %.2fx\n",
		le / ln, lo / ln, (lb == "nan" ? "n/a" : sprintf("%.2fx", lb / ln)), lp / ln
	if (fe > 0)
		printf "  added cost in floors: floor + clock %.2fx, ours %.2fx (target <= 1.5x), bpftrace %s\n",
			(lc - ln) / fe, (lo - ln) / fe, (lb == "nan" ? "n/a" : sprintf("%.2fx", (lb - ln) / fe))
	else
		printf "  floor not measurable above noise in this run (floor %+.0f ns)\n", fe
	printf "perf bench sched messaging -g 4 -l 500, CPU seconds: none %.3f | floor %.3f | floor + clock %.3f | ours %.3f | bpftrace %s\n",
		mn, me, mc, mo, mb
	fo = 100 * (me / mn - 1); oo = 100 * (mo / mn - 1)
	printf "  overhead: floor %+.1f %%, floor + clock %+.1f %%, ours %+.1f %%, bpftrace %s\n", fo,
		100 * (mc / mn - 1), oo, (mb == "nan" ? "n/a" : sprintf("%+.1f %%", 100 * (mb / mn - 1)))
	if (fo > 0)
		printf "  overhead in floors: ours %.2fx, bpftrace %s (target: ours <= 10 %% or <= 1.3x the floor)\n", oo / fo,
			(mb == "nan" ? "n/a" : sprintf("%.2fx", 100 * (mb / mn - 1) / fo))
	printf "parallel gcc -O2 -c of core/ (x2), CPU seconds: none %.3f | floor %.3f | ours %.3f\n", jn, je, jo
	printf "  overhead: floor %+.1f %%, ours %+.1f %% (target <= 2 %%)\n", 100 * (je / jn - 1), 100 * (jo / jn - 1)
}'

# Resource tracking (bpf/resources.bpf.c) loaded with the collector, as perf-analysisd does by default.
awk -v ln="$loop_none" -v lo="$loop_ours" -v lr="$loop_resources" \
	-v mn="$msg_none" -v mo="$msg_ours" -v mr="$msg_resources" 'BEGIN {
	printf "resources (ours + resource tracking, the daemon default), same rounds:\n"
	printf "  getppid ns per call: ours %.0f | ours + resources %.0f: resources add %+.0f ns per syscall", lo, lr, lr - lo
	if (lo > ln)
		printf " = %.2fx what ours adds", (lr - lo) / (lo - ln)
	printf "; ratio to no tracing %.2fx\n", lr / ln
	printf "  perf bench sched messaging CPU seconds: ours %.3f | ours + resources %.3f: overhead %+.1f %% (ours %+.1f %%)\n",
		mo, mr, 100 * (mr / mn - 1), 100 * (mo / mn - 1)
}'

# The getppid loop once more, the setups alternating inside one process.
"$kalt" "$alt_rounds" | awk '{n = $2; e = $4 - n; c = $6 - n; o = $8 - n; r = $10 - n
	printf "getppid, none/floor/floor + clock/ours/ours + resources alternating every ~5 ms in one process (%s rounds), ns per call:\n", rounds
	printf "  none %.0f | floor %+.0f | floor + clock %+.0f | ours %+.0f", n, e, c, o
	if (e > 0)
		printf " = %.2fx the floor (target <= 1.5x; floor + clock alone %.2fx)", o / e, c / e
	if (c > 0)
		printf ", %.2fx floor + clock", o / c
	printf "\n  ours + resources (the daemon default) %+.0f: resources add %+.0f ns per syscall\n", r, r - o
	}' rounds="$alt_rounds"

# Sustained stream: a getppid flood with every event offered to the ring.
"$kb" stream -- "$loop" "$calls" 2>"$tmp/stream" >/dev/null
awk '/^stream:/ {printf "sample stream, every event offered (getppid flood): %d samples in %.2f s = %.0f samples/s delivered, %d dropped (%.2f %% of offered)\n", $2, $6, $2 / $6, $4, ($2 + $4) ? 100 * $4 / ($2 + $4) : 0}' "$tmp/stream"
