#!/usr/bin/env bash
# The cost of patch 0014's slot tracepoints on a swap-out-heavy run, in
# qemu (TCG, the kernel of `make kernel`, vm_apps_run's 1 GiB guest):
# swapseq pushes 8000 pages out of a 16 MiB memory cgroup (MADV_PAGEOUT
# plus churn: every page and the churn's are swapped out, most of them
# freed again) and reads them back with a stride of 13. Configurations, interleaved over SLOTS_ROUNDS
# rounds (default 5) in one boot:
#   off       nothing attached (the tracepoints' static keys are off)
#   tp        the three slot tracepoints enabled into ftrace's ring buffer
#   fbtrace   fbtrace -o FILE -- swapseq (swap-ins only)
#   fbtrace-s fbtrace -s -o FILE -- swapseq (with the slot records)
# Each run is timed by the guest's /proc/uptime around it. Reported:
# medians of per-round ratios (tp/off, fbtrace-s/fbtrace, fbtrace-s/off)
# with their min-max, and the records each trace held. Only ratios are
# claims: absolute TCG times mean nothing.
# `make vm-bench-slots`; KERNEL_DIR from mk/kernel.mk.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../vm/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
ROUNDS=${SLOTS_ROUNDS:-5}
need_root || { echo "vm-bench-slots: needs root" >&2; exit 1; }
out=$B/vm-bench-slots
BUILD=$B vm_apps_ird vm-bench-slots "$out" fbtrace tests/workloads/swapseq.c || exit 1
{ echo '#!/bin/busybox sh'; echo "ROUNDS=$ROUNDS"; vm_guest_setup; } > "$out/ird/init"
cat >> "$out/ird/init" <<'EOG'
mkdir /sys/fs/cgroup/t && echo 16M > /sys/fs/cgroup/t/memory.max
T=/sys/kernel/tracing/events/fetchbpf
W="swapseq -c /sys/fs/cgroup/t -n 8000 -s 13"
now() { read t x < /proc/uptime; echo $t; }
run() {	# CONF: one timed run
	case $1 in
	tp) for e in swap_out swap_uncache swap_slot_free; do echo 1 > $T/fetchbpf_$e/enable; done ;;
	esac
	t0=$(now)
	case $1 in
	off|tp) $W > /tmp/out 2>&1 ;;
	fbtrace) fbtrace -o /tmp/trace -- $W > /tmp/out 2>&1 ;;
	fbtrace-s) fbtrace -s -o /tmp/trace -- $W > /tmp/out 2>&1 ;;
	esac
	t1=$(now)
	n=0; [ "${1#fbtrace}" != "$1" ] && n=$(grep -vc '^#' /tmp/trace)
	[ $1 = tp ] && n=$(grep -vc '^#' /sys/kernel/tracing/trace) &&
		for e in swap_out swap_uncache swap_slot_free; do echo 0 > $T/fetchbpf_$e/enable; done &&
		echo > /sys/kernel/tracing/trace
	grep -q '^verified 8000$' /tmp/out || echo "HFA: FAIL $1: $(tail -1 /tmp/out)"
	echo "HFA: run $r $1 $t0 $t1 $n"
}
echo 16384 > /sys/kernel/tracing/buffer_size_kb
r=0; run off	# warm-up, not counted
for r in $(seq 1 $ROUNDS); do
	for c in off tp fbtrace fbtrace-s; do run $c; done
done
mkdir -p /tmp/tr
EOG
vm_apps_run "$out" vm-bench-slots 16M || exit 1
cp "$out/guest.txt" "$out/runs.txt"
grep FAIL "$out/runs.txt" >&2
# ratio A B: median, min and max over rounds of time(A) / time(B).
ratio() {
	awk -v a="$1" -v b="$2" '$1 == "run" { t[$2, $3] = $5 - $4; if ($2 > n) n = $2 }
		END { for (r = 1; r <= n; r++) x[r] = t[r, a] / t[r, b]
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { y = x[i]; x[i] = x[j]; x[j] = y }
		      printf "%-20s median %.3f  (min %.3f, max %.3f, %d rounds)\n", a "/" b,
			n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2, x[1], x[n], n }' "$out/runs.txt"
}
ratio tp off
ratio fbtrace-s fbtrace
ratio fbtrace-s off
ratio fbtrace off
awk '$1 == "run" && $2 == 1 && $6 > 0 { printf "records in a run: %s %d\n", $3, $6 }' "$out/runs.txt"
