#!/usr/bin/env bash
# The README's main command is a test: make demo's script on this kernel,
# which must finish with both engines' tables for both workloads.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
if ! need_root; then
	skip demo "make demo needs root (swap, a memory cgroup, BPF)"
	exit 0
fi
out=$(mktemp); trap 'rm -f "$out"' EXIT
BUILD=$B bash tests/demo.sh > "$out" 2>&1; rc=$?
cat "$out"
tables=$(grep -c '^stride  *2048 ' "$out")
identical=$(grep -c '^(identical: ' "$out")
[ $rc -eq 0 ] && [ "$tables" -eq 2 ] && [ "$identical" -eq 2 ]
check "demo: make demo completes (rc $rc), replaying both workloads with both engines ($tables stride rows, $identical identical)" \
	[ $? -eq 0 ]

# As an unprivileged user: the bundled traces, replayed natively.
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups \
	test -r tests/demo.sh; then
	setpriv --reuid=65534 --regid=65534 --clear-groups env BUILD=$B bash tests/demo.sh \
		> "$out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ "$(grep -c '^stride  *2048 ' "$out")" -eq 2 ]
	check "demo: make demo as an unprivileged user replays the bundled traces natively (rc $rc)" \
		[ $? -eq 0 ]
else
	skip "demo: unprivileged" "this checkout is not readable by nobody"
fi
