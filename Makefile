# hawkfetch: the only build entry point.
#   make            build every binary (installs missing Debian packages as root)
#   make check      unit, host and vm test tiers; ends with "N passed, N failed, N skipped"
#   make demo       the main job: trace a bundled workload and show what fbtrace sees
#   make install    PREFIX=/usr/local DESTDIR= : binaries, man pages, completions

.DEFAULT_GOAL := all
VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      := build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := x86

# Debian packages the build and the tests need (apt-installed by `make deps`).
DEB_DEPS   := clang llvm libbpf-dev bpftool libjson-c-dev libelf-dev zlib1g-dev \
              libpfm4-dev pkg-config jq bpftrace util-linux procps e2fsprogs \
              libclang-rt-14-dev groff-base

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
              -DHF_VERSION='"$(VERSION)"' -Icommon -Ibpf -I$(BUILD)
LDLIBS     := -lbpf -lelf -lz -ljson-c
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf -Wall

BINS       := fbtrace
# Each mk/*.mk adds its binaries (BINS +=), libraries and targets.
-include mk/*.mk
DEB_DEPS   += $(VM_DEPS)

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)

# Keep the BPF objects: the skeletons embed them, and tests load them.
.SECONDARY:
.PHONY: all deps check demo install clean unit-check host-check bench
all: deps $(BINS:%=$(BUILD)/%)

# Installs only what is missing; a no-op (one dpkg-query) on a ready machine.
deps:
	@missing=$$(for p in $(DEB_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "missing Debian packages: $$missing (run make as root to install them)" >&2; exit 1; \
		fi; \
		echo "installing: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# bpf/vmlinux.h is checked in: `make vmlinux-h` (mk/kernel.mk) dumps it from
# the BTF of the patched test kernel, so the FetchBPF types are in it.

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/vmlinux.h $(wildcard bpf/*.h) | deps
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/common/%.o: common/%.c $(wildcard common/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libhawkfetch.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/cmd/fbtrace.o: $(BUILD)/fbtrace.skel.h
$(BUILD)/cmd/%.o: cmd/%.c $(wildcard common/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%: $(BUILD)/cmd/%.o $(BUILD)/libhawkfetch.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# ---- tests ----
TEST_PROGS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c)) \
              $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(wildcard tests/workloads/*.c))

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libhawkfetch.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/workloads/%: tests/workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -pthread

# libFuzzer targets over the parsers, run for a bounded time by the unit tier.
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*.c))
# The parsers and what they use; sanitizers need them built by clang.
FUZZ_SRC   := common/record.c common/cli.c common/output.c common/prezero.c common/procfs.c \
              common/promote.c
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRC) $(wildcard common/*.h)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icommon -Ibpf \
		$< $(FUZZ_SRC) -o $@ -ljson-c

check: all $(TEST_PROGS) $(FUZZ_PROGS)
	@BUILD=$(BUILD) bash tests/run.sh

demo: all $(BUILD)/workloads/swapseq
	@bash tests/demo.sh

bench: all $(TEST_PROGS)
	@bash tests/bench/fbtrace-overhead.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(BINS:%=$(BUILD)/%) $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 $(BINS:%=man/man8/%.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 $(BINS:%=completions/%) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/

clean:
	rm -rf $(BUILD)
