#!/usr/bin/env bash
# Fuzz the parsers of untrusted input for a bounded time each: the
# fault-record reader (tests/fuzz/record_fuzz.c, seeded with the trace
# fixtures) and hpcov --promote's weights and coverage readers
# (tests/fuzz/promote_fuzz.c). FUZZ_SECONDS overrides the 20 s.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz NAME WHAT: run build/fuzz/NAME over the seeds in $work/NAME.
fuzz() {
	local name=$1 what=$2 fuzzer=${BUILD:-build}/fuzz/$1 runs a
	if [ ! -x "$fuzzer" ]; then
		skip "fuzz: $what" "$fuzzer not built (make $fuzzer; needs libclang-rt-14-dev)"
		return
	fi
	if "$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$work/" "$work/$name" > "$work/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
		pass "fuzz: $what, $secs s, ${runs:-?} inputs, no crash"
	else
		tail -n 30 "$work/log"
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
			[ -f "$a" ] && { echo "reproducer (base64):"; base64 "$a" | head -20; }
		done
		fail "fuzz: $what" "the fuzzer found a failure (log above)"
	fi
}

# Seeds: the fixtures whole, and their first lines (small inputs mutate well).
mkdir "$work/record_fuzz" "$work/promote_fuzz"
for f in tests/fixtures/traces/*; do
	[ -f "$f" ] || continue
	cp "$f" "$work/record_fuzz/"
	head -c 2048 "$f" > "$work/record_fuzz/head-$(basename "$f")"
done
tests/gentrace.sh -j pages 1 2 3 > "$work/record_fuzz/json-lines"
printf '{"type":"fault","time_ns":1,"pid":2,"tid":2,"comm":"a b","kind":"swapin","addr":"0x1000","swap_type":0,"swap_offset":7,"cache_hit":true}\n' > "$work/record_fuzz/json-full"
fuzz record_fuzz "record parser"

printf '{"type":"interval","pid":7,"mmu_overhead":0.1}\n{"type":"summary","processes":[{"pid":7,"comm":"a","weight":0.25},{"pid":8,"weight":3}]}\n' > "$work/promote_fuzz/weights"
printf '{"type":"weights","processes":[{"pid":1,"weight":30},{"pid":2,"weight":10}]}\n' > "$work/promote_fuzz/weights-hand"
printf '{"type":"coverage","interval_ms":1000,"candidates":[{"rank":1,"pid":5,"comm":"w","addr":"0x7f0000200000","coverage":500,"bucket":9}],"huge_regions":[{"pid":5,"comm":"w","addr":"0x7f0000600000","vma":"[anon]"}]}\n' > "$work/promote_fuzz/coverage"
fuzz promote_fuzz "promote weights and coverage readers"
