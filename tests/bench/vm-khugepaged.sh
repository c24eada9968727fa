#!/usr/bin/env bash
# khugepaged in address and coverage order (kernel-patches 0011-0013), in
# a qemu guest (TCG) on the patched kernel. `make vm-bench-khugepaged`.
#  1. Scan cost: a 256 MiB read-only workload (128 regions, 64 pages read
#     in each; read-only, so no region ever collapses), khugepaged without
#     pause (pages_to_scan 4096, scan_sleep_millisecs 0) for BENCH_SECS
#     seconds in each order: its CPU time per GiB of full scans. In
#     coverage order a full scan measures every region and then tries each
#     once (the try fails on the read-only PTEs).
#  2. Time to huge: 64 regions, the 8 at the highest addresses hot (all
#     512 pages read every 10 ms), the 56 below them never read after
#     being written; pages_to_scan 4096, a pass every second: the time
#     until the 8 hot regions are all huge, and how many cold regions were
#     collapsed by then, in each order.
#  3. Saturation (issue 18 item 10): a hot 64 MiB inside 512 MiB: 32 hot
#     regions (all 512 pages read every 10 ms) above 224 cold ones, every
#     page of which is read once every SWEEP_MS (default 500) ms, a slice
#     per 10 ms tick (ticks are slower under TCG); pages_to_scan 4096,
#     scan_sleep_millisecs 100. In address order, in coverage order with
#     the window of one pass (measure_millisecs 0: a pass of 32 wakes
#     lasts long enough to find every cold page used, so hot and cold
#     share bucket 10 and the lower addresses go first) and with a 100 ms
#     window (the default): when the first region, the first hot region
#     and the last hot region became huge, and how many cold regions had
#     by then.
# Prints a table; nothing is asserted (timings under TCG on a shared
# machine). Needs KERNEL_DIR (mk/kernel.mk).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../vm/vm-lib.sh"
cd "$(dirname "$0")/../.."
SECS=${BENCH_SECS:-20}
SWEEP=${SWEEP_MS:-500}
need_root || { echo "vm-khugepaged bench: needs root" >&2; exit 1; }
[ -s "${KERNEL_DIR:-/nonexistent}/bzImage" ] || { echo "no test kernel (make kernel)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
mkdir -p "$ird"/{bin,proc,sys,dev,tmp}
gcc -O2 -static -o "$ird/bin/touchset" tests/workloads/touchset.c || exit 1
cp "$(command -v busybox)" "$ird/bin/busybox"
cat > "$ird/init" <<EOG
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
T=/sys/kernel/mm/transparent_hugepage; K=\$T/khugepaged
echo madvise > \$T/enabled
# A weight registers an idle process with khugepaged, so that its list is
# never empty and a new process does not wake it: pause() below holds.
# (Not /init: khugepaged would register every process it forks.)
$(vm_guest_idle_registered)
for d in /proc/[0-9]*; do [ "\$(cat \$d/comm)" = khugepaged ] && kh=\${d#/proc/}; done
cpu() { awk '{ print \$14 + \$15 }' /proc/\$kh/stat; }	# clock ticks
up() { cut -d' ' -f1 /proc/uptime; }
pause() { echo 600000 > \$K/scan_sleep_millisecs; sleep 0.5; }
waitfor() {
	end=\$((\$(cut -d. -f1 /proc/uptime) + \$4))
	while [ "\$(grep -c "\$2" \$1 2>/dev/null)" -lt \$3 ] 2>/dev/null || [ ! -s \$1 ]; do
		[ \$(cut -d. -f1 /proc/uptime) -ge \$end ] && break; sleep 0.05; done
}
for order in address coverage; do
	echo \$order > \$K/scan_order
	pause; echo 4096 > \$K/pages_to_scan
	touchset -r \$(seq 128 | sed 's/.*/64/') > /tmp/ro & waitfor /tmp/ro ready 1 60
	echo 0 > \$K/scan_sleep_millisecs; sleep 2
	s0=\$(cat \$K/full_scans); c0=\$(cpu); t0=\$(up)
	sleep $SECS
	echo "HFB: scan \$order \$((\$(cat \$K/full_scans) - s0)) \$((\$(cpu) - c0)) \$(awk -v a=\$t0 -v b=\$(up) 'BEGIN { print b - a }')"
	pause; kill \$(sed -n 's/^ready //p' /tmp/ro); sleep 1

	touchset -k \$(seq 8 | sed 's/.*/512/') \$(seq 56 | sed 's/.*/0/') > /tmp/hot &
	waitfor /tmp/hot ready 1 60
	t0=\$(up); echo 1000 > \$K/scan_sleep_millisecs
	waitfor /tmp/hot '^huge .* 512\$' 8 300
	t1=\$(up)
	echo "HFB: huge \$order \$(awk -v a=\$t0 -v b=\$t1 'BEGIN { print b - a }') \$(grep -c '^huge .* 512\$' /tmp/hot) \$(grep -c '^huge .* 0\$' /tmp/hot)"
	pause; kill \$(sed -n 's/^ready //p' /tmp/hot); sleep 1
done
for conf in address:100 coverage:0 coverage:100; do
	echo \${conf%:*} > \$K/scan_order; echo \${conf#*:} > \$K/measure_millisecs
	pause; echo 4096 > \$K/pages_to_scan
	touchset -k -w $SWEEP \$(seq 32 | sed 's/.*/512/') \$(seq 224 | sed 's/.*/0/') > /tmp/sat &
	waitfor /tmp/sat ready 1 120
	t0=\$(up); echo 100 > \$K/scan_sleep_millisecs
	waitfor /tmp/sat '^huge .* 512\$' 32 400
	last=\$(grep '^huge .* 512\$' /tmp/sat | tail -1 | cut -d' ' -f2)
	echo "HFB: sat \$conf \$t0 \$(grep '^huge' /tmp/sat | head -1 | cut -d' ' -f2)" \\
		"\$(grep '^huge .* 512\$' /tmp/sat | head -1 | cut -d' ' -f2) \${last:-0}" \\
		"\$(grep -c '^huge .* 512\$' /tmp/sat)" \\
		"\$(awk -v l=\${last:-0} '\$1 == "huge" && \$4 == 0 && \$2 <= l' /tmp/sat | wc -l)"
	pause; kill \$(sed -n 's/^ready //p' /tmp/sat); sleep 1
done
echo HFB-END
reboot -f
EOG
chmod +x "$ird/init"
vm_run_init "$ird" 2400 1024M
sed -n 's/^HFB: //p' "$ird.log" > "$tmp/r"
grep -q '^huge coverage' "$tmp/r" || { tail -20 "$ird.log" >&2; echo "the guest did not finish" >&2; exit 1; }
hz=100	# USER_HZ: /proc/PID/stat's clock ticks
awk -v hz=$hz '
$1 == "scan" { gib = $3 * 0.25; cost[$2] = gib ? $4 / hz / gib : 0
	printf "scan cost, %-8s %5d full scans of 256 MiB in %5.1f s, khugepaged CPU %6.2f s: %.3f s per GiB\n",
		$2, $3, $5, $4 / hz, cost[$2] }
$1 == "huge" { printf "time to huge, %-8s %6.1f s for the 8 hot regions (%d huge), %d of 56 cold regions collapsed by then\n",
		$2, $3, $4, $5; t[$2] = $3 }
END { if (cost["address"]) printf "scan cost per GiB, coverage / address: %.2f\n", cost["coverage"] / cost["address"]
	if (t["address"]) printf "time to huge, coverage / address: %.2f\n", t["coverage"] / t["address"] }' "$tmp/r"
# sat CONF T0 FIRST_NS FIRST_HOT_NS LAST_HOT_NS HOT_HUGE COLD_BY_THEN
awk '$1 == "sat" { split($2, c, ":"); name = c[1] (c[1] == "coverage" ? ", window " (c[2] ? c[2] " ms" : "one pass") : "")
	printf "hot 64 MiB in 512 MiB, %-28s first huge %6.1f s, first hot %6.1f s, all hot %6.1f s (%d of 32), %3d of 224 cold huge by then\n",
		name, $4 / 1e9 - $3, $5 ? $5 / 1e9 - $3 : -1, $6 ? $6 / 1e9 - $3 : -1, $7, $8 }' "$tmp/r"
