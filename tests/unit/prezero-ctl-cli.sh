#!/usr/bin/env bash
# prezero-ctl against fixture sysroots, without the patched kernel:
# status plain and JSON diffed against expected files; every bad KEY or
# VALUE exits 64 and writes nothing; set/enable/disable/now write the
# (temporary copy of the) knob files; disabled_by; refused and
# unprivileged writes; the stock-kernel exit 69; watch and its signals.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
P=$BUILD/prezero-ctl
FIX=tests/fixtures
EXP=$FIX/prezero
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HAWKFETCH_SYSROOT=$FIX/sysroot-prezero

# status NAME EXPECTED CMD...: the command exits with EXPECTED.
status() {
	local name=$1 want=$2 rc; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ "$rc" = "$want" ] && pass "$name" || fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
}

# has NAME FILE TEXT: FILE contains TEXT (fixed string).
has() {
	grep -qF -- "$3" "$2" && pass "$1" || fail "$1" "no '$3' in: $(head -c 400 "$2")"
}

# differs NAME EXPECTED CMD...: the command's stdout is EXPECTED, to the byte.
same_as() {
	local name=$1 want=$2; shift 2
	if "$@" 2>/dev/null | diff -u "$want" - > "$tmp/diff"; then pass "$name"
	else fail "$name" "$(cat "$tmp/diff")"; fi
}

# A writable copy of the patched-kernel fixture in $tmp/root.
fresh_root() {
	rm -rf "$tmp/root"
	cp -r "$FIX/sysroot-prezero" "$tmp/root"
	PZ=$tmp/root/sys/kernel/mm/prezero
}
knobs() { (cd "$PZ" && for f in enabled target_kbytes batch_blocks sleep_millisecs nontemporal zero_now_kbytes; do printf '%s=%s ' "$f" "$(cat "$f")"; done); }

status "help" 0 "$P" --help
status "version" 0 "$P" --version
status "bad-option" 64 "$P" --no-such-option

# ---- status ----
same_as "status-plain" "$EXP/status.expected" "$P"
same_as "status-verb" "$EXP/status.expected" "$P" status
same_as "status-json" "$EXP/status.expected.json" "$P" -j
"$P" --pretty | jq -e '.type == "prezero_status" and (.nodes | length) == 2 and
	.nodes[1].zeroed_kib == 1048576 and .knobs.target_kib == 1048576' > /dev/null &&
	pass "status-pretty-json" || fail "status-pretty-json" "$("$P" --pretty 2>&1 | head -c 300)"

# ---- bad KEY or VALUE: exit 64, the culprit named, nothing written ----
fresh_root
before=$(knobs)
bad_cases=(
	"set batch_blocks=0|batch_blocks=0|1 to 1024"
	"set batch_blocks=1025|1025|1 to 1024"
	"set batch_blocks=16M|16M|not a number"
	"set sleep_millisecs=0|sleep_millisecs|1 to 60000"
	"set sleep_millisecs=60001|60001|1 to 60000"
	"set sleep_millisecs=-5|-5|not a number"
	"set nontemporal=2|nontemporal|0 or 1"
	"set nontemporal=yes|yes|0 or 1"
	"set enabled=on|enabled|0 or 1"
	"set target_kbytes=9G|9G|0 to 8388608 KiB"
	"set target_kbytes=1.5G|1.5G|not a number"
	"set target_kbytes=1MB|1MB|suffixes"
	"set target_kbytes=|target_kbytes|not a number"
	"set no_such_key=1|no_such_key|no such KEY"
	"set disabled_by=none|disabled_by|no such KEY"
	"set zero_now_kbytes=4|zero_now_kbytes|no such KEY"
	"set batch_blocks|batch_blocks|no VALUE"
	"set =5|=5|no such KEY"
	"set batch_blocks=8 batch_blocks=9|batch_blocks given twice|twice"
	"set batch_blocks=8 sleep_millisecs=0|sleep_millisecs=0|1 to 60000"
	"set|missing argument|set KEY=VALUE"
	"now|missing argument|now SIZE"
	"now 0|now 0|at least 1 KiB"
	"now 1X|1X|invalid SIZE"
	"now 100T|100T|16776824 KiB"
	"now 4M 8M|too many arguments|now SIZE"
	"frobnicate|unknown command 'frobnicate'|status, enable"
	"status extra|too many arguments|status"
	"enable -n 3|-i and -n go with watch|watch"
	"watch -i 0|invalid duration '0'|seconds"
	"watch -n 0|invalid COUNT '0'|integer"
)
for c in "${bad_cases[@]}"; do
	IFS='|' read -r cmd culprit range <<< "$c"
	name="bad: prezero-ctl $cmd"
	# shellcheck disable=SC2086
	HAWKFETCH_SYSROOT=$tmp/root "$P" $cmd > "$tmp/out" 2> "$tmp/err"; rc=$?
	if [ $rc != 64 ]; then fail "$name" "status $rc, expected 64: $(cat "$tmp/err")"
	elif ! grep -qF -- "$culprit" "$tmp/err"; then fail "$name" "'$culprit' not named: $(cat "$tmp/err")"
	elif ! grep -qF -- "$range" "$tmp/err"; then fail "$name" "no '$range' in: $(cat "$tmp/err")"
	elif [ "$(knobs)" != "$before" ]; then fail "$name" "wrote: $(knobs)"
	else pass "$name"; fi
