#!/usr/bin/env bash
# Pre-zeroing on the patched kernel, in a qemu guest (TCG), booted as
# configured and with init_on_alloc=1. The guest (prezero-guest.sh)
# dirties THP-sized memory with a pattern, frees it, lets kprezerod zero
# free blocks and faults THPs again, with pre-zeroing off, on, under
# concurrent compaction, toggled under load, and after hugetlb pages were
# written and freed. Checks: no byte is ever handed out dirty; the fault
# counters add up to thp_fault_alloc; off means the unpatched fault path;
# bad knob values are refused; the kernel log (DEBUG_VM + lockdep) is clean.
# Two more scenarios: a marked block split by order-0 allocations (one
# boot: the pool counts whole pageblocks only, and is refilled), and a
# hibernation to a disk with its resume (two boots: the image carries no
# mark). One more boot, with ACPI, two NUMA nodes and a memory dimm to
# plug: kprezerod per node on its node's CPUs, started and stopped with the
# node's memory, and memory offlining racing with it.
# Part of the vm tier: `make vm-prezero-check`. Needs KERNEL_DIR (mk/kernel.mk).
# PREZERO_BOOTS picks the boots (default: main init_on_alloc split hotplug
# hibernate).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/vm-lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
vm_guest_prereqs vm-prezero qemu-system-x86_64 busybox cpio || exit 0
boots=" ${PREZERO_BOOTS:-main init_on_alloc split hotplug hibernate} "
want() { [ -z "${boots##* $1 *}" ]; }
# KEEP_LOGS=DIR keeps the guests' serial logs there.
tmp=$(mktemp -d); trap '[ -n "${KEEP_LOGS:-}" ] && cp "$tmp"/*.log "$KEEP_LOGS"/; rm -rf "$tmp"' EXIT
ird=$tmp/ird
mkdir -p "$ird"/{proc,sys,dev,tmp}
vm_static_bins "$ird" tests/workloads/thpzero.c tests/vm/prezero_split.c tests/vm/thawfault.c \
	prezero-ctl || { fail vm-prezero "cannot link the guest binaries statically"; exit 0; }
