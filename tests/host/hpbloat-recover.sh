#!/usr/bin/env bash
# hpbloat --recover on the running (stock) kernel. On a kernel locked down
# in integrity mode (this machine: "debugfs access is restricted") it must
# refuse with status 69, say why and what works instead, and change
# nothing; --dry-run still lists the plan, most bloated first. Where
# debugfs is writable it must recover. The VM tier
# (tests/vm/hpbloat-check.sh) covers the patched kernel.
set -u
. "$(dirname "$0")/../lib.sh"
HPBLOAT=$BUILD/hpbloat
THPFILL=$BUILD/workloads/thpfill
hf_tmp

need_root_thp hpbloat-recover-host "" || exit 0

"$THPFILL" 0 16 100 511 512 > "$tmp/wl" 2>&1 &
pid=$!
pids+=("$pid")
for _ in $(seq 300); do grep -q '^ready' "$tmp/wl" && break; sleep 0.1; done
grep -q '^ready' "$tmp/wl" || { fail "hpbloat-recover-workload" "thpfill did not start"; exit 0; }

state() {
	echo "$(grep AnonHugePages "/proc/$pid/smaps_rollup") $(grep RssAnon "/proc/$pid/status")" \
		"$(grep -E '^thp_split_page ' /proc/vmstat)"
}
lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null ||
	{ mount -t securityfs securityfs /sys/kernel/security 2>/dev/null &&
	  cat /sys/kernel/security/lockdown 2>/dev/null; })
mpn=$(cat /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none)

# --- the plan: ranked by zero subpages, min-zero and budget applied ---
before=$(state)
"$HPBLOAT" --recover --dry-run --min-zero 1 -p "$pid" -j > "$tmp/plan.json"; rc=$?
order=$(jq -c '[.regions[].zero_subpages]' "$tmp/plan.json" 2>/dev/null)
if [ $rc = 0 ] && [ "$order" = "[512,496,412,1]" ] &&
   jq -e '.type == "recover" and .dry_run == true and .total.zero_subpages == 1421' \
	"$tmp/plan.json" >/dev/null; then
	pass "hpbloat-recover-dry-run-ranked"
else
	fail "hpbloat-recover-dry-run-ranked" "status $rc, order $order"
fi
"$HPBLOAT" --recover --dry-run -p "$pid" -j > "$tmp/default.json"
if jq -e --argjson m "$mpn" '.min_zero == ([$m + 1, 512] | min) and
	([.regions[].zero_subpages] | all(. > $m))' "$tmp/default.json" >/dev/null; then
	pass "hpbloat-recover-default-min-zero-follows-max-ptes-none"
else
	fail "hpbloat-recover-default-min-zero-follows-max-ptes-none" \
		"max_ptes_none $mpn: $(jq -c '{min_zero, regions}' "$tmp/default.json")"
fi
# At the kernel's default max_ptes_none (511) the default floor leaves only wholly
# zero huge pages: the report says why and names the two ways forward.
"$HPBLOAT" --recover --dry-run -p "$pid" > "$tmp/default.txt"
if [ "$mpn" -ge 511 ]; then
	if grep -q "khugepaged/max_ptes_none is 511 (the kernel's default), so khugepaged .* would collapse" \
		"$tmp/default.txt" && grep -q -- "lower max_ptes_none .*--min-zero N" "$tmp/default.txt" &&
		grep -q -- "hpbloat --recover --watch --min-zero N" "$tmp/default.txt" &&
		jq -e '.hint | test("--watch")' "$tmp/default.json" >/dev/null; then
		pass "hpbloat-recover-hint-at-511"
	else
		fail "hpbloat-recover-hint-at-511" "$(tail -2 "$tmp/default.txt")"
	fi
else
	jq -e 'has("hint") | not' "$tmp/default.json" >/dev/null && ! grep -q "^Only huge pages" "$tmp/default.txt" &&
		pass "hpbloat-recover-no-hint-below-511" || fail "hpbloat-recover-no-hint-below-511" "$(tail -2 "$tmp/default.txt")"
fi
"$HPBLOAT" --recover --dry-run --min-zero 400 -p "$pid" -j | jq -e 'has("hint") | not' >/dev/null &&
	pass "hpbloat-recover-no-hint-with-min-zero" || fail "hpbloat-recover-no-hint-with-min-zero" "a hint though --min-zero was given"
# A 4 MiB budget (1024 subpages): 512 + 496 is short of it, 412 more passes it.
"$HPBLOAT" --recover --dry-run --min-zero 1 --budget 4M -p "$pid" -j > "$tmp/budget.json"
if jq -e '.budget_subpages == 1024 and [.regions[].zero_subpages] == [512,496,412]' \
	"$tmp/budget.json" >/dev/null; then
	pass "hpbloat-recover-budget"
else
	fail "hpbloat-recover-budget" "$(jq -c '{budget_subpages, regions}' "$tmp/budget.json")"
fi
"$HPBLOAT" --recover --dry-run --min-zero 1 -p "$pid" > "$tmp/plan.txt"
if grep -qE '^ +1 +'"$pid"' +thpfill +0x[0-9a-f]+ +512 +2048$' "$tmp/plan.txt" &&
   grep -q 'Would split 4 of 4 huge pages' "$tmp/plan.txt"; then
	pass "hpbloat-recover-dry-run-plain"
