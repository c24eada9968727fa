#!/usr/bin/env bash
# hpcov --promote on the running (stock) kernel: process_madvise(MADV_COLLAPSE)
# from a --from coverage file. Regions must become huge in descending
# coverage order (checked independently through pagemap + kpageflags and
# smaps), two processes weighted 30 and 10 must get huge pages 3:1 with
# --order stride, and
# the error paths must name the process.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

if ! need_root; then skip "hawkeye-promote" "needs root"; exit 0; fi
for f in hpcov mmucost workloads/touchset workloads/denysys; do
	[ -x "$BUILD/$f" ] || { fail "hawkeye-promote" "$BUILD/$f not built"; exit 0; }
done
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)
if [ "$thp" = always ]; then
	# Faults would map huge pages at once: nothing left to promote.
	skip "hawkeye-promote" "THP enabled=always here; the test needs madvise or never"
	exit 0
fi

# start_touchset NAME K...: a touchset -a process, its pid in $NAME and in
# pids (for the cleanup), its region lines in $tmp/NAME. Not in a $(...)
# subshell: the cleanup must see the pid.
start_touchset() {
	local name=$1; shift
	"$BUILD/workloads/touchset" -a "$@" > "$tmp/$name" &
	pids+=($!)
	printf -v "$name" %d $!
	for _ in $(seq 100); do grep -q '^ready' "$tmp/$name" && break; sleep 0.05; done
}

# regions PID NAME: hpcov -j candidates from touchset NAME's region lines
# (its coverage is what it touches: K pages of each region).
regions() {
	awk -v pid="$1" '/^region/ {
		printf "{\"pid\":%d,\"comm\":\"touchset\",\"addr\":\"%s\",\"coverage\":%d}\n", pid, $2, $3 }' "$tmp/$2"
}
coverage_doc() { jq -s '{type: "coverage", candidates: .}'; }

# is_thp PID ADDR: the page at ADDR is mapped by a transparent huge page
# (pagemap gives the PFN, kpageflags bit 22 is THP, bit 15 compound head).
is_thp() {
	local e pfn f
	e=$(dd if="/proc/$1/pagemap" bs=8 skip=$(($2 / 4096)) count=1 status=none | od -An -tx8 | tr -d ' ')
	[ -n "$e" ] && (( (0x$e >> 63) & 1 )) || return 1
	pfn=$(( 0x$e & ((1 << 55) - 1) ))
	f=$(dd if=/proc/kpageflags bs=8 skip="$pfn" count=1 status=none | od -An -tx8 | tr -d ' ')
	(( (0x$f >> 22) & 1 && (0x$f >> 15) & 1 ))
}

anon_huge_kb() { awk '/^AnonHugePages:/ { print $2 }' "/proc/$1/smaps_rollup"; }

# ---- descending coverage, one collapse per run ----
covs=(64 512 128 448 256 384 192 320)
start_touchset a "${covs[@]}"
regions "$a" a | coverage_doc > "$tmp/cov-a.json"
if "$BUILD/hpcov" --promote --from "$tmp/cov-a.json" --budget 1 > "$tmp/out" 2> "$tmp/err"; then :; else
	rc=$?
	if [ $rc = 69 ]; then skip "hawkeye-promote" "no MADV_COLLAPSE: $(cat "$tmp/err")"; exit 0; fi
	fail "promote-first-run" "status $rc: $(cat "$tmp/err")"
