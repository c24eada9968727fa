#!/usr/bin/env bash
# HawkEye's buckets and promotion order (issue 23, points 1-2, kernel side)
# and issue 18 items 11 and 17, in a qemu guest (TCG) on the patched kernel:
#  - /proc/PID/access_map's bucket is the paper's, 50 pages wide:
#    min(coverage / 50, 10); regions of coverage 49, 50, 499, 500 and 512
#    (touchset -r: measured, never collapsed) are in buckets 0, 1, 9, 10, 10;
#  - the paper's example (Figure 2): three processes A, B, C of equal
#    weights with regions in buckets A: 9 6 5, B: 9 8 7 7, C: 9 9 8 8 6
#    become huge in the order A1 B1 C1 C2 B2 C3 C4 B3 B4 A2 C5 A3 (one
#    collapse per khugepaged wake, 200 ms apart; touchset -k polls every
#    10 ms); with C's weight 3 and A's and B's 1, C goes first in each
#    bucket it shares: C1 C2 A1 B1 C3 C4 B2 B3 B4 C5 A2 A3;
#  - one TLB flush per pass over an mm (item 11): with measure_millisecs
#    0, khugepaged flushes a process with 64 measured regions (tlbspin) at
#    most twice per full scan (tlb:tlb_flush pages:-1 in khugepaged's
#    context; the old series flushed once per scan call, 8 times per pass
#    at pages_to_scan 4096); with a 100 ms window, once per window, one per
#    scan call, which measures up to 64 regions (a region measured in a
#    window costs an eighth of a collapse; item 10);
#  - who may write khugepaged_weight (item 17, tests/vm/weightperm.c):
#    CAP_SYS_NICE in the target's user namespace, whoever owns the target;
#    reading needs ptrace access; the weight starts at 1 after exec and fork;
#  - io_uring_setup(32768), whose rings are order-9 __GFP_ZERO allocations,
#    moves neither thp_fault_prezeroed nor thp_fault_zeroed, a THP fault
#    one of them (item 9; CONFIG_IO_URING in config.fragment);
#  - pre-zeroing's disabled_by is "none" on x86 (no aliasing D-cache: item
#    4 is review-only beyond that); the guest kernel log stays clean.
# Part of the vm tier (tests/vm/vm-check.sh, make vm-hawkeye-order-check).
# Needs KERNEL_DIR.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
vm_guest_prereqs vm-hawkeye-order qemu-system-x86_64 busybox cpio || exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
mkdir -p "$ird"/{bin,proc,sys,dev,tmp}
if ! vm_static_bins "$ird" tests/workloads/touchset.c tests/vm/weightperm.c tests/vm/tlbspin.c tests/vm/uringzero.c; then
	fail vm-hawkeye-order "cannot link the guest binaries statically"
	exit 0
