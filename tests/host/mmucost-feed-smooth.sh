#!/usr/bin/env bash
# mmucost --feed -i SEC: khugepaged weights fed periodically, smoothed as
# HawkEye smooths MMU overhead: after each interval the weight becomes
# 0.8 * the weight before + 0.2 * the interval's overhead (the first as is).
# The stock kernel has no /proc/PID/khugepaged_weight, so a sysroot holds a
# stand-in file for it (HAWKFETCH_SYSROOT) while the counting is real:
# perf software events of a faulting workload, no PMU needed. The weight
# reported at the end must be the smoothed fold of the intervals' overheads
# mmucost -j printed; without -i, the whole run's overhead as before.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
EV=perf::PAGE-FAULTS/perf::TASK-CLOCK
tmp=$(mktemp -d)
wl=
trap '[ -n "$wl" ] && kill $wl 2>/dev/null; rm -rf "$tmp"' EXIT

if ! need_root; then skip "mmucost-feed-smooth" "needs root (perf events of another process)"; exit 0; fi
for f in mmucost workloads/faultstorm; do
	[ -x "$BUILD/$f" ] || { fail "mmucost-feed-smooth" "$BUILD/$f not built"; exit 0; }
done
"$BUILD/workloads/faultstorm" -m 16 -r 100000000 > /dev/null &
wl=$!
R=$tmp/root
mkdir -p "$R/proc/$wl/task/$wl"
cp "/proc/$wl/stat" "/proc/$wl/status" "/proc/$wl/comm" "$R/proc/$wl/"
: > "$R/proc/$wl/khugepaged_weight"
feed() { HAWKFETCH_SYSROOT=$R "$BUILD/mmucost" --feed -j -e $EV -p $wl "$@"; }

feed -i 0.1 -d 0.6 > "$tmp/i.json" 2> "$tmp/err"; rc=$?
n=$(jq -s '[.[] | select(.type == "mmu_interval") | .mmu_overhead | numbers] | length' "$tmp/i.json" 2>/dev/null)
if [ $rc != 0 ] || [ "${n:-0}" -lt 2 ]; then
	fail "mmucost-feed-interval-smoothed" "status $rc, ${n:-no} intervals with a value: $(cat "$tmp/err")"
elif jq -e -s '([.[] | select(.type == "mmu_interval") | .mmu_overhead | numbers] |
		reduce .[1:][] as $m (.[0]; 0.8 * . + 0.2 * $m)) as $want |
	(.[] | select(.type == "khugepaged_weights") | .processes[0].overhead) as $got |
	(($got - $want) | fabs) <= 1e-4 * $want' "$tmp/i.json" >/dev/null; then
	pass "mmucost-feed-interval-smoothed: $n intervals folded 0.8/0.2"
else
	fail "mmucost-feed-interval-smoothed" "$(grep -v '"mmu_interval"' "$tmp/i.json")"
fi
# The file got one write per interval with a value (each at least "1").
len=$(wc -c < "$R/proc/$wl/khugepaged_weight")
[ "$len" -ge "$n" ] && pass "mmucost-feed-interval-writes" ||
	fail "mmucost-feed-interval-writes" "$len bytes written for $n intervals"

# Without -i: one write at the end, the whole run's overhead (the summary's weight).
: > "$R/proc/$wl/khugepaged_weight"
feed -d 0.3 > "$tmp/d.json" 2> "$tmp/err"; rc=$?
if [ $rc = 0 ] && jq -e -s '(.[] | select(.type == "khugepaged_weights") | .processes[0].overhead) as $got |
	(last | .processes[0].weight) as $want | (($got - $want) | fabs) <= 1e-4 * $want' \
	"$tmp/d.json" >/dev/null; then
	pass "mmucost-feed-whole-run-unsmoothed"
else
	fail "mmucost-feed-whole-run-unsmoothed" "status $rc: $(cat "$tmp/d.json" "$tmp/err")"
fi
