#!/bin/sh
# prezero-ctl inside the test VM, against the real /sys/kernel/mm/prezero.
#
# An in-guest fragment for the vm tier (issue 8): the host side boots the
# patched kernel and runs it, e.g.
#     sh /prezero-ctl-guest.sh 2>&1 | sed 's/^/HFVM: /'
# It prints one line per check, PASS: name / FAIL: name: why / SKIP: name:
# why, and exits 1 if any check failed, else 0.
#
# Expects:
#   - busybox sh and applets only (no bash, no jq): JSON is checked by shape
#     with grep and sed.
#   - root, with /proc and /sys mounted.
#   - prezero-ctl on PATH, or its path in $PREZERO_CTL.
#   - the patched kernel booted without init_on_free, page poisoning,
#     debug_pagealloc or KASAN (disabled_by "none"); if one of them is on,
#     the checks of the forced-off refusal run instead of enable/now/fill.
#   - a guest of 256 MiB or more, with some free memory: `now` zeroes 8 and
#     16 MiB, the thread is given a 32 MiB per-node target.
# Side effects: the knobs are changed during the run and put back at exit.
set -u

PZ=/sys/kernel/mm/prezero
CTL=${PREZERO_CTL:-prezero-ctl}
T=$(mktemp -d /tmp/prezero-guest.XXXXXX) || exit 1
failed=0

pass() { echo "PASS: prezero-ctl-guest: $1"; }
fail() { echo "FAIL: prezero-ctl-guest: $1: $2"; failed=1; }
skip() { echo "SKIP: prezero-ctl-guest: $1: $2"; }

# run NAME WANT ARGS...: prezero-ctl exits with WANT; output in $T/out, $T/err.
run() {
	name=$1 want=$2
	shift 2
	"$CTL" "$@" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then pass "$name"; return 0; fi
	fail "$name" "'prezero-ctl $*' exited $rc, expected $want: $(head -c 300 "$T/err")"
	return 1
}

# has NAME FILE PATTERN: FILE matches the (basic) regular expression.
has() {
	if grep -q -- "$3" "$2"; then pass "$1"
	else fail "$1" "no '$3' in: $(head -c 300 "$2")"; fi
}

knob() { cat "$PZ/$1" 2>/dev/null; }
vmstat() { sed -n "s/^$1 //p" /proc/vmstat; }

# knob_is NAME FILE VALUE
knob_is() {
	v=$(knob "$2")
	if [ "$v" = "$3" ]; then pass "$1"; else fail "$1" "$PZ/$2 is '$v', expected '$3'"; fi
}

# ---- preconditions ----
if [ "$(id -u)" != 0 ]; then
	skip all "needs root"
	exit 0
fi
if [ ! -d "$PZ" ]; then
	fail interface "$PZ is missing: not the patched kernel"
	exit 1
fi
for f in enabled disabled_by target_kbytes batch_blocks sleep_millisecs nontemporal zero_now_kbytes; do
	[ -e "$PZ/$f" ] || fail interface "$PZ/$f is missing"
done
for c in nr_free_zeroed prezero_zeroed prezero_zeroed_direct prezero_dropped prezero_aborted \
	thp_fault_prezeroed thp_fault_zeroed thp_fault_alloc; do
	grep -q "^$c " /proc/vmstat || fail interface "/proc/vmstat has no $c line"
done
grep -q '^ *nr_free_zeroed ' /proc/zoneinfo || fail interface "/proc/zoneinfo has no nr_free_zeroed"
[ $failed = 0 ] && pass "interface: every knob file and counter is there"

# Put the knobs back however the run ends.
saved=""
for f in target_kbytes batch_blocks sleep_millisecs nontemporal enabled; do
	saved="$saved $f=$(knob $f)"
done
restore() {
	for kv in $saved; do echo "${kv#*=}" > "$PZ/${kv%%=*}" 2>/dev/null; done
	rm -rf "$T"
}
trap restore EXIT
trap 'exit 130' INT TERM HUP

disabled_by=$(knob disabled_by)

