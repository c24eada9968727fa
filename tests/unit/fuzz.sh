#!/usr/bin/env bash
# Fuzz the fault-record parser (tests/fuzz/record_fuzz.c) for a bounded
# time, seeded with the trace fixtures. FUZZ_SECONDS overrides the 20 s.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
fuzzer=${BUILD:-build}/fuzz/record_fuzz
secs=${FUZZ_SECONDS:-20}

if [ ! -x "$fuzzer" ]; then
	skip "fuzz: record parser" "$fuzzer not built (make $fuzzer; needs libclang-rt-14-dev)"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
# Seeds: the fixtures whole, and their first lines (small inputs mutate well).
for f in tests/fixtures/traces/*; do
	[ -f "$f" ] || continue
	cp "$f" "$work/corpus/"
	head -c 2048 "$f" > "$work/corpus/head-$(basename "$f")"
done
tests/gentrace.sh -j pages 1 2 3 > "$work/corpus/json-lines"
printf '{"type":"fault","time_ns":1,"pid":2,"tid":2,"comm":"a b","kind":"swapin","addr":"0x1000","swap_type":0,"swap_offset":7,"cache_hit":true}\n' > "$work/corpus/json-full"

if "$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" > "$work/log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	pass "fuzz: record parser, $secs s, ${runs:-?} inputs, no crash"
else
	tail -n 30 "$work/log"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$a" ] && { echo "reproducer (base64):"; base64 "$a" | head -20; }
	done
	fail "fuzz: record parser" "the fuzzer found a failure (log above)"
fi
