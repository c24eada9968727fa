#!/bin/bash
# Run the FetchBPF in-guest tests in qemu (TCG) on the cached kernel (the
# zram mTHP race in a second boot, with two CPUs), then
# HawkEye's promotion order (tests/vm/hawkeye-order-check.sh, one more boot).
# Prints PASS/FAIL/SKIP lines (tests/lib.sh) and exits non-zero on failure.
#   vm-check.sh             functional checks (make vm-check)
# Environment: KERNEL_DIR (cached kernel), VM_BUILD (scratch directory),
# VM_TIMEOUT (seconds, default 1200).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
. "$root/tests/vm/vm-lib.sh"

vm_prepare || exit 1
vm_boot check "hf.mode=check" || true
vm_report check
rc=$?
# Two threads racing for one mTHP's swap-in need two CPUs: without ACPI
# the guest reads SeaBIOS's MP table, which lists a second CPU only as a
# second socket.
VM_SMP=2,sockets=2 vm_boot zram "hf.mode=zram" || true
vm_report zram || rc=1
out=$(bash "$root/tests/vm/hawkeye-order-check.sh")
echo "$out"
grep -q '^FAIL: ' <<<"$out" && rc=1
exit $rc