# ---- status, plain and JSON ----
if run "status" 0; then
	has "status-state" "$T/out" '^pre-zeroing: '
	has "status-per-node" "$T/out" '^ *0  *[0-9][0-9.]*  *[0-9][0-9.]*  *[-0-9]'
	has "status-hit-rate" "$T/out" '^THP fault hit rate: '
	has "status-counters" "$T/out" '^  prezero_zeroed_direct '
fi
run "status-verb" 0 status
if run "status-json" 0 -j; then
	cp "$T/out" "$T/status.json"
	lines=$(wc -l < "$T/status.json")
	[ "$lines" = 1 ] && pass "status-json-one-line" || fail "status-json-one-line" "$lines lines"
	has "status-json-object" "$T/status.json" '^{.*}$'
	has "status-json-type" "$T/status.json" '"type":"prezero_status"'
	has "status-json-nodes" "$T/status.json" '"nodes":\[{"node":0,"zeroed_kib":[0-9]*,"target_kib":[0-9]*,"memory_kib":[0-9]*}'
	has "status-json-disabled-by" "$T/status.json" "\"disabled_by\":\"$disabled_by\""
	has "status-json-target" "$T/status.json" "\"target_kib\":$(knob target_kbytes)"
	has "status-json-batch" "$T/status.json" "\"batch_blocks\":$(knob batch_blocks),"
	has "status-json-sleep" "$T/status.json" "\"sleep_ms\":$(knob sleep_millisecs),"
	has "status-json-counters" "$T/status.json" '"counters":{"nr_free_zeroed_pages":[0-9]*,"prezero_zeroed_pages":[0-9]*,"prezero_zeroed_direct_pages":[0-9]*,"prezero_dropped_pages":[0-9]*,"prezero_aborted_pages":[0-9]*,"thp_fault_prezeroed":[0-9]*,"thp_fault_zeroed":[0-9]*}'
	grep -q '"thp_fault_hit_rate":null}$' "$T/status.json" ||
		grep -q '"thp_fault_hit_rate":[0-9][0-9.e-]*}$' "$T/status.json" &&
		pass "status-json-hit-rate" || fail "status-json-hit-rate" "$(cat "$T/status.json")"
fi

# ---- set: valid values reach sysfs ----
if run "set" 0 set target_kbytes=32M batch_blocks=8 sleep_millisecs=20 nontemporal=1; then
	knob_is "set-target" target_kbytes 32768
	knob_is "set-batch" batch_blocks 8
	knob_is "set-sleep" sleep_millisecs 20
	knob_is "set-nontemporal" nontemporal 1
fi
run "set-nontemporal-off" 0 set nontemporal=0 && knob_is "set-nontemporal-0" nontemporal 0

# ---- set: bad values are 64, and nothing is written ----
before="$(knob target_kbytes)/$(knob batch_blocks)/$(knob sleep_millisecs)/$(knob nontemporal)/$(knob enabled)"
for kv in batch_blocks=0 batch_blocks=1025 sleep_millisecs=0 sleep_millisecs=60001 \
	nontemporal=2 enabled=2 target_kbytes=1T target_kbytes=x no_such_key=1 disabled_by=none; do
	run "set-bad-$kv" 64 set batch_blocks=4 "$kv" && has "set-bad-$kv-named" "$T/err" "${kv%%=*}"
done
after="$(knob target_kbytes)/$(knob batch_blocks)/$(knob sleep_millisecs)/$(knob nontemporal)/$(knob enabled)"
[ "$before" = "$after" ] && pass "set-bad-wrote-nothing" || fail "set-bad-wrote-nothing" "$before -> $after"
"$CTL" -j set batch_blocks=0 2>/dev/null | grep -q '^{"type":"error","message":".*batch_blocks' &&
	pass "set-bad-json-error" || fail "set-bad-json-error" "no JSON error object"

# The kernel enforces the same ranges prezero-ctl checks.
for kv in batch_blocks=0 batch_blocks=1025 sleep_millisecs=0 sleep_millisecs=60001 nontemporal=2 enabled=2; do
	if echo "${kv#*=}" > "$PZ/${kv%%=*}" 2>/dev/null; then
		fail "kernel-rejects-$kv" "the kernel took it"
	else
		pass "kernel-rejects-$kv"
	fi
done

