# hawkfetch: the only build entry point.
#   make            build every binary (says which Debian packages are missing)
#   make deps       install the missing Debian packages (root)
#   make check      deps, then the unit, host and vm test tiers; ends with
#                   "N passed, N failed, N skipped" (unit-check, host-check: one tier)
#   make demo       deps, then the main job: trace a bundled workload and show what fbtrace sees
#   make install    deps, then PREFIX=/usr/local DESTDIR= : binaries, man pages, completions,
#                   systemd units (mk/systemd/) and /etc/hawkfetch/hawkfetch.conf
#   make static     statically linked copies in build/static/ (for the vm tier's guests)
#   make V=1        show the commands instead of a line per target

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      := build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
# The kernel's name for the machine (__TARGET_ARCH_ of bpf_tracing.h).
ARCH       ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Debian packages the build needs (checked by a plain `make`), and with
# those the tests need (apt-installed by `make deps`).
BUILD_DEBS := clang llvm libbpf-dev bpftool libjson-c-dev libelf-dev zlib1g-dev \
              libpfm4-dev
DEB_DEPS   := $(BUILD_DEBS) pkg-config jq bpftrace util-linux procps e2fsprogs \
              libclang-rt-14-dev groff-base prometheus prometheus-node-exporter curl

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
              -DHF_VERSION='"$(VERSION)"' -Icommon -Ibpf -I$(BUILD)
LDLIBS     := -lbpf -lelf -lz -ljson-c
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf -Wall

# Quiet rules: one line per target; V=1 prints the commands.
ifeq ($(V),1)
Q          :=
msg        = @:
else
Q          := @
msg        = @printf '  %-8s %s\n' '$(1)' '$(2)'
endif

# Targets that install missing packages first; any other only checks for
# them, so a plain `make` never runs apt-get but names what is missing.
DEPS_GOALS := demo check unit-check host-check install
DEPS       := $(if $(filter $(DEPS_GOALS),$(MAKECMDGOALS)),deps,deps-check)

BINS       :=
# Each mk/*.mk adds its binaries (BINS +=), libraries and targets.
-include mk/*.mk
DEB_DEPS   += $(VM_DEPS)

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)

# Keep the BPF objects: the skeletons embed them, and tests load them.
.SECONDARY:
.PHONY: all deps deps-check install clean
all: $(BINS:%=$(BUILD)/%) | $(DEPS)

# The packages of $(1) that are not installed (one dpkg-query each).
missing_debs = $$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done)

# Installs only what is missing; a no-op (one dpkg-query) on a ready machine.
deps:
	@missing=$(call missing_debs,$(DEB_DEPS)); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "missing Debian packages: $$missing (run make deps as root to install them)" >&2; exit 1; \
		fi; \
		echo "installing: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

deps-check:
	@missing=$(call missing_debs,$(BUILD_DEBS)); \
	if [ -n "$$missing" ]; then \
		echo "missing Debian packages: $$missing (make deps installs them, as root)" >&2; exit 1; \
	fi

# bpf/vmlinux.h is checked in: `make vmlinux-h` (mk/kernel.mk) dumps it from
# the BTF of the patched test kernel, so the FetchBPF types are in it.

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/vmlinux.h $(wildcard bpf/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/common/%.o: common/%.c $(wildcard common/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Rebuilt from scratch, so an object whose source is gone leaves with it.
$(BUILD)/libhawkfetch.a: $(COMMON_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# A tool's own modules (cmd/TOOL/*.c) see their neighbours' headers by the
# quoted include's own directory, and the library's by -Icommon.
$(BUILD)/cmd/%.o: cmd/%.c $(wildcard common/*.h cmd/*/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# cmd/TOOL/: main.c, and the modules only TOOL uses in libTOOL.a (which the
# unit tests link too); TOOL = main.o + libTOOL.a + libhawkfetch.a.
tool_lib = $(BUILD)/cmd/$(1)/lib$(1).a
define TOOL_RULES
$(call tool_lib,$(1)): $(patsubst %.c,$(BUILD)/%.o,$(filter-out cmd/$(1)/main.c,$(wildcard cmd/$(1)/*.c)))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
$(BUILD)/$(1): $(BUILD)/cmd/$(1)/main.o $(call tool_lib,$(1)) $(BUILD)/libhawkfetch.a
	$$(call msg,LINK,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $$^ -o $$@ $$(LDLIBS)
$(BUILD)/static/$(1): $(BUILD)/cmd/$(1)/main.o $(call tool_lib,$(1)) $(BUILD)/libhawkfetch.a
	@mkdir -p $$(@D)
	$$(call msg,LINK,$$@)
	$$(Q)$$(CC) -static $$^ -o $$@ $$(LDLIBS) 2> $$@.log || { cat $$@.log >&2; rm -f $$@; exit 1; }
endef
$(foreach t,$(BINS),$(eval $(call TOOL_RULES,$(t))))
TOOL_LIBS := $(foreach t,$(BINS),$(call tool_lib,$(t)))

# Statically linked copies for the test kernel's initramfs (tests/vm/):
# `make static`. glibc's notes on NSS functions in static binaries are
# kept in build/static/TOOL.log, shown only when the link fails.
STATIC_BINS := $(BINS:%=$(BUILD)/static/%)
$(BUILD)/static/mmucost: LDLIBS += -lpfm
static: $(STATIC_BINS)
.PHONY: static

# The systemd units (mk/systemd/) go where systemd looks for those of this
# PREFIX (/usr/lib/systemd/system, /usr/local/lib/systemd/system); their
# metrics go to node_exporter's textfile directory (Debian's default).
# Their config, /etc/hawkfetch/hawkfetch.conf, is installed only if absent.
UNITDIR      ?= $(PREFIX)/lib/systemd/system
TEXTFILE_DIR ?= /var/lib/prometheus/node-exporter

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)/etc/hawkfetch
	install -m 755 $(BINS:%=$(BUILD)/%) $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 $(BINS:%=man/man8/%.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 $(BINS:%=completions/%) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	for f in mk/systemd/*.service; do \
		sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@TEXTFILE_DIR@|$(TEXTFILE_DIR)|g' $$f \
			> $(DESTDIR)$(UNITDIR)/$${f##*/} && chmod 644 $(DESTDIR)$(UNITDIR)/$${f##*/} || exit 1; \
	done
	[ -e $(DESTDIR)/etc/hawkfetch/hawkfetch.conf ] || \
		{ sed -e 's|@TEXTFILE_DIR@|$(TEXTFILE_DIR)|g' mk/systemd/hawkfetch.conf \
			> $(DESTDIR)/etc/hawkfetch/hawkfetch.conf && \
		  chmod 644 $(DESTDIR)/etc/hawkfetch/hawkfetch.conf; }
	@case $(UNITDIR) in /usr/lib/systemd/system|/usr/local/lib/systemd/system|/lib/systemd/system|/etc/systemd/system) ;; \
	*) echo "note: systemd does not look for units in $(UNITDIR): systemctl link them, or install them with UNITDIR=/etc/systemd/system" >&2 ;; esac

clean:
	rm -rf $(BUILD)