install -m 755 tests/vm/prezero-ctl-guest.sh "$ird/bin/"
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
boot() {	# NAME APPEND [MEM [QEMU_ARG...]]: MEM "" for one in the QEMU_ARGs
	local name=$1 append=$2 mem=${3-512M}
	shift $(($# < 3 ? $# : 3))
	VM_SMP=${VM_SMP:-2} vm_run_initrd "$tmp/initrd.gz" "$tmp/$name.log" "$mem" "$append" "$@"
	if ! grep -q '^HFZ-END' "$tmp/$name.log"; then
		tail -20 "$tmp/$name.log" >&2; fail vm-prezero "$name: the guest did not finish"; return 1
	fi
	local splat
	splat=$(sed 's/^HFK: //' "$tmp/$name.log" | vm_splats | head -3)
	if [ -z "$splat" ]; then pass "vm-prezero: $name: kernel log (DEBUG_VM, lockdep) has no WARN, BUG or splat"
	else fail vm-prezero "$name: kernel log: $splat"; sed 's/^HFK: //' "$tmp/$name.log" | vm_splats >&2; fi
}

for mode in main init_on_alloc; do
	want $mode || continue
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

# A marked block split by order-0 allocations (prezero_split.c): only
# blocks of pageblock order keep the mark, so the pool counts what THP
# faults can take, and kprezerod refills it once it is used up.
if want split && boot split "hf.mode=split"; then
	log=$tmp/split.log
	read -r pool0 first after1 < <(facts "$log" | awk '$1 == "split" && $2 == "pool" { print $3, $5, $7 }')
	read -r kib after2 < <(facts "$log" | awk '$1 == "split" && $2 == "order0_kib" { print $3, $5 }')
	read -r pre dirty < <(facts "$log" | awk '$1 == "split" && $2 == "thp_faults" { print $5, $7 }')
	if [ "$(facts "$log" | sed -n 's/^split rc //p')" != 0 ] || [ "${first:-0}" != 1 ] ||
	   [ "${after1:-0}" -lt 512 ]; then
		fail vm-prezero "split: setup: pool ${pool0:-?}, first THP prezeroed ${first:-?}, then pool ${after1:-?} (want a marked half left)"
	else
		name="split: after order-0 allocations (${kib:-?} KiB) split a marked block, nr_free_zeroed is ${after2:-?}"
		if [ -n "$after2" ] && [ $((after2 % 512)) = 0 ]; then pass "vm-prezero: $name, whole pageblocks only"
		else fail vm-prezero "$name, not a multiple of 512: marks kept below pageblock order"; fi
		name="split: ${pre:-?} of 8 THP faults after the split pre-zeroed, ${dirty:-?} dirty bytes"
		if [ "${pre:-0}" -ge 1 ] && [ "${dirty:-1}" = 0 ]; then pass "vm-prezero: $name: kprezerod refilled the pool"
		else fail vm-prezero "$name (want 1 or more, and 0 dirty)"; fi
	fi
fi

# Memory hotplug (0007, issue 18 item 19), with ACPI: qemu's SRAT gives two
# nodes with a CPU (socket) each, node 1's only memory a pc-dimm plugged in
# offline (memhp_default_state=offline). Each node's kprezerod runs on the
# node's CPUs, as kswapd; node 1 gets a thread when the dimm comes online and
# loses it when it goes; the dimm offlined right after it came online,
# while node 1's thread zeroes it: every offline succeeds, and with
# pre-zeroing on the thread gives blocks back as soon as they are isolated
# (prezero_aborted), so that offlining waits for at most 64 page clears.
hotplug_qemu=(-m 512M,slots=2,maxmem=1G -object memory-backend-ram,id=m0,size=512M
	-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1
	-object memory-backend-ram,id=m1,size=256M -device pc-dimm,id=d1,memdev=m1,node=1)
if want hotplug && VM_ACPI= VM_SMP=2,sockets=2 boot hotplug "hf.mode=hotplug memhp_default_state=offline" "" \
	"${hotplug_qemu[@]}"; then
	log=$tmp/hotplug.log
	bound() {	# TAG NID WHAT: kprezerodNID's CPUs are node NID's
		local tag nid cpus t allowed
		read -r tag _ nid _ cpus _ t _ allowed < <(facts "$log" | awk -v t="$1" -v n="$2" '$1 == t && $3 == n')
		local name="hotplug: $3: kprezerod$2 ${t:+(pid $t)} may run on CPUs ${allowed:-?}, node $2 has CPUs ${cpus:-?}"
		if [ -n "$t" ] && [ "$t" != none ] && [ "$allowed" = "$cpus" ]; then pass "vm-prezero: $name"
		else fail vm-prezero "$name"; fi
	}
	nothread() {	# TAG NID WHAT
		local t
		t=$(facts "$log" | awk -v t="$1" -v n="$2" '$1 == t && $3 == n { print $7 }')
		if [ "$t" = none ]; then pass "vm-prezero: hotplug: $3: no kprezerod$2"
		else fail vm-prezero "hotplug: $3: kprezerod$2 is ${t:-?}, want none"; fi
	}
	bound boot 0 "at boot"
	nothread boot 1 "node 1 without memory at boot"
	bound online 1 "the dimm online"
	nothread offline 1 "the dimm offline again"
	bound again 1 "the dimm online again"
	cpus=$(facts "$log" | awk '$1 == "boot" { print $5 }' | sort -u | wc -l)
	[ "$cpus" = 2 ] || fail vm-prezero "hotplug: the two nodes' CPU lists are not distinct ($cpus)"
	for m in off on; do
		read -r failed aborted cs < <(facts "$log" | awk -v m=$m '$1 == "cycle" && $2 == m { print $6, $8, $10 }')
		name="hotplug: pre-zeroing $m: 10 offline/online rounds of the dimm in ${cs:-?}0 ms, ${failed:-?} failed, ${aborted:-?} pages' zeroing stopped by the isolation"
		if [ "${failed:-1}" = 0 ] && { [ $m = off ] || [ "${aborted:-0}" -gt 0 ]; }; then pass "vm-prezero: $name"
		else fail vm-prezero "$name (want 0 failed$([ $m = on ] && echo ', some stopped'))"; fi
	done
	read -r ctl vm < <(facts "$log" | awk '$1 == "ctl-aborted" { print $2, $4 }')
	name="hotplug: prezero-ctl -j shows the stopped zeroings: prezero_aborted_pages ${ctl:-none}, /proc/vmstat ${vm:-?}"
	if [ -n "$ctl" ] && [ "$ctl" = "$vm" ] && [ "$ctl" -gt 0 ]; then pass "vm-prezero: $name"
	else fail vm-prezero "$name"; fi
	read -r zeroed free < <(facts "$log" | awk '$1 == "zeroed" { print $2, $4 }')
	if [ -n "$free" ] && [ "$zeroed" -le "$free" ]; then pass "vm-prezero: hotplug: nr_free_zeroed $zeroed <= nr_free_pages $free after the rounds"
	else fail vm-prezero "hotplug: nr_free_zeroed ${zeroed:-?} > nr_free_pages ${free:-?}"; fi
fi

# Hibernation (0007): the snapshot drops the marks where it walks the free
# lists, so the image carries none. The first boot fills the pool and
# hibernates to vda with target_kbytes 0 (kprezerod zeroes no more); the
# second resumes the image, in which thawfault faults 32 THPs as soon as it
# is thawed (before the PM notifiers run): none may be served a pre-zeroed
# block (only a mark restored with the image could serve it; the old
# series dropped them from a PM_POST_HIBERNATION notifier, too late), every
# byte zero, no DEBUG_VM "not zero" warning.
truncate -s 512M "$tmp/hib.img"
hib_disk=(-drive "file=$tmp/hib.img,if=virtio,format=raw")
for b in hibernate resumed; do
	want hibernate || continue
	VM_SMP=2 vm_run_initrd "$tmp/initrd.gz" "$tmp/$b.log" 512M \
		"hf.mode=$b resume=/dev/vda no_console_suspend" "${hib_disk[@]}"
done
log=$tmp/hibernate.log
if ! want hibernate; then
	:
elif ! grep -q '^HFZ: hibernating' "$log" || ! grep -q '^HFZ: resumed rc 0' "$tmp/resumed.log" ||
   ! grep -q '^HFZ-END' "$tmp/resumed.log"; then
	tail -5 "$log" "$tmp/resumed.log" >&2
	fail vm-prezero "hibernate: no hibernation and resume ($(grep -h -m1 -E '^HFZ: (resumed|resume failed)' "$tmp/resumed.log"))"
else
	splat=$(cat "$log" "$tmp/resumed.log" | sed 's/^HFK: //' | vm_splats | head -3)
	if [ -z "$splat" ]; then pass "vm-prezero: hibernate: kernel log clean across hibernation and resume (no zeroed page found dirty)"
	else fail vm-prezero "hibernate: kernel log: $splat"; fi
	read -r gap n pre d < <(facts "$tmp/resumed.log" | awk '$1 == "thaw" && $2 == "gap_ms" { print $3, $5, $7, $9 }')
	name="hibernate: ${n:-?} THPs faulted on thaw (frozen ${gap:-?} ms, pool before $(facts "$log" | awk '$1 == "hib0" && $2 == "nr_free_zeroed" { print $3 }') pages): ${pre:-?} served a pre-zeroed block, ${d:-?} dirty bytes"
	if [ "${pre:-1}" = 0 ] && [ "${d:-1}" = 0 ]; then pass "vm-prezero: $name: the image carried no mark"
	else fail vm-prezero "$name (want 0 and 0: a mark restored with the image)"; fi
	check_zero "$tmp/resumed.log" resumed "THPs faulted after resume from hibernation"
fi

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
