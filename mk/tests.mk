# The test tiers (tests/run.sh), their programs and the fuzzers; the demo
# and the benchmarks. `make check` runs every tier, unit-check and
# host-check one each; all of them install missing packages first.
.PHONY: check unit-check host-check demo bench

TEST_PROGS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c)) \
              $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(wildcard tests/workloads/*.c))

# The unit tests may use any module, a tool's as "TOOL/module.h" (-Icmd),
# libpfm4's wrapper included.
# (TOOL_LIBS is known once every mk/*.mk has named its binaries.)
.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(TOOL_LIBS) $(BUILD)/libhawkfetch.a
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Icmd $^ -o $@ $(LDLIBS) -lpfm

$(BUILD)/workloads/%: tests/workloads/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -pthread

# libFuzzer targets over the parsers, run for a bounded time by the unit tier.
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*.c))
# The parsers and what they use; sanitizers need them built by clang.
FUZZ_SRC   := common/record.c common/cli.c common/hf.c common/output.c common/procfs.c \
              common/helpers.c cmd/prezero-ctl/sysfs.c cmd/hpcov/order.c \
              cmd/hpcov/accessmap.c cmd/hpcov/idle.c common/jsondoc.c common/weights.c
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRC) $(wildcard common/*.h cmd/*/*.h)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icommon -Icmd -Ibpf \
		$< $(FUZZ_SRC) -o $@ -ljson-c

TEST_ALL := all $(TEST_PROGS) $(FUZZ_PROGS)
check: deps $(TEST_ALL)
	@BUILD=$(BUILD) bash tests/run.sh
unit-check: deps $(TEST_ALL)
	@BUILD=$(BUILD) TIERS=unit bash tests/run.sh
host-check: deps $(TEST_ALL)
	@BUILD=$(BUILD) TIERS=host bash tests/run.sh

demo: deps all $(BUILD)/workloads/swapseq
	@bash tests/demo.sh

bench: all $(TEST_PROGS)
	@bash tests/bench/fbload-corpus.sh
	@bash tests/bench/fbtrace-overhead.sh
