#!/usr/bin/env bash
# Replay's `readahead` against the running (stock) kernel's own swap
# readahead, on the real programs of tests/bench/vm-apps.sh: each runs
# under fbtrace in a memory cgroup over a swap file with page-cluster 3;
# the kernel's /proc/vmstat swap_ra / swap_ra_hit deltas are set beside
# `fbload -j -r TRACE readahead`. Also says which readahead the kernel
# used: cluster readahead (by swap offset, when any swap device is
# rotational) or VMA readahead (by virtual address).
# Root, host, not part of make check. Output: build/host-readahead-file.txt
# (or -loop.txt) and each program's trace beside it.
# Environment: RA_PROGS (default: sort perl sqlite zstd), RA_MEMMAX (16M),
# RA_CLUSTER (page-cluster, default 3; 0 reads nothing ahead, so any
# swap_ra_hit left counts PG_reclaim, which PG_readahead aliases),
# RA_SWAP=loop (swap on a non-rotational loop device: VMA readahead).
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
PROGS=${RA_PROGS:-sort perl sqlite zstd}
need_root || { echo "host-readahead: needs root" >&2; exit 1; }
hf_swap_setup 1024 "${RA_MEMMAX:-16M}" || { echo "host-readahead: cannot set up swap and a memory cgroup" >&2; exit 1; }
echo "${RA_CLUSTER:-3}" > /proc/sys/vm/page-cluster
# RA_SWAP=loop: swap on a loop device over the swap file, marked
# non-rotational, so that the kernel uses VMA readahead (the algorithm of
# replay's readahead policy) instead of cluster readahead.
if [ "${RA_SWAP:-file}" = loop ]; then
	swapoff "$HF_TMP/swap"
	RA_LOOP=$(losetup -f --show "$HF_TMP/swap") || exit 1
	trap 'swapoff "$RA_LOOP"; losetup -d "$RA_LOOP"; hf_swap_teardown' EXIT
	echo 0 > /sys/block/$(basename "$RA_LOOP")/queue/rotational
	mkswap -q "$RA_LOOP" > /dev/null && swapon "$RA_LOOP" || exit 1
fi
# memory.high as in vm-apps.sh (throttled, never OOM-killed)
echo max > "$HF_CG/memory.max"; echo "${RA_MEMMAX:-16M}" > "$HF_CG/memory.high"
A=tests/bench/apps
perl $A/gen.pl sort 10 "$HF_TMP/sort.in"
perl $A/gen.pl text 24 "$HF_TMP/text.in"
cmd() {
	case $1 in
	sort) echo "sort -S 40M --parallel=1 -o /dev/null $HF_TMP/sort.in" ;;
	perl) echo "perl $A/hash.pl 32000" ;;
	sqlite) echo "sqlite3 :memory: < $A/db.sql" ;;
	zstd) echo "zstd -q -3 --long=27 -T1 -c $HF_TMP/text.in > /dev/null" ;;
	esac
}
vms() { awk -v k=$1 '$1 == k { print $2 }' /proc/vmstat; }
# The whole disk under a block device or a file's file system.
disk_of() {
	local s=$1 pk
	[ -b "$s" ] || s=$(df --output=source "$s" | tail -1)
	pk=$(lsblk -no pkname "$s" 2>/dev/null | head -1)
	echo "${pk:-$(basename "$s")}"
}
rot=$(cat /sys/block/$(disk_of "$HF_TMP/swap")/queue/rotational 2>/dev/null)
# 6.12 and later: VMA readahead only when no swap device is rotational.
ra=VMA
for d in $(swapon --show=NAME --noheadings); do
	[ "$(cat /sys/block/$(disk_of "$d")/queue/rotational 2>/dev/null)" = 1 ] && ra=cluster
done
[ "$(cat /sys/kernel/mm/swap/vma_ra_enabled)" = true ] || ra=cluster
out=$B/host-readahead-${RA_SWAP:-file}.txt
{
echo "# kernel $(uname -r), page-cluster $(cat /proc/sys/vm/page-cluster), vma_ra_enabled $(cat /sys/kernel/mm/swap/vma_ra_enabled), swap file on a disk with rotational=${rot:-?}: $ra readahead"
printf '%-7s %7s %7s %7s %7s %6s %6s | %7s %7s %6s %6s | %7s %7s %6s\n' program swapins majflt k_ra k_hit k_acc k_cov r_pref r_hits r_acc r_cov a_pref a_hits a_acc
for P in $PROGS; do
	sync; echo 3 > /proc/sys/vm/drop_caches
	a_ra=$(vms swap_ra); a_rh=$(vms swap_ra_hit)
	a_maj=$(awk '$1 == "pgmajfault" { print $2 }' "$HF_CG/memory.stat")
	$B/fbtrace -a -o "$HF_TMP/tr.$P" -- sh -c "echo \$\$ > $HF_CG/cgroup.procs; { $(cmd $P); } > /dev/null 2>&1" > /dev/null 2>&1
	b_ra=$(vms swap_ra); b_rh=$(vms swap_ra_hit)
	b_maj=$(awk '$1 == "pgmajfault" { print $2 }' "$HF_CG/memory.stat")
	cp "$HF_TMP/tr.$P" "$B/host-readahead-${RA_SWAP:-file}.$P.trace"
	sw=$(awk '!/^#/ && $5 == "swapin"' "$HF_TMP/tr.$P" | wc -l)
	read -r rf rp rh < <($B/fbload -j -r "$HF_TMP/tr.$P" readahead | jq -r '.policies[0] | "\(.faults) \(.prefetched) \(.hits)"')
	read -r af ap ah < <($B/fbload -a -j -r "$HF_TMP/tr.$P" readahead | jq -r '.policies[0] | "\(.faults) \(.prefetched) \(.hits)"')
	awk -v p=$P -v sw=$sw -v maj=$((b_maj - a_maj)) -v kra=$((b_ra - a_ra)) -v krh=$((b_rh - a_rh)) \
		-v rf="$rf" -v rp="$rp" -v rh="$rh" -v af="$af" -v ap="$ap" -v ah="$ah" 'function r(a, b) { return b ? sprintf("%.3f", a / b) : "-" }
		BEGIN { printf "%-7s %7d %7d %7d %7d %6s %6s | %7d %7d %6s %6s | %7d %7d %6s\n", p, sw, maj, kra, krh,
			r(krh, kra), r(krh, sw), rp, rh, r(rh, rp), r(rh, rf), ap, ah, r(ah, ap) }'
done
} | tee "$out"
