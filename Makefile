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
# A kernel's own flags (no FPU/SSE registers, kernel code model) with
# PA_NO_FLOAT, for the modules a kernel runs on its hot path: proves them
# integer-only (core developer's addition). Analysis code in core/ that is
# meant for user space (floating point) is not in this list.
CORE_KERNEL_SRC := $(filter $(addprefix core/,events.c histogram.c ring.c stats.c window.c),$(CORE_SRC))
FS_KERNEL_OBJ := $(CORE_KERNEL_SRC:core/%.c=$(BUILD)/freestanding/x86_64-kernel/%.o)
$(BUILD)/freestanding/x86_64-kernel/%.o: core/%.c | $(DEPS_STAMP)
	$(call msg,CC-KERN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FREESTANDING) -m64 -mgeneral-regs-only -mno-red-zone -mcmodel=kernel -DPA_NO_FLOAT -MMD -c $< -o $@
check-freestanding: $(FS_X64_OBJ) $(FS_I386_OBJ) $(FS_KERNEL_OBJ)
	$(Q)scripts/check-freestanding.sh $(FS_X64_OBJ) $(FS_I386_OBJ) $(FS_KERNEL_OBJ)

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
# The main job: the engine's test program, then scripts/demo.sh (a private
# daemon, the seed's example, a workload, stats, baseline, verdict).
run-performance-analysis: all $(MAIN_TEST)
	$(Q)$(MAIN_TEST)
	$(Q)scripts/demo.sh

TEST_BINS := $(UNIT_BIN) $(MAIN_TEST)

# core/ on both targets (core developer's section): the freestanding objects
# themselves, linked into a driver printing a fixed workout of every module;
# tests/test-core-i386.sh requires identical output (i386 runs under
# qemu-i386 when the kernel cannot run 32-bit programs).
CORE_DUMP := $(BUILD)/tests/core-dump-x86_64 $(BUILD)/tests/core-dump-i386
$(BUILD)/tests/core-dump-x86_64: tests/core-arch/core-dump.c $(FS_X64_OBJ)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -m64 -no-pie -std=gnu11 $(WARN) -O2 -Iinclude -Icore -MMD -MF $@.d $(filter %.c %.o,$^) -o $@ -lm
$(BUILD)/tests/core-dump-i386: tests/core-arch/core-dump.c $(FS_I386_OBJ)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -m32 -no-pie -std=gnu11 $(WARN) -O2 -Iinclude -Icore -MMD -MF $@.d $(filter %.c %.o,$^) -o $@ -lm
TEST_BINS += tests/test-core-i386.sh tests/test-bench-harness.sh
check: $(CORE_DUMP)

# ---------------------------------------------------------------------------
# ports/gnumach/: the seed's GNU Mach integration (issue 9). CI cannot build
# GNU Mach, so check-gnumach-port compiles the kernel monitor freestanding
# for x86_64 and i386 with GNU Mach's kernel code-generation flags against
# our declarations of the GNU Mach interfaces (ports/gnumach/compat/), then
# runs ports/gnumach/tests/test-gnumach-port.sh (symbols, MIG, patches).
# The hand verification against upstream is described in ports/gnumach/README.md.
GM_PORT := ports/gnumach
GM_FLAGS := $(FREESTANDING) -DPERF_GNUMACH_COMPAT -I$(GM_PORT) -I$(GM_PORT)/include \
	-I$(GM_PORT)/compat -fno-omit-frame-pointer -mno-mmx -mno-sse -mno-sse2 -mno-3dnow
GM_FLAGS += -DPA_NO_FLOAT
# the monitor, and the core/ files the kernel links (ports/gnumach/install-into.sh copies them)
GM_CORE := histogram stats ring
GM_OBJ := $(foreach a,x86_64 i386,$(BUILD)/gnumach-port/$(a)/perf_analysis.o \
	$(GM_CORE:%=$(BUILD)/gnumach-port/$(a)/core-%.o))
