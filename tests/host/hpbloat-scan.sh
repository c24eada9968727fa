#!/usr/bin/env bash
# hpbloat on real processes with transparent huge pages (root; THP in
# "madvise" or "always" mode).
set -u
. "$(dirname "$0")/../lib.sh"
HPBLOAT=$BUILD/hpbloat
THPFILL=$BUILD/workloads/thpfill
hf_tmp

need_root_thp hpbloat-host " (pagemap PFNs, /proc/kpageflags)" || exit 0

# start_workload OUT ARGS...: start thpfill, wait until it is ready; sets $wpid.
start_workload() {
	local out=$1; shift
	"$THPFILL" "$@" > "$out" 2>&1 &
	wpid=$!
	pids+=("$wpid")
	for _ in $(seq 300); do grep -q '^ready' "$out" && return; sleep 0.1; done
	fail "hpbloat-workload" "thpfill $* did not start: $(cat "$out")"
	exit 0
}

# --- exact zero-subpage counts per region, and a VMA without THP ---
start_workload "$tmp/wl" 0 1 100 511 512 -p 4
pid=$wpid
"$HPBLOAT" -p "$pid" -r -j > "$tmp/regions.json"
ok=1
while read -r _ addr k; do
	got=$(jq -r --arg a "$addr" '.regions[] | select(.addr == $a) | .zero_subpages' "$tmp/regions.json")
	if [ "$got" != $((512 - k)) ]; then
		ok=0; echo "region $addr: written $k, expected $((512 - k)) zero subpages, got '${got}'"
	fi
done < <(grep '^region' "$tmp/wl")
[ $ok = 1 ] && pass "hpbloat-exact-zero-subpages" || fail "hpbloat-exact-zero-subpages" "see above"

order=$(jq -c '[.regions[].zero_subpages]' "$tmp/regions.json")
[ "$order" = "[512,511,412,1,0]" ] && pass "hpbloat-regions-ranked" ||
	fail "hpbloat-regions-ranked" "order $order"

plain=$(awk '/^plain/ { print $2 }' "$tmp/wl")
"$HPBLOAT" -p "$pid" --vmas -j > "$tmp/vmas.json"
if jq -e --arg a "$plain" '[.vmas[] | select(.start == $a)] | length == 0' "$tmp/vmas.json" >/dev/null &&
   jq -e '[.vmas[].huge_pages] | add == 5' "$tmp/vmas.json" >/dev/null; then
	pass "hpbloat-vma-without-thp"
else
	fail "hpbloat-vma-without-thp" "$(jq -c '.vmas' "$tmp/vmas.json")"
fi

"$HPBLOAT" -p "$pid" -j > "$tmp/proc.json"
if jq -e '.processes[0] | .huge_pages == 5 and .zero_subpages == 1436 and .bloat_kib == 5744' \
	"$tmp/proc.json" >/dev/null; then
	pass "hpbloat-process-totals"
else
	fail "hpbloat-process-totals" "$(jq -c '.processes[0] | del(.vmas)' "$tmp/proc.json")"
fi

# The shrinker statement follows the sysfs knobs.
mpn=$(cat /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none)
if jq -e --argjson m "$mpn" '.thp.max_ptes_none == $m' "$tmp/proc.json" >/dev/null; then
	pass "hpbloat-shrinker-policy"
else
	fail "hpbloat-shrinker-policy" "$(jq -c .thp "$tmp/proc.json")"
fi

# --- the scan changes nothing it measures ---
faults() { awk '{ print $10, $12 }' "/proc/$1/stat"; }
thp_events() { grep -E '^thp_(split_pmd|split_page|collapse_alloc) ' /proc/vmstat | awk '{ s += $2 } END { print s }'; }
before="$(faults "$pid") $(grep AnonHugePages "/proc/$pid/smaps_rollup") $(thp_events)"
"$HPBLOAT" -p "$pid" >/dev/null
"$HPBLOAT" -p "$pid" -r >/dev/null
after="$(faults "$pid") $(grep AnonHugePages "/proc/$pid/smaps_rollup") $(thp_events)"
[ "$before" = "$after" ] && pass "hpbloat-no-side-effects" ||
	fail "hpbloat-no-side-effects" "before '$before', after '$after'"

# --- errors name the object ---
gone=$(sh -c 'echo $$')
out=$("$HPBLOAT" -p "$gone" 2>&1); rc=$?
if [ $rc = 1 ] && [[ $out == *"pid $gone: no such process"* ]]; then
	pass "hpbloat-missing-pid"
else
	fail "hpbloat-missing-pid" "status $rc, output '$out'"
fi
json=$("$HPBLOAT" -j -p "$gone" 2>/dev/null)
echo "$json" | jq -s -e --arg m "pid $gone: no such process" '. == [{type: "error", message: $m}]' \
	>/dev/null && pass "hpbloat-missing-pid-json" || fail "hpbloat-missing-pid-json" "got '$json'"

# Other PIDs are still reported when one is missing.
"$HPBLOAT" -j -p "$gone" -p "$pid" 2>/dev/null | jq -s -e 'map(select(.processes))[0].processes | length == 1' \
	>/dev/null && pass "hpbloat-missing-pid-others-reported" ||
	fail "hpbloat-missing-pid-others-reported" "no report for the live PID"

"$HPBLOAT" >/dev/null 2>&1; rc=$?
[ $rc = 64 ] && pass "hpbloat-usage-status" || fail "hpbloat-usage-status" "status $rc"

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$HPBLOAT" -p "$pid" 2>&1); rc=$?
if [ $rc = 77 ] && [[ $out == *"pid $pid"*"CAP_SYS_ADMIN"* ]]; then
	pass "hpbloat-unprivileged"
else
	fail "hpbloat-unprivileged" "status $rc, output '$out'"
fi

# --- a process that exits mid-scan: 2 GiB of THPs, killed while scanned ---
start_workload "$tmp/big" $(yes 1 | head -1024)
big=$wpid
"$HPBLOAT" -p "$big" -p "$pid" -j > "$tmp/vanish.json" 2> "$tmp/vanish.err" &
scanner=$!
sleep 0.05
{ kill -KILL "$big"; wait "$big"; } 2>/dev/null
wait "$scanner"; rc=$?
if [ $rc = 1 ] && grep -q "pid $big: exited during the scan" "$tmp/vanish.err" &&
   jq -s -e --argjson p "$pid" 'map(select(.processes))[0] | [.processes[].pid] == [$p]' "$tmp/vanish.json" >/dev/null; then
	pass "hpbloat-pid-vanishes-mid-scan"
elif [ $rc = 0 ]; then
	fail "hpbloat-pid-vanishes-mid-scan" "the scan finished before the process was killed"
else
	fail "hpbloat-pid-vanishes-mid-scan" "status $rc: $(cat "$tmp/vanish.err")"
fi

# --all finds the workload among every process.
"$HPBLOAT" -A -j 2>/dev/null | jq -e --argjson p "$pid" '[.processes[] | select(.pid == $p)] | length == 1' \
	>/dev/null && pass "hpbloat-all" || fail "hpbloat-all" "workload $pid not in --all"
