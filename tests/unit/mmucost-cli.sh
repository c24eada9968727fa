#!/usr/bin/env bash
# mmucost without root: its command line, --from against expected outputs,
# --list-events, the no-PMU path (fixture tree), -e, the man page and
# completion in step with --help.
set -u
. "$(dirname "$0")/../lib.sh"
FIX=tests/fixtures/perfstat
hf_tmp

status "mmucost-help" 0 "$BUILD/mmucost" --help
status "mmucost-version" 0 "$BUILD/mmucost" --version
status "mmucost-no-target" 64 "$BUILD/mmucost"
status "mmucost-bad-option" 64 "$BUILD/mmucost" --no-such-option
status "mmucost-pmu-without-list" 64 "$BUILD/mmucost" -p 1 --pmu skx
status "mmucost-unknown-pmu" 64 "$BUILD/mmucost" --list-events --pmu nosuchpmu

# --from: recorded counts against outputs worked out by hand.
for f in skx-interval skx-raw zen; do
	if "$BUILD/mmucost" --from "$FIX/$f.csv" | diff -u "$FIX/$f.expected" - > "$tmp/diff"; then
		pass "mmucost-from-$f"
	else
		fail "mmucost-from-$f" "$(cat "$tmp/diff")"
	fi
	if "$BUILD/mmucost" -j --from "$FIX/$f.csv" | diff -u "$FIX/$f.expected.json" - > "$tmp/diff"; then
		pass "mmucost-from-$f-json"
	else
		fail "mmucost-from-$f-json" "$(cat "$tmp/diff")"
	fi
done
"$BUILD/mmucost" --from - < "$FIX/zen.csv" | diff -q "$FIX/zen.expected" - >/dev/null &&
	pass "mmucost-from-stdin" || fail "mmucost-from-stdin" "differs from $FIX/zen.expected"
status "mmucost-from-bad-line" 1 "$BUILD/mmucost" --from "$FIX/bad.csv"
grep -q "bad.csv:2: not a line of" "$tmp/err" && pass "mmucost-from-bad-line-named" ||
	fail "mmucost-from-bad-line-named" "$(cat "$tmp/err")"
status "mmucost-from-missing-file" 1 "$BUILD/mmucost" --from "$tmp/none.csv"

# --list-events for a PMU that is not this machine's.
"$BUILD/mmucost" --list-events --pmu skx -j > "$tmp/skx.json"
if jq -e '.pmu == "skx" and ([.events[] | {(.role): .config}] | add) ==
	{"load_walk_cycles": "0x1001008", "store_walk_cycles": "0x1001049",
	 "ifetch_walk_cycles": "0x1001085", "cycles": "0x3c"}' "$tmp/skx.json" >/dev/null; then
	pass "mmucost-list-events-skx"
else
	fail "mmucost-list-events-skx" "$(cat "$tmp/skx.json")"
fi
"$BUILD/mmucost" --list-events --pmu amd64_fam19h_zen3 | grep -q "page walks per 1000 instructions" &&
	pass "mmucost-list-events-zen-metric" || fail "mmucost-list-events-zen-metric" "no AMD note"

# No hardware PMU: a sysfs without event_source/devices/cpu.
mkdir -p "$tmp/root/sys/bus/event_source/devices/software"
HAWKFETCH_SYSROOT=$tmp/root "$BUILD/mmucost" -p $$ > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 69 ] && grep -q "no hardware PMU" "$tmp/err"; then
	pass "mmucost-no-pmu"
else
	fail "mmucost-no-pmu" "status $rc: $(cat "$tmp/err")"
fi
HAWKFETCH_SYSROOT=$tmp/root "$BUILD/mmucost" -j -p $$ 2>/dev/null |
	jq -e 'select(.type == "error") | .message | test("no hardware PMU")' >/dev/null &&
	pass "mmucost-no-pmu-json" || fail "mmucost-no-pmu-json" "no JSON error object"

# Man page and completion stay in step with --help.
help_documented mmucost

status "mmucost-feed-with-from" 64 "$BUILD/mmucost" --feed --from "$FIX/zen.csv"
status "mmucost-feed-with-list-events" 64 "$BUILD/mmucost" --feed --list-events

# mmucost -e
status "mmucost-events-no-slash" 64 "$BUILD/mmucost" -e perf::PAGE-FAULTS -p 1
status "mmucost-events-two-slashes" 64 "$BUILD/mmucost" -e a/b/c -p 1
status "mmucost-events-no-numerator" 64 "$BUILD/mmucost" -e /perf::TASK-CLOCK -p 1
status "mmucost-events-with-from" 64 "$BUILD/mmucost" -e a/b --from "$FIX/zen.csv"
status "mmucost-events-unknown" 64 "$BUILD/mmucost" -e perf::NO-SUCH-EVENT/perf::TASK-CLOCK -p $$
grep -q "event 'perf::NO-SUCH-EVENT'" "$tmp/err" && pass "mmucost-events-unknown-named" ||
	fail "mmucost-events-unknown-named" "$(cat "$tmp/err")"
status "mmucost-events-no-such-pid" 1 "$BUILD/mmucost" -e perf::PAGE-FAULTS/perf::TASK-CLOCK -p 999999999
