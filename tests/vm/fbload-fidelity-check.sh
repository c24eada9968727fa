#!/usr/bin/env bash
# Replay fidelity with slot records (kernel-patches 0014, fbtrace -s): in
# a qemu guest of the patched kernel, BPF leap, stride and streams are
# attached in turn while fbtrace -s records swapseq's walk of 8000 pages
# in a 16 MiB memory cgroup (a stride-13 walk, three interleaved streams,
# a random permutation) and two programs of the corpus (sort and sqlite3
# as tests/bench/vm-corpus.sh runs them, memory.high 16 MiB): 15 runs.
# fbload then replays each run's trace through the policy that ran, and
# its counts are set beside the kernel's own counters for that run
# (/sys/kernel/mm/fetchbpf/stats).
# Targets: accuracy and coverage within 3 points; prefetched and rejected
# within 3 % (at least 3 pages: counts near 0 are all noise).
# The same traces without their slot records (as fbtrace records them
# without -s) replay as before: how far off that is gets reported, not
# asserted (the README's fidelity table).
# page-cluster is 0, so that a policy's FB_FALLBACK reads nothing more.
# Part of the vm tier: `make vm-fbload-fidelity-check` (tests/run.sh).
# FIDELITY_KEEP=DIR keeps the traces, the kernel's counters and the table
# there; FIDELITY_FROM=DIR replays such a kept run again without a guest.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
vm_guest_prereqs fbload-fidelity qemu-system-x86_64 busybox cpio jq || exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

run_guest() {
local ird=$tmp/ird
mkdir -p "$ird"/{bin,proc,sys,dev,tmp}
if ! BUILD=$B vm_static_bins "$ird" fbload fbtrace tests/workloads/swapseq.c; then
	fail fbload-fidelity "cannot link the guest binaries statically"
	return 1
fi
cp "$(command -v busybox)" "$ird/bin/busybox"
mkdir -p "$ird/data"
vm_copy_progs "$ird" sort sqlite3
perl tests/bench/apps/gen.pl sort 10 "$ird/data/sort.in"
cp tests/bench/apps/db.sql "$ird/data/"
{ echo '#!/bin/busybox sh'; vm_guest_setup; } > "$ird/init"
cat >> "$ird/init" <<'EOG'
mkdir /sys/fs/cgroup/t /sys/fs/cgroup/a
echo 16M > /sys/fs/cgroup/t/memory.max
echo 16M > /sys/fs/cgroup/a/memory.high && echo 256M > /sys/fs/cgroup/a/memory.max
echo 0 > /proc/sys/vm/page-cluster
S=/sys/kernel/mm/fetchbpf/stats
cnt() { echo "$(cat $S/faults) $(cat $S/prefetched) $(cat $S/hits) $(cat $S/rejected)"; }
mkdir -p /tmp/tr
for run in "stride swapseq -n 8000 -s 13" "streams swapseq -n 7998 -k 3" \
	   "random swapseq -n 8000 -r 7" \
	   "sort /usr/bin/sort -S 40M --parallel=1 -o /dev/null /data/sort.in" \
	   "sqlite /usr/bin/sqlite3 :memory: < /data/db.sql"; do
	set -- $run; name=$1; shift
	for p in leap stride streams; do
		sync; echo 3 > /proc/sys/vm/drop_caches
		fbload -A $p > /dev/null 2>&1 || echo "HFF: FAIL: attach $p"
		case $1 in
		swapseq) fbtrace -s -o /tmp/tr/$name.$p -- "$@" -c /sys/fs/cgroup/t > /tmp/out 2>&1 ;;
		*) fbtrace -s -o /tmp/tr/$name.$p -- sh -c \
			"echo \$\$ > /sys/fs/cgroup/a/cgroup.procs && $*" > /tmp/out 2>&1 ;;
		esac
		rc=$?
		echo "HFF: kernel $name $p $(cat $S/policy) $(cnt)"
		fbload --detach > /dev/null
		[ $rc = 0 ] || echo "HFF: FAIL: $name $p: exit $rc: $(tail -1 /tmp/out)"
	done
done
tar -cf /dev/vdb -C /tmp tr
dmesg | sed 's/^/HFK: /'
echo HFF-END
reboot -f
EOG
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz"
truncate -s 256M "$tmp/vda.img"
truncate -s 512M "$tmp/vdb.img"
start=$(date +%s)
timeout -k 10 3000 qemu-system-x86_64 -accel tcg -smp 2 -m 512M -nodefaults -display none \
	-no-reboot -serial "file:$tmp/serial.log" -kernel "$KERNEL_DIR/bzImage" \
	-initrd "$tmp/initrd.gz" -append "console=ttyS0 loglevel=4 panic=-1" \
	-drive "file=$tmp/vda.img,if=virtio,format=raw" \
	-drive "file=$tmp/vdb.img,if=virtio,format=raw" </dev/null >"$tmp/qemu.log" 2>&1
