#!/usr/bin/env bash
# mmucost --openmetrics and --textfile live (root): software events of a
# command counted every interval, the textfile rewritten while it runs.
# promtool accepts every exposition.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

host_metrics_ready mmucost-metrics-host mmucost workloads/faultthreads || exit 0

# ---- mmucost: software events of a command, every interval ----
EV=perf::PAGE-FAULTS/perf::TASK-CLOCK
"$BUILD/mmucost" --openmetrics -e $EV -i 0.2 -- "$BUILD/workloads/faultthreads" -t 4 -n 3000 \
	> "$tmp/mmu.out" 2> "$tmp/err"; rc=$?
grep '^#\|^hawkfetch_' "$tmp/mmu.out" > "$tmp/mmu.om"	# not the workload's own lines
lf='comm="faultthreads",event="perf::PAGE-FAULTS"'
if metrics_ok mmucost-live $rc "$tmp/mmu.om"; then
	faults=$(awk -v e="$lf" 'index($1, e) { v = $2 } END { print v }' "$tmp/mmu.om")
	mono=$(awk -v e="$lf" 'index($1, e) { if ($2 < last) bad = 1; last = $2 } END { print bad ? "no" : "yes" }' "$tmp/mmu.om")
	if [ -n "$faults" ] && [ "$faults" -ge 12000 ] && [ "$faults" -le 14000 ] && [ "$mono" = yes ] &&
		grep -q '^hawkfetch_mmucost_overhead_ratio{pid="[0-9]*",comm="faultthreads",metric="event_ratio"}' "$tmp/mmu.om"; then
		pass "mmucost-live-counters: $faults page faults for 12000 touched pages"
	else
		fail "mmucost-live-counters" "faults '$faults', monotonic $mono: $(grep -v '^#' "$tmp/mmu.om" | tail -4)"
	fi
fi
# -i with --textfile: the file is rewritten while the command runs.
mkdir "$tmp/tf"
"$BUILD/mmucost" --textfile "$tmp/tf" -e $EV -i 0.2 -- timeout 2 sh -c 'while :; do :; done' \
	> "$tmp/plain" 2> "$tmp/err" &
mm=$!
seen=""
while kill -0 $mm 2>/dev/null; do
	v=$(awk '/perf::TASK-CLOCK/ && !/^#/ { print $2 }' "$tmp/tf/hawkfetch_mmucost.prom" 2>/dev/null)
	[ -n "$v" ] && [ "${seen##* }" != "$v" ] && seen="$seen $v"
	sleep 0.05
done
wait $mm; rc=$?
# (124: timeout's status for the busy loop it ended, passed on by mmucost)
[ $rc = 124 ] && [ "$(wc -w <<< "$seen")" -ge 3 ] && pass "mmucost-textfile-rewritten: task-clock$seen" ||
	fail "mmucost-textfile-rewritten" "status $rc, values seen:$seen; $(cat "$tmp/err")"
grep -q '^ *total ' "$tmp/plain" && pass "mmucost-textfile-keeps-plain" || fail "mmucost-textfile-keeps-plain" "$(cat "$tmp/plain")"
textfile "mmucost-textfile" "$tmp/tf" mmucost
rm -rf "$tmp/tf"
