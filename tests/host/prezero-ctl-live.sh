#!/usr/bin/env bash
# prezero-ctl on the running kernel. A stock kernel has no pre-zeroing:
# every command exits 69, after showing this kernel's THP mode, defrag and
# init_on_alloc/init_on_free; -j gives one JSON error object with a type.
# On a kernel with the patches the status must read cleanly instead.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
P=$BUILD/prezero-ctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset HAWKFETCH_SYSROOT

if ! need_root; then skip "prezero-ctl-host" "needs root"; exit 0; fi

# The bracketed choice of a THP sysfs file, as prezero-ctl shows it.
thp_choice() {
	sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/kernel/mm/transparent_hugepage/$1" 2>/dev/null || echo unknown
}

if [ -d /sys/kernel/mm/prezero ]; then
	skip_hw "prezero-ctl-stock-host" "this kernel has the pre-zeroing patches"
	"$P" -j > "$tmp/out" 2> "$tmp/err" &&
		jq -e '.type == "prezero_status" and (.nodes | length) > 0' "$tmp/out" > /dev/null &&
		pass "prezero-ctl-patched-status" || fail "prezero-ctl-patched-status" "$(cat "$tmp/err")"
	exit 0
fi

"$P" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 69 ] && pass "prezero-ctl-stock-exit-69" || fail "prezero-ctl-stock-exit-69" "status $rc: $(cat "$tmp/err")"
grep -q "/sys/kernel/mm/prezero: No such file or directory: this kernel lacks the hawkfetch pre-zeroing patches" "$tmp/err" &&
	grep -q "make kernel" "$tmp/err" && pass "prezero-ctl-stock-message" ||
	fail "prezero-ctl-stock-message" "$(cat "$tmp/err")"
enabled=$(thp_choice enabled) defrag=$(thp_choice defrag)
grep -qE "^  THP enabled +$enabled " "$tmp/out" && grep -qE "^  THP defrag +$defrag " "$tmp/out" &&
	pass "prezero-ctl-stock-thp-mode ($enabled, $defrag)" ||
	fail "prezero-ctl-stock-thp-mode" "expected enabled $enabled, defrag $defrag in: $(cat "$tmp/out")"
grep -qE "^  init_on_alloc +[^ ]" "$tmp/out" && grep -qE "^  init_on_free +[^ ]" "$tmp/out" &&
	pass "prezero-ctl-stock-init-on" || fail "prezero-ctl-stock-init-on" "$(cat "$tmp/out")"

"$P" -j > "$tmp/json" 2> /dev/null; rc=$?
if [ $rc = 69 ] && jq -e --arg e "$enabled" --arg d "$defrag" '.type == "error" and
	.missing == "/sys/kernel/mm/prezero" and (.message | test("make kernel")) and
	.stock_kernel.thp_enabled == $e and .stock_kernel.thp_defrag == $d and
	(.stock_kernel.init_on_alloc | type) == "string"' "$tmp/json" > /dev/null &&
	[ "$(wc -l < "$tmp/json")" = 1 ]; then
	pass "prezero-ctl-stock-json"
else
	fail "prezero-ctl-stock-json" "status $rc: $(cat "$tmp/json")"
fi

# The other commands: the same refusal, nothing written anywhere.
for cmd in enable disable "set batch_blocks=4" "now 64M" "watch -n 1"; do
	# shellcheck disable=SC2086
	"$P" $cmd > /dev/null 2>&1; rc=$?
	[ $rc = 69 ] && pass "prezero-ctl-stock-'$cmd'" || fail "prezero-ctl-stock-'$cmd'" "status $rc"
done
# Bad input stays a usage error (64) even here.
"$P" set batch_blocks=0 > /dev/null 2>&1; rc=$?
[ $rc = 64 ] && pass "prezero-ctl-stock-bad-value-64" || fail "prezero-ctl-stock-bad-value-64" "status $rc"
