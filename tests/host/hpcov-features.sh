#!/usr/bin/env bash
# hpcov on this machine's kernel: a plain run where idle page tracking is
# there, the documented refusal where it isn't; --weights' refusal on a
# kernel without the hawkfetch khugepaged patches.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

if ! need_root; then skip "hpcov-features" "needs root"; exit 0; fi

# hpcov: idle page tracking is the vm tier's; here check the refusal or a plain run.
if [ -e /sys/kernel/mm/page_idle/bitmap ]; then
	"$BUILD/hpcov" -p $$ -i 0.2 -j > "$tmp/out" 2> "$tmp/err" &&
		jq -e '.candidates | type == "array"' "$tmp/out" >/dev/null &&
		pass "hpcov-host-run" || fail "hpcov-host-run" "$(cat "$tmp/err")"
else
	exits_saying hpcov-no-page-idle-host 69 CONFIG_IDLE_PAGE_TRACKING "$BUILD/hpcov" -p $$
fi

# The hawkfetch kernel's khugepaged interfaces: on a stock kernel every
# path that needs them says so and exits 69 before measuring or writing
# anything.
skip_if_patched_khugepaged "hpcov-khugepaged-interfaces-stock" && exit 0
printf '{"type":"weights","processes":[{"pid":%d,"comm":"bash","weight":0.25}]}\n' $$ > "$tmp/w.json"
"$BUILD/hpcov" --weights "$tmp/w.json" > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 69 ] && grep -q "khugepaged_weight: no such file: khugepaged weights need the hawkfetch kernel patches" "$tmp/err" &&
	[ ! -s "$tmp/out" ]; then
	pass "hpcov-weights-stock-kernel"
else
	fail "hpcov-weights-stock-kernel" "status $rc: $(cat "$tmp/err" "$tmp/out")"
fi
"$BUILD/hpcov" -j --weights - < "$tmp/w.json" 2> /dev/null |
	jq -e 'select(.type == "error") | .message | test("hawkfetch kernel patches")' >/dev/null &&
	pass "hpcov-weights-stock-kernel-json" || fail "hpcov-weights-stock-kernel-json" "no JSON error object"
# A pid that does not exist: still the kernel is named, not the pid.
printf '{"type":"weights","processes":[{"pid":999999999,"weight":1}]}\n' > "$tmp/w-gone.json"
"$BUILD/hpcov" --weights "$tmp/w-gone.json" 2> "$tmp/err" >/dev/null; rc=$?
[ $rc = 69 ] && grep -q "hawkfetch kernel patches" "$tmp/err" && pass "hpcov-weights-stock-kernel-no-pid" ||
	fail "hpcov-weights-stock-kernel-no-pid" "status $rc: $(cat "$tmp/err")"
# hpcov without page_idle and without the patches: today's refusal, unchanged (above),
# and no access_map is read.
[ ! -e /proc/self/access_map ] && pass "hpcov-no-access-map-stock-kernel" ||
	fail "hpcov-no-access-map-stock-kernel" "/proc/self/access_map exists without scan_order"
