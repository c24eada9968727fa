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
# within 3 % (at least 3 pages: counts near 0 are all noise), rejected
# also within 1 % of the requests (hf_fidelity_off in tests/lib.sh says why).
# The same traces without their slot records (as fbtrace records them
# without -s) replay as before: how far off that is gets reported, not
# asserted (the README's fidelity table).
# page-cluster is 0, so that a policy's FB_FALLBACK reads nothing more.
# Part of the vm tier: `make vm-fbload-fidelity-check` (tests/run.sh).
# FIDELITY_KEEP=DIR keeps the traces, the kernel's counters (guest.txt)
# and the table there; FIDELITY_FROM=DIR replays such a kept run again
# without a guest.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
vm_guest_prereqs fbload-fidelity qemu-system-x86_64 busybox cpio jq sort sqlite3 || exit 0
out=$B/vm-fidelity

# The guest: each run under fbtrace -s with its policy attached, the
# kernel's counters after it ("HFA: kernel RUN POLICY ..."), the traces
# to vdb (vm_apps_run).
run_guest() {
	BUILD=$B vm_apps_ird fbload-fidelity "$out" fbload fbtrace tests/workloads/swapseq.c ||
		{ fail fbload-fidelity "cannot prepare the guest (make static)"; return 1; }
	vm_copy_progs "$out/ird" sort sqlite3
	perl tests/bench/apps/gen.pl sort 10 "$out/ird/data/sort.in"
	cp tests/bench/apps/db.sql "$out/ird/data/"
	{ echo '#!/bin/busybox sh'; vm_guest_setup; } > "$out/ird/init"
	cat >> "$out/ird/init" <<'EOG'
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
		fbload -A $p > /dev/null 2>&1 || echo "HFA: FAIL: attach $p"
		case $1 in
		swapseq) fbtrace -s -o /tmp/tr/$name.$p -- "$@" -c /sys/fs/cgroup/t > /tmp/out 2>&1 ;;
		*) fbtrace -s -o /tmp/tr/$name.$p -- sh -c \
			"echo \$\$ > /sys/fs/cgroup/a/cgroup.procs && $*" > /tmp/out 2>&1 ;;
		esac
		rc=$?
		echo "HFA: kernel $name $p $(cat $S/policy) $(cnt)"
		fbload --detach > /dev/null
		[ $rc = 0 ] || echo "HFA: FAIL: $name $p: exit $rc: $(tail -1 /tmp/out)"
	done
done
EOG
	vm_apps_run "$out" fbload-fidelity 512M ||
		{ fail fbload-fidelity "the guest did not finish (log: $out/serial.log)"; return 1; }
}

if [ -n "${FIDELITY_FROM:-}" ]; then
	rm -rf "$out" && mkdir -p "$out/traces" && cp -r "$FIDELITY_FROM/tr" "$out/traces/" &&
		cp "$FIDELITY_FROM/guest.txt" "$FIDELITY_FROM/serial.log" "$out/" || exit 1
else
	run_guest || exit 0
fi
grep '^FAIL' "$out/guest.txt" | sed 's/^FAIL: /FAIL: fbload-fidelity: /'

# replay TRACE POLICY: "faults prefetched hits rejected slot_records" of fbload's replay.
replay() {
	"$B/fbload" -j -r "$1" "$2" |
		jq -r '"\(.policies[0] | "\(.faults) \(.prefetched) \(.hits) \(.rejected_requests)") \(.slot_records // 0)"'
}
table=$out/table
printf '%-8s %-8s %6s | %6s %6s %6s %6s %5s | %6s %6s %6s %6s %5s | %6s %6s\n' \
	RUN POLICY FAULTS K_PREF K_HITS K_REJ K_ACC K_COV R_PREF R_HITS R_REJ R_ACC R_COV \
	NS_ACC NS_COV > "$table"
bad= n=0
while read -r _ name p pol kf kp kh kr; do
	t=$out/traces/tr/$name.$p
	[ -s "$t" ] || { bad="$bad $name/$p: no trace;"; continue; }
	read -r rf rp rh rr slots < <(replay "$t" "$p")
	awk '$5 !~ /^(swapout|uncache|slotfree)$/' "$t" > "$t.noslots"
	read -r _ np nh _ _ < <(replay "$t.noslots" "$p")
	printf '%-8s %-8s %6d | %6d %6d %6d %6s %5s | %6d %6d %6d %6s %5s | %6s %6s\n' \
		"$name" "$p" "$kf" "$kp" "$kh" "$kr" "$(hf_ratio "$kh" "$kp")" "$(hf_ratio "$kh" "$kf")" \
		"$rp" "$rh" "$rr" "$(hf_ratio "$rh" "$rp")" "$(hf_ratio "$rh" "$rf")" \
		"$(hf_ratio "$nh" "$np")" "$(hf_ratio "$nh" "$rf")" >> "$table"
	n=$((n + 1))
	why=$(hf_fidelity_off "$kf $kp $kh $kr" "$rf $rp $rh $rr $slots")
	[ "$pol" = "bpf_$p" ] || why="$why policy:$pol"
	[ -z "$why" ] || bad="$bad $name/$p: $why;"
done < <(grep '^kernel ' "$out/guest.txt")
cat "$table"
if [ -n "${FIDELITY_KEEP:-}" ]; then
	mkdir -p "$FIDELITY_KEEP" &&
		cp -r "$out/traces/tr" "$table" "$out/guest.txt" "$out/serial.log" "$FIDELITY_KEEP/"
fi
check "fbload-fidelity: replay with slot records agrees with the kernel's counters in $n of 15 runs (accuracy, coverage within 3 points; prefetched within 3 %; rejected within 3 % or 1 % of the requests)${bad:+; off:$bad}" \
	[ "$n" = 15 -a -z "$bad" ]
splat=$(grep -v '^HFA: ' "$out/serial.log" | vm_splats | head -3)
if [ -z "$splat" ]; then pass "fbload-fidelity: guest kernel log has no WARN, BUG, Oops or lockdep splat"
else fail fbload-fidelity "guest kernel log: $splat"; fi
