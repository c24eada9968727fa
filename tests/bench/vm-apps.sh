#!/usr/bin/env bash
# FetchBPF on real programs from Debian, in the patched kernel under qemu
# (TCG): `make vm-bench-apps`. Four programs with different access
# patterns run in a memory cgroup (memory.high $APPS_MEMMAX) over a virtio
# swap disk, each once per configuration:
#   none       no policy: the kernel's own swap readahead (page-cluster 3)
#   native     the kernel's native Leap (native_policy = leap)
#   leap stride next readahead streams   BPF policies attached with fbload -A
# Every run is traced by fbtrace; replay (`fbload -j -r TRACE POLICY`, on
# the host, from the guest's trace) predicts the run's policy (readahead
# for none, leap for native).
# Per run: elapsed time (the program alone, /proc/uptime), major faults
# (the cgroup's pgmajfault), swap-in faults (fbtrace's swapin records),
# the kernel's prefetched pages and prefetch hits (/proc/vmstat swap_ra,
# swap_ra_hit: every policy's reads and the native readahead's count
# there), and the FetchBPF counters of the policy (stats).
#   accuracy = swap_ra_hit / swap_ra      coverage = swap_ra_hit / swap-in faults
# Results: build/vm-apps/results.txt (raw), build/vm-apps/table.txt.
# Not part of make check. Needs root, qemu-system-x86_64, busybox-static,
# the kernel of `make kernel` (KERNEL_DIR), sqlite3, perl, zstd, coreutils.
# Environment: APPS_PROGS, APPS_CONFIGS (subsets), APPS_MEMMAX (default 16M).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../vm/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
PROGS=${APPS_PROGS:-sort perl sqlite zstd}
CONFIGS=${APPS_CONFIGS:-none native leap stride next readahead streams}
MEMMAX=${APPS_MEMMAX:-16M}
OUT=$B/vm-apps
need_root || { echo "vm-bench-apps: needs root" >&2; exit 1; }
for t in qemu-system-x86_64 busybox cpio perl sqlite3 zstd sort jq; do
	command -v $t >/dev/null || { echo "vm-bench-apps: $t missing (make deps)" >&2; exit 1; }
done
BUILD=$B vm_apps_ird vm-bench-apps "$OUT" fbload fbtrace || exit 1
ird=$OUT/ird
# The Debian programs and their shared libraries (and the dynamic loader).
vm_copy_progs "$ird" sort perl sqlite3 zstd
A=tests/bench/apps
perl $A/gen.pl sort 10 "$ird/data/sort.in"
perl $A/gen.pl text 24 "$ird/data/text.in"
cp $A/hash.pl $A/db.sql "$ird/data/"

cat > "$ird/init" <<EOG
#!/bin/busybox sh
PROGS="$PROGS"
CONFIGS="$CONFIGS"
MEMMAX=$MEMMAX
EOG
vm_guest_setup >> "$ird/init"
cat >> "$ird/init" <<'EOG'
echo 3 > /proc/sys/vm/page-cluster
S=/sys/kernel/mm/fetchbpf
echo "HFA: info rotational $(cat /sys/block/vda/queue/rotational) page_cluster $(cat /proc/sys/vm/page-cluster) vma_ra $(cat /sys/kernel/mm/swap/vma_ra_enabled) memmax $MEMMAX"
EOG
vm_app_setup >> "$ird/init"
cat >> "$ird/init" <<'EOG'
vms() { awk -v k=$1 '$1 == k { print $2 }' /proc/vmstat; }
cgs() { awk -v k=$1 '$1 == k { print $2 }' /sys/fs/cgroup/t/memory.stat; }
fbs() {	# POLICY COUNTER: the kernel's counter if POLICY is the one attached last
	if [ "$(cat $S/stats/policy)" = "$1" ]; then cat $S/stats/$2; else echo 0; fi
}
snap() {	# PREFIX POLICYNAME: shell variables PREFIX_*
	eval "$1_ra=$(vms swap_ra) $1_rh=$(vms swap_ra_hit) $1_in=$(vms pswpin) $1_out=$(vms pswpout)"
	eval "$1_maj=$(cgs pgmajfault) $1_f=$(fbs $2 faults) $1_p=$(fbs $2 prefetched) $1_h=$(fbs $2 hits)"
}
for P in $PROGS; do
	for C in $CONFIGS; do
		case $C in
		none) pol=none; echo none > $S/native_policy ;;
		native) pol=leap; echo leap > $S/native_policy ;;
		*) pol=bpf_$C
		   if ! fbload -A $C > /tmp/attach 2>&1; then
			echo "HFA: FAIL attach $C: $(cat /tmp/attach)"
			fbload -v -A $C 2>&1 | tail -40 | sed "s/^/HFA: verifier /"
		   fi ;;
		esac
		sync; echo 3 > /proc/sys/vm/drop_caches
		snap a $pol
		fbtrace -o /tmp/tr/$P.$C -- sh -c "echo \$\$ > /sys/fs/cgroup/t/cgroup.procs
			read t0 x < /proc/uptime; { $(cmd $P); } > /tmp/out 2>&1; rc=\$?
			read t1 x < /proc/uptime; echo \$rc \$t0 \$t1 > /tmp/time" > /tmp/fbtrace.out 2>&1
		snap b $pol
		case $C in
		none|native) echo none > $S/native_policy ;;
		*) fbload --detach > /dev/null 2>&1 ;;
		esac
		read rc t0 t1 < /tmp/time
		echo "HFA: run $P $C rc $rc t0 $t0 t1 $t1 swap_ra $((b_ra - a_ra)) swap_ra_hit $((b_rh - a_rh)) pswpin $((b_in - a_in)) pswpout $((b_out - a_out)) pgmajfault $((b_maj - a_maj)) fb_faults $((b_f - a_f)) fb_prefetched $((b_p - a_p)) fb_hits $((b_h - a_h))"
		[ "$rc" = 0 ] || sed "s/^/HFA: out $P $C /" /tmp/out | head -5
		grep -i lost /tmp/fbtrace.out | sed "s/^/HFA: fbtrace $P $C /"
	done
