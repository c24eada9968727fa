#!/usr/bin/env bash
# --openmetrics and --textfile of hpbloat, hpcov, mmucost and prezero-ctl on
# fixtures, without root: promtool accepts every exposition, the numbers
# are the ones the JSON output gives, the textfile appears atomically
# (mode 0644, no temporary file left, never half written) and is rewritten
# every interval in watch modes, the plain output stays as it was, and
# the option combinations that make no sense are refused (64).
set -u
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
FIX=tests/fixtures
PFX=$FIX/promote
tmp=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill $bg 2>/dev/null; rm -rf "$tmp"' EXIT

if ! command -v promtool >/dev/null; then
	skip "metrics" "promtool missing (Debian package prometheus)"; exit 0
fi

# status NAME EXPECTED CMD...: the command exits with EXPECTED.
status() {
	local name=$1 want=$2 rc; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ "$rc" = "$want" ] && pass "$name" || fail "$name" "status $rc, expected $want: $(head -c 300 "$tmp/err")"
}

# promcheck NAME FILE [N]: FILE is one or more expositions (N if given),
# each ended by "# EOF" and accepted by promtool check metrics (no lint).
promcheck() {
	local name=$1 file=$2 want=${3:-} n bad=""
	rm -f "$tmp"/expo.*
	awk -v out="$tmp/expo." '{ print > (out n) } /^# EOF$/ { close(out n); n++ }' n=0 "$file"
	n=$(grep -c '^# EOF$' "$file")
	if [ "$n" = 0 ] || [ "$(tail -n1 "$file")" != "# EOF" ]; then
		fail "$name" "not ended by # EOF: $(tail -c 200 "$file")"; return
	fi
	for e in "$tmp"/expo.*; do
		promtool check metrics < "$e" > "$tmp/promtool" 2>&1 || bad="$bad $(basename "$e"): $(cat "$tmp/promtool")"
	done
	if [ -n "$bad" ]; then fail "$name" "promtool:$bad"
	elif [ -n "$want" ] && [ "$n" != "$want" ]; then fail "$name" "$n expositions, expected $want"
	else pass "$name"; fi
}

# value FILE SERIES: the value of the series (name{labels} exactly) in the
# last exposition of FILE.
# (A label value may hold spaces: the series is the line less its last field.)
value() {
	awk -v s="$2" '/^# EOF$/ { last = cur; cur = ""; next }
		substr($0, 1, length($0) - length($NF) - 1) == s { cur = $NF } END { print last }' "$1"
}

# textfile NAME DIR TOOL: DIR/hawkfetch_TOOL.prom is there, mode 0644, passes
# promtool, and no temporary file is left beside it.
textfile() {
	local name=$1 f=$2/hawkfetch_$3.prom
	if [ ! -f "$f" ]; then fail "$name" "$f missing: $(ls -A "$2")"; return; fi
	[ "$(stat -c %a "$f")" = 644 ] || { fail "$name" "mode $(stat -c %a "$f")"; return; }
	[ "$(ls -A "$2")" = "hawkfetch_$3.prom" ] || { fail "$name" "left beside it: $(ls -A "$2")"; return; }
	promcheck "$name" "$f" 1
}

# ---- command lines ----
for tool in hpbloat hpcov mmucost prezero-ctl; do
	status "$tool-openmetrics-and-json" 64 "$BUILD/$tool" --openmetrics -j -p 1
	status "$tool-openmetrics-and-pretty" 64 "$BUILD/$tool" --openmetrics --pretty -p 1
	status "$tool-textfile-missing-dir" 64 "$BUILD/$tool" --textfile "$tmp/none" -p 1
	grep -q -- "--textfile $tmp/none" "$tmp/err" && pass "$tool-textfile-missing-dir-named" ||
		fail "$tool-textfile-missing-dir-named" "$(cat "$tmp/err")"
