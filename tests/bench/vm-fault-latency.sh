#!/bin/bash
# Per-swap-in-fault latency under FetchBPF policies, in qemu (TCG).
# BENCH_BOOTS times (default 2), in turn:
#   - a boot of the patched kernel running, interleaved over BENCH_ROUNDS
#     rounds: no policy, native next_n, BPF next_n, native leap, and BPF
#     leap (bpf/policies/leap.bpf.c, as fbload attaches it; needs `make`);
#   - a boot of the patched kernel running only the no-policy rounds;
#   - a boot of the same config without the series running the same.
# Latency drifts with the number of trials a boot has run (swap space and
# LRU state age), so patched and unpatched are compared on boots that ran
# the same trials.
# Each round swaps a 1024-page region out and times the first touch of
# every page (all touches, and the major faults among them).
# Ratios are medians over rounds of per-round ratios, pairing rounds that
# ran next to each other (same boot and round for BPF/native; same boot
# index and round for patched/unpatched), so that slow drift of the host
# cancels out. Only ratios are claims: absolute TCG times mean nothing.
# Environment: KERNEL_DIR, KERNEL_BASE_DIR (see mk/kernel.mk),
# BENCH_ROUNDS (default 9), BENCH_BOOTS (default 2).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
. "$root/tests/vm/vm-lib.sh"

rounds=${BENCH_ROUNDS:-9}
boots=${BENCH_BOOTS:-2}
# one vCPU: the workload is single-threaded, and a second TCG thread only
# competes with it for the host's cores
export VM_SMP=${VM_SMP:-1}
leap_obj=$root/${BUILD:-build}/bpf/policies/leap.kern.bpf.o
confs=none,native:next_n,bpf:bpf_next_n,native:leap
if [ -s "$leap_obj" ]; then
	export VM_EXTRA_BPF="${VM_EXTRA_BPF:-} $leap_obj"
	confs=$confs,bpf:fb_ops@leap.kern.bpf.o
else
	skip vm-bench-bpf-leap "$leap_obj not built (make)"
fi
vm_prepare || exit 1
have_base=0
if [ -n "${KERNEL_BASE_DIR:-}" ] && [ -s "$KERNEL_BASE_DIR/bzImage" ]; then
	have_base=1
else
	skip vm-bench-unpatched "no unpatched kernel (make kernel-unpatched)"
fi

out=$VM_BUILD/bench.txt
: > "$out"
failed=0
for b in $(seq 1 "$boots"); do
	vm_boot bench "hf.mode=bench hf.rounds=$rounds hf.confs=$confs" || true
	vm_report bench >/dev/null || { vm_report bench; exit 1; }
	sed -n "s/^HFVM: \(ROUND\|BENCH\) /\1 p$b /p" "$VM_BUILD/bench.log.clean" >> "$out"
	if [ $have_base = 1 ]; then
		vm_boot bench-none "hf.mode=bench hf.rounds=$rounds hf.confs=none" || true
		vm_report bench-none >/dev/null || { vm_report bench-none; exit 1; }
		sed -n "s/^HFVM: \(ROUND\|BENCH\) /\1 q$b /p" "$VM_BUILD/bench-none.log.clean" |
			sed 's/ none / patched-only-none /' >> "$out"
		vm_boot bench-base "hf.mode=bench hf.rounds=$rounds hf.confs=none" \
			"$KERNEL_BASE_DIR/bzImage" || true
		vm_report bench-base >/dev/null || { vm_report bench-base; exit 1; }
		sed -n "s/^HFVM: \(ROUND\|BENCH\) /\1 u$b /p" "$VM_BUILD/bench-base.log.clean" |
			sed 's/ none / unpatched /' >> "$out"
	fi
done
pass vm-bench-boots

# ROUND <boot> <round> <conf> median_all_ns <a> median_major_ns <m>
# BENCH <boot> <conf> median_all_ns <a> median_major_ns <m> n_all n_major ... pswpin <p> swap_ra <r> swap_ra_hit <h>
awk -v rounds="$rounds" -v boots="$boots" '
function med(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
	return n ? (n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2) : 0
}
/^ROUND/ {
	b = substr($2, 2); kind = substr($2, 1, 1)
	conf = $4
	A[b, $3, conf] = $6; M[b, $3, conf] = $8; confs[conf] = 1
}
/^BENCH/ { nmaj[$3] += $11; ctr[$3] = $13 " " $15 " " $17 }
function ratios(what, num, den, target,   b, k, na, nm, ra, rm, a, m) {
	na = nm = 0
	for (b = 1; b <= boots; b++)
		for (k = 0; k < rounds; k++) {
			if (!((b, k, num) in A) || !((b, k, den) in A)) continue
			if (A[b, k, den] > 0) ra[++na] = A[b, k, num] / A[b, k, den]
			if (M[b, k, den] > 0 && M[b, k, num] > 0) rm[++nm] = M[b, k, num] / M[b, k, den]
		}
	if (!na) return
	a = med(ra, na); m = med(rm, nm)
	printf "# ratio %s: all-touches %.3f, major-faults %.3f over %d paired rounds (target <= %s: %s)\n", \
		what, a, m, na, target, (m <= target && a <= target) ? "met" : "not met"
}
END {
	base = ("unpatched" in confs) ? "unpatched" : "none"
	printf "# per-fault latency, median over rounds of the per-round median, relative to %s:\n", base
	for (c in confs) {
		na = 0; delete xa; delete xm
		for (b = 1; b <= boots; b++)
			for (k = 0; k < rounds; k++)
				if ((b, k, c) in A && (b, k, base) in A && A[b, k, base] > 0 && M[b, k, base] > 0) {
					++na; xa[na] = A[b, k, c] / A[b, k, base]; xm[na] = M[b, k, c] / M[b, k, base]
				}
		printf "#   %-16s all-touches %.3f  major-faults %.3f  (%d major faults; pswpin swap_ra swap_ra_hit of the last boot: %s)\n", \
			c, med(xa, na), med(xm, na), nmaj[c], ctr[c]
	}
	ratios("BPF next_n / native next_n", "bpf:bpf_next_n", "native:next_n", "1.05")
	ratios("BPF leap / native leap", "bpf:fb_ops@leap.kern.bpf.o", "native:leap", "1.05")
	ratios("patched no policy / unpatched", "patched-only-none", "unpatched", "1.01")
}' "$out" | tee "$VM_BUILD/bench-summary.txt"
pass vm-bench-fault-latency

# With no policy the patched kernel must swap in like the unpatched one:
# same pswpin, swap_ra and swap_ra_hit for the same workload, within 1%
# (pages other than the region's that reclaim pushes out add some noise).
if [ $have_base = 1 ]; then
	p=$(awk '$1 == "BENCH" && $2 == "q1" && $3 == "patched-only-none" { print $13, $15, $17 }' "$out")
	u=$(awk '$1 == "BENCH" && $2 == "u1" && $3 == "unpatched" { print $13, $15, $17 }' "$out")
	if [ -n "$p" ] && [ -n "$u" ] && awk -v p="$p" -v u="$u" 'BEGIN {
		split(p, a); split(u, b)
		for (i = 1; i <= 3; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > b[i] / 100) exit 1 }
		exit 0 }'; then
		pass vm-bench-no-policy-counters-match-unpatched
	else
		fail vm-bench-no-policy-counters-match-unpatched "patched: $p, unpatched: $u (pswpin swap_ra swap_ra_hit)"
		failed=1
	fi
fi
exit $failed
