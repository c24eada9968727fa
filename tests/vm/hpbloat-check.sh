#!/usr/bin/env bash
# hpbloat --recover on the patched test kernel under qemu (MADV_SPLIT_UNDERUSED,
# kernel-patches/0010) and through debugfs (the test kernel has no lockdown):
#   - the selftest tests/vm/split_underused.c passes
#   - for each mechanism: a sparse process (16 THPs, 16 of 512 subpages
#     written, a writer thread writing into subpages that are still zero all
#     along) and a dense one (8 full THPs); --recover -p SPARSE lowers its
#     RssAnon by at least 90% of its zero subpages, the writer loses no write
#     (every byte checked), and the dense process keeps its huge pages
#   - --watch -c CGROUP under a 160 MiB memory.max recovers until the high
#     mark, stops there with bloat left over, and prints a summary; SIGTERM
#     stops it cleanly with its summary
# Part of the vm tier: `make vm-hpbloat-check`. Needs KERNEL_DIR (a
# directory with the bzImage of a kernel built with the series).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
vm_guest_prereqs vm-hpbloat qemu-system-x86_64 busybox cpio jq || exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
if ! vm_static_bins "$ird" hpbloat tests/workloads/thpwriter.c tests/vm/split_underused.c; then
	fail vm-hpbloat "cannot link the guest binaries statically"
	exit 0
fi
cat > "$ird/init" <<'EOG'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup
set -o pipefail
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
# Default --min-zero is max_ptes_none + 1 = 256.
echo 255 > /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none
say() { echo "HFB: $*"; }
# start NAME CMD...: run in the background, wait for "ready", print the PID
start() {
	local name=$1; shift
	"$@" > /tmp/$name 2>&1 &
	for i in $(seq 200); do grep -q '^ready' /tmp/$name && break; sleep 0.1; done
	sed -n 's/^ready //p' /tmp/$name
}
huge() { awk '/AnonHugePages/ { print $2 }' /proc/$1/smaps_rollup; }

split_underused 2>&1 | sed 's/^/HFB: self /'
say "selftest-rc $?"

for mech in madvise debugfs; do
	sp=$(start sparse-$mech thpwriter -w 16 16)
	de=$(start dense-$mech thpwriter 8 512)
	say "$mech pids $sp $de"
	say "$mech dense-before $(huge $de)"
	hpbloat --recover --mechanism $mech -j -p $sp > /tmp/rec 2> /tmp/err
	say "$mech rc $?"
	sed "s/^/HFB: $mech json /" /tmp/rec; sed "s/^/HFB: $mech err /" /tmp/err
	hpbloat --recover --mechanism $mech -j -p $de > /tmp/rec 2> /tmp/err
	say "$mech dense-rc $?"
	sed "s/^/HFB: $mech dense-json /" /tmp/rec
	say "$mech dense-after $(huge $de)"
	kill -USR1 $sp
	for i in $(seq 100); do grep -q '^verify' /tmp/sparse-$mech && break; sleep 0.1; done
	grep '^verify' /tmp/sparse-$mech | sed "s/^/HFB: $mech /"
	kill $sp $de
	wait $sp $de 2>/dev/null
done

# --min-zero below the kernel's split_underused_min_zero (256 at
# max_ptes_none 255): hpbloat says so, and the THPs between the floors
# stay huge; with the threshold lowered to 16 they split.
tw=$(start thr thpwriter 4 480)
say "thr-scan $(hpbloat -j -p $tw | tr -d '\n')"
hpbloat --recover --min-zero 16 -j -p $tw > /tmp/thr.json 2> /tmp/thr.err
say "thr rc $? huge $(huge $tw) min_zero $(cat /sys/kernel/mm/transparent_hugepage/split_underused_min_zero)"
sed 's/^/HFB: thr err /' /tmp/thr.err
echo 16 > /sys/kernel/mm/transparent_hugepage/split_underused_min_zero
hpbloat --recover --min-zero 16 -j -p $tw > /tmp/thr.json 2> /tmp/thr.err
say "thr16 rc $? huge $(huge $tw) warned $(grep -c split_underused_min_zero /tmp/thr.err)"
echo 0 > /sys/kernel/mm/transparent_hugepage/split_underused_min_zero
kill $tw