done
status "hpbloat-openmetrics-regions" 64 "$BUILD/hpbloat" --openmetrics -r -p 1
status "hpbloat-openmetrics-vmas" 64 "$BUILD/hpbloat" --openmetrics --vmas -p 1
status "hpbloat-textfile-one-off-recover" 64 "$BUILD/hpbloat" --textfile "$tmp" --recover -p 1
status "hpcov-openmetrics-weights-only" 64 "$BUILD/hpcov" --openmetrics --weights "$PFX/weights.json"
status "mmucost-openmetrics-list-events" 64 "$BUILD/mmucost" --openmetrics --list-events --pmu skx
cp -r "$FIX/sysroot-prezero" "$tmp/pzroot"
knobs() { cat "$tmp/pzroot/sys/kernel/mm/prezero/"*; }
before=$(knobs)
for verb in "set batch_blocks=8" enable disable "now 1M"; do
	# shellcheck disable=SC2086
	HAWKFETCH_SYSROOT=$tmp/pzroot status "prezero-ctl-openmetrics-$verb" 64 \
		"$BUILD/prezero-ctl" --openmetrics $verb
done
[ "$(knobs)" = "$before" ] && pass "prezero-ctl-openmetrics-refused-writes-nothing" ||
	fail "prezero-ctl-openmetrics-refused-writes-nothing" "knobs changed"

# ---- mmucost --from: one exposition per interval of the recorded counts ----
for f in skx-interval skx-raw zen; do
	csv=$FIX/perfstat/$f.csv
	"$BUILD/mmucost" --openmetrics --from "$csv" > "$tmp/$f.om" 2> "$tmp/err"; rc=$?
	n=$("$BUILD/mmucost" -j --from "$csv" | wc -l)
	[ $rc = 0 ] && promcheck "mmucost-from-$f-promtool" "$tmp/$f.om" "$n" ||
		fail "mmucost-from-$f-promtool" "status $rc: $(cat "$tmp/err")"
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

# ---- hpcov --promote --dry-run --from: the histogram of the coverage file ----
mkdir -p "$tmp/thp511/sys/kernel/mm/transparent_hugepage/khugepaged"
echo 511 > "$tmp/thp511/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
dry() { HAWKFETCH_SYSROOT=$tmp/thp511 "$BUILD/hpcov" --promote --dry-run --from "$PFX/coverage.json" "$@"; }
dry --openmetrics --weights "$PFX/weights.json" > "$tmp/cov.om" 2> "$tmp/err"; rc=$?
[ $rc = 0 ] && promcheck "hpcov-promote-dry-run-promtool" "$tmp/cov.om" 1 ||
	fail "hpcov-promote-dry-run-promtool" "status $rc: $(cat "$tmp/err")"
