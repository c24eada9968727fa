#!/usr/bin/env bash
# hpcov --openmetrics and --textfile on fixtures, without root: promtool
# accepts every exposition, the histogram and counters of --promote
# --dry-run and of khugepaged's access_map are the ones the JSON output
# and the coverage file give, the plain output stays as it was, no page_idle
# is 69 with the reason; the combinations that make no sense are refused
# (64).
set -u
. "$(dirname "$0")/../lib.sh"
FIX=tests/fixtures
PFX=$FIX/promote
hf_tmp

need_promtool "hpcov-metrics" || exit 0

# ---- command lines ----
metrics_options_refused hpcov
status "hpcov-openmetrics-weights-only" 64 "$BUILD/hpcov" --openmetrics --weights "$PFX/weights.json"

# ---- hpcov --promote --dry-run --from: the histogram of the coverage file ----
mkdir -p "$tmp/thp511/sys/kernel/mm/transparent_hugepage/khugepaged"
echo 511 > "$tmp/thp511/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"
dry() { HAWKFETCH_SYSROOT=$tmp/thp511 "$BUILD/hpcov" --promote --dry-run --from "$PFX/coverage.json" "$@"; }
dry --openmetrics --weights "$PFX/weights.json" > "$tmp/cov.om" 2> "$tmp/err"; rc=$?
if [ $rc = 0 ]; then promcheck "hpcov-promote-dry-run-promtool" "$tmp/cov.om" 1; else fail "hpcov-promote-dry-run-promtool" "status $rc: $(cat "$tmp/err")"; fi
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
if [ $rc = 0 ]; then promcheck "hpcov-access-map-promtool" "$tmp/am.om" 1; else fail "hpcov-access-map-promtool" "status $rc: $(cat "$tmp/err")"; fi
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
