#!/usr/bin/env bash
# mmucost --openmetrics and --textfile on recorded counts (--from), without
# root: promtool accepts every exposition, the numbers are the ones the
# JSON output gives, the textfile holds the last interval and the plain
# output stays as it was; the combinations that make no sense are refused
# (64).
set -u
. "$(dirname "$0")/../lib.sh"
FIX=tests/fixtures
hf_tmp

need_promtool "mmucost-metrics" || exit 0

# ---- command lines ----
metrics_options_refused mmucost
status "mmucost-openmetrics-list-events" 64 "$BUILD/mmucost" --openmetrics --list-events --pmu skx

# ---- mmucost --from: one exposition per interval of the recorded counts ----
for f in skx-interval skx-raw zen; do
	csv=$FIX/perfstat/$f.csv
	"$BUILD/mmucost" --openmetrics --from "$csv" > "$tmp/$f.om" 2> "$tmp/err"; rc=$?
	n=$("$BUILD/mmucost" -j --from "$csv" | wc -l)
	if [ $rc = 0 ]; then promcheck "mmucost-from-$f-promtool" "$tmp/$f.om" "$n"; else fail "mmucost-from-$f-promtool" "status $rc: $(cat "$tmp/err")"; fi
	# The gauges are the JSON's overheads (AMD: per instruction, not per 1000).
	want=$("$BUILD/mmucost" -j --from "$csv" | jq -r 'if .metric == "walks_per_kilo_instruction"
		then .mmu_overhead / 1000 else .mmu_overhead end' | awk '{ printf "%.6g\n", $1 }')
	got=$(grep '^hawkfetch_mmucost_overhead_ratio' "$tmp/$f.om" | awk '{ printf "%.6g\n", $2 }')
	[ "$got" = "$want" ] && pass "mmucost-from-$f-ratios" || fail "mmucost-from-$f-ratios" "got $got, want $want"
	# The last counters are the sums over the file.
	want=$("$BUILD/mmucost" -j --from "$csv" | jq -s -r '[.[] | to_entries[] |
		select(.key | test("walk|cycles|instructions"))] | group_by(.key)[] |
		"hawkfetch_mmucost_events_total{event=\"\(.[0].key)\"} \(map(.value) | add)"' | sort)
	got=$(awk '/^# EOF$/ { last = cur; cur = ""; next } /^hawkfetch_mmucost_events_total/ { cur = cur $0 "\n" }
		END { printf "%s", last }' "$tmp/$f.om" | sort)
	[ "$got" = "$want" ] && pass "mmucost-from-$f-counters" || fail "mmucost-from-$f-counters" "got $got, want $want"
done
grep -q 'metric="walks_per_instruction"} 0.0025$' "$tmp/zen.om" && pass "mmucost-from-zen-base-units" ||
	fail "mmucost-from-zen-base-units" "$(grep ratio "$tmp/zen.om")"
# --textfile: stdout stays the plain report, the file holds the last interval.
mkdir "$tmp/tf"
"$BUILD/mmucost" --textfile "$tmp/tf" --from "$FIX/perfstat/skx-interval.csv" > "$tmp/plain"
"$BUILD/mmucost" --from "$FIX/perfstat/skx-interval.csv" | cmp -s - "$tmp/plain" &&
	pass "mmucost-textfile-plain-unchanged" || fail "mmucost-textfile-plain-unchanged" "$(cat "$tmp/plain")"
textfile "mmucost-textfile" "$tmp/tf" mmucost
awk '/^# EOF$/ { last = cur "# EOF\n"; cur = ""; next } { cur = cur $0 "\n" } END { printf "%s", last }' \
	"$tmp/skx-interval.om" | cmp -s - "$tmp/tf/hawkfetch_mmucost.prom" &&
	pass "mmucost-textfile-last-interval" || fail "mmucost-textfile-last-interval" "differs from the last exposition"
rm -rf "$tmp/tf"
