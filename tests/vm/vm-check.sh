#!/bin/bash
# Run the FetchBPF in-guest tests in qemu (TCG) on the cached kernel, then
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
out=$(bash "$root/tests/vm/hawkeye-order-check.sh")
echo "$out"
grep -q '^FAIL: ' <<<"$out" && rc=1
exit $rc
