# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib.sh - shell test helpers printing cmocka's summary lines, so that
# scripts/run-tests.sh counts shell tests and C tests alike.
#
#   . tests/lib.sh
#   t_begin "name"; ...; t_ok / t_fail "why" / t_skip "why"
#   t_assert_eq "what" expected actual
#   t_done                      # prints the summary, exits 1 on failure

T_PASS=0 T_FAIL=0 T_SKIP=0 T_NAME="" T_FAILED=() T_SKIPPED=()

t_begin() { T_NAME=$1; echo "[ RUN      ] $T_NAME"; }
t_ok() { T_PASS=$((T_PASS + 1)); echo "[       OK ] $T_NAME"; }
t_fail() {
	T_FAIL=$((T_FAIL + 1)); T_FAILED+=("$T_NAME")
	echo "$T_NAME: $*" >&2
	echo "[  FAILED  ] $T_NAME"
}
t_skip() {
	T_SKIP=$((T_SKIP + 1)); T_SKIPPED+=("$T_NAME")
	echo "$T_NAME: skipped: $*" >&2
	echo "[  SKIPPED ] $T_NAME"
}
# t_assert_eq WHAT EXPECTED ACTUAL: fail the current test (return 1) on mismatch.
t_assert_eq() {
	if [ "$2" != "$3" ]; then
		t_fail "$1: expected '$2', got '$3'"
		return 1
	fi
}
t_done() {
	echo "[==========] $((T_PASS + T_FAIL + T_SKIP)) test(s) run."
	echo "[  PASSED  ] $T_PASS test(s)."
	[ "$T_SKIP" -gt 0 ] && echo "[  SKIPPED ] $T_SKIP test(s), listed below:" &&
		printf '[  SKIPPED ] %s\n' "${T_SKIPPED[@]}"
	if [ "$T_FAIL" -gt 0 ]; then
		echo "[  FAILED  ] $T_FAIL test(s), listed below:"
		printf '[  FAILED  ] %s\n' "${T_FAILED[@]}"
		exit 1
	fi
	exit 0
}
