#!/usr/bin/env bash
# Pre-zeroing benchmark, in one boot of the patched kernel under qemu (TCG):
#  1. per-fault latency of first-touching 64 2 MiB regions, pre-zeroing off
#     vs on with a filled pool, as a ratio of medians;
#  2. HawkEye's Table 1 workload: touch one byte of every 4 KiB page of
#     128 MiB, then free it: 4 KiB pages vs THP vs THP with pre-zeroing;
#  3. zeroing throughput (zero_now_kbytes, in the writer's context) with
#     cached stores and with non-temporal stores.
# TCG emulates no caches and translates every store: report ratios, and
# treat the absolute times as emulated. `make vm-prezero-bench`;
# BENCH_LOG=FILE keeps the guest's output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../vm/vm-lib.sh"
cd "$(dirname "$0")/../.."
[ -s "${KERNEL_DIR:-/nonexistent}/bzImage" ] || { echo "vm-prezero: no kernel (make kernel)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ird"/{proc,sys,dev,tmp}
vm_static_bins "$tmp/ird" tests/workloads/thpzero.c || exit 1
cp "$(command -v busybox)" "$tmp/ird/bin/busybox"
install -m 755 tests/vm/prezero-guest.sh "$tmp/ird/init"
(cd "$tmp/ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz"
VM_TIMEOUT=${VM_TIMEOUT:-1800} vm_run_initrd "$tmp/initrd.gz" "$tmp/log" 1G "hf.mode=bench"
grep -q '^HFZ-END' "$tmp/log" || { tail -20 "$tmp/log" >&2; echo "vm-prezero: guest did not finish" >&2; exit 1; }
[ -n "${BENCH_LOG:-}" ] && cp "$tmp/log" "$BENCH_LOG"	# the guest's raw output
f=$tmp/facts
sed -n 's/^HFZ: //p' "$tmp/log" > "$f"

# field TAG KEY: KEY's values in TAG's round lines, one per line
field() { awk -v t="$1" -v k="$2" '$1 == t && $2 == "round" { for (i = 4; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$f"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
off=$(field off fault_ns_median | median)
on=$(field on fault_ns_median | median)
echo "1. first touch of a 2 MiB region (median of round medians, 64 regions/round)"
served() {	# TAG: "prezeroed/all" THP faults of a scenario
	awk -v t="$1" '$1 == t && $2 == "faults" { p += $4; z += $6 } END { printf "%d/%d", p, p + z }' "$f"
}
printf '   off %8d ns   on (pool filled) %8d ns   off/on %.2f   (pre-zeroed faults: off %s, on %s)\n' \
	"$off" "$on" "$(awk -v a="$off" -v b="$on" 'BEGIN { print b ? a / b : 0 }')" "$(served off)" "$(served on)"
echo "2. HawkEye Table 1: touch each 4 KiB page of 128 MiB once"
printf '   %-12s %8s %14s %12s %10s\n' config faults fault_time_ms run_ms prezeroed
for t in t1_4k:"4 KiB" t1_thp:THP t1_prezero:"THP+prezero"; do
	tag=${t%%:*}
	[ "$tag" = t1_4k ] && faults=$((64 * 512)) || faults=64
	ft=$(field "$tag" fault_ns_total | head -1); rt=$(field "$tag" run_ns | head -1)
	printf '   %-12s %8d %14.1f %12.1f %10s\n' "${t#*:}" "$faults" \
		"$(awk -v x="$ft" 'BEGIN { print x / 1e6 }')" "$(awk -v x="$rt" 'BEGIN { print x / 1e6 }')" "$(served "$tag")"
done
echo "3. zeroing throughput in the writer's context (zero_now_kbytes)"
for nt in 0 1; do
	awk -v t="zero_nt$nt" '$1 == t && $2 == "pages" { p += $3 } $1 == t && $2 == "zero_now" { ns += $6 }
		END { printf "   %-14s %6.2f GB/s (%d MiB in %.0f ms, emulated)\n",
			t == "zero_nt0" ? "cached" : "non-temporal", ns ? p * 4096 / ns : 0, p / 256, ns / 1e6 }' "$f"
done
