# Shared by tests/vm/vm-check.sh and tests/bench/vm-*.sh (sourced, bash).
# Needs tests/lib.sh sourced first.

VM_BUILD=${VM_BUILD:-$root/build/vm}
VM_TIMEOUT=${VM_TIMEOUT:-1200}
VM_MEM=${VM_MEM:-256M}
VM_SMP=${VM_SMP:-2}
# The test kernel has ACPI for the NUMA and memory-hotplug boot only
# (VM_ACPI= for it): the others keep the boot they had without it, one CPU
# and no NUMA.
VM_ACPI=${VM_ACPI-acpi=off}

# Build the guest programs, BPF objects and initramfs into $VM_BUILD.
vm_prepare() {
	local t missing=
	for t in qemu-system-x86_64 clang busybox cpio gzip; do
		command -v $t >/dev/null || missing="$missing $t"
	done
	[ -x /bin/busybox ] || missing="$missing busybox-static"
	if [ -n "$missing" ]; then
		skip vm-prerequisites "missing:$missing"
		return 1
	fi
	if [ -z "${KERNEL_DIR:-}" ] || [ ! -s "$KERNEL_DIR/bzImage" ]; then
		fail vm-kernel "no cached kernel (run make kernel): ${KERNEL_DIR:-unset}"
		return 1
	fi
	mkdir -p "$VM_BUILD/initramfs/bin" "$VM_BUILD/initramfs/bpf" \
		"$VM_BUILD/initramfs"/{proc,sys,dev,tmp}
	local vm=$root/tests/vm
	local f
	for f in "$vm"/bpf/*.bpf.c; do
		if ! clang -target bpf -O2 -g -Wall -D__TARGET_ARCH_x86 \
			-I"$root/bpf" -c "$f" \
			-o "$VM_BUILD/initramfs/bpf/$(basename "$f" .c).o" 2>"$VM_BUILD/clang.log"; then
			cat "$VM_BUILD/clang.log" >&2
			fail vm-build "clang failed on $(basename "$f")"
			return 1
		fi
	done
	if ! gcc -O2 -Wall -static -pthread -o "$VM_BUILD/initramfs/fbtest" "$vm/fbtest.c" \
		-lbpf -lelf -lz 2>"$VM_BUILD/gcc.log"; then
		cat "$VM_BUILD/gcc.log" >&2
		fail vm-build "cannot link fbtest statically"
		return 1
	fi
	# Extra BPF objects (VM_EXTRA_BPF, space separated), e.g. the project's policies.
	for f in ${VM_EXTRA_BPF:-}; do
		cp "$f" "$VM_BUILD/initramfs/bpf/" || { fail vm-build "cannot copy $f"; return 1; }
	done
	cp /bin/busybox "$VM_BUILD/initramfs/bin/busybox"
	# The project's own binaries (VM_EXTRA_BINS, space separated) go to
	# /bin with the shared libraries they need.
	local b lib
	for b in ${VM_EXTRA_BINS:-}; do
		cp "$b" "$VM_BUILD/initramfs/bin/" || { fail vm-build "cannot copy $b"; return 1; }
		for lib in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
			mkdir -p "$VM_BUILD/initramfs$(dirname "$lib")"
			cp -L "$lib" "$VM_BUILD/initramfs$lib"
		done
	done
	install -m 755 "$vm/init.sh" "$VM_BUILD/initramfs/init"
	(cd "$VM_BUILD/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) \
		> "$VM_BUILD/initramfs.cpio.gz"
}

# vm_boot NAME APPEND [BZIMAGE]: boot with two fresh swap disks; the
# serial log goes to $VM_BUILD/NAME.log.
vm_boot() {
	local name=$1 append=$2 kernel=${3:-$KERNEL_DIR/bzImage}
	# No ACPI, so no HPET/PM timer to calibrate the TSC against: pass the
	# host's rate (TCG's TSC follows the host's), so that the guest gets
	# a fine-grained clocksource instead of jiffies.
	local khz
	khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	[ -n "$khz" ] && append="tsc_early_khz=$khz $append"
	rm -f "$VM_BUILD/vda.img" "$VM_BUILD/vdb.img" "$VM_BUILD/vdc.img"
	truncate -s 256M "$VM_BUILD/vda.img"
	truncate -s 32M "$VM_BUILD/vdb.img"
	truncate -s 16M "$VM_BUILD/vdc.img"
	timeout --foreground -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
		-accel tcg -smp "$VM_SMP" -m "$VM_MEM" -nodefaults -display none \
		-no-reboot -serial "file:$VM_BUILD/$name.log" \
		-kernel "$kernel" -initrd "$VM_BUILD/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=5 panic=-1 $VM_ACPI tsc=reliable $append" \
		-drive "file=$VM_BUILD/vda.img,if=virtio,format=raw" \
		-drive "file=$VM_BUILD/vdb.img,if=virtio,format=raw" \
		-drive "file=$VM_BUILD/vdc.img,if=virtio,format=raw,throttling.iops-total=400" \
		</dev/null >"$VM_BUILD/$name.qemu.log" 2>&1
}

# vm_guest_prereqs NAME TOOL...: root, the tools and a built test kernel
# (KERNEL_DIR), or a SKIP line for NAME naming what is missing (returns 1).
vm_guest_prereqs() {
	local name=$1 t
	shift
	need_root || { skip "$name" "needs root"; return 1; }
	for t in "$@"; do
		command -v "$t" >/dev/null || { skip "$name" "$t missing"; return 1; }
	done
	[ -s "${KERNEL_DIR:-/nonexistent}/bzImage" ] ||
		{ skip "$name" "no test kernel built (make kernel)"; return 1; }
}

# vm_run_init DIR TIMEOUT MEM [QEMU_ARG...]: pack DIR (with its /init) into
# an initramfs beside it and boot it under TCG; the serial log, with the
# carriage returns dropped, ends up in DIR.log.
vm_run_init() {
	local dir=$1 secs=$2 mem=$3
	shift 3
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir.initrd.gz"
	timeout -k 10 "$secs" qemu-system-x86_64 -accel tcg -smp 2 -m "$mem" -nodefaults \
		-display none -no-reboot -serial "file:$dir.serial" -kernel "$KERNEL_DIR/bzImage" \
		-initrd "$dir.initrd.gz" -append "console=ttyS0 loglevel=4 panic=-1 $VM_ACPI" "$@" \
		</dev/null >"$dir.qemu.log" 2>&1
	tr -d '\r' < "$dir.serial" > "$dir.log"
}

# vm_splats: the lines of a kernel log (stdin) that report a WARN, BUG,
# Oops, lockdep or RCU splat.
vm_splats() {
	grep -E 'WARNING:|BUG:|Oops|general protection|possible recursive locking|possible circular locking|inconsistent lock state|INFO: lockdep|lockdep is turned off|suspicious RCU usage|sleeping function called from invalid context|Call Trace'
}

# vm_report NAME: turn the serial log into test lines; returns non-zero
# if anything failed.
vm_report() {
	local name=$1 log=$VM_BUILD/$1.log failed=0 rc
	tr -d '\r\000' < "$log" > "$log.clean" 2>/dev/null || : > "$log.clean"
	sed -n 's/^HFVM: //p' "$log.clean" | grep -a -E '^(PASS|FAIL|SKIP|#)' || true
	grep -q '^HFVM: FAIL' "$log.clean" && failed=1
	if ! grep -q '^HFVM-END' "$log.clean"; then
		fail "vm-$name-boot" "guest did not finish within ${VM_TIMEOUT}s (log: $log)"
		tail -20 "$log.clean" >&2
		return 1
	fi
	pass "vm-$name-boot"
	rc=$(sed -n 's/^HFVM-RC //p' "$log.clean")
	if [ "$rc" != 0 ] && [ $failed = 0 ]; then
		fail "vm-$name-guest-status" "in-guest tests exited with $rc"
		failed=1
	fi
	local splat
	# the console (loglevel 5 shows warnings) and the dmesg dump
	splat=$(grep -v '^HFVM: ' "$log.clean" | sed 's/^HFKLOG: //' | vm_splats | head -5)
	if [ -n "$splat" ]; then
		fail "vm-$name-kernel-log-clean" "$(echo "$splat" | head -1)"
		grep -v '^HFVM: ' "$log.clean" | sed 's/^HFKLOG: //' | grep -B5 -A30 -E 'WARNING:|BUG:|Oops|lockdep|Call Trace' | head -80 >&2
		failed=1
	else
		pass "vm-$name-kernel-log-clean"
	fi
	return $failed
}

# vm_run_initrd INITRD LOG MEM APPEND [QEMU_ARG...]: boot the test kernel
# on INITRD (no disks unless QEMU_ARGs add some), serial console to LOG
# (carriage returns stripped). MEM "": the QEMU_ARGs size the memory.
vm_run_initrd() {
	local initrd=$1 log=$2 mem=$3 append=$4 khz
	shift 4
	# A fine-grained clocksource (see vm_boot), not jiffies.
	khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	[ -n "$khz" ] && append="tsc_early_khz=$khz tsc=reliable $append"
	timeout --foreground -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
		-accel tcg -smp "$VM_SMP" ${mem:+-m "$mem"} -nodefaults -display none \
		-no-reboot -serial "file:$log.raw" -kernel "$KERNEL_DIR/bzImage" \
		-initrd "$initrd" -append "console=ttyS0 loglevel=4 panic=-1 $VM_ACPI $append" \
		"$@" </dev/null >"$log.qemu" 2>&1
	tr -d '\r\000' < "$log.raw" > "$log" 2>/dev/null || : > "$log"
}

# vm_static_bins DIR SRC...: into DIR/bin/X, each C file (tests/workloads/X.c)
# linked statically, or each tool X as `make static` built it (build/static/X).
vm_static_bins() {
	local dir=$1 src out
	shift
	mkdir -p "$dir/bin"
	for src in "$@"; do
		out=$dir/bin/$(basename "${src%.*}")
		case $src in
		*.c) gcc -O2 -static -pthread -o "$out" "$src" 2>&1 | grep -v 'warning: Using' >&2 ;;
		*) cp "${BUILD:-build}/static/$src" "$out" ||
			{ echo "no ${BUILD:-build}/static/$src: make static" >&2; return 1; } ;;
		esac
		[ -x "$out" ] || return 1
	done
}

# vm_boot_dir DIR MEM TIMEOUT LOG: add busybox to DIR (which holds /init
# and bin/), pack it as an initramfs and boot it (vm_run_initrd).
vm_boot_dir() {
	local dir=$1 mem=$2 limit=$3 log=$4
	mkdir -p "$dir"/{bin,proc,sys,dev,tmp}
	cp "$(command -v busybox)" "$dir/bin/busybox"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir.cpio.gz"
	VM_TIMEOUT=$limit VM_SMP=2 vm_run_initrd "$dir.cpio.gz" "$log" "$mem" ""
}

# vm_apps_ird NAME OUT TOOL...: a fresh OUT/ird for a guest that runs
# programs from Debian: its directories, the tools as make static built
# them, busybox. NAME prefixes the messages; 1 when anything is missing.
vm_apps_ird() {
	local name=$1 out=$2
	shift 2
	[ -s "${KERNEL_DIR:-/nonexistent}/bzImage" ] ||
		{ echo "$name: no FetchBPF kernel in '${KERNEL_DIR:-}' (make kernel)" >&2; return 1; }
	rm -rf "$out"; mkdir -p "$out"/ird/{bin,usr/bin,proc,sys,dev,tmp,data}
	vm_static_bins "$out/ird" "$@" ||
		{ echo "$name: no static build of $* (make static)" >&2; return 1; }
	cp "$(command -v busybox)" "$out/ird/bin/busybox"
}

# vm_copy_progs DIR PROG...: the host's programs (by name or path) into
# DIR at their own paths, with their shared libraries and the loader.
vm_copy_progs() {
	local dir=$1 b lib
	shift
	for b in "$@"; do
		b=$(command -v "$b")
		mkdir -p "$dir$(dirname "$b")"; cp "$b" "$dir$b"
		for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
			mkdir -p "$dir$(dirname "$lib")"
			cp -L "$lib" "$dir$lib"
		done
	done
}

# vm_apps_run OUT NAME VDB_SIZE: end OUT/ird's /init (a tar of the
# guest's /tmp/tr to /dev/vdb, kernel warnings as "HFK: " lines,
# "HFA-END"), pack OUT/ird and boot it with 1 GiB, a 256 MiB swap disk
# (vda) and a VDB_SIZE results disk; the guest's "HFA: " lines go to
# OUT/guest.txt, the tar is unpacked in OUT/traces. NAME prefixes the
# messages. 1 when the guest did not finish.
vm_apps_run() {
	local out=$1 name=$2 vdb=$3 start
	cat >> "$out/ird/init" <<'EOG'
tar -cf /dev/vdb -C /tmp tr && echo "HFA: traces saved"
dmesg | grep -E 'WARNING|BUG|Oops|Call Trace' | sed 's/^/HFK: /'
echo HFA-END
reboot -f
EOG
	chmod +x "$out/ird/init"
	(cd "$out/ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.gz"
	truncate -s 256M "$out/vda.img"
	rm -f "$out/vdb.img"; truncate -s "$vdb" "$out/vdb.img"
	start=$(date +%s)
	timeout -k 10 3000 qemu-system-x86_64 -accel tcg -smp 2 -m 1024M -nodefaults -display none \
		-no-reboot -serial "file:$out/serial.raw" -kernel "$KERNEL_DIR/bzImage" \
		-initrd "$out/initrd.gz" -append "console=ttyS0 loglevel=4 panic=-1 $VM_ACPI" \
		-drive "file=$out/vda.img,if=virtio,format=raw" \
		-drive "file=$out/vdb.img,if=virtio,format=raw" </dev/null >"$out/qemu.log" 2>&1
	tr -d '\r' < "$out/serial.raw" > "$out/serial.log"
	sed -n 's/^HFA: //p' "$out/serial.log" > "$out/guest.txt"
	echo "$name: guest done in $(( $(date +%s) - start )) s" >&2
	grep -q HFA-END "$out/serial.log" ||
		{ tail -20 "$out/serial.log" >&2; echo "$name: the guest did not finish" >&2; return 1; }
	rm -f "$out/vda.img"
	mkdir -p "$out/traces" && tar -xf "$out/vdb.img" -C "$out/traces" && rm -f "$out/vdb.img"
}

# vm_guest_idle_registered: guest /init lines that start an idle process
# and register it with khugepaged (a weight), so that khugepaged's list
# never empties and a process registered later does not wake it (a paused
# khugepaged stays paused). The weight is written once the process has
# exec'd: an exec drops the registration of the mm it replaces.
vm_guest_idle_registered() {
	cat <<'EOG'
sleep 1000000 & idle=$!
until [ "$(cat /proc/$idle/comm)" = sleep ]; do sleep 0.01; done
echo 1 > /proc/$idle/khugepaged_weight
EOG
}

# vm_guest_setup: the first lines of a guest /init after its shebang:
# busybox's applets, the usual mounts, swap on vda, the memory controller.
vm_guest_setup() {
	cat <<'EOG'
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp; mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tracefs tracefs /sys/kernel/tracing
mkswap /dev/vda >/dev/null && swapon /dev/vda
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
EOG
}

# vm_app_setup: guest /init lines for the programs of vm-apps and
# vm-corpus: the cgroup t they run in, and `cmd PROG`, PROG's command line
# (cc1 reads $CC1). memory.high, not memory.max: under TCG the swap disk
# is so slow that memory.max's reclaim gives up and the OOM killer ends
# the program; memory.high throttles it instead (memory.max stays as a
# backstop).
vm_app_setup() {
	cat <<'EOG'
mkdir /sys/fs/cgroup/t && echo $MEMMAX > /sys/fs/cgroup/t/memory.high && echo 256M > /sys/fs/cgroup/t/memory.max
mkdir /tmp/tr
cmd() {
	case $1 in
	sort) echo '/usr/bin/sort -S 40M --parallel=1 -o /dev/null /data/sort.in' ;;
	perl) echo '/usr/bin/perl /data/hash.pl 32000' ;;
	sqlite) echo '/usr/bin/sqlite3 :memory: < /data/db.sql' ;;
	zstd) echo '/usr/bin/zstd -q -3 --long=27 -T1 -c /data/text.in > /dev/null' ;;
	python) echo '/usr/bin/python3.11 -S /data/graph.py 50000' ;;
	cc1) echo "$CC1 -quiet -fpreprocessed -nostdinc -O2 /data/record.i -o /dev/null && $CC1 -quiet -fpreprocessed -nostdinc -O2 /data/fbtest.i -o /dev/null" ;;
	kv) echo '/usr/bin/sqlite3 :memory: < /data/kv.sql' ;;
	esac
}
EOG
}
