# FetchBPF kernel and qemu test bed.
# Included by the top-level Makefile (include mk/*.mk); also works alone:
#   make -f mk/kernel.mk kernel|kernel-unpatched|vmlinux-h|vm-check|vm-bench
#
# The kernel is cached outside the clone, keyed by a hash of the patch
# series, the config fragment, the build script and the Debian source
# version, so every clone on the machine reuses one build.

HF_KMK_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
# Do not become the default goal of the including Makefile.
HF_KMK_GOAL := $(.DEFAULT_GOAL)
KPATCH_DIR := $(HF_KMK_DIR)/kernel-patches
# Shared by all clones on the machine; per user when /var/cache is not ours.
HF_CACHE ?= $(shell if [ -w /var/cache/hawkfetch ] || { [ ! -e /var/cache/hawkfetch ] && [ -w /var/cache ]; }; \
	then echo /var/cache/hawkfetch; else echo $$HOME/.cache/hawkfetch; fi)
VM_BUILD ?= $(HF_KMK_DIR)/build/vm

# Debian packages the kernel build and the test bed need.
VM_DEPS := linux-source-6.12 build-essential bc flex bison libssl-dev \
	libelf-dev dwarves cpio busybox-static qemu-system-x86 qemu-utils \
	clang llvm libbpf-dev bpftool zlib1g-dev python3 \
	perl sqlite3 zstd coreutils ccache

KSRC_VERSION := $(shell dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null)
KERNEL_HASH := $(shell cd $(KPATCH_DIR) && { echo "$(KSRC_VERSION)"; \
	cat series $$(grep -v '^\#' series) config.fragment \
	../tests/vm/build-kernel.sh; } | sha256sum | cut -c1-16)
KERNEL_BASE_HASH := $(shell cd $(KPATCH_DIR) && { echo "$(KSRC_VERSION)"; \
	cat config.fragment ../tests/vm/build-kernel.sh; } | sha256sum | cut -c1-16)
KERNEL_DIR := $(HF_CACHE)/kernel-$(KERNEL_HASH)
KERNEL_BASE_DIR := $(HF_CACHE)/kernel-base-$(KERNEL_BASE_HASH)
KERNEL_BZIMAGE := $(KERNEL_DIR)/bzImage
KERNEL_VMLINUX := $(KERNEL_DIR)/vmlinux
export KERNEL_DIR KERNEL_BASE_DIR VM_BUILD

.PHONY: kernel kernel-unpatched vm-deps vmlinux-h vm-check vm-bench \
	vm-prezero-check vm-prezero-bench vm-hawkeye-order-check

# Install missing Debian packages when root; otherwise just report them.
vm-deps:
	@missing=$$(for p in $(VM_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "kernel.mk: apt-get install $$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
		else echo "kernel.mk: missing packages (need root): $$missing" >&2; fi; \
	fi

kernel: vm-deps
	@$(HF_KMK_DIR)/tests/vm/build-kernel.sh $(KERNEL_DIR) patched
	@echo "kernel: $(KERNEL_BZIMAGE)"

# The same config without the series: the baseline of vm-bench.
kernel-unpatched: vm-deps
	@$(HF_KMK_DIR)/tests/vm/build-kernel.sh $(KERNEL_BASE_DIR) unpatched
	@echo "kernel-unpatched: $(KERNEL_BASE_DIR)/bzImage"

# bpf/vmlinux.h (checked in) from the patched kernel's BTF. The marker
# macro lets bpf/policy.h use the FetchBPF types from it, not its own.
vmlinux-h: kernel
	@mkdir -p $(HF_KMK_DIR)/bpf
	{ echo "/* From the BTF of the patched test kernel: Debian linux-source-6.12"; \
	  echo " * $(KSRC_VERSION) + kernel-patches/ (kernel-$(KERNEL_HASH)); make vmlinux-h. */"; \
	  echo "#define HF_VMLINUX_FETCHBPF 1"; \
	  bpftool btf dump file $(KERNEL_VMLINUX) format c; } > $(HF_KMK_DIR)/bpf/vmlinux.h

# A kernel that does not build is reported as a failed check.
vm-check: vm-deps
	@$(HF_KMK_DIR)/tests/vm/build-kernel.sh $(KERNEL_DIR) patched || \
		{ echo "FAIL: vm-kernel-build: see $(KERNEL_DIR).build/build.log"; exit 1; }
	@$(HF_KMK_DIR)/tests/vm/vm-check.sh

# HawkEye's buckets and promotion order, khugepaged_weight's permission
# rule, one TLB flush per pass (also run by vm-check).
vm-hawkeye-order-check: vm-deps
	@$(HF_KMK_DIR)/tests/vm/build-kernel.sh $(KERNEL_DIR) patched || \
		{ echo "FAIL: vm-kernel-build: see $(KERNEL_DIR).build/build.log"; exit 1; }
	@bash $(HF_KMK_DIR)/tests/vm/hawkeye-order-check.sh

# Pre-zeroing (kprezerod) in the guest: correctness, then its benchmark.
vm-prezero-check: vm-deps all static
	@$(HF_KMK_DIR)/tests/vm/build-kernel.sh $(KERNEL_DIR) patched || \
		{ echo "FAIL: vm-kernel-build: see $(KERNEL_DIR).build/build.log"; exit 1; }
	@BUILD=$(BUILD) bash $(HF_KMK_DIR)/tests/vm/prezero-check.sh

vm-prezero-bench: kernel all
	@BUILD=$(BUILD) bash $(HF_KMK_DIR)/tests/bench/vm-prezero.sh

vm-bench: kernel kernel-unpatched
	@$(HF_KMK_DIR)/tests/bench/vm-fault-latency.sh

.DEFAULT_GOAL := $(HF_KMK_GOAL)