tr -d '\r' < "$tmp/serial.log" | sed -n 's/^HFF: //p' > "$tmp/r"
if ! tr -d '\r' < "$tmp/serial.log" | grep -q HFF-END; then
	tail -20 "$tmp/serial.log"
	fail fbload-fidelity "the guest did not finish (after $(( $(date +%s) - start )) s)"
	return 1
fi
grep '^FAIL' "$tmp/r" | sed 's/^FAIL: /FAIL: fbload-fidelity: /'
mkdir -p "$tmp/traces" && tar -xf "$tmp/vdb.img" -C "$tmp/traces"
}

if [ -n "${FIDELITY_FROM:-}" ]; then
	mkdir -p "$tmp/traces" && cp -r "$FIDELITY_FROM/tr" "$tmp/traces/" &&
		cp "$FIDELITY_FROM/r" "$FIDELITY_FROM/serial.log" "$tmp/" || exit 1
else
	run_guest || exit 0
fi

# replay TRACE POLICY: "faults prefetched hits rejected slot_records" of fbload's replay.
replay() {
	"$B/fbload" -j -r "$1" "$2" | jq -r '"\(.policies[0] | "\(.faults) \(.prefetched) \(.hits) \(.rejected_requests)") \(.slot_records // 0)"'
}
# close A B PCT MIN: |A - B| within PCT % of A, or within MIN.
close() { awk -v a="$1" -v b="$2" -v p="$3" -v m="$4" 'BEGIN { d = a - b; if (d < 0) d = -d
	exit !(d <= m || d <= a * p / 100) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }'; }
table=$tmp/table
printf '%-8s %-8s %6s | %6s %6s %6s %6s %5s %5s | %6s %6s %6s %6s %5s %5s | %5s %5s\n' \
	WALK POLICY FAULTS K_PREF K_HITS K_REJ K_ACC K_COV "" R_PREF R_HITS R_REJ R_ACC R_COV \
	"" NS_ACC NS_COV > "$table"
bad= n=0
while read -r _ walk p pol kf kp kh kr; do
	t=$tmp/traces/tr/$walk.$p
	[ -s "$t" ] || { bad="$bad $walk/$p:no-trace"; continue; }
	read -r rf rp rh rr slots < <(replay "$t" "$p")
	awk '$5 !~ /^(swapout|uncache|slotfree)$/' "$t" > "$t.noslots"
	read -r _ np nh _ _ < <(replay "$t.noslots" "$p")
	ka=$(ratio "$kh" "$kp") kc=$(ratio "$kh" "$kf") ra=$(ratio "$rh" "$rp") rc=$(ratio "$rh" "$rf")
	na=$(ratio "$nh" "$np") nc=$(ratio "$nh" "$rf")
	printf '%-8s %-8s %6d | %6d %6d %6d %6s %5s %5s | %6d %6d %6d %6s %5s %5s | %5s %5s\n' \
		"$walk" "$p" "$kf" "$kp" "$kh" "$kr" "$ka" "$kc" "" "$rp" "$rh" "$rr" "$ra" "$rc" "" \
		"$na" "$nc" >> "$table"
	n=$((n + 1))
	why=
	[ "$pol" = "bpf_$p" ] || why="$why policy:$pol"
	[ "${slots:-0}" -gt 0 ] || why="$why no-slot-records"
	[ "$rf" = "$kf" ] || why="$why faults:$rf/$kf"
	close "$ka" "$ra" 0 0.03 || why="$why accuracy:$ra/$ka"
	close "$kc" "$rc" 0 0.03 || why="$why coverage:$rc/$kc"
	close "$kp" "$rp" 3 3 || why="$why prefetched:$rp/$kp"
	close "$kr" "$rr" 3 3 || why="$why rejected:$rr/$kr"
	[ -z "$why" ] || bad="$bad $walk/$p:${why# }"
done < <(grep '^kernel ' "$tmp/r")
cat "$table"
if [ -n "${FIDELITY_KEEP:-}" ]; then
	mkdir -p "$FIDELITY_KEEP" &&
		cp -r "$tmp/traces/tr" "$table" "$tmp/r" "$tmp/serial.log" "$FIDELITY_KEEP/"
fi
check "fbload-fidelity: replay with slot records agrees with the kernel's counters in $n of 15 runs (accuracy, coverage within 3 points; prefetched, rejected within 3 %)${bad:+; off:$bad}" \
	[ "$n" = 15 -a -z "$bad" ]
splat=$(tr -d '\r' < "$tmp/serial.log" | vm_splats | head -3)
if [ -z "$splat" ]; then pass "fbload-fidelity: guest kernel log has no WARN, BUG, Oops or lockdep splat"
else fail fbload-fidelity "guest kernel log: $splat"; fi