done
EOG
start=$(date +%s)
echo "vm-bench-apps: booting the guest: $PROGS x $CONFIGS (memory.high $MEMMAX)" >&2
vm_apps_run "$OUT" vm-bench-apps 768M || exit 1
grep -E '^(FAIL|out|fbtrace)' "$OUT/guest.txt" >&2

# Replay of each run's trace, on the host; the raw numbers per run. The
# no-policy runs are also replayed through a model of the kernel's cluster
# readahead by swap slot (tests/bench/apps/cluster.bpf.c), the algorithm a
# rotational swap device gets.
for m in "" -DFB_REPLAY; do
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibpf -Wall $m -c tests/bench/apps/cluster.bpf.c \
		-o "$OUT/cluster${m:+.replay}.bpf.o" || exit 1
done
{
	echo "# $(sed -n 's/^info //p' "$OUT/guest.txt")"
	echo "# program config rc time_s pgmajfault swapins swapin_hits swap_ra swap_ra_hit pswpin pswpout fb_faults fb_prefetched fb_hits replay_policy replay_faults replay_prefetched replay_hits cluster_prefetched cluster_hits"
	for P in $PROGS; do
		for C in $CONFIGS; do
			line=$(awk -v p=$P -v c=$C '$1 == "run" && $2 == p && $3 == c' "$OUT/guest.txt")
			[ -n "$line" ] || continue
			tr=$OUT/traces/tr/$P.$C
			read -r sw swh < <(awk '!/^#/ && $5 == "swapin" { n++; if ($9 == "1") h++ } END { print n + 0, h + 0 }' "$tr")
			rp=$C; [ $C = none ] && rp=readahead; [ $C = native ] && rp=leap
			read -r rf rpf rh < <($B/fbload -j -r "$tr" $rp 2>/dev/null |
				jq -r '.policies[0] | "\(.faults) \(.prefetched) \(.hits)"')
			cp=- ch=-
			[ $C = none ] && read -r cp ch < <($B/fbload -j -r "$tr" "$OUT/cluster.bpf.o" 2>/dev/null |
				jq -r '.policies[0] | "\(.prefetched) \(.hits)"')
			awk -v sw="$sw" -v swh="$swh" -v rp=$rp -v rf="${rf:-0}" -v rpf="${rpf:-0}" -v rh="${rh:-0}" -v cp="$cp" -v ch="$ch" '{
				for (i = 4; i < NF; i += 2) v[$i] = $(i + 1)
				printf "%s %s %s %.2f %d %d %d %d %d %d %d %d %d %d %s %d %d %d %s %s\n", $2, $3, v["rc"],
					v["t1"] - v["t0"], v["pgmajfault"], sw, swh, v["swap_ra"], v["swap_ra_hit"],
					v["pswpin"], v["pswpout"], v["fb_faults"], v["fb_prefetched"], v["fb_hits"],
					rp, rf, rpf, rh, cp, ch }' <<<"$line"
		done
	done
} > "$OUT/results.txt"
# The table: kernel accuracy/coverage from vmstat over fbtrace's swap-ins;
# replay's prediction beside it.
awk '/^#/ { next }
	function r(a, b) { return b ? sprintf("%.2f", a / b) : "-" }
	{ printf "%-7s %-10s %7.1f %7d %7d %7d %6s %6s | %6s %6s\n", $1, $2, $4, $5, $6, $8,
		r($9, $8), r($9, $6), r($18, $17), r($18, $16) }' "$OUT/results.txt" |
	{ printf "%-7s %-10s %7s %7s %7s %7s %6s %6s | %6s %6s\n" program config time_s majflt swapins prefetch acc cov r_acc r_cov
	  cat; } > "$OUT/table.txt"
cat "$OUT/table.txt"
echo "vm-bench-apps: raw numbers in $OUT/results.txt; $(( $(date +%s) - start )) s in all" >&2
