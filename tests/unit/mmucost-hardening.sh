#!/usr/bin/env bash
# mmucost under hostile input without root (issue 19): bounded memory on
# /dev/zero, a full standard output, the deadline whatever the interval,
# kernel threads and zombies refused, a pid given twice, user-only
# counting, commands that cannot run, ratios. Each case checks the exit
# status, one clear line on stderr, and (where it applies) RSS and JSON.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

# ---- 1. bounded memory: /dev/zero has no newline ----
if have_time mmucost-hardening-dev-zero; then
	rss mmucost-from-dev-zero 1 "/dev/zero:1: line longer than 65536 bytes" \
		"$BUILD/mmucost" --from /dev/zero
fi
run mmucost-from-directory 1 "$BUILD/mmucost" --from /
err_has mmucost-from-directory-message "/:1: Is a directory"

# ---- 2. a full standard output is an error, never a silent success ----
if [ -w /dev/full ]; then
	FROM=tests/fixtures/perfstat/zen.csv
	run mmucost-stdout-control 0 "$BUILD/mmucost" --from "$FROM"
	run mmucost-dev-full 1 sh -c "\"\$0\" --from $FROM > /dev/full" "$BUILD/mmucost"
	err_has mmucost-dev-full-message "standard output: No space left on device"
	run mmucost-json-dev-full 1 sh -c "\"\$0\" -j --from $FROM > /dev/full" "$BUILD/mmucost"
	err_has mmucost-json-dev-full-message "standard output: No space left on device"
else
	skip mmucost-hardening-dev-full "no writable /dev/full"
fi

# ---- 3. mmucost stops at -d and at the command's exit, whatever -i ----
# (timed, tests/lib.sh: each bound far from both a loaded machine's startup
# time and what the bug it guards would take)
EV=perf::PAGE-FAULTS/perf::TASK-CLOCK
if "$BUILD/mmucost" -e $EV:u -d 0.1 -- true > /dev/null 2>&1 || "$BUILD/mmucost" -e $EV -d 0.1 -- true > /dev/null 2>&1; then
	timed mmucost-duration-before-interval 3.5 0 "$BUILD/mmucost" -e $EV -d 1 -i 5 -p $$
	[ "$(grep -c '^ *1\.0' "$tmp/out")" = 1 ] && pass mmucost-duration-partial-row ||
		fail mmucost-duration-partial-row "no row at 1.0 s: $(cat "$tmp/out")"
	timed mmucost-duration-under-interval 4.0 0 "$BUILD/mmucost" -e $EV -d 0.3 -i 10 -p $$
	grep -q '^ *0\.3' "$tmp/out" && pass mmucost-duration-under-interval-row ||
		fail mmucost-duration-under-interval-row "no row at 0.3 s: $(cat "$tmp/out")"
	timed mmucost-command-ends-run 3.0 0 "$BUILD/mmucost" -e $EV -i 5 -- true
	timed mmucost-huge-interval 5.0 0 "$BUILD/mmucost" -e $EV -i 1e9 -d 1 -p $$
	"$BUILD/mmucost" -e $EV -i 5 -- sh -c 'exit 3' > /dev/null 2>&1
	[ $? = 3 ] && pass mmucost-command-status || fail mmucost-command-status "not the command's status 3"
else
	skip mmucost-duration "no software perf events here"
fi

# ---- 4. kernel threads and zombies are refused before measuring ----
refuses_unmeasurable mmucost -e $EV

# ---- 7. a pid given twice is counted once ----
if "$BUILD/mmucost" -e $EV -d 0.1 -p $$ > /dev/null 2>&1; then
	run mmucost-duplicate-pid 0 "$BUILD/mmucost" -j -e $EV -d 0.2 -p $$ -p $$
	python3 -c '
import json,sys
docs = [json.loads(l) for l in open(sys.argv[1])]
s = [d for d in docs if d["type"] == "mmu_summary"][0]
assert [p["pid"] for p in s["processes"]] == [int(sys.argv[2])], s' "$tmp/out" $$ &&
		pass mmucost-duplicate-pid-once || fail mmucost-duplicate-pid-once "$(cat "$tmp/out")"
else
	skip mmucost-duplicate-pid "no software perf events for this user"
fi

# ---- 8. mmucost: user-only counting, a command that cannot run, ratios ----
if "$BUILD/mmucost" -e $EV:u -d 0.1 -- true > /dev/null 2>&1; then
	# Unprivileged (root runs this part as nobody when setpriv is there).
	asuser=()
	if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
		asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	if [ "$(id -u)" != 0 ] || [ ${#asuser[@]} -gt 0 ]; then
		paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
		"${asuser[@]}" sleep 5 & sleeper=$!
		"${asuser[@]}" "$BUILD/mmucost" -e $EV -p $sleeper -d 0.2 > "$tmp/out" 2> "$tmp/err"; rc=$?
		if [ "$paranoid" -ge 2 ]; then
			[ $rc = 0 ] && pass mmucost-unprivileged-user-only || fail mmucost-unprivileged-user-only "status $rc: $(cat "$tmp/err")"
			err_has mmucost-unprivileged-user-only-note "counting user space only"
			grep -q "user space only" "$tmp/out" && pass mmucost-unprivileged-user-only-header ||
				fail mmucost-unprivileged-user-only-header "$(head -2 "$tmp/out")"
		else
			[ $rc = 0 ] && pass mmucost-unprivileged-counts || fail mmucost-unprivileged-counts "status $rc: $(cat "$tmp/err")"
		fi
		kill $sleeper 2>/dev/null; wait $sleeper 2>/dev/null
	else
		skip mmucost-unprivileged-user-only "root without setpriv"
	fi
	timed mmucost-command-missing 3.0 127 "$BUILD/mmucost" -e $EV -- /nonexistent
	err_has mmucost-command-missing-message "/nonexistent: No such file or directory"
	[ ! -s "$tmp/out" ] && pass mmucost-command-missing-no-row || fail mmucost-command-missing-no-row "$(cat "$tmp/out")"
	run mmucost-command-not-found 127 "$BUILD/mmucost" -e $EV -- no-such-command-hawkfetch
	err_has mmucost-command-not-found-message "no-such-command-hawkfetch: command not found"
	run mmucost-command-directory 126 "$BUILD/mmucost" -e $EV -- /
	err_has mmucost-command-directory-message "/: Is a directory"
	run mmucost-ratio-percent 0 "$BUILD/mmucost" -e $EV -- sh -c 'exit 0'
	grep -q 'RATIO_%' "$tmp/out" && ! grep -Eq '[0-9]e[-+][0-9]' "$tmp/out" && pass mmucost-ratio-percent-no-exponent ||
		fail mmucost-ratio-percent-no-exponent "$(cat "$tmp/out")"
	run mmucost-ratio-json-raw 0 "$BUILD/mmucost" -j -e $EV -- sh -c 'exit 0'
	json_ok mmucost-ratio-json-raw-parses "$tmp/out"
	python3 -c '
import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["type"] == "mmu_interval" and d["denominator"]:
        assert abs(d["mmu_overhead"] - d["numerator"] / d["denominator"]) < 1e-9 * max(1, d["mmu_overhead"]), d' "$tmp/out" &&
		pass mmucost-ratio-json-raw-value || fail mmucost-ratio-json-raw-value "$(cat "$tmp/out")"
else
	skip mmucost-events "no software perf events here"
fi
