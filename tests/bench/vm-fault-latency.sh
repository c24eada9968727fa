#!/bin/bash
# Per-swap-in-fault latency under FetchBPF policies, in qemu (TCG).
#   1. one boot of the patched kernel: no policy, native next_n, BPF
#      next_n, native leap, interleaved over BENCH_ROUNDS rounds;
#   2. one boot of the same config without the series: no policy.
# Reports medians and ratios only: absolute TCG times mean nothing.
# Environment: KERNEL_DIR, KERNEL_BASE_DIR (see mk/kernel.mk),
# BENCH_ROUNDS (default 7).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
. "$root/tests/vm/vm-lib.sh"

rounds=${BENCH_ROUNDS:-7}
vm_prepare || exit 1
confs=none,native:next_n,bpf:bpf_next_n,native:leap
vm_boot bench "hf.mode=bench hf.rounds=$rounds hf.confs=$confs" || true
vm_report bench || exit 1
grep '^HFVM: BENCH' "$VM_BUILD/bench.log.clean" | sed 's/^HFVM: //' > "$VM_BUILD/bench.txt"

if [ -n "${KERNEL_BASE_DIR:-}" ] && [ -s "$KERNEL_BASE_DIR/bzImage" ]; then
	vm_boot bench-base "hf.mode=bench hf.rounds=$rounds hf.confs=none" \
		"$KERNEL_BASE_DIR/bzImage" || true
	vm_report bench-base || exit 1
	grep '^HFVM: BENCH' "$VM_BUILD/bench-base.log.clean" |
		sed 's/^HFVM: BENCH none/BENCH unpatched:none/' >> "$VM_BUILD/bench.txt"
else
	skip vm-bench-unpatched "no unpatched kernel (make kernel-unpatched)"
fi

awk -v rounds="$rounds" '
/^BENCH/ { all[$2] = $4; maj[$2] = $6; nmaj[$2] = $10; ctr[$2] = $12 " " $14 " " $16 }
function ratio(a, b) { return b > 0 ? sprintf("%.3f", a / b) : "n/a" }
function line(what, a, b, target,   r1, r2) {
	if (!(a in all) || !(b in all)) return
	r1 = ratio(all[a], all[b]); r2 = ratio(maj[a], maj[b])
	printf "# ratio %s: all-touches %s, major-faults %s (target <= %s: %s)\n", \
		what, r1, r2, target, (r2 != "n/a" && r2 <= target) ? "met" : "not met"
}
END {
	printf "# per-fault latency medians over %d rounds, relative to the unpatched kernel with no policy (=1.000):\n", rounds
	base = ("unpatched:none" in all) ? "unpatched:none" : "none"
	for (c in all)
		printf "#   %-16s all-touches %s  major-faults %s  (%d major faults; pswpin swap_ra swap_ra_hit: %s)\n", c, \
			ratio(all[c], all[base]), ratio(maj[c], maj[base]), nmaj[c], ctr[c]
	line("BPF next_n / native next_n", "bpf:bpf_next_n", "native:next_n", "1.05")
	line("patched no policy / unpatched", "none", "unpatched:none", "1.01")
}' "$VM_BUILD/bench.txt" | tee "$VM_BUILD/bench-summary.txt"
pass vm-bench-fault-latency

# With no policy the patched kernel must swap in exactly as the unpatched
# one: same pswpin, swap_ra and swap_ra_hit for the same workload.
p=$(awk '$2 == "none" { print $12, $14, $16 }' "$VM_BUILD/bench.txt")
u=$(awk '$2 == "unpatched:none" { print $12, $14, $16 }' "$VM_BUILD/bench.txt")
if [ -n "$u" ]; then
	if [ "$p" = "$u" ]; then
		pass vm-bench-no-policy-counters-match-unpatched
	else
		fail vm-bench-no-policy-counters-match-unpatched "patched: $p, unpatched: $u (pswpin swap_ra swap_ra_hit)"
	fi
fi
