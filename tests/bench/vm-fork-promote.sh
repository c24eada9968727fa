#!/usr/bin/env bash
# fork() while khugepaged collapses in coverage order (issue 18 item 13), in
# a qemu guest (TCG, two CPUs) on the patched kernel.
# `make vm-bench-fork-promote`; KERNEL_DIR=DIR boots another build (the
# v4 series, say, whose next_to_promote() walked every registered mm twice
# per collapse under khugepaged_mm_lock).
#
# 2000 idle processes (sleep) are registered with khugepaged by writing
# their khugepaged_weight; one more (touchset -r) has 128 read-only regions
# with 64 pages read every 10 ms, so that every pass makes them all
# candidates and the collapse of each fails at once: khugepaged, without
# pause (scan_sleep_millisecs 0), spends its time choosing whom to promote.
# forklat, registered too, so that fork and exit take khugepaged_mm_lock,
# times FORKS forks (default 2000) with khugepaged paused, in coverage
# order and in address order: median, 99th percentile and maximum, and the
# ratio of each order's to the paused one's. Prints a table; nothing is
# asserted (timings under TCG on a shared machine).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../vm/vm-lib.sh"
cd "$(dirname "$0")/../.."
IDLE=${IDLE:-2000}
FORKS=${FORKS:-2000}
need_root || { echo "vm-fork-promote bench: needs root" >&2; exit 1; }
[ -s "${KERNEL_DIR:-/nonexistent}/bzImage" ] || { echo "no test kernel (make kernel)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
mkdir -p "$ird"/{proc,sys,dev,tmp}
vm_static_bins "$ird" tests/workloads/touchset.c tests/workloads/forklat.c || exit 1
cp "$(command -v busybox)" "$ird/bin/busybox"
cat > "$ird/init" <<EOG
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
T=/sys/kernel/mm/transparent_hugepage; K=\$T/khugepaged
echo madvise > \$T/enabled
echo 600000 > \$K/scan_sleep_millisecs; echo 4096 > \$K/pages_to_scan
i=0
while [ \$i -lt $IDLE ]; do
$(vm_guest_idle_registered)
	i=\$((i + 1))
done
touchset -r \$(seq 128 | sed 's/.*/64/') > /tmp/ro &
while ! grep -q ready /tmp/ro; do sleep 0.1; done
echo "HFB: registered \$(ls -d /proc/[0-9]* | wc -l) processes, \$(grep -c ^processor /proc/cpuinfo) CPUs"
run() {	# NAME: time the forks, and count khugepaged's passes meanwhile
	s0=\$(cat \$K/full_scans)
	echo "HFB: \$1 \$(forklat -n $FORKS) passes \$((\$(cat \$K/full_scans) - s0))"
}
run paused
for order in coverage address; do
	echo \$order > \$K/scan_order; echo 0 > \$K/scan_sleep_millisecs
	sleep 5	# a pass over every mm, and a phase of promoting begun
	run \$order
	echo 600000 > \$K/scan_sleep_millisecs; sleep 1
done
echo HFB-END
reboot -f
EOG
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz"
# Two CPUs (without ACPI the guest finds the second only as a socket): fork
# and khugepaged contend for the lock instead of taking turns.
VM_SMP=2,sockets=2 VM_TIMEOUT=1800 vm_run_initrd "$tmp/initrd.gz" "$tmp/log" 2048M ""
sed -n 's/^HFB: //p' "$tmp/log" > "$tmp/r"
grep -q '^address forks' "$tmp/r" || { tail -20 "$tmp/log" >&2; echo "the guest did not finish" >&2; exit 1; }
echo "kernel $(basename "$KERNEL_DIR"), $(sed -n 's/^registered //p' "$tmp/r"), $FORKS forks each"
# NAME forks N MEDIAN P99 MAX passes P
awk '$2 == "forks" { m[$1] = $4; p[$1] = $5
	printf "fork, khugepaged %-9s median %6d us, p99 %6d us, max %6d us, %4d passes meanwhile", $1, $4, $5, $6, $8
	if ($1 != "paused" && m["paused"]) printf "; over paused: median %.2f, p99 %.2f", $4 / m["paused"], $5 / p["paused"]
	printf "\n" }' "$tmp/r"