fi
cp "$(command -v busybox)" "$ird/bin/busybox"
{ cat <<'EOG'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
T=/sys/kernel/mm/transparent_hugepage; K=$T/khugepaged
echo madvise > $T/enabled
# An idle registered process keeps khugepaged's list from emptying, so
# that pause() below holds.
EOG
vm_guest_idle_registered
cat <<'EOG'
echo coverage > $K/scan_order
echo 512 > $K/pages_to_scan; echo 200 > $K/scan_sleep_millisecs
waitfor() {	# FILE PATTERN N SECONDS
	end=$(($(cut -d. -f1 /proc/uptime) + $4))
	while [ "$(grep -c "$2" $1 2>/dev/null)" -lt $3 ] 2>/dev/null || [ ! -s $1 ]; do
		[ $(cut -d. -f1 /proc/uptime) -ge $end ] && break; sleep 0.05; done
}
pidof_ts() { sed -n 's/^ready //p' $1; }
pause() { echo 600000 > $K/scan_sleep_millisecs; sleep 0.5; }
resume() { echo 200 > $K/scan_sleep_millisecs; }
run() { n=$1; shift; touchset "$@" > /tmp/$n & waitfor /tmp/$n ready 1 30; }
show() { sed "s/^/HFO: $1 /" $2; }
echo "HFO: disabled_by $(cat /sys/kernel/mm/prezero/disabled_by 2>&1)"

# Bucket edges: wait until all five coverages are measured exactly.
pause; run edge -r 49 50 499 500 512; resume; p=$(pidof_ts /tmp/edge)
i=0; while [ $i -lt 900 ]; do
	cat /proc/$p/access_map > /tmp/em
	[ "$(awk '{ print $2 }' /tmp/em | sort -n | tr '\n' ' ')" = "49 50 499 500 512 " ] && break
	sleep 0.1; i=$((i + 1))
done
echo "HFO: edge-tries $i"; show edge-map /tmp/em; show edge /tmp/edge
kill $p

# The paper's example; $2 is C's weight.
fig() {
	pause
	run $1-A -k 275 475 325
	run $1-B -k 360 480 425 380
	run $1-C -k 430 310 490 410 460
	echo $2 > /proc/$(pidof_ts /tmp/$1-C)/khugepaged_weight
	echo "HFO: $1 weights $(for x in A B C; do cat /proc/$(pidof_ts /tmp/$1-$x)/khugepaged_weight; done | tr '\n' ' ')"
	resume
	for x in A B C; do
		q=$(pidof_ts /tmp/$1-$x); n=$(grep -c '^region' /tmp/$1-$x)
		i=0; while [ $(wc -l < /proc/$q/access_map) -lt $n ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
		cat /proc/$q/access_map > /tmp/$1-$x.map
	done
	waitfor /tmp/$1-A '^huge' 3 120; waitfor /tmp/$1-B '^huge' 4 60; waitfor /tmp/$1-C '^huge' 5 60
	for x in A B C; do show "$1 $x" /tmp/$1-$x; show "$1-map $x" /tmp/$1-$x.map; kill $(pidof_ts /tmp/$1-$x); done
	sleep 0.5
}
fig fig2 1
fig fig2w 3

# Item 17: who may write a weight.
weightperm > /tmp/wp 2>&1; echo "HFO: wp-rc $?"; show wp /tmp/wp

# Item 9: an order-9 __GFP_ZERO allocation that is no THP fault (io_uring's
# rings) moves neither THP-fault counter; a THP fault moves one, by one.
P=/sys/kernel/mm/prezero
echo 1 > $P/enabled
zf() { awk '$1 == "nr_free_zeroed" { print $2 }' /proc/vmstat; }
i=0; while [ "$(zf)" -lt 2048 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo "HFO: uring-pool $(zf)"
uringzero 32768 > /tmp/uz 2>&1; echo "HFO: uring-rc $?"; show uz /tmp/uz
echo 0 > $P/enabled

# Item 11: TLB flushes of an mm per pass over it. The guest has one CPU,
# so no shootdown IPIs: khugepaged runs on tlbspin's mm lazily, and its
# flush_tlb_mm() of that mm leaves it for init_mm, a full flush traced in
# khugepaged's context (tlb:tlb_flush pages:-1); nothing else khugepaged
# does here flushes (tlbspin's regions are read-only, never collapsed).
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
TR=/sys/kernel/tracing
echo 4096 > $K/pages_to_scan; echo 50 > $K/scan_sleep_millisecs
tlbspin 64 > /tmp/spin & waitfor /tmp/spin ready 1 30; sp=$(pidof_ts /tmp/spin)
# measure_millisecs 0: one flush per pass; 100: one per window, made as it
# opens, a window per scan call of up to 64 regions
for win in 0 100; do
	echo $win > $K/measure_millisecs
	sleep 3
	echo 1 > $TR/events/tlb/tlb_flush/enable; echo 4096 > $TR/buffer_size_kb; echo > $TR/trace
	f0=$(cat $K/full_scans); sleep 12; f1=$(cat $K/full_scans)
	echo 0 > $TR/events/tlb/tlb_flush/enable
	echo "HFO: tlb$win $(grep -c 'khugepaged-[0-9].*tlb_flush: pages:-1 ' $TR/trace) $((f1 - f0)) $(wc -l < /proc/$sp/access_map) $(grep -c 'tlb_flush: pages:-1 ' $TR/trace)"
	grep -m3 'tlb_flush:' $TR/trace | sed "s/^/HFO: tlb$win-sample /"
done
kill $sp
dmesg | sed 's/^/HFKLOG: /'
echo HFO-END
reboot -f
EOG
} > "$ird/init"
chmod +x "$ird/init"
vm_run_init "$ird" 900 512M
cp "$ird.log" "$tmp/log"
[ -n "${KEEP_LOG:-}" ] && cp "$tmp/log" "$KEEP_LOG"
if ! grep -q '^HFO-END' "$tmp/log"; then
	tail -30 "$tmp/log" >&2; fail vm-hawkeye-order "the guest did not finish"; exit 0
fi
r() { sed -n "s/^HFO: $1 //p" "$tmp/log"; }

# Bucket edges
bad=
for e in "49 0" "50 1" "499 9" "500 10" "512 10"; do
	set -- $e
	b=$(r edge-map | awk -v k=$1 '$2 == k { print $3 }')
	[ "$b" = "$2" ] || bad="$bad $1:${b:-unmeasured}"
done
check "vm-hawkeye-order: access_map buckets at the edges 49 50 499 500 512 are 0 1 9 10 10${bad:+ (got$bad)} ($(r edge-map | awk '{ print $2 "->" $3 }' | tr '\n' ' '))" \
	[ -z "$bad" ]
bad=$({ r edge-map; r 'fig2w\?-map [ABC]'; } | awk '{ b = int($2 / 50); if (b > 10) b = 10; if ($3 != b) print $2 "->" $3 }' | tr '\n' ' ')
check "vm-hawkeye-order: every access_map line has bucket min(coverage / 50, 10)${bad:+ (not: $bad)}" [ -z "$bad" ]

# The collapse sequence of a run, labelled as in the paper
label() {	# RUN: "A1 B1 ..." in the order the regions became huge
	r "$1" | awk '$2 == "huge" {
		split("A 475 1 A 325 2 A 275 3 B 480 1 B 425 2 B 380 3 B 360 4 C 490 1 C 460 2 C 430 3 C 410 4 C 310 5", t, " ")
		for (i = 1; i < 45; i += 3) name[t[i] " " t[i + 1]] = t[i] t[i + 2]
		print $3, name[$1 " " $5] }' | sort -n | awk '{ printf "%s ", $2 }'
}
gaps() {	# RUN: the shortest time between two collapses, ms
	r "$1" | awk '$2 == "huge" { print $3 }' | sort -n |
		awk 'NR > 1 { d = ($1 - p) / 1e6; if (m == "" || d < m) m = d } { p = $1 } END { printf "%d", m }'
}
buckets() {	# RUN: each process's buckets as access_map shows them
	for x in A B C; do printf '%s: %s; ' $x "$(r "$1-map $x" | sort -k2,2nr | awk '{ printf "%s ", $3 }')"; done
}
check_eq "vm-hawkeye-order: the paper's example, equal weights: A1 B1 C1 C2 B2 C3 C4 B3 B4 A2 C5 A3 (buckets $(buckets fig2)shortest gap $(gaps fig2) ms)" \
	"$(label fig2)" "A1 B1 C1 C2 B2 C3 C4 B3 B4 A2 C5 A3 "
check_eq "vm-hawkeye-order: C's weight 3 goes first in each bucket it shares: C1 C2 A1 B1 C3 C4 B2 B3 B4 C5 A2 A3 (weights $(r 'fig2w weights'); shortest gap $(gaps fig2w) ms)" \
	"$(label fig2w)" "C1 C2 A1 B1 C3 C4 B2 B3 B4 C5 A2 A3 "

# Item 17
wp() { r wp | awk -v c="$1" '$1 == "case" && $2 == c { print $3, $4 }'; }
check "vm-hawkeye-order: weightperm ran (rc $(r wp-rc))" ok '[ "$(r wp-rc)" = 0 ]'
for c in "root-nonice rc=EPERM weight=1" "nice-other-uid rc=0 weight=7" "nocap-own rc=EPERM weight=1" \
	 "read-other-uid rc=EACCES weight=7" "userns-inside rc=0 weight=7" "userns-outside rc=EPERM weight=7" \
	 "exec-resets rc=0 weight=1"; do
	set -- $c
	got=$(wp $1)
	check "vm-hawkeye-order: khugepaged_weight $1: $2 $3 (got ${got:-nothing})" [ "$got" = "$2 $3" ]
done
got=$(r wp | awk '$1 == "case" && $2 == "fork-child" { print $4, $5 }')
check "vm-hawkeye-order: khugepaged_weight fork-child: the child starts at 1, the parent keeps 9 (got ${got:-nothing})" \
	[ "$got" = "weight=1 weight2=9" ]

# Item 11. The window counts the full scans completed in it, but begins
# and ends inside a pass: the flushes of one more pass may fall in it.
read -r full passes regions all <<<"$(r tlb0)"
check "vm-hawkeye-order: measure_millisecs 0: at most 2 TLB flushes by khugepaged per pass over a 64-region mm measured 8 regions per scan call ($full in $passes full scans and the partial ones at the window's ends; full flushes by any task: $all; $regions regions measured)" \
	ok '[ "${passes:-0}" -ge 2 ] && [ "${full:-999}" -le $((2 * (passes + 1))) ] && [ "${regions:-0}" -ge 60 ]'
# With a window, a flush as each opens: a window a scan call of up to 64
# regions (2 calls a pass, since the scan also charges the VMAs it skips),
# against 9 or more when a measured region cost a whole collapse (v6), and
# 64 if each region had its own.
read -r full passes regions all <<<"$(r tlb100)"
check "vm-hawkeye-order: measure_millisecs 100: at most 4 TLB flushes by khugepaged per pass over the 64-region mm, one per window of up to 64 regions ($full in $passes full scans; $regions regions measured)" \
	ok '[ "${passes:-0}" -ge 2 ] && [ "${full:-999}" -le $((4 * (passes + 1))) ] && [ "${full:-0}" -ge "$passes" ] && [ "${regions:-0}" -ge 60 ]'

# Item 9
read -r _ ufd upre uzer ualloc <<<"$(r uz | grep '^uring ')"
read -r _ tpre tzer talloc <<<"$(r uz | grep '^thp ')"
check "vm-hawkeye-order: io_uring_setup(32768) (two order-9 __GFP_ZERO rings) moves neither thp_fault_prezeroed nor thp_fault_zeroed (fd $ufd: +${upre:-?} +${uzer:-?}, thp_fault_alloc +${ualloc:-?}; pool $(r uring-pool) pages)" \
	ok '[ "${ufd:--1}" -ge 0 ] && [ "$upre" = 0 ] && [ "$uzer" = 0 ]'
check "vm-hawkeye-order: a THP fault with pre-zeroing on counts once (prezeroed +${tpre:-?}, zeroed +${tzer:-?}, thp_fault_alloc +${talloc:-?})" \
	ok '[ "$talloc" = 1 ] && [ $((tpre + tzer)) = 1 ]'

check "vm-hawkeye-order: pre-zeroing's disabled_by on x86 is none (aliasing D-caches: review-only; got $(r disabled_by))" \
	[ "$(r disabled_by)" = none ]
splat=$(sed -n 's/^HFKLOG: //p' "$tmp/log" | vm_splats | head -3)
check "vm-hawkeye-order: guest kernel log clean (lockdep, DEBUG_VM)${splat:+: $splat}" [ -z "$splat" ]