GM_TEST := $(GM_PORT)/tests/test-gnumach-port.sh
$(BUILD)/gnumach-port/x86_64/%.o: $(GM_PORT)/kern/%.c | $(DEPS_STAMP)
	$(call msg,CC-GM64,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GM_FLAGS) -m64 -mno-red-zone -mcmodel=kernel -Werror -MMD -c $< -o $@
$(BUILD)/gnumach-port/i386/%.o: $(GM_PORT)/kern/%.c | $(DEPS_STAMP)
	$(call msg,CC-GM32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GM_FLAGS) -m32 -Werror -MMD -c $< -o $@
$(BUILD)/gnumach-port/x86_64/core-%.o: core/%.c | $(DEPS_STAMP)
	$(call msg,CC-GM64,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GM_FLAGS) -m64 -mno-red-zone -mcmodel=kernel -MMD -c $< -o $@
$(BUILD)/gnumach-port/i386/core-%.o: core/%.c | $(DEPS_STAMP)
	$(call msg,CC-GM32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GM_FLAGS) -m32 -MMD -c $< -o $@
.PHONY: gnumach-port-objs check-gnumach-port
gnumach-port-objs: $(GM_OBJ)
check-gnumach-port: $(GM_OBJ)
	$(Q)scripts/run-tests.sh $(GM_TEST)
TEST_BINS += $(GM_TEST)
check: gnumach-port-objs

# ---------------------------------------------------------------------------
# Benchmarks.
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BUILD)/bench/bench-core
$(BENCH_BIN): $(BENCH_SRC:%.c=$(BUILD)/%.o) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
run-benchmarks: $(BENCH_BIN)
	$(Q)scripts/run-benchmarks.sh $(BUILD)
# the harness itself is tested (its output format, not any timing)
check: $(BENCH_BIN)

