#!/usr/bin/env bash
# Pre-zeroing on the patched kernel, in a qemu guest (TCG), booted twice:
# as configured, and with init_on_alloc=1. The guest (prezero-guest.sh)
# dirties THP-sized memory with a pattern, frees it, lets kprezerod zero
# free blocks and faults THPs again, with pre-zeroing off, on, under
# concurrent compaction, toggled under load, and after hugetlb pages were
# written and freed. Checks: no byte is ever handed out dirty; the fault
# counters add up to thp_fault_alloc; off means the unpatched fault path;
# bad knob values are refused; the kernel log (DEBUG_VM + lockdep) is clean.
# Part of the vm tier: `make vm-prezero-check`. Needs KERNEL_DIR (mk/kernel.mk).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
vm_guest_prereqs vm-prezero qemu-system-x86_64 busybox cpio || exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ird=$tmp/ird
mkdir -p "$ird"/{proc,sys,dev,tmp}
bins="tests/workloads/thpzero.c"
[ -f "$B/cmd/prezero-ctl.o" ] && bins="$bins $B/cmd/prezero-ctl.o"
vm_static_bins "$ird" $bins || { fail vm-prezero "cannot link the guest binaries statically"; exit 0; }
[ -f tests/vm/prezero-ctl-guest.sh ] && install -m 755 tests/vm/prezero-ctl-guest.sh "$ird/bin/"
cp "$(command -v busybox)" "$ird/bin/busybox"
install -m 755 tests/vm/prezero-guest.sh "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz"

# facts LOG: the HFZ lines of a guest's log
facts() { sed -n 's/^HFZ: //p' "$1"; }
# delta LOG FROM TO COUNTER: the counter's change between two snapshots
delta() {
	awk -v a="$2" -v b="$3" -v k="$4" '$1 == a && $2 == k { x = $3 } $1 == b && $2 == k { y = $3 }
		END { print y - x }' <(facts "$1")
}
# rounds LOG TAG: "rounds rcs dirty huge" of one scenario
rounds() {
	facts "$1" | awk -v t="$2" '$1 == t && $2 == "rc" { rc += $3 }
		$1 == t && $2 == "round" { n++; for (i = 4; i < NF; i += 2) v[$i] += $(i + 1) }
		END { print n + 0, rc + 0, v["dirty"] + 0, v["huge"] + 0 }'
}
check_zero() {	# LOG TAG NAME [hugetlb]: every round ran, no dirty byte, all regions huge
	local n rc dirty huge want
	read -r n rc dirty huge < <(rounds "$1" "$2")
	want=$(facts "$1" | awk -v t="$2" '$1 == t && $2 == "round" { s += $5 } END { print s + 0 }')
	[ "${4:-}" = hugetlb ] && huge=$want	# hugetlb pages are not AnonHugePages
	if [ "$n" -gt 0 ] && [ "$rc" = 0 ] && [ "$dirty" = 0 ] && [ "$huge" = "$want" ]; then
		pass "vm-prezero: $3: $n rounds, every byte of $huge huge pages zero at first touch"
	else
		fail vm-prezero "$3: rounds $n, exit $rc, dirty bytes $dirty, huge $huge of $want"
	fi
}
boot() {	# NAME APPEND
	VM_SMP=2 vm_run_initrd "$tmp/initrd.gz" "$tmp/$1.log" 512M "$2"
	if ! grep -q '^HFZ-END' "$tmp/$1.log"; then
		tail -20 "$tmp/$1.log" >&2; fail vm-prezero "$1: the guest did not finish"; return 1
	fi
	local splat
	splat=$(sed 's/^HFK: //' "$tmp/$1.log" | vm_splats | head -3)
	if [ -z "$splat" ]; then pass "vm-prezero: $1: kernel log (DEBUG_VM, lockdep) has no WARN, BUG or splat"
	else fail vm-prezero "$1: kernel log: $splat"; sed 's/^HFK: //' "$tmp/$1.log" | vm_splats >&2; fi
}

for mode in main init_on_alloc; do
	append="hf.mode=$mode"; [ $mode = init_on_alloc ] && append="$append init_on_alloc=1"
	boot $mode "$append" || continue
	log=$tmp/$mode.log
	check "vm-prezero: $mode: sysfs present, disabled_by none" \
		grep -qx 'HFZ: disabled_by none' "$log"
	check_zero "$log" off "$mode: pre-zeroing off"
	check_zero "$log" on "$mode: pre-zeroing on, pool filled"
	check_zero "$log" compact "$mode: with concurrent compaction"
	check_zero "$log" toggle "$mode: toggled on and off under load"
	# Off is the unpatched path: every THP fault zeroed by the fault itself.
	alloc=$(delta "$log" off0 off1 thp_fault_alloc)
	pre=$(delta "$log" off0 off1 thp_fault_prezeroed)
	zer=$(delta "$log" off0 off1 thp_fault_zeroed)
	bg=$(delta "$log" off0 off1 prezero_zeroed)
	if [ "$alloc" -ge 32 ] && [ "$pre" = 0 ] && [ "$zer" = "$alloc" ] && [ "$bg" = 0 ]; then
		pass "vm-prezero: $mode: off: $alloc THP faults, all zeroed by the fault path, nothing zeroed in the background"
	else
		fail vm-prezero "$mode: off: thp_fault_alloc $alloc, prezeroed $pre, zeroed $zer, background $bg"
	fi
	# On: the counters add up, and the pool served the faults.
	alloc=$(delta "$log" on0 on1 thp_fault_alloc)
	pre=$(delta "$log" on0 on1 thp_fault_prezeroed)
	zer=$(delta "$log" on0 on1 thp_fault_zeroed)
	if [ "$alloc" -ge 32 ] && [ $((pre + zer)) = "$alloc" ] && [ "$pre" -ge $((alloc / 2)) ]; then
		pass "vm-prezero: $mode: on: prezeroed $pre + zeroed $zer = thp_fault_alloc $alloc"
	else
		fail vm-prezero "$mode: on: prezeroed $pre + zeroed $zer vs thp_fault_alloc $alloc (want equal, most prezeroed)"
	fi
done

log=$tmp/main.log
[ -s "$log" ] || exit 0
check_zero "$log" hugetlb "hugetlb pages allocated after pre-zeroing" hugetlb
check_zero "$log" afterhugetlb "THPs after hugetlb pages were written and freed"
read -r _ a b < <(facts "$log" | grep '^direct ')
if [ -n "$b" ] && [ $((b - a)) -ge 512 ]; then
	pass "vm-prezero: zero_now_kbytes zeroed $((b - a)) pages in the writer's context"
else
	fail vm-prezero "zero_now_kbytes: prezero_zeroed_direct ${a:-?} -> ${b:-?}"
fi
acc=$(facts "$log" | sed -n 's/^accepted //p' | tr '\n' ' ')
if [ -z "$acc" ]; then pass "vm-prezero: out-of-range knob values are refused"
else fail vm-prezero "knob values accepted: $acc"; fi
facts "$log" | sed -n 's/^ctl //p' | grep -E '^(PASS|FAIL|SKIP): '
exit 0
