#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzz-proto.sh - run the proto decoder fuzzer over its seed corpus, then
# 10 s of fresh inputs (FUZZ_SECONDS to change). Fails on any crash, leak or
# sanitizer report.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
BIN=${BUILD:-build}/fuzz/fuzz-proto
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

t_begin "fuzz-proto: seed corpus decodes without a sanitizer report"
if "$BIN" -runs=0 tests/fuzz/corpus-proto >"$work/seed.log" 2>&1; then t_ok; else
	tail -30 "$work/seed.log" >&2; t_fail "fuzzer failed on the seed corpus"; fi

t_begin "fuzz-proto: ${FUZZ_SECONDS:-10} s of generated inputs"
cp tests/fuzz/corpus-proto/* "$work/" 2>/dev/null
mkdir -p "$work/corpus" && cp tests/fuzz/corpus-proto/* "$work/corpus/"
if "$BIN" -max_total_time="${FUZZ_SECONDS:-10}" -max_len=4096 -artifact_prefix="$work/" \
	-dict=tests/fuzz/proto.dict "$work/corpus" >"$work/run.log" 2>&1; then
	t_ok
else
	tail -40 "$work/run.log" >&2
	t_fail "fuzzer found a crash (see above)"
fi
t_done
