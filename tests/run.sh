#!/usr/bin/env bash
# The test runner behind `make check`: runs the unit, host and vm tiers,
# counts the PASS:/FAIL:/SKIP: lines they print (tests/lib.sh), and ends
# with one line "N passed, N failed, N skipped". Select tiers with
# TIERS="unit host" and single scripts with ONLY=pattern.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export PATH="$PWD/$BUILD:$PATH"
TIERS=${TIERS:-unit host vm}
ONLY=${ONLY:-}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# run NAME TIMEOUT CMD...: stream the output, keep the verdict lines.
run() {
	local name=$1 limit=$2 rc
	shift 2
	[ -n "$ONLY" ] && [[ $name != *$ONLY* ]] && return
	echo "== $name"
	timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a /dev/stderr |
		grep -aE '^(PASS|FAIL|SKIP): ' >> "$results"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! grep -aq "^FAIL: " <(tail -n 50 "$results"); then
		echo "FAIL: $name: exited with status $rc$([ "$rc" = 124 ] && echo ' (timed out)')" |
			tee -a "$results"
	fi
}

for tier in $TIERS; do
	case $tier in
	unit)
		for t in "$BUILD"/tests/*; do [ -x "$t" ] && run "unit/$(basename "$t")" 300 "$t"; done
		for t in tests/unit/*.sh; do [ -f "$t" ] && run "unit/$(basename "$t" .sh)" 300 bash "$t"; done
		;;
	host)
		for t in tests/host/*.sh; do [ -f "$t" ] && run "host/$(basename "$t" .sh)" 600 bash "$t"; done
		;;
	vm)
		if [ -f mk/kernel.mk ]; then
			run vm 3600 make --no-print-directory vm-check
			run vm-fbtools 1800 make --no-print-directory vm-fbtools-check
			run vm-fbload-fidelity 2700 make --no-print-directory vm-fbload-fidelity-check
			run vm-hpcov 900 make --no-print-directory vm-hpcov-check
			run vm-prezero 1800 make --no-print-directory vm-prezero-check
			run vm-hpbloat 1800 make --no-print-directory vm-hpbloat-check
			run vm-khugepaged 1800 make --no-print-directory vm-khugepaged-check
		fi
		;;
	esac
done

passed=$(grep -ac '^PASS: ' "$results")
failed=$(grep -ac '^FAIL: ' "$results")
skipped=$(grep -ac '^SKIP: ' "$results")
if [ "$failed" -gt 0 ]; then
	echo; echo "Failures:"; grep -a '^FAIL: ' "$results"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
