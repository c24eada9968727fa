#!/usr/bin/env bash
# hpbloat, hpcov, mmucost, prezero-ctl under hostile input without root
# (issue 19): bounded memory on /dev/zero, a full standard output, mmucost's
# deadline whatever the interval, kernel threads and zombies refused, one
# JSON document, invalid UTF-8 escaped. Each case checks the exit status,
# one clear line on stderr, and (where it applies) RSS and JSON.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME EXPECTED_STATUS CMD...: status, and exactly one line on stderr
# when the status is not 0. Leaves $tmp/out, $tmp/err.
run() {
	local name=$1 want=$2 rc lines; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	lines=$(wc -l < "$tmp/err")
	if [ "$rc" != "$want" ]; then
		fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
	elif [ "$want" != 0 ] && [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr, expected one: $(head -c 300 "$tmp/err")"
	else
		pass "$name"
	fi
}
# err_has NAME TEXT: stderr holds TEXT.
err_has() {
	grep -qF -- "$2" "$tmp/err" && pass "$1" || fail "$1" "no '$2' in: $(head -c 300 "$tmp/err")"
}
# json_ok NAME FILE: every line of FILE is a JSON document Python reads.
json_ok() {
	python3 -c 'import json,sys
for l in open(sys.argv[1], "rb"):
    json.loads(l)' "$2" 2> "$tmp/pyerr" && pass "$1" || fail "$1" "$(tail -1 "$tmp/pyerr")"
}

# ---- 1. bounded memory: /dev/zero has no newline ----
# rss NAME EXPECTED_STATUS MESSAGE CMD...: within 5 s, under 64 MiB.
rss() {
	local name=$1 want=$2 msg=$3 kib; shift 3
	run "$name" "$want" timeout 5 /usr/bin/time -f "rss %M" -o "$tmp/rss" "$@"
	kib=$(awk '/^rss/ {print $2}' "$tmp/rss" 2>/dev/null)
	[ -n "$kib" ] && [ "$kib" -lt 65536 ] && pass "$name-rss" ||
		fail "$name-rss" "max RSS ${kib:-?} KiB, expected under 64 MiB"
	err_has "$name-message" "$msg"
}
if [ -x /usr/bin/time ]; then
	rss hpcov-promote-dev-zero 1 "/dev/zero:1: line longer than 16777216 bytes" \
		"$BUILD/hpcov" --promote --from /dev/zero --dry-run
	rss hpcov-weights-dev-zero 1 "/dev/zero:1: line longer than 16777216 bytes" \
		"$BUILD/hpcov" --weights /dev/zero
	rss mmucost-from-dev-zero 1 "/dev/zero:1: line longer than 65536 bytes" \
		"$BUILD/mmucost" --from /dev/zero
else
	skip hardening-dev-zero "no /usr/bin/time"
fi
run mmucost-from-directory 1 "$BUILD/mmucost" --from /
err_has mmucost-from-directory-message "/:1: Is a directory"
run hpcov-weights-directory 1 "$BUILD/hpcov" --weights /
err_has hpcov-weights-directory-message "/: Is a directory"

# ---- 2. a full standard output is an error, never a silent success ----
if [ -w /dev/full ]; then
	FROM=tests/fixtures/perfstat/zen.csv
	run mmucost-stdout-control 0 "$BUILD/mmucost" --from "$FROM"
	run mmucost-dev-full 1 sh -c "\"\$0\" --from $FROM > /dev/full" "$BUILD/mmucost"
	err_has mmucost-dev-full-message "standard output: No space left on device"
	run mmucost-json-dev-full 1 sh -c "\"\$0\" -j --from $FROM > /dev/full" "$BUILD/mmucost"
	err_has mmucost-json-dev-full-message "standard output: No space left on device"
	run prezero-ctl-json-dev-full 1 sh -c "HAWKFETCH_SYSROOT=tests/fixtures/sysroot-prezero \"\$0\" -j status > /dev/full" "$BUILD/prezero-ctl"
	err_has prezero-ctl-json-dev-full-message "standard output: No space left on device"
else
	skip hardening-dev-full "no writable /dev/full"
fi

# ---- 3. mmucost stops at -d and at the command's exit, whatever -i ----
# timed NAME MAX_S EXPECTED_STATUS CMD...: also finishes within MAX_S seconds.
# Each bound is far below what the bug it guards would take (a whole -i
# interval of 5-10 s, or the 20 s timeout), and far above a loaded machine's
# startup time, so it tells the two apart without flaking.
timed() {
	local name=$1 max=$2 want=$3 t0 t1; shift 3
	t0=$(date +%s%N)
	run "$name" "$want" timeout 20 "$@"
	t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -le $(( ${max%.*} * 1000 + ${max#*.} * 100 )) ] &&
		pass "$name-time" || fail "$name-time" "took $(( (t1 - t0) / 1000000 )) ms, at most $max s"
}
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
# A zombie: a child of a shell that execs into sleep and never reaps it.
sh -c 'sleep 0.1 & exec sleep 30' &
zparent=$!
zombie=
for _ in $(seq 50); do
	zombie=$(ps -o pid=,stat= --ppid $zparent 2>/dev/null | awk '$2 ~ /^Z/ {print $1}')
	[ -n "$zombie" ] && break
	sleep 0.1
done
kthread=$(ps -eo pid=,ppid=,comm= | awk '$2 == 2 || $3 == "kthreadd" {print $1; exit}')
for tool in hpcov mmucost; do
	extra=; [ $tool = mmucost ] && extra="-e $EV"
	if [ -n "$kthread" ]; then
		run $tool-kernel-thread 1 "$BUILD/$tool" $extra -p "$kthread"
		err_has $tool-kernel-thread-message "pid $kthread ("
		err_has $tool-kernel-thread-reason "a kernel thread, which has no user address space"
	else
		skip $tool-kernel-thread "no kernel thread visible"
	fi
	if [ -n "$zombie" ]; then
		run $tool-zombie 1 "$BUILD/$tool" $extra -p "$zombie"
		err_has $tool-zombie-message "pid $zombie (sleep): a zombie: it has exited"
	else
		skip $tool-zombie "no zombie made"
	fi
done
if [ -n "$zombie" ]; then
	run hpbloat-zombie 1 "$BUILD/hpbloat" -p "$zombie"
	err_has hpbloat-zombie-message "pid $zombie (sleep): a zombie: it has exited"
fi
if [ -n "$kthread" ]; then
	run hpbloat-kernel-thread 1 "$BUILD/hpbloat" -p "$kthread"
	err_has hpbloat-kernel-thread-message "a kernel thread, which has no user address space"
fi
kill $zparent 2>/dev/null; wait $zparent 2>/dev/null

# ---- 7. a pid given twice is counted once ----
if "$BUILD/mmucost" -e $EV -d 0.1 -p $$ > /dev/null 2>&1; then
	run mmucost-duplicate-pid 0 "$BUILD/mmucost" -j -e $EV -d 0.2 -p $$ -p $$
	python3 -c '
import json,sys
docs = [json.loads(l) for l in open(sys.argv[1])]
s = [d for d in docs if d["type"] == "summary"][0]
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
    if d["type"] == "interval" and d["denominator"]:
        assert abs(d["mmu_overhead"] - d["numerator"] / d["denominator"]) < 1e-9 * max(1, d["mmu_overhead"]), d' "$tmp/out" &&
		pass mmucost-ratio-json-raw-value || fail mmucost-ratio-json-raw-value "$(cat "$tmp/out")"
else
	skip mmucost-events "no software perf events here"
fi
