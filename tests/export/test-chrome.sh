#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-chrome.sh - a Chrome trace-event JSON file written by pa_export_chrome
# (through export-gen's fixture: nested, back-to-back and overlapping samples,
# instants, odd thread names, drops) checked by check-chrome.mjs: our JSON
# schema (ajv), the input sample for sample, nesting, and the Chrome DevTools
# trace engine (@paulirish/trace_engine). Needs node and `make` having run
# `npm ci` in tests/export (the Makefile does both).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

BUILD=${BUILD:-build}
gen=$BUILD/tests/export/export-gen
dir=$(mktemp -d /tmp/test-export-chrome-XXXXXX)
trap 'rm -rf "$dir"' EXIT

t_begin "export-gen writes the trace"
if "$gen" chrome "$dir"; then t_ok; else t_fail "export-gen chrome failed"; t_done; fi

if ! command -v node >/dev/null || [ ! -d tests/export/node_modules/@paulirish/trace_engine ]; then
	t_begin "chrome trace checks"
	t_skip "node or tests/export/node_modules missing (make installs them: scripts/install-deps.sh, npm ci)"
	t_done
fi

node tests/export/check-chrome.mjs "$dir/trace.json" "$dir/input.json" \
	tests/export/chrome-trace.schema.json >"$dir/out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) t_begin "${line#ok }"; t_ok ;;
	"not ok "*) t_begin "${line#not ok }"; t_fail "${line#not ok }" ;;
	*) echo "$line" ;;
	esac
done <"$dir/out"
if [ "$rc" -ne 0 ] && [ "$T_FAIL" -eq 0 ]; then
	t_begin "check-chrome.mjs"
	t_fail "exited with status $rc"
fi
t_done
