#!/bin/busybox sh
# /init of the pre-zeroing test guest (tests/vm/prezero-check.sh). Prints
#   HFZ: <key> <value...>   facts for the host to check
#   HFZ-END                 the run completed
# The host makes the verdicts; the guest only measures. hf.mode=main runs
# every scenario, hf.mode=init_on_alloc (booted with init_on_alloc=1) the
# zeroing checks only, hf.mode=split a marked block split by order-0
# allocations, hf.mode=hotplug kprezerod under memory hotplug (two NUMA
# nodes, a pc-dimm plugged in offline), hf.mode=hibernate a hibernation and its
# resume (with hf.mode=resumed on the resuming boot), hf.mode=bench the
# benchmark (tests/bench/vm-prezero.sh).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
S=/sys/kernel/mm/prezero
mode=main
for arg in $(cat /proc/cmdline); do
	case $arg in hf.mode=*) mode=${arg#hf.mode=} ;; esac
done

vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
# snap TAG: the counters the host compares across a scenario
snap() {
	for k in thp_fault_alloc thp_fault_prezeroed thp_fault_zeroed prezero_zeroed \
		prezero_zeroed_direct prezero_dropped nr_free_zeroed; do
		echo "HFZ: $1 $k $(vmstat $k)"
	done
}
# fill PAGES: wait (up to 60 s) until PAGES zeroed free pages are pooled
fill() {
	i=0
	while [ "$(vmstat nr_free_zeroed)" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
	echo "HFZ: pool $(vmstat nr_free_zeroed) after $((i / 10)) s"
}
# run TAG ARGS...: thpzero rounds, their lines, exit status and how many
# THP faults got a pre-zeroed page
run() {
	tag=$1; shift
	p=$(vmstat thp_fault_prezeroed); z=$(vmstat thp_fault_zeroed)
	thpzero "$@" > /tmp/out 2>&1
	echo "HFZ: $tag rc $?"
	sed "s/^/HFZ: $tag /" /tmp/out
	echo "HFZ: $tag faults prezeroed $(( $(vmstat thp_fault_prezeroed) - p ))" \
		"zeroed $(( $(vmstat thp_fault_zeroed) - z ))"
}
# bg_loop CMD...: run CMD in a loop in the background until stopped
bg_loop() { ( while [ ! -e /tmp/stop ]; do "$@"; done ) & }
stop_loops() { touch /tmp/stop; wait; rm -f /tmp/stop; }
toggle() { echo 0 > $S/enabled; sleep 0.02; echo 1 > $S/enabled; sleep 0.02; }
compact() { echo 1 > /proc/sys/vm/compact_memory; sleep 0.05; }

echo madvise > /sys/kernel/mm/transparent_hugepage/enabled	# the kernel's default may be never
echo "HFZ: disabled_by $(cat $S/disabled_by 2>&1)"
echo "HFZ: knobs enabled=$(cat $S/enabled) target_kbytes=$(cat $S/target_kbytes)" \
	"batch_blocks=$(cat $S/batch_blocks) sleep_millisecs=$(cat $S/sleep_millisecs)" \
	"nontemporal=$(cat $S/nontemporal)"
echo 65536 > $S/target_kbytes
echo 8 > $S/batch_blocks
echo 10 > $S/sleep_millisecs
POOL=16384	# pages: the 64 MiB target

case $mode in
main|init_on_alloc)
	# Off: the unpatched fault path. Two rounds, so the second one gets
	# the first one's dirty memory back.
	snap off0; run off -n 16 -r 2; snap off1
	echo 1 > $S/enabled; fill $POOL
	snap on0; run on -n 16 -r 2; snap on1
	fill $POOL
	bg_loop compact; run compact -n 16 -r 6; stop_loops
	bg_loop toggle; run toggle -n 16 -r 6; stop_loops
	;;
esac
if [ $mode = main ]; then
	# hugetlb pages written and freed back to the allocator, then THPs
	echo 16 > /proc/sys/vm/nr_hugepages
	echo "HFZ: hugetlb pages $(cat /proc/sys/vm/nr_hugepages)"
	run hugetlb -H -n 16 -r 2
	echo 0 > /proc/sys/vm/nr_hugepages
	fill $POOL
	run afterhugetlb -n 16 -r 2
	# zero_now_kbytes: in this process's context, enabled or not
	echo 0 > $S/enabled
	a=$(vmstat prezero_zeroed_direct)
	thpzero -Z 32768 | sed 's/^/HFZ: /'
	echo "HFZ: direct $a $(vmstat prezero_zeroed_direct)"
	# bad values are refused
	for kv in "batch_blocks 0" "batch_blocks 1025" "sleep_millisecs 0" "enabled 2" \
		"target_kbytes -1" "nontemporal x"; do
		set -- $kv
		if echo "$2" > $S/$1 2>/dev/null; then echo "HFZ: accepted $1=$2"; fi
	done
	if [ -x /bin/prezero-ctl-guest.sh ]; then
		/bin/prezero-ctl-guest.sh 2>&1 | sed 's/^/HFZ: ctl /'
	fi
fi
if [ $mode = split ]; then
	# A pool of one order-10 block, split by order-0 allocations after a
	# THP took half of it (prezero_split.c): the pool must count only what
	# a THP fault can take, or kprezerod never refills it.
	echo 1024 > $S/target_kbytes
	echo 1 > $S/enabled; fill 256
	prezero_split > /tmp/out 2>&1; echo "HFZ: split rc $?"
	sed 's/^/HFZ: /' /tmp/out
	echo 0 > $S/enabled
fi
if [ $mode = hibernate ]; then
	# Hibernation to vda (prezero-check.sh boots twice): fill the pool,
	# hibernate; the second boot (resume=/dev/vda) restores this kernel,
	# which goes on after the write to /sys/power/state. The image must
	# carry no mark: thawfault's THP faults, made as soon as it is thawed
	# (before the PM notifiers run), must find none, and be zero.
	mkswap /dev/vda > /dev/null && swapon /dev/vda
	echo 131072 > $S/target_kbytes
	echo 1 > $S/enabled; fill 32768
	# no more zeroing: a fault after resume can only find a mark that
	# came back with the image
	echo 0 > $S/target_kbytes
	thawfault 32 > /tmp/thaw 2>&1 & thaw=$!
	sleep 1
	snap hib0
	echo reboot > /sys/power/disk
	echo "HFZ: hibernating"
	echo disk > /sys/power/state; rc=$?
	echo "HFZ: resumed rc $rc"
	i=0; while kill -0 $thaw 2> /dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill $thaw 2> /dev/null; wait $thaw; echo "HFZ: thaw rc $?"
	sed 's/^/HFZ: /' /tmp/thaw
	snap hib1
	run resumed -n 16 -r 2
	swapoff /dev/vda
fi
if [ $mode = hotplug ]; then
	# Two NUMA nodes with a CPU each; node 1's only memory is a pc-dimm
	# that qemu plugs in offline. kprezerod per node with memory, bound to
	# the node's CPUs; node 1's thread comes and goes with its memory; the
	# dimm offlined while node 1's thread zeroes it, pre-zeroing off and on.
	thread_of() {	# NID: the pid of kprezerodNID
		for c in /proc/[0-9]*/comm; do
			[ "$(cat "$c" 2> /dev/null)" = "kprezerod$1" ] && { d=${c%/comm}; echo "${d#/proc/}"; }
		done
	}
	bind() {	# TAG NID: the node's CPUs, its thread, where the thread may run
		t=$(thread_of "$2")
		echo "HFZ: $1 node $2 cpus $(cat /sys/devices/system/node/node$2/cpulist)" \
			"thread ${t:-none} allowed $(awk '/^Cpus_allowed_list/ { print $2 }' /proc/${t:-0}/status 2> /dev/null)"
	}
	bind boot 0; bind boot 1
	dimm=$(grep -l offline /sys/devices/system/memory/memory[0-9]*/state)
	echo "HFZ: dimm blocks $(echo $dimm | wc -w)"
	# dimm STATE: all the dimm's blocks to STATE; fails if one does not go
	dimm() {
		for st in $dimm; do
			timeout 30 sh -c "echo $1 > $st" || return 1
		done
	}
	dimm online_movable && bind online 1
	echo $(( $(awk '/^MemTotal/ { print $2 }' /proc/meminfo) )) > $S/target_kbytes
	echo 1024 > $S/batch_blocks; echo 1 > $S/sleep_millisecs
	uptime_cs() { awk '{ sub(/\./, "", $1); print $1 + 0 }' /proc/uptime; }
	# cycle TAG: 10 rounds of offline and online (after which, if enabled,
	# node 1's new thread starts zeroing the dimm's 256 MiB); how many
	# failed, how long
	cycle() {
		f=0; ab=$(vmstat prezero_aborted); z0=$(vmstat prezero_zeroed); t0=$(uptime_cs)
		for i in 1 2 3 4 5 6 7 8 9 10; do
			dimm offline || f=$((f + 1))
			dimm online_movable || f=$((f + 1))
		done
		echo "HFZ: cycle $1 rounds 10 failed $f aborted $(( $(vmstat prezero_aborted) - ab ))" \
			"cs $(( $(uptime_cs) - t0 )) zeroed $(( $(vmstat prezero_zeroed) - z0 ))"
	}
	cycle off
	# On node 1's CPU, the nice-19 thread zeroes only while the shell
	# waits, so the offline right after the online finds it in a block.
	taskset -p 2 $$ > /dev/null
	echo 1 > $S/enabled
	z=-1; while [ "$(vmstat prezero_zeroed)" != "$z" ]; do z=$(vmstat prezero_zeroed); sleep 0.5; done
	cycle on
	echo "HFZ: zeroed $(vmstat nr_free_zeroed) free $(vmstat nr_free_pages)"
	echo "HFZ: ctl-aborted $(prezero-ctl -j | grep -o '"prezero_aborted_pages":[0-9]*' | cut -d: -f2)" \
		"vmstat $(vmstat prezero_aborted)"
	echo 0 > $S/enabled
	dimm offline && bind offline 1
	dimm online_movable && bind again 1
fi
if [ $mode = resumed ]; then
	echo "HFZ: resume failed: this is a fresh boot"
fi
if [ $mode = bench ]; then
	# per-fault latency: off vs on with a filled pool (medians, one boot)
	echo 262144 > $S/target_kbytes; POOL=65536
	run warm -n 64 -r 1
	run off -n 64 -r 3
	echo 1 > $S/enabled; fill $POOL; run on -n 64 -r 1
	fill $POOL; run on -n 64 -r 1
	fill $POOL; run on -n 64 -r 1
	echo 0 > $S/enabled
	# HawkEye's Table 1: touch each 4 KiB page of 128 MiB once
	run t1_4k -4 -s -n 64 -r 1
	run t1_thp -s -n 64 -r 1
	echo 1 > $S/enabled; fill $POOL; run t1_prezero -s -n 64 -r 1
	echo 0 > $S/enabled
	# zeroing throughput in the writer's context, cached vs non-temporal
	for nt in 0 1 0 1; do
		echo $nt > $S/nontemporal
		run "zero_nt$nt" -n 64 -r 1 > /dev/null	# dirty the memory again
		a=$(vmstat prezero_zeroed_direct)
		thpzero -Z 131072 | sed "s/^/HFZ: zero_nt$nt /"
		echo "HFZ: zero_nt$nt pages $(( $(vmstat prezero_zeroed_direct) - a ))"
	done
fi
dmesg | sed 's/^/HFK: /'
echo HFZ-END
reboot -f
