# SPDX-License-Identifier: GPL-2.0-or-later
#
# perf-analysis: one GNU Makefile, every output under build/.
# `make` builds everything, `make check` runs every test, `make run-benchmarks`
# the benchmarks. Quiet unless V=1.

BUILD ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PREFIX ?= /usr/local

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE
CPPFLAGS += -Iinclude -Icore -I$(BUILD)
LDLIBS_USER := -lpthread -lm

# Freestanding flags for core/: what a kernel such as GNU Mach builds it with.
FREESTANDING := -std=gnu11 $(WARN) -O2 -ffreestanding -nostdlib -fno-builtin -fno-pic \
	-fno-stack-protector -fno-math-errno -Iinclude -Icore

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all check clean install deps run-performance-analysis run-benchmarks \
	tests/test-performance-analysis check-freestanding

all: core-lib

# ---------------------------------------------------------------------------
# Dependencies: a fresh Debian 12 machine needs no step by hand.
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): scripts/install-deps.sh
	$(Q)mkdir -p $(@D)
	$(Q)scripts/install-deps.sh
	$(Q)touch $@
deps: $(DEPS_STAMP)

# ---------------------------------------------------------------------------
# core/: the freestanding engine.
CORE_SRC := $(wildcard core/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CORE_LIB := $(BUILD)/libpacore.a
.PHONY: core-lib
core-lib: $(CORE_LIB)

$(CORE_LIB): $(CORE_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Freestanding builds for x86_64 and i386; scripts/check-freestanding.sh
# fails on any undefined symbol not in its short allowed list.
FS_X64_OBJ := $(CORE_SRC:core/%.c=$(BUILD)/freestanding/x86_64/%.o)
FS_I386_OBJ := $(CORE_SRC:core/%.c=$(BUILD)/freestanding/i386/%.o)
$(BUILD)/freestanding/x86_64/%.o: core/%.c | $(DEPS_STAMP)
	$(call msg,CC-FS64,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FREESTANDING) -m64 -MMD -c $< -o $@
$(BUILD)/freestanding/i386/%.o: core/%.c | $(DEPS_STAMP)
	$(call msg,CC-FS32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FREESTANDING) -m32 -MMD -c $< -o $@
check-freestanding: $(FS_X64_OBJ) $(FS_I386_OBJ)
	$(Q)scripts/check-freestanding.sh $(FS_X64_OBJ) $(FS_I386_OBJ)

# ---------------------------------------------------------------------------
# User-space objects: every .c under the user-space folders, one rule.
$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -c $< -o $@

# ---------------------------------------------------------------------------
# Tests: one cmocka executable per module in tests/unit/.
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
$(BUILD)/tests/unit/test-%: $(BUILD)/tests/unit/test-%.o $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(LDLIBS_USER)

# The seed's main test program.
MAIN_TEST := $(BUILD)/tests/test-performance-analysis
$(MAIN_TEST): $(BUILD)/tests/test-performance-analysis.o $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(LDLIBS_USER)
tests/test-performance-analysis: $(MAIN_TEST)
run-performance-analysis: $(MAIN_TEST)
	$(Q)$(MAIN_TEST)

TEST_BINS := $(UNIT_BIN) $(MAIN_TEST)

# ---------------------------------------------------------------------------
# Benchmarks.
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BUILD)/bench/bench-core
$(BENCH_BIN): $(BENCH_SRC:%.c=$(BUILD)/%.o) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
run-benchmarks: $(BENCH_BIN)
	$(Q)scripts/run-benchmarks.sh $(BUILD)

# ---------------------------------------------------------------------------
# Regression maths (branch regress): the change-point accuracy report that
# `make run-benchmarks` prints (bench/cp-accuracy.sh runs it).
CP_ACC_BIN := $(BUILD)/bench/cp-accuracy
$(CP_ACC_BIN): $(BUILD)/bench/accuracy/cp-accuracy.o $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
run-benchmarks: $(CP_ACC_BIN)

# ---------------------------------------------------------------------------
# Export (issue 7, branch export): CTF 1.8, Chrome trace-event JSON and
# Prometheus text writers in lib/export-*.c (libc + core/events.o only), their
# unit tests, and the shell tests under tests/export/ that feed the outputs to
# the real consumers (babeltrace2, promtool, prometheus, an npm trace parser).
EXPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/export-*.c))
EXPORT_UNIT := $(filter $(BUILD)/tests/unit/test-export-%,$(UNIT_BIN))
$(BUILD)/tests/unit/test-export-%.o $(BUILD)/tests/export/%.o: CPPFLAGS += -Ilib
# An explicit rule (not the unit pattern) so the writers come before libpacore.a on the link line.
$(EXPORT_UNIT): $(BUILD)/tests/unit/test-export-%: $(BUILD)/tests/unit/test-export-%.o $(EXPORT_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka -ljansson $(LDLIBS_USER)
EXPORT_GEN := $(BUILD)/tests/export/export-gen
$(EXPORT_GEN): $(BUILD)/tests/export/export-gen.o $(EXPORT_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
# npm packages for the validators, from the lock file, no install scripts
# (nothing may download a browser); node_modules is git-ignored.
EXPORT_NPM := $(BUILD)/tests/export/.npm-ok
$(EXPORT_NPM): tests/export/package.json tests/export/package-lock.json | $(DEPS_STAMP)
	$(call msg,NPM,tests/export/node_modules)
	$(Q)mkdir -p $(@D)
	$(Q)cd tests/export && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
	$(Q)touch $@
EXPORT_SH := tests/export/test-chrome.sh tests/export/test-prometheus-scrape.sh
$(EXPORT_SH): $(EXPORT_GEN) $(EXPORT_NPM)
.PHONY: $(EXPORT_SH)
TEST_BINS += $(EXPORT_SH)

# ---------------------------------------------------------------------------
check: $(TEST_BINS) check-freestanding
	$(Q)scripts/run-tests.sh $(TEST_BINS)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
