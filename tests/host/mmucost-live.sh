#!/usr/bin/env bash
# mmucost's live counting with libpfm4's software events (no PMU needed):
# page faults of a workload whose faults are known, spread over threads,
# so every thread must be counted; and `mmucost -- CMD` exits with the
# command's status.
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
wl=
trap '[ -n "$wl" ] && kill $wl 2>/dev/null; exec 7>&- 2>/dev/null; rm -rf "$tmp"' EXIT
EV=perf::PAGE-FAULTS/perf::TASK-CLOCK
FT=$BUILD/workloads/faultthreads
THREADS=4 PAGES=3000
WANT=$((THREADS * PAGES))
SLACK=2000	# the faults of start-up and exit: loader, stacks, libc

if ! need_root; then skip "mmucost-live" "needs root (or a low perf_event_paranoid)"; exit 0; fi
[ -x "$FT" ] || { fail "mmucost-live" "$FT not built"; exit 0; }

# in_range NAME VALUE: WANT <= VALUE <= WANT + SLACK
in_range() {
	if [ -n "$2" ] && [ "$2" -ge $WANT ] && [ "$2" -le $((WANT + SLACK)) ]; then
		pass "$1: $2 page faults for $WANT touched pages"
	else
		fail "$1" "${2:-no} page faults counted, expected $WANT..$((WANT + SLACK))"
	fi
}

# A command: threads started after exec are counted through inherit; its status is ours.
# (The command shares mmucost's stdout: keep the JSON lines.)
"$BUILD/mmucost" -j -e $EV -i 0.2 -- "$FT" -t $THREADS -n $PAGES -x 3 > "$tmp/cmd.out" 2> "$tmp/err"
rc=$?
grep '^{' "$tmp/cmd.out" > "$tmp/cmd.json"
[ $rc = 3 ] && pass "mmucost-command-exit-status" ||
	fail "mmucost-command-exit-status" "status $rc, expected the command's 3: $(cat "$tmp/err")"
in_range "mmucost-command-threads" "$(jq -s 'last | select(.type == "mmu_summary") |
	.processes[0].events["perf::PAGE-FAULTS"]' "$tmp/cmd.json")"
jq -e -s '([.[] | select(.type == "mmu_interval") | .events["perf::PAGE-FAULTS"]] | add) ==
	(last | .processes[0].events["perf::PAGE-FAULTS"]) and (last | .processes[0].comm == "faultthreads")' \
	"$tmp/cmd.json" >/dev/null && pass "mmucost-intervals-sum-to-summary" ||
	fail "mmucost-intervals-sum-to-summary" "$(cat "$tmp/cmd.json")"
"$BUILD/mmucost" -e $EV -- sh -c 'kill -TERM $$' > /dev/null 2>&1; rc=$?
[ $rc = 143 ] && pass "mmucost-command-killed-status" ||
	fail "mmucost-command-killed-status" "status $rc, expected 128 + SIGTERM"
"$BUILD/mmucost" -e $EV -- /nonexistent/command > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 127 ] && pass "mmucost-command-not-found" ||
	fail "mmucost-command-not-found" "status $rc: $(cat "$tmp/err")"

# A running process whose threads exist before mmucost attaches: only
# counters on every thread of /proc/PID/task see their faults (the main
# thread touches nothing).
mkfifo "$tmp/go"
"$FT" -w -t $THREADS -n $PAGES < "$tmp/go" > "$tmp/ft.out" &
wl=$!
exec 7> "$tmp/go"
for _ in $(seq 100); do grep -q '^ready' "$tmp/ft.out" && break; sleep 0.05; done
"$BUILD/mmucost" -j -e $EV -i 0.2 -p $wl > "$tmp/pid.json" 2> "$tmp/err" &
mm=$!
# Wait until its counters are open: 2 events x (THREADS + 1) threads.
want_fds=$((2 * (THREADS + 1)))
for _ in $(seq 200); do
	n=$(find "/proc/$mm/fd" -lname 'anon_inode:*perf_event*' 2>/dev/null | wc -l)
	[ "$n" -ge $want_fds ] && break
	sleep 0.05
done
echo go >&7; exec 7>&-
wait $wl; wl=
wait $mm; rc=$?
[ $rc = 0 ] && [ "$n" -ge $want_fds ] && pass "mmucost-pid-counters-per-thread: $n counters" ||
	fail "mmucost-pid-counters-per-thread" "status $rc, $n perf fds (want $want_fds): $(cat "$tmp/err")"
in_range "mmucost-pid-all-threads" "$(jq -s 'last | select(.type == "mmu_summary") |
	.processes[0].events["perf::PAGE-FAULTS"]' "$tmp/pid.json")"
jq -e -s 'last | .processes[0] | .weight > 0 and .weight == .mmu_overhead and .metric == "event_ratio"' \
	"$tmp/pid.json" >/dev/null && pass "mmucost-summary-weight" ||
	fail "mmucost-summary-weight" "$(tail -1 "$tmp/pid.json")"

# A hardware event without a PMU: 69 with the reason (or counted where a PMU exists).
if [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; then
	skip_hw "mmucost-hw-event-no-pmu" "this machine has a hardware PMU"
else
	"$BUILD/mmucost" -e perf::CYCLES/perf::TASK-CLOCK -p $$ -d 0.1 > /dev/null 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && grep -q "cannot count it" "$tmp/err" && pass "mmucost-hw-event-no-pmu" ||
		fail "mmucost-hw-event-no-pmu" "status $rc: $(cat "$tmp/err")"
fi