# ---- enable, disable, now: or the refusal where forced off ----
if [ "$disabled_by" != none ]; then
	run "forced-off-status" 0 && has "forced-off-shown" "$T/out" "forced off by $disabled_by"
	run "forced-off-enable" 1 enable && has "forced-off-enable-why" "$T/err" "$disabled_by"
	knob_is "forced-off-enabled-0" enabled 0
	skip "now" "pre-zeroing forced off by $disabled_by"
else
	run "disable" 0 disable && knob_is "disable-wrote-0" enabled 0
	run "enable" 0 enable && knob_is "enable-wrote-1" enabled 1
	run "status-enabled" 0 && has "status-says-enabled" "$T/out" '^pre-zeroing: enabled$'

	# The thread fills the pool towards the target (32 MiB per node).
	i=0
	while [ "$(vmstat nr_free_zeroed)" -eq 0 ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
	z=$(vmstat nr_free_zeroed)
	[ "$z" -gt 0 ] && pass "thread-fills-pool ($z pages after ${i}s)" ||
		fail "thread-fills-pool" "nr_free_zeroed still 0 after 60 s"

	# now: zeroes in this context; the reported amount is the counter's delta.
	d0=$(vmstat prezero_zeroed_direct)
	if run "now" 0 now 16M; then
		d1=$(vmstat prezero_zeroed_direct)
		has "now-report" "$T/out" '^zeroed [0-9]* KiB .* of 16384 KiB asked in [0-9.]* s'
		if [ $((d1 - d0)) -gt 0 ] && [ $((d1 - d0)) -le 4096 ]; then
			pass "now-zeroed ($((d1 - d0)) pages)"
		else
			fail "now-zeroed" "prezero_zeroed_direct moved by $((d1 - d0)) pages for 16 MiB"
		fi
	fi
	d0=$(vmstat prezero_zeroed_direct)
	if run "now-json" 0 -j now 8M; then
		d1=$(vmstat prezero_zeroed_direct)
		has "now-json-shape" "$T/out" '^{"type":"prezero_now","requested_kib":8192,"zeroed_kib":[0-9]*,"time_ns":[0-9]*,"pool_kib":[0-9]*}$'
		got=$(sed -n 's/.*"zeroed_kib":\([0-9]*\).*/\1/p' "$T/out")
		[ "$got" = $(((d1 - d0) * 4)) ] && pass "now-json-matches-counter" ||
			fail "now-json-matches-counter" "zeroed_kib $got, counter delta $(((d1 - d0) * 4)) KiB"
	fi
fi

# ---- watch ----
if run "watch" 0 watch -i 0.5 -n 2; then
	rows=$(grep -c '^ *[0-9][0-9.]* ' "$T/out")
	[ "$rows" = 2 ] && pass "watch-rows" || fail "watch-rows" "$rows rows: $(cat "$T/out")"
	has "watch-header" "$T/out" 'ZEROED/S.*HIT%.*POOL_MIB'
	has "watch-total" "$T/out" '^ *total '
fi
if run "watch-json" 0 -j watch -i 0.5 -n 2; then
	n=$(grep -c '^{"type":"prezero_interval",.*"pool_kib":[0-9]*}$' "$T/out")
	[ "$n" = 2 ] && pass "watch-json-lines" || fail "watch-json-lines" "$n interval objects: $(cat "$T/out")"
	has "watch-json-summary" "$T/out" '^{"type":"prezero_summary",'
fi
"$CTL" watch -i 0.3 > "$T/out" 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc = 0 ] && grep -q '^ *total ' "$T/out" && pass "watch-sigint" ||
	fail "watch-sigint" "status $rc: $(cat "$T/out")"

# ---- not root: 77 with the file named (when the guest can drop root) ----
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" set batch_blocks=4 > /dev/null 2> "$T/err"
	rc=$?
	[ $rc = 77 ] && grep -q "$PZ/batch_blocks" "$T/err" && pass "not-root-77" ||
		fail "not-root-77" "status $rc: $(cat "$T/err")"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" > /dev/null 2>&1 &&
		pass "not-root-status" || fail "not-root-status" "status without root failed"
fi	# else busybox cannot drop root: tests/unit/prezero-ctl-cli.sh checks it with setpriv

exit $failed
