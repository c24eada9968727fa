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