done
HAWKFETCH_SYSROOT=$tmp/root "$P" -j set batch_blocks=0 2>/dev/null |
	jq -e '.type == "error" and (.message | test("batch_blocks=0.*1 to 1024"))' > /dev/null &&
	pass "bad-value-json-error" || fail "bad-value-json-error" "no JSON error object"

# ---- set, enable, disable, now write the knob files ----
fresh_root
export HAWKFETCH_SYSROOT=$tmp/root
status "set-four-knobs" 0 "$P" set target_kbytes=2G batch_blocks=64 sleep_millisecs=50 nontemporal=0
[ "$(knobs)" = "enabled=1 target_kbytes=2097152 batch_blocks=64 sleep_millisecs=50 nontemporal=0 zero_now_kbytes= " ] &&
	pass "set-wrote-files" || fail "set-wrote-files" "$(knobs)"
status "set-bare-kib" 0 "$P" set target_kbytes=4096
[ "$(cat "$PZ/target_kbytes")" = 4096 ] && pass "set-bare-number-is-kib" || fail "set-bare-number-is-kib" "$(cat "$PZ/target_kbytes")"
status "set-node-max" 0 "$P" set target_kbytes=8388608K
status "disable" 0 "$P" disable
[ "$(cat "$PZ/enabled")" = 0 ] && pass "disable-wrote-0" || fail "disable-wrote-0" "$(cat "$PZ/enabled")"
status "enable" 0 "$P" enable
[ "$(cat "$PZ/enabled")" = 1 ] && pass "enable-wrote-1" || fail "enable-wrote-1" "$(cat "$PZ/enabled")"
status "now" 0 "$P" now 512M
[ "$(cat "$PZ/zero_now_kbytes")" = 524288 ] && pass "now-wrote-kib" || fail "now-wrote-kib" "$(cat "$PZ/zero_now_kbytes")"
has "now-reports" "$tmp/out" "of 524288 KiB asked in"
"$P" -j now 1G | jq -e '.type == "prezero_now" and .requested_kib == 1048576 and .zeroed_kib == 0 and
	(.time_ns | type) == "number" and .pool_kib == 1572864' > /dev/null &&
	pass "now-json" || fail "now-json" "$("$P" -j now 1G 2>&1)"

# A write the kernel refuses: file, value and strerror, exit 1.
ln -sf /dev/full "$PZ/zero_now_kbytes"
status "now-refused" 1 "$P" now 4M
has "now-refused-named" "$tmp/err" "/sys/kernel/mm/prezero/zero_now_kbytes: the kernel refused 4096 (4M): No space left on device"

