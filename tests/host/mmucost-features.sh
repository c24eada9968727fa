#!/usr/bin/env bash
# mmucost on this machine's kernel and CPU: the measurement where the
# hardware allows it, the documented refusal where it doesn't; --feed's
# refusal on a kernel without the hawkfetch patches.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

if ! need_root; then skip "mmucost-features" "needs root"; exit 0; fi

# mmucost: no PMU here (software events only) -> 69 with the reason.
if [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; then
	"$BUILD/mmucost" -j -i 0.2 -d 0.5 -- sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done' \
		> "$tmp/out" 2> "$tmp/err"; rc=$?
	if [ $rc = 0 ] && jq -e -s 'map(select(.type == "mmu_interval")) | length > 0' "$tmp/out" >/dev/null; then
		pass "mmucost-live"
	else
		fail "mmucost-live" "status $rc: $(cat "$tmp/err")"
	fi
	skip_hw "mmucost-no-pmu-host" "this machine has a hardware PMU"
else
	skip_hw "mmucost-live" "no hardware PMU on this machine (software events only)"
	exits_saying mmucost-no-pmu-host 69 "no hardware PMU" "$BUILD/mmucost" -p $$
fi

# The hawkfetch kernel's khugepaged interfaces: on a stock kernel every
# path that needs them says so and exits 69 before measuring or writing
# anything.
skip_if_patched_khugepaged "mmucost-khugepaged-interfaces-stock" && exit 0
# mmucost --feed refuses before counting: no interval line, no summary.
"$BUILD/mmucost" --feed -j -e perf::PAGE-FAULTS/perf::TASK-CLOCK -i 0.1 -d 0.3 -p $$ \
	> "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 69 ] && grep -q "hawkfetch kernel patches" "$tmp/err" &&
	! jq -e -s 'map(select(.type == "mmu_interval" or .type == "mmu_summary")) | length > 0' "$tmp/out" >/dev/null; then
	pass "mmucost-feed-stock-kernel"
else
	fail "mmucost-feed-stock-kernel" "status $rc: $(cat "$tmp/err" "$tmp/out")"
fi
"$BUILD/mmucost" --feed -e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 0.3 -- true > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 69 ] && grep -q "hawkfetch kernel patches" "$tmp/err" && pass "mmucost-feed-command-stock-kernel" ||
	fail "mmucost-feed-command-stock-kernel" "status $rc: $(cat "$tmp/err")"
