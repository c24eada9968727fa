#!/usr/bin/env bash
# hpcov --openmetrics and --textfile live (root): --promote --watch
# collapsing real regions, the counters each round; no idle page tracking
# is 69 without metrics. promtool accepts every exposition.
set -u
. "$(dirname "$0")/../lib.sh"
hf_tmp

host_metrics_ready hpcov-metrics-host hpcov workloads/touchset || exit 0
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)

# ---- hpcov --promote --watch: a collapse a round, the counters each round ----
if { [ "$thp" = madvise ] || [ "$thp" = never ]; } && start t "$BUILD/workloads/touchset" -a 64 512 256; then
	awk -v pid="$t" '/^region/ { printf "{\"pid\":%d,\"comm\":\"touchset\",\"addr\":\"%s\",\"coverage\":%d}\n", pid, $2, $3 }' \
		"$tmp/t.out" | jq -s '{type: "coverage", candidates: .}' > "$tmp/cov.json"
	mkdir "$tmp/tf"
	"$BUILD/hpcov" --promote --from "$tmp/cov.json" --budget 1 --watch -i 0.1 --openmetrics \
		--textfile "$tmp/tf" > "$tmp/promote.om" 2> "$tmp/err"; rc=$?
	lt="pid=\"$t\",comm=\"touchset\""
	if [ $rc = 69 ]; then
		skip "hpcov-promote-metrics" "no MADV_COLLAPSE: $(cat "$tmp/err")"
	elif [ $rc = 0 ] && promcheck "hpcov-promote-watch-promtool" "$tmp/promote.om" 4; then
		got=$(values "$tmp/promote.om" "hawkfetch_hpcov_promoted_regions_total{$lt}" | tr '\n' ' ')
		huge=$(values "$tmp/promote.om" "hawkfetch_hpcov_huge_regions{$lt}" | tr '\n' ' ')
		[ "$got" = "1 2 3 3 " ] && [ "$huge" = "1 2 3 3 " ] &&
			[ "$(awk '/^# EOF$/ { last = cur; cur = ""; next } { cur = cur $0 "\n" } END { printf "%s", last }' \
				"$tmp/promote.om" | grep -Ec "^hawkfetch_hpcov_regions\{$lt,bucket=\"[0-9]+\"\} 0$")" = 11 ] &&
			pass "hpcov-promote-watch-counters: promoted $got" ||
			fail "hpcov-promote-watch-counters" "promoted '$got', huge '$huge': $(cat "$tmp/err")"
		textfile "hpcov-promote-watch-textfile" "$tmp/tf" hpcov
		[ "$(value "$tmp/tf/hawkfetch_hpcov.prom" "hawkfetch_hpcov_promoted_regions_total{$lt}")" = 3 ] &&
			pass "hpcov-promote-watch-textfile-last-round" ||
			fail "hpcov-promote-watch-textfile-last-round" "$(grep promoted "$tmp/tf/hawkfetch_hpcov.prom")"
	else
		fail "hpcov-promote-watch" "status $rc: $(cat "$tmp/err")"
	fi
	rm -rf "$tmp/tf"
elif [ "$thp" = always ]; then
	skip "hpcov-promote-metrics" "THP enabled=always here; the test needs madvise or never"
fi
# No idle page tracking on this kernel: 69, the reason, no metrics.
if [ ! -e /sys/kernel/mm/page_idle/bitmap ]; then
	"$BUILD/hpcov" --top 5 --openmetrics > "$tmp/out" 2> "$tmp/err"; rc=$?
	[ $rc = 69 ] && [ ! -s "$tmp/out" ] && grep -q page_idle "$tmp/err" &&
		pass "hpcov-live-no-page-idle-69" || fail "hpcov-live-no-page-idle-69" "status $rc: $(cat "$tmp/err")"
fi
