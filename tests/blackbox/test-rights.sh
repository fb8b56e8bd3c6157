#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-rights.sh - SO_PEERCRED rights: an unprivileged user (nobody) is
# refused everything outside the observe group, may observe inside it, is
# refused configuration (exit 77, message names the group), and every
# refused or accepted change lands in the audit log with who made it.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/blackbox/daemon.sh

if [ "$(id -u)" -ne 0 ]; then
	t_begin "rights (needs root to run as nobody via setpriv)"
	t_skip "not root: setpriv cannot change user"
	t_done
fi
GID=4242 # a group number no one has: the daemon accepts numbers, no system group is created
NOBODY_UID=$(id -u nobody)
as_nobody() { setpriv --reuid=nobody --regid="$GID" --clear-groups -- "$@"; }
as_nobody_in_group() { setpriv --reuid=nobody --regid=nogroup --groups="$GID" -- "$@"; }
as_stranger() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

# nobody must be able to reach the build tree and the socket directory
if ! as_stranger test -x "$PA"; then
	t_begin "rights"
	t_skip "nobody cannot execute $PA (tree not world-readable)"
	t_done
fi
pa_start --observe-group "$GID" --configure-group "" || { t_fail "daemon: $(cat "$PA_DIR/daemon.log")"; t_done; }
chmod 755 "$PA_DIR/run"

t_begin "root may configure"
run $PA configure -r 1500
expect_rc 0 && t_ok

t_begin "nobody outside the group may not observe: exit 77, names the group"
run as_stranger $PA stats
expect_rc 77 && expect_err "stats needs the right to observe" && expect_err "group '$GID'" && t_ok

t_begin "nobody in the observe group (supplementary) may observe"
run as_nobody_in_group $PA --json stats 2
expect_rc 0 && [ "$(echo "$OUT" | jq '.events[0].id')" = 2 ] && t_ok || t_fail "$OUT"

t_begin "nobody in the observe group (primary) may observe status"
run as_nobody $PA status
expect_rc 0 && t_ok

t_begin "nobody in the observe group is refused configure: exit 77"
run as_nobody_in_group $PA configure -r 10
expect_rc 77 && expect_err "configure needs the right to configure" && t_ok

t_begin "... and enable, reset and baseline: exit 77 each, nothing changed"
bad=
for v in enable reset baseline disable; do
	run as_nobody_in_group $PA $v
	[ "$RC" = 77 ] || bad="$bad $v:$RC"
done
[ -z "$bad" ] && [ "$($PA --json status | jq .config.sample_rate)" = 1500 ] && t_ok || t_fail "$bad"

t_begin "the C API reports EPERM to an unprivileged caller"
run as_nobody_in_group $BUILD/examples/basic-monitoring
[ "$RC" -ne 0 ] && expect_err "needs the right to configure: only root may" && t_ok || t_fail "rc=$RC"

t_begin "the audit log names who changed what, and who was refused"
audit=$(echo '{"v":1,"id":1,"method":"audit","params":{"limit":100}}' | $RAWSOCK "$PERF_ANALYSIS_SOCKET" send)
ok=$(echo "$audit" | jq --argjson u "$NOBODY_UID" '.result.entries |
	(map(select(.uid == 0 and .method == "configure" and .result == "ok" and (.params | test("1500")))) | length > 0)
	and (map(select(.uid == $u and .method == "configure" and (.result | startswith("EPERM")))) | length > 0)
	and (map(select(.uid == $u and .method == "reset")) | length > 0)')
[ "$ok" = true ] && t_ok || t_fail "$audit"

t_begin "perf-analysis audit shows the refused attempt by nobody"
run $PA audit -n 50
expect_rc 0 && case $OUT in *"nobody"*"configure"*"EPERM: refused"*) t_ok ;; *) t_fail "$OUT" ;; esac

t_begin "one non-root user cannot take every connection: the 65th is refused, root is still served"
as_nobody_in_group $RAWSOCK "$PERF_ANALYSIS_SOCKET" hold 70 2 >"$PA_DIR/hold.out" &
hold=$!
sleep 1
$PA status >/dev/null && h=yes || h=no
wait $hold
t_assert_eq "served to nobody" 64 "$(cat "$PA_DIR/hold.out")" && t_assert_eq "root served" yes "$h" && t_ok

t_begin "with the configure group set, a member may configure"
pa_stop
pa_start --observe-group "$GID" --configure-group "$GID" || t_fail "restart"
chmod 755 "$PA_DIR/run"
run as_nobody_in_group $PA configure -r 1600
expect_rc 0 && [ "$($PA --json status | jq .config.sample_rate)" = 1600 ] && t_ok
t_done
