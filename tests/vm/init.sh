#!/bin/busybox sh
# /init of the FetchBPF test-bed guest. Reports on the serial console:
#   HFVM: <line>     output of the in-guest tests
#   HFVM-RC <n>      their exit status
#   HFKLOG: <line>   the kernel log, checked by the host for splats
#   HFVM-END         the run completed
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t cgroup2 cgroup2 /sys/fs/cgroup
set -o pipefail

mode=check
rounds=5
confs=none
for arg in $(cat /proc/cmdline); do
	case $arg in
	hf.mode=*) mode=${arg#hf.mode=} ;;
	hf.rounds=*) rounds=${arg#hf.rounds=} ;;
	hf.confs=*) confs=$(echo "${arg#hf.confs=}" | tr , ' ') ;;
	esac
done

echo HFVM-BEGIN
# fbtest turns the swap devices on (busybox swapon has no priorities).
mkswap /dev/vda >/dev/null && mkswap /dev/vdb >/dev/null && mkswap /dev/vdc >/dev/null ||
	echo "HFVM: FAIL: swap-setup: mkswap failed"
# zram, a synchronous swap device, for the mTHP swap-in check
echo 64M > /sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null ||
	echo "HFVM: FAIL: swap-setup: no zram0"
case $mode in
check) /fbtest check /bpf 2>&1 | sed 's/^/HFVM: /' ;;
zram) /fbtest zram 2>&1 | sed 's/^/HFVM: /' ;;
bench) /fbtest bench "$rounds" $confs 2>&1 | sed 's/^/HFVM: /' ;;
esac
rc=$?
echo "HFVM-RC $rc"
dmesg | sed 's/^/HFKLOG: /'
echo HFVM-END
sync
# no ACPI in the guest: a reboot ends qemu (-no-reboot)
reboot -f
