# HawkEye's measuring tools: hpbloat, hpcov, mmucost (issue 5).
BINS   += hpbloat hpcov mmucost
# Only mmucost counts with libpfm4.
$(BUILD)/mmucost: LDLIBS += -lpfm

.PHONY: bench-hawkeye
# The HawkEye tools' benchmarks (root): scan rate, mark-and-read CPU, overhead.
bench-hawkeye: all static $(TEST_PROGS)
	@for b in tests/bench/hawkeye-*.sh; do echo "== $$b"; BUILD=$(BUILD) bash $$b; done

.PHONY: vm-hpcov-check
# hpcov on the test kernel (idle page tracking) in qemu: the vm tier.
vm-hpcov-check: all static
	@KERNEL_DIR=$(KERNEL_DIR) BUILD=$(BUILD) bash tests/vm/hpcov-check.sh

.PHONY: vm-khugepaged-check
# khugepaged by coverage and weight (kernel-patches 0011-0013) in qemu.
vm-khugepaged-check: all static
	@KERNEL_DIR=$(KERNEL_DIR) BUILD=$(BUILD) bash tests/vm/khugepaged-check.sh

.PHONY: vm-bench-khugepaged
# khugepaged's scan cost and time to huge, address vs coverage order, in qemu.
vm-bench-khugepaged:
	@KERNEL_DIR=$(KERNEL_DIR) bash tests/bench/vm-khugepaged.sh

.PHONY: vm-bench-fork-promote
# fork() latency while khugepaged promotes among 2000 idle registered mms.
vm-bench-fork-promote:
	@KERNEL_DIR=$(KERNEL_DIR) bash tests/bench/vm-fork-promote.sh

.PHONY: vm-hpbloat-check
# hpbloat --recover on the test kernel (MADV_SPLIT_UNDERUSED, debugfs) in qemu.
vm-hpbloat-check: all static
	@KERNEL_DIR=$(KERNEL_DIR) BUILD=$(BUILD) bash tests/vm/hpbloat-check.sh