want=$(jq -r '(.candidates[] | "hawkfetch_hpcov_regions{pid=\"\(.pid)\",comm=\"\(.comm)\",bucket=\"\([.coverage / 50 | floor, 10] | min)\"}"),
	(.huge_regions[] | "hawkfetch_hpcov_huge_regions{pid=\"\(.pid)\",comm=\"\(.comm)\"}")' \
	"$PFX/coverage.json" | sort | uniq -c | awk '{ print $2, $1 }')
got=$(grep -E '^hawkfetch_hpcov_(regions|huge_regions)\{' "$tmp/cov.om" | awk '$2 != 0' | sort)
[ "$got" = "$want" ] && pass "hpcov-promote-histogram" || fail "hpcov-promote-histogram" "got $got, want $want"
[ "$(grep -c '^hawkfetch_hpcov_regions{pid="101"' "$tmp/cov.om")" = 11 ] &&
	pass "hpcov-promote-histogram-every-bucket" || fail "hpcov-promote-histogram-every-bucket" "not 11 buckets"
# Budget 8 in HawkEye's order (buckets first, alpha's weight 30 first within one): 4 and 4.
[ "$(value "$tmp/cov.om" 'hawkfetch_hpcov_planned_regions_total{pid="101",comm="alpha"}')" = 4 ] &&
	[ "$(value "$tmp/cov.om" 'hawkfetch_hpcov_planned_regions_total{pid="202",comm="beta"}')" = 4 ] &&
	[ "$(value "$tmp/cov.om" 'hawkfetch_hpcov_weight{pid="101",comm="alpha"}')" = 30 ] &&
	[ "$(value "$tmp/cov.om" 'hawkfetch_hpcov_promoted_regions_total{pid="101",comm="alpha"}')" = 0 ] &&
	[ "$(value "$tmp/cov.om" 'hawkfetch_hpcov_promotion_rounds_total')" = 1 ] &&
	pass "hpcov-promote-dry-run-counters" || fail "hpcov-promote-dry-run-counters" "$(grep -v '^#' "$tmp/cov.om" | grep -v regions)"
mkdir "$tmp/tf"
dry --budget 4 > "$tmp/plain"
dry --budget 4 --textfile "$tmp/tf" | cmp -s - "$tmp/plain" && pass "hpcov-textfile-plain-unchanged" ||
	fail "hpcov-textfile-plain-unchanged" "plain output changed"
textfile "hpcov-textfile" "$tmp/tf" hpcov
rm -rf "$tmp/tf"
# ---- hpcov's measurement: khugepaged's access_map in a sysroot (no root) ----
AM=$tmp/amroot
mkdir -p "$AM/sys/kernel/mm/transparent_hugepage/khugepaged"
echo "address [coverage]" > "$AM/sys/kernel/mm/transparent_hugepage/khugepaged/scan_order"
echo 511 > "$AM/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
for p in 4242 4243; do
	mkdir -p "$AM/proc/$p"
	cp "$FIX/sysroot/proc/4242/stat" "$FIX/sysroot/proc/4242/status" "$AM/proc/$p/"
	printf '7f0000000000-7f0001000000 rw-p 00000000 00:00 0 \n' > "$AM/proc/$p/maps"
done
# 4242: one huge region and coverages 500, 462, 461, 100, 0, in 50-page buckets
# (461 with an older kernel's bucket, 461 * 10 / 513 = 8: read as 9); 4243: none
# measured yet.
printf '%s\n' "7f0000000000 512 10 1" "7f0000200000 500 10 0" "7f0000400000 462 9 0" \
	"7f0000600000 461 8 0" "7f0000800000 100 2 0" "7f0000a00000 0 0 0" > "$AM/proc/4242/access_map"
: > "$AM/proc/4243/access_map"
am() { HAWKFETCH_SYSROOT=$AM "$BUILD/hpcov" -p 4242 -p 4243 "$@"; }
am --openmetrics --top 1 > "$tmp/am.om" 2> "$tmp/err"; rc=$?
l='pid="4242",comm="my (odd) comm"'
[ $rc = 0 ] && promcheck "hpcov-access-map-promtool" "$tmp/am.om" 1 || fail "hpcov-access-map-promtool" "status $rc: $(cat "$tmp/err")"
want=$(am -j 2>/dev/null | jq -r '.candidates | group_by(.bucket)[] | "\(.[0].bucket) \(length)"')
got=$(awk -v l="$l" 'index($0, "hawkfetch_hpcov_regions{" l) == 1 && $NF != 0 {
	match($0, /bucket="[0-9]+"/); print substr($0, RSTART + 8, RLENGTH - 9), $NF }' "$tmp/am.om")
[ "$got" = "$want" ] && [ "$want" = "$(printf '0 1\n2 1\n9 2\n10 1')" ] &&
	[ "$(value "$tmp/am.om" "hawkfetch_hpcov_huge_regions{$l}")" = 1 ] &&
	! grep -q 'pid="4243"' "$tmp/am.om" && ! grep -q promot "$tmp/am.om" &&
	pass "hpcov-access-map-histogram (--top ignored, no series without regions)" ||
	fail "hpcov-access-map-histogram" "got '$got', want '$want': $(grep -v '^#' "$tmp/am.om")"
mkdir "$tmp/tf"
am > "$tmp/plain" 2>/dev/null
am --textfile "$tmp/tf" 2>/dev/null | cmp -s - "$tmp/plain" && pass "hpcov-access-map-textfile-plain-unchanged" ||
	fail "hpcov-access-map-textfile-plain-unchanged" "plain output changed"
textfile "hpcov-access-map-textfile" "$tmp/tf" hpcov
rm -rf "$tmp/tf"

# No idle page tracking: 69 as before, stdout empty, the reason on stderr.
mkdir "$tmp/tf"
HAWKFETCH_SYSROOT=$FIX/sysroot status "hpcov-no-page-idle-openmetrics" 69 "$BUILD/hpcov" --top 20 --openmetrics --textfile "$tmp/tf"
[ ! -s "$tmp/out" ] && grep -q "page_idle" "$tmp/err" && [ -z "$(ls -A "$tmp/tf")" ] &&
	pass "hpcov-no-page-idle-says-why" || fail "hpcov-no-page-idle-says-why" "stdout $(head -c 200 "$tmp/out"), stderr $(cat "$tmp/err")"
rm -rf "$tmp/tf"

# ---- prezero-ctl status and watch ----
export HAWKFETCH_SYSROOT=$FIX/sysroot-prezero
P=$BUILD/prezero-ctl
"$P" --openmetrics > "$tmp/pz.om"; rc=$?
[ $rc = 0 ] && promcheck "prezero-ctl-status-promtool" "$tmp/pz.om" 1 || fail "prezero-ctl-status-promtool" "status $rc"
"$P" status --openmetrics | cmp -s - "$tmp/pz.om" && pass "prezero-ctl-status-verb" || fail "prezero-ctl-status-verb" "differs"
"$P" -j > "$tmp/pz.json"
want=$(jq -r '(.nodes[] | "hawkfetch_prezero_pool_bytes{node=\"\(.node)\"} \(.zeroed_kib * 1024)",
	"hawkfetch_prezero_target_bytes{node=\"\(.node)\"} \(.target_kib * 1024)"),
	"hawkfetch_prezero_enabled \(if .enabled then 1 else 0 end)",
	"hawkfetch_prezero_forced_off{reason=\"\(.disabled_by)\"} 0",
	"hawkfetch_prezero_batch_bytes \(.knobs.batch_kib * 1024)",
	"hawkfetch_prezero_sleep_seconds \(.knobs.sleep_ms / 1000)",
	"hawkfetch_prezero_nontemporal \(if .knobs.nontemporal then 1 else 0 end)",
	"hawkfetch_prezero_zeroed_bytes_total \(.counters.prezero_zeroed_pages * 4096)",
	"hawkfetch_prezero_zeroed_direct_bytes_total \(.counters.prezero_zeroed_direct_pages * 4096)",
	"hawkfetch_prezero_dropped_bytes_total \(.counters.prezero_dropped_pages * 4096)",
	"hawkfetch_prezero_thp_faults_total{result=\"prezeroed\"} \(.counters.thp_fault_prezeroed)",
	"hawkfetch_prezero_thp_faults_total{result=\"zeroed\"} \(.counters.thp_fault_zeroed)"' \
	"$tmp/pz.json" 2>&1 | sort)
got=$(grep -v '^#' "$tmp/pz.om" | sort)
[ "$got" = "$want" ] && pass "prezero-ctl-status-values" || fail "prezero-ctl-status-values" "$(diff <(echo "$want") <(echo "$got"))"
mkdir "$tmp/tf"
"$P" --textfile "$tmp/tf" | cmp -s - "$FIX/prezero/status.expected" && pass "prezero-ctl-textfile-plain-unchanged" ||
	fail "prezero-ctl-textfile-plain-unchanged" "plain status changed"
textfile "prezero-ctl-textfile" "$tmp/tf" prezero-ctl
cmp -s "$tmp/tf/hawkfetch_prezero-ctl.prom" "$tmp/pz.om" && pass "prezero-ctl-textfile-is-exposition" ||
	fail "prezero-ctl-textfile-is-exposition" "differs from --openmetrics"
rm -rf "$tmp/tf"
"$P" watch -i 0.05 -n 3 --openmetrics > "$tmp/watch.om"; rc=$?
[ $rc = 0 ] && promcheck "prezero-ctl-watch-promtool" "$tmp/watch.om" 3 || fail "prezero-ctl-watch-promtool" "status $rc"
grep -q TIME_S "$tmp/watch.om" && fail "prezero-ctl-watch-no-plain" "plain rows on stdout" || pass "prezero-ctl-watch-no-plain"
# watch rewrites the file every interval: a counter changed meanwhile shows.
mkdir "$tmp/tf"
HAWKFETCH_SYSROOT=$tmp/pzroot "$P" watch -i 0.1 -n 8 --textfile "$tmp/tf" > "$tmp/watch.txt" &
bg=$!
for _ in $(seq 50); do [ -f "$tmp/tf/hawkfetch_prezero-ctl.prom" ] && break; sleep 0.05; done
sed -i 's/^prezero_zeroed \([0-9]*\)/prezero_zeroed 999999/' "$tmp/pzroot/proc/vmstat"
wait $bg; rc=$?; bg=
[ $rc = 0 ] && [ "$(value "$tmp/tf/hawkfetch_prezero-ctl.prom" hawkfetch_prezero_zeroed_bytes_total)" = $((999999 * 4096)) ] &&
	pass "prezero-ctl-watch-textfile-rewritten" ||
	fail "prezero-ctl-watch-textfile-rewritten" "status $rc: $(grep zeroed_bytes "$tmp/tf/hawkfetch_prezero-ctl.prom")"
[ "$(grep -c '^ *[0-9.]* ' "$tmp/watch.txt")" -ge 8 ] && pass "prezero-ctl-watch-textfile-keeps-rows" ||
	fail "prezero-ctl-watch-textfile-keeps-rows" "$(cat "$tmp/watch.txt")"
textfile "prezero-ctl-watch-textfile" "$tmp/tf" prezero-ctl
# A reader never sees a partial file while watch rewrites it every 10 ms.
lines=$(wc -l < "$tmp/tf/hawkfetch_prezero-ctl.prom")
"$P" watch -i 0.01 -n 300 --textfile "$tmp/tf" > /dev/null &
bg=$!
reads=0 torn=0
while kill -0 $bg 2>/dev/null; do
	if content=$(cat "$tmp/tf/hawkfetch_prezero-ctl.prom" 2>/dev/null); then
		reads=$((reads + 1))
		[ "$(wc -l <<< "$content")" = "$lines" ] && [ "${content##*$'\n'}" = "# EOF" ] || torn=$((torn + 1))
	fi
done
wait $bg; bg=
[ $torn = 0 ] && [ $reads -ge 10 ] && [ "$(ls -A "$tmp/tf")" = hawkfetch_prezero-ctl.prom ] &&
	pass "prezero-ctl-textfile-never-partial ($reads reads)" ||
	fail "prezero-ctl-textfile-never-partial" "$torn of $reads reads torn; dir: $(ls -A "$tmp/tf")"
rm -rf "$tmp/tf"
# A stock kernel: 69 kept, the reason on stderr, nothing on stdout, no file.
mkdir "$tmp/tf"
HAWKFETCH_SYSROOT=$FIX/sysroot-stock status "prezero-ctl-stock-openmetrics" 69 "$P" --openmetrics --textfile "$tmp/tf"
[ ! -s "$tmp/out" ] && grep -q "lacks the hawkfetch pre-zeroing patches" "$tmp/err" && [ -z "$(ls -A "$tmp/tf")" ] &&
	pass "prezero-ctl-stock-says-why" || fail "prezero-ctl-stock-says-why" "stdout $(head -c 200 "$tmp/out"), stderr $(cat "$tmp/err")"
HAWKFETCH_SYSROOT=$FIX/sysroot-stock status "prezero-ctl-stock-watch-openmetrics" 69 "$P" watch --openmetrics
unset HAWKFETCH_SYSROOT
rm -rf "$tmp/tf"

# ---- hpbloat: the scan of this shell (root: pagemap PFNs) ----
if need_root; then
	"$BUILD/hpbloat" --openmetrics -p $$ > "$tmp/bloat.om" 2> "$tmp/err"; rc=$?
	[ $rc = 0 ] && promcheck "hpbloat-openmetrics-promtool" "$tmp/bloat.om" 1 ||
		fail "hpbloat-openmetrics-promtool" "status $rc: $(cat "$tmp/err")"
	cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print substr($0, length($1 $2) + 3); f = 1 }
		END { if (!f) exit 1 }' /proc/$$/cgroup || sed -n 's/^0:://p' /proc/$$/cgroup)
	grep -qF "hawkfetch_hpbloat_cgroup_huge_pages{cgroup=\"$cg\"}" "$tmp/bloat.om" &&
		grep -qF "hawkfetch_hpbloat_bloat_bytes{pid=\"$$\",comm=\"$(cat /proc/$$/comm)\"}" "$tmp/bloat.om" &&
		pass "hpbloat-openmetrics-labels" || fail "hpbloat-openmetrics-labels" "cgroup $cg: $(grep -v '^#' "$tmp/bloat.om")"
else
	skip "hpbloat-openmetrics" "needs root (page frame numbers); tests/host/hawkeye-metrics.sh covers it"
fi
