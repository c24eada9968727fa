#!/usr/bin/env bash
# mmucost and hpcov on this machine's kernel and CPU: the measurement where
# the hardware and kernel allow it, the documented refusal where they don't.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! need_root; then skip "hawkeye-features" "needs root"; exit 0; fi

# mmucost: no PMU here (software events only) -> 69 with the reason.
if [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; then
	"$BUILD/mmucost" -j -i 0.2 -d 0.5 -- sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done' \
		> "$tmp/out" 2> "$tmp/err"; rc=$?
	if [ $rc = 0 ] && jq -e -s 'map(select(.type == "interval")) | length > 0' "$tmp/out" >/dev/null; then
		pass "mmucost-live"
	else
		fail "mmucost-live" "status $rc: $(cat "$tmp/err")"
	fi
	skip_hw "mmucost-no-pmu-host" "this machine has a hardware PMU"
else
	skip_hw "mmucost-live" "no hardware PMU on this machine (software events only)"
	"$BUILD/mmucost" -p $$ 2> "$tmp/err"; rc=$?
	if [ $rc = 69 ] && grep -q "no hardware PMU" "$tmp/err"; then
		pass "mmucost-no-pmu-host"
	else
		fail "mmucost-no-pmu-host" "status $rc: $(cat "$tmp/err")"
	fi
fi

# hpcov: idle page tracking is the vm tier's; here check the refusal or a plain run.
if [ -e /sys/kernel/mm/page_idle/bitmap ]; then
	"$BUILD/hpcov" -p $$ -i 0.2 -j > "$tmp/out" 2> "$tmp/err" &&
		jq -e '.candidates | type == "array"' "$tmp/out" >/dev/null &&
		pass "hpcov-host-run" || fail "hpcov-host-run" "$(cat "$tmp/err")"
else
	"$BUILD/hpcov" -p $$ 2> "$tmp/err"; rc=$?
	if [ $rc = 69 ] && grep -q "CONFIG_IDLE_PAGE_TRACKING" "$tmp/err"; then
		pass "hpcov-no-page-idle-host"
	else
		fail "hpcov-no-page-idle-host" "status $rc: $(cat "$tmp/err")"
	fi
fi

# The hawkfetch kernel's khugepaged interfaces (scan_order, access_map,
# khugepaged_weight): on a stock kernel every path that needs them says so
# and exits 69 before measuring or writing anything; the vm tier runs them.
if [ -e /sys/kernel/mm/transparent_hugepage/khugepaged/scan_order ]; then
	skip "khugepaged-interfaces-stock" "this kernel has the hawkfetch patches (the vm tier's)"
	exit 0
fi
printf '{"type":"weights","processes":[{"pid":%d,"comm":"bash","weight":0.25}]}\n' $$ > "$tmp/w.json"
"$BUILD/hpcov" --weights "$tmp/w.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 69 ] && grep -q "khugepaged_weight: no such file: khugepaged weights need the hawkfetch kernel patches" "$tmp/err" &&
	[ ! -s "$tmp/out" ]; then
	pass "hpcov-weights-stock-kernel"
else
	fail "hpcov-weights-stock-kernel" "status $rc: $(cat "$tmp/err" "$tmp/out")"
fi
"$BUILD/hpcov" -j --weights - < "$tmp/w.json" 2> /dev/null |
	jq -e 'select(.type == "error") | .message | test("hawkfetch kernel patches")' >/dev/null &&
	pass "hpcov-weights-stock-kernel-json" || fail "hpcov-weights-stock-kernel-json" "no JSON error object"
# A pid that does not exist: still the kernel is named, not the pid.
printf '{"type":"weights","processes":[{"pid":999999999,"weight":1}]}\n' > "$tmp/w-gone.json"
"$BUILD/hpcov" --weights "$tmp/w-gone.json" 2> "$tmp/err" >/dev/null; rc=$?
[ $rc = 69 ] && grep -q "hawkfetch kernel patches" "$tmp/err" && pass "hpcov-weights-stock-kernel-no-pid" ||
	fail "hpcov-weights-stock-kernel-no-pid" "status $rc: $(cat "$tmp/err")"
# mmucost --feed refuses before counting: no interval line, no summary.
"$BUILD/mmucost" --feed -j -e perf::PAGE-FAULTS/perf::TASK-CLOCK -i 0.1 -d 0.3 -p $$ \
	> "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 69 ] && grep -q "hawkfetch kernel patches" "$tmp/err" &&
	! jq -e -s 'map(select(.type == "interval" or .type == "summary")) | length > 0' "$tmp/out" >/dev/null; then
	pass "mmucost-feed-stock-kernel"
else
	fail "mmucost-feed-stock-kernel" "status $rc: $(cat "$tmp/err" "$tmp/out")"
fi
"$BUILD/mmucost" --feed -e perf::PAGE-FAULTS/perf::TASK-CLOCK -d 0.3 -- true > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 69 ] && grep -q "hawkfetch kernel patches" "$tmp/err" && pass "mmucost-feed-command-stock-kernel" ||
	fail "mmucost-feed-command-stock-kernel" "status $rc: $(cat "$tmp/err")"
# hpcov without page_idle and without the patches: today's refusal, unchanged (above),
# and no access_map is read.
[ ! -e /proc/self/access_map ] && pass "hpcov-no-access-map-stock-kernel" ||
	fail "hpcov-no-access-map-stock-kernel" "/proc/self/access_map exists without scan_order"