# ---------------------------------------------------------------------------
# Daemon, RPC interface, client library and CLI (issue 4): build/perf-analysisd,
# build/perf-analysis, build/libperfanalysis.{a,so}, examples, fuzzer, tests.
PA_SONAME := libperfanalysis.so.0
PROTO_OBJ := $(BUILD)/proto/proto.o
LIBPA_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/*.c)) $(PROTO_OBJ) $(BUILD)/core/events.o
LIBPA_A := $(BUILD)/libperfanalysis.a
LIBPA_SO := $(BUILD)/libperfanalysis.so
# Kernel capture: daemon/collector.c when it is in the tree, else a stand-in
# that reports "built without kernel capture". Its BPF objects and libraries
# are added by the capture section through DAEMON_COLLECTOR_OBJ/_LIBS.
ifneq ($(wildcard daemon/collector.c),)
DAEMON_COLLECTOR_OBJ ?= $(BUILD)/daemon/collector.o
DAEMON_COLLECTOR_LIBS ?= -lbpf -lelf -lz
else
DAEMON_COLLECTOR_OBJ ?= $(BUILD)/daemon/collector-none.o
DAEMON_COLLECTOR_LIBS ?=
endif
DAEMON_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter-out daemon/collector.c daemon/collector-none.c,\
	$(wildcard daemon/*.c)))
DAEMON_BIN := $(BUILD)/perf-analysisd
CLI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
CLI_BIN := $(BUILD)/perf-analysis
EXAMPLE_BIN := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
PA_TOOLS := $(CLI_BIN) $(LIBPA_A) $(LIBPA_SO) $(EXAMPLE_BIN) $(BUILD)/perf-analysis.pc
# The daemon needs the core engine's statistics (histogram, stats, window, ring); until those .c files are
# in the tree it is left out, and so are the tests that drive it.
PA_CORE_READY := $(if $(filter 4,$(words $(wildcard core/histogram.c core/stats.c core/window.c core/ring.c))),yes)
ifeq ($(PA_CORE_READY),yes)
PA_TOOLS += $(DAEMON_BIN)
endif

$(PROTO_OBJ) $(LIBPA_OBJ) $(DAEMON_OBJ) $(DAEMON_COLLECTOR_OBJ) $(CLI_OBJ): CPPFLAGS += -Iproto -Idaemon -Ilib
$(BUILD)/tests/integration/%.o $(BUILD)/fuzz/%.o: CPPFLAGS += -Iproto -Idaemon -Ilib

.PHONY: pa-tools install-pa-tools
all: pa-tools
pa-tools: $(PA_TOOLS)

$(LIBPA_A): $(LIBPA_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIBPA_SO): $(LIBPA_OBJ)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(PA_SONAME) -Wl,--version-script=lib/libperfanalysis.sym \
		$(CFLAGS) $^ -o $@.0 -ljansson -lpthread
	$(Q)ln -sf $(PA_SONAME) $@
$(DAEMON_BIN): $(DAEMON_OBJ) $(DAEMON_COLLECTOR_OBJ) $(PROTO_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -ljansson -lsqlite3 $(DAEMON_COLLECTOR_LIBS) $(LDLIBS_USER)
$(CLI_BIN): $(CLI_OBJ) $(LIBPA_A) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -ljansson $(LDLIBS_USER)
# The seed's C examples build exactly as a user's program would: -Iinclude -Lbuild -lperfanalysis.
$(BUILD)/examples/%: examples/%.c $(LIBPA_SO) $(LIBPA_A)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -Iinclude $< -o $@ -L$(BUILD) -lperfanalysis -Wl,-rpath,'$$ORIGIN/..'
$(BUILD)/perf-analysis.pc: lib/perf-analysis.pc.in
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' $< >$@

# Tests: the protocol unit test (cmocka), black-box shell tests over the real socket.
$(BUILD)/tests/integration/test-proto: $(BUILD)/tests/integration/test-proto.o $(PROTO_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka -ljansson $(LDLIBS_USER)
$(BUILD)/tests/blackbox/rawsock: $(BUILD)/tests/blackbox/rawsock.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@
$(BUILD)/tests/blackbox/client-threads: tests/blackbox/client-threads.c $(LIBPA_SO)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -Iinclude $< -o $@ -L$(BUILD) -lperfanalysis -lpthread \
		-Wl,-rpath,'$$ORIGIN/../..'
PA_BLACKBOX := $(if $(PA_CORE_READY),$(sort $(wildcard tests/blackbox/test-*.sh)))
TEST_BINS += $(BUILD)/tests/integration/test-proto $(PA_BLACKBOX)
$(PA_BLACKBOX): $(PA_TOOLS) $(BUILD)/tests/blackbox/rawsock $(BUILD)/tests/blackbox/client-threads

# libFuzzer target for the request decoder, built only when clang supports -fsanitize=fuzzer.
PA_FUZZ_OK := $(shell echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' | \
	$(CLANG) -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null && echo yes)
ifeq ($(PA_FUZZ_OK),yes)
PA_FUZZ_BIN := $(BUILD)/fuzz/fuzz-proto
$(PA_FUZZ_BIN): tests/fuzz/fuzz-proto.c proto/proto.c core/events.c
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Icore -Iproto $^ -o $@ -ljansson
pa-tools: $(PA_FUZZ_BIN)
TEST_BINS += tests/fuzz/run-fuzz-proto.sh
tests/fuzz/run-fuzz-proto.sh: $(PA_FUZZ_BIN)
endif

install: install-pa-tools
install-pa-tools: $(PA_TOOLS)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/perf-analysis \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/perf-analysis $(DESTDIR)/lib/systemd/system
	$(Q)install -m 0755 $(DAEMON_BIN) $(DESTDIR)$(PREFIX)/sbin/perf-analysisd
	$(Q)install -m 0755 $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/perf-analysis
	$(Q)install -m 0644 $(LIBPA_A) $(DESTDIR)$(PREFIX)/lib/
	$(Q)install -m 0755 $(LIBPA_SO).0 $(DESTDIR)$(PREFIX)/lib/$(PA_SONAME)
	$(Q)ln -sf $(PA_SONAME) $(DESTDIR)$(PREFIX)/lib/libperfanalysis.so
	$(Q)install -m 0644 $(BUILD)/perf-analysis.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	$(Q)install -m 0644 include/perf-analysis/*.h $(DESTDIR)$(PREFIX)/include/perf-analysis/
	$(Q)install -m 0644 proto/perf_monitor.defs $(DESTDIR)$(PREFIX)/share/perf-analysis/
	$(Q)install -m 0644 docs/perf-analysis.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(Q)install -m 0644 docs/perf-analysisd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' daemon/perf-analysisd.service.in \
		>$(DESTDIR)/lib/systemd/system/perf-analysisd.service
	$(Q)install -m 0644 daemon/perf-analysisd.socket $(DESTDIR)/lib/systemd/system/

# ---------------------------------------------------------------------------
# Regression maths (branch regress): the change-point accuracy report that
# `make run-benchmarks` prints (bench/cp-accuracy.sh runs it).
CP_ACC_BIN := $(BUILD)/bench/cp-accuracy
$(CP_ACC_BIN): $(BUILD)/bench/accuracy/cp-accuracy.o $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
run-benchmarks: $(CP_ACC_BIN)

# ---------------------------------------------------------------------------
# Kernel capture (issue 3): bpf/*.bpf.c -> .bpf.o -> .skel.h -> daemon/collector.o.
# vmlinux.h is generated from the running kernel's BTF. Anything linking
# $(COLLECTOR_OBJ) also needs $(COLLECTOR_LIBS).
BPF_SRC := $(wildcard bpf/*.bpf.c)
BPF_OBJ := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKEL := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
BPF_CFLAGS := -target bpf -O2 -g -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
	-I$(BUILD)/bpf -Iinclude -Icore
COLLECTOR_OBJ := $(BUILD)/daemon/collector.o
COLLECTOR_LIBS := -lbpf -lelf -lz

$(BUILD)/bpf/vmlinux.h: | $(DEPS_STAMP)
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/capture.h bpf/kernel-defs.h core/hist-layout.h core/token-bucket.h \
		include/perf-analysis/perf_events.h $(BUILD)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@
$(COLLECTOR_OBJ): $(BPF_SKEL)

WORKLOAD := $(BUILD)/tests/workloads/workload
$(WORKLOAD): $(BUILD)/tests/workloads/workload.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)

CAPTURE_TEST := $(BUILD)/tests/integration/test-capture
$(CAPTURE_TEST): $(BUILD)/tests/integration/test-capture.o $(COLLECTOR_OBJ) $(CORE_LIB) | $(WORKLOAD)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(COLLECTOR_LIBS) $(LDLIBS_USER)

# Kernel overhead benchmarks (bench/kernel-overhead.sh): the floors (empty
# programs on the same hooks; the same timing each syscall), a runner, and a
# getppid loop.
$(BUILD)/bench/kernel/%.bpf.o: bench/kernel/%.bpf.c $(BUILD)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/bench/kernel/%.skel.h: $(BUILD)/bench/kernel/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@
$(BUILD)/bench/kernel/pa-kbench.o: CPPFLAGS += -I$(BUILD)/bench/kernel
$(BUILD)/bench/kernel/pa-kbench.o: $(BUILD)/bench/kernel/empty.skel.h $(BUILD)/bench/kernel/clock.skel.h
$(BUILD)/bench/kernel/clock.bpf.o: bench/kernel/empty.bpf.c
KBENCH := $(BUILD)/bench/kernel/pa-kbench
$(KBENCH): $(BUILD)/bench/kernel/pa-kbench.o $(COLLECTOR_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(COLLECTOR_LIBS) $(LDLIBS_USER)
$(BUILD)/bench/kernel/getppid-loop: $(BUILD)/bench/kernel/getppid-loop.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@
$(BUILD)/bench/kernel/pa-kalt.o: CPPFLAGS += -I$(BUILD)/bench/kernel
$(BUILD)/bench/kernel/pa-kalt.o: $(BUILD)/bench/kernel/empty.skel.h $(BUILD)/bench/kernel/clock.skel.h
$(BUILD)/bench/kernel/pa-kalt: $(BUILD)/bench/kernel/pa-kalt.o $(COLLECTOR_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(COLLECTOR_LIBS) $(LDLIBS_USER)
KBENCH_BINS := $(KBENCH) $(BUILD)/bench/kernel/pa-kalt $(BUILD)/bench/kernel/getppid-loop $(WORKLOAD)
run-benchmarks: $(KBENCH_BINS)

.PHONY: capture
capture: $(COLLECTOR_OBJ) $(WORKLOAD) $(KBENCH_BINS)
all: capture
TEST_BINS += $(CAPTURE_TEST)

# ---------------------------------------------------------------------------
# Application instrumentation (issue 8): the runtime behind the seed's macros
# (lib/instrument.o: libperfanalysis's LIBPA_OBJ wildcard takes it), the
# daemon's side (daemon/app-rings.o: DAEMON_OBJ's wildcard takes it), their
# tests, the seed's examples and the benchmark against rdtsc and LTTng-UST.
INSTR_LIB_OBJ := $(BUILD)/lib/instrument.o
INSTR_DAEMON_OBJ := $(BUILD)/daemon/app-rings.o
INSTR_HELPER_OBJ := $(BUILD)/tests/helpers/app-test-daemon.o
INSTR_LIBS := $(CORE_LIB) -ljansson $(LDLIBS_USER)
INSTR_INC := -Idaemon -Ilib -Itests/helpers
$(BUILD)/tests/unit/test-app-rings.o $(BUILD)/tests/unit/test-instrument.o: CPPFLAGS += $(INSTR_INC)
$(BUILD)/tests/helpers/%.o $(BUILD)/bench/instrument/%.o: CPPFLAGS += $(INSTR_INC)

$(BUILD)/tests/unit/test-app-rings: $(INSTR_DAEMON_OBJ) $(INSTR_LIB_OBJ)
$(BUILD)/tests/unit/test-app-rings: LDLIBS_USER := $(INSTR_LIBS)
$(BUILD)/tests/unit/test-instrument: $(INSTR_LIB_OBJ) $(INSTR_DAEMON_OBJ) $(INSTR_HELPER_OBJ)
$(BUILD)/tests/unit/test-instrument: LDLIBS_USER := $(INSTR_LIBS)

# A stand-in daemon for the shell tests and the benchmark: accepts app.attach
# on a socket, drains with app-rings, prints what it received.
INSTR_DRAIN := $(BUILD)/tests/helpers/app-drain
$(INSTR_DRAIN): $(BUILD)/tests/helpers/app-drain.o $(INSTR_HELPER_OBJ) $(INSTR_DAEMON_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(INSTR_LIBS)

# The seed's examples: build/examples/instrument-seed is built by the examples
# rule above, as a user's program (-lperfanalysis); here, the same source
# compiled out.
INSTR_SEED := $(BUILD)/examples/instrument-seed
$(INSTR_SEED)-disabled: examples/instrument-seed.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DPERF_ANALYSIS_DISABLE $< -o $@

INSTR_CHECK_BINS := $(INSTR_DRAIN) $(INSTR_SEED) $(INSTR_SEED)-disabled
TEST_BINS += tests/integration/test-instrument-seed.sh
# Beside the real daemon, once the daemon builds (core engine in the tree).
ifeq ($(PA_CORE_READY),yes)
TEST_BINS += tests/integration/test-instrument-daemon.sh
INSTR_CHECK_BINS += $(PA_TOOLS) $(BUILD)/tests/blackbox/rawsock
endif
check: $(INSTR_CHECK_BINS)

# The daemon side wired (app.attach in perf-analysisd): black-box test with a
# multi-thread instrumented program, built as a user's program.
APP_THREADS := $(BUILD)/tests/blackbox/app-threads
$(APP_THREADS): tests/blackbox/app-threads.c $(LIBPA_SO)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -Iinclude $< -o $@ -L$(BUILD) -lperfanalysis -lpthread \
		-Wl,-rpath,'$$ORIGIN/../..'
ifeq ($(PA_CORE_READY),yes)
tests/blackbox/test-app-attach.sh: $(APP_THREADS) $(INSTR_SEED)
endif

# Program events in baselines, check-regression and alerts (issue 8, branch
# appregress): a program with a known db.query latency distribution.
APP_DBQUERY := $(BUILD)/tests/blackbox/app-dbquery
$(APP_DBQUERY): tests/blackbox/app-dbquery.c $(LIBPA_SO)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -Iinclude $< -o $@ -L$(BUILD) -lperfanalysis \
		-Wl,-rpath,'$$ORIGIN/../..'
ifeq ($(PA_CORE_READY),yes)
tests/blackbox/test-app-regression.sh: $(APP_DBQUERY)
# Program events' trend history (issue 8, branch appalerts).
tests/blackbox/test-app-trend.sh: $(APP_DBQUERY)
endif

# Benchmark: bench/instrument/ is outside bench/*.c, which bench-core links.
INSTR_BENCH := $(BUILD)/bench/instrument/bench-instrument
INSTR_BENCH_OBJ := $(BUILD)/bench/instrument/bench-instrument.o $(BUILD)/bench/instrument/lttng-tp.o
$(BUILD)/bench/instrument/%.o: CPPFLAGS += -Ibench/instrument
$(INSTR_BENCH): $(INSTR_BENCH_OBJ) $(INSTR_LIB_OBJ) $(INSTR_HELPER_OBJ) $(INSTR_DAEMON_OBJ) $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(INSTR_LIBS) -llttng-ust -ldl
run-benchmarks: $(INSTR_BENCH)
bench-instrument: $(INSTR_BENCH)
	$(Q)sh bench/instrument.sh $(BUILD)
.PHONY: bench-instrument

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
# npm ci writes node_modules/.package-lock.json: a deleted node_modules is reinstalled.
EXPORT_NPM := tests/export/node_modules/.package-lock.json
$(EXPORT_NPM): tests/export/package.json tests/export/package-lock.json | $(DEPS_STAMP)
	$(call msg,NPM,tests/export/node_modules)
	$(Q)cd tests/export && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
	$(Q)touch $@
EXPORT_SH := tests/export/test-chrome.sh tests/export/test-prometheus-scrape.sh
$(EXPORT_SH): $(EXPORT_GEN) $(EXPORT_NPM)
.PHONY: $(EXPORT_SH)
TEST_BINS += $(EXPORT_SH)
all: $(EXPORT_OBJ) $(EXPORT_GEN)

# ---------------------------------------------------------------------------
# HTTP listener and dashboard (issue 7, branch web): daemon/http.c (taken by
# DAEMON_OBJ's wildcard) serves /metrics with the export writers, /api/ and
# the dashboard in web/, embedded into the daemon at build time together with
# uPlot from web/node_modules (npm ci from web/package-lock.json, no install
# scripts, no browser download). Tests: tests/web/.
WEB_NPM := web/node_modules/.package-lock.json
$(WEB_NPM): web/package.json web/package-lock.json | $(DEPS_STAMP)
	$(call msg,NPM,web/node_modules)
	$(Q)cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
	$(Q)touch $@
WEB_SRC := $(wildcard web/*.html web/*.js web/*.css web/*.svg)
WEB_UPLOT := web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css
WEB_ASSETS_C := $(BUILD)/web/assets.c
$(WEB_ASSETS_C): scripts/embed-web.sh $(WEB_SRC) $(WEB_NPM)
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/embed-web.sh $@ $(WEB_SRC) $(WEB_UPLOT)
$(BUILD)/web/assets.o: $(WEB_ASSETS_C)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Idaemon -Iproto $(CFLAGS) -c $< -o $@
$(DAEMON_BIN): $(BUILD)/web/assets.o $(EXPORT_OBJ)
$(DAEMON_BIN): LDLIBS_USER += -lmicrohttpd
WEB_TESTS := $(if $(PA_CORE_READY),$(sort $(wildcard tests/web/test-*.sh)))
$(WEB_TESTS): $(PA_TOOLS) $(WEB_NPM) $(EXPORT_NPM) $(WORKLOAD) $(BUILD)/tests/blackbox/rawsock
.PHONY: $(WEB_TESTS)
TEST_BINS += $(WEB_TESTS)

# ---------------------------------------------------------------------------
# Regression detection end to end (issue 5, branch regress2): the workload
# with one tunable operation and the black-box tests that drive it
# (tests/blackbox/test-regression*.sh are in PA_BLACKBOX's wildcard).
SLOWOP := $(BUILD)/tests/workloads/slowop
$(SLOWOP): $(BUILD)/tests/workloads/slowop.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
all: $(SLOWOP)
$(PA_BLACKBOX): $(SLOWOP)
# The verdict's unit test links daemon/verdict.o (no daemon state: core/regress only).
$(BUILD)/tests/unit/test-verdict.o: CPPFLAGS += -Idaemon
$(BUILD)/tests/unit/test-verdict: $(BUILD)/tests/unit/test-verdict.o $(BUILD)/daemon/verdict.o $(CORE_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(LDLIBS_USER)

# ---------------------------------------------------------------------------
# Alerts, the live view and the overhead budget (issue 6, branch alerts):
# daemon/alerts.c and cli/verb-alerts.c are taken by the daemon's and CLI's
# wildcards; tests/blackbox/test-alerts.sh by PA_BLACKBOX's. Its workload:
ALERT_LOAD := $(BUILD)/tests/workloads/alert-load
$(ALERT_LOAD): $(BUILD)/tests/workloads/alert-load.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
# The alert calls of the C API, built as a user's program would be (-lperfanalysis).
ALERTS_API := $(BUILD)/tests/blackbox/alerts-api
$(ALERTS_API): tests/blackbox/alerts-api.c $(LIBPA_SO)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -Iinclude $< -o $@ -L$(BUILD) -lperfanalysis -Wl,-rpath,'$$ORIGIN/../..'
all: $(ALERT_LOAD) $(ALERTS_API)
tests/blackbox/test-alerts.sh tests/blackbox/test-monitor.sh: $(ALERT_LOAD) $(ALERTS_API)

# Resource tracking and event correlation (issue 6, branch resources):
# bpf/resources.bpf.c (its skeleton comes from the BPF pattern rules above),
# daemon/resources.c (DAEMON_OBJ's wildcard takes it), a syscall-name table
# generated from the kernel headers, and the black-box tests with real
# workloads (tests/workloads/res-load.c).
SYSCALL_HDR := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/bpf/resources.bpf.o: bpf/resources.h
$(BUILD)/daemon/syscall-names.h: $(SYSCALL_HDR)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\2 \1/p' $< | \
		awk '$$1 < 512 { printf "\t[%d] = \"%s\",\n", $$1, $$2 }' > $@
$(BUILD)/daemon/resources.o: $(BUILD)/bpf/resources.skel.h $(BUILD)/daemon/syscall-names.h
RES_LOAD := $(BUILD)/tests/workloads/res-load
$(RES_LOAD): $(BUILD)/tests/workloads/res-load.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_USER)
RES_TESTS := $(if $(PA_CORE_READY),tests/integration/test-resources.sh tests/integration/test-resources-slots.sh)
$(RES_TESTS): $(PA_TOOLS) $(RES_LOAD)
TEST_BINS += $(RES_TESTS)
all: $(RES_LOAD)
# pa-kbench's and pa-kalt's `resources` mode (bench/kernel-overhead.sh):
# capture plus resource tracking, as the daemon loads them. The core library
# again after resources.o, which needs it (the link line lists it before).
$(KBENCH) $(BUILD)/bench/kernel/pa-kalt: $(BUILD)/daemon/resources.o
$(KBENCH) $(BUILD)/bench/kernel/pa-kalt: LDLIBS_USER += $(CORE_LIB) -ljansson

# ---------------------------------------------------------------------------
# `all` first: shell tests are sources, and with .SECONDARY the programs they
# drive would otherwise count as intermediate files make may skip.
check: all $(TEST_BINS) check-freestanding
	$(Q)scripts/run-tests.sh $(TEST_BINS)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