# --watch in a memory cgroup: 112 MiB of THPs, about 108 MiB of it zero
# subpages, under a 160 MiB limit: 28% available; recover from below 40%
# up to 60%, which takes about half of the bloat.
mkdir /sys/fs/cgroup/w
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
echo 160M > /sys/fs/cgroup/w/memory.max
wl=$(start watch-wl sh -c 'echo $$ > /sys/fs/cgroup/w/cgroup.procs && exec thpwriter 56 16')
say "watch pid $wl huge-before $(huge $wl) current $(cat /sys/fs/cgroup/w/memory.current)"
hpbloat --watch -c /sys/fs/cgroup/w --low 40 --high 60 -i 0.5 -d 10 -j > /tmp/watch 2> /tmp/err
say "watch rc $?"
sed 's/^/HFB: watch json /' /tmp/watch; sed 's/^/HFB: watch err /' /tmp/err
say "watch huge-after $(huge $wl) current $(cat /sys/fs/cgroup/w/memory.current)"
kill $wl
# SIGTERM stops --watch cleanly, with its summary.
hpbloat --watch -A -i 0.2 -j > /tmp/watch2 2>&1 &
w=$!
sleep 2; kill -TERM $w; wait $w
say "sigterm rc $?"
sed 's/^/HFB: sigterm json /' /tmp/watch2

dmesg | sed 's/^/HFK: /'
echo HFB-END
reboot -f
EOG
chmod +x "$ird/init"
vm_boot_dir "$ird" 512M 1500 "$tmp/log"
[ -n "${HF_KEEP_LOG:-}" ] && cp "$tmp/log" "$HF_KEEP_LOG"
if ! grep -q '^HFB-END' "$tmp/log"; then
	tail -20 "$tmp/log" >&2; fail vm-hpbloat "the guest did not finish"; exit 0
fi
get() { sed -n "s/^HFB: $1 //p" "$tmp/log"; }

# The selftest's own verdicts, then its status.
get self | grep -E '^(PASS|FAIL|SKIP): |^# '
rc=$(get selftest-rc)
[ "$rc" = 0 ] && pass "vm-hpbloat: split_underused selftest" ||
	fail vm-hpbloat "split_underused exited $rc"

