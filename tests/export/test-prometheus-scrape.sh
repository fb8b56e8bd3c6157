#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-prometheus-scrape.sh - a real Prometheus on 127.0.0.1 scrapes the
# output of pa_export_prom (through export-gen and a tiny HTTP server of our
# own), and rate(), irate() and histogram_quantile() come back through its
# HTTP API equal to what we compute from the raw samples. prom-scrape.py
# does the work, bounded to about a minute; it stops what it started.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

BUILD=${BUILD:-build}
dir=$(mktemp -d /tmp/test-export-prom-XXXXXX)
trap 'rm -rf "$dir"' EXIT

if ! command -v prometheus >/dev/null || ! command -v python3 >/dev/null; then
	t_begin "prometheus scrape"
	t_skip "prometheus or python3 missing (scripts/install-deps.sh installs the Debian package prometheus)"
	t_done
fi

python3 tests/export/prom-scrape.py "$BUILD/tests/export/export-gen" "$dir" >"$dir/out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) t_begin "${line#ok }"; t_ok ;;
	"not ok "*) t_begin "${line#not ok }"; t_fail "${line#not ok }" ;;
	*) echo "$line" ;;
	esac
done <"$dir/out"
if [ "$rc" -ne 0 ] && [ "$T_FAIL" -eq 0 ]; then
	t_begin "prom-scrape.py"
	t_fail "exited with status $rc"
	tail -20 "$dir/prometheus.log" 2>/dev/null
fi
t_done
