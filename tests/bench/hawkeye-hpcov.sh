#!/usr/bin/env bash
# hpcov's CPU time to mark and read the idle bits of a 4 GiB process,
# excluding the wait. Target: <= 1 s of CPU.
#
# With /sys/kernel/mm/page_idle/bitmap (the vm kernel) this measures the
# real thing. Without it (stock kernel), hpcov runs against a sysroot whose
# /proc is the real one and whose bitmap is a regular file: that measures
# hpcov's own work (pagemap of 4 GiB twice, 1M PFNs sorted into bitmap
# words, the bitmap writes and reads) but not the kernel's side of the
# bitmap (an rmap walk per marked page), which only the vm tier can time.
set -u
BUILD=${BUILD:-build}
MIB=${MIB:-4096}
out=$(mktemp); root=$(mktemp -d)
trap 'kill $wl 2>/dev/null; rm -rf "$out" "$root"' EXIT

[ "$(id -u)" = 0 ] || { echo "SKIP: hpcov-bench: needs root"; exit 0; }
# 4 GiB of base pages (MADV_NOHUGEPAGE, all written): 1M PFNs, the worst case.
"$BUILD/workloads/thpfill" -p "$MIB" > "$out" &
wl=$!
for _ in $(seq 600); do grep -q '^ready' "$out" && break; sleep 0.1; done
mode=real
if [ ! -e /sys/kernel/mm/page_idle/bitmap ]; then
	mode=userspace-only
	mkdir -p "$root/sys/kernel/mm/page_idle"
	ln -s /proc "$root/proc"
	maxpfn=$(awk '/^MemTotal/ { print int($2 / 4 * 2) }' /proc/meminfo)  # generous
	truncate -s $((maxpfn / 8 + 4096)) "$root/sys/kernel/mm/page_idle/bitmap"
	export HAWKFETCH_SYSROOT=$root
fi
t=$( { /usr/bin/time -f "%U %S" "$BUILD/hpcov" -p "$wl" -i 0.001 -j > "$out.json"; } 2>&1 | tail -1)
cpu=$(echo "$t" | awk '{ printf "%.3f", $1 + $2 }')
regions=$(jq '.candidates | length' "$out.json")
echo "RESULT hpcov_mark_read_cpu_s=$cpu user_sys=\"$t\" size_mib=$MIB regions=$regions mode=$mode"
awk -v c="$cpu" 'BEGIN { exit !(c <= 1.0) }' && echo "PASS: hpcov-cpu-time ($mode)" ||
	echo "FAIL: hpcov-cpu-time: $cpu s of CPU > 1 s ($mode)"
rm -f "$out.json"
