#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-dashboard.sh - the dashboard in a real browser: a private daemon with
# --http captures a workload, a baseline is set, monitoring is then disabled so
# that the counts stand still, and tests/web/dashboard.mjs (playwright-core
# driving Debian's chromium headless) checks the page against the RPC
# interface. The screenshot is kept: build/web/dashboard.png.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh
WORKLOAD=$PWD/$BUILD/tests/workloads/workload
SHOT=$PWD/$BUILD/web/dashboard.png

if [ ! -x /usr/bin/chromium ] || [ ! -d web/node_modules/playwright-core ] || ! command -v node >/dev/null; then
	t_begin "dashboard in a browser"
	t_skip "chromium (scripts/install-deps.sh), node or web/node_modules/playwright-core (make) missing"
	t_done
fi

t_begin "the daemon serves the dashboard"
if ! pa_start --http 0 -w 500; then
	t_fail "daemon did not start: $(cat "$PA_DIR/daemon.log")"
	t_done
fi
URL=$(sed -n 's|.*http: dashboard and /metrics on \(http://[^ ]*\) .*|\1|p' "$PA_DIR/daemon.log")
code=$(curl -s -o "$PA_DIR/index.html" -w '%{http_code}' "$URL")
[ "$code" = 200 ] && grep -q 'uPlot.iife.min.js' "$PA_DIR/index.html" && t_ok || t_fail "GET / : $code"

$PA enable >/dev/null
for _ in 1 2 3; do "$WORKLOAD" -f 5 -t 5 -p 200 -u 200 -m 40 -g 20000 -e 10 -s 20000 >/dev/null; sleep 0.5; done
$PA baseline >/dev/null
for _ in 1 2 3; do "$WORKLOAD" -f 5 -t 5 -p 200 -u 200 -m 40 -g 20000 -e 10 -s 20000 >/dev/null; sleep 0.5; done
sleep 0.6
$PA disable >/dev/null
sleep 1.2

mkdir -p "$(dirname "$SHOT")"
node tests/web/dashboard.mjs "$URL" "$PA" "$SHOT" "$PA_DIR/chromium-profile" >"$PA_DIR/out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) t_begin "${line#ok }"; t_ok ;;
	"not ok "*) t_begin "${line#not ok }"; t_fail "${line#not ok }" ;;
	*) echo "$line" ;;
	esac
done <"$PA_DIR/out"
if [ "$rc" -ne 0 ] && [ "$T_FAIL" -eq 0 ]; then
	t_begin "dashboard.mjs"
	t_fail "exited with status $rc"
fi
t_begin "screenshot kept as a test artifact"
[ -s "$SHOT" ] && t_ok || t_fail "no $SHOT"
t_done