for mech in madvise debugfs; do
	get "$mech json" > "$tmp/$mech.json"
	rc=$(get "$mech rc")
	if [ "$rc" != 0 ] || ! jq -e . "$tmp/$mech.json" >/dev/null 2>&1; then
		fail "vm-hpbloat-$mech" "hpbloat --recover exited $rc: $(get "$mech err" | head -3)"
		continue
	fi
	jq -e --arg m "$mech" '.type == "recover" and .mechanism == $m' "$tmp/$mech.json" >/dev/null &&
		pass "vm-hpbloat-$mech: recovered with the $mech mechanism" ||
		fail "vm-hpbloat-$mech" "mechanism $(jq -r .mechanism "$tmp/$mech.json")"
	# RssAnon falls by at least 90% of the zero subpages of the process.
	read -r zero drop huge_after regions split < <(jq -r '.processes[0] |
		"\(.zero_subpages) \(.rss_anon_kib_before - .rss_anon_kib_after) \(.anon_huge_kib_after) \(.regions) \(.regions_split)"' \
		"$tmp/$mech.json")
	if [ "$regions" = 16 ] && [ "$split" = 16 ] && [ "$huge_after" = 0 ] &&
	   [ $((drop * 10)) -ge $((zero * 4 * 9)) ]; then
		pass "vm-hpbloat-$mech: RssAnon fell $drop KiB for $zero zero subpages ($((zero * 4)) KiB), all 16 THPs split"
	else
		fail "vm-hpbloat-$mech" "regions $regions, split $split, AnonHugePages after $huge_after kB, RssAnon fell $drop KiB for $zero zero subpages"
	fi
	v=$(get "$mech" | grep '^verify' | head -1)
	[[ $v == "verify ok"* ]] && pass "vm-hpbloat-$mech: concurrent writer lost no write ($v)" ||
		fail "vm-hpbloat-$mech" "concurrent writer: ${v:-no verdict}"
	before=$(get "$mech dense-before"); after=$(get "$mech dense-after")
	dense=$(get "$mech dense-json")
	if [ "$before" = 16384 ] && [ "$after" = 16384 ] &&
	   echo "$dense" | jq -e '.total.regions == 0 and .total.regions_split == 0' >/dev/null; then
		pass "vm-hpbloat-$mech: the dense process keeps its 8 huge pages"
	else
		fail "vm-hpbloat-$mech" "dense AnonHugePages $before -> $after kB; $dense"
	fi
done

read -r _ rc _ huge _ thr <<<"$(get "thr")"
warn=$(get "thr err" | grep -m1 split_underused_min_zero)
check "vm-hpbloat-threshold: --min-zero 16 under the kernel's threshold $thr: warned, the 4 THPs (32 zero subpages each) stay huge (AnonHugePages $huge kB; ${warn:-no warning})" \
	ok '[ "$rc" = 0 ] && [ "$thr" = 256 ] && [ "$huge" = 8192 ] && [ -n "$warn" ]'
check_eq "vm-hpbloat-threshold: hpbloat -j reports the kernel's split_underused_min_zero" \
	"$(get thr-scan | jq -r .thp.split_underused_min_zero 2>/dev/null)" 256
read -r _ rc _ huge _ warned <<<"$(get "thr16")"
check "vm-hpbloat-threshold: with split_underused_min_zero 16 they split, no warning (AnonHugePages $huge kB)" \
	ok '[ "$rc" = 0 ] && [ "$huge" = 0 ] && [ "$warned" = 0 ]'

get "watch json" > "$tmp/watch.json"
rc=$(get "watch rc")
summary=$(jq -c 'select(.type == "recover_summary")' "$tmp/watch.json" 2>/dev/null)
if [ "$rc" = 0 ] && [ -n "$summary" ]; then
	pass "vm-hpbloat-watch: --watch ran and printed a summary"
	first_stop=$(jq -r 'select(.type == "stop") | .reason' "$tmp/watch.json" | head -1)
	starts=$(jq -r 'select(.type == "start") | .reason' "$tmp/watch.json" | head -1)
	if [ "$starts" = low ] && [ "$first_stop" = high ] &&
	   echo "$summary" | jq -e '.returned_subpages > 0 and .avail_pct >= 60 and .stops_at_high >= 1' >/dev/null; then
		pass "vm-hpbloat-watch: started below the low mark, recovered, stopped at the high mark"
	else
		fail "vm-hpbloat-watch" "start $starts, first stop $first_stop, summary $summary"
	fi
	read -r huge_after _ < <(get "watch huge-after")
	if [ -n "$huge_after" ] && [ "$huge_after" -gt 0 ]; then
		pass "vm-hpbloat-watch: stopped with bloat left ($huge_after kB of THPs): recovered only what the high mark needed"
	else
		fail "vm-hpbloat-watch" "no huge page left after --watch: ${huge_after:-?}"
	fi
else
	fail "vm-hpbloat-watch" "status $rc: $(get "watch err" | head -3)"
fi

rc=$(get "sigterm rc")
if [ "$rc" = 0 ] && get "sigterm json" | jq -e 'select(.type == "recover_summary") | .signal == "Terminated"' \
	>/dev/null 2>&1; then
	pass "vm-hpbloat-watch: SIGTERM stops --watch with a summary"
else
	fail "vm-hpbloat-watch" "after SIGTERM: status $rc, $(get "sigterm json" | tail -1)"
fi

splat=$(sed -n 's/^HFK: //p' "$tmp/log" | vm_splats | head -3)
[ -z "$splat" ] && pass "vm-hpbloat: guest kernel log clean" ||
	fail vm-hpbloat "guest kernel log: $splat"
