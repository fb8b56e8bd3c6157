#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-bench-harness.sh - the benchmark harness works (not how fast anything
# is: no timed tests). One short round of every case must print a ratio line
# for each registered case, the reference first; bad usage exits 2.
. "$(dirname "$0")/lib.sh"
bench=${BUILD:-build}/bench/bench-core

t_begin bench_lists_cases
if ! list=$("$bench" -l); then
	t_fail "$bench -l failed"
elif ! echo "$list" | grep -q '^rdtsc ' || ! echo "$list" | grep -q '^hist record ' ||
	! echo "$list" | grep -q '^ring push (overwrite) ' || ! echo "$list" | grep -q '^token-bucket take '; then
	t_fail "case list lacks the reference or a core case: $list"
else
	t_ok
fi

t_begin bench_reports_every_case_as_ratio
n_cases=$(echo "$list" | wc -l)
if ! out=$("$bench" -r 1 -m 1); then
	t_fail "$bench -r 1 -m 1 failed"
else
	# "  name   1.23  [ 1.20 -  1.25]  <= 1.00  PASS|MISS" for each case but the reference
	ratios=$(echo "$out" | grep -cE '^  .+ +[0-9]+\.[0-9]{2}  \[ *[0-9]+\.[0-9]{2} - +[0-9]+\.[0-9]{2}\]')
	ref=$(echo "$out" | grep -cE '^  rdtsc +1\.00  \(reference\)')
	marks=$(echo "$out" | grep -cE '(PASS|MISS)$')
	if [ "$ratios" -ne $((n_cases - 1)) ] || [ "$ref" -ne 1 ]; then
		t_fail "expected $((n_cases - 1)) ratio lines and the reference, got $ratios and $ref:
$out"
	elif [ "$marks" -lt 3 ]; then
		t_fail "expected PASS/MISS marks for the targeted cases, got $marks"
	elif echo "$out" | grep -E '^  ' | grep -qE '[0-9] ?(ns|us|ms)\b'; then
		t_fail "a bare time was printed:
$out"
	else
		t_ok
	fi
fi

t_begin bench_bad_usage_exits_2
"$bench" -r 0 >/dev/null 2>&1
rc1=$?
"$bench" -f no-such-case >/dev/null 2>&1
rc2=$?
"$bench" stray >/dev/null 2>&1
rc3=$?
if [ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ]; then
	t_ok
else
	t_fail "exit statuses $rc1 $rc2 $rc3, expected 2 2 2"
fi
t_done