fi
# The regions, best first, and what must be huge after step k.
mapfile -t order < <(awk '/^region/ { print $3, $2 }' "$tmp/a" | sort -rn | awk '{ print $2 }')
ok=1
for k in $(seq 1 ${#order[@]}); do
	if [ "$k" -gt 1 ]; then
		"$BUILD/hpcov" --promote --from "$tmp/cov-a.json" --budget 1 -j > "$tmp/step.json" 2> "$tmp/err" ||
			{ fail "promote-step-$k" "status $?: $(cat "$tmp/err")"; ok=0; break; }
		jq -e -s --arg addr "${order[k-1]}" '[.[] | select(.type == "collapse")] |
			length == 1 and .[0].addr == $addr and .[0].result == "ok" and .[0].huge_after' \
			"$tmp/step.json" >/dev/null ||
			{ fail "promote-step-$k" "expected ${order[k-1]} ok: $(cat "$tmp/step.json")"; ok=0; break; }
	fi
	for i in "${!order[@]}"; do
		if [ "$i" -lt "$k" ]; then is_thp "$a" "${order[i]}" && continue; want=huge
		else ! is_thp "$a" "${order[i]}" && continue; want=base; fi
		fail "promote-step-$k" "region ${order[i]} (rank $((i + 1))) should be $want pages per pagemap+kpageflags"
		ok=0
	done
	[ $ok = 1 ] || break
	hk=$(anon_huge_kb "$a")
	[ "$hk" = $((k * 2048)) ] || { fail "promote-step-$k" "smaps AnonHugePages $hk kB, expected $((k * 2048))"; ok=0; break; }
done
[ $ok = 1 ] && pass "promote-descending-coverage: ${#order[@]} regions huge one by one, best first (pagemap+kpageflags, smaps)"
"$BUILD/hpcov" --promote --from "$tmp/cov-a.json" -j > "$tmp/out" 2> "$tmp/err"
jq -e -s 'last | .type == "promote_summary" and .promoted == 0 and .skipped_huge == 8' "$tmp/out" >/dev/null &&
	pass "promote-skips-huge" || fail "promote-skips-huge" "$(cat "$tmp/out" "$tmp/err")"

# ---- fairness, --order stride: weights 30 and 10, 16 regions each ----
start_touchset b $(printf '400 %.0s' $(seq 16))
start_touchset c $(printf '400 %.0s' $(seq 16))
{ regions "$b" b; regions "$c" c; } | coverage_doc > "$tmp/cov-bc.json"
printf '{"type":"weights","processes":[{"pid":%d,"weight":30},{"pid":%d,"weight":10}]}\n' "$b" "$c" > "$tmp/w.json"
fair_ok=1
for budget in 8 4; do
	"$BUILD/hpcov" --promote --order stride --from "$tmp/cov-bc.json" --weights "$tmp/w.json" --budget $budget -j \
		> "$tmp/fair.json" 2> "$tmp/err" || { fail "promote-3-to-1" "status $?: $(cat "$tmp/err")"; fair_ok=0; }
	jq -e -s --argjson b "$b" --argjson c "$c" --argjson n "$budget" 'last | select(.type == "promote_summary") |
		(.processes | map({(.pid | tostring): .promoted}) | add) as $p |
		$p[$b | tostring] == $n / 4 * 3 and $p[$c | tostring] == $n / 4 and .failed == 0' \
		"$tmp/fair.json" >/dev/null ||
		{ fail "promote-3-to-1" "budget $budget: $(tail -1 "$tmp/fair.json")"; fair_ok=0; }
done
hb=$(anon_huge_kb "$b"); hc=$(anon_huge_kb "$c")
if [ $fair_ok = 1 ] && [ "$hb" = $((9 * 2048)) ] && [ "$hc" = $((3 * 2048)) ]; then
	pass "promote-3-to-1: --order stride, weights 30/10, budgets 8 then 4: 9 and 3 huge pages (smaps $hb kB / $hc kB)"
else
	[ $fair_ok = 1 ] && fail "promote-3-to-1" "smaps AnonHugePages $hb kB and $hc kB, expected 9 and 3 huge pages"
fi

# ---- mmucost's weights through a pipe (software events: no PMU needed) ----
"$BUILD/mmucost" -j -e perf::PAGE-FAULTS/perf::TASK-CLOCK -i 0.2 -d 0.6 -p "$b" -p "$c" 2> "$tmp/err1" |
	"$BUILD/hpcov" --promote --weights - --from "$tmp/cov-bc.json" --dry-run -j > "$tmp/pipe.json" 2> "$tmp/err2"
if jq -e -s --argjson b "$b" --argjson c "$c" 'last | .type == "promote_summary" and
	([.processes[] | select(.pid == $b or .pid == $c) | .weight | numbers] | length) == 2' \
	"$tmp/pipe.json" >/dev/null; then
	pass "promote-weights-from-mmucost-pipe"
else
	fail "promote-weights-from-mmucost-pipe" "$(cat "$tmp/err1" "$tmp/err2" "$tmp/pipe.json")"
fi

# ---- --watch stops cleanly on SIGINT with its summary ----
"$BUILD/hpcov" --promote --from "$tmp/cov-bc.json" --budget 1 --watch -i 30 -j > "$tmp/watch.json" 2> "$tmp/err" &
w=$!
for _ in $(seq 200); do grep -q '"type":"collapse"' "$tmp/watch.json" && break; sleep 0.05; done
kill -INT $w; wait $w; rc=$?
if [ $rc = 0 ] && jq -e -s 'last | .type == "promote_summary" and .promoted == 1' "$tmp/watch.json" >/dev/null; then
	pass "promote-watch-sigint-summary"
else
	fail "promote-watch-sigint-summary" "status $rc: $(cat "$tmp/watch.json" "$tmp/err")"
fi

# ---- errors name the process ----
kill "$c"; wait "$c" 2>/dev/null
"$BUILD/hpcov" --promote --from "$tmp/cov-bc.json" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "pid $c: no such process" "$tmp/err" && pass "promote-missing-pid" ||
	fail "promote-missing-pid" "status $rc: $(cat "$tmp/err")"
sed "s/\"touchset\"/\"postgres\"/" "$tmp/cov-a.json" > "$tmp/reused.json"
"$BUILD/hpcov" --promote --from "$tmp/reused.json" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "pid $a: runs 'touchset', but .* measured 'postgres' (pid reused?)" "$tmp/err" &&
	pass "promote-pid-reused" || fail "promote-pid-reused" "status $rc: $(cat "$tmp/err")"

# ---- measuring coverage live needs idle page tracking: 69, naming --from ----
if [ -e /sys/kernel/mm/page_idle/bitmap ]; then
	"$BUILD/hpcov" --promote -p "$a" --dry-run -i 0.2 -j > "$tmp/live.json" 2> "$tmp/err"; rc=$?
	[ $rc = 0 ] && jq -e -s 'last | .type == "promote_summary"' "$tmp/live.json" >/dev/null &&
		pass "promote-live-dry-run" || fail "promote-live-dry-run" "status $rc: $(cat "$tmp/err")"
else
	"$BUILD/hpcov" --promote -p "$a" --dry-run > /dev/null 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && grep -q -- "--promote --from FILE" "$tmp/err" && pass "promote-live-no-page-idle" ||
		fail "promote-live-no-page-idle" "status $rc: $(cat "$tmp/err")"
fi

# ---- a kernel without MADV_COLLAPSE (seccomp makes the calls fail): 69 ----
if [ "$(uname -m)" != x86_64 ] || [ ! -x "$BUILD/workloads/denysys" ]; then
	skip_hw "promote-no-madv-collapse" "denysys knows x86-64 system call numbers only"
else
	# process_madvise (440) failing with EINVAL: a kernel before 6.1
	"$BUILD/workloads/denysys" 440 22 "$BUILD/hpcov" --promote --from "$tmp/cov-a.json" \
		> /dev/null 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && grep -q "rejects MADV_COLLAPSE with EINVAL" "$tmp/err" &&
		pass "promote-no-madv-collapse" || fail "promote-no-madv-collapse" "status $rc: $(cat "$tmp/err")"
	# pidfd_open (434) missing: ENOSYS, a kernel before 5.3
	"$BUILD/workloads/denysys" 434 38 "$BUILD/hpcov" --promote --from "$tmp/cov-a.json" \
		> /dev/null 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && grep -q "pidfd_open or process_madvise is not implemented" "$tmp/err" &&
		pass "promote-no-pidfd" || fail "promote-no-pidfd" "status $rc: $(cat "$tmp/err")"
fi