else
	fail "hpbloat-recover-dry-run-plain" "$(head -3 "$tmp/plan.txt")"
fi
[ "$(state)" = "$before" ] && pass "hpbloat-recover-dry-run-changes-nothing" ||
	fail "hpbloat-recover-dry-run-changes-nothing" "before '$before', after '$(state)'"

# --- per cgroup: the workload's memory cgroup ---
for d in /sys/fs/cgroup/memory /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -w "$d/cgroup.procs" ] && { cg=$d/hawkfetch-recover-$$; break; }
done
if [ -n "$cg" ] && mkdir "$cg" && echo "$pid" > "$cg/cgroup.procs"; then
	"$HPBLOAT" --recover --dry-run --min-zero 1 -c "$cg" -j > "$tmp/cg.json"
	if jq -e --argjson p "$pid" '[.processes[].pid] == [$p] and (.regions | length) == 4' \
		"$tmp/cg.json" >/dev/null; then
		pass "hpbloat-recover-cgroup-dry-run"
	else
		fail "hpbloat-recover-cgroup-dry-run" "$(jq -c '.processes' "$tmp/cg.json")"
	fi
	echo "$pid" > "$(dirname "$cg")/cgroup.procs"
else
	skip "hpbloat-recover-cgroup-dry-run" "no writable cgroup hierarchy"
	cg=
fi

# --- the real thing: refused under lockdown, done where debugfs works ---
before=$(state)
out=$("$HPBLOAT" --recover --min-zero 1 -p "$pid" 2>&1); rc=$?
if [[ $lockdown == *"[integrity]"* || $lockdown == *"[confidentiality]"* ]]; then
	if [ $rc = 69 ] && [[ $out == *"kernel lockdown"*"debugfs access is restricted"* ]] &&
	   [[ $out == *MADV_SPLIT_UNDERUSED* && $out == *memory.reclaim* && $out == *max_ptes_none* ]]; then
		pass "hpbloat-recover-lockdown-refused"
	else
		fail "hpbloat-recover-lockdown-refused" "status $rc, output '$out'"
	fi
	[ "$(state)" = "$before" ] && pass "hpbloat-recover-lockdown-changes-nothing" ||
		fail "hpbloat-recover-lockdown-changes-nothing" "before '$before', after '$(state)'"
	"$HPBLOAT" --recover --watch -d 1 -A >/dev/null 2>&1; rc=$?
	[ $rc = 69 ] && pass "hpbloat-recover-watch-lockdown-refused" ||
		fail "hpbloat-recover-watch-lockdown-refused" "status $rc"
	json=$("$HPBLOAT" --recover -j -p "$pid" 2>/dev/null)
	echo "$json" | jq -e '.type == "error" and (.message | test("lockdown"))' >/dev/null &&
		pass "hpbloat-recover-lockdown-json" || fail "hpbloat-recover-lockdown-json" "got '$json'"
else
	huge=$(awk '/AnonHugePages/ { print $2 }' "/proc/$pid/smaps_rollup")
	if [ $rc = 0 ] && [ "$huge" = 2048 ]; then
		pass "hpbloat-recover-debugfs"
	else
		fail "hpbloat-recover-debugfs" "status $rc, AnonHugePages $huge kB: $out"
	fi
fi

# --- system-wide: the workload's regions among all, still ranked ---
"$HPBLOAT" --recover --dry-run --min-zero 1 -A -j > "$tmp/all.json" 2>/dev/null
if jq -e --argjson p "$pid" '([.regions[].zero_subpages] | . == (sort | reverse)) and
	([.regions[] | select(.pid == $p)] | length == 4)' "$tmp/all.json" >/dev/null; then
	pass "hpbloat-recover-all-dry-run"
else
	fail "hpbloat-recover-all-dry-run" "$(jq -c '.total' "$tmp/all.json" 2>&1 | head -c 300)"
fi

# --- errors ---
gone=$(sh -c 'echo $$')
out=$("$HPBLOAT" --recover --dry-run -p "$gone" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"pid $gone: no such process"* ]] && pass "hpbloat-recover-missing-pid" ||
	fail "hpbloat-recover-missing-pid" "status $rc, output '$out'"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$HPBLOAT" --recover -p "$pid" 2>&1); rc=$?
[ $rc = 77 ] && [[ $out == *"needs root"* ]] && pass "hpbloat-recover-unprivileged" ||
	fail "hpbloat-recover-unprivileged" "status $rc, output '$out'"
bad=0
for argv in "--dry-run -p $pid" "--recover --low 40 --high 30 -p $pid" "--recover --budget 1X -p $pid" \
	"--recover --min-zero 0 -p $pid" "--recover -r -p $pid" "--watch --dry-run -A" \
	"--recover --top 3 -A" "--mechanism madvise -p $pid"; do
	# shellcheck disable=SC2086
	"$HPBLOAT" $argv >/dev/null 2>&1; rc=$?
	[ $rc = 64 ] || { bad=1; echo "hpbloat $argv: status $rc, want 64"; }
done
[ $bad = 0 ] && pass "hpbloat-recover-usage-errors" || fail "hpbloat-recover-usage-errors" "see above"
