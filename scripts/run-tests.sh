#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-tests.sh TEST... - run test programs and sum their results.
#
# Each TEST is an executable: a cmocka program, or a shell test using
# tests/lib.sh, which prints the same summary lines. Prints one closing line
# "check: N passed, N failed, N skipped". A test that needs root or eBPF and
# skips is a failure under CI=true. Exit 1 on any failure.
set -u

passed=0 failed=0 skipped=0 broken=()
log_dir=${TEST_LOG_DIR:-build/test-logs}
mkdir -p "$log_dir"

for t in "$@"; do
	name=$(basename "$t")
	log="$log_dir/$name.log"
	echo "=== $name"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s).*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exited with status $rc without reporting a failure (crash?)"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "$name: ran no test"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -gt 0 ] && broken+=("$name")
	if [ "$s" -gt 0 ] && [ "${CI:-}" = "true" ]; then
		echo "$name: $s test(s) skipped under CI, where every test must run"
		failed=$((failed + s))
		broken+=("$name(skipped)")
	fi
done

[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
