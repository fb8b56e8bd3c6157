#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-deps.sh - install every Debian package perf-analysis needs.
#
# Idempotent and non-interactive: asks dpkg what is already installed, runs
# `apt-get update` at most once, and installs only what is missing. Needs root
# when something is missing. `--check` only reports, exit 1 if anything is missing.
set -eu

# Build: compilers, eBPF toolchain, libraries.
PKGS_BUILD="make gcc gcc-multilib clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
libjansson-dev libsqlite3-dev libmicrohttpd-dev"
# Tests and benchmarks: test framework, ground truth and peers (LTTng-UST for
# the instrumentation benchmark); qemu-user runs the i386 build of core/
# where the kernel cannot run 32-bit programs.
PKGS_TEST="libcmocka-dev linux-perf bpftrace util-linux procps tmux qemu-user jq python3 liblttng-ust-dev lttng-tools"
# Export validators (issue 7): babeltrace2 reads CTF, prometheus gives promtool
# and the server scraped in a test; node runs the npm trace parser.
PKGS_TEST="$PKGS_TEST babeltrace2 prometheus nodejs"
# The dashboard's browser test (issue 7): playwright-core from npm drives this chromium.
PKGS_TEST="$PKGS_TEST chromium"
# ports/gnumach/ CI checks: Debian's MIG and GNU Mach headers.
PKGS_TEST="$PKGS_TEST mig-x86-64-gnu gnumach-dev"
# Tools the shell tests call: curl (HTTP), the sqlite3 shell (store migration),
# systemd-socket-activate (socket activation).
PKGS_TEST="$PKGS_TEST curl sqlite3 systemd"

missing=""
for p in $PKGS_BUILD $PKGS_TEST; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# npm: NodeSource's nodejs ships it, Debian's nodejs does not (Debian's npm
# package would conflict with NodeSource's), so ask for it only when absent.
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "install-deps: missing:$missing" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root: sudo $0" >&2
	exit 1
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