# Not allowed to write: 77 with the file named, and what was written is put back.
fresh_root
chmod -R a+rX "$tmp"
chmod 666 "$PZ/batch_blocks"
chmod 444 "$PZ/sleep_millisecs"
as_user=()
if need_root; then
	if command -v setpriv > /dev/null; then
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
fi
if need_root && [ ${#as_user[@]} = 0 ]; then
	skip "set-not-permitted" "running as root and setpriv is missing"
else
	status "set-not-permitted" 77 "${as_user[@]}" "$P" set batch_blocks=7 sleep_millisecs=5
	has "set-not-permitted-named" "$tmp/err" "/sys/kernel/mm/prezero/sleep_millisecs: Permission denied"
	[ "$(cat "$PZ/batch_blocks")" = 16 ] && pass "set-all-or-nothing-restores" ||
		fail "set-all-or-nothing-restores" "batch_blocks is $(cat "$PZ/batch_blocks"), not 16"
	status "status-without-root" 0 "${as_user[@]}" "$P"
fi

# ---- forced off: disabled_by ----
fresh_root
echo init_on_free > "$PZ/disabled_by"
echo 0 > "$PZ/enabled"
status "forced-off-status" 0 "$P"
has "forced-off-shown" "$tmp/out" "pre-zeroing: forced off by init_on_free"
"$P" -j | jq -e '.disabled_by == "init_on_free" and .enabled == false' > /dev/null &&
	pass "forced-off-json" || fail "forced-off-json" "$("$P" -j 2>&1 | head -c 300)"
status "forced-off-enable" 1 "$P" enable
has "forced-off-enable-why" "$tmp/err" "forced off by init_on_free"
status "forced-off-set" 1 "$P" set batch_blocks=4 enabled=1
[ "$(cat "$PZ/enabled")/$(cat "$PZ/batch_blocks")" = 0/16 ] && pass "forced-off-wrote-nothing" ||
	fail "forced-off-wrote-nothing" "enabled/batch_blocks $(cat "$PZ/enabled")/$(cat "$PZ/batch_blocks")"
status "forced-off-disable" 0 "$P" disable

# An interface this version does not know: a counter missing.
fresh_root
grep -v '^prezero_dropped ' "$FIX/sysroot-prezero/proc/vmstat" > "$tmp/root/proc/vmstat"
status "missing-counter" 69 "$P"
has "missing-counter-named" "$tmp/err" "/proc/vmstat line prezero_dropped: missing"
fresh_root
grep -v 'nr_free_zeroed' "$FIX/sysroot-prezero/proc/zoneinfo" > "$tmp/root/proc/zoneinfo"
status "missing-zone-counter" 69 "$P"
has "missing-zone-counter-named" "$tmp/err" "/proc/zoneinfo line nr_free_zeroed: missing"

# ---- watch ----
export HAWKFETCH_SYSROOT=$FIX/sysroot-prezero
status "watch-count" 0 "$P" watch -i 0.1 -n 3
[ "$(grep -c '^ *[0-9][0-9.]* ' "$tmp/out")" = 3 ] && grep -q '^ *total ' "$tmp/out" &&
	pass "watch-three-rows-and-total" || fail "watch-three-rows-and-total" "$(cat "$tmp/out")"
"$P" watch -j -i 0.1 -n 2 > "$tmp/jl"
jq -e -s 'length == 3 and ([.[] | .type] == ["prezero_interval", "prezero_interval", "prezero_summary"]) and
	all(.[]; .pool_kib == 1572864 and .thp_fault_hit_rate == null)' "$tmp/jl" > /dev/null &&
	pass "watch-json-lines" || fail "watch-json-lines" "$(cat "$tmp/jl")"
for sig in INT TERM HUP; do
	"$P" watch -i 0.2 > "$tmp/out" 2>&1 &
	pid=$!
	sleep 0.7
	kill -s $sig $pid
	wait $pid; rc=$?
	[ $rc = 0 ] && grep -q '^ *total ' "$tmp/out" && pass "watch-sig$sig-clean" ||
		fail "watch-sig$sig-clean" "status $rc: $(cat "$tmp/out")"
done

# ---- a kernel without the patches ----
export HAWKFETCH_SYSROOT=$FIX/sysroot-stock
for cmd in "" status enable "set batch_blocks=4" "now 1G" watch; do
	# shellcheck disable=SC2086
	status "stock-exit-69: '$cmd'" 69 "$P" $cmd
done
same_as "stock-plain" "$EXP/stock.expected" "$P"
"$P" > /dev/null 2> "$tmp/err"
has "stock-names-dir" "$tmp/err" "/sys/kernel/mm/prezero: No such file or directory"
has "stock-names-patches" "$tmp/err" "hawkfetch pre-zeroing patches"
has "stock-names-make-kernel" "$tmp/err" "make kernel"
same_as "stock-json" "$EXP/stock.expected.json" "$P" -j
"$P" -j 2>/dev/null | jq -e '.type == "error" and .stock_kernel.init_on_alloc == "1" and
	.stock_kernel.init_on_free == "kernel default"' > /dev/null &&
	pass "stock-json-cmdline-before-init-args" || fail "stock-json-cmdline-before-init-args" "$("$P" -j 2>&1)"
