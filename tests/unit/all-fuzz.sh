#!/usr/bin/env bash
# Fuzz the parsers for a bounded time each: the fault-record reader
# (tests/fuzz/common-record.c, seeded with the trace fixtures), the
# pre-zeroing vmstat/zoneinfo parsers (tests/fuzz/prezero-ctl-sysfs.c, seeded
# with the sysroot-prezero fixture) and hpcov --promote's weights and
# coverage readers (tests/fuzz/hpcov-documents.c, seeded with mmucost and
# hpcov output). FUZZ_SECONDS overrides the 20 s.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seed_record() {
	for f in tests/fixtures/traces/*; do
		[ -f "$f" ] || continue
		cp "$f" "$1/"
		head -c 2048 "$f" > "$1/head-$(basename "$f")"
	done
	tests/gentrace.sh -j pages 1 2 3 > "$1/json-lines"
	printf '{"type":"fault","time_ns":1,"pid":2,"tid":2,"comm":"a b","kind":"swapin","addr":"0x1000","swap_type":0,"swap_offset":7,"cache_hit":true}\n' > "$1/json-full"
	printf '{"type":"slot","time_ns":1,"pid":2,"tid":2,"comm":"a","kind":"swapout","addr":"0x1000","swap_type":0,"swap_offset":7}\n{"type":"slot","time_ns":2,"pid":9,"tid":9,"comm":"kswapd0","kind":"uncache","swap_type":0,"swap_offset":7}\n' > "$1/json-slots"
	printf '# hawkfetch trace v2\n# time_ns pid tid comm kind addr swap_type swap_offset cache_hit\n1 2 2 a swapout 0x1000 0 7 -\n2 9 9 kswapd0 uncache - 0 7 -\n3 2 2 a swapin 0x1000 0 7 0\n4 2 2 a slotfree - 0 7 -\n5 2 2 a moved - 0 7 -\n' > "$1/text-slots"
}

seed_prezero() {
	cp tests/fixtures/sysroot-prezero/proc/vmstat "$1/vmstat"
	cp tests/fixtures/sysroot-prezero/proc/zoneinfo "$1/zoneinfo"
	head -c 2048 tests/fixtures/sysroot-prezero/proc/zoneinfo > "$1/zoneinfo-head"
}

seed_promote() {
	cp tests/fixtures/promote/coverage.json tests/fixtures/promote/weights.json \
		tests/fixtures/promote/weights-old-names.json "$1/"
	printf '{"type":"weights","processes":[{"pid":1,"weight":30},{"pid":2,"weight":10}]}\n' > "$1/weights-hand"
	printf '{"type":"coverage","candidates":[{"rank":1,"pid":5,"comm":"w","addr":"0x7f0000200000","coverage":500,"bucket":10}],"huge_regions":[{"pid":5,"comm":"w","addr":"0x7f0000600000","vma":"[anon]"}]}\n' > "$1/coverage-small"
	printf '200000 512 9 1\n400000 0 0 0\n7f0000000000 256 4 0\n7ffffe000000 461 8 0\n' > "$1/access-map"
	printf 'address [coverage]\n' > "$1/scan-order"
}

# fuzz NAME SEEDS WHAT: run build/fuzz/NAME over seeds from seed_SEEDS.
fuzz() {
	local name=$1 seeds=$2 what=$3 fuzzer=${BUILD:-build}/fuzz/$1 dir=$work/$1 runs
	if [ ! -x "$fuzzer" ]; then
		skip "fuzz: $what" "$fuzzer not built (make $fuzzer; needs libclang-rt-14-dev)"
		return
	fi
	mkdir -p "$dir/corpus"
	"seed_$seeds" "$dir/corpus"
	if "$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" > "$dir/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
		pass "fuzz: $what, $secs s, ${runs:-?} inputs, no crash"
	else
		tail -n 30 "$dir/log"
		for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-*; do
			[ -f "$a" ] && { echo "reproducer (base64):"; base64 "$a" | head -20; }
		done
		fail "fuzz: $what" "the fuzzer found a failure (log above)"
	fi
}

fuzz common-record record "record parser"
fuzz prezero-ctl-sysfs prezero "vmstat/zoneinfo parsers"
fuzz hpcov-documents promote "weights, coverage, access_map and scan_order readers"
